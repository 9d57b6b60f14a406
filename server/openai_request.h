// Validation of OpenAI-style request bodies (openai-ws.md sections 3 and
// 4.5) for both transports: the WebSocket frame and the HTTP POST body are
// the same JSON object. Errors use the OpenAI envelope fields; the HTTP
// status goes with them so that the HTTP side needs no second table.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cjson/cJSON.h>

#include "openai_faults.h"
#include "options.h"
#include "rate_limiter.h"
#include "upstream_feed.h"

namespace realm::server {

enum class OpenAiDialect { Chat, Completions };

struct OpenAiError {
    int http_status = 400;
    std::string message;
    std::string type = "invalid_request_error";
    bool has_param = true;             // the auth error of section 2 has no "param" member
    std::optional<std::string> param;  // null when absent
    std::string code = "invalid_request_error";
    uint64_t retry_after_ms = 0;       // rate_limit_exceeded: extension member, and Retry-After
};

OpenAiError invalid_json_error();
OpenAiError invalid_param_error(std::string param, std::string message);
OpenAiError invalid_api_key_error();
OpenAiError rate_limit_error(const RateDecision &d);
OpenAiError server_error(std::string message);
OpenAiError not_found_error(std::string message);

struct OpenAiRequest {
    OpenAiDialect dialect = OpenAiDialect::Chat;
    std::string model;
    std::string prompt;                  // what the backend answers: last user message / prompt
    uint64_t prompt_tokens = 0;          // words of all message contents / of the prompt
    std::optional<uint64_t> max_tokens;  // absent: one sentence, finish "stop"
    std::vector<std::string> stop;       // non-empty stop strings
    // What a gateway forwards (the synthetic model reads only the above).
    std::vector<ChatMessage> messages;   // chat: every message, in order
    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<double> presence_penalty;
    std::optional<double> frequency_penalty;
    std::optional<int64_t> seed;
    bool stream = false;
    bool include_usage = false;          // stream_options.include_usage (SSE)
    std::optional<std::string> request_id;
    std::optional<uint64_t> delay_ms;    // extension: per-token pause
    OpenAiFaults faults;
};

struct CjsonDeleter {
    void operator()(cJSON *j) const { cJSON_Delete(j); }
};
using JsonPtr = std::unique_ptr<cJSON, CjsonDeleter>;

// Parses JSON text; null when it is not JSON (or not valid UTF-8).
JsonPtr parse_json(std::string_view text);

// The string member `request_id` of a parsed frame, if any (errors of a
// request echo it even when the rest of the request is invalid).
std::optional<std::string> request_id_of(const cJSON *root);

// Validates `root` as a request of `dialect` arriving on `transport`.
// Returns false with *err on failure.
bool validate_openai_request(const cJSON *root, OpenAiDialect dialect, OpenAiTransport transport,
                             const ServerOptions &options, OpenAiRequest *out, OpenAiError *err);

}  // namespace realm::server
