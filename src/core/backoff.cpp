#include "backoff.h"

#include <algorithm>
#include <atomic>
#include <random>

namespace realm::core {

namespace {
uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
}  // namespace

// One read of the system's entropy per process, then a mixed counter: a
// std::random_device per generator cost tens of microseconds, and every
// client makes two (5,000 clients opening at once spent 0.2 s in it). Jitter
// needs generators that differ between clients, not secrecy.
JitterRng JitterRng::from_entropy() {
    static std::atomic<uint64_t> next{[] {
        std::random_device rd;
        return (uint64_t(rd()) << 32) ^ rd();
    }()};
    return JitterRng(mix64(next.fetch_add(0x9e3779b97f4a7c15ull, std::memory_order_relaxed)));
}

double JitterRng::next_unit() {
    uint64_t z = mix64(state_ += 0x9e3779b97f4a7c15ull);
    return double(z >> 11) * 0x1.0p-53;
}

uint32_t backoff_delay_ms(uint32_t attempt, uint32_t base_ms, uint32_t cap_ms, uint32_t jitter_percent,
                          JitterRng &rng) {
    double delay = base_ms;
    for (uint32_t i = 1; i < attempt && delay < cap_ms; ++i) delay *= 2;
    delay = std::min<double>(delay, cap_ms);
    if (jitter_percent > 0) delay *= 1.0 + (2.0 * rng.next_unit() - 1.0) * double(jitter_percent) / 100.0;
    return uint32_t(std::max(1.0, delay));
}

}  // namespace realm::core
