// The OpenAI shapes shared by the openai-ws and HTTP/SSE dialects: request
// bodies of /v1/chat/completions and /v1/completions, and the decoder of
// chunks, whole responses and error envelopes (openai-ws.md 3-4; the same
// JSON travels in SSE events).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "protocol/dialect.h"

namespace realm::protocol::openai {

enum class Endpoint { Chat, Completions };

struct BodyOptions {
    std::string_view request_id;  // openai-ws multiplexing: sent as "request_id" ("" = none)
    bool include_usage = false;   // HTTP streaming: "stream_options":{"include_usage":true}
};

// Appends the JSON body of a Generate or Chat request for `endpoint`: model,
// messages (chat; a prompt becomes one user message) or prompt
// (completions; a chat is refused earlier by the dialects), the sampling
// fields that are set, "stream", then the user's extra members (which win).
void encode_body(std::string &out, const RequestSpec &spec, Endpoint endpoint, const BodyOptions &opts);

// Decodes one OpenAI JSON object:
//  - {"error":{…}} or {"error":"text"} -> Error (status from code / type)
//  - {"type":"pong",…} -> Pong; another "type" without choices -> Notice
//  - a chunk or a whole response -> Token: text of choices[0] (delta.content,
//    text or message.content; null or absent = no text), finish_reason, usage;
//    "choices":[] is valid only with usage
//  - anything else -> Invalid with a reason
// A top-level "request_id" becomes the frame id. The dialects turn a Token
// into the end of a request where their transport says so.
class Decoder {
public:
    void decode(std::string_view json, InboundFrame &f);

private:
    void decode_full(std::string_view json, InboundFrame &f);
    bool decode_like_template(std::string_view json, InboundFrame &f) const;
    void learn_template(std::string_view json, const InboundFrame &f);

    std::string arena_;

    // The hot path. The content chunks of a stream differ only in a few
    // string values: the text, the chunk's "id" and "request_id" (which
    // change between interleaved requests). The last plain content chunk the
    // full decoder read is kept as a template: its bytes cut at those values
    // into literal pieces. A chunk whose bytes equal the pieces, with plain
    // strings (no quote, backslash or control byte) in the slots between
    // them, is the same JSON with other strings in it, so it decodes the same
    // way without being parsed again. (`created` changes once a second: then
    // the full decoder runs and makes a new template.)
    enum class Slot { Text, RequestId, ChunkId };
    struct Template {
        std::vector<std::string> pieces;  // literal bytes around the slots (slots + 1)
        std::vector<Slot> slots;          // in message order
    } template_;
    std::string_view chunk_id_;           // the last full decode's top-level "id" value
    bool has_template_ = false;
    std::string template_model_;          // the template's "model" value (fixed text of the template)
};

// The status of an OpenAI error (code or type; `http_status` 0 over
// WebSocket). The HTTP status decides when there is one: 401/403
// unauthorized, 404 not found, 408/504 timeout, 429 rate limited (unless the
// code is insufficient_quota), other 4xx invalid request, 5xx server error
// (retryable).
realm_status_t error_status(std::string_view code, std::string_view type, int http_status, int *retryable);

}  // namespace realm::protocol::openai
