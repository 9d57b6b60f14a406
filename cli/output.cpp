#include "output.h"

#include "exit_codes.h"
#include "json_text.h"

#include <cstdio>
#include <string>

namespace realm_cli {

void print_message(const std::string &message) {
    std::fflush(stdout);
    std::fprintf(stderr, "realm: %s\n", message.c_str());
}

void Printer::tokens(const realm_token_t *tokens, size_t count) {
    if (json_) {
        std::string text;
        for (size_t i = 0; i < count; i++) text.append(tokens[i].text, tokens[i].len);
        std::printf("{\"event\":\"tokens\",\"text\":%s}\n", json_quote(text).c_str());
    } else {
        for (size_t i = 0; i < count; i++) {
            if (tokens[i].len == 0) continue;
            std::fwrite(tokens[i].text, 1, tokens[i].len, stdout);
            mid_line_ = tokens[i].text[tokens[i].len - 1] != '\n';
        }
    }
    std::fflush(stdout);
}

void Printer::end_line() {
    if (!json_ && mid_line_) std::fputc('\n', stdout);
    mid_line_ = false;
    std::fflush(stdout);
}

void Printer::generation_done(const realm_result_t *r) {
    if (!json_) {
        if (realm_result_streamed_tokens(r) == 0) {  // a single-frame answer
            size_t len = 0;
            const char *text = realm_result_text(r, &len);
            std::fwrite(text, 1, len, stdout);
            mid_line_ = len > 0 && text[len - 1] != '\n';
        }
        end_line();
        return;
    }
    size_t len = 0;
    const char *text = realm_result_text(r, &len);
    std::string line = "{\"event\":\"done\",\"outcome\":\"complete\",\"text\":" + json_quote({text, len});
    line += ",\"finish_reason\":" + json_quote(realm_result_finish_reason(r));
    line += ",\"model\":" + json_quote(realm_result_model(r));
    line += ",\"prompt_tokens\":" + json_count(realm_result_prompt_tokens(r));
    line += ",\"completion_tokens\":" + json_count(realm_result_completion_tokens(r));
    line += ",\"total_tokens\":" + json_count(realm_result_total_tokens(r));
    line += ",\"tokens_generated\":" + json_count(realm_result_tokens_generated(r));
    line += ",\"streamed_tokens\":" + json_count(realm_result_streamed_tokens(r));
    line += ",\"first_token_ms\":" + json_ms(realm_result_first_token_ms(r));
    line += ",\"elapsed_ms\":" + json_ms(realm_result_elapsed_ms(r)) + "}";
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

void Printer::json_result_done(const realm_result_t *r) {
    size_t len = 0;
    const char *raw = realm_result_json(r, &len);
    if (json_) {
        std::printf("{\"event\":\"done\",\"outcome\":\"complete\",\"result\":%.*s}\n", static_cast<int>(len), raw);
    } else {
        end_line();
        if (realm_result_streamed_tokens(r) == 0 || std::string(raw, len) != "null")
            std::printf("%s\n", json_pretty({raw, len}).c_str());
    }
    std::fflush(stdout);
}

int Printer::request_error(const std::string &context, realm_outcome_t outcome, const realm_error_t *e) {
    end_line();
    realm_status_t status = realm_error_status(e);
    int code = exit_code_for_status(status);
    std::string msg = context + ": [" + realm_error_code(e) + "] " + realm_error_message(e);
    if (realm_error_http_status(e) > 0) msg += " (HTTP " + std::to_string(realm_error_http_status(e)) + ")";
    if (realm_error_retry_after_ms(e) >= 0)
        msg += " (retry after " + std::to_string(realm_error_retry_after_ms(e)) + " ms)";
    print_message(msg);
    if (json_) {
        std::string line = "{\"event\":\"error\",\"outcome\":";
        line += outcome == REALM_OUTCOME_CANCELLED ? "\"cancelled\"" : "\"error\"";
        line += ",\"code\":" + json_quote(realm_error_code(e));
        line += ",\"status\":" + json_quote(realm_status_name(status));
        line += ",\"category\":" + json_quote(category_name(category_of(status)));
        line += ",\"message\":" + json_quote(realm_error_message(e));
        line += std::string(",\"retryable\":") + (realm_error_retryable(e) ? "true" : "false");
        line += ",\"retry_after_ms\":" + json_count(realm_error_retry_after_ms(e));
        line += ",\"http_status\":" + std::to_string(realm_error_http_status(e));
        line += ",\"exit_code\":" + std::to_string(code) + "}";
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    }
    return code;
}

int Printer::call_error(const std::string &context, realm_status_t status, realm_error_t *err) {
    int code;
    if (err) {
        code = request_error(context, REALM_OUTCOME_ERROR, err);
        realm_error_destroy(err);
        return code;
    }
    end_line();
    code = exit_code_for_status(status);
    print_message(context + ": [" + realm_status_name(status) + "] " + realm_strerror(status));
    if (json_) {
        std::printf("{\"event\":\"error\",\"outcome\":\"error\",\"code\":%s,\"status\":%s,\"category\":%s,"
                    "\"message\":%s,\"retryable\":false,\"retry_after_ms\":null,\"http_status\":0,\"exit_code\":%d}\n",
                    json_quote(realm_status_name(status)).c_str(), json_quote(realm_status_name(status)).c_str(),
                    json_quote(category_name(category_of(status))).c_str(), json_quote(realm_strerror(status)).c_str(),
                    code);
        std::fflush(stdout);
    }
    return code;
}

}  // namespace realm_cli
