// The client core: connection state machine (connect, auth handshake,
// keepalive, reconnect with backoff) and request routing. Everything that
// touches connection or request state runs on the event loop thread; the
// public entry points (submit, cancel, connect, ...) only post work there.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/error.h"
#include "core/options.h"
#include "core/request.h"
#include "protocol/dialect.h"
#include "realm/realm.h"
#include "transport/event_loop.h"
#include "transport/timer.h"
#include "transport/ws_connection.h"

struct realm_client;

namespace realm::core {

class ClientCore final : public std::enable_shared_from_this<ClientCore>,
                         private transport::WsConnection::Handler {
public:
    ClientCore(const Options &opts, transport::EventLoop &loop, realm_client *handle);
    ~ClientCore() override;

    // ---- any thread ----
    // Accepts a request (REALM_OK: exactly one terminal event will follow) or
    // refuses it with a status and *why.
    realm_status_t submit(realm_request_t *req, std::string *why);
    void cancel(realm_request_t *req);
    realm_status_t connect(realm_complete_cb cb, void *user);
    realm_status_t disconnect(realm_complete_cb cb, void *user);
    // Blocks until every request ended and the connection is released. On the
    // loop thread it only schedules that.
    void destroy();

    void set_event_callback(realm_client_event_cb cb, void *user);
    void set_event_queue(realm_queue_t *q, void *user);

    realm_conn_state_t state() const { return state_.load(std::memory_order_acquire); }
    std::string tenant_id() const;
    std::string server_version() const;
    bool has_extension(const std::string &name) const;
    const Options &options() const { return opts_; }
    std::string next_request_id() { return "r" + std::to_string(next_id_.fetch_add(1) + 1); }

private:
    enum class Phase { Idle, Opening, AwaitHello, Authenticating, Ready };
    struct Waiter {
        realm_complete_cb cb;
        void *user;
    };

    // submit() without the hand-over: checks, then posts under submit_mutex_.
    realm_status_t post_request(realm_request_t *req, std::string *why);

    // ---- loop thread ----
    void start_attempt();
    void on_attempt_failed(const Error &err, bool retryable);
    void on_ready(const protocol::InboundFrame &welcome);
    void schedule_reconnect(const Error &cause);
    void give_up(const Error &err);
    void connection_lost(const Error &err, int close_code, const std::string &reason);
    void release_connection();
    void finish_connect_waiters(realm_status_t status, const Error *err);
    void emit(const realm_client_event_t &ev);
    void emit_error(const Error &err);
    void keepalive_tick();

    void enqueue(realm_request_t *req);
    void send_request(realm_request_t *req);
    void flush_pending();
    void handle_frame(const protocol::InboundFrame &f);
    void handle_unattributed(const std::string &problem);
    realm_request_t *take_inflight(std::string_view id);
    void on_token(realm_request_t *req, const protocol::InboundFrame &f);
    void on_idle_timer(realm_request_t *req);
    void mark_dirty(realm_request_t *req);
    void publish_tokens(realm_request_t *req);
    void flush_dirty();
    // Ends a request: publishes pending tokens, then exactly one terminal
    // event. `tell_server` sends a server-side cancel when supported.
    void finish(realm_request_t *req, realm_outcome_t outcome, const realm_result *result,
                const Error *err, bool tell_server);
    void add_zombie(const std::string &id);
    void fail_all(const Error &err, bool include_queued);
    // Ends every request with `status` and drops the connection and timers' work.
    void teardown(realm_status_t status);

    // WsConnection::Handler
    void on_open() override;
    void on_message(std::string_view payload, bool binary) override;
    void on_pong() override;
    void on_closed(const transport::CloseInfo &info) override;

    const Options opts_;
    transport::EventLoop &loop_;
    realm_client *handle_;
    std::unique_ptr<protocol::Dialect> dialect_;
    std::string auto_tenant_;  // random UUIDv4 used when nobody names a tenant

    // Cross-thread.
    std::atomic<realm_conn_state_t> state_{REALM_STATE_DISCONNECTED};
    std::atomic<uint64_t> next_id_{0};
    std::atomic<uint32_t> queued_{0};          // accepted, not yet written
    std::mutex submit_mutex_;                  // orders submits against destroy
    bool closed_ = false;                      // guarded by submit_mutex_
    // Held while a client event callback runs, and by the setters, so that
    // once a setter returns the previous callback is no longer running.
    // Recursive: a callback may replace itself.
    std::recursive_mutex event_cb_mutex_;
    mutable std::mutex info_mutex_;            // guards the fields below
    std::string tenant_in_effect_;
    std::string server_version_;
    std::vector<std::string> extensions_;
    realm_client_event_cb event_cb_ = nullptr;
    void *event_user_ = nullptr;
    realm_queue_t *event_queue_ = nullptr;
    void *event_queue_user_ = nullptr;

    // Loop thread only.
    Phase phase_ = Phase::Idle;
    transport::WsConnection *conn_ = nullptr;
    bool wants_connection_ = false;
    bool was_ready_ = false;                   // current attempt is a reconnect
    bool authenticated_ = false;
    std::string auth_tenant_;
    std::string tenant_;                       // tenant in effect, loop copy
    uint32_t reconnect_attempt_ = 0;
    std::unique_ptr<transport::Timer> connect_timer_;
    std::unique_ptr<transport::Timer> reconnect_timer_;
    std::unique_ptr<transport::Timer> ping_timer_;
    int64_t last_rx_us_ = 0;                   // last frame or pong
    int64_t ping_sent_us_ = 0;                 // last keepalive ping (0 = none)
    bool ext_interleave_ = false, ext_cancel_ = false;
    std::vector<Waiter> connect_waiters_;
    std::deque<realm_request_t *> pending_;    // waiting for a ready connection
    std::unordered_map<std::string_view, realm_request_t *> inflight_;  // keys view req->id
    std::unordered_set<std::string> zombies_;  // ended locally; drop their late frames
    std::deque<std::string> zombie_order_;
    std::vector<realm_request_t *> dirty_;
    bool flush_scheduled_ = false;
    uint64_t send_seq_ = 0;
    std::string last_sent_id_;
    std::string frame_;                        // reused encode buffer
    protocol::InboundFrame inbound_;           // reused decode target
    std::mt19937 rng_;
    bool destroyed_ = false;
};

}  // namespace realm::core

// The handle behind realm_client_t.
struct realm_client {
    std::shared_ptr<realm::transport::EventLoop> loop;
    std::shared_ptr<realm::core::ClientCore> core;
};
