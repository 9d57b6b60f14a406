// Per-tenant token buckets (realm.md section 9): created full on first use,
// capacity `burst`, continuous refill of rpm/60 tokens per second, one token
// per call. Process-wide, shared by all connections of a tenant.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace realm::server {

struct RateDecision {
    bool allowed = true;
    uint64_t wait_seconds_floor = 0;  // upstream's message value (rounded down)
    uint64_t retry_after_ms = 0;      // extension: rounded up, >= 1
};

class RateLimiter {
public:
    RateLimiter(uint64_t requests_per_minute, uint64_t burst);
    RateDecision check(const std::string &tenant, uint64_t now_ns);

private:
    struct Bucket {
        double tokens;
        uint64_t last_ns;
    };
    double capacity_;
    double refill_per_sec_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace realm::server
