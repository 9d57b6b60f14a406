// Connection lifecycle of the client core: connect, auth handshake, keepalive,
// reconnect, disconnect and destroy. Request routing is in client_requests.cpp.
#include "core/client.h"

#include <cstdio>

#include "core/backoff.h"
#include "core/event_queue.h"
#include "protocol/realm_wire.h"

namespace realm::core {
namespace {

std::string random_uuid_v4(std::mt19937 &rng) {
    std::uniform_int_distribution<int> nibble(0, 15);
    static const char hex[] = "0123456789abcdef";
    std::string s = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
    for (char &c : s) {
        if (c == 'x') c = hex[nibble(rng)];
        else if (c == 'y') c = hex[8 + (nibble(rng) & 3)];
    }
    return s;
}

std::mt19937 seeded_rng() {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937(seq);
}

}  // namespace

ClientCore::ClientCore(const Options &opts, transport::EventLoop &loop, realm_client *handle)
    : opts_(opts), loop_(loop), handle_(handle), dialect_(protocol::make_realm_dialect()), rng_(seeded_rng()) {
    auto_tenant_ = random_uuid_v4(rng_);
    // Timers only touch lws when armed, so creating them here is safe.
    connect_timer_ = std::make_unique<transport::Timer>(loop_);
    reconnect_timer_ = std::make_unique<transport::Timer>(loop_);
    ping_timer_ = std::make_unique<transport::Timer>(loop_);
}

ClientCore::~ClientCore() {
    if (!destroyed_ && (connect_timer_->pending() || reconnect_timer_->pending() || ping_timer_->pending())) {
        // Never torn down on the loop (process exit with a live client):
        // cancelling would touch lws from this thread, so leave them.
        (void)connect_timer_.release();
        (void)reconnect_timer_.release();
        (void)ping_timer_.release();
    }
}

// ---------------------------------------------------------------- any thread

realm_status_t ClientCore::connect(realm_complete_cb cb, void *user) {
    {
        std::lock_guard<std::mutex> lock(submit_mutex_);
        if (closed_) return REALM_ERR_INVALID_STATE;
        // Requests made right after connect() must be queued, not refused.
        realm_conn_state_t expected = REALM_STATE_DISCONNECTED;
        state_.compare_exchange_strong(expected, REALM_STATE_CONNECTING);
    }
    auto self = shared_from_this();
    bool posted = loop_.post([self, cb, user] {
        if (self->destroyed_) return;
        if (self->phase_ == Phase::Ready) {
            if (cb) cb(user, self->handle_, REALM_OK, nullptr);
            return;
        }
        self->connect_waiters_.push_back({cb, user});
        if (self->phase_ == Phase::Idle && !self->reconnect_timer_->pending()) {
            self->wants_connection_ = true;
            self->was_ready_ = false;
            self->reconnect_attempt_ = 0;
            self->start_attempt();
        }
    });
    return posted ? REALM_OK : REALM_ERR_INTERNAL;
}

realm_status_t ClientCore::disconnect(realm_complete_cb cb, void *user) {
    auto self = shared_from_this();
    bool posted = loop_.post([self, cb, user] {
        if (self->destroyed_) return;
        bool was_connected = self->phase_ == Phase::Ready;
        self->state_.store(REALM_STATE_DISCONNECTED, std::memory_order_release);
        self->teardown(REALM_ERR_CANCELLED);
        if (was_connected) {
            realm_client_event_t ev{};
            ev.type = REALM_EVENT_DISCONNECTED;
            ev.close_code = 1000;
            ev.reason = "client disconnected";
            self->emit(ev);
        }
        if (cb) cb(user, self->handle_, REALM_OK, nullptr);
    });
    return posted ? REALM_OK : REALM_ERR_INTERNAL;
}

void ClientCore::destroy() {
    {
        std::lock_guard<std::mutex> lock(submit_mutex_);
        closed_ = true;
    }
    {
        std::lock_guard<std::recursive_mutex> running(event_cb_mutex_);
        std::lock_guard<std::mutex> lock(info_mutex_);
        event_cb_ = nullptr;
        event_queue_ = nullptr;
    }
    auto self = shared_from_this();
    if (loop_.in_loop_thread()) {
        loop_.post([self] {
            self->teardown(REALM_ERR_CANCELLED);
            self->destroyed_ = true;
            self->state_.store(REALM_STATE_CLOSED);
        });
        return;
    }
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    bool posted = loop_.post([self, &m, &cv, &done] {
        self->teardown(REALM_ERR_CANCELLED);
        self->destroyed_ = true;
        self->state_.store(REALM_STATE_CLOSED);
        std::lock_guard<std::mutex> lock(m);
        done = true;
        cv.notify_all();
    });
    if (!posted) return;  // loop already stopping (process exit)
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return done; });
}

