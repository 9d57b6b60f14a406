// JSON texts of the OpenAI dialects, with the member order of
// openai-ws.md section 10 (id, object, created, model, choices[, usage]
// [, request_id]). Built without a JSON tree: a stream pre-renders its
// common head once and appends one chunk per content piece.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "openai_request.h"

namespace realm::server {

struct Usage {
    uint64_t prompt_tokens = 0;
    uint64_t completion_tokens = 0;
};

class ChunkEncoder {
public:
    ChunkEncoder(OpenAiDialect dialect, const std::string &model, const std::optional<std::string> &request_id);

    OpenAiDialect dialect() const { return dialect_; }

    // Streaming chunks. `text_json` is JSON-escaped text without quotes.
    void role(std::string &out) const;  // chat: delta {"role":"assistant"}
    void content(std::string &out, std::string_view text_json) const;
    // Final chunk (delta {} / text ""); usage only when given.
    void final(std::string &out, std::string_view finish_reason, const Usage *usage) const;
    // SSE include_usage: {"id",…,"choices":[],"usage":{…}}.
    void usage_only(std::string &out, const Usage &usage) const;
    // Non-streaming: the whole completion object with usage.
    void full(std::string &out, std::string_view text_json, std::string_view finish_reason, const Usage &usage) const;
    // Error envelope carrying this request's request_id.
    void error(std::string &out, const OpenAiError &e) const;

private:
    void open_choice(std::string &out, bool chunk) const;
    void close(std::string &out, const Usage *usage) const;

    OpenAiDialect dialect_;
    std::string id_json_;     // "chatcmpl-…" / "cmpl-…", quoted
    std::string tail_json_;   // ,"created":T,"model":"…"
    std::string request_id_;  // ,"request_id":"…" or empty
};

// {"error":{"message","type"[,"param"],"code"[,"retry_after_ms"]}[,"request_id"]}
std::string error_envelope(const OpenAiError &e, std::string_view request_id_member = {});

// {"type":"pong"[,"id":…]}; `id_json` is a JSON value text or empty.
std::string pong_json(std::string_view id_json);

// "chatcmpl-" / "cmpl-" + 32 random hex digits.
std::string new_completion_id(OpenAiDialect dialect);

}  // namespace realm::server
