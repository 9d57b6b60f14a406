// One-shot timers on the event loop. Loop thread only: schedule, cancel and
// destruction.
//
// Every Timer of the process sits in its loop's TimerQueue (a min-heap,
// timer_heap.h), and the queue keeps a single lws timer set for the earliest
// of them: lws 4.1 inserts its timers into a sorted list by walking it, which
// thousands of connections with a few timers each turned quadratic.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "timer_heap.h"

struct lws_context;

namespace realm::transport {

class EventLoop;

// The loop's timers. Owned by EventLoop; attach() once the lws context
// exists, detach() before it is destroyed.
class TimerQueue {
public:
    struct Slot : TimerHeap::Entry {
        std::function<void()> fn;
    };

    TimerQueue();
    ~TimerQueue();
    TimerQueue(const TimerQueue &) = delete;
    TimerQueue &operator=(const TimerQueue &) = delete;

    void attach(lws_context *context);
    void detach();  // cancels the lws timer; timers scheduled later never fire

    // (Re)schedules `slot` to run `fn` in `delay_us` (negative: 0).
    void schedule(Slot *slot, int64_t delay_us, std::function<void()> fn);
    void cancel(Slot *slot);
    size_t size() const { return heap_.size(); }

private:
    struct LwsTimer;
    void run_due();
    void arm();

    TimerHeap heap_;
    std::unique_ptr<LwsTimer> lws_;  // the one lws timer, set for the earliest slot
    lws_context *context_ = nullptr;
    bool armed_ = false;
    int64_t armed_for_ = 0;          // when the lws timer fires, while armed_
};

class Timer {
public:
    explicit Timer(EventLoop &loop);
    ~Timer();  // cancels
    Timer(const Timer &) = delete;
    Timer &operator=(const Timer &) = delete;

    // (Re)arms the timer to call `fn` after `delay_us`. Replaces a pending one.
    // `fn` runs on the loop thread, after the timer stopped being pending; it
    // may re-arm, cancel or destroy this timer or any other.
    void schedule_us(int64_t delay_us, std::function<void()> fn);
    void schedule_ms(int64_t delay_ms, std::function<void()> fn) { schedule_us(delay_ms * 1000, std::move(fn)); }
    void cancel();
    bool pending() const { return slot_.index != TimerHeap::kNotQueued; }

private:
    TimerQueue &queue_;
    TimerQueue::Slot slot_;
};

// Monotonic clock in microseconds (same clock as realm-server's stamps).
int64_t monotonic_us();

}  // namespace realm::transport
