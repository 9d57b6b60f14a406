// Request side of the client core: accepting, queueing, sending, routing
// inbound frames by id, batching tokens per event-loop pass, timeouts, cancel
// and the single terminal event of every request.
#include <algorithm>

#include "core/client.h"
#include "core/event_queue.h"
#include "protocol/realm_wire.h"

namespace realm::core {
namespace {
constexpr size_t kMaxZombies = 65536;

realm_outcome_t outcome_for(const Error &e) {
    return e.status == REALM_ERR_CANCELLED ? REALM_OUTCOME_CANCELLED : REALM_OUTCOME_ERROR;
}
}  // namespace

// ---------------------------------------------------------------- any thread

realm_status_t ClientCore::submit(realm_request_t *req, std::string *why) {
    realm_status_t rc = post_request(req, why);
    // Outside submit_mutex_, so that other submitting threads do not wait
    // for this one's turn on the core.
    if (rc == REALM_OK) loop_.yield_to_spinning_loop();
    return rc;
}

realm_status_t ClientCore::post_request(realm_request_t *req, std::string *why) {
    std::lock_guard<std::mutex> lock(submit_mutex_);
    if (closed_) {
        *why = "the client is being destroyed";
        return REALM_ERR_INVALID_STATE;
    }
    realm_conn_state_t st = state_.load(std::memory_order_acquire);
    if (st == REALM_STATE_DISCONNECTED || st == REALM_STATE_CLOSED) {
        *why = "the client is not connected: connect it first";
        return REALM_ERR_NOT_CONNECTED;
    }
    if (queued_.load(std::memory_order_relaxed) >= opts_.max_queued_requests) {
        *why = "more than " + std::to_string(opts_.max_queued_requests) + " requests are waiting to be sent";
        return REALM_ERR_QUEUE_FULL;
    }
    queued_.fetch_add(1, std::memory_order_relaxed);
    req->client = weak_from_this();
    req->retain();  // the core's reference, dropped by finish()
    auto self = shared_from_this();
    if (!loop_.post([self, req] { self->enqueue(req); })) {
        queued_.fetch_sub(1, std::memory_order_relaxed);
        req->release();
        *why = "the event loop is shutting down";
        return REALM_ERR_INVALID_STATE;
    }
    return REALM_OK;
}

void ClientCore::cancel(realm_request_t *req) {
    req->retain();
    auto self = shared_from_this();
    bool posted = loop_.post([self, req] {
        if (req->state != realm_request::State::Done) {
            Error e = make_error(REALM_ERR_CANCELLED, "cancelled by the caller");
            self->finish(req, REALM_OUTCOME_CANCELLED, nullptr, &e, true);
        }
        req->release();
    });
    if (!posted) req->release();
}

// ---------------------------------------------------------------- loop thread

void ClientCore::enqueue(realm_request_t *req) {
    if (destroyed_) {
        Error e = make_error(REALM_ERR_CANCELLED, "client destroyed");
        finish(req, REALM_OUTCOME_CANCELLED, nullptr, &e, false);
        return;
    }
    if (req->timeout_ms) {
        req->total_timer = std::make_unique<transport::Timer>(loop_);
        req->total_timer->schedule_ms(req->timeout_ms, [this, req] {
            Error e = make_error(REALM_ERR_TIMEOUT, "request timed out after " + std::to_string(req->timeout_ms) + " ms");
            finish(req, REALM_OUTCOME_ERROR, nullptr, &e, true);
        });
    }
    if (phase_ == Phase::Ready) {
        send_request(req);
    } else if (wants_connection_) {
        req->state = realm_request::State::Queued;
        pending_.push_back(req);
    } else {
        Error e = make_error(REALM_ERR_NOT_CONNECTED, "the client is not connected");
        finish(req, REALM_OUTCOME_ERROR, nullptr, &e, false);
    }
}

void ClientCore::send_request(realm_request_t *req) {
    std::string frame = transport::make_frame_buffer(req->params_json.size() + req->id.size() + 96);
    dialect_->encode_call(frame, req->id, req->function, req->params_json, tenant_);
    size_t bytes = frame.size() - transport::kSendHeadroom;
    if (bytes > opts_.max_message_size) {
        // A server closes the connection on a message over its limit (1009),
        // failing every other request in flight: this one fails alone.
        Error e = make_error(REALM_ERR_MESSAGE_TOO_LARGE,
                             "request of " + std::to_string(bytes) + " bytes not sent: over the max message size of " +
                                 std::to_string(opts_.max_message_size) + " bytes");
        finish(req, REALM_OUTCOME_ERROR, nullptr, &e, false);
        return;
    }
    req->seq = ++send_seq_;
    req->state = realm_request::State::Sent;
    queued_.fetch_sub(1, std::memory_order_relaxed);
    inflight_.emplace(std::string_view(req->id), req);
    last_sent_id_ = req->id;
    if (req->idle_timeout_ms && ext_interleave_) {
        // The server works on it right away, so silence from now on is idle
        // time. Without interleave the clock starts at the first frame.
        req->idle_clock_running = true;
        req->last_frame_us = transport::monotonic_us();
        req->idle_timer = std::make_unique<transport::Timer>(loop_);
        req->idle_timer->schedule_ms(req->idle_timeout_ms, [this, req] { on_idle_timer(req); });
    }
    conn_->send_text(std::move(frame));
    loop_.busy_poll_for(opts_.busy_poll_us);  // the answer may be microseconds away
}

void ClientCore::flush_pending() {
    while (!pending_.empty() && phase_ == Phase::Ready) {
        realm_request_t *req = pending_.front();
        pending_.pop_front();
        if (req->state == realm_request::State::Queued) send_request(req);
    }
}

void ClientCore::on_idle_timer(realm_request_t *req) {
    int64_t idle_us = int64_t(req->idle_timeout_ms) * 1000;
    int64_t silent = transport::monotonic_us() - req->last_frame_us;
    if (silent < idle_us) {
        // Frames arrived meanwhile: sleep for the rest of the window.
        req->idle_timer->schedule_us(idle_us - silent, [this, req] { on_idle_timer(req); });
        return;
    }
    Error e = make_error(REALM_ERR_IDLE_TIMEOUT, "no data for the request within " +
                                                     std::to_string(req->idle_timeout_ms) + " ms");
    finish(req, REALM_OUTCOME_ERROR, nullptr, &e, true);
}

realm_request_t *ClientCore::take_inflight(std::string_view id) {
    auto it = inflight_.find(id);
    return it == inflight_.end() ? nullptr : it->second;
}

void ClientCore::handle_frame(const protocol::InboundFrame &f) {
    using protocol::FrameKind;
    switch (f.kind) {
        case FrameKind::Token:
        case FrameKind::Complete:
        case FrameKind::Error:
        case FrameKind::Cancelled: {
            realm_request_t *req = take_inflight(f.id);
            if (!req) {
                auto z = zombies_.find(std::string(f.id));
                if (z != zombies_.end()) {
                    if (f.kind != FrameKind::Token) zombies_.erase(z);  // its last frame
                    return;
                }
                if (f.kind == FrameKind::Error && f.id == "unknown") {
                    // realm.md 5.1: the server could not parse what we last sent.
                    std::string why = "server rejected a request frame: " + std::string(f.message.substr(0, 300));
                    if (realm_request_t *last = take_inflight(last_sent_id_)) {
                        Error e = make_error(REALM_ERR_PROTOCOL, why);
                        finish(last, REALM_OUTCOME_ERROR, nullptr, &e, true);
                    } else {
                        emit_error(make_error(REALM_ERR_PROTOCOL, why));
                    }
                    return;
                }
                emit_error(make_error(REALM_ERR_PROTOCOL,
                                      "frame for unknown request id '" + std::string(f.id.substr(0, 64)) + "'"));
                return;
            }
            if (f.kind == FrameKind::Token) {
                on_token(req, f);
            } else if (f.kind == FrameKind::Complete) {
                publish_tokens(req);
                realm_result r;
                if (req->streamed > 0) {
                    r.text = std::move(req->text);
                } else if (f.has_text) {
                    r.text.assign(f.text);
                    if (req->streaming && !r.text.empty()) {
                        // A stream answered by one complete frame (realm.md 6.1,
                        // cli variant): hand its text to stream consumers too.
                        req->pending.push_back({0, r.text.size(), 0, 0, REALM_TOKEN_FINAL});
                        req->text = r.text;
                        publish_tokens(req);
                    }
                }
                r.json.assign(f.data_json.empty() ? std::string_view("null") : f.data_json);
                r.tokens_generated = f.tokens_generated;
                r.prompt_tokens = f.prompt_tokens;
                r.streamed = req->streamed;
                r.has_cost = f.has_cost;
                r.cost_usd = f.cost_usd;
                r.has_time = f.has_time;
                r.time_ms = f.time_ms;
                finish(req, REALM_OUTCOME_COMPLETE, &r, nullptr, false);
            } else if (f.kind == FrameKind::Error) {
                Error e = error_from_server(f.code, f.message, f.retry_after_ms);
                finish(req, REALM_OUTCOME_ERROR, nullptr, &e, false);
            } else {
                Error e = make_error(REALM_ERR_CANCELLED, "cancelled by the server");
                finish(req, REALM_OUTCOME_CANCELLED, nullptr, &e, false);
            }
            return;
        }
        case FrameKind::Invalid: {
            realm_request_t *req = f.has_id ? take_inflight(f.id) : nullptr;
            if (req) {
                Error e = make_error(REALM_ERR_PROTOCOL, "invalid frame from the server: " + f.problem);
                finish(req, REALM_OUTCOME_ERROR, nullptr, &e, true);
            } else {
                handle_unattributed("invalid frame from the server: " + f.problem);
            }
            return;
        }
        case FrameKind::Notice: {
            std::string text = f.message.empty() ? std::string(f.code) : std::string(f.message.substr(0, 300));
            emit_error(make_error(REALM_ERR_PROTOCOL, "server notice: " + text));
            return;
        }
        default:
            return;  // handshake frames after the handshake: nothing to do
    }
}

// A frame we cannot tie to a request id. Blame the only request in flight, or
// the oldest one when the server answers in order; else report it on the
// connection and let timeouts handle the rest.
void ClientCore::handle_unattributed(const std::string &problem) {
    realm_request_t *victim = nullptr;
    if (inflight_.size() == 1) {
        victim = inflight_.begin()->second;
    } else if (!ext_interleave_ && !inflight_.empty()) {
        for (auto &kv : inflight_)
            if (!victim || kv.second->seq < victim->seq) victim = kv.second;
    }
    Error e = make_error(REALM_ERR_PROTOCOL, problem);
    if (victim)
        finish(victim, REALM_OUTCOME_ERROR, nullptr, &e, true);
    else
        emit_error(e);
}

void ClientCore::on_token(realm_request_t *req, const protocol::InboundFrame &f) {
    if (req->idle_timeout_ms) {
        req->last_frame_us = transport::monotonic_us();
        if (!req->idle_clock_running) {
            req->idle_clock_running = true;
            req->idle_timer = std::make_unique<transport::Timer>(loop_);
            req->idle_timer->schedule_ms(req->idle_timeout_ms, [this, req] { on_idle_timer(req); });
        }
    }
    uint32_t flags = (f.is_final ? REALM_TOKEN_FINAL : 0u) | (f.has_logprob ? REALM_TOKEN_HAS_LOGPROB : 0u);
    int64_t index = f.index >= 0 ? f.index : req->streamed;
    req->pending.push_back({req->text.size(), f.text.size(), index, f.has_logprob ? f.logprob : 0.0, flags});
    req->text.append(f.text.data(), f.text.size());
    ++req->streamed;
    mark_dirty(req);
}

void ClientCore::mark_dirty(realm_request_t *req) {
    if (!req->dirty) {
        req->dirty = true;
        req->retain();  // dirty_ holds a reference until the flush
        dirty_.push_back(req);
    }
    if (!flush_scheduled_) {
        flush_scheduled_ = true;
        loop_.after_pass([self = shared_from_this()] { self->flush_dirty(); });
    }
}

void ClientCore::flush_dirty() {
    flush_scheduled_ = false;
    std::vector<realm_request_t *> batch;
    batch.swap(dirty_);
    for (auto *req : batch) {
        req->dirty = false;
        if (req->state != realm_request::State::Done) publish_tokens(req);
        req->release();
    }
}

void ClientCore::publish_tokens(realm_request_t *req) {
    size_t n = req->pending.size();
    if (n == 0) return;
    auto &views = req->scratch;
    views.resize(n);
    const char *base = req->text.data();
    for (size_t i = 0; i < n; ++i) {
        const auto &t = req->pending[i];
        views[i] = realm_token_t{base + t.offset, t.len, t.index, t.logprob, t.flags};
    }
    req->pending.clear();
    const realm_handler_t &h = req->handler;
    if (h.queue)
        h.queue->push_tokens(h.user, req, views.data(), n);
    else if (h.on_tokens)
        h.on_tokens(h.user, req, views.data(), n);
}

void ClientCore::finish(realm_request_t *req, realm_outcome_t outcome, const realm_result *result,
                        const Error *err, bool tell_server) {
    using State = realm_request::State;
    if (req->state == State::Done) return;
    State prev = req->state;
    req->state = State::Done;
    if (prev == State::Created || prev == State::Queued) queued_.fetch_sub(1, std::memory_order_relaxed);
    if (prev == State::Queued) {
        auto it = std::find(pending_.begin(), pending_.end(), req);
        if (it != pending_.end()) pending_.erase(it);
    }
    if (prev == State::Sent) {
        inflight_.erase(std::string_view(req->id));
        if (tell_server) {
            if (ext_cancel_ && conn_ && phase_ == Phase::Ready) {
                std::string cancel_id = "c" + std::to_string(next_id_.fetch_add(1) + 1);
                std::string frame = transport::make_frame_buffer(96 + req->id.size());
                dialect_->encode_cancel(frame, cancel_id, req->id, tenant_);
                conn_->send_text(std::move(frame));
                add_zombie(cancel_id);
            }
            add_zombie(req->id);  // drop whatever the server still sends for it
        }
    }
    req->total_timer.reset();
    req->idle_timer.reset();
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
    req->release();  // the core's reference
}

void ClientCore::add_zombie(const std::string &id) {
    if (zombies_.insert(id).second) zombie_order_.push_back(id);
    while (zombie_order_.size() > kMaxZombies) {
        zombies_.erase(zombie_order_.front());
        zombie_order_.pop_front();
    }
}

void ClientCore::fail_all(const Error &err, bool include_queued) {
    std::vector<realm_request_t *> sent;
    sent.reserve(inflight_.size());
    for (auto &kv : inflight_) sent.push_back(kv.second);
    std::sort(sent.begin(), sent.end(), [](auto *a, auto *b) { return a->seq < b->seq; });
    for (auto *req : sent) finish(req, outcome_for(err), nullptr, &err, false);
    if (include_queued) {
        std::deque<realm_request_t *> waiting;
        waiting.swap(pending_);
        for (auto *req : waiting) finish(req, outcome_for(err), nullptr, &err, false);
    }
}

}  // namespace realm::core
