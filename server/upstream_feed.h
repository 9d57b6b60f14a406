// One generation served by an upstream OpenAI-compatible server (gateway
// mode, --upstream), as the dialect answering the client sees it: pieces of
// text as they arrive, then the end (finish reason, usage) or an error
// already sorted into kinds every dialect can express. The producer pulls
// with next(); when it finds nothing it waits on its own timer, which the
// feed fires early as soon as more arrives (watch()). Service thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "timer_queue.h"

namespace realm::server {

struct ChatMessage {
    std::string role;
    std::string content;
};

// What the gateway asks an upstream for.
struct UpstreamAsk {
    std::string model;                  // "" = --upstream-model, else the upstream's default
    bool chat = true;                   // /chat/completions with `messages`, else /completions with `prompt`
    std::vector<ChatMessage> messages;  // chat
    std::string prompt;                 // completions
    std::optional<uint64_t> max_tokens;
    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<double> presence_penalty;
    std::optional<double> frequency_penalty;
    std::optional<int64_t> seed;
    std::vector<std::string> stop;
    std::string dialect;                // who asked, for /metrics ("realm", "openai-ws", ...)
};

// Why an upstream generation failed, in terms every dialect maps.
enum class UpstreamFailure {
    RateLimited,   // 429; retry_after_ms when the upstream said
    Unauthorized,  // 401/403: the gateway's upstream key is wrong (a server fault, not the client's)
    BadRequest,    // 400/404/422: the request itself (message from the upstream)
    Unavailable,   // no upstream answers, or it kept loading past the wait
    Timeout,       // the upstream took longer than the request timeout
    Truncated,     // the stream ended without a finish reason
    Failed,        // 5xx, a cut stream, anything else
};

struct UpstreamError {
    UpstreamFailure kind = UpstreamFailure::Failed;
    int http_status = 0;          // the status the gateway should answer an HTTP client with
    uint64_t retry_after_ms = 0;  // RateLimited / Unavailable: when to try again (0 = unknown)
    std::string code;             // short machine name: "rate_limited", "upstream_error", ...
    std::string message;          // for the client: never the upstream's URL or key
};

struct UpstreamCall;  // upstream_pool.cpp

class UpstreamFeed {
public:
    enum class Next {
        Piece,     // *piece holds the next text (UTF-8, possibly a part of a character sequence's
                   // boundary as the upstream sent it, never split inside a character)
        Wait,      // nothing yet: wait for the watched timer
        Finished,  // the generation completed: finish_reason(), usage
        Failed,    // error()
    };

    explicit UpstreamFeed(std::shared_ptr<UpstreamCall> call);
    // Cancels the upstream request if it has not ended (closes its HTTP
    // exchange at once).
    ~UpstreamFeed();
    UpstreamFeed(const UpstreamFeed &) = delete;
    UpstreamFeed &operator=(const UpstreamFeed &) = delete;

    Next next(std::string *piece);
    // Running with nothing received yet to hand out (next() would say Wait).
    bool idle() const;
    // Nothing more to hand out and the generation failed.
    bool next_is_failure() const;
    // The producer's wake-up timer: when it is armed and something arrives,
    // the feed makes it due now. `timer` must outlive the feed.
    void watch(TimerHandle *timer);

    const std::string &finish_reason() const;
    std::optional<uint64_t> prompt_tokens() const;
    std::optional<uint64_t> completion_tokens() const;
    uint64_t pieces() const;  // pieces handed out so far
    const UpstreamError &error() const;

private:
    std::shared_ptr<UpstreamCall> call_;
};

}  // namespace realm::server