void ClientCore::set_event_callback(realm_client_event_cb cb, void *user) {
    std::lock_guard<std::recursive_mutex> running(event_cb_mutex_);
    std::lock_guard<std::mutex> lock(info_mutex_);
    event_cb_ = cb;
    event_user_ = user;
}

void ClientCore::set_event_queue(realm_queue_t *q, void *user) {
    std::lock_guard<std::recursive_mutex> running(event_cb_mutex_);
    std::lock_guard<std::mutex> lock(info_mutex_);
    event_queue_ = q;
    event_queue_user_ = user;
}

std::string ClientCore::tenant_id() const {
    std::lock_guard<std::mutex> lock(info_mutex_);
    return tenant_in_effect_;
}

std::string ClientCore::server_version() const {
    std::lock_guard<std::mutex> lock(info_mutex_);
    return server_version_;
}

bool ClientCore::has_extension(const std::string &name) const {
    std::lock_guard<std::mutex> lock(info_mutex_);
    for (const auto &e : extensions_)
        if (e == name) return true;
    return false;
}

// ---------------------------------------------------------------- loop thread

void ClientCore::start_attempt() {
    phase_ = Phase::Opening;
    authenticated_ = false;
    auth_tenant_.clear();
    state_.store(REALM_STATE_CONNECTING, std::memory_order_release);

    transport::ConnectSpec spec;
    spec.host = opts_.server.host;
    spec.port = opts_.server.port;
    spec.path = opts_.server.path;
    spec.tls = opts_.server.tls;
    spec.ca_file = opts_.tls_ca_file;
    spec.tls_insecure = opts_.tls_insecure;
    spec.max_message_size = opts_.max_message_size;

    std::string why;
    conn_ = transport::WsConnection::open(loop_, spec, this, &why);
    if (!conn_) {
        on_attempt_failed(make_error(REALM_ERR_CONNECT_FAILED, why), true);
        return;
    }
    connect_timer_->schedule_ms(opts_.connect_timeout_ms, [this] {
        on_attempt_failed(make_error(REALM_ERR_TIMEOUT, "connecting to the server timed out after " +
                                                            std::to_string(opts_.connect_timeout_ms) + " ms"),
                          true);
    });
}

void ClientCore::on_attempt_failed(const Error &err, bool retryable) {
    connect_timer_->cancel();
    release_connection();
    phase_ = Phase::Idle;
    if (was_ready_ && retryable && wants_connection_ && opts_.reconnect) {
        schedule_reconnect(err);
        return;
    }
    give_up(err);
}

void ClientCore::give_up(const Error &err) {
    wants_connection_ = false;
    was_ready_ = false;
    reconnect_timer_->cancel();
    state_.store(REALM_STATE_DISCONNECTED, std::memory_order_release);
    finish_connect_waiters(err.status, &err);
    // Requests waiting for this connection will not get one.
    std::deque<realm_request_t *> waiting;
    waiting.swap(pending_);
    for (auto *req : waiting) finish(req, REALM_OUTCOME_ERROR, nullptr, &err, false);
    emit_error(err);
}

void ClientCore::schedule_reconnect(const Error &cause) {
    ++reconnect_attempt_;
    if (opts_.backoff_max_attempts && reconnect_attempt_ > opts_.backoff_max_attempts) {
        Error e = make_error(REALM_ERR_CONNECTION_LOST,
                             "gave up reconnecting after " + std::to_string(opts_.backoff_max_attempts) +
                                 " attempts; last error: " + cause.message);
        give_up(e);
        return;
    }
    uint32_t delay = backoff_delay_ms(reconnect_attempt_, opts_.backoff_base_ms, opts_.backoff_cap_ms,
                                      opts_.backoff_jitter_percent, rng_);
    state_.store(REALM_STATE_RECONNECTING, std::memory_order_release);
    realm_client_event_t ev{};
    ev.type = REALM_EVENT_RECONNECTING;
    ev.attempt = reconnect_attempt_;
    ev.delay_ms = delay;
    ev.error = &cause;
    emit(ev);
    reconnect_timer_->schedule_ms(delay, [this] { start_attempt(); });
}

