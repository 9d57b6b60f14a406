// Request routing: every accepted request from acceptance to its one
// terminal event. Queues requests until a connection takes them, keeps the
// sent ones by id, applies decoded frames to them (tokens batched per event
// loop pass, finish reason, usage, the end of a stream), runs their timeouts,
// and is the only place that delivers a terminal event (finish). It knows
// nothing of connections: a Host sends requests and stops abandoned ones.
// Loop thread only, except queued().
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/deadline_queue.h"
#include "core/error.h"
#include "core/request.h"
#include "core/request_index.h"
#include "core/retry_policy.h"
#include "core/zombie_ids.h"
#include "protocol/dialect.h"

namespace realm::transport {
class EventLoop;
}

namespace realm::core {

struct RouterConfig {
    uint32_t busy_poll_us = 0;
    // A stream ends normally only with a finish reason (OpenAI shapes).
    bool needs_finish_reason = false;
    // Token texts may split UTF-8 characters (SSE data is not checked as a
    // whole): join the pieces and check them.
    bool check_token_utf8 = false;
    RetryConfig retry;
};

class RequestRouter {
public:
    class Host {
    public:
        virtual ~Host() = default;
        // A request waits to be sent: send it now if a connection can take it
        // (calling mark_sent, or finish if it cannot be sent at all) and
        // return true; false leaves it queued until the next flush_pending().
        virtual bool try_send(realm_request_t *req) = 0;
        // A sent request ended here (cancel, timeout, a bad frame): stop the
        // server's work on it (a cancel frame, or closing its connection).
        virtual void abandon(realm_request_t *req) = 0;
        // A sent request ended (any way), just before its terminal event:
        // its connection may take another request.
        virtual void on_request_done(realm_request_t *req) = 0;
        // True while a connection exists or is being made, so that a
        // request may wait for one.
        virtual bool will_connect() const = 0;
    };

    RequestRouter(transport::EventLoop &loop, Host &host, RouterConfig config);
    ~RequestRouter();

    // The object that owns the router, kept alive by the flushes the router
    // schedules on the loop (so it is never destroyed under one). Set once,
    // before the router is used.
    void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }

    // Any thread: accepted requests not yet written (for the queue limit).
    std::atomic<uint32_t> &queued() { return queued_; }
    // Any thread: accepted requests not yet ended (queued, being written or
    // in flight), for the per-client bound on requests held in memory.
    // Counted up by whoever accepts a request, down by finish().
    std::atomic<uint32_t> &active() { return active_; }

    // An accepted request: starts its total timeout, then sends it or keeps
    // it queued; with `can_wait` false it fails at once with NOT_CONNECTED
    // when no connection takes it.
    void enqueue(realm_request_t *req, bool can_wait);
    // Sends queued requests in order while the host takes them.
    void flush_pending();
    bool has_pending() const { return !pending_.empty(); }

    // Called by the host when it wrote `req` on `link`. `server_starts_now`:
    // the server works on it at once (so silence is idle time from now).
    void mark_sent(realm_request_t *req, void *link, bool server_starts_now);

    // The sent request with this id, or nullptr.
    realm_request_t *find(std::string_view id) const;
    // True when `id` names a request that ended here but whose frames may
    // still arrive: the frame is to be dropped. A terminal frame forgets it.
    bool drop_late_frame(std::string_view id, bool terminal);
    void add_zombie(const std::string &id);
    void clear_zombies();
    // Ids kept for late frames (tests: retired ones must not linger).
    size_t zombie_entries() const { return zombies_.held(); }

    // Applies a Token / Complete / Error / Cancelled frame to `req`.
    void deliver(realm_request_t *req, const protocol::InboundFrame &f);

    // Ends a request: publishes pending tokens, then exactly one terminal
    // event. `tell_server`: a sent request is abandoned through the host.
    void finish(realm_request_t *req, realm_outcome_t outcome, const realm_result *result, const Error *err,
                bool tell_server);
    void fail(realm_request_t *req, const Error &err, bool tell_server);

    // Requests sent on `link` (nullptr: on any link), in send order.
    std::vector<realm_request_t *> sent_on(const void *link) const;
    size_t sent_count() const { return inflight_.size(); }
    // The request sent last that is still in flight, or nullptr.
    realm_request_t *last_sent() const { return find(last_sent_id_); }

    // Ends every sent request (of `link`, or all with nullptr) with `err`.
    void fail_sent(const void *link, const Error &err);
    // Ends every queued request (and every one waiting to be retried) with `err`.
    void fail_pending(const Error &err);
    // Requests waiting to be sent again (tests).
    size_t retrying() const { return retry_waits_.size(); }

private:
    void start_timeout(realm_request_t *req);
    // The end of one attempt (the request's, or one that will be retried):
    // a sent one leaves the in-flight map, the server is told to stop when
    // `tell_server`, its connection is freed; its clocks stop.
    void end_attempt(realm_request_t *req, bool sent, bool tell_server);
    // A sent request failed before any of its answer arrived: true when it
    // is kept to be sent again after a delay instead of ending.
    bool retry_later(realm_request_t *req, const Error &err, bool tell_server);
    void send_again(realm_request_t *req);
    void on_idle_timer(realm_request_t *req);
    void start_idle_clock(realm_request_t *req);
    // Adds a piece of streamed text as one token; false (request failed)
    // when it is not valid UTF-8.
    bool append_text(realm_request_t *req, std::string_view text, const protocol::InboundFrame &f);
    void record_meta(realm_request_t *req, const protocol::InboundFrame &f);
    void complete(realm_request_t *req, const protocol::InboundFrame &f);
    // The server's start of a request (once): the model, and the handler's
    // STARTED event when it asked for one.
    void started(realm_request_t *req, std::string_view model);
    // A result's model and client-measured timings.
    void stamp(realm_request_t *req, realm_result &r) const;
    void mark_dirty(realm_request_t *req);
    void publish_tokens(realm_request_t *req);
    void end_run();
    void flush_dirty();

    transport::EventLoop &loop_;
    Host &host_;
    const RouterConfig cfg_;
    DeadlineQueue timeouts_;     // total timeouts of accepted requests (per attempt)
    DeadlineQueue retry_waits_;  // failed requests until their retry is due
    JitterRng rng_ = JitterRng::from_entropy();
    std::atomic<uint32_t> queued_{0};
    std::atomic<uint32_t> active_{0};
    std::deque<realm_request_t *> pending_;    // waiting for a connection
    RequestIndex inflight_;                     // sent, by wire id
    ZombieIds zombies_{65536};  // ended here; drop their late frames
    std::vector<realm_request_t *> dirty_;   // pull-queue requests with tokens to publish
    realm_request_t *run_ = nullptr;         // the callback-handler request the last frames were for
    // run_'s tokens not yet published. Other requests keep theirs in their
    // own `pending`; run_'s are here because only one callback-handler
    // request has unpublished tokens at a time, and this block stays in the
    // cache: with 10,000 interleaved streams each request's own block was
    // one more cache miss per frame.
    std::vector<PendingToken> run_pending_;
    std::vector<PendingToken> &pending_of(realm_request_t *req) { return req == run_ ? run_pending_ : req->pending; }
    bool flush_scheduled_ = false;
    uint64_t send_seq_ = 0;
    bool flushing_ = false;      // flush_pending() is running (it may be re-entered)
    bool flush_again_ = false;
    std::string last_sent_id_;
    std::weak_ptr<void> owner_;
    // Without an owner (unit tests) a flush checks that the router still
    // lives; it is then destroyed on the loop thread.
    std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace realm::core
