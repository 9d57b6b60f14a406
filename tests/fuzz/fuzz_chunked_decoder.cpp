// The chunked transfer decoder (src/protocol/chunked_decoder.cpp). Input:
// byte 0 picks the piece size, the rest is the body.
// Invariants:
//  - one piece and pieces of k = 1..32 bytes (each from its own heap copy)
//    give the same data and the same final status;
//  - the data is never longer than the body;
//  - End and Invalid are final: later feeds return them again, with no data;
//  - a consumer that stops gets More and no more data.
#include <memory>

#include "fuzz_support.h"
#include "protocol/chunked_decoder.h"

using namespace realm::protocol;
using Status = ChunkedDecoder::Status;

namespace {

struct Run {
    std::string data;
    Status status = Status::More;
};

Run decode(std::string_view body, size_t piece) {
    Run r;
    ChunkedDecoder d;
    auto on_data = [&](std::string_view v) {
        r.data.append(v.data(), v.size());
        return true;
    };
    for (size_t off = 0; off < body.size() && r.status == Status::More; off += piece) {
        auto chunk = std::make_unique<std::string>(body.substr(off, piece));
        r.status = d.feed(*chunk, on_data);
    }
    if (r.status != Status::More) {
        size_t before = r.data.size();
        Status again = d.feed("0\r\n\r\n5\r\nhello\r\n", on_data);
        FUZZ_CHECK(again == r.status, "End / Invalid is not final");
        FUZZ_CHECK(r.data.size() == before, "data after End / Invalid");
    }
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const size_t k = 1 + data[0] % 32;
    std::string_view body(reinterpret_cast<const char *>(data) + 1, size - 1);
    (void)ends_with_chunked(body);

    Run whole = decode(body, body.size() ? body.size() : 1);
    FUZZ_CHECK(whole.data.size() <= body.size(), "more data than body bytes");
    Run pieces = decode(body, k);
    FUZZ_CHECK(pieces.status == whole.status && pieces.data == whole.data,
               "pieces of " + std::to_string(k) + " differ from one piece");

    // A consumer that stops after the first run of data.
    ChunkedDecoder d;
    int calls = 0;
    Status s = d.feed(body, [&](std::string_view) { return ++calls < 1; });
    FUZZ_CHECK(calls <= 1, "data after the consumer stopped");
    if (calls == 1) FUZZ_CHECK(s == Status::More, "a stopped consumer did not get More");
    return 0;
}
