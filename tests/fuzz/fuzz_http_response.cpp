// HTTP response parsing (src/protocol/http_response.cpp, http_error_body.cpp,
// retry_after.cpp) and the openai-http dialect's error mapping. Input:
// bytes 0-1 the status, byte 2 the message limit, then
// "content-type \0 retry-after \0 body".
// Invariants:
//  - read_error_body: the message is non-empty, valid UTF-8, single-line
//    (no control bytes), not padded with spaces, at most the limit; code,
//    type and param are valid UTF-8 without control bytes;
//  - Retry-After: -1 or >= 0, a multiple of 1000, the same with spaces and
//    tabs around the value; seconds parse as themselves (capped);
//  - media_type is lower case, without ';' or surrounding spaces;
//  - the openai-http dialect turns any answer into an Error frame whose
//    strings are valid UTF-8.
#include "fuzz_support.h"
#include "protocol/http_response.h"
#include "protocol/openai/openai_dialects.h"

using namespace realm;
using namespace realm::protocol;

namespace {

void check_line(std::string_view s, const char *what) {
    FUZZ_CHECK(fuzz::utf8(s), std::string(what) + " is not valid UTF-8");
    for (unsigned char c : s) FUZZ_CHECK(c >= 0x20 && c != 0x7f, std::string(what) + " holds a control byte");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    const int status = (data[0] << 8 | data[1]) % 1000;
    const size_t max_message = data[2] == 255 ? 300 : data[2];
    std::string_view rest(reinterpret_cast<const char *>(data) + 3, size - 3);
    size_t z1 = rest.find('\0');
    std::string_view content_type = rest.substr(0, z1);
    std::string_view retry_after, body;
    if (z1 != std::string_view::npos) {
        std::string_view after = rest.substr(z1 + 1);
        size_t z2 = after.find('\0');
        retry_after = after.substr(0, z2);
        if (z2 != std::string_view::npos) body = after.substr(z2 + 1);
    }

    HttpErrorBody e = read_error_body(status, content_type, body, max_message);
    FUZZ_CHECK(!e.message.empty(), "empty message");
    check_line(e.message, "message");
    FUZZ_CHECK(e.message.size() <= std::max<size_t>(max_message, 4),
               "message of " + std::to_string(e.message.size()) + " bytes passes the limit " + std::to_string(max_message));
    FUZZ_CHECK(e.message.front() != ' ' && e.message.back() != ' ', "message not trimmed");
    check_line(e.code, "code");
    check_line(e.type, "type");
    check_line(e.param, "param");

    const std::time_t now = 1700000000;
    for (std::string_view v : {retry_after, body}) {
        int64_t ms = parse_retry_after_ms(v, now);
        FUZZ_CHECK(ms >= -1 && (ms == -1 || ms % 1000 == 0), "Retry-After out of range: " + std::to_string(ms));
        std::string padded = " \t" + std::string(v) + "\t ";
        FUZZ_CHECK(parse_retry_after_ms(padded, now) == ms, "Retry-After changes with surrounding spaces");
        if (!v.empty() && v.size() <= 9 && v.find_first_not_of("0123456789") == std::string_view::npos) {
            int64_t n = std::stoll(std::string(v));
            FUZZ_CHECK(ms == -1 || ms == n * 1000 || (ms < n * 1000 && ms > 0), "delay-seconds misread");
            FUZZ_CHECK(ms != -1, "delay-seconds refused");
        }
        (void)wire::parse_retry_after_seconds(v);
    }

    std::string mt = media_type(content_type);
    for (char c : mt) FUZZ_CHECK(!(c >= 'A' && c <= 'Z') && c != ';', "media type not lower case or has parameters");
    if (!mt.empty()) FUZZ_CHECK(mt.front() != ' ' && mt.back() != ' ', "media type not trimmed");
    (void)reason_phrase(status);

    static auto http = [] {
        DialectConfig cfg;
        cfg.path = "/v1/chat/completions";
        return make_openai_http_dialect(cfg);
    }();
    InboundFrame f;
    http->decode_http_error(status, content_type, retry_after, body, f);
    FUZZ_CHECK(f.kind == FrameKind::Error, "an HTTP error is not an Error frame: " + fuzz::describe(f));
    fuzz::check_strings_utf8(f, "decode_http_error");
    return 0;
}
