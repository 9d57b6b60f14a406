#include "core/router.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>

#include "core/event_queue.h"
#include "core/log.h"
#include "transport/event_loop.h"

namespace realm::core {
namespace {

realm_outcome_t outcome_for(const Error &e) {
    return e.status == REALM_ERR_CANCELLED ? REALM_OUTCOME_CANCELLED : REALM_OUTCOME_ERROR;
}

// Length of a UTF-8 sequence from its lead byte (0 = not a lead byte).
size_t sequence_length(unsigned char c) {
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return 2;
    if (c >= 0xE0 && c <= 0xEF) return 3;
    if (c >= 0xF0 && c <= 0xF4) return 4;
    return 0;
}

// Splits `s` into a valid UTF-8 head and the start of a character cut off at
// the end (up to 3 bytes that a continuation could still complete). Returns
// the head's length, or npos when `s` is invalid.
size_t valid_utf8_head(std::string_view s) {
    size_t i = 0, n = s.size();
    while (i < n) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len = sequence_length(c);
        if (len == 0) return std::string_view::npos;
        size_t avail = std::min(len, n - i);
        for (size_t k = 1; k < avail; ++k) {
            unsigned char d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return std::string_view::npos;
            // The second byte's range rules out overlongs and surrogates.
            if (k == 1 && ((c == 0xE0 && d < 0xA0) || (c == 0xED && d > 0x9F) || (c == 0xF0 && d < 0x90) ||
                           (c == 0xF4 && d > 0x8F)))
                return std::string_view::npos;
        }
        if (avail < len) return i;  // cut off at the end
        i += len;
    }
    return n;
}

}  // namespace

RequestRouter::RequestRouter(transport::EventLoop &loop, Host &host, RouterConfig config)
    : loop_(loop), host_(host), cfg_(config), timeouts_(loop, [this](realm_request_t *req) {
          req->has_deadline = false;  // its entry is gone
          fail(req, make_error(REALM_ERR_TIMEOUT, "request timed out after " + std::to_string(req->timeout_ms) + " ms"),
               true);
      }),
      retry_waits_(loop, [this](realm_request_t *req) {
          req->waiting_retry = false;  // its entry is gone
          send_again(req);
      }) {}

RequestRouter::~RequestRouter() {
    alive_->store(false, std::memory_order_release);
    for (auto *req : dirty_) req->release();
    if (run_) run_->release();
}

void RequestRouter::start_timeout(realm_request_t *req) {
    if (req->timeout_ms) {
        req->deadline = timeouts_.add(transport::monotonic_us() + int64_t(req->timeout_ms) * 1000, req);
        req->has_deadline = true;
    }
}

void RequestRouter::enqueue(realm_request_t *req, bool can_wait) {
    start_timeout(req);
    // Keep the order: a request never overtakes queued ones.
    if (pending_.empty() && host_.try_send(req)) return;
    if (req->state == realm_request::State::Done) return;
    if (!can_wait) {
        fail(req, make_error(REALM_ERR_NOT_CONNECTED, "the client is not connected"), false);
        return;
    }
    req->state = realm_request::State::Queued;
    pending_.push_back(req);
}

void RequestRouter::flush_pending() {
    // Sending may end requests, which frees connections and asks for another
    // flush: the running one then goes round once more instead of nesting.
    if (flushing_) {
        flush_again_ = true;
        return;
    }
    flushing_ = true;
    do {
        flush_again_ = false;
        while (!pending_.empty()) {
            realm_request_t *req = pending_.front();
            pending_.pop_front();
            if (req->state != realm_request::State::Queued) continue;
            if (!host_.try_send(req)) {
                if (req->state == realm_request::State::Queued) pending_.push_front(req);
                break;
            }
        }
    } while (flush_again_ && !pending_.empty());
    flushing_ = false;
}

void RequestRouter::mark_sent(realm_request_t *req, void *link, bool server_starts_now) {
    if (req->state == realm_request::State::Created || req->state == realm_request::State::Queued)
        queued_.fetch_sub(1, std::memory_order_relaxed);
    req->seq = ++send_seq_;
    req->state = realm_request::State::Sent;
    req->sent_us = transport::monotonic_us();
    req->link = link;
    inflight_.insert(req);
    last_sent_id_.assign(req->wire_id());
    if (req->idle_timeout_ms && server_starts_now) {
        // The server works on it right away, so silence from now on is idle
        // time. Otherwise the clock starts at the first frame.
        req->last_frame_us = transport::monotonic_us();
        start_idle_clock(req);
    }
    loop_.busy_poll_for(cfg_.busy_poll_us);  // the answer may be microseconds away
}

