// The SSE parser (src/protocol/sse_parser.cpp). Input: byte 0 picks the mode
// (bit 0) and the piece size k = 1..64 (the other bits), byte 1 the event
// size limit, the rest is the body.
// Invariants:
//  - the body fed in one piece and in pieces of k bytes gives the same events,
//    the same status and the same finish() answer;
//  - the parser keeps no view into a piece after feed() returns and reads
//    nothing past the piece: each piece is the only addressable part of its
//    buffer while it is fed (ASan poisoning, see Pieces), so either is an
//    ASan report;
//  - event names and ids hold no CR or LF, data no CR; no line or event
//    passes the limit;
//  - a consumer that stops after n events has seen a prefix of the events.
//
// Cost: three parses per input (one piece, k pieces, k pieces with a
// stopping consumer) and three allocations, whatever k; no allocation per
// piece or per event (ASan records a stack for every malloc, which made the
// earlier heap copy per piece the bulk of the time).
#include <sanitizer/asan_interface.h>

#include <cstring>
#include <functional>
#include <memory>

#include "fuzz_support.h"
#include "protocol/sse_parser.h"

using namespace realm::protocol;

namespace {

// The body cut into pieces of k bytes, piece j at offset j * stride of one
// heap buffer (stride = k rounded up to ASan's 8-byte granule, so a piece
// starts a granule and the bytes after its end can be poisoned). The whole
// buffer is poisoned except the piece being fed: a view kept into an earlier
// piece is a use-after-poison, a read past the current one a
// use-after-poison (or heap-buffer-overflow after the last piece), as a heap
// copy per piece freed after feed() would give, without a malloc per piece.
// Without ASan the poisoning macros do nothing.
class Pieces {
public:
    Pieces(std::string_view body, size_t k)
        : k_(k), stride_((k + 7) & ~size_t(7)), count_((body.size() + k - 1) / k),
          size_(count_ * stride_), buf_(std::make_unique<char[]>(size_ ? size_ : 1)) {
        for (size_t j = 0; j < count_; ++j) {
            std::string_view piece = body.substr(j * k_, k_);
            std::memcpy(buf_.get() + j * stride_, piece.data(), piece.size());
        }
        last_ = body.size() - (count_ ? (count_ - 1) * k_ : 0);
        ASAN_POISON_MEMORY_REGION(buf_.get(), size_);
    }
    ~Pieces() { ASAN_UNPOISON_MEMORY_REGION(buf_.get(), size_); }
    Pieces(const Pieces &) = delete;
    Pieces &operator=(const Pieces &) = delete;

    size_t count() const { return count_; }
    // Piece j, addressable until hide(j).
    std::string_view show(size_t j) {
        char *p = buf_.get() + j * stride_;
        size_t n = j + 1 == count_ ? last_ : k_;
        ASAN_UNPOISON_MEMORY_REGION(p, n);
        return {p, n};
    }
    void hide(std::string_view piece) { ASAN_POISON_MEMORY_REGION(piece.data(), piece.size()); }

private:
    size_t k_, stride_, count_, size_;
    std::unique_ptr<char[]> buf_;
    size_t last_ = 0;
};

struct Run {
    std::string log;           // every event: 3 x (4-byte length, bytes) for event, id, data
    std::vector<size_t> ends;  // where each event ends in log
    SseParser::Status status = SseParser::Status::Ok;
    bool cut = false;
};

void log_field(std::string &log, std::string_view v) {
    uint32_t n = uint32_t(v.size());
    log.append(reinterpret_cast<const char *>(&n), sizeof n);
    log.append(v.data(), v.size());
}

Run parse(std::string_view body, size_t piece, SseParser::Mode mode, size_t max, size_t stop_after = SIZE_MAX) {
    Run r;
    SseParser p(max, mode);
    // One std::function for the whole run (one made per feed() call from the
    // lambda is a heap allocation each time).
    const std::function<bool(const SseEvent &)> on_event = [&](const SseEvent &e) {
        FUZZ_CHECK(e.event.find_first_of("\r\n") == std::string_view::npos, "event name holds CR or LF");
        FUZZ_CHECK(e.id.find_first_of("\r\n") == std::string_view::npos, "event id holds CR or LF");
        FUZZ_CHECK(e.data.find('\r') == std::string_view::npos, "event data holds CR");
        FUZZ_CHECK(e.data.size() <= max && e.event.size() <= max, "event passes the limit");
        log_field(r.log, e.event);
        log_field(r.log, e.id);
        log_field(r.log, e.data);
        r.ends.push_back(r.log.size());
        return r.ends.size() < stop_after;
    };
    Pieces pieces(body, piece);
    for (size_t j = 0; j < pieces.count() && r.status == SseParser::Status::Ok; ++j) {
        std::string_view chunk = pieces.show(j);
        r.status = p.feed(chunk, on_event);
        pieces.hide(chunk);
    }
    if (body.empty()) r.status = p.feed({}, on_event);
    r.cut = p.finish();
    return r;
}

std::string show(const Run &r) {
    std::string s = "status=" + std::to_string(int(r.status)) + " cut=" + std::to_string(r.cut) + " events:";
    size_t at = 0;
    while (at < r.log.size()) {
        s += "\n   [";
        for (int f = 0; f < 3; ++f) {
            uint32_t n;
            std::memcpy(&n, r.log.data() + at, sizeof n);
            at += sizeof n;
            s += (f ? "|" : "") + r.log.substr(at, n);
            at += n;
        }
        s += "]";
    }
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
    FUZZ_CHECK(pieces.status == whole.status && pieces.log == whole.log &&
                   (whole.status != SseParser::Status::Ok || pieces.cut == whole.cut),
               "pieces of " + std::to_string(k) + " differ from one piece:\n " + show(pieces) + "\n " + show(whole));
    if (!whole.ends.empty()) {
        size_t n = 1 + data[0] % whole.ends.size();
        Run stopped = parse(body, k, mode, max, n);
        FUZZ_CHECK(stopped.ends.size() == n, "a stopped consumer got more or fewer events");
        FUZZ_CHECK(stopped.log == std::string_view(whole.log).substr(0, whole.ends[n - 1]), "stopped: not a prefix");
    }
    return 0;
}
