// A CPU budget for busy polling. Polling that ends with traffic paid off and
// costs nothing; a window that runs out with none was wasted, and is charged.
// Waste may use at most kShare of the wall-clock time (with bursts up to
// kCapUs), so that a default-on busy poll stays cheap whatever the traffic:
// sequential round trips keep polling (every window finds its answer), while
// a server with frames arriving just too far apart for the window stops
// polling most of the time instead of burning a core. Header-only: the Node
// addon's JS-thread poller uses it too. Single-threaded.
#pragma once

#include <algorithm>
#include <cstdint>

namespace realm::transport {

class PollBudget {
public:
    static constexpr int64_t kShareDivisor = 20;  // waste <= 1/20 = 5% of wall time
    static constexpr int64_t kCapUs = 10000;      // burst allowance

    // Whether a new window may open at time now_us.
    bool allows(int64_t now_us) {
        refill(now_us);
        return balance_us_ > 0;
    }
    // A window ran out `wasted_us` after its last traffic.
    void charge(int64_t wasted_us) { balance_us_ -= wasted_us; }

private:
    void refill(int64_t now_us) {
        if (last_us_ != 0) balance_us_ = std::min(kCapUs, balance_us_ + (now_us - last_us_) / kShareDivisor);
        last_us_ = now_us;
    }
    int64_t balance_us_ = kCapUs;
    int64_t last_us_ = 0;
};

}  // namespace realm::transport
