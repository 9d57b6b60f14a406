// What the two Tekton dialects (HTTP/SSE and WebSocket, tekton.md 2 and 3)
// share: the request members built from a RequestSpec as the Python client
// builds them, and one reader for the server's replies (an SSE chunk, a whole
// HTTP answer, or a WebSocket frame; they use the same member names).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/request_spec.h"

namespace realm::protocol::tekton {

// The members of a reply that matter. Views point into the message or the
// arena given to read_reply.
struct Reply {
    std::string_view type;        // WebSocket frames: "CHUNK", "RESPONSE", ...
    std::string_view request_id;
    bool has_request_id = false;  // present and a non-empty string
    std::string_view text;        // `chunk` or `content`
    bool has_text = false;
    bool done = false;
    std::string_view error;       // "" = none or null
    std::string_view finish_reason;
    std::string_view model;
    int64_t prompt_tokens = -1, completion_tokens = -1, total_tokens = -1;
    // The first known member whose value has the wrong JSON type ("" = none).
    // The HTTP dialect tolerates them (skipped as "not set"); the WebSocket
    // dialect reports the frame as invalid.
    std::string_view wrong_type;
};

// False when `json` is not one JSON object.
bool read_reply(std::string_view json, std::string &arena, Reply &r);

// ---- request members, in the order the Python client writes them ----

// `"messages":[...]` of a chat, or of a prompt as one user message. A
// leading system message of a chat is left out and returned in
// *system_prompt (true when there was one).
bool append_messages(std::string &out, const RequestSpec &spec, std::string_view *system_prompt);
// `"prompt":"..."` (WebSocket GENERATE / STREAM).
void append_prompt(std::string &out, const RequestSpec &spec);
// `,"context_id":…,"provider_id":…` and `,"model_id":…` when a model is set.
void append_routing(std::string &out, const Sampling &g);
// `,"system_prompt":…`
void append_system_prompt(std::string &out, std::string_view system_prompt);
// `,"options":{…}`: temperature (0.7 unless set), fallback_provider/model
// null, the other sampling fields only when set and non-zero.
void append_options(std::string &out, const Sampling &g);
// Merges the request's extra JSON object into the object that starts at
// `out[start]` (extra members replace same-named ones and go last).
void merge_extra(std::string &out, size_t start, std::string_view extra_json);

}  // namespace realm::protocol::tekton
