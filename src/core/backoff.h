// Reconnect and retry delays: exponential from `base`, capped, with +/- jitter.
#pragma once

#include <cstdint>

namespace realm::core {

// The random numbers of the jitter: splitmix64, 8 bytes of state. (Every
// client and its router kept a std::mt19937 for this, 5 KB of state each on
// 64-bit Linux: about 10 KB of an idle connection's ~26 KB.) Not for
// anything that must be unpredictable.
class JitterRng {
public:
    explicit JitterRng(uint64_t seed) : state_(seed) {}
    // A generator unlike every other this process made (one std::random_device
    // read per process seeds them all).
    static JitterRng from_entropy();
    // Uniform in [0, 1).
    double next_unit();

private:
    uint64_t state_;
};

// Delay before attempt `attempt` (1-based).
uint32_t backoff_delay_ms(uint32_t attempt, uint32_t base_ms, uint32_t cap_ms, uint32_t jitter_percent,
                          JitterRng &rng);

}  // namespace realm::core
