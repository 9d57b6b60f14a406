// Which failed requests are sent again, and after how long. A request is
// retried only when nothing of its answer arrived (no token, no start, no
// text): a generation that began is never re-sent, since it could run twice
// and the caller has seen part of it. The failures worth another try are
// the passing ones: the connection (could not connect, lost), a timeout,
// HTTP 503 and 429 (with Realm's RATE_LIMIT_EXCEEDED and
// SERVICE_UNAVAILABLE, their equivalents).
#pragma once

#include <cstdint>

#include "core/backoff.h"
#include "core/error.h"

struct realm_request;

namespace realm::core {

struct RetryConfig {
    uint32_t max_retries = 0;     // 0 = never
    uint32_t base_ms = 1000;      // first delay; x2 per retry
    uint32_t cap_ms = 30000;
};

// Jitter of every retry delay (+/- percent).
constexpr uint32_t kRetryJitterPercent = 15;

bool is_retryable_failure(const Error &e);

// True when nothing of the request's answer has arrived yet.
bool nothing_received(const realm_request &req);

// The delay before retry `attempt` (1-based): exponential with jitter, and
// never sooner than the server's Retry-After.
uint32_t retry_delay_ms(uint32_t attempt, const RetryConfig &cfg, const Error &cause, JitterRng &rng);

}  // namespace realm::core
