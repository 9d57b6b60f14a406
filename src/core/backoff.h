// Reconnect delays: exponential from `base`, capped, with +/- jitter.
#pragma once

#include <cstdint>
#include <random>

namespace realm::core {

// Delay before reconnect attempt `attempt` (1-based).
uint32_t backoff_delay_ms(uint32_t attempt, uint32_t base_ms, uint32_t cap_ms, uint32_t jitter_percent,
                          std::mt19937 &rng);

}  // namespace realm::core
