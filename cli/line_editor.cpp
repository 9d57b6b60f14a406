#include "line_editor.h"

#include "signals.h"

#include <histedit.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>

namespace realm_cli {

LineEditor::LineEditor(const std::string &history_file) : history_file_(history_file) {
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) return;
    el_ = el_init("realm", stdin, stdout, stderr);
    if (!el_) return;
    hist_ = history_init();
    HistEvent ev;
    history(hist_, &ev, H_SETSIZE, 1000);
    history(hist_, &ev, H_SETUNIQUE, 1);
    if (!history_file_.empty()) history(hist_, &ev, H_LOAD, history_file_.c_str());
    el_set(el_, EL_CLIENTDATA, this);
    el_set(el_, EL_PROMPT, &LineEditor::prompt_cb);
    el_set(el_, EL_EDITOR, "emacs");
    el_set(el_, EL_SIGNAL, 0);  // our SIGINT handler, seen by read_char
    el_set(el_, EL_GETCFN, &LineEditor::read_char);
    el_set(el_, EL_HIST, history, hist_);
    el_source(el_, nullptr);    // ~/.editrc, if any
}

LineEditor::~LineEditor() {
    if (hist_) {
        HistEvent ev;
        if (!history_file_.empty()) history(hist_, &ev, H_SAVE, history_file_.c_str());
        history_end(hist_);
    }
    if (el_) el_end(el_);
}

const char *LineEditor::prompt_cb(struct editline *el) {
    void *self = nullptr;
    el_get(el, EL_CLIENTDATA, &self);
    return static_cast<LineEditor *>(self)->prompt_.c_str();
}

// A Ctrl-C that arrived after el_gets() drew the prompt but before it blocked
// in read() interrupted nothing (the handler had already run) and was lost
// until the next key: wait for the terminal and the handler's pipe together.
int LineEditor::read_char(struct editline *, wchar_t *out) {
    std::mbstate_t state{};
    for (;;) {
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {sigint_fd(), POLLIN, 0}};
        int n = poll(fds, sigint_fd() >= 0 ? 2 : 1, -1);
        if (n < 0 && errno != EINTR) return -1;
        if (n < 0 || (fds[1].revents & POLLIN)) {
            errno = EINTR;  // Ctrl-C: el_gets returns NULL with EINTR
            return -1;
        }
        char byte;
        ssize_t r = ::read(STDIN_FILENO, &byte, 1);
        if (r == 0) return 0;  // end of input
        if (r < 0) {
            if (errno == EAGAIN) continue;
            return -1;
        }
        size_t used = std::mbrtowc(out, &byte, 1, &state);
        if (used == static_cast<size_t>(-2)) continue;  // inside a multibyte character
        if (used == static_cast<size_t>(-1)) {
            state = std::mbstate_t{};
            *out = static_cast<unsigned char>(byte);  // not valid here: pass the byte on
        }
        return 1;
    }
}

LineEditor::Read LineEditor::read(const std::string &prompt, std::string *line) {
    if (!el_) {
        if (!std::getline(std::cin, *line)) return Read::EndOfInput;
        return Read::Line;
    }
    prompt_ = prompt;
    int count = 0;
    errno = 0;
    const char *text = el_gets(el_, &count);
    if (!text) {
        if (count < 0 && errno == EINTR) {
            el_reset(el_);
            return Read::Interrupted;
        }
        return Read::EndOfInput;
    }
    line->assign(text, static_cast<size_t>(count));
    while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
    return Read::Line;
}

void LineEditor::add_history(const std::string &line) {
    if (!hist_ || line.empty()) return;
    HistEvent ev;
    history(hist_, &ev, H_ENTER, line.c_str());
}

}  // namespace realm_cli
