#include "ws_system_limiter.h"

#include <algorithm>

namespace realm::server {
namespace {

constexpr uint64_t kMaxBlockS = 1800;
constexpr uint64_t kPurgeEveryMs = 3600ULL * 1000;
constexpr uint64_t kIdleMs = 24ULL * 3600 * 1000;

}  // namespace

uint64_t AuthFailureLimiter::blocked_for_s(const std::string &key, uint64_t now_ms) {
    purge(now_ms);
    auto it = records_.find(key);
    if (it == records_.end() || it->second.blocked_until_ms <= now_ms) return 0;
    return (it->second.blocked_until_ms - now_ms + 999) / 1000;
}

AuthFailureLimiter::Failure AuthFailureLimiter::record_failure(const std::string &key, uint64_t now_ms) {
    Record &r = records_[key];
    // A previous attempt older than the window starts the count afresh.
    if (r.count && now_ms - r.last_attempt_ms > window_ms_) r.count = 0;
    ++r.count;
    r.last_attempt_ms = now_ms;
    Failure f;
    f.remaining_attempts = r.count >= max_attempts_ ? 0 : max_attempts_ - r.count;
    if (r.count >= max_attempts_) {
        uint64_t exp = r.count - 1;
        uint64_t block_s = exp >= 11 ? kMaxBlockS : std::min<uint64_t>(1ULL << exp, kMaxBlockS);
        r.blocked_until_ms = now_ms + block_s * 1000;
        f.retry_after_s = block_s;
    }
    return f;
}

void AuthFailureLimiter::purge(uint64_t now_ms) {
    if (now_ms - last_purge_ms_ < kPurgeEveryMs) return;
    last_purge_ms_ = now_ms;
    for (auto it = records_.begin(); it != records_.end();) {
        bool idle = now_ms - it->second.last_attempt_ms > kIdleMs && it->second.blocked_until_ms <= now_ms;
        it = idle ? records_.erase(it) : std::next(it);
    }
}

}  // namespace realm::server
