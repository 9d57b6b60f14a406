// Requests of the client core: accepting them (any thread), sending them on a
// connection of the dialect's policy, and routing decoded frames to them
// (loop thread). The request bookkeeping itself is RequestRouter's.
#include "core/client.h"
#include "core/log.h"

namespace realm::core {

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
    // Two bounds (realm_options_set_max_queued_requests). The queue limit is
    // back-pressure while requests wait for a connection: the client is
    // connecting or reconnecting, or its connections are all taken (pool,
    // per-request HTTP). On a ready multiplexed connection a request goes
    // out at once, its frame possibly waiting for socket writability: that
    // is not queuing, so only the memory bound on active requests applies.
    auto &queued = router_.queued();
    auto &active = router_.active();
    bool live = caps_.policy == protocol::ConnectionPolicy::Multiplexed && st == REALM_STATE_CONNECTED;
    if (!live && queued.load(std::memory_order_relaxed) >= opts_.max_queued_requests) {
        *why = "more than " + std::to_string(opts_.max_queued_requests) + " requests are waiting for a connection";
        return REALM_ERR_QUEUE_FULL;
    }
    uint32_t max_active = std::max<uint32_t>(REALM_MAX_ACTIVE_REQUESTS, opts_.max_queued_requests);
    if (active.load(std::memory_order_relaxed) >= max_active) {
        *why = "more than " + std::to_string(max_active) + " requests are active on this client";
        return REALM_ERR_QUEUE_FULL;
    }
    queued.fetch_add(1, std::memory_order_relaxed);
    active.fetch_add(1, std::memory_order_relaxed);
    req->client = weak_from_this();
    req->retain();  // the router's reference, dropped by finish()
    auto self = shared_from_this();
    if (!loop_.post([self, req] { self->enqueue(req); })) {
        queued.fetch_sub(1, std::memory_order_relaxed);
        active.fetch_sub(1, std::memory_order_relaxed);
        req->release();
        *why = "the event loop is shutting down";
        return REALM_ERR_INVALID_STATE;
    }
    return REALM_OK;
}

void ClientCore::submit_batch(std::vector<realm_request_t *> reqs, bool discard) {
    // Admitted when each was started: only the counters are taken here.
    for (auto *req : reqs) {
        router_.queued().fetch_add(1, std::memory_order_relaxed);
        router_.active().fetch_add(1, std::memory_order_relaxed);
        req->client = weak_from_this();
    }
    auto self = shared_from_this();
    auto run = [self, reqs, discard] {
        auto group = std::make_shared<BatchGroup>();
        group->expected = reqs.size();
        group->first_id = reqs.empty() ? std::string() : reqs.front()->id;
        for (auto *req : reqs) {
            if (discard || self->destroyed_) {
                self->router_.fail(req, make_error(REALM_ERR_CANCELLED, discard ? "batch discarded" : "client destroyed"),
                                   false);
                continue;
            }
            req->batch = group;
            self->router_.enqueue(req, self->wants_connection_ || self->connected_);
        }
    };
    if (!loop_.post(run)) {
        // The event loop is gone (process exit): nothing can report on it.
        for (auto *req : reqs) {
            router_.queued().fetch_sub(1, std::memory_order_relaxed);
            router_.active().fetch_sub(1, std::memory_order_relaxed);
            req->release();
        }
    }
}

void ClientCore::cancel(realm_request_t *req) {
    req->retain();
    auto self = shared_from_this();
    bool posted = loop_.post([self, req] {
        if (req->state != realm_request::State::Done)
            self->router_.fail(req, make_error(REALM_ERR_CANCELLED, "cancelled by the caller"), true);
        req->release();
    });
    if (!posted) req->release();
}

// ---------------------------------------------------------------- loop thread

void ClientCore::enqueue(realm_request_t *req) {
    if (destroyed_) {
        router_.fail(req, make_error(REALM_ERR_CANCELLED, "client destroyed"), false);
        return;
    }
    router_.enqueue(req, wants_connection_ || connected_);
}

bool ClientCore::try_send(realm_request_t *req) {
    if (tearing_down_) return false;
    switch (caps_.policy) {
        case protocol::ConnectionPolicy::Multiplexed:
            if (links_.size() == 1 && links_[0]->ready()) return send_on(*links_[0], req);
            return false;
        case protocol::ConnectionPolicy::Pool: {
            for (auto &l : links_)
                if (l->ready() && !l->bound) return send_on(*l, req);
            bool opening = std::any_of(links_.begin(), links_.end(), [](const auto &l) { return l->opening(); });
            if (connected_ && !opening && links_.size() < max_links() &&
                transport::monotonic_us() >= extra_links_blocked_until_us_)
                open_link();  // the request goes out when the new link is ready
            return false;
        }
        case protocol::ConnectionPolicy::PerRequest: {
            if (http_links_.size() >= max_links()) return false;
            auto link = std::make_unique<HttpLink>(env_, static_cast<HttpLinkOwner &>(*this), req);
            HttpLink *raw = link.get();
            http_links_.emplace(raw, std::move(link));
            router_.mark_sent(req, raw, true);
            Error err;
            if (!raw->start(&err)) {
                retire_http_link(*raw);
                router_.fail(req, err, false);
            }
            return true;
        }
    }
    return false;
}