void RequestRouter::start_idle_clock(realm_request_t *req) {
    req->idle_clock_running = true;
    req->idle_timer = std::make_unique<transport::Timer>(loop_);
    req->idle_timer->schedule_ms(req->idle_timeout_ms, [this, req] { on_idle_timer(req); });
}

void RequestRouter::on_idle_timer(realm_request_t *req) {
    int64_t idle_us = int64_t(req->idle_timeout_ms) * 1000;
    int64_t silent = transport::monotonic_us() - req->last_frame_us;
    if (silent < idle_us) {
        // Frames arrived meanwhile: sleep for the rest of the window.
        req->idle_timer->schedule_us(idle_us - silent, [this, req] { on_idle_timer(req); });
        return;
    }
    fail(req,
         make_error(REALM_ERR_IDLE_TIMEOUT, "no data for the request within " + std::to_string(req->idle_timeout_ms) + " ms"),
         true);
}

realm_request_t *RequestRouter::find(std::string_view id) const {
    return inflight_.find(id);
}

bool RequestRouter::drop_late_frame(std::string_view id, bool terminal) {
    if (zombies_.empty() || !zombies_.contains(id)) return false;
    if (terminal) zombies_.retire(id);  // its last frame
    return true;
}

void RequestRouter::add_zombie(const std::string &id) { zombies_.add(id); }

void RequestRouter::clear_zombies() { zombies_.clear(); }

void RequestRouter::deliver(realm_request_t *req, const protocol::InboundFrame &f) {
    using protocol::FrameKind;
    if (req->idle_timeout_ms) {
        req->last_frame_us = transport::monotonic_us();
        if (!req->idle_clock_running) start_idle_clock(req);
    }
    switch (f.kind) {
        case FrameKind::Token:
            record_meta(req, f);
            if (f.has_text && !f.text.empty()) append_text(req, f.text, f);
            return;
        case FrameKind::Complete:
            complete(req, f);
            return;
        case FrameKind::Error:
            fail(req, error_from_frame(f), false);
            return;
        case FrameKind::Cancelled:
            finish(req, REALM_OUTCOME_CANCELLED, nullptr, nullptr, false);
            return;
        case FrameKind::Started:
            started(req, f.model);
            return;
        default:
            return;
    }
}

void RequestRouter::started(realm_request_t *req, std::string_view model) {
    if (req->started) return;
    req->started = true;
    req->model.assign(model);
    const realm_handler_t &h = req->handler;
    if (!(h.events & REALM_HANDLER_EV_STARTED)) return;
    publish_tokens(req);  // keeps the order of what the handler sees
    if (h.queue)
        h.queue->push_started(h.user, req, req->model);
    else if (h.on_started)
        h.on_started(h.user, req, req->model.c_str());
}

void RequestRouter::stamp(realm_request_t *req, realm_result &r) const {
    r.model = req->model;
    // A dialect without usage (Realm) still says how many tokens it generated.
    if (r.completion_tokens < 0 && r.tokens_generated >= 0) r.completion_tokens = r.tokens_generated;
    if (r.total_tokens < 0 && r.prompt_tokens >= 0 && r.completion_tokens >= 0)
        r.total_tokens = r.prompt_tokens + r.completion_tokens;
    if (req->sent_us) {
        int64_t now = transport::monotonic_us();
        r.elapsed_ms = double(now - req->sent_us) / 1000.0;
        if (req->first_token_us) r.first_token_ms = double(req->first_token_us - req->sent_us) / 1000.0;
    }
}

void RequestRouter::record_meta(realm_request_t *req, const protocol::InboundFrame &f) {
    if (!f.finish_reason.empty()) req->finish_reason.assign(f.finish_reason);
    if (!f.model.empty() && req->model.empty()) req->model.assign(f.model);  // OpenAI chunks name it
    if (f.prompt_tokens >= 0) req->prompt_tokens = f.prompt_tokens;
    if (f.completion_tokens >= 0) req->completion_tokens = f.completion_tokens;
    if (f.total_tokens >= 0) req->total_tokens = f.total_tokens;
}

