// What the commands print: streamed text, results and errors, either for
// people (text on stdout, messages on stderr) or, with --json, as one JSON
// object per line and per event on stdout:
//   {"event":"tokens","text":...}
//   {"event":"done",...}            (generation: text, finish_reason, usage, timings;
//                                    other requests: "result" = the server's JSON)
//   {"event":"error",...}           (code, status, category, message, retryable,
//                                    retry_after_ms, http_status, exit_code)
#pragma once

#include <realm/realm.h>

#include <string>

namespace realm_cli {

class Printer {
public:
    explicit Printer(bool json) : json_(json) {}
    bool json() const { return json_; }

    void tokens(const realm_token_t *tokens, size_t count);
    // End of a generation. Human: ends the streamed line.
    void generation_done(const realm_result_t *result);
    // End of a request whose answer is JSON (models, health, metadata, call).
    void json_result_done(const realm_result_t *result);
    // A request that ended in error or was cancelled: prints it, returns the exit code.
    int request_error(const std::string &context, realm_outcome_t outcome, const realm_error_t *error);
    // A call that failed with `status` (err may be NULL; it is destroyed).
    int call_error(const std::string &context, realm_status_t status, realm_error_t *err);
    // Human output: ends a line of streamed text, if one is open.
    void end_line();

private:
    bool json_;
    bool mid_line_ = false;
};

// Prints "realm: MESSAGE" on stderr.
void print_message(const std::string &message);

}  // namespace realm_cli
