// realm: the command-line tool of librealm. Parses the command line, sets
// up logging (-v), and runs one command. Uses the public C API only.
#include "args.h"
#include "commands.h"
#include "exit_codes.h"
#include "help.h"
#include "output.h"

#include <realm/realm.h>

#include <signal.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void log_to_stderr(void *, realm_log_level_t level, const char *message) {
    static const char *names[] = {"?", "error", "warn", "info", "debug"};
    std::fprintf(stderr, "realm: [%s] %s\n", names[level >= 1 && level <= 4 ? level : 0], message);
}

}  // namespace

int main(int argc, char **argv) {
    using namespace realm_cli;
    signal(SIGPIPE, SIG_IGN);  // `realm ... | head` ends with EPIPE, not a signal
    // What users type is UTF-8 (the protocols' text is): the line editor
    // decodes keys by LC_CTYPE, which is "C" (bytes > 0x7F dropped) unless
    // the environment names a UTF-8 locale.
    if (!std::setlocale(LC_CTYPE, "") || MB_CUR_MAX == 1) std::setlocale(LC_CTYPE, "C.UTF-8");
    CommandLine cl;
    std::string error;
    if (!parse_command_line(argc, argv, &cl, &error)) {
        print_message(error);
        std::fprintf(stderr, "Try 'realm --help'.\n");
        return kExitUsage;
    }
    if (cl.version) {
        std::printf("realm %s (librealm %s)\n", REALM_VERSION_STRING, realm_version());
        return kExitOk;
    }
    if (cl.command == "help") {
        std::string topic = cl.args.empty() ? "" : cl.args[0];
        std::string text = topic.empty() ? tool_help() : command_help(topic);
        if (text.empty()) {
            print_message("help: unknown command or topic '" + topic + "'");
            return kExitUsage;
        }
        std::fputs(text.c_str(), stdout);
        return kExitOk;
    }
    if (cl.help || cl.command.empty()) {
        std::fputs((cl.command.empty() ? tool_help() : command_help(cl.command)).c_str(), cl.help ? stdout : stderr);
        return cl.help ? kExitOk : kExitUsage;
    }
    if (cl.global.verbose > 0)
        realm_set_log_callback(log_to_stderr, nullptr, cl.global.verbose > 1 ? REALM_LOG_DEBUG : REALM_LOG_INFO);

    if (cl.command == "generate") return cmd_generate(cl);
    if (cl.command == "chat") return cmd_chat(cl);
    if (cl.command == "bench") return cmd_bench(cl);
    return cmd_info(cl);
}
