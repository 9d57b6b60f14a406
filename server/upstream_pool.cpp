#include "upstream_pool.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "protocol/realm_wire.h"
#include "upstream_call.h"

namespace realm::server {
namespace {

constexpr size_t kPollBatch = 256;
constexpr uint64_t kRetryDelayMs = 500;   // between attempts while an upstream loads or none is up
constexpr uint64_t kProbeIntervalMs = 1000;
constexpr uint32_t kProbeTimeoutMs = 5000;
constexpr const char *kDefaultUpstreamModel = "default";

double seconds_since(uint64_t start_ns, uint64_t now_ns) { return double(now_ns - start_ns) / 1e9; }

std::string text_of(const realm_error_t *err) {
    const char *m = err ? realm_error_message(err) : nullptr;
    return m ? m : "";
}

// An upstream's error message may quote the key it was given (OpenAI's 401
// does): never pass the gateway's upstream key on, to clients or the log.
std::string redact(std::string text, const std::string &key) {
    if (key.empty()) return text;
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 10))
        text.replace(at, key.size(), "[redacted]");
    return text;
}

UpstreamError make_error(UpstreamFailure kind, int http_status, std::string code, std::string message,
                         uint64_t retry_after_ms = 0) {
    UpstreamError e;
    e.kind = kind;
    e.http_status = http_status;
    e.code = std::move(code);
    e.message = std::move(message);
    e.retry_after_ms = retry_after_ms;
    return e;
}

// Errors that mean "this upstream did not take the request": another may.
bool connection_failure(realm_status_t s) {
    return s == REALM_ERR_CONNECT_FAILED || s == REALM_ERR_TLS || s == REALM_ERR_CONNECTION_LOST ||
           s == REALM_ERR_TOO_MANY_CONNECTIONS || s == REALM_ERR_NOT_CONNECTED;
}

bool set_option(realm_options_t *o, const char *key, const std::string &value, std::string *error) {
    realm_error_t *err = nullptr;
    if (realm_options_set(o, key, value.c_str(), &err) == REALM_OK) return true;
    *error = std::string("--upstream: ") + text_of(err);  // the core never quotes a key's value
    realm_error_destroy(err);
    return false;
}

}  // namespace

UpstreamError classify_upstream_error(const realm_error_t *err) {
    realm_status_t s = realm_error_status(err);
    int http = realm_error_http_status(err);
    int64_t after = realm_error_retry_after_ms(err);
    uint64_t retry_after = after > 0 ? uint64_t(after) : 0;
    std::string msg = text_of(err);
    if (s == REALM_ERR_RATE_LIMITED || http == 429)
        return make_error(UpstreamFailure::RateLimited, 429, "rate_limited", "the upstream is rate limiting: " + msg,
                          retry_after);
    if (s == REALM_ERR_UNAUTHORIZED || http == 401 || http == 403)
        return make_error(UpstreamFailure::Unauthorized, 502, "upstream_unauthorized",
                          "the upstream refused the gateway's credentials");
    if (s == REALM_ERR_INVALID_REQUEST || s == REALM_ERR_NOT_FOUND || http == 400 || http == 404 || http == 422)
        return make_error(UpstreamFailure::BadRequest, http ? http : 400, "invalid_request", msg);
    if (s == REALM_ERR_TIMEOUT || s == REALM_ERR_IDLE_TIMEOUT)
        return make_error(UpstreamFailure::Timeout, 504, "upstream_timeout", "the upstream timed out: " + msg);
    if (connection_failure(s) || http == 503)
        return make_error(UpstreamFailure::Unavailable, 503, "upstream_unavailable",
                          "no upstream is available: " + msg, retry_after);
    return make_error(UpstreamFailure::Failed, 502, "upstream_error", "the upstream failed: " + msg);
}

UpstreamPool::UpstreamPool(const ServerOptions &options, TimerQueue &timers) : options_(options), timers_(timers) {}

UpstreamPool::~UpstreamPool() {
    // Destroying a client ends its requests (as cancelled) before it returns;
    // their events are dropped with the queue.
    for (auto &u : upstreams_) {
        u->probe_timer.reset();
        realm_client_destroy(u->client);
    }
    for (auto &[user, call] : live_) {
        call->request = nullptr;  // released with the client
        call->retry.reset();
    }
    live_.clear();
    realm_queue_destroy(queue_);
}

