#include <gtest/gtest.h>

#include "core/backoff.h"

namespace {
using realm::core::backoff_delay_ms;

TEST(Backoff, GrowsExponentiallyUpToTheCap) {
    realm::core::JitterRng rng(1);
    EXPECT_EQ(backoff_delay_ms(1, 100, 10000, 0, rng), 100u);
    EXPECT_EQ(backoff_delay_ms(2, 100, 10000, 0, rng), 200u);
    EXPECT_EQ(backoff_delay_ms(5, 100, 10000, 0, rng), 1600u);
    EXPECT_EQ(backoff_delay_ms(30, 100, 10000, 0, rng), 10000u);
    EXPECT_EQ(backoff_delay_ms(1000, 100, 10000, 0, rng), 10000u);
}

TEST(Backoff, JitterStaysWithinBounds) {
    realm::core::JitterRng rng(7);
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int i = 0; i < 2000; ++i) {
        uint32_t d = backoff_delay_ms(3, 1000, 30000, 20, rng);
        lo = std::min(lo, d);
        hi = std::max(hi, d);
    }
    EXPECT_GE(lo, 3200u);
    EXPECT_LE(hi, 4800u);
    EXPECT_LT(lo, 3400u);  // jitter actually spreads the delays
    EXPECT_GT(hi, 4600u);
}

}  // namespace