bool RequestRouter::append_text(realm_request_t *req, std::string_view text, const protocol::InboundFrame &f) {
    std::string joined;
    if (cfg_.check_token_utf8) {
        if (!req->utf8_carry.empty()) {
            joined.reserve(req->utf8_carry.len + text.size());
            joined.append(req->utf8_carry.view());
            joined.append(text);
            text = joined;
        }
        size_t head = valid_utf8_head(text);
        if (head == std::string_view::npos) {
            fail(req, make_error(REALM_ERR_PROTOCOL, "the server sent text that is not valid UTF-8"), true);
            return false;
        }
        // What is left is the start of one sequence: at most 3 bytes.
        std::string_view rest = text.substr(head);
        std::memcpy(req->utf8_carry.bytes, rest.data(), rest.size());
        req->utf8_carry.len = uint8_t(rest.size());
        text = text.substr(0, head);
    }
    if (text.empty()) return true;
    uint32_t flags = (f.is_final ? REALM_TOKEN_FINAL : 0u) | (f.has_logprob ? REALM_TOKEN_HAS_LOGPROB : 0u);
    int64_t index = f.index >= 0 ? f.index : req->streamed;
    if (!req->first_token_us) req->first_token_us = transport::monotonic_us();
    mark_dirty(req);  // first: for a callback handler this makes req the run whose tokens pending_of() holds
    pending_of(req).push_back({req->text.size(), text.size(), index, f.has_logprob ? f.logprob : 0.0, flags});
    req->text.append(text.data(), text.size());
    ++req->streamed;
    return true;
}

void RequestRouter::complete(realm_request_t *req, const protocol::InboundFrame &f) {
    record_meta(req, f);
    if (f.text_is_delta) {
        // The end of a stream of pieces (OpenAI shapes). A whole answer that
        // comes as one piece is the result text of a non-streaming request,
        // and one token of a streaming one.
        if (f.has_text && !f.text.empty()) {
            if (req->streaming || req->streamed > 0) {
                if (!append_text(req, f.text, f)) return;
            } else {
                if (cfg_.check_token_utf8 && valid_utf8_head(f.text) != f.text.size()) {
                    fail(req, make_error(REALM_ERR_PROTOCOL, "the server sent text that is not valid UTF-8"), true);
                    return;
                }
                req->text.assign(f.text);
            }
        }
        if (!req->utf8_carry.empty()) {
            fail(req, make_error(REALM_ERR_PROTOCOL, "the stream ended inside a UTF-8 character"), false);
            return;
        }
        if (req->finish_reason == "abort") {
            finish(req, REALM_OUTCOME_CANCELLED, nullptr, nullptr, false);
            return;
        }
        if (cfg_.needs_finish_reason && req->finish_reason.empty() && req->spec.streaming()) {
            fail(req,
                 make_error(REALM_ERR_PROTOCOL,
                            "the stream ended without a finish_reason: the answer is truncated (" +
                                std::to_string(req->streamed) + " pieces received)"),
                 false);
            return;
        }
        publish_tokens(req);
        realm_result r;
        r.text = std::move(req->text);
        r.streamed = req->streamed;
        r.finish_reason = req->finish_reason;
        r.prompt_tokens = req->prompt_tokens;
        r.completion_tokens = req->completion_tokens;
        r.total_tokens = req->total_tokens;
        r.tokens_generated = req->completion_tokens;
        if (!f.data_json.empty()) r.json.assign(f.data_json);
        stamp(req, r);
        finish(req, REALM_OUTCOME_COMPLETE, &r, nullptr, false);
        return;
    }
    publish_tokens(req);
    realm_result r;
    if (req->streamed > 0) {
        r.text = std::move(req->text);
    } else if (f.has_text) {
        r.text.assign(f.text);
        if (req->streaming && !r.text.empty()) {
            // A stream answered by one complete frame (realm.md 6.1, cli
            // variant): hand its text to stream consumers too.
            pending_of(req).push_back({0, r.text.size(), 0, 0, REALM_TOKEN_FINAL});
            req->text = r.text;
            publish_tokens(req);
        }
    }
    r.json.assign(f.data_json.empty() ? std::string_view("null") : f.data_json);
    r.tokens_generated = f.tokens_generated;
    r.prompt_tokens = f.prompt_tokens;
    r.completion_tokens = req->completion_tokens;
    r.total_tokens = req->total_tokens;
    r.finish_reason = req->finish_reason;
    r.streamed = req->streamed;
    r.has_cost = f.has_cost;
    r.cost_usd = f.cost_usd;
    r.has_time = f.has_time;
    r.time_ms = f.time_ms;
    if (!f.model.empty()) req->model.assign(f.model);
    stamp(req, r);
    finish(req, REALM_OUTCOME_COMPLETE, &r, nullptr, false);
}