bool UpstreamPool::start(lws_vhost *vhost, std::string *error) {
    if (realm_queue_new(&queue_) != REALM_OK) {
        *error = "--upstream: cannot create the event queue";
        return false;
    }
    for (size_t i = 0; i < options_.upstreams.size(); ++i) {
        realm_options_t *o = realm_options_new();
        if (!o) {
            *error = "out of memory";
            return false;
        }
        bool ok = set_option(o, "url", options_.upstreams[i], error) &&
                  set_option(o, "dialect", "openai-http", error) &&
                  set_option(o, "request_timeout_ms", std::to_string(options_.upstream_timeout_ms), error) &&
                  set_option(o, "connect_timeout_ms", std::to_string(std::clamp<uint64_t>(options_.upstream_wait_ms, 1000, 10000)), error) &&
                  set_option(o, "max_connections", std::to_string(options_.upstream_connections), error) &&
                  set_option(o, "max_queued_requests", "1048576", error) &&
                  // The pool retries and fails over itself, across upstreams.
                  set_option(o, "max_retries", "0", error) &&
                  (options_.upstream_api_key.empty() ||
                   set_option(o, "api_key", options_.upstream_api_key, error)) &&
                  (options_.upstream_model.empty() || set_option(o, "model", options_.upstream_model, error)) &&
                  (options_.upstream_ca_file.empty() || set_option(o, "tls_ca_file", options_.upstream_ca_file, error));
        auto u = std::make_unique<Upstream>();
        u->label = std::to_string(i);
        realm_error_t *err = nullptr;
        if (ok && realm_client_new(o, &u->client, &err) != REALM_OK) {
            *error = "--upstream " + u->label + ": " + text_of(err);
            ok = false;
        }
        realm_error_destroy(err);
        realm_options_destroy(o);
        if (!ok) return false;
        // Connection events (the outcome of a connect probe) come through
        // the queue as well.
        realm_client_set_event_queue(u->client, queue_, u.get());
        upstreams_.push_back(std::move(u));
    }
    // openai-http "connects" with a probe (GET {base}/models). An upstream
    // that does not answer yet is not an error: it is down, and probed
    // until it answers (a model server may start after its gateway).
    for (auto &u : upstreams_) {
        realm_error_t *err = nullptr;
        if (realm_client_connect_wait(u->client, 0, &err) != REALM_OK) {
            std::fprintf(stderr, "realm-server: upstream %s is down: %s\n", u->label.c_str(), redact(text_of(err), options_.upstream_api_key).c_str());
            set_down(*u, err);
        }
        realm_error_destroy(err);
    }
    // lws closes the fds it watches: give it a duplicate of the queue's.
    int fd = dup(realm_queue_fd(queue_));
    if (fd < 0 || !watch_fd(vhost, fd, this)) {
        *error = "--upstream: cannot watch the event queue";
        return false;
    }
    return true;
}

bool UpstreamPool::any_up() const {
    return std::any_of(upstreams_.begin(), upstreams_.end(), [](const auto &u) { return u->up; });
}

std::vector<UpstreamGauge> UpstreamPool::gauges() const {
    std::vector<UpstreamGauge> out;
    for (const auto &u : upstreams_) out.push_back(UpstreamGauge{u->label, u->up, u->outstanding});
    return out;
}

