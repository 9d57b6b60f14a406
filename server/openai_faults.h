// Faults on demand for the OpenAI dialects (--enable-faults only): the
// request body member "fault", one object or an array of them. Two kinds:
// - timed faults fire once `after` content chunks were sent (like Realm
//   faults): drop, stall, malformed, invalid_utf8, split_utf8, close,
//   backend_error, binary;
// - response faults shape the whole HTTP response: http_status,
//   content_type, endless_line, huge, chunk_bytes, comments, crlf,
//   done_without_finish.
// Which transport takes which fault is checked here, so that a fault that
// cannot happen on a transport is a clear request error, not a no-op.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <cjson/cJSON.h>

namespace realm::server {

enum class OpenAiFaultType {
    Drop,               // TCP drop: no close frame, no final chunk / terminating HTTP chunk
    Stall,              // nothing for this request for `ms`
    Malformed,          // one frame / data: event that is not JSON
    InvalidUtf8,        // one content chunk with invalid UTF-8 bytes
    SplitUtf8,          // "é" as two content chunks "\xC3" + "\xA9" (SSE)
    Close,              // close the WebSocket with `code` / `reason`
    BackendError,       // mid-stream server_error; the request ends
    Binary,             // one binary frame (WebSocket)
    HttpStatus,         // `status` + `body` (+ `retry_after`) instead of the response
    ContentType,        // the response's Content-Type is `value`
    EndlessLine,        // "data: " + `bytes` x's, no newline; idle or `close`
    Huge,               // a 200 JSON body of `bytes` bytes
    ChunkBytes,         // body written in HTTP chunks / writes of <= `bytes`
    Comments,           // ": ping" comment lines between SSE events
    Crlf,               // SSE lines end with CRLF
    DoneWithoutFinish,  // [DONE] without any finish_reason chunk
};

enum class OpenAiTransport { WebSocket, Http };

struct OpenAiFault {
    OpenAiFaultType type = OpenAiFaultType::Drop;
    uint64_t after = 0;
    uint64_t ms = 0;
    uint64_t bytes = 0;
    uint16_t code = 4000;
    std::string reason;
    int status = 500;
    std::string body = "json";               // http_status: json | html | empty | text
    std::optional<std::string> retry_after;  // http_status: raw Retry-After value
    bool close = false;                      // endless_line: close after the line
};

struct OpenAiFaults {
    std::vector<OpenAiFault> timed;  // sorted by `after`
    // Response faults (HTTP).
    std::optional<OpenAiFault> http_status;
    std::optional<OpenAiFault> endless_line;
    std::optional<OpenAiFault> huge;
    std::string content_type;     // empty = the normal one
    uint64_t chunk_bytes = 0;     // 0 = no limit
    bool comments = false;
    bool crlf = false;
    bool done_without_finish = false;

    bool any() const;
};

// Parses the "fault" member for a request on `transport` with `stream`.
// Returns "" or the error message (the request's param is "fault").
std::string parse_openai_faults(const cJSON *v, OpenAiTransport transport, bool stream, OpenAiFaults *out);

}  // namespace realm::server