bool ClientCore::send_on(Link &link, realm_request_t *req) {
    std::string frame = transport::make_frame_buffer(req->spec.prompt.size() + req->spec.json.size() + 160);
    dialect_->encode_request(frame, req->wire_id(), req->spec, link.session());
    size_t bytes = frame.size() - transport::kSendHeadroom;
    if (bytes > opts_.max_message_size) {
        // A server closes the connection on a message over its limit (1009),
        // failing every other request in flight: this one fails alone.
        std::shared_ptr<BatchGroup> group = req->batch;
        router_.fail(req,
                     make_error(REALM_ERR_MESSAGE_TOO_LARGE,
                                "request of " + std::to_string(bytes) + " bytes not sent: over the max message size of " +
                                    std::to_string(opts_.max_message_size) + " bytes"),
                     false);
        if (group) flush_batch(link, *group);  // it may have been the last one awaited
        return true;
    }
    if (caps_.policy == protocol::ConnectionPolicy::Pool) link.bound = req;
    if (req->batch) {
        send_batch_member(link, req, frame.substr(transport::kSendHeadroom));
        return true;
    }
    bool starts_now = caps_.policy != protocol::ConnectionPolicy::Multiplexed || link.session().interleave;
    router_.mark_sent(req, &link, starts_now);
    link.send(std::move(frame));
    return true;
}

void ClientCore::send_batch_member(Link &link, realm_request_t *req, std::string payload) {
    std::shared_ptr<BatchGroup> group = std::move(req->batch);
    group->items.push_back(std::move(payload));
    // The server runs batch items one after another: a member's clock
    // starts at its first frame.
    router_.mark_sent(req, &link, false);
    flush_batch(link, *group);
}

void ClientCore::flush_batch(Link &link, BatchGroup &group) {
    if (group.items.empty() || group.items.size() < group.expected) return;
    size_t bytes = 64;
    for (const auto &item : group.items) bytes += item.size() + 1;
    std::string frame = transport::make_frame_buffer(bytes);
    dialect_->encode_batch(frame, "batch_" + group.first_id, group.items);
    group.items.clear();
    link.send(std::move(frame));
}

void ClientCore::abandon(realm_request_t *req) {
    switch (caps_.policy) {
        case protocol::ConnectionPolicy::Multiplexed: {
            auto *link = static_cast<Link *>(req->link);
            std::string cancel_id = "c" + std::to_string(next_id_.fetch_add(1) + 1);
            std::string frame = transport::make_frame_buffer(96 + req->id.size());
            size_t empty = frame.size();
            if (link && link->ready() && dialect_->encode_cancel(frame, cancel_id, req->wire_id(), link->session()) &&
                frame.size() > empty) {
                link->send(std::move(frame));
                router_.add_zombie(cancel_id);  // its answer is dropped too
            }
            router_.add_zombie(std::string(req->wire_id()));  // drop whatever the server still sends for it
            return;
        }
        case protocol::ConnectionPolicy::Pool:
            // The only way to stop the server (openai-ws.md 6): close that
            // connection. Another opens when a request needs it.
            if (auto *link = static_cast<Link *>(req->link)) {
                link->bound = nullptr;
                retire_link(*link);
            }
            return;
        case protocol::ConnectionPolicy::PerRequest:
            if (auto *link = static_cast<HttpLink *>(req->link)) {
                link->abandon();
                retire_http_link(*link);
            }
            return;
    }
}

bool ClientCore::will_connect() const {
    return !destroyed_ && !tearing_down_ && (connected_ || (wants_connection_ && opts_.reconnect));
}

void ClientCore::on_request_done(realm_request_t *req) {
    if (caps_.policy == protocol::ConnectionPolicy::Pool) {
        auto *link = static_cast<Link *>(req->link);
        if (link && link->bound == req) link->bound = nullptr;
        router_.flush_pending();
    }
}

// ---------------------------------------------------------------- inbound

void ClientCore::on_link_message(Link &link, std::string_view payload) {
    dialect_->decode(payload, inbound_);
    if (!inbound_.reply.empty()) {  // a protocol-level answer (Tekton PONG), before anything else
        std::string frame = transport::make_frame_buffer(inbound_.reply.size());
        frame += inbound_.reply;
        link.send(std::move(frame));
    }
    handle_frame(&link, inbound_);
}

void ClientCore::on_link_bad_message(Link &link, const std::string &problem) { handle_unattributed(&link, problem); }

realm_request_t *ClientCore::route(Link *link, const protocol::InboundFrame &f) {
    if (caps_.correlation == protocol::Correlation::ById) return f.has_id ? router_.find(f.id) : nullptr;
    return link ? link->bound : nullptr;
}

