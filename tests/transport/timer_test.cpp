// Timer and the loop's TimerQueue on the real event loop: due order, cancel,
// callbacks that re-arm, cancel or destroy timers, and many timers at once.
// Timers are made, armed and destroyed on the loop thread, as in the core.
#include "transport/timer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "http_test_support.h"

namespace realm::test {
namespace {

using transport::Timer;

// What the callbacks saw, read by the test thread.
struct Log {
    std::mutex m;
    std::condition_variable cv;
    std::vector<int> fired;
    void add(int id) {
        std::lock_guard<std::mutex> lock(m);
        fired.push_back(id);
        cv.notify_all();
    }
    bool wait_for_count(size_t n) {
        std::unique_lock<std::mutex> lock(m);
        return cv.wait_for(lock, kWait, [&] { return fired.size() >= n; });
    }
    std::vector<int> snapshot() {
        std::lock_guard<std::mutex> lock(m);
        return fired;
    }
};

TEST(Timer, FiresInDueOrderNotScheduleOrder) {
    Log log;
    std::vector<std::unique_ptr<Timer>> timers;
    run_on_loop([&] {
        const int delays_ms[] = {30, 10, 20, 0};
        for (int i = 0; i < 4; ++i) {
            timers.push_back(std::make_unique<Timer>(loop()));
            timers.back()->schedule_ms(delays_ms[i], [&log, i] { log.add(i); });
        }
    });
    ASSERT_TRUE(log.wait_for_count(4));
    EXPECT_EQ(log.snapshot(), (std::vector<int>{3, 1, 2, 0}));
    run_on_loop([&] { timers.clear(); });
}

// A cancelled or destroyed timer never fires, and its callback (with what it
// captured) is released at once; a re-armed one fires once, at its new time.
TEST(Timer, CancelDestroyAndRearm) {
    Log log;
    auto captured = std::make_shared<int>(0);
    std::unique_ptr<Timer> cancelled, destroyed, rearmed, last;
    run_on_loop([&] {
        cancelled = std::make_unique<Timer>(loop());
        destroyed = std::make_unique<Timer>(loop());
        rearmed = std::make_unique<Timer>(loop());
        last = std::make_unique<Timer>(loop());
        cancelled->schedule_ms(5, [&log, captured] { log.add(1); });
        destroyed->schedule_ms(5, [&log] { log.add(2); });
        rearmed->schedule_ms(1, [&log] { log.add(30); });
        rearmed->schedule_ms(20, [&log] { log.add(3); });  // replaces the first
        last->schedule_ms(40, [&log] { log.add(4); });
        EXPECT_TRUE(cancelled->pending());
        cancelled->cancel();
        EXPECT_FALSE(cancelled->pending());
        destroyed.reset();
    });
    EXPECT_EQ(captured.use_count(), 1);  // the cancelled callback is gone
    ASSERT_TRUE(log.wait_for_count(2));
    EXPECT_EQ(log.snapshot(), (std::vector<int>{3, 4}));
    run_on_loop([&] {
        EXPECT_FALSE(rearmed->pending());
        cancelled.reset();
        rearmed.reset();
        last.reset();
    });
}

// A callback may re-arm its own timer, cancel one that is due in the same
// pass, and destroy another: the cancelled and destroyed ones never run.
TEST(Timer, CallbacksMayRearmCancelAndDestroyTimers) {
    Log log;
    std::unique_ptr<Timer> ticker, victim_cancel, victim_destroy, end;
    int ticks = 0;
    std::function<void()> tick;  // outlives the callbacks that copy it
    run_on_loop([&] {
        ticker = std::make_unique<Timer>(loop());
        victim_cancel = std::make_unique<Timer>(loop());
        victim_destroy = std::make_unique<Timer>(loop());
        end = std::make_unique<Timer>(loop());
        tick = [&] {
            EXPECT_FALSE(ticker->pending());  // not pending inside its own callback
            log.add(100 + ticks);
            if (++ticks == 1) {
                victim_cancel->cancel();
                victim_destroy.reset();
            }
            if (ticks < 3) ticker->schedule_ms(1, tick);
            else end->schedule_ms(0, [&log] { log.add(200); });
        };
        ticker->schedule_ms(2, tick);
        // Due after the first tick, so the tick runs first even if all three
        // are ripe in the same pass.
        victim_cancel->schedule_ms(3, [&log] { log.add(1); });
        victim_destroy->schedule_ms(3, [&log] { log.add(2); });
    });
    ASSERT_TRUE(log.wait_for_count(4));
    EXPECT_EQ(log.snapshot(), (std::vector<int>{100, 101, 102, 200}));
    run_on_loop([&] {
        ticker.reset();
        victim_cancel.reset();
        end.reset();
    });
}

// Many timers at once (as with thousands of connections): each fires exactly
// once, in due order; half are cancelled first and never fire.
TEST(Timer, TwentyThousandTimersFireOnceEachInDueOrder) {
    constexpr int kTimers = 20000;
    std::mutex m;
    std::condition_variable cv;
    std::vector<int> fired;  // in firing order
    std::vector<int> count(kTimers, 0);
    std::vector<std::unique_ptr<Timer>> timers;
    // Each timer's due time lies in [earliest, latest]: the clock read just
    // before and just after it was scheduled, plus its delay.
    std::vector<int64_t> earliest(kTimers), latest(kTimers);
    size_t expected = 0;
    run_on_loop([&] {
        std::mt19937 rng(7);
        for (int i = 0; i < kTimers; ++i) {
            timers.push_back(std::make_unique<Timer>(loop()));
            int64_t delay_us = int64_t(rng() % 50000);
            earliest[i] = transport::monotonic_us() + delay_us;
            timers.back()->schedule_us(delay_us, [&, i] {
                std::lock_guard<std::mutex> lock(m);
                ++count[i];
                fired.push_back(i);
                cv.notify_all();
            });
            latest[i] = transport::monotonic_us() + delay_us;
        }
        for (int i = 0; i < kTimers; i += 2) timers[i]->cancel();
        expected = kTimers / 2;
        EXPECT_EQ(loop().timers().size(), expected);
    });
    {
        std::unique_lock<std::mutex> lock(m);
        ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return fired.size() >= expected; }));
    }
    run_on_loop([&] { timers.clear(); });  // nothing else fires after this
    std::lock_guard<std::mutex> lock(m);
    EXPECT_EQ(fired.size(), expected);
    for (int i = 0; i < kTimers; ++i) ASSERT_EQ(count[i], i % 2) << "timer " << i;
    for (size_t k = 1; k < fired.size(); ++k)
        ASSERT_LE(earliest[fired[k - 1]], latest[fired[k]]) << "timer " << fired[k - 1] << " fired before " << fired[k];
}

}  // namespace
}  // namespace realm::test
