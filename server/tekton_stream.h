// A Tekton chat (tekton.md 2, 3) answered by an upstream in gateway mode or,
// on the WebSocket, by the synthetic model paced by --token-delay-ms: the
// pieces become `{"chunk":…,"done":false}` payloads as they come (or one
// `{"content":…}` object), then the final done:true chunk with the finish
// reason and usage. Pulled by the HTTP exchange like an OpenAiStream, and by
// the Tekton WebSocket session, which adds the frame's type and request_id.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "openai_backend.h"
#include "pacer.h"
#include "timer_queue.h"
#include "upstream_feed.h"

namespace realm::server {

class TektonStream {
public:
    // `common`: the members every reply carries after the text (context_id,
    // model, provider, timestamp), starting with a comma.
    TektonStream(std::unique_ptr<UpstreamFeed> feed, bool stream, std::string common, uint64_t prompt_tokens);
    // The synthetic model's answer to `request`, one piece per `delay_ns`.
    TektonStream(const OpenAiRequest &request, uint64_t server_cap, uint64_t delay_ns, uint64_t now_ns, bool stream,
                 std::string common);

    enum class Step {
        Event,   // `out` is the data of one SSE event
        Body,    // `out` is the whole JSON answer (not streaming)
        Wait,    // nothing yet: the timer is woken by the feed, or is due at wake_at()
        Failed,  // nothing was sent yet: `out` is the error body; status() and retry_after_ms() say the rest
                 // (a failure after the first event is an Event: a done:true chunk with `error`)
        Done,    // everything was sent
    };
    Step step(std::string &out);
    bool streaming() const { return stream_; }
    // Nothing has been produced yet (the HTTP head can still carry an error status).
    bool untouched() const { return !started_; }
    int status() const { return status_; }
    uint64_t retry_after_ms() const { return retry_after_ms_; }
    // After Wait: when the next synthetic piece is due (kNever with a feed).
    uint64_t wake_at() const { return wake_at_; }

    TimerHandle timer;

private:
    // The next piece from the feed or the plan, JSON-escaped into piece_.
    UpstreamFeed::Next next_piece();
    const std::string &finish_reason() const;
    void append_usage(std::string &out) const;

    std::unique_ptr<UpstreamFeed> feed_;  // gateway mode; else the synthetic model:
    std::optional<TextPlan> plan_;
    Pacer pacer_{0, 0};
    uint64_t planned_sent_ = 0;
    std::string plan_finish_;
    uint64_t wake_at_ = TimerQueue::kNever;
    bool stream_;
    std::string common_;
    uint64_t prompt_tokens_;
    std::string raw_;    // the feed's piece as it came
    std::string piece_;  // the current piece, JSON-escaped
    std::string content_json_;  // not streaming: the escaped text so far
    bool started_ = false;
    bool over_ = false;
    bool done_sent_ = false;
    int status_ = 502;
    uint64_t retry_after_ms_ = 0;
};

}  // namespace realm::server