std::string UpstreamPool::health_json() const {
    std::string out = std::string(R"({"status":")") + (any_up() ? "ok" : "unavailable") + R"(","upstreams":[)";
    for (size_t i = 0; i < upstreams_.size(); ++i) {
        const Upstream &u = *upstreams_[i];
        if (i) out += ',';
        out += R"({"upstream":")" + u.label + R"(","up":)" + (u.up ? "true" : "false") +
               R"(,"outstanding":)" + std::to_string(u.outstanding);
        if (!u.up && !u.last_error.empty()) {
            out += R"(,"error":)";
            wire::append_json_string(out, redact(u.last_error, options_.upstream_api_key));
        }
        out += "}";
    }
    return out + "]}";
}

std::unique_ptr<UpstreamFeed> UpstreamPool::generate(UpstreamAsk ask) {
    auto call = std::make_shared<UpstreamCall>();
    call->pool = this;
    call->ask = std::move(ask);
    call->started_ns = monotonic_ns();
    call->give_up_ns = call->started_ns + options_.upstream_wait_ms * 1000000ULL;
    metrics_.request(call->ask.dialect.empty() ? "unknown" : call->ask.dialect);
    dispatch(call);
    return std::make_unique<UpstreamFeed>(call);
}

size_t UpstreamPool::pick() {
    size_t best = SIZE_MAX;
    size_t n = upstreams_.size();
    for (size_t k = 0; k < n; ++k) {
        size_t i = (next_start_ + k) % n;
        if (!upstreams_[i]->up) continue;
        if (best == SIZE_MAX || upstreams_[i]->outstanding < upstreams_[best]->outstanding) best = i;
    }
    if (best != SIZE_MAX) next_start_ = (best + 1) % n;
    return best;
}

void UpstreamPool::retry_later(const std::shared_ptr<UpstreamCall> &call, uint64_t delay_ms) {
    uint64_t at = monotonic_ns() + delay_ms * 1000000ULL;
    if (at > call->give_up_ns) at = call->give_up_ns;
    live_[call.get()] = call;
    UpstreamCall *raw = call.get();
    call->retry = TimerHandle(&timers_, timers_.schedule_at(at, [this, raw] {
        auto it = live_.find(raw);
        if (it == live_.end()) return;
        std::shared_ptr<UpstreamCall> keep = it->second;
        keep->retry.release();
        live_.erase(it);
        dispatch(keep);
    }));
}

void UpstreamPool::dispatch(const std::shared_ptr<UpstreamCall> &call) {
    if (call->abandoned) return;
    size_t index = pick();
    uint64_t now = monotonic_ns();
    if (index == SIZE_MAX) {
        bool all_refuse = std::all_of(upstreams_.begin(), upstreams_.end(),
                                      [](const auto &u) { return u->refused_credentials; });
        if (all_refuse) {  // a configuration error: waiting will not help
            fail(*call, make_error(UpstreamFailure::Unauthorized, 502, "upstream_unauthorized",
                                   "the upstream refused the gateway's credentials"));
            return;
        }
        if (now < call->give_up_ns) {
            retry_later(call, kRetryDelayMs);
            return;
        }
        fail(*call, make_error(UpstreamFailure::Unavailable, 503, "upstream_unavailable",
                               "no upstream is available (" + down_reasons() + ")", 1000));
        return;
    }
    const UpstreamAsk &a = call->ask;
    std::vector<realm_message_t> messages;
    for (const ChatMessage &m : a.messages) messages.push_back(realm_message_t{m.role.c_str(), m.content.c_str()});
    std::vector<const char *> stops;
    for (const std::string &s : a.stop) stops.push_back(s.c_str());
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.stream = 1;
    if (a.chat) {
        p.messages = messages.data();
        p.message_count = messages.size();
    } else {
        p.prompt = a.prompt.c_str();
    }
    // --upstream-model is the client's model option; else the request's
    // model; else a placeholder, as OpenAI-compatible servers require one
    // and the single-model ones (llama.cpp, vLLM) ignore its value.
    if (options_.upstream_model.empty()) p.model = a.model.empty() ? kDefaultUpstreamModel : a.model.c_str();
    if (a.max_tokens) p.max_tokens = int64_t(std::min<uint64_t>(*a.max_tokens, INT64_MAX));
    // --max-tokens caps every generation, also those that name no limit (a
    // ws-system generate has none, and small models may never stop).
    if (options_.max_tokens_set && (p.max_tokens < 0 || uint64_t(p.max_tokens) > options_.max_tokens))
        p.max_tokens = int64_t(std::min<uint64_t>(options_.max_tokens, INT64_MAX));
    if (a.temperature) p.temperature = *a.temperature;
    if (a.top_p) p.top_p = *a.top_p;
    if (a.presence_penalty) p.presence_penalty = *a.presence_penalty, p.set |= REALM_PARAM_PRESENCE_PENALTY;
    if (a.frequency_penalty) p.frequency_penalty = *a.frequency_penalty, p.set |= REALM_PARAM_FREQUENCY_PENALTY;
    if (a.seed) p.seed = *a.seed, p.set |= REALM_PARAM_SEED;
    if (!stops.empty()) {
        p.stop = stops.data();
        p.stop_count = stops.size();
    }
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = call.get();
    h.queue = queue_;
    realm_error_t *err = nullptr;
    realm_request_t *req = nullptr;
    Upstream &u = *upstreams_[index];
    if (realm_generate(u.client, &p, nullptr, &h, &req, &err) != REALM_OK) {
        UpstreamError e = classify_upstream_error(err);
        if (realm_error_status(err) == REALM_ERR_INVALID_ARGUMENT)
            e = make_error(UpstreamFailure::BadRequest, 400, "invalid_request", text_of(err));
        realm_error_destroy(err);
        fail(*call, std::move(e));
        return;
    }
    call->upstream = index;
    call->request = req;
    call->attempt_ns = now;
    ++u.outstanding;
    live_[call.get()] = call;
}

bool UpstreamPool::on_readable() {
    uint64_t value;
    ssize_t r = read(realm_queue_fd(queue_), &value, sizeof value);  // the dup shares the eventfd
    (void)r;
    realm_queue_event_t events[kPollBatch];
    size_t n;
    do {
        n = realm_queue_poll(queue_, events, kPollBatch);
        for (size_t i = 0; i < n; ++i) {
            const realm_queue_event_t &ev = events[i];
            auto it = live_.find(ev.user);
            if (it != live_.end()) {
                std::shared_ptr<UpstreamCall> keep = it->second;  // on_done may erase it
                if (ev.kind == REALM_QEV_TOKENS) on_tokens(*keep, ev);
                else if (ev.kind == REALM_QEV_DONE) on_done(*keep, ev);
                continue;
            }
            for (auto &u : upstreams_) {
                if (ev.user != u.get()) continue;
                if (ev.kind == REALM_QEV_DONE) on_probe_done(*u, ev);
                if (ev.kind == REALM_QEV_CLIENT) on_client_event(*u, ev);
            }
        }
    } while (n == kPollBatch);
    return true;
}

void UpstreamPool::on_tokens(UpstreamCall &call, const realm_queue_event_t &ev) {
    if (call.abandoned) return;
    uint64_t now = monotonic_ns();
    if (call.received == 0 && ev.token_count) metrics_.first_token(seconds_since(call.attempt_ns, now));
    for (size_t i = 0; i < ev.token_count; ++i) {
        const realm_token_t &t = ev.tokens[i];
        if (t.len) call.pieces.emplace_back(t.text, t.len);
        ++call.received;
    }
    metrics_.tokens(ev.token_count);
    wake(call);
}

void UpstreamPool::on_done(UpstreamCall &call, const realm_queue_event_t &ev) {
    std::shared_ptr<UpstreamCall> keep = live_[&call];
    live_.erase(&call);
    Upstream &u = *upstreams_[call.upstream];
    --u.outstanding;
    realm_request_release(call.request);
    call.request = nullptr;
    uint64_t now = monotonic_ns();
    metrics_.upstream_latency(seconds_since(call.attempt_ns, now));
    if (call.abandoned) return;
    if (ev.outcome == REALM_OUTCOME_COMPLETE) {
        const char *reason = realm_result_finish_reason(ev.result);
        if (!reason || !*reason) {
            // llama-cpp-python ends a stream it cut short with [DONE] and no
            // finish reason: that is not a completion.
            fail(call, make_error(UpstreamFailure::Truncated, 502, "upstream_truncated",
                                  "the upstream ended the stream without a finish reason (truncated)"));
            return;
        }
        call.finish_reason = reason;
        int64_t pt = realm_result_prompt_tokens(ev.result), ct = realm_result_completion_tokens(ev.result);
        if (pt >= 0) call.prompt_tokens = uint64_t(pt);
        if (ct >= 0) call.completion_tokens = uint64_t(ct);
        finish(call);
        return;
    }
    if (ev.outcome == REALM_OUTCOME_CANCELLED) {
        fail(call, make_error(UpstreamFailure::Unavailable, 503, "upstream_unavailable",
                              "the gateway is shutting down"));
        return;
    }
    realm_status_t s = realm_error_status(ev.error);
    int http = realm_error_http_status(ev.error);
    // Nothing of the answer arrived: the generation may go out again.
    if (call.received == 0 && now < call.give_up_ns) {
        if (connection_failure(s)) {
            set_down(u, ev.error);
            metrics_.retried();
            dispatch(keep);
            return;
        }
        if (http == 503) {  // "Loading model": wait, then ask again
            int64_t after = realm_error_retry_after_ms(ev.error);
            metrics_.retried();
            retry_later(keep, after > 0 ? uint64_t(after) : kRetryDelayMs);
            return;
        }
    }
    UpstreamError e = classify_upstream_error(ev.error);
    if (connection_failure(s) || e.kind == UpstreamFailure::Unauthorized) set_down(u, ev.error);
    // A connection lost after the answer began is a failed generation, not
    // "no upstream is available".
    if (call.received > 0 && e.kind == UpstreamFailure::Unavailable)
        e = make_error(UpstreamFailure::Failed, 502, "upstream_error", "the upstream failed mid-stream: " + text_of(ev.error));
    fail(call, std::move(e));
}

void UpstreamPool::fail(UpstreamCall &call, UpstreamError err) {
    err.message = redact(std::move(err.message), options_.upstream_api_key);
    call.state = UpstreamCall::State::Failed;
    metrics_.error(err.code);
    call.error = std::move(err);
    wake(call);
}

void UpstreamPool::finish(UpstreamCall &call) {
    call.state = UpstreamCall::State::Finished;
    wake(call);
}

void UpstreamPool::wake(UpstreamCall &call) {
    if (call.wake && call.wake->armed()) timers_.expedite(call.wake->id());
}

void UpstreamPool::abandon(UpstreamCall &call) {
    call.abandoned = true;
    call.wake = nullptr;
    call.pieces.clear();
    if (call.retry.armed()) {
        call.retry.reset();
        live_.erase(&call);
    }
    // Closes the upstream exchange now; the DONE event frees the record.
    if (call.request) realm_request_cancel(call.request);
}

size_t UpstreamPool::index_of(const Upstream &u) const {
    for (size_t i = 0; i < upstreams_.size(); ++i)
        if (upstreams_[i].get() == &u) return i;
    return SIZE_MAX;
}

std::string UpstreamPool::down_reasons() const {
    std::string out;
    for (const auto &u : upstreams_) {
        if (u->up) continue;
        if (!out.empty()) out += "; ";
        out += "upstream " + u->label + ": " + (u->last_error.empty() ? "not answering" : u->last_error);
    }
    return out.empty() ? "all are busy being probed" : out;
}

void UpstreamPool::set_down(Upstream &u, const realm_error_t *why) {
    if (why) {
        u.last_error = text_of(why);
        u.refused_credentials = realm_error_status(why) == REALM_ERR_UNAUTHORIZED ||
                                realm_error_http_status(why) == 401 || realm_error_http_status(why) == 403;
    }
    mark_down(index_of(u));
}

void UpstreamPool::came_up(Upstream &u) {
    u.probing = false;
    u.refused_credentials = false;
    u.last_error.clear();
    if (u.up) return;
    u.up = true;
    u.probe_timer.reset();
    // Generations waiting for an upstream go now rather than at their next retry.
    for (auto &[user, call] : live_)
        if (call->retry.armed()) timers_.expedite(call->retry.id());
}

void UpstreamPool::mark_down(size_t index) {
    if (index == SIZE_MAX) return;
    Upstream &u = *upstreams_[index];
    if (!u.up) return;
    u.up = false;
    if (!u.probe_timer.armed() && !u.probing) probe(index);
}

// Every second while down: GET {base}/models when the client is connected
// (a request failed), else a new connect (its probe is the same request).
void UpstreamPool::probe(size_t index) {
    Upstream &u = *upstreams_[index];
    u.probe_timer = TimerHandle(&timers_, timers_.schedule_at(monotonic_ns() + kProbeIntervalMs * 1000000ULL,
                                                               [this, index] {
        Upstream &v = *upstreams_[index];
        v.probe_timer.release();
        if (v.up) return;
        if (realm_client_state(v.client) != REALM_STATE_CONNECTED) {
            if (realm_client_connect(v.client, nullptr, nullptr) == REALM_OK) {
                v.probing = true;  // the outcome is a client event
                return;
            }
            probe(index);
            return;
        }
        realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
        co.timeout_ms = kProbeTimeoutMs;
        realm_handler_t h = REALM_HANDLER_INIT;
        h.user = &v;
        h.queue = queue_;
        if (realm_models(v.client, &co, &h, nullptr, nullptr) == REALM_OK) {
            v.probing = true;
        } else {
            probe(index);
        }
    }));
}

void UpstreamPool::on_probe_done(Upstream &u, const realm_queue_event_t &ev) {
    u.probing = false;
    // Any answer means the upstream is there: a server without a model list
    // answers 404, one that loads 503 (requests then wait for it).
    if (ev.outcome == REALM_OUTCOME_COMPLETE ||
        (ev.outcome == REALM_OUTCOME_ERROR && realm_error_http_status(ev.error) != 0 &&
         realm_error_http_status(ev.error) != 401 && realm_error_http_status(ev.error) != 403)) {
        came_up(u);
        return;
    }
    if (ev.error) {
        u.last_error = text_of(ev.error);
        u.refused_credentials = realm_error_status(ev.error) == REALM_ERR_UNAUTHORIZED;
    }
    probe(index_of(u));
}

void UpstreamPool::on_client_event(Upstream &u, const realm_queue_event_t &ev) {
    const realm_client_event_t *e = ev.client_event;
    if (!e) return;
    if (e->type == REALM_EVENT_CONNECTED) {
        came_up(u);
    } else if (e->type == REALM_EVENT_ERROR && u.probing && !u.up) {
        u.probing = false;
        if (e->error) {
            u.last_error = text_of(e->error);
            u.refused_credentials = realm_error_status(e->error) == REALM_ERR_UNAUTHORIZED;
        }
        probe(index_of(u));
    }
}

}  // namespace realm::server
