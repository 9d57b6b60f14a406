#include "core/request_index.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace realm::core {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

}  // namespace

// Ids are ours: "r" and a counter ("r17"), or a retry's "r17~2". Their
// number is kept in order: the hash is a hash of the rest plus the number, so
// the requests of one client fill neighbouring slots in the order they were
// sent, "r999" next to "r1000" too. Servers answer interleaved streams in
// about that order, so a frame's lookup reads the slot next to the previous
// one (a cache line holds four and the prefetcher reads ahead) instead of a
// random one: at 10,000 streams a random slot cost a cache miss on every
// frame (~10% of the client's time).
// A server cannot steer where ids go: it only looks ids up, it never adds one.
// The number of digits is not hashed: it once was, which put each decade of
// ids at a random place of its own; the decades overlapped and pushed entries
// up to 139 slots from home at 10,000 streams. "r7" and "r007" now share a
// hash; the ids differ and both are found.
uint64_t RequestIndex::hash(std::string_view id) {
    size_t digits = 0;
    uint64_t number = 0, scale = 1;
    while (digits < id.size() && digits < 18) {
        unsigned char c = id[id.size() - 1 - digits];
        if (c < '0' || c > '9') break;
        number += (c - '0') * scale;
        scale *= 10;
        ++digits;
    }
    std::string_view rest = id.substr(0, id.size() - digits);
    uint64_t h = 0x9e3779b97f4a7c15ull ^ rest.size();
    const char *p = rest.data();
    size_t n = rest.size();
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        h = mix(h ^ w);
    }
    uint64_t tail = 0;
    if (n) std::memcpy(&tail, p, n);
    return mix(h ^ tail ^ (uint64_t(n) << 56)) + number;
}

size_t RequestIndex::slot_of(std::string_view id, uint64_t h) const {
    if (slots_.empty()) return 0;
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot &s = slots_[i];
        if (!s.req) return slots_.size();
        if (s.hash == h && s.req->wire_id() == id) return i;
    }
}

size_t RequestIndex::max_displacement() const {
    size_t worst = 0;
    const size_t mask = slots_.size() - 1;
    for (size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].req) worst = std::max(worst, (i - slots_[i].hash) & mask);
    return worst;
}

realm_request_t *RequestIndex::find(std::string_view id) const {
    size_t i = slot_of(id, hash(id));
    if (i >= slots_.size()) return nullptr;
    // The next frames are most likely for the requests in the next slots
    // (servers answer interleaved streams in the order they were sent, and
    // hash() keeps that order in the slots). Start loading what they will
    // touch now, so that it is in cache when they come instead of one cache
    // miss after another then:
    // - the three lines of a request that a frame touches, two slots ahead
    //   (and one ahead, in case the last frame was not for the slot before);
    // - the end of the next request's text, where its token will be
    //   appended. Where that is can only be read from the request's line 1,
    //   which the previous frame started loading. With 10,000 streams that
    //   heap line was the one cache miss left on every token, and most of
    //   what the time per stream grew by from 1,000 streams.
    const size_t mask = slots_.size() - 1;
    prefetch_lines(slots_[(i + 2) & mask].req);
    if (const realm_request_t *next = slots_[(i + 1) & mask].req) {
        prefetch_lines(next);
        __builtin_prefetch(next->text.data() + next->text.size(), 1);
    }
    return slots_[i].req;
}

void RequestIndex::prefetch_lines(const realm_request_t *req) {
    if (!req) return;
    const char *p = reinterpret_cast<const char *>(req);
    __builtin_prefetch(p);
    __builtin_prefetch(p + 64);
    __builtin_prefetch(p + 128);
}

// Robin Hood insertion: an entry further from its home slot than the one it
// meets takes that slot and moves the other on. Each probe run then holds its
// entries in the order of their home slots, which lets erase() stop at the
// first entry that sits at its home (ids in order all sit at theirs).
void RequestIndex::place(uint64_t h, realm_request_t *req) {
    const size_t mask = slots_.size() - 1;
    Slot cur{h, req};
    size_t dist = 0;
    for (size_t i = h & mask;; i = (i + 1) & mask, ++dist) {
        Slot &s = slots_[i];
        if (!s.req) {
            s = cur;
            return;
        }
        size_t theirs = (i - s.hash) & mask;
        if (theirs < dist) {
            std::swap(cur, s);
            dist = theirs;
        }
    }
}

void RequestIndex::grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.empty() ? 16 : old.size() * 2);
    for (const Slot &s : old)
        if (s.req) place(s.hash, s.req);
}

void RequestIndex::insert(realm_request_t *req) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    place(hash(req->wire_id()), req);
    ++size_;
}

bool RequestIndex::erase(std::string_view id) {
    size_t hole = slot_of(id, hash(id));
    if (hole >= slots_.size()) return false;
    // Backward shift: the entries after it that are not at their home slot
    // move one slot back, up to an empty slot or an entry at its home.
    const size_t mask = slots_.size() - 1;
    for (size_t j = (hole + 1) & mask; slots_[j].req && ((j - slots_[j].hash) & mask) != 0; j = (j + 1) & mask) {
        slots_[hole] = slots_[j];
        hole = j;
    }
    slots_[hole] = Slot{};
    --size_;
    return true;
}

}  // namespace realm::core
