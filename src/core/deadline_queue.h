// The total timeouts of many requests on one loop timer. An lws timer each
// would cost O(n) per request (lws keeps its timers in one sorted list, and
// requests with the same timeout are appended at its end): 10,000 concurrent
// requests spent more time inserting timers than decoding their tokens.
// Here adding and removing a deadline are O(log n), with one lws timer
// armed for the earliest. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "transport/timer.h"

struct realm_request;

namespace realm::core {

class DeadlineQueue {
public:
    using Map = std::multimap<int64_t, realm_request *>;
    using Handle = Map::iterator;

    // `expire` runs for each request whose deadline has passed (its entry is
    // already gone).
    DeadlineQueue(transport::EventLoop &loop, std::function<void(realm_request *)> expire);

    Handle add(int64_t deadline_us, realm_request *req);
    void remove(Handle h);
    size_t size() const { return deadlines_.size(); }
    // Empties the queue, returning its requests (their entries are gone).
    std::vector<realm_request *> take_all();

private:
    void arm();
    void fire();

    transport::Timer timer_;
    std::function<void(realm_request *)> expire_;
    Map deadlines_;
    int64_t armed_for_ = 0;  // the deadline the timer is set to, 0 = none
};

}  // namespace realm::core
