#include <gtest/gtest.h>

#include "transport/poll_budget.h"

namespace {
using realm::transport::PollBudget;

TEST(PollBudget, StartsWithTheBurstAllowance) {
    PollBudget b;
    EXPECT_TRUE(b.allows(1000));
    b.charge(PollBudget::kCapUs - 1);
    EXPECT_TRUE(b.allows(1000));
    b.charge(1);
    EXPECT_FALSE(b.allows(1000)) << "spent: no new window";
}

TEST(PollBudget, RefillsAtItsShareOfWallTime) {
    PollBudget b;
    EXPECT_TRUE(b.allows(1000));
    b.charge(PollBudget::kCapUs + 100);  // 100 us in debt
    EXPECT_FALSE(b.allows(1000));
    // 100 us of budget takes 100 * kShareDivisor us of wall time.
    EXPECT_FALSE(b.allows(1000 + 100 * PollBudget::kShareDivisor - PollBudget::kShareDivisor));
    EXPECT_TRUE(b.allows(1000 + 100 * PollBudget::kShareDivisor + PollBudget::kShareDivisor));
}

TEST(PollBudget, NeverSavesMoreThanTheCap) {
    PollBudget b;
    EXPECT_TRUE(b.allows(1));
    EXPECT_TRUE(b.allows(int64_t(1) << 40));  // a long idle time
    b.charge(PollBudget::kCapUs);
    EXPECT_FALSE(b.allows(int64_t(1) << 40));
}

// One 100 us window wasted per millisecond (one token per ms, nothing in
// between) is twice the 5% share: only about half the windows may open.
TEST(PollBudget, BoundsWasteUnderSteadyMisses) {
    PollBudget b;
    int opened = 0;
    const int kMs = 20000;
    for (int i = 1; i <= kMs; ++i) {
        if (b.allows(int64_t(i) * 1000)) {
            ++opened;
            b.charge(100);
        }
    }
    double waste_share = opened * 100.0 / (kMs * 1000.0);
    EXPECT_LE(waste_share, 1.0 / PollBudget::kShareDivisor + double(PollBudget::kCapUs) / (kMs * 1000.0));
    EXPECT_GE(opened, kMs / 2 - 10);
}

}  // namespace
