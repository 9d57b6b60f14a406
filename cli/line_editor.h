// Reading the lines of `realm chat`: libedit (emacs keys, in-memory history
// saved to a file) on a terminal, plain getline otherwise.
#pragma once

#include <cwchar>
#include <string>

struct editline;
struct history;

namespace realm_cli {

class LineEditor {
public:
    // history_file: "" = no persistent history.
    explicit LineEditor(const std::string &history_file);
    ~LineEditor();
    LineEditor(const LineEditor &) = delete;
    LineEditor &operator=(const LineEditor &) = delete;

    enum class Read { Line, EndOfInput, Interrupted };
    // Reads one line (without its newline). Interrupted: Ctrl-C at the prompt.
    Read read(const std::string &prompt, std::string *line);
    void add_history(const std::string &line);
    bool interactive() const { return el_ != nullptr; }

private:
    static const char *prompt_cb(struct editline *el);
    // libedit's character reader: waits for the terminal or a Ctrl-C.
    static int read_char(struct editline *el, wchar_t *out);

    struct editline *el_ = nullptr;
    struct history *hist_ = nullptr;
    std::string history_file_;
    std::string prompt_;
};

}  // namespace realm_cli
