// realm chat: an interactive conversation. Each question is sent with the
// whole conversation as chat messages (realm_generate_params_t.messages);
// answers stream. /system TEXT, /reset, /exit. Ctrl-C cancels the answer in
// progress; at the prompt, Ctrl-C twice in a row (or Ctrl-D, or /exit) quits.
#include "client.h"
#include "commands.h"
#include "exit_codes.h"
#include "line_editor.h"
#include "output.h"
#include "signals.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace realm_cli {
namespace {

const char kChatHelp[] =
    "  /system TEXT   set the system message (/system alone removes it); keeps the conversation\n"
    "  /reset         forget the conversation (the system message stays)\n"
    "  /history       show the conversation\n"
    "  /exit          quit (also /quit, Ctrl-D, or Ctrl-C twice at the prompt)\n"
    "  Ctrl-C while an answer streams cancels that answer\n";

std::string history_file() {
    if (const char *f = std::getenv("REALM_HISTORY")) return f;  // "" = none
    const char *home = std::getenv("HOME");
    return home && *home ? std::string(home) + "/.realm_history" : std::string();
}

std::string trim(const std::string &s) {
    size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

struct Conversation {
    std::optional<std::string> system;
    std::vector<std::pair<std::string, std::string>> turns;  // role, content

    std::vector<realm_message_t> messages() const {
        std::vector<realm_message_t> m;
        if (system) m.push_back({"system", system->c_str()});
        for (const auto &[role, content] : turns) m.push_back({role.c_str(), content.c_str()});
        return m;
    }
};

// Sends the conversation, streams the answer; appends it on success, drops
// the question otherwise.
void ask(Client &client, Printer &printer, const GlobalOptions &g, Conversation &conv) {
    std::vector<realm_message_t> messages = conv.messages();
    realm_generate_params_t p = generate_params(g);
    p.messages = messages.data();
    p.message_count = messages.size();
    realm_handler_t h = client.handler(nullptr);
    realm_request_t *req = nullptr;
    realm_error_t *err = nullptr;
    take_sigint();  // a Ctrl-C typed before this question must not cancel it
    realm_status_t st = realm_generate(client.get(), &p, nullptr, &h, &req, &err);
    if (st != REALM_OK) {
        printer.call_error("chat", st, err);
        conv.turns.pop_back();
        return;
    }
    bool ok = false;
    std::string answer;
    run_to_end(client.queue(), req, [&](const realm_queue_event_t &ev) {
        if (ev.kind == REALM_QEV_TOKENS) {
            printer.tokens(ev.tokens, ev.token_count);
        } else if (ev.kind == REALM_QEV_DONE) {
            if (ev.outcome == REALM_OUTCOME_COMPLETE) {
                size_t len = 0;
                const char *text = realm_result_text(ev.result, &len);
                answer.assign(text, len);
                printer.generation_done(ev.result);
                ok = true;
            } else if (ev.outcome == REALM_OUTCOME_CANCELLED && !printer.json()) {
                printer.end_line();
                std::fprintf(stderr, "[answer cancelled]\n");
            } else {
                printer.request_error("chat", ev.outcome, ev.error);
            }
        }
    });
    realm_request_release(req);
    if (ok) conv.turns.emplace_back("assistant", answer);
    else conv.turns.pop_back();
}

}  // namespace

int cmd_chat(const CommandLine &cl) {
    Printer printer(cl.global.json);
    if (!cl.args.empty()) {
        print_message("chat: takes no arguments (see realm chat --help)");
        return kExitUsage;
    }
    install_sigint_handler();
    Client client(cl.global, printer);
    if (int rc = client.open(true)) return rc;
    if (int rc = client.connect()) return rc;

    LineEditor editor(history_file());
    if (editor.interactive())
        std::fprintf(stderr, "realm chat: connected to %s. /help for commands, Ctrl-D or /exit to quit.\n",
                     cl.global.url.c_str());
    Conversation conv;
    conv.system = cl.global.system;
    bool interrupted_once = false;
    for (;;) {
        std::string line;
        LineEditor::Read r = editor.read("> ", &line);
        if (r == LineEditor::Read::EndOfInput) {
            if (editor.interactive()) std::fputc('\n', stdout);
            break;
        }
        if (r == LineEditor::Read::Interrupted) {
            take_sigint();
            if (interrupted_once) {
                std::fputc('\n', stdout);
                break;
            }
            interrupted_once = true;
            std::fprintf(stdout, "\n(To exit, press Ctrl-C again, Ctrl-D, or type /exit)\n");
            std::fflush(stdout);
            continue;
        }
        interrupted_once = false;
        std::string text = trim(line);
        if (text.empty()) continue;
        editor.add_history(text);
        if (text[0] == '/') {
            std::string cmd = text.substr(0, text.find(' '));
            std::string rest = cmd.size() < text.size() ? trim(text.substr(cmd.size())) : std::string();
            if (cmd == "/exit" || cmd == "/quit") break;
            if (cmd == "/reset") {
                conv.turns.clear();
                std::fprintf(stderr, "[conversation reset]\n");
            } else if (cmd == "/system") {
                if (rest.empty()) conv.system.reset();
                else conv.system = rest;
                std::fprintf(stderr, rest.empty() ? "[system message removed]\n" : "[system message set]\n");
            } else if (cmd == "/history") {
                if (conv.system) std::printf("system: %s\n", conv.system->c_str());
                for (const auto &[role, content] : conv.turns) std::printf("%s: %s\n", role.c_str(), content.c_str());
                std::fflush(stdout);
            } else if (cmd == "/help") {
                std::fputs(kChatHelp, stderr);
            } else {
                std::fprintf(stderr, "unknown command %s; /help lists them\n", cmd.c_str());
            }
            continue;
        }
        conv.turns.emplace_back("user", text);
        ask(client, printer, cl.global, conv);
    }
    return kExitOk;
}

}  // namespace realm_cli
