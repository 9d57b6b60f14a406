#include "backoff.h"

#include <algorithm>

namespace realm::core {

uint32_t backoff_delay_ms(uint32_t attempt, uint32_t base_ms, uint32_t cap_ms, uint32_t jitter_percent,
                          std::mt19937 &rng) {
    double delay = base_ms;
    for (uint32_t i = 1; i < attempt && delay < cap_ms; ++i) delay *= 2;
    delay = std::min<double>(delay, cap_ms);
    if (jitter_percent > 0) {
        std::uniform_real_distribution<double> dist(-double(jitter_percent), double(jitter_percent));
        delay *= 1.0 + dist(rng) / 100.0;
    }
    return uint32_t(std::max(1.0, delay));
}

}  // namespace realm::core
