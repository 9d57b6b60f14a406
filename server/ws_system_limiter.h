// ws-system's authentication failure limiter (ws-system.md 3.5): a failure
// counter per "<ip>:<clientId>" key; at MAX_AUTH_ATTEMPTS consecutive
// failures the key is blocked for min(2^(count-1), 1800) s. Unlike the
// Realm token buckets (rate_limiter.*) it counts failures, not requests.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace realm::server {

class AuthFailureLimiter {
public:
    AuthFailureLimiter(uint64_t max_attempts, uint64_t window_ms) : max_attempts_(max_attempts), window_ms_(window_ms) {}

    // Seconds (rounded up) the key stays blocked, 0 when it is not blocked.
    uint64_t blocked_for_s(const std::string &key, uint64_t now_ms);

    struct Failure {
        uint64_t retry_after_s = 0;       // > 0: this failure blocked the key
        uint64_t remaining_attempts = 0;  // max - consecutive failures, floor 0
    };
    Failure record_failure(const std::string &key, uint64_t now_ms);
    void record_success(const std::string &key) { records_.erase(key); }

private:
    struct Record {
        uint64_t count = 0;
        uint64_t last_attempt_ms = 0;
        uint64_t blocked_until_ms = 0;
    };
    // Upstream purges records idle for 24 h every hour; doing it on the way
    // (at most once an hour) keeps memory bounded the same way.
    void purge(uint64_t now_ms);

    uint64_t max_attempts_;
    uint64_t window_ms_;
    uint64_t last_purge_ms_ = 0;
    std::unordered_map<std::string, Record> records_;
};

}  // namespace realm::server
