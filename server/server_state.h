// State shared by all connections of the server (service thread only).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend.h"
#include "key_store.h"
#include "options.h"
#include "rate_limiter.h"
#include "timer_queue.h"
#include "upstream_pool.h"
#include "ws_system_state.h"

namespace realm::server {

inline constexpr const char *kServerVersion = "0.1.0";

struct ServerStats {
    uint64_t started_ns = 0;
    uint64_t active_requests = 0;  // generate jobs running, all connections
    uint64_t cancelled_total = 0;  // jobs stopped by the cancel function
    uint64_t connections = 0;      // open WebSocket connections
};

struct ServerState {
    explicit ServerState(const ServerOptions &opts)
        : options(opts),
          limiter(opts.rate_limit_rpm, opts.rate_limit_burst),
          pipelines(configured_pipelines(opts)),
          ws_system(opts) {}

    const ServerOptions &options;
    KeyStore keys;
    RateLimiter limiter;
    TimerQueue timers;
    ServerStats stats;
    std::vector<Pipeline> pipelines;
    WsSystemShared ws_system;  // --dialect ws-system only
    std::unique_ptr<UpstreamPool> upstreams;  // gateway mode (--upstream) only
};

}  // namespace realm::server
