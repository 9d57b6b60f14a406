#include "job.h"

#include "protocol/realm_wire.h"
#include "serde/server_frames.h"

namespace realm::server {

Job::Job(JobSpec spec, uint64_t now_ns) : spec_(std::move(spec)), pacer_(spec_.delay_ns, now_ns) {
    id_json_ = frames::json_string(spec_.id);
    for (const auto &w : spec_.words) words_json_.push_back(frames::json_string(w));
    if (words_json_.empty()) words_json_.push_back("\"\"");
}

void Job::attach(std::unique_ptr<UpstreamFeed> feed) {
    feed_ = std::move(feed);
    feed_->watch(&timer);
}

StepResult Job::step_upstream(FrameBatch &out) {
    for (;;) {
        switch (feed_->next(&piece_)) {
            case UpstreamFeed::Next::Piece:
                if (spec_.end == JobEnd::Result) {
                    text_ += piece_;
                    continue;
                }
                {
                    std::string &p = out.scratch();
                    p.clear();
                    // The last piece is not known until the upstream ends:
                    // the terminal frame marks the end instead.
                    frames::append_token(p, id_json_, emitted_, false, frames::json_string(piece_));
                    out.add(kOpText, p);
                }
                ++emitted_;
                return StepResult::Again;
            case UpstreamFeed::Next::Wait:
                wake_at_ = TimerQueue::kNever;
                return StepResult::Wait;
            case UpstreamFeed::Next::Finished:
                if (spec_.end == JobEnd::Result) {
                    std::string data = R"({"finish_reason":)" + frames::json_string(feed_->finish_reason());
                    if (auto pt = feed_->prompt_tokens()) data += R"(,"prompt_tokens":)" + std::to_string(*pt);
                    data += R"(,"text":)" + frames::json_string(text_);
                    data += R"(,"tokens_generated":)" +
                            std::to_string(feed_->completion_tokens().value_or(feed_->pieces())) + "}";
                    out.add(kOpText, frames::complete(id_json_, data));
                } else {
                    out.add(kOpText, frames::stream_complete(id_json_, emitted_));
                }
                return StepResult::Done;
            case UpstreamFeed::Next::Failed:
                write_upstream_error(out);
                return StepResult::Done;
        }
    }
}

void Job::write_upstream_error(FrameBatch &out) {
    const UpstreamError &e = feed_->error();
    switch (e.kind) {
        case UpstreamFailure::RateLimited: {
            std::string details = R"({"retry_after_ms":)" + std::to_string(e.retry_after_ms) + "}";
            out.add(kOpText, frames::error(id_json_, wire::kRateLimitExceeded, e.message, details));
            return;
        }
        case UpstreamFailure::BadRequest:
            out.add(kOpText, frames::error(id_json_, wire::kDispatchError, e.message));
            return;
        default: {
            std::string details = R"({"upstream_code":)" + frames::json_string(e.code) + "}";
            out.add(kOpText, frames::error(id_json_, wire::kBackendError, e.message, details));
            return;
        }
    }
}

StepResult Job::step(FrameBatch &out, uint64_t now_ns) {
    if (feed_) return step_upstream(out);
    while (next_fault_ < spec_.faults.size() && spec_.faults[next_fault_].after == emitted_) {
        StepResult r;
        if (fire_fault(spec_.faults[next_fault_++], out, now_ns, &r)) return r;
    }
    if (emitted_ < spec_.tokens) {
        if (!pacer_.ready(now_ns, &wake_at_)) return StepResult::Wait;
        write_token(out);
        ++emitted_;
        pacer_.advance(now_ns);
        if (emitted_ < spec_.tokens) return pacer_.ready(now_ns, &wake_at_) ? StepResult::Again : StepResult::Wait;
        // A fault placed right after the last token goes before the terminal.
        if (next_fault_ < spec_.faults.size() && spec_.faults[next_fault_].after == emitted_)
            return StepResult::Again;
    }
    write_terminal(out);
    return StepResult::Done;
}

bool Job::fire_fault(const Fault &f, FrameBatch &out, uint64_t now_ns, StepResult *result) {
    std::string &p = out.scratch();
    p.clear();
    switch (f.type) {
        case FaultType::Drop:
            *result = StepResult::Drop;
            return true;
        case FaultType::Close:
            close_code_ = f.code;
            close_reason_ = f.reason;
            *result = StepResult::Close;
            return true;
        case FaultType::Stall:
            wake_at_ = now_ns + f.ms * 1000000ULL;
            pacer_.hold_until(wake_at_);
            *result = StepResult::Wait;
            return true;
        case FaultType::Malformed:
            p = R"({"id":)" + id_json_ + R"(,"status":"stream)";
            out.add(kOpText, p);
            return false;
        case FaultType::InvalidUtf8:
            p = R"({"id":)" + id_json_ + R"(,"status":"streaming","data":{"index":)";
            frames::append_uint(p, emitted_);
            p += ",\"is_final\":false,\"text\":\"\xC3\x28\xFF\xFE\"}}";
            out.add(kOpText, p);
            return false;
        case FaultType::Oversized:
            oversize_next_ = f.bytes;
            return false;
        case FaultType::BackendError:
            if (spec_.terminal_always)
                out.add(kOpText, frames::error(id_json_, wire::kBackendError, "Backend failed"));
            *result = StepResult::Done;
            return true;
        case FaultType::UnknownId:
            frames::append_token(p, frames::json_string(spec_.id + "#never-sent"), 0, false, "\"ghost \"");
            out.add(kOpText, p);
            return false;
        case FaultType::WrongTypes:
            p = R"({"id":)" + id_json_ + R"(,"status":"streaming","data":{"text":42,"index":)";
            frames::append_uint(p, emitted_);
            p += R"(,"is_final":false}})";
            out.add(kOpText, p);
            return false;
        case FaultType::Binary:
            out.add(kOpBinary, std::string_view("\x00\x01\x02\xff", 4));
            return false;
        case FaultType::Fragmented:
            fragment_next_ = f.bytes ? f.bytes : 3;
            return false;
    }
    return false;
}

void Job::write_token(FrameBatch &out) {
    std::string &p = out.scratch();
    p.clear();
    bool is_final = emitted_ + 1 == spec_.tokens;
    if (oversize_next_) {
        std::string text(oversize_next_, 'x');
        oversize_next_ = 0;
        frames::append_token(p, id_json_, emitted_, is_final, frames::json_string(text));
    } else if (spec_.stamp) {
        char text[32];
        size_t n = 0;
        text[n++] = '"';
        std::string digits;
        frames::append_uint(digits, monotonic_ns() / 1000);  // fresh: the send time
        for (char c : digits) text[n++] = c;
        text[n++] = ' ';
        text[n++] = '"';
        frames::append_token(p, id_json_, emitted_, is_final, std::string_view(text, n));
    } else {
        frames::append_token(p, id_json_, emitted_, is_final, words_json_[emitted_ % words_json_.size()]);
    }
    if (fragment_next_) {
        out.add_fragmented(kOpText, p, fragment_next_);
        fragment_next_ = 0;
        return;
    }
    out.add(kOpText, p);
}

void Job::write_terminal(FrameBatch &out) {
    switch (spec_.end) {
        case JobEnd::StreamComplete:
            out.add(kOpText, frames::stream_complete(id_json_, emitted_));
            break;
        case JobEnd::Result:
            out.add(kOpText, frames::complete(id_json_, spec_.result_json));
            break;
        case JobEnd::Silent:
            break;
    }
}

}  // namespace realm::server
