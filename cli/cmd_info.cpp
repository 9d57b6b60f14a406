// realm models | health | metadata | call FUNCTION [JSON|-]: one request
// whose answer is JSON, printed indented (or as a done event with --json).
#include "client.h"
#include "commands.h"
#include "exit_codes.h"
#include "output.h"
#include "signals.h"

#include <iostream>
#include <iterator>
#include <string>

namespace realm_cli {

int cmd_info(const CommandLine &cl) {
    Printer printer(cl.global.json);
    const std::string &cmd = cl.command;
    std::string function, params = "{}";
    if (cmd == "call") {
        if (cl.args.empty() || cl.args.size() > 2) {
            print_message("call: expected FUNCTION [JSON] (see realm call --help)");
            return kExitUsage;
        }
        function = cl.args[0];
        if (cl.args.size() == 2) params = cl.args[1];
        if (params == "-") {
            params.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
            if (std::cin.bad()) {
                print_message("call: cannot read the JSON params from stdin");
                return kExitFailure;
            }
        }
    } else if (!cl.args.empty()) {
        print_message(cmd + ": takes no arguments (see realm " + cmd + " --help)");
        return kExitUsage;
    }

    install_sigint_handler();
    Client client(cl.global, printer);
    if (int rc = client.open(false)) return rc;
    if (int rc = client.connect()) return rc;

    realm_handler_t h = client.handler(nullptr);
    realm_request_t *req = nullptr;
    realm_error_t *err = nullptr;
    realm_status_t st;
    if (cmd == "models") st = realm_models(client.get(), nullptr, &h, &req, &err);
    else if (cmd == "health") st = realm_health(client.get(), nullptr, &h, &req, &err);
    else if (cmd == "metadata") st = realm_metadata(client.get(), nullptr, &h, &req, &err);
    else st = realm_call(client.get(), function.c_str(), params.c_str(), nullptr, &h, &req, &err);
    if (st != REALM_OK) return printer.call_error(cmd, st, err);
    int rc = kExitOk;
    run_to_end(client.queue(), req, [&](const realm_queue_event_t &ev) {
        if (ev.kind == REALM_QEV_TOKENS) {
            printer.tokens(ev.tokens, ev.token_count);
        } else if (ev.kind == REALM_QEV_DONE) {
            if (ev.outcome == REALM_OUTCOME_COMPLETE) printer.json_result_done(ev.result);
            else rc = printer.request_error(cmd, ev.outcome, ev.error);
        }
    });
    realm_request_release(req);
    return rc;
}

}  // namespace realm_cli
