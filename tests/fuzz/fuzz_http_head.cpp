// The HTTP/1.1 response-head reader (src/protocol/http_head_parser.cpp).
// Input: byte 0 picks the piece size and whether the request was HEAD, the
// rest is what the server sent.
// Invariants:
//  - one piece and pieces of k = 1..32 bytes give the same status, head and
//    body offset (consumed bytes of the feed that completed it);
//  - Done: a status 100..999, the head ends inside the input, a Length
//    framing only with a Content-Length, close-delimited bodies always
//    close the connection;
//  - Invalid has a reason; Done and Invalid are final.
#include <memory>

#include "fuzz_support.h"
#include "protocol/http_head_parser.h"

using namespace realm::protocol;
using Status = HttpHeadParser::Status;

namespace {

struct Run {
    Status status = Status::More;
    HttpHead head;
    size_t head_end = 0;  // offset of the first body byte in the input
    std::string error;
};

Run parse(std::string_view input, size_t piece, bool head_request) {
    Run r;
    HttpHeadParser p(4096);
    size_t off = 0;
    for (; off < input.size() && r.status == Status::More; off += piece) {
        auto chunk = std::make_unique<std::string>(input.substr(off, piece));
        r.status = p.feed(*chunk, head_request);
        if (r.status == Status::Done) r.head_end = off + p.consumed();
    }
    if (r.status != Status::More)
        FUZZ_CHECK(p.feed("HTTP/1.1 200 OK\r\n\r\n", head_request) == r.status, "Done / Invalid is not final");
    r.head = p.head();
    r.error = p.error();
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const size_t k = 1 + data[0] % 32;
    const bool head_request = data[0] & 0x80;
    std::string_view input(reinterpret_cast<const char *>(data) + 1, size - 1);

    Run whole = parse(input, input.size() ? input.size() : 1, head_request);
    Run pieces = parse(input, k, head_request);
    FUZZ_CHECK(pieces.status == whole.status, "pieces of " + std::to_string(k) + " give another status");
    if (whole.status == Status::Done) {
        FUZZ_CHECK(pieces.head_end == whole.head_end, "pieces end the head elsewhere");
        FUZZ_CHECK(pieces.head.status == whole.head.status && pieces.head.framing == whole.head.framing &&
                       pieces.head.content_length == whole.head.content_length &&
                       pieces.head.connection_close == whole.head.connection_close &&
                       pieces.head.content_type == whole.head.content_type,
                   "pieces read another head");
        FUZZ_CHECK(whole.head.status >= 100 && whole.head.status <= 999, "status out of range");
        FUZZ_CHECK(whole.head_end <= input.size(), "head ends past the input");
        if (whole.head.framing == BodyFraming::UntilClose) FUZZ_CHECK(whole.head.connection_close, "close-delimited but kept alive");
    }
    if (whole.status == Status::Invalid) FUZZ_CHECK(!whole.error.empty(), "Invalid without a reason");
    return 0;
}
