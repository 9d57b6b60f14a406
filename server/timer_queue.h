// Timers for the service thread, driven by one timerfd watched by lws.
// lws 4.1's own sul timers spin the CPU below 2 ms (poll waits are truncated
// to whole milliseconds); a timerfd wakes poll() at the exact deadline, so
// 1 ms token pacing costs a wakeup per token and no busy waiting.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "fd_watcher.h"

namespace realm::server {

uint64_t monotonic_ns();

class TimerQueue : public FdHandler {
public:
    using Callback = std::function<void()>;

    TimerQueue();
    ~TimerQueue() override;
    TimerQueue(const TimerQueue &) = delete;
    TimerQueue &operator=(const TimerQueue &) = delete;

    // The timerfd, to be watched with watch_fd(); -1 if creation failed.
    int take_fd();

    // Runs `cb` on the service thread at CLOCK_MONOTONIC `deadline_ns`
    // (or a little earlier, see kSlackNs). Returns an id for cancel().
    // kNever: only when expedite()d (costs no heap entry meanwhile).
    uint64_t schedule_at(uint64_t deadline_ns, Callback cb);
    void cancel(uint64_t id);
    // Makes a live timer due now (an event it waits for has happened).
    void expedite(uint64_t id);

    static constexpr uint64_t kNever = UINT64_MAX;

    bool on_readable() override;

    // Deadlines this close to "now" are run in the current wakeup.
    static constexpr uint64_t kSlackNs = 20000;

private:
    struct Entry {
        uint64_t deadline;
        uint64_t id;
        bool operator>(const Entry &o) const { return deadline != o.deadline ? deadline > o.deadline : id > o.id; }
    };
    void run_due();
    void rearm();

    int fd_ = -1;
    bool fd_taken_ = false;
    uint64_t next_id_ = 1;
    uint64_t armed_ = 0;  // deadline the timerfd is set to, 0 = disarmed
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
    std::unordered_map<uint64_t, Callback> live_;
};

// Cancels its timer when destroyed or reassigned (RAII for timer ids).
class TimerHandle {
public:
    TimerHandle() = default;
    TimerHandle(TimerQueue *q, uint64_t id) : q_(q), id_(id) {}
    ~TimerHandle() { reset(); }
    TimerHandle(TimerHandle &&o) noexcept : q_(o.q_), id_(o.id_) { o.id_ = 0; }
    TimerHandle &operator=(TimerHandle &&o) noexcept {
        if (this != &o) {
            reset();
            q_ = o.q_;
            id_ = o.id_;
            o.id_ = 0;
        }
        return *this;
    }
    void reset() {
        if (q_ && id_) q_->cancel(id_);
        id_ = 0;
    }
    // Forget the id without cancelling (the timer has fired).
    void release() { id_ = 0; }
    bool armed() const { return id_ != 0; }
    uint64_t id() const { return id_; }

private:
    TimerQueue *q_ = nullptr;
    uint64_t id_ = 0;
};

}  // namespace realm::server
