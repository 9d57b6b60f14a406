#include "timer.h"

#include <libwebsockets.h>

#include <ctime>

#include "event_loop.h"

namespace realm::transport {

struct TimerQueue::LwsTimer {
    lws_sorted_usec_list_t sul{};  // first member: the callback casts back; zeroed before use
    TimerQueue *queue = nullptr;

    static void fire(lws_sorted_usec_list_t *sul) {
        TimerQueue *q = reinterpret_cast<LwsTimer *>(sul)->queue;
        q->armed_ = false;
        q->run_due();
    }
};

TimerQueue::TimerQueue() : lws_(new LwsTimer()) { lws_->queue = this; }

TimerQueue::~TimerQueue() { detach(); }

void TimerQueue::attach(lws_context *context) {
    context_ = context;
    arm();
}

void TimerQueue::detach() {
    if (armed_) lws_sul_cancel(&lws_->sul);
    armed_ = false;
    context_ = nullptr;
}

void TimerQueue::schedule(Slot *slot, int64_t delay_us, std::function<void()> fn) {
    if (delay_us < 0) delay_us = 0;
    heap_.remove(slot);
    slot->fn = std::move(fn);
    heap_.push(slot, monotonic_us() + delay_us);
    arm();
}

void TimerQueue::cancel(Slot *slot) {
    heap_.remove(slot);
    slot->fn = nullptr;
    // The lws timer stays set: if it was for this slot it fires early, finds
    // nothing due and is set for the next one. Idle clients cancel and re-arm
    // their keepalive all the time; this saves an lws list walk each time.
}

void TimerQueue::run_due() {
    const int64_t now = monotonic_us();
    // One at a time, from the top: a callback may schedule, cancel or destroy
    // any timer. Those it schedules are due after `now` unless their delay is
    // zero and the clock has not moved, so this ends.
    while (auto *slot = static_cast<Slot *>(heap_.top())) {
        if (slot->due_us > now) break;
        heap_.remove(slot);
        std::function<void()> fn = std::move(slot->fn);
        slot->fn = nullptr;
        fn();  // may destroy the slot's Timer
    }
    arm();
}

// Sets the lws timer for the earliest slot unless it is already set no later
// than that (an early fire only re-arms).
void TimerQueue::arm() {
    const TimerHeap::Entry *top = heap_.top();
    if (!context_ || !top) return;
    if (armed_ && armed_for_ <= top->due_us) return;
    int64_t delay = top->due_us - monotonic_us();
    if (delay < 0) delay = 0;
    lws_sul_schedule(context_, 0, &lws_->sul, &LwsTimer::fire, delay);
    armed_ = true;
    armed_for_ = top->due_us;
}

Timer::Timer(EventLoop &loop) : queue_(loop.timers()) {}

Timer::~Timer() { cancel(); }

void Timer::schedule_us(int64_t delay_us, std::function<void()> fn) { queue_.schedule(&slot_, delay_us, std::move(fn)); }

void Timer::cancel() {
    if (pending()) queue_.cancel(&slot_);
}

int64_t monotonic_us() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace realm::transport
