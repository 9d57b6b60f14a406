#include "core/retry_policy.h"

#include <algorithm>

#include "core/backoff.h"
#include "core/request.h"

namespace realm::core {

bool is_retryable_failure(const Error &e) {
    switch (e.status) {
        case REALM_ERR_CONNECT_FAILED:
        case REALM_ERR_CONNECTION_LOST:
        case REALM_ERR_TIMEOUT:
        case REALM_ERR_IDLE_TIMEOUT:
        case REALM_ERR_RATE_LIMITED:
            return true;
        default:
            return e.http_status == 503 || e.http_status == 429 || e.code == "SERVICE_UNAVAILABLE";
    }
}

bool nothing_received(const realm_request &req) {
    return req.streamed == 0 && !req.started && req.text.empty() && req.first_token_us == 0;
}

uint32_t retry_delay_ms(uint32_t attempt, const RetryConfig &cfg, const Error &cause, JitterRng &rng) {
    uint32_t delay = backoff_delay_ms(attempt, cfg.base_ms, cfg.cap_ms, kRetryJitterPercent, rng);
    if (cause.retry_after_ms > 0 && cause.retry_after_ms > int64_t(delay))
        delay = uint32_t(std::min<int64_t>(cause.retry_after_ms, int64_t(UINT32_MAX)));
    return delay;
}

}  // namespace realm::core
