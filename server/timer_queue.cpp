#include "timer_queue.h"

#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

namespace realm::server {

uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

TimerQueue::TimerQueue() { fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

TimerQueue::~TimerQueue() {
    // Once handed to lws, lws closes the fd with its watcher.
    if (fd_ >= 0 && !fd_taken_) close(fd_);
}

int TimerQueue::take_fd() {
    fd_taken_ = true;
    return fd_;
}

uint64_t TimerQueue::schedule_at(uint64_t deadline_ns, Callback cb) {
    uint64_t id = next_id_++;
    live_.emplace(id, std::move(cb));
    if (deadline_ns == kNever) return id;
    heap_.push(Entry{deadline_ns, id});
    if (armed_ == 0 || deadline_ns < armed_) rearm();
    return id;
}

void TimerQueue::cancel(uint64_t id) {
    live_.erase(id);
    // The heap entry stays until it surfaces; it is skipped then.
}

void TimerQueue::expedite(uint64_t id) {
    if (!live_.count(id)) return;
    // The entry for the old deadline, if any, is skipped when it surfaces
    // (the id is no longer live by then).
    uint64_t now = monotonic_ns();
    heap_.push(Entry{now, id});
    if (armed_ == 0 || now < armed_) rearm();
}

bool TimerQueue::on_readable() {
    uint64_t expirations = 0;
    ssize_t r = read(fd_, &expirations, sizeof expirations);
    (void)r;  // EAGAIN on a spurious wakeup is fine
    armed_ = 0;
    run_due();
    rearm();
    return true;
}

void TimerQueue::run_due() {
    // Bounded so that a callback that keeps rescheduling "now" cannot starve
    // the rest of the loop.
    for (int budget = 100000; budget > 0 && !heap_.empty(); --budget) {
        Entry top = heap_.top();
        if (top.deadline > monotonic_ns() + kSlackNs) break;
        heap_.pop();
        auto it = live_.find(top.id);
        if (it == live_.end()) continue;
        Callback cb = std::move(it->second);
        live_.erase(it);
        cb();
    }
}

void TimerQueue::rearm() {
    while (!heap_.empty() && !live_.count(heap_.top().id)) heap_.pop();
    if (fd_ < 0) return;
    itimerspec its{};
    if (!heap_.empty()) {
        uint64_t d = heap_.top().deadline;
        if (d == 0) d = 1;  // 0 would disarm
        its.it_value.tv_sec = static_cast<time_t>(d / 1000000000ULL);
        its.it_value.tv_nsec = static_cast<long>(d % 1000000000ULL);
        armed_ = d;
    } else {
        armed_ = 0;
    }
    timerfd_settime(fd_, TFD_TIMER_ABSTIME, &its, nullptr);
}

}  // namespace realm::server
