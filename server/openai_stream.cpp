#include "openai_stream.h"

namespace realm::server {
namespace {

// Bytes of the invalid_utf8 fault: a broken 2-byte sequence, then bytes that
// never occur in UTF-8.
constexpr std::string_view kInvalidUtf8 = "\xC3\x28\xFF\xFE";

uint64_t delay_ns(const OpenAiRequest &r, const ServerOptions &o) {
    uint64_t ms = r.delay_ms ? *r.delay_ms : o.effective_token_delay_ms();
    return ms * 1000000ULL;
}

}  // namespace

OpenAiError openai_error_of(const UpstreamError &e) {
    OpenAiError o;
    o.http_status = e.http_status ? e.http_status : 502;
    o.message = e.message;
    o.retry_after_ms = e.retry_after_ms;
    switch (e.kind) {
        case UpstreamFailure::RateLimited:
            o.type = o.code = "rate_limit_exceeded";
            break;
        case UpstreamFailure::BadRequest:
            o.type = o.code = "invalid_request_error";
            break;
        default:
            o.type = "server_error";
            o.code = e.code;
            break;
    }
    o.param.reset();
    return o;
}

UpstreamAsk upstream_ask_of(const OpenAiRequest &r, const char *dialect) {
    UpstreamAsk a;
    a.model = r.model;
    a.chat = r.dialect == OpenAiDialect::Chat;
    a.messages = r.messages;
    a.prompt = r.prompt;
    a.max_tokens = r.max_tokens;
    a.temperature = r.temperature;
    a.top_p = r.top_p;
    a.presence_penalty = r.presence_penalty;
    a.frequency_penalty = r.frequency_penalty;
    a.seed = r.seed;
    a.stop = r.stop;
    a.dialect = dialect;
    return a;
}

Usage OpenAiStream::usage() const {
    if (!feed_) return Usage{prompt_tokens_, sent_ + extra_};
    return Usage{feed_->prompt_tokens().value_or(prompt_tokens_), feed_->completion_tokens().value_or(sent_)};
}

OpenAiStream::OpenAiStream(const OpenAiRequest &request, const ServerOptions &options, StreamShape shape,
                           uint64_t now_ns, std::unique_ptr<UpstreamFeed> feed)
    : enc_(request.dialect, request.model, request.request_id),
      plan_(request, options.max_tokens),
      shape_(shape),
      stream_(request.stream),
      request_id_(request.request_id),
      prompt_tokens_(request.prompt_tokens),
      faults_(request.faults.timed),
      pacer_(delay_ns(request, options), now_ns),
      feed_(std::move(feed)) {
    if (feed_) feed_->watch(&timer);
}

StreamStep OpenAiStream::step_upstream(std::string &out) {
    for (;;) {
        switch (feed_->next(&piece_)) {
            case UpstreamFeed::Next::Piece: {
                ++sent_;
                std::string escaped = json_escape(piece_);
                if (stream_) {
                    enc_.content(out, escaped);
                    return StreamStep::Payload;
                }
                text_json_ += escaped;
                continue;
            }
            case UpstreamFeed::Next::Wait:
                wake_at_ = TimerQueue::kNever;
                return StreamStep::Wait;
            case UpstreamFeed::Next::Finished:
                finish_from_upstream_ = feed_->finish_reason();
                phase_ = Phase::Final;
                return finish(out, finish_from_upstream_);
            case UpstreamFeed::Next::Failed: {
                OpenAiError e = openai_error_of(feed_->error());
                error_status_ = e.http_status;
                error_retry_after_ms_ = e.retry_after_ms;
                phase_ = Phase::Over;
                enc_.error(out, e);
                return StreamStep::Failed;
            }
        }
    }
}

StreamStep OpenAiStream::finish(std::string &out, std::string_view reason) {
    Usage u = usage();
    phase_ = Phase::Over;
    if (!stream_) {
        enc_.full(out, text_json_, reason, u);
        if (malformed_) out.resize(out.size() / 2);
        return binary_ ? StreamStep::Binary : StreamStep::Payload;
    }
    if (reason == "abort") {
        enc_.final(out, reason, nullptr);  // as in the vector: no usage on an aborted request
        return StreamStep::Payload;
    }
    if (shape_.usage_chunk) phase_ = Phase::UsageChunk;
    if (shape_.skip_final) {
        phase_ = Phase::Over;  // no finish_reason anywhere, so no usage chunk either
        return StreamStep::Done;
    }
    enc_.final(out, reason, shape_.usage_on_final ? &u : nullptr);
    return StreamStep::Payload;
}

bool OpenAiStream::fire_faults(uint64_t now_ns, std::string &out, StreamStep *result) {
    while (next_fault_ < faults_.size() && faults_[next_fault_].after == sent_) {
        const OpenAiFault &f = faults_[next_fault_++];
        switch (f.type) {
            case OpenAiFaultType::Drop:
                phase_ = Phase::Over;
                *result = StreamStep::Drop;
                return true;
            case OpenAiFaultType::Close:
                phase_ = Phase::Over;
                close_code_ = f.code;
                close_reason_ = f.reason;
                *result = StreamStep::Close;
                return true;
            case OpenAiFaultType::Stall:
                wake_at_ = now_ns + f.ms * 1000000ULL;
                pacer_.hold_until(wake_at_);
                *result = StreamStep::Wait;
                return true;
            case OpenAiFaultType::BackendError:
                phase_ = Phase::Over;
                enc_.error(out, server_error("Backend failed"));
                *result = StreamStep::Failed;
                return true;
            case OpenAiFaultType::Malformed:
                if (!stream_) {
                    malformed_ = true;
                    break;
                }
                enc_.content(out, plan_.piece_json(0));
                out.resize(out.size() / 2);  // cut inside the JSON text
                *result = StreamStep::Payload;
                return true;
            case OpenAiFaultType::InvalidUtf8:
                ++extra_;
                if (!stream_) {
                    text_json_ += kInvalidUtf8;
                    break;
                }
                enc_.content(out, kInvalidUtf8);
                *result = StreamStep::Payload;
                return true;
            case OpenAiFaultType::SplitUtf8:  // streaming only (checked at parse time)
                extra_ += 2;
                enc_.content(out, "\xC3");
                pending_.clear();
                enc_.content(pending_, "\xA9");  // "é" = C3 A9
                *result = StreamStep::Payload;
                return true;
            case OpenAiFaultType::Binary:
                if (!stream_) {
                    binary_ = true;
                    break;
                }
                out.assign("\x00\x01\x02\xff", 4);
                *result = StreamStep::Binary;
                return true;
            default:  // response faults are the transport's business
                break;
        }
    }
    return false;
}

StreamStep OpenAiStream::step(uint64_t now_ns, std::string &out) {
    out.clear();
    if (!pending_.empty()) {
        out.swap(pending_);
        return StreamStep::Payload;
    }
    for (;;) {
        switch (phase_) {
            case Phase::Over:
                return StreamStep::Done;
            case Phase::Role:
                // Gateway: nothing goes out before the upstream answers, so
                // that an upstream error can still be the whole response.
                if (feed_ && feed_->idle()) {
                    wake_at_ = TimerQueue::kNever;
                    return StreamStep::Wait;
                }
                if (feed_ && stream_ && feed_->next_is_failure()) {
                    phase_ = Phase::Content;
                    continue;
                }
                phase_ = Phase::Content;
                if (stream_ && enc_.dialect() == OpenAiDialect::Chat) {
                    enc_.role(out);
                    return StreamStep::Payload;
                }
                continue;
            case Phase::Content: {
                if (aborted_) {
                    feed_.reset();  // closes the upstream request now
                    return finish(out, "abort");
                }
                if (feed_) return step_upstream(out);
                StreamStep r;
                if (fire_faults(now_ns, out, &r)) return r;
                if (sent_ < plan_.pieces()) {
                    if (!pacer_.ready(now_ns, &wake_at_)) return StreamStep::Wait;
                    std::string_view piece = plan_.piece_json(sent_);
                    ++sent_;
                    pacer_.advance(now_ns);
                    if (stream_) {
                        enc_.content(out, piece);
                        return StreamStep::Payload;
                    }
                    text_json_ += piece;  // non-streaming: keep generating until a wait
                    continue;
                }
                phase_ = Phase::Final;
                continue;
            }
            case Phase::Final:
                if (feed_ && !aborted_) return finish(out, finish_from_upstream_);
                return finish(out, aborted_ ? "abort" : plan_.finish_reason());
            case Phase::UsageChunk:
                phase_ = Phase::Over;
                enc_.usage_only(out, usage());
                return StreamStep::Payload;
        }
    }
}

}  // namespace realm::server