void RequestRouter::mark_dirty(realm_request_t *req) {
    if (!req->handler.queue) {
        // A callback handler gets a request's tokens once per run of frames
        // for it: when a frame for another request arrives, or the pass ends.
        // One stream is still one batch per pass; with thousands of
        // interleaved streams each request is published right after its
        // frame, while its cache lines are still there, instead of being
        // fetched again at the end of the pass (at 10,000 streams that was
        // the largest share of the cache misses per token).
        if (run_ != req) {
            if (run_) end_run();
            req->retain();  // run_ holds a reference until it is published
            run_ = req;
            // Its tokens go to the handler when the run ends, normally at the
            // next frame: start loading the handler's own data for it now
            // (a binding's per-request context, a cache miss per frame with
            // thousands of interleaved streams). A prefetch never faults,
            // whatever `user` is.
            __builtin_prefetch(req->handler.user);
        }
    } else if (!req->dirty) {
        // A pull queue merges a request's tokens into its latest item
        // anyway; one push per request per pass keeps its lock cheap.
        req->dirty = true;
        req->retain();  // dirty_ holds a reference until the flush
        dirty_.push_back(req);
    }
    if (!flush_scheduled_) {
        flush_scheduled_ = true;
        loop_.after_pass([this, alive = alive_, keep = owner_.lock()] {
            if (alive->load(std::memory_order_acquire)) flush_dirty();
        });
    }
}

void RequestRouter::flush_dirty() {
    flush_scheduled_ = false;
    if (run_) end_run();
    std::vector<realm_request_t *> batch;
    batch.swap(dirty_);
    for (auto *req : batch) {
        req->dirty = false;
        if (req->state != realm_request::State::Done) publish_tokens(req);
        req->release();
    }
}

// Publishes run_'s tokens (they are in run_pending_ while it is run_) and
// lets go of it.
void RequestRouter::end_run() {
    realm_request_t *req = run_;
    if (req->state != realm_request::State::Done)
        publish_tokens(req);
    else
        run_pending_.clear();  // none: a request's tokens are published before it ends
    run_ = nullptr;
    req->release();
}

void RequestRouter::publish_tokens(realm_request_t *req) {
    std::vector<PendingToken> &pending = pending_of(req);
    size_t n = pending.size();
    if (n == 0) return;
    // The views live on this call's stack (or its own heap block for a big
    // batch): a handler may end other requests, publishing theirs, before it
    // returns.
    realm_token_t small[16];
    std::unique_ptr<realm_token_t[]> big;
    realm_token_t *views = small;
    if (n > std::size(small)) {
        big = std::make_unique<realm_token_t[]>(n);
        views = big.get();
    }
    const char *base = req->text.data();
    for (size_t i = 0; i < n; ++i) {
        const auto &t = pending[i];
        views[i] = realm_token_t{base + t.offset, t.len, t.index, t.logprob, t.flags};
    }
    pending.clear();
    const realm_handler_t &h = req->handler;
    if (h.queue)
        h.queue->push_tokens(h.user, req, views, n);
    else if (h.on_tokens)
        h.on_tokens(h.user, req, views, n);
}

void RequestRouter::fail(realm_request_t *req, const Error &err, bool tell_server) {
    finish(req, outcome_for(err), nullptr, &err, tell_server);
}

