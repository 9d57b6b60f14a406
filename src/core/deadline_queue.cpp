#include "core/deadline_queue.h"

namespace realm::core {

DeadlineQueue::DeadlineQueue(transport::EventLoop &loop, std::function<void(realm_request *)> expire)
    : timer_(loop), expire_(std::move(expire)) {}

DeadlineQueue::Handle DeadlineQueue::add(int64_t deadline_us, realm_request *req) {
    // Usually the latest deadline: the hint makes that insert O(1).
    Handle h = deadlines_.emplace_hint(deadlines_.end(), deadline_us, req);
    if (armed_for_ == 0 || deadline_us < armed_for_) arm();
    return h;
}

void DeadlineQueue::remove(Handle h) {
    deadlines_.erase(h);
    // The timer stays set: if it was for this deadline it fires early,
    // finds nothing due and is set for the next one.
    if (deadlines_.empty()) {
        timer_.cancel();
        armed_for_ = 0;
    }
}

std::vector<realm_request *> DeadlineQueue::take_all() {
    std::vector<realm_request *> out;
    out.reserve(deadlines_.size());
    for (auto &kv : deadlines_) out.push_back(kv.second);
    deadlines_.clear();
    timer_.cancel();
    armed_for_ = 0;
    return out;
}

void DeadlineQueue::arm() {
    if (deadlines_.empty()) {
        timer_.cancel();
        armed_for_ = 0;
        return;
    }
    armed_for_ = deadlines_.begin()->first;
    timer_.schedule_us(armed_for_ - transport::monotonic_us(), [this] { fire(); });
}

void DeadlineQueue::fire() {
    armed_for_ = 0;
    int64_t now = transport::monotonic_us();
    // One at a time: expiring a request may add or remove other deadlines.
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        realm_request *req = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        expire_(req);
    }
    arm();
}

}  // namespace realm::core
