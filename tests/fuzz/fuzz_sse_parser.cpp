// The SSE parser (src/protocol/sse_parser.cpp). Input: byte 0 picks the mode
// and the piece size, byte 1 the event size limit, the rest is the body.
// Invariants:
//  - the body fed in one piece and in pieces of k = 1..64 bytes (each piece
//    from its own heap copy, freed right after feed()) gives the same events,
//    the same status and the same finish() answer;
//  - event names and ids hold no CR or LF, data no CR; no line or event
//    passes the limit;
//  - a consumer that stops after n events has seen a prefix of the events.
#include <memory>

#include "fuzz_support.h"
#include "protocol/sse_parser.h"

using namespace realm::protocol;

namespace {

struct Run {
    std::vector<std::string> events;  // "event|id|data"
    SseParser::Status status = SseParser::Status::Ok;
    bool cut = false;
};

Run parse(std::string_view body, size_t piece, SseParser::Mode mode, size_t max, size_t stop_after = SIZE_MAX) {
    Run r;
    SseParser p(max, mode);
    auto on_event = [&](const SseEvent &e) {
        FUZZ_CHECK(e.event.find_first_of("\r\n") == std::string_view::npos, "event name holds CR or LF");
        FUZZ_CHECK(e.id.find_first_of("\r\n") == std::string_view::npos, "event id holds CR or LF");
        FUZZ_CHECK(e.data.find('\r') == std::string_view::npos, "event data holds CR");
        FUZZ_CHECK(e.data.size() <= max && e.event.size() <= max, "event passes the limit");
        r.events.push_back(std::string(e.event) + "|" + std::string(e.id) + "|" + std::string(e.data));
        return r.events.size() < stop_after;
    };
    for (size_t off = 0; off < body.size() && r.status == SseParser::Status::Ok; off += piece) {
        auto chunk = std::make_unique<std::string>(body.substr(off, piece));
        r.status = p.feed(*chunk, on_event);
    }
    if (body.empty()) r.status = p.feed({}, on_event);
    r.cut = p.finish();
    return r;
}

std::string show(const Run &r) {
    std::string s = "status=" + std::to_string(int(r.status)) + " cut=" + std::to_string(r.cut) + " events:";
    for (auto &e : r.events) s += "\n   [" + e + "]";
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    const auto mode = (data[0] & 1) ? SseParser::Mode::DataLines : SseParser::Mode::Events;
    const size_t k = 1 + (data[0] >> 1) % 64;
    const size_t max = data[1] == 255 ? size_t(1) << 20 : 8 + size_t(data[1]) * 4;
    std::string_view body(reinterpret_cast<const char *>(data) + 2, size - 2);

    Run whole = parse(body, body.size() ? body.size() : 1, mode, max);
    // finish() after a failure says nothing useful: compared only when Ok.
    Run pieces = parse(body, k, mode, max);
    FUZZ_CHECK(pieces.status == whole.status && pieces.events == whole.events &&
                   (whole.status != SseParser::Status::Ok || pieces.cut == whole.cut),
               "pieces of " + std::to_string(k) + " differ from one piece:\n " + show(pieces) + "\n " + show(whole));
    if (!whole.events.empty()) {
        size_t n = 1 + data[0] % whole.events.size();
        Run stopped = parse(body, k, mode, max, n);
        FUZZ_CHECK(stopped.events.size() == n, "a stopped consumer got more or fewer events");
        for (size_t i = 0; i < n; ++i) FUZZ_CHECK(stopped.events[i] == whole.events[i], "stopped: not a prefix");
    }
    return 0;
}
