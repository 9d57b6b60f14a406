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

OpenAiStream::OpenAiStream(const OpenAiRequest &request, const ServerOptions &options, StreamShape shape,
                           uint64_t now_ns)
    : enc_(request.dialect, request.model, request.request_id),
      plan_(request, options.max_tokens),
      shape_(shape),
      stream_(request.stream),
      request_id_(request.request_id),
      prompt_tokens_(request.prompt_tokens),
      faults_(request.faults.timed),
      pacer_(delay_ns(request, options), now_ns) {}

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
                phase_ = Phase::Content;
                if (stream_ && enc_.dialect() == OpenAiDialect::Chat) {
                    enc_.role(out);
                    return StreamStep::Payload;
                }
                continue;
            case Phase::Content: {
                if (aborted_) return finish(out, "abort");
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
                return finish(out, aborted_ ? "abort" : plan_.finish_reason());
            case Phase::UsageChunk:
                phase_ = Phase::Over;
                enc_.usage_only(out, usage());
                return StreamStep::Payload;
        }
    }
}

}  // namespace realm::server
