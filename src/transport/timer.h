// One-shot timer on the event loop (wraps an lws sorted-usec-list entry).
// Loop thread only: schedule, cancel and destruction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace realm::transport {

class EventLoop;

class Timer {
public:
    explicit Timer(EventLoop &loop);
    ~Timer();  // cancels
    Timer(const Timer &) = delete;
    Timer &operator=(const Timer &) = delete;

    // (Re)arms the timer to call `fn` after `delay_us`. Replaces a pending one.
    void schedule_us(int64_t delay_us, std::function<void()> fn);
    void schedule_ms(int64_t delay_ms, std::function<void()> fn) { schedule_us(delay_ms * 1000, std::move(fn)); }
    void cancel();
    bool pending() const;

private:
    struct Slot;
    std::unique_ptr<Slot> slot_;
};

// Monotonic clock in microseconds (same clock as realm-server's stamps).
int64_t monotonic_us();

}  // namespace realm::transport
