// The client core's public side: construction, the thread-safe entry points
// that post work to the loop, client events and connection info.
#include "core/client.h"

#include "core/event_queue.h"
#include "core/log.h"
#include "protocol/registry.h"

namespace realm::core {
namespace {

RouterConfig router_config(const Options &opts, const protocol::Capabilities &caps) {
    RouterConfig rc;
    rc.busy_poll_us = opts.busy_poll_us;
    rc.needs_finish_reason = caps.needs_finish_reason;
    // WebSocket text frames are checked whole; SSE data is not.
    rc.check_token_utf8 = caps.transport == protocol::Transport::Http;
    rc.retry = RetryConfig{opts.max_retries, opts.retry_base_ms, opts.retry_cap_ms};
    return rc;
}

}  // namespace

std::unique_ptr<protocol::Dialect> make_client_dialect(const Options &opts, std::string *why) {
    std::string name = opts.dialect;
    if (name.empty() || name == "auto") name = std::string(protocol::dialect_for_url(opts.server.http, opts.server.path));
    protocol::Transport transport;
    if (!protocol::dialect_transport(name, &transport)) {
        *why = "unknown dialect '" + name + "' (known: " + protocol::dialect_names() + ")";
        return nullptr;
    }
    bool http_dialect = transport == protocol::Transport::Http;
    if (http_dialect != opts.server.http) {
        *why = "dialect '" + name + "' needs " + (http_dialect ? "an http:// or https://" : "a ws:// or wss://") + " URL";
        return nullptr;
    }
    protocol::DialectConfig cfg;
    cfg.api_key = opts.api_key;
    cfg.tenant_id = opts.tenant_id;
    cfg.model = opts.model;
    cfg.path = opts.server.path;
    cfg.headers = opts.headers;
    cfg.auth_message = opts.auth_message;
    cfg.multiplex = opts.multiplex;
    cfg.json_ping = opts.json_ping;
    cfg.endpoint = opts.endpoint;
    cfg.client_id = opts.client_id;
    cfg.private_key_path = opts.private_key_path;
    cfg.private_key_pem = opts.private_key_pem;
    cfg.private_key_passphrase = opts.private_key_passphrase;
    cfg.signature_algorithm = opts.signature_algorithm;
    std::string problem;
    auto dialect = protocol::make_dialect(name, std::move(cfg), &problem);
    if (!dialect) *why = name + ": " + problem;
    return dialect;
}

void apply_dialect_defaults(Options &opts, const protocol::Capabilities &caps) {
    if (!opts.request_timeout_set && caps.request_timeout_ms) opts.request_timeout_ms = caps.request_timeout_ms;
    if (!opts.connect_timeout_set && caps.connect_timeout_ms) opts.connect_timeout_ms = caps.connect_timeout_ms;
    if (!opts.max_retries_set && caps.never_resend) opts.max_retries = 0;
}

ClientCore::ClientCore(const Options &opts, std::unique_ptr<protocol::Dialect> dialect, transport::EventLoop &loop,
                       std::shared_ptr<transport::Connector> connector, realm_client *handle)
    : opts_(opts),
      dialect_(std::move(dialect)),
      caps_(dialect_->capabilities()),
      loop_(loop),
      connector_(std::move(connector)),
      handle_(handle),
      env_{loop_, *connector_, *dialect_, opts_, &opts_.server},
      router_(loop_, *this, router_config(opts_, caps_)),
      reconnect_timer_(loop_) {}

std::shared_ptr<ClientCore> ClientCore::create(const Options &opts, std::unique_ptr<protocol::Dialect> dialect,
                                               transport::EventLoop &loop,
                                               std::shared_ptr<transport::Connector> connector, realm_client *handle) {
    auto core = std::make_shared<ClientCore>(opts, std::move(dialect), loop, std::move(connector), handle);
    core->router_.set_owner(core);
    return core;
}

ClientCore::~ClientCore() {
    if (!destroyed_ && (reconnect_timer_.pending() || !links_.empty() || !http_links_.empty())) {
        // Never torn down on the loop (process exit with a live client):
        // cleaning up would touch lws from this thread, so leave it all.
        for (auto &l : links_) (void)l.release();
        for (auto &kv : http_links_) (void)kv.second.release();
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
        if (self->connected_) {
            if (cb) cb(user, self->handle_, REALM_OK, nullptr);
            return;
        }
        self->connect_waiters_.push_back({cb, user});
        self->start_connecting();
    });
    return posted ? REALM_OK : REALM_ERR_INTERNAL;
}

realm_status_t ClientCore::disconnect(realm_complete_cb cb, void *user) {
    {
        // Disconnected as far as the caller can tell once this returns:
        // the state says so and new requests are refused (the loop closes
        // the connection and ends what is in flight right after).
        std::lock_guard<std::mutex> lock(submit_mutex_);
        if (!closed_) state_.store(REALM_STATE_DISCONNECTED, std::memory_order_release);
    }
    auto self = shared_from_this();
    bool posted = loop_.post([self, cb, user] {
        if (self->destroyed_) return;
        bool was_connected = self->connected_;
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
    return session_info_.tenant_id;
}

std::string ClientCore::server_version() const {
    std::lock_guard<std::mutex> lock(info_mutex_);
    return session_info_.server_version;
}

bool ClientCore::has_extension(const std::string &name) const {
    std::lock_guard<std::mutex> lock(info_mutex_);
    for (const auto &e : session_info_.extensions)
        if (e == name) return true;
    return false;
}

// ---------------------------------------------------------------- events (loop thread)

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
    if (log_on(REALM_LOG_WARN)) log(REALM_LOG_WARN, "[" + err.code + "] " + err.message);
    realm_client_event_t ev{};
    ev.type = REALM_EVENT_ERROR;
    ev.error = &err;
    emit(ev);
}

void ClientCore::finish_connect_waiters(realm_status_t status, const Error *err) {
    std::vector<Waiter> waiters;
    waiters.swap(connect_waiters_);
    for (auto &w : waiters)
        if (w.cb) w.cb(w.user, handle_, status, err);
}

}  // namespace realm::core
