#include "timer.h"

#include <libwebsockets.h>

#include <ctime>

#include "event_loop.h"

namespace realm::transport {

struct Timer::Slot {
    lws_sorted_usec_list_t sul;  // first member: the callback casts back to Slot
    EventLoop *loop;
    std::function<void()> fn;
    bool armed = false;

    static void fire(lws_sorted_usec_list_t *sul) {
        auto *slot = reinterpret_cast<Slot *>(sul);
        slot->armed = false;
        // Move out first: fn may re-arm or destroy the timer.
        std::function<void()> fn = std::move(slot->fn);
        fn();
    }
};

Timer::Timer(EventLoop &loop) : slot_(new Slot()) {
    slot_->loop = &loop;
}

Timer::~Timer() { cancel(); }

void Timer::schedule_us(int64_t delay_us, std::function<void()> fn) {
    if (delay_us < 0) delay_us = 0;
    slot_->fn = std::move(fn);
    slot_->armed = true;
    lws_sul_schedule(slot_->loop->context(), 0, &slot_->sul, &Slot::fire, delay_us);
}

void Timer::cancel() {
    if (!slot_->armed) return;
    lws_sul_cancel(&slot_->sul);
    slot_->armed = false;
    slot_->fn = nullptr;
}

bool Timer::pending() const { return slot_->armed; }

int64_t monotonic_us() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace realm::transport
