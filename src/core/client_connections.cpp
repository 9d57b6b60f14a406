// Connection management of the client core (loop thread): the dialect's
// connection policy, connect, reconnect with backoff, loss, disconnect and
// destroy. One multiplexed link (Realm), a pool of links opened on demand
// with one request each (openai-ws), or HTTP exchanges made per request with
// a probe standing for "connect" (openai-http).
#include <algorithm>

#include "core/backoff.h"
#include "core/client.h"
#include "core/log.h"

namespace realm::core {
namespace {
// Dialect defaults of max_connections.
constexpr uint32_t kDefaultPoolSize = 4;
constexpr uint32_t kDefaultHttpConnections = 32;
}  // namespace

size_t ClientCore::max_links() const {
    switch (caps_.policy) {
        case protocol::ConnectionPolicy::Multiplexed: return 1;
        case protocol::ConnectionPolicy::Pool: return opts_.max_connections ? opts_.max_connections : kDefaultPoolSize;
        case protocol::ConnectionPolicy::PerRequest:
            return opts_.max_connections ? opts_.max_connections : kDefaultHttpConnections;
    }
    return 1;
}

size_t ClientCore::ready_links() const {
    return size_t(std::count_if(links_.begin(), links_.end(), [](const auto &l) { return l->ready(); }));
}

void ClientCore::start_connecting() {
    if (http_transport()) {
        if (probing_) return;
        wants_connection_ = true;
        start_http_probe();
        return;
    }
    if (!links_.empty() || reconnect_timer_.pending()) return;  // an attempt is under way
    wants_connection_ = true;
    was_ready_ = false;
    reconnect_attempt_ = 0;
    open_link();
}

void ClientCore::open_link() {
    if (!connected_) state_.store(REALM_STATE_CONNECTING, std::memory_order_release);
    if (log_on(REALM_LOG_INFO))
        log(REALM_LOG_INFO, "connecting to " + display_url(*env_.server) + " (" + std::string(dialect_->name()) + ")");
    links_.push_back(std::make_unique<Link>(env_, static_cast<LinkOwner &>(*this)));
    links_.back()->open();  // may fail at once (then the link is retired already)
}

void ClientCore::retire_link(Link &link) {
    link.close(1000, "client closed the connection");
    auto it = std::find_if(links_.begin(), links_.end(), [&](const auto &l) { return l.get() == &link; });
    if (it == links_.end()) return;
    retired_links_.push_back(std::move(*it));
    links_.erase(it);
    schedule_cleanup();
}

void ClientCore::retire_http_link(HttpLink &link) {
    auto it = http_links_.find(&link);
    if (it == http_links_.end()) return;
    retired_http_links_.push_back(std::move(it->second));
    http_links_.erase(it);
    schedule_cleanup();
}

void ClientCore::schedule_cleanup() {
    if (cleanup_scheduled_) return;
    cleanup_scheduled_ = true;
    loop_.post([self = shared_from_this()] {
        self->cleanup_scheduled_ = false;
        self->retired_links_.clear();
        self->retired_http_links_.clear();
    });
}

// ---------------------------------------------------------------- links

void ClientCore::on_link_ready(Link &link) {
    {
        std::lock_guard<std::mutex> lock(info_mutex_);
        session_info_ = link.session();
    }
    if (!connected_) became_ready(link.session());
    router_.flush_pending();
}

void ClientCore::became_ready(const protocol::SessionInfo &session) {
    reconnect_timer_.cancel();
    if (log_on(REALM_LOG_INFO)) log(REALM_LOG_INFO, "connected to " + display_url(*env_.server));
    connected_ = true;
    servers_failed_ = 0;
    was_ready_ = true;
    reconnect_attempt_ = 0;
    state_.store(REALM_STATE_CONNECTED, std::memory_order_release);
    realm_client_event_t ev{};
    ev.type = REALM_EVENT_CONNECTED;
    ev.tenant_id = session.tenant_id.c_str();
    ev.server_version = session.server_version.c_str();
    emit(ev);
    finish_connect_waiters(REALM_OK, nullptr);
}

void ClientCore::on_link_failed(Link &link, const Error &err, bool retryable) {
    retire_link(link);
    if (ready_links() > 0) {
        // An extra pooled connection could not open: the others carry on,
        // and no more are tried for a while.
        extra_links_blocked_until_us_ = transport::monotonic_us() + int64_t(opts_.backoff_base_ms) * 1000;
        return;
    }
    if (connected_) {
        // The ready links went while this one was opening.
        connected_ = false;
        all_links_lost(err, err.close_code ? err.close_code : 1006, err.message);
        return;
    }
    attempt_failed(err, retryable);
}

// ---------------------------------------------------------------- failover

void ClientCore::use_next_server(const Error &cause) {
    server_index_ = (server_index_ + 1) % opts_.servers.size();
    env_.server = &opts_.servers[server_index_];
    if (log_on(REALM_LOG_INFO))
        log(REALM_LOG_INFO, "trying the next server, " + display_url(*env_.server) + ", after: " + cause.message);
}

bool ClientCore::try_next_server(const Error &cause) {
    // Each server of the list once per round; the round's last failure goes
    // on to the usual reconnect backoff (or ends the connect).
    if (opts_.servers.size() < 2 || !wants_connection_ || servers_failed_ + 1 >= opts_.servers.size()) return false;
    ++servers_failed_;
    use_next_server(cause);
    if (http_transport())
        start_http_probe();
    else
        open_link();
    return true;
}

void ClientCore::on_http_server_failed(HttpLink &link, const Error &err) {
    // Later requests (and retries) go to the next server; the one that failed
    // is tried again in its turn.
    if (link.request()->internal) return;  // the connect probe moves on by itself
    bool connection = err.status == REALM_ERR_CONNECT_FAILED || err.status == REALM_ERR_CONNECTION_LOST ||
                      err.status == REALM_ERR_TLS;
    if (connection && opts_.servers.size() > 1 && link.server() == env_.server) use_next_server(err);
}

void ClientCore::attempt_failed(const Error &err, bool retryable) {
    if (try_next_server(err)) return;
    if (was_ready_ && retryable && wants_connection_ && opts_.reconnect) {
        schedule_reconnect(err);
        return;
    }
    give_up(err);
}

void ClientCore::give_up(const Error &err) {
    if (log_on(REALM_LOG_WARN)) log(REALM_LOG_WARN, "connection failed: [" + err.code + "] " + err.message);
    wants_connection_ = false;
    was_ready_ = false;
    connected_ = false;
    reconnect_timer_.cancel();
    state_.store(REALM_STATE_DISCONNECTED, std::memory_order_release);
    // The error event first: whoever the connect's completion wakes has
    // already been told why.
    emit_error(err);
    finish_connect_waiters(err.status, &err);
    // Requests waiting for a connection will not get one.
    router_.fail_pending(err);
}

void ClientCore::schedule_reconnect(const Error &cause) {
    ++reconnect_attempt_;
    uint32_t max_attempts = opts_.backoff_max_attempts;
    if (!opts_.backoff_max_attempts_set && caps_.reconnect_attempts)
        max_attempts = caps_.reconnect_attempts == protocol::kUnlimitedReconnects ? 0 : caps_.reconnect_attempts;
    if (max_attempts && reconnect_attempt_ > max_attempts) {
        Error e = make_error(REALM_ERR_CONNECTION_LOST, "gave up reconnecting after " + std::to_string(max_attempts) +
                                                            " attempts; last error: " + cause.message);
        if (caps_.code_reconnect_failed) e.code = caps_.code_reconnect_failed;
        give_up(e);
        return;
    }
    uint32_t delay = backoff_delay_ms(reconnect_attempt_, opts_.backoff_base_ms, opts_.backoff_cap_ms,
                                      opts_.backoff_jitter_percent, rng_);
    // A server that said when to come back (a rate-limited handshake) is not
    // asked sooner.
    if (cause.retry_after_ms > 0 && uint64_t(cause.retry_after_ms) > delay)
        delay = uint32_t(std::min<int64_t>(cause.retry_after_ms, int64_t(UINT32_MAX)));
    state_.store(REALM_STATE_RECONNECTING, std::memory_order_release);
    if (log_on(REALM_LOG_INFO))
        log(REALM_LOG_INFO, "reconnecting in " + std::to_string(delay) + " ms (attempt " +
                                std::to_string(reconnect_attempt_) + "): " + cause.message);
    realm_client_event_t ev{};
    ev.type = REALM_EVENT_RECONNECTING;
    ev.attempt = reconnect_attempt_;
    ev.delay_ms = delay;
    ev.error = &cause;
    emit(ev);
    reconnect_timer_.schedule_ms(delay, [this, cause] {
        if (opts_.servers.size() > 1) {
            // A new round over the servers, from the next one.
            servers_failed_ = 0;
            use_next_server(cause);
        }
        open_link();
    });
}

void ClientCore::on_link_lost(Link &link, const Error &err, int close_code, const std::string &reason) {
    if (log_on(REALM_LOG_WARN)) log(REALM_LOG_WARN, "connection lost: [" + err.code + "] " + err.message);
    // The connection is lost when no other link is ready (one still opening
    // may yet succeed: it then counts as the reconnection).
    bool last = std::none_of(links_.begin(), links_.end(), [&](const auto &l) { return l.get() != &link && l->ready(); });
    if (last) {
        // The state changes before any callback reports the loss, so code
        // woken by those callbacks sees it.
        connected_ = false;
        bool will_retry = wants_connection_ && opts_.reconnect;
        state_.store(will_retry ? REALM_STATE_RECONNECTING : REALM_STATE_DISCONNECTED, std::memory_order_release);
    }
    // Requests already sent end here, or, when nothing of their answer had
    // arrived, wait for their retry (core/retry_policy.h).
    router_.fail_sent(&link, err);
    retire_link(link);
    if (!last) {
        router_.flush_pending();
        return;
    }
    all_links_lost(err, close_code, reason);
}

void ClientCore::all_links_lost(const Error &err, int close_code, const std::string &reason) {
    router_.clear_zombies();
    realm_client_event_t ev{};
    ev.type = REALM_EVENT_DISCONNECTED;
    ev.close_code = close_code;
    ev.reason = reason.c_str();
    ev.error = &err;
    emit(ev);
    if (!wants_connection_ || !opts_.reconnect) {
        give_up(err);
        return;
    }
    // With several servers, the next one at once; the lost one counts as
    // failed in this round.
    servers_failed_ = 0;
    if (try_next_server(err)) return;
    schedule_reconnect(err);
}

bool ClientCore::link_busy(const Link &link) const {
    if (caps_.policy == protocol::ConnectionPolicy::Pool) return link.bound != nullptr;
    return router_.sent_count() > 0;
}

// ---------------------------------------------------------------- HTTP "connect"

// An HTTP dialect has no connection to open: connecting sends GET /models as
// a probe. Any answer means the server is there (a server without a model
// list answers 404, which is fine); 401/403 means the key is refused; no
// answer means it cannot be reached.
void ClientCore::start_http_probe() {
    probing_ = true;
    state_.store(REALM_STATE_CONNECTING, std::memory_order_release);
    auto *req = new realm_request();
    req->id = next_request_id();
    req->internal = true;
    req->spec.kind = caps_.connect_probe;
    req->timeout_ms = opts_.connect_timeout_ms;
    req->handler = realm_handler_t REALM_HANDLER_INIT;
    req->handler.on_done = &ClientCore::on_probe_done;
    req->handler.user = this;
    req->client = weak_from_this();
    router_.queued().fetch_add(1, std::memory_order_relaxed);
    router_.active().fetch_add(1, std::memory_order_relaxed);
    router_.enqueue(req, true);  // the router holds the only reference
}

void ClientCore::on_probe_done(void *user, realm_request_t *, realm_outcome_t outcome, const realm_result_t *,
                               const realm_error_t *error) {
    auto *self = static_cast<ClientCore *>(user);
    self->probing_ = false;
    if (!self->wants_connection_) return;  // disconnected meanwhile
    realm_status_t s = error ? error->status : REALM_OK;
    bool reached = outcome == REALM_OUTCOME_COMPLETE ||
                   (outcome == REALM_OUTCOME_ERROR && s != REALM_ERR_CONNECT_FAILED && s != REALM_ERR_TLS &&
                    s != REALM_ERR_UNAUTHORIZED && s != REALM_ERR_TIMEOUT && s != REALM_ERR_CONNECTION_LOST);
    if (reached) {
        self->became_ready(protocol::SessionInfo{});
        self->router_.flush_pending();
        return;
    }
    Error e = error ? *error : make_error(REALM_ERR_CONNECT_FAILED, "");
    if (s == REALM_ERR_TIMEOUT) e.message = "connecting to the server timed out: " + e.message;
    if (self->try_next_server(e)) return;
    self->give_up(e);
}

// ---------------------------------------------------------------- teardown

void ClientCore::teardown(realm_status_t status) {
    wants_connection_ = false;
    was_ready_ = false;
    connected_ = false;
    reconnect_timer_.cancel();
    Error e = make_error(status, status == REALM_ERR_CANCELLED ? "client disconnected" : "");
    // Ending a request frees its connection, which would take the next
    // queued one: nothing goes out while everything is being ended.
    tearing_down_ = true;
    router_.fail_sent(nullptr, e);
    router_.fail_pending(e);
    tearing_down_ = false;
    finish_connect_waiters(status, &e);
    while (!links_.empty()) retire_link(*links_.front());
    while (!http_links_.empty()) {
        HttpLink &l = *http_links_.begin()->second;
        l.abandon();
        retire_http_link(l);
    }
    router_.clear_zombies();
}

}  // namespace realm::core
