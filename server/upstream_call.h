// The shared record of one upstream generation: what the pool fills from the
// core's queue and the feed hands to its producer. Private to
// upstream_pool.cpp and upstream_feed.cpp.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <realm/realm.h>

#include "timer_queue.h"
#include "upstream_feed.h"

namespace realm::server {

class UpstreamPool;

struct UpstreamCall {
    enum class State { Running, Finished, Failed };

    UpstreamPool *pool = nullptr;
    UpstreamAsk ask;
    State state = State::Running;
    size_t upstream = SIZE_MAX;          // index of the upstream running the current attempt
    realm_request_t *request = nullptr;  // the current attempt, until its DONE event
    TimerHandle retry;                   // a wait before the next attempt
    std::deque<std::string> pieces;      // received, not yet handed out
    uint64_t received = 0;               // pieces received (0 = the request may still be re-sent)
    uint64_t handed = 0;
    std::string finish_reason;
    std::optional<uint64_t> prompt_tokens;
    std::optional<uint64_t> completion_tokens;
    UpstreamError error;
    TimerHandle *wake = nullptr;         // the producer's timer (UpstreamFeed::watch)
    bool abandoned = false;              // the feed is gone: drop everything that arrives
    uint64_t started_ns = 0;             // first attempt sent
    uint64_t attempt_ns = 0;             // current attempt sent
    uint64_t give_up_ns = 0;             // no attempt starts after this
};

}  // namespace realm::server