void ClientCore::handle_frame(Link *link, const protocol::InboundFrame &f) {
    using protocol::FrameKind;
    switch (f.kind) {
        case FrameKind::Token:
        case FrameKind::Started:
        case FrameKind::Complete:
        case FrameKind::Error:
        case FrameKind::Cancelled: {
            if (realm_request_t *req = route(link, f)) {
                router_.deliver(req, f);
                return;
            }
            bool terminal = f.kind != FrameKind::Token && f.kind != FrameKind::Started;
            if (f.has_id && router_.drop_late_frame(f.id, terminal)) return;
            if (f.blame == protocol::Blame::LastSent) {
                // The server could not read what we sent last (realm.md 5.1).
                std::string why = "server rejected a request frame: " + std::string(f.message.substr(0, 300));
                if (realm_request_t *last = router_.last_sent())
                    router_.fail(last, make_error(REALM_ERR_PROTOCOL, why), true);
                else
                    emit_error(make_error(REALM_ERR_PROTOCOL, why));
                return;
            }
            if (f.has_id) {
                emit_error(make_error(REALM_ERR_PROTOCOL,
                                      "frame for unknown request id '" + std::string(f.id.substr(0, 64)) + "'"));
                return;
            }
            if (f.kind == FrameKind::Error) {
                handle_unattributed(link, "server error for no request: " + std::string(f.message.substr(0, 300)));
                return;
            }
            handle_unattributed(link, "a frame that names no request");
            return;
        }
        case FrameKind::Invalid: {
            realm_request_t *req = f.has_id || caps_.correlation == protocol::Correlation::OnePerConnection
                                       ? route(link, f)
                                       : nullptr;
            if (req)
                router_.fail(req, make_error(REALM_ERR_PROTOCOL, "invalid frame from the server: " + f.problem), true);
            else
                handle_unattributed(link, "invalid frame from the server: " + f.problem);
            return;
        }
        case FrameKind::ServerError: {
            // The server's error about the connection, not a request.
            Error e = error_from_frame(f);
            if (log_on(REALM_LOG_WARN)) log(REALM_LOG_WARN, "server error: [" + e.code + "] " + e.message);
            emit_error(e);
            return;
        }
        case FrameKind::Notice: {
            std::string text = f.message.empty() ? std::string(f.code) : std::string(f.message.substr(0, 300));
            emit_error(make_error(REALM_ERR_PROTOCOL, "server notice: " + text));
            return;
        }
        default:
            return;  // pongs, ignorable frames, handshake frames after the handshake
    }
}

// A frame we cannot tie to a request. Blame the only request in flight on
// the connection, or the oldest one when the server answers in order; else
// report it on the client and let timeouts handle the rest.
void ClientCore::handle_unattributed(Link *link, const std::string &problem) {
    realm_request_t *victim = nullptr;
    if (link && link->bound) {
        victim = link->bound;
    } else {
        auto sent = router_.sent_on(link);
        bool in_order = link && !link->session().interleave;
        if (sent.size() == 1 || (in_order && !sent.empty())) victim = sent.front();
    }
    Error e = make_error(REALM_ERR_PROTOCOL, problem);
    if (log_on(REALM_LOG_WARN)) log(REALM_LOG_WARN, "protocol error: " + problem);
    if (victim)
        router_.fail(victim, e, true);
    else
        emit_error(e);
}

// ---------------------------------------------------------------- HTTP exchanges

// An exchange reports for its request only while the request is on it: not
// after it ended there and waits to be sent again, or went out again.
static bool on_exchange(const HttpLink &link) {
    const realm_request_t *req = link.request();
    return req->state == realm_request::State::Sent && req->link == &link;
}

void ClientCore::on_http_frame(HttpLink &link, const protocol::InboundFrame &f) {
    if (!on_exchange(link)) return;
    realm_request_t *req = link.request();
    switch (f.kind) {
        case protocol::FrameKind::Error:
            if (f.http_status && log_on(REALM_LOG_INFO))
                log(REALM_LOG_INFO, "request " + req->id + ": HTTP " + std::to_string(f.http_status) + ": " +
                                        std::string(f.message.substr(0, 200)));
            router_.deliver(req, f);
            return;
        case protocol::FrameKind::Token:
        case protocol::FrameKind::Complete:
        case protocol::FrameKind::Cancelled:
            router_.deliver(req, f);
            return;
        case protocol::FrameKind::Invalid:
            if (log_on(REALM_LOG_WARN)) log(REALM_LOG_WARN, "request " + req->id + ": invalid message: " + f.problem);
            router_.fail(req, make_error(REALM_ERR_PROTOCOL, "invalid message from the server: " + f.problem), true);
            return;
        default:
            return;
    }
}

void ClientCore::on_http_failed(HttpLink &link, const Error &err) {
    if (!on_exchange(link)) return;
    on_http_server_failed(link, err);
    if (log_on(REALM_LOG_INFO))
        log(REALM_LOG_INFO, "request " + link.request()->id + " failed: [" + err.code + "] " + err.message);
    router_.fail(link.request(), err, false);
}

void ClientCore::on_http_done(HttpLink &link) {
    retire_http_link(link);
    router_.flush_pending();
}

}  // namespace realm::core
