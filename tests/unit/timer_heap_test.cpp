// TimerHeap: the loop's timers in due order, whatever mix of pushes and
// removals, checked against a sorted reference.
#include "transport/timer_heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace {

using realm::transport::TimerHeap;

TEST(TimerHeap, TakesTheEarliestFirstAndTiesInScheduleOrder) {
    TimerHeap heap;
    std::vector<TimerHeap::Entry> e(5);
    heap.push(&e[0], 30);
    heap.push(&e[1], 10);
    heap.push(&e[2], 20);
    heap.push(&e[3], 10);  // same time as e[1], scheduled later
    heap.push(&e[4], 5);
    std::vector<TimerHeap::Entry *> order;
    while (!heap.empty()) {
        order.push_back(heap.top());
        heap.remove(heap.top());
    }
    EXPECT_EQ(order, (std::vector<TimerHeap::Entry *>{&e[4], &e[1], &e[3], &e[2], &e[0]}));
    for (auto &x : e) EXPECT_EQ(x.index, TimerHeap::kNotQueued);
}

TEST(TimerHeap, RemovingAnEntryNotQueuedIsHarmless) {
    TimerHeap heap;
    TimerHeap::Entry a, b;
    heap.remove(&a);
    heap.push(&b, 1);
    heap.remove(&a);
    EXPECT_EQ(heap.size(), 1u);
    EXPECT_EQ(heap.top(), &b);
    heap.remove(&b);
    heap.remove(&b);
    EXPECT_TRUE(heap.empty());
    EXPECT_EQ(heap.top(), nullptr);
}

// Random pushes, re-pushes (a timer re-armed) and removals from anywhere:
// the top is always the earliest of what a sorted set holds, and every
// entry's index says where it is.
TEST(TimerHeap, MatchesASortedSetUnderRandomOperations) {
    std::mt19937 rng(12345);
    TimerHeap heap;
    std::vector<TimerHeap::Entry> entries(500);
    std::set<std::pair<std::pair<int64_t, uint64_t>, TimerHeap::Entry *>> ref;
    auto key = [](TimerHeap::Entry *e) { return std::make_pair(std::make_pair(e->due_us, e->seq), e); };
    for (int step = 0; step < 200000; ++step) {
        TimerHeap::Entry *e = &entries[rng() % entries.size()];
        switch (rng() % 3) {
            case 0:
            case 1:  // (re)schedule; many equal times, to exercise the ties
                if (e->index != TimerHeap::kNotQueued) {
                    ref.erase(key(e));
                    heap.remove(e);
                }
                heap.push(e, int64_t(rng() % 1000));
                ref.insert(key(e));
                break;
            default:
                if (e->index != TimerHeap::kNotQueued) ref.erase(key(e));
                heap.remove(e);
                break;
        }
        ASSERT_EQ(heap.size(), ref.size());
        if (!ref.empty()) {
            ASSERT_EQ(heap.top(), ref.begin()->second) << "step " << step;
        }
        if (rng() % 64 == 0 && !ref.empty()) {  // take everything due by some time
            int64_t now = int64_t(rng() % 1000);
            while (!ref.empty() && ref.begin()->first.first <= now) {
                ASSERT_EQ(heap.top(), ref.begin()->second);
                heap.remove(heap.top());
                ref.erase(ref.begin());
            }
            if (!heap.empty()) {
                ASSERT_GT(heap.top()->due_us, now);
            }
        }
    }
    size_t queued = size_t(std::count_if(entries.begin(), entries.end(),
                                         [](const TimerHeap::Entry &x) { return x.index != TimerHeap::kNotQueued; }));
    EXPECT_EQ(queued, ref.size());
}

}  // namespace
