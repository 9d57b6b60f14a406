// Reading the parts of an HTTP response an LLM client acts on, whatever the
// server: Retry-After, the media type, and a human-readable message out of an
// error body that may be an OpenAI error envelope, another JSON shape, HTML,
// plain text or nothing at all.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace realm::protocol {

// Retry-After (RFC 9110 10.2.3): delay-seconds, or an HTTP-date (IMF-fixdate,
// obsolete RFC 850 and asctime forms) taken relative to `now` (Unix seconds).
// Returns milliseconds >= 0, or -1 when absent or unparseable. A date in the
// past gives 0.
int64_t parse_retry_after_ms(std::string_view value, std::time_t now);

// The media type of a Content-Type value, lower-cased, without parameters
// and surrounding spaces: "Text/Event-Stream; charset=utf-8" ->
// "text/event-stream".
std::string media_type(std::string_view content_type);

// What an error body says, for error messages and codes.
struct HttpErrorBody {
    std::string message;  // never empty: falls back to "HTTP <status> <reason phrase>"
    std::string code;     // error.code (or error.type) when the body is an OpenAI envelope, else ""
    std::string type;     // error.type, else ""
    std::string param;    // error.param, else ""
};

// Reads an error body: {"error":{"message","type","param","code"}},
// {"error":"text"}, {"detail":"text"} or {"detail":[{"msg":...}]} (FastAPI),
// {"message":"text"}, HTML (the <title>, else the text with tags removed),
// plain text, or empty. The message is valid UTF-8, single-line (control
// characters become spaces), and at most `max_message` bytes (cut on a
// character boundary, "..." appended). Never throws.
HttpErrorBody read_error_body(int status, std::string_view content_type, std::string_view body,
                              size_t max_message = 300);

// The standard reason phrase of a status ("Too Many Requests"), "" if unknown.
std::string_view reason_phrase(int status);

}  // namespace realm::protocol