void RequestRouter::finish(realm_request_t *req, realm_outcome_t outcome, const realm_result *result,
                           const Error *err, bool tell_server) {
    using State = realm_request::State;
    if (req->state == State::Done) return;
    if (outcome == REALM_OUTCOME_ERROR && err && retry_later(req, *err, tell_server)) return;
    State prev = req->state;
    req->state = State::Done;
    if (prev == State::Created || prev == State::Queued) queued_.fetch_sub(1, std::memory_order_relaxed);
    active_.fetch_sub(1, std::memory_order_relaxed);
    if (req->waiting_retry) {
        req->waiting_retry = false;
        retry_waits_.remove(req->deadline);
    } else if (prev == State::Queued) {
        auto it = std::find(pending_.begin(), pending_.end(), req);
        if (it != pending_.end()) pending_.erase(it);
    }
    if (req->batch) {
        // Ended before it went out: the batch's frame waits for one fewer.
        --req->batch->expected;
        req->batch.reset();
    }
    Error cancelled;
    if (outcome == REALM_OUTCOME_CANCELLED && !err) {
        cancelled = make_error(REALM_ERR_CANCELLED, "cancelled by the server");
        err = &cancelled;
    }
    end_attempt(req, prev == State::Sent, tell_server);
    if (outcome != REALM_OUTCOME_COMPLETE) publish_tokens(req);

    // Published before delivery: whoever the terminal event wakes must
    // already see the request as done.
    req->done.store(true, std::memory_order_release);
    loop_.expect_work_soon();
    const realm_handler_t &h = req->handler;
    if (h.queue)
        h.queue->push_done(h.user, req, outcome, result, err);
    else if (h.on_done)
        h.on_done(h.user, req, outcome, result, err);
    req->release();  // the router's reference
}

std::vector<realm_request_t *> RequestRouter::sent_on(const void *link) const {
    std::vector<realm_request_t *> out;
    out.reserve(link ? 1 : inflight_.size());
    inflight_.for_each([&](realm_request_t *req) {
        if (!link || req->link == link) out.push_back(req);
    });
    std::sort(out.begin(), out.end(), [](auto *a, auto *b) { return a->seq < b->seq; });
    return out;
}

void RequestRouter::fail_sent(const void *link, const Error &err) {
    for (auto *req : sent_on(link)) finish(req, outcome_for(err), nullptr, &err, false);
}

void RequestRouter::fail_pending(const Error &err) {
    std::deque<realm_request_t *> waiting;
    waiting.swap(pending_);
    for (auto *req : retry_waits_.take_all()) {
        req->waiting_retry = false;
        waiting.push_back(req);
    }
    for (auto *req : waiting) finish(req, outcome_for(err), nullptr, &err, false);
}

// ---------------------------------------------------------------- retries

void RequestRouter::end_attempt(realm_request_t *req, bool sent, bool tell_server) {
    if (sent) {
        inflight_.erase(req->wire_id());
        if (tell_server) host_.abandon(req);
        host_.on_request_done(req);
    }
    if (req->has_deadline) {
        req->has_deadline = false;
        timeouts_.remove(req->deadline);
    }
    req->idle_timer.reset();
    req->idle_clock_running = false;
}

bool RequestRouter::retry_later(realm_request_t *req, const Error &err, bool tell_server) {
    if (req->state != realm_request::State::Sent || req->internal || req->retries >= cfg_.retry.max_retries ||
        !nothing_received(*req) || !is_retryable_failure(err) || !host_.will_connect())
        return false;
    // This attempt ends as it would have: the server is told to stop, the
    // connection freed, the attempt's clocks stopped.
    end_attempt(req, true, tell_server);
    req->link = nullptr;
    req->sent_us = 0;
    req->finish_reason.clear();
    req->prompt_tokens = req->completion_tokens = req->total_tokens = -1;
    req->utf8_carry.len = 0;
    req->model.clear();

    ++req->retries;
    req->set_retry_id(req->id + "~" + std::to_string(req->retries));
    req->retry_cause = std::make_unique<Error>(err);
    req->state = realm_request::State::Queued;
    queued_.fetch_add(1, std::memory_order_relaxed);
    uint32_t delay = retry_delay_ms(req->retries, cfg_.retry, err, rng_);
    req->deadline = retry_waits_.add(transport::monotonic_us() + int64_t(delay) * 1000, req);
    req->waiting_retry = true;
    if (log_on(REALM_LOG_INFO))
        log(REALM_LOG_INFO, "request " + req->id + ": retry " + std::to_string(req->retries) + " of " +
                                std::to_string(cfg_.retry.max_retries) + " in " + std::to_string(delay) +
                                " ms after [" + err.code + "] " + err.message.substr(0, 200));
    return true;
}

void RequestRouter::send_again(realm_request_t *req) {
    start_timeout(req);
    if (pending_.empty() && host_.try_send(req)) return;
    if (req->state == realm_request::State::Done) return;
    if (!host_.will_connect()) {
        // No connection is coming: the request ends with the failure it had.
        Error cause = *req->retry_cause;
        finish(req, outcome_for(cause), nullptr, &cause, false);
        return;
    }
    pending_.push_back(req);
}

}  // namespace realm::core
