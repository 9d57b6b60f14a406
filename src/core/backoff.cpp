#include "backoff.h"

#include <algorithm>
#include <random>

namespace realm::core {

JitterRng JitterRng::from_entropy() {
    std::random_device rd;
    return JitterRng((uint64_t(rd()) << 32) ^ rd());
}

double JitterRng::next_unit() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
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
