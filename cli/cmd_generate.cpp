// realm generate "prompt" | - : one streamed generation to stdout.
#include "client.h"
#include "commands.h"
#include "exit_codes.h"
#include "output.h"
#include "signals.h"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace realm_cli {

realm_generate_params_t generate_params(const GlobalOptions &g) {
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    if (g.max_tokens) p.max_tokens = *g.max_tokens;
    if (g.temperature) p.temperature = *g.temperature;
    p.stream = 1;
    return p;
}

int cmd_generate(const CommandLine &cl) {
    Printer printer(cl.global.json);
    if (cl.args.size() != 1) {
        print_message(std::string("generate: ") + (cl.args.empty() ? "missing the prompt" : "too many arguments") +
                      " (realm generate \"PROMPT\", or - to read it from stdin; see realm generate --help)");
        return kExitUsage;
    }
    std::string prompt = cl.args[0];
    if (prompt == "-") {
        prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        if (std::cin.bad()) {
            print_message("generate: cannot read the prompt from stdin");
            return kExitFailure;
        }
        while (!prompt.empty() && (prompt.back() == '\n' || prompt.back() == '\r')) prompt.pop_back();
    }
    if (prompt.empty()) {
        print_message("generate: the prompt is empty");
        return kExitUsage;
    }

    install_sigint_handler();
    Client client(cl.global, printer);
    if (int rc = client.open(true)) return rc;
    if (int rc = client.connect()) return rc;

    realm_generate_params_t p = generate_params(cl.global);
    std::vector<realm_message_t> messages;
    if (cl.global.system || cl.chat) {  // a chat: system message (if any) + the prompt as the user's
        if (cl.global.system) messages.push_back({"system", cl.global.system->c_str()});
        messages.push_back({"user", prompt.c_str()});
        p.messages = messages.data();
        p.message_count = messages.size();
    } else {
        p.prompt = prompt.c_str();
    }
    realm_handler_t h = client.handler(nullptr);
    realm_request_t *req = nullptr;
    realm_error_t *err = nullptr;
    realm_status_t st = realm_generate(client.get(), &p, nullptr, &h, &req, &err);
    if (st != REALM_OK) return printer.call_error("generate", st, err);
    int rc = kExitOk;
    run_to_end(client.queue(), req, [&](const realm_queue_event_t &ev) {
        if (ev.kind == REALM_QEV_TOKENS) {
            printer.tokens(ev.tokens, ev.token_count);
        } else if (ev.kind == REALM_QEV_DONE) {
            if (ev.outcome == REALM_OUTCOME_COMPLETE) {
                printer.generation_done(ev.result);
                if (cl.global.verbose && !printer.json())
                    std::fprintf(stderr, "realm: [finish_reason %s, %lld tokens, first token %.1f ms, total %.1f ms]\n",
                                 *realm_result_finish_reason(ev.result) ? realm_result_finish_reason(ev.result) : "-",
                                 static_cast<long long>(realm_result_streamed_tokens(ev.result)),
                                 realm_result_first_token_ms(ev.result), realm_result_elapsed_ms(ev.result));
            } else {
                rc = printer.request_error("generate", ev.outcome, ev.error);
            }
        }
    });
    realm_request_release(req);
    return rc;
}

}  // namespace realm_cli
