// The upstreams of gateway mode (--upstream URL, repeatable): one librealm
// client (dialect openai-http) per upstream, all reporting to one event
// queue whose fd the service loop watches, so every upstream event is
// handled on the service thread. Routes each generation to the upstream
// with the fewest requests in flight, takes an upstream that stops
// answering out of rotation and probes it back in (GET {base}/models), and
// sends a generation again elsewhere only while it has received nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <libwebsockets.h>
#include <realm/realm.h>

#include "fd_watcher.h"
#include "gateway_metrics.h"
#include "options.h"
#include "timer_queue.h"
#include "upstream_feed.h"

namespace realm::server {

struct UpstreamCall;

class UpstreamPool : public FdHandler {
public:
    UpstreamPool(const ServerOptions &options, TimerQueue &timers);
    ~UpstreamPool() override;
    UpstreamPool(const UpstreamPool &) = delete;
    UpstreamPool &operator=(const UpstreamPool &) = delete;

    // Creates the clients and watches the queue. False with *error when an
    // upstream URL or option is refused.
    bool start(lws_vhost *vhost, std::string *error);

    // Starts a generation; never null (a generation that cannot start is a
    // feed that fails at once).
    std::unique_ptr<UpstreamFeed> generate(UpstreamAsk ask);

    bool any_up() const;
    std::vector<UpstreamGauge> gauges() const;
    GatewayMetrics &metrics() { return metrics_; }
    // {"status":"ok"|"unavailable","upstreams":[{"upstream":"0","up":true,"outstanding":0},...]}
    std::string health_json() const;

    bool on_readable() override;

    // UpstreamFeed's destructor: stop an unfinished generation.
    void abandon(UpstreamCall &call);

private:
    struct Upstream {
        std::string label;
        realm_client_t *client = nullptr;
        bool up = true;
        bool probing = false;            // a models request or a connect is out
        bool refused_credentials = false;  // its last answer was 401/403: waiting will not help
        std::string last_error;          // why it is down (the core's message: never a key)
        uint64_t outstanding = 0;
        TimerHandle probe_timer;
    };

    void dispatch(const std::shared_ptr<UpstreamCall> &call);
    size_t pick();
    void retry_later(const std::shared_ptr<UpstreamCall> &call, uint64_t delay_ms);
    void on_tokens(UpstreamCall &call, const realm_queue_event_t &ev);
    void on_done(UpstreamCall &call, const realm_queue_event_t &ev);
    void on_probe_done(Upstream &u, const realm_queue_event_t &ev);
    void on_client_event(Upstream &u, const realm_queue_event_t &ev);
    void set_down(Upstream &u, const realm_error_t *why);
    void came_up(Upstream &u);
    size_t index_of(const Upstream &u) const;
    std::string down_reasons() const;
    void fail(UpstreamCall &call, UpstreamError err);
    void finish(UpstreamCall &call);
    void wake(UpstreamCall &call);
    void mark_down(size_t index);
    void probe(size_t index);

    const ServerOptions &options_;
    TimerQueue &timers_;
    GatewayMetrics metrics_;
    realm_queue_t *queue_ = nullptr;
    std::vector<std::unique_ptr<Upstream>> upstreams_;
    size_t next_start_ = 0;  // round-robin start among equally loaded upstreams
    // Calls with a request or a retry pending, by the handler's user pointer.
    std::unordered_map<const void *, std::shared_ptr<UpstreamCall>> live_;
};

// Maps a failed upstream request (status, HTTP status, retry-after, message
// of the core's error) to the kinds the dialects express.
UpstreamError classify_upstream_error(const realm_error_t *err);

}  // namespace realm::server