void ClientCore::on_ready(const protocol::InboundFrame &welcome) {
    connect_timer_->cancel();
    phase_ = Phase::Ready;
    was_ready_ = true;
    reconnect_attempt_ = 0;
    ext_interleave_ = ext_cancel_ = false;
    std::vector<std::string> exts;
    for (auto e : welcome.extensions) {
        exts.emplace_back(e);
        if (e == wire::kExtInterleave) ext_interleave_ = true;
        else if (e == wire::kExtCancel) ext_cancel_ = true;
    }
    // Tenant in effect (realm.md 12.2-12.3): the authenticated tenant wins;
    // else the configured one; else one the server named; else our own UUID.
    if (authenticated_) tenant_ = auth_tenant_;
    else if (!opts_.tenant_id.empty()) tenant_ = opts_.tenant_id;
    else if (welcome.has_tenant && wire::tenant_id_problem(welcome.tenant_id).empty()) tenant_.assign(welcome.tenant_id);
    else tenant_ = auto_tenant_;
    {
        std::lock_guard<std::mutex> lock(info_mutex_);
        tenant_in_effect_ = tenant_;
        server_version_.assign(welcome.version);
        extensions_ = std::move(exts);
    }
    last_rx_us_ = transport::monotonic_us();
    ping_sent_us_ = 0;
    state_.store(REALM_STATE_CONNECTED, std::memory_order_release);

    realm_client_event_t ev{};
    ev.type = REALM_EVENT_CONNECTED;
    std::string version(welcome.version);
    ev.tenant_id = tenant_.c_str();
    ev.server_version = version.c_str();
    emit(ev);
    finish_connect_waiters(REALM_OK, nullptr);
    if (opts_.ping_interval_ms) ping_timer_->schedule_ms(opts_.ping_interval_ms, [this] { keepalive_tick(); });
    flush_pending();
}

void ClientCore::keepalive_tick() {
    if (phase_ != Phase::Ready || !conn_) return;
    int64_t interval_us = int64_t(opts_.ping_interval_ms) * 1000;
    int64_t now = transport::monotonic_us();
    bool ping_unanswered = ping_sent_us_ > 0 && last_rx_us_ < ping_sent_us_;
    if (ping_unanswered) {
        // A server without "interleave" answers pings only between requests,
        // so a late pong while it serves one is not a dead connection
        // (realm.md 2.1); request timeouts cover that case.
        if (now - ping_sent_us_ >= interval_us && (ext_interleave_ || inflight_.empty())) {
            Error e = make_error(REALM_ERR_CONNECTION_LOST, "no pong or data from the server for " +
                                                                std::to_string((now - last_rx_us_) / 1000) + " ms");
            release_connection();
            connection_lost(e, 1006, "keepalive timeout");
            return;
        }
    } else if (now - last_rx_us_ >= interval_us / 2) {
        // Quiet for a while: ask for a sign of life. Any frame or the pong
        // answers it.
        conn_->send_ping();
        ping_sent_us_ = now;
    }
    ping_timer_->schedule_ms(opts_.ping_interval_ms, [this] { keepalive_tick(); });
}

void ClientCore::release_connection() {
    if (conn_) {
        conn_->detach();
        conn_ = nullptr;
    }
}

void ClientCore::connection_lost(const Error &err, int close_code, const std::string &reason) {
    ping_timer_->cancel();
    phase_ = Phase::Idle;
    release_connection();
    // The state changes before any callback reports the loss, so code woken
    // by those callbacks sees it.
    bool will_retry = wants_connection_ && opts_.reconnect;
    state_.store(will_retry ? REALM_STATE_RECONNECTING : REALM_STATE_DISCONNECTED, std::memory_order_release);
    // Requests already sent are never re-sent: a generation could run twice.
    fail_all(err, false);
    zombies_.clear();
    zombie_order_.clear();
    realm_client_event_t ev{};
    ev.type = REALM_EVENT_DISCONNECTED;
    ev.close_code = close_code;
    ev.reason = reason.c_str();
    ev.error = &err;
    emit(ev);
    if (will_retry)
        schedule_reconnect(err);
    else
        give_up(err);
}

void ClientCore::teardown(realm_status_t status) {
    wants_connection_ = false;
    was_ready_ = false;
    connect_timer_->cancel();
    reconnect_timer_->cancel();
    ping_timer_->cancel();
    Error e = make_error(status, status == REALM_ERR_CANCELLED ? "client disconnected" : "");
    fail_all(e, true);
    finish_connect_waiters(status, &e);
    if (conn_) conn_->close(1000, "client disconnect");
    release_connection();
    zombies_.clear();
    zombie_order_.clear();
    phase_ = Phase::Idle;
}

void ClientCore::finish_connect_waiters(realm_status_t status, const Error *err) {
    std::vector<Waiter> waiters;
    waiters.swap(connect_waiters_);
    for (auto &w : waiters)
        if (w.cb) w.cb(w.user, handle_, status, err);
}

void ClientCore::emit(const realm_client_event_t &ev) {
    std::lock_guard<std::recursive_mutex> running(event_cb_mutex_);
    realm_client_event_cb cb;
    void *user;
    realm_queue_t *q;
    void *quser;
    {
        std::lock_guard<std::mutex> lock(info_mutex_);
        cb = event_cb_;
        user = event_user_;
        q = event_queue_;
        quser = event_queue_user_;
    }
    if (q) q->push_client_event(quser, ev);
    else if (cb) cb(user, handle_, &ev);
}

