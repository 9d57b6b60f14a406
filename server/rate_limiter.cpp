#include "rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace realm::server {

RateLimiter::RateLimiter(uint64_t requests_per_minute, uint64_t burst)
    : capacity_(static_cast<double>(burst)), refill_per_sec_(static_cast<double>(requests_per_minute) / 60.0) {}

RateDecision RateLimiter::check(const std::string &tenant, uint64_t now_ns) {
    auto it = buckets_.find(tenant);
    if (it == buckets_.end()) it = buckets_.emplace(tenant, Bucket{capacity_, now_ns}).first;
    Bucket &b = it->second;
    double elapsed = static_cast<double>(now_ns - b.last_ns) / 1e9;
    b.tokens = std::min(capacity_, b.tokens + elapsed * refill_per_sec_);
    b.last_ns = now_ns;
    RateDecision d;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return d;
    }
    double wait = (1.0 - b.tokens) / refill_per_sec_;
    d.allowed = false;
    d.wait_seconds_floor = static_cast<uint64_t>(std::floor(wait));
    d.retry_after_ms = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(wait * 1000.0)));
    return d;
}

}  // namespace realm::server
