#include "tekton_stream.h"

#include "openai_backend.h"
#include "protocol/realm_wire.h"

namespace realm::server {

TektonStream::TektonStream(std::unique_ptr<UpstreamFeed> feed, bool stream, std::string common,
                           uint64_t prompt_tokens)
    : feed_(std::move(feed)), stream_(stream), common_(std::move(common)), prompt_tokens_(prompt_tokens) {
    feed_->watch(&timer);
}

TektonStream::TektonStream(const OpenAiRequest &request, uint64_t server_cap, uint64_t delay_ns, uint64_t now_ns,
                           bool stream, std::string common)
    : plan_(std::in_place, request, server_cap),
      pacer_(delay_ns, now_ns),
      plan_finish_(plan_->finish_reason()),
      stream_(stream),
      common_(std::move(common)),
      prompt_tokens_(request.prompt_tokens) {}

UpstreamFeed::Next TektonStream::next_piece() {
    if (feed_) {
        UpstreamFeed::Next next = feed_->next(&raw_);
        if (next == UpstreamFeed::Next::Piece) piece_ = json_escape(raw_);
        return next;
    }
    if (planned_sent_ == plan_->pieces()) return UpstreamFeed::Next::Finished;
    uint64_t now = monotonic_ns();
    if (!pacer_.ready(now, &wake_at_)) return UpstreamFeed::Next::Wait;
    pacer_.advance(now);
    piece_.assign(plan_->piece_json(planned_sent_++));
    return UpstreamFeed::Next::Piece;
}

const std::string &TektonStream::finish_reason() const { return feed_ ? feed_->finish_reason() : plan_finish_; }

void TektonStream::append_usage(std::string &out) const {
    uint64_t prompt = feed_ ? feed_->prompt_tokens().value_or(prompt_tokens_) : prompt_tokens_;
    uint64_t completion = feed_ ? feed_->completion_tokens().value_or(feed_->pieces()) : planned_sent_;
    out += ",\"usage\":{\"prompt_tokens\":" + std::to_string(prompt) +
           ",\"completion_tokens\":" + std::to_string(completion) +
           ",\"total_tokens\":" + std::to_string(prompt + completion) + '}';
}

TektonStream::Step TektonStream::step(std::string &out) {
    out.clear();
    if (over_) {
        if (stream_ && !done_sent_) {
            done_sent_ = true;
            out = "[DONE]";
            return Step::Event;
        }
        return Step::Done;
    }
    for (;;) {
        switch (next_piece()) {
            case UpstreamFeed::Next::Piece:
                started_ = true;
                if (!stream_) {
                    content_json_ += piece_;
                    continue;
                }
                out = "{\"chunk\":\"" + piece_ + '"' + common_ + ",\"done\":false}";
                return Step::Event;
            case UpstreamFeed::Next::Wait:
                return Step::Wait;
            case UpstreamFeed::Next::Finished: {
                started_ = true;
                over_ = true;
                std::string reason;
                wire::append_json_string(reason, finish_reason());
                if (!stream_) {
                    out = "{\"content\":\"" + content_json_ + '"' + common_ + ",\"finish_reason\":" + reason;
                    append_usage(out);
                    out += '}';
                    done_sent_ = true;
                    return Step::Body;
                }
                out = "{\"chunk\":\"\"" + common_ + ",\"done\":true,\"finish_reason\":" + reason;
                append_usage(out);
                out += '}';
                return Step::Event;
            }
            case UpstreamFeed::Next::Failed: {
                over_ = true;
                done_sent_ = true;  // an error ends the stream without [DONE]
                const UpstreamError &e = feed_->error();
                if (stream_ && started_) {
                    // tekton.md 2.4: a chunk with `error` and done:true ends it with that error.
                    out = "{\"chunk\":\"\"" + common_ + ",\"done\":true,\"error\":";
                    wire::append_json_string(out, e.message);
                    out += '}';
                    return Step::Event;
                }
                status_ = e.http_status ? e.http_status : 502;
                retry_after_ms_ = e.retry_after_ms;
                out = "{\"error\":";  // tekton.md 2.3: error statuses carry {"error": text}
                wire::append_json_string(out, e.message);
                out += '}';
                return Step::Failed;
            }
        }
    }
}

}  // namespace realm::server
