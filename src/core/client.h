// The client core behind realm_client_t. Two halves:
//  - connection management (client_connections.cpp): the dialect's
//    connection policy (one multiplexed WebSocket, a pool of WebSockets with
//    one request each, or one HTTP exchange per request), connect, reconnect
//    with backoff, keepalive (in Link), disconnect and destroy, client events;
//  - request routing (RequestRouter, router.cpp), fed by the glue in
//    client_requests.cpp that decodes messages with the dialect and finds
//    their request.
// Everything that touches connection or request state runs on the event loop
// thread; the public entry points (submit, cancel, connect, ...) only post
// work there.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/backoff.h"
#include "core/error.h"
#include "core/http_link.h"
#include "core/link.h"
#include "core/options.h"
#include "core/request.h"
#include "core/router.h"
#include "protocol/dialect.h"
#include "realm/realm.h"
#include "transport/connector.h"
#include "transport/event_loop.h"
#include "transport/timer.h"

struct realm_client;

namespace realm::core {

class ClientCore final : public std::enable_shared_from_this<ClientCore>,
                         private LinkOwner,
                         private HttpLinkOwner,
                         private RequestRouter::Host {
public:
    // `dialect` is made from `opts` by the caller (see make_client_dialect).
    // `connector` opens the connections (the real one, or a test fake).
    // Use create(): the core must be owned by a shared_ptr.
    ClientCore(const Options &opts, std::unique_ptr<protocol::Dialect> dialect, transport::EventLoop &loop,
               std::shared_ptr<transport::Connector> connector, realm_client *handle);
    static std::shared_ptr<ClientCore> create(const Options &opts, std::unique_ptr<protocol::Dialect> dialect,
                                              transport::EventLoop &loop,
                                              std::shared_ptr<transport::Connector> connector, realm_client *handle);
    ~ClientCore() override;

    // ---- any thread ----
    // Accepts a request (REALM_OK: exactly one terminal event will follow) or
    // refuses it with a status and *why.
    realm_status_t submit(realm_request_t *req, std::string *why);
    // Hands over requests accepted into a batch (their references move to
    // the core): sent as one frame, or, with `discard`, ended as cancelled.
    // Each ends exactly once either way.
    void submit_batch(std::vector<realm_request_t *> reqs, bool discard);
    void cancel(realm_request_t *req);
    realm_status_t connect(realm_complete_cb cb, void *user);
    realm_status_t disconnect(realm_complete_cb cb, void *user);
    // Blocks until every request ended and the connections are released. On
    // the loop thread it only schedules that.
    void destroy();

    void set_event_callback(realm_client_event_cb cb, void *user);
    void set_event_queue(realm_queue_t *q, void *user);

    realm_conn_state_t state() const { return state_.load(std::memory_order_acquire); }
    std::string tenant_id() const;
    std::string server_version() const;
    bool has_extension(const std::string &name) const;
    const Options &options() const { return opts_; }
    // Immutable after construction: safe from any thread.
    const protocol::Dialect &dialect() const { return *dialect_; }
    std::string next_request_id() { return "r" + std::to_string(next_id_.fetch_add(1) + 1); }

private:
    struct Waiter {
        realm_complete_cb cb;
        void *user;
    };

    // submit() without the hand-over: checks, then posts under submit_mutex_.
    realm_status_t post_request(realm_request_t *req, std::string *why);
    // Loop thread: a batch member's payload joins its group; the group's
    // frame goes out on `link` with its last member.
    void send_batch_member(Link &link, realm_request_t *req, std::string payload);
    // Sends the group's frame once every member still expected is in it.
    void flush_batch(Link &link, BatchGroup &group);

    // ---- loop thread: connection management (client_connections.cpp) ----
    void start_connecting();
    void open_link();
    bool http_transport() const { return caps_.transport == protocol::Transport::Http; }
    size_t ready_links() const;
    size_t max_links() const;
    void became_ready(const protocol::SessionInfo &session);
    void attempt_failed(const Error &err, bool retryable);
    // Failover over opts_.servers: new connections go to the next server.
    void use_next_server(const Error &cause);
    // Connects to the next server not yet tried in this round; false when
    // there is none (one server, or all failed).
    bool try_next_server(const Error &cause);
    // An HTTP exchange could not reach its server.
    void on_http_server_failed(HttpLink &link, const Error &err);
    void all_links_lost(const Error &err, int close_code, const std::string &reason);
    void schedule_reconnect(const Error &cause);
    void give_up(const Error &err);
    // Takes a link out of service (closing it) and frees it later: it may be
    // the one whose callback is running.
    void retire_link(Link &link);
    void retire_http_link(HttpLink &link);
    void schedule_cleanup();
    void finish_connect_waiters(realm_status_t status, const Error *err);
    void emit(const realm_client_event_t &ev);
    void emit_error(const Error &err);
    // Ends every request with `status` and drops every connection and timer.
    void teardown(realm_status_t status);
    void start_http_probe();
    static void on_probe_done(void *user, realm_request_t *req, realm_outcome_t outcome, const realm_result_t *result,
                              const realm_error_t *error);

    // LinkOwner
    void on_link_ready(Link &link) override;
    void on_link_failed(Link &link, const Error &err, bool retryable) override;
    void on_link_lost(Link &link, const Error &err, int close_code, const std::string &reason) override;
    void on_link_message(Link &link, std::string_view payload) override;
    void on_link_bad_message(Link &link, const std::string &problem) override;
    bool link_busy(const Link &link) const override;

    // ---- loop thread: requests (client_requests.cpp) ----
    void enqueue(realm_request_t *req);
    bool send_on(Link &link, realm_request_t *req);
    void handle_frame(Link *link, const protocol::InboundFrame &f);
    realm_request_t *route(Link *link, const protocol::InboundFrame &f);
    void handle_unattributed(Link *link, const std::string &problem);

    // RequestRouter::Host
    bool try_send(realm_request_t *req) override;
    void abandon(realm_request_t *req) override;
    void on_request_done(realm_request_t *req) override;
    bool will_connect() const override;

    // HttpLinkOwner
    void on_http_frame(HttpLink &link, const protocol::InboundFrame &f) override;
    void on_http_failed(HttpLink &link, const Error &err) override;
    void on_http_done(HttpLink &link) override;

    const Options opts_;
    std::unique_ptr<protocol::Dialect> dialect_;
    const protocol::Capabilities caps_;
    transport::EventLoop &loop_;
    std::shared_ptr<transport::Connector> connector_;
    realm_client *handle_;
    LinkEnv env_;
    RequestRouter router_;

    // Cross-thread.
    std::atomic<realm_conn_state_t> state_{REALM_STATE_DISCONNECTED};
    std::atomic<uint64_t> next_id_{0};
    std::mutex submit_mutex_;                  // orders submits against destroy
    bool closed_ = false;                      // guarded by submit_mutex_
    // Held while a client event callback runs, and by the setters, so that
    // once a setter returns the previous callback is no longer running.
    // Recursive: a callback may replace itself.
    std::recursive_mutex event_cb_mutex_;
    mutable std::mutex info_mutex_;            // guards the fields below
    protocol::SessionInfo session_info_;       // of the last connection that became ready
    realm_client_event_cb event_cb_ = nullptr;
    void *event_user_ = nullptr;
    realm_queue_t *event_queue_ = nullptr;
    void *event_queue_user_ = nullptr;

    // Loop thread only.
    std::vector<std::unique_ptr<Link>> links_;
    std::unordered_map<HttpLink *, std::unique_ptr<HttpLink>> http_links_;
    std::vector<std::unique_ptr<Link>> retired_links_;
    std::vector<std::unique_ptr<HttpLink>> retired_http_links_;
    bool cleanup_scheduled_ = false;
    bool connected_ = false;                   // a connection is (or was, for HTTP) ready
    bool wants_connection_ = false;
    bool was_ready_ = false;                   // the current attempt is a reconnect
    bool probing_ = false;                     // HTTP: the connect probe is in flight
    bool tearing_down_ = false;                // teardown() is ending every request
    uint32_t reconnect_attempt_ = 0;
    size_t server_index_ = 0;                  // in opts_.servers (failover)
    size_t servers_failed_ = 0;                // in this round over opts_.servers
    int64_t extra_links_blocked_until_us_ = 0; // pool: after an extra link failed
    transport::Timer reconnect_timer_;
    std::vector<Waiter> connect_waiters_;
    std::string frame_;                        // reused encode buffer
    protocol::InboundFrame inbound_;           // reused decode target
    JitterRng rng_ = JitterRng::from_entropy();
    bool destroyed_ = false;
};

// The dialect for `opts` (its explicit dialect, else the one of its URL).
// nullptr and *why when the dialect does not fit the URL's scheme.
std::unique_ptr<protocol::Dialect> make_client_dialect(const Options &opts, std::string *why);
// The dialect's defaults for what the user left unset (timeouts).
void apply_dialect_defaults(Options &opts, const protocol::Capabilities &caps);

}  // namespace realm::core

// The handle behind realm_client_t.
struct realm_client {
    std::shared_ptr<realm::transport::EventLoop> loop;
    std::shared_ptr<realm::core::ClientCore> core;
};
