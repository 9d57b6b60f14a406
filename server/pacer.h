// Drift-free pacing of a stream of items (tokens, chunks): item k is due at
// start + k * period. Shared by Realm jobs and OpenAI streams so that
// --token-delay-ms / delay_ms mean exactly the same thing on every dialect.
#pragma once

#include <cstdint>

#include "timer_queue.h"

namespace realm::server {

class Pacer {
public:
    Pacer(uint64_t period_ns, uint64_t now_ns) : period_ns_(period_ns), due_ns_(now_ns) {}

    // True when the next item may go out now; otherwise *wake_at is when.
    bool ready(uint64_t now_ns, uint64_t *wake_at) const {
        if (!period_ns_ || due_ns_ <= now_ns + TimerQueue::kSlackNs) return true;
        *wake_at = due_ns_;
        return false;
    }

    // An item went out: the next is due one period later (fixed schedule,
    // but never more than one period of catch-up burst after a hiccup).
    void advance(uint64_t now_ns) {
        if (!period_ns_) return;
        due_ns_ += period_ns_;
        if (due_ns_ + period_ns_ < now_ns) due_ns_ = now_ns + period_ns_;
    }

    // A stall fault: nothing before `t` (the schedule restarts there).
    void hold_until(uint64_t t) { due_ns_ = t; }

    uint64_t period_ns() const { return period_ns_; }

private:
    uint64_t period_ns_;
    uint64_t due_ns_;
};

}  // namespace realm::server
