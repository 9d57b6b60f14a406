// A Tekton chat (tekton.md 2) answered by an upstream in gateway mode: the
// upstream's pieces become `{"chunk":…,"done":false}` events as they arrive
// (or one `{"content":…}` object), then the final done:true event with the
// finish reason and usage. Pulled by the HTTP exchange like an OpenAiStream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "timer_queue.h"
#include "upstream_feed.h"

namespace realm::server {

class TektonStream {
public:
    // `common`: the members every reply carries after the text (context_id,
    // model, provider, timestamp), starting with a comma.
    TektonStream(std::unique_ptr<UpstreamFeed> feed, bool stream, std::string common, uint64_t prompt_tokens);

    enum class Step {
        Event,   // `out` is the data of one SSE event
        Body,    // `out` is the whole JSON answer (not streaming)
        Wait,    // nothing yet (the timer is woken by the feed)
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

    TimerHandle timer;

private:
    void append_usage(std::string &out) const;

    std::unique_ptr<UpstreamFeed> feed_;
    bool stream_;
    std::string common_;
    uint64_t prompt_tokens_;
    std::string piece_;
    std::string content_json_;  // not streaming: the escaped text so far
    bool started_ = false;
    bool over_ = false;
    bool done_sent_ = false;
    int status_ = 502;
    uint64_t retry_after_ms_ = 0;
};

}  // namespace realm::server