void ClientCore::emit_error(const Error &err) {
    realm_client_event_t ev{};
    ev.type = REALM_EVENT_ERROR;
    ev.error = &err;
    emit(ev);
}

// ---------------------------------------------------------------- transport callbacks

void ClientCore::on_open() {
    phase_ = Phase::AwaitHello;
    // Nothing is sent yet: the server's first frame says whether it wants
    // credentials (auth_required) or is ready (welcome).
}

void ClientCore::on_pong() { last_rx_us_ = transport::monotonic_us(); }

void ClientCore::on_closed(const transport::CloseInfo &info) {
    conn_ = nullptr;
    if (phase_ != Phase::Ready) {
        Error e;
        bool retryable = true;
        if (info.connect_failed && info.tls_failure) {
            e = make_error(REALM_ERR_TLS, info.reason);
            retryable = false;
        } else if (info.connect_failed) {
            e = make_error(REALM_ERR_CONNECT_FAILED, info.reason);
            e.http_status = info.http_status;
            if (info.http_status == 401 || info.http_status == 403) retryable = false;
        } else {
            e = make_error(REALM_ERR_CONNECT_FAILED,
                           "server closed the connection during the handshake (close code " +
                               std::to_string(info.close_code) + (info.reason.empty() ? "" : ": " + info.reason) + ")");
            e.close_code = info.close_code;
        }
        on_attempt_failed(e, retryable);
        return;
    }
    Error e;
    if (info.message_too_large) {
        e = make_error(REALM_ERR_MESSAGE_TOO_LARGE, "a message from the server exceeded the limit of " +
                                                        std::to_string(opts_.max_message_size) + " bytes");
    } else {
        std::string why = "connection lost (close code " + std::to_string(info.close_code);
        if (!info.reason.empty()) why += ": " + info.reason;
        why += ")";
        e = make_error(REALM_ERR_CONNECTION_LOST, why);
    }
    e.close_code = info.close_code;
    connection_lost(e, info.close_code, info.reason);
}

void ClientCore::on_message(std::string_view payload, bool binary) {
    if (opts_.ping_interval_ms) last_rx_us_ = transport::monotonic_us();
    loop_.busy_poll_for(opts_.busy_poll_us);  // more frames usually follow
    if (phase_ != Phase::Ready) {
        if (binary || !wire::is_valid_utf8(payload)) {
            on_attempt_failed(make_error(REALM_ERR_PROTOCOL, "server sent a non-text frame during the handshake"), false);
            return;
        }
        dialect_->decode(payload, inbound_);
        const auto &f = inbound_;
        switch (f.kind) {
            case protocol::FrameKind::AuthRequired: {
                if (opts_.api_key.empty()) {
                    on_attempt_failed(make_error(REALM_ERR_UNAUTHORIZED,
                                                 "the server requires authentication but no API key is configured"),
                                      false);
                    return;
                }
                std::string frame = transport::make_frame_buffer(opts_.api_key.size() + 32);
                dialect_->encode_auth(frame, opts_.api_key);
                conn_->send_text(std::move(frame));
                phase_ = Phase::Authenticating;
                return;
            }
            case protocol::FrameKind::AuthSuccess:
                authenticated_ = true;
                auth_tenant_.assign(f.tenant_id);
                if (!opts_.tenant_id.empty() && opts_.tenant_id != auth_tenant_) {
                    on_attempt_failed(make_error(REALM_ERR_UNAUTHORIZED,
                                                 "Tenant ID mismatch: the client is configured for tenant '" +
                                                     opts_.tenant_id + "' but the API key belongs to tenant '" +
                                                     auth_tenant_ + "'"),
                                      false);
                }
                return;
            case protocol::FrameKind::AuthFailed: {
                std::string why = "authentication failed";
                if (!f.message.empty()) why += ": " + std::string(f.message.substr(0, 200));
                on_attempt_failed(make_error(REALM_ERR_UNAUTHORIZED, why), false);
                return;
            }
            case protocol::FrameKind::Welcome:
                if (phase_ == Phase::Authenticating && !authenticated_) {
                    on_attempt_failed(make_error(REALM_ERR_PROTOCOL, "welcome received before auth_success"), false);
                    return;
                }
                on_ready(f);
                return;
            case protocol::FrameKind::Invalid:
                on_attempt_failed(make_error(REALM_ERR_PROTOCOL, "invalid frame during the handshake: " + f.problem), false);
                return;
            default:
                return;  // e.g. an id:"unknown" notice: not ours to act on
        }
    }
    if (binary) {
        handle_unattributed("server sent a binary frame");
        return;
    }
    if (!wire::is_valid_utf8(payload)) {
        handle_unattributed("server sent a text frame that is not valid UTF-8");
        return;
    }
    dialect_->decode(payload, inbound_);
    handle_frame(inbound_);
}

}  // namespace realm::core
