// NativeClient's event path: the core's callbacks on the event thread append
// records to the burst buffer, and the JS thread drains each burst (woken by
// the thread-safe function, or by busy polling) into one dispatch() call.
#include "client.h"

#include <cstring>
#include <sched.h>
#include <string>
#include <utility>

#include "errors.h"

namespace realm_node {
namespace {

// A ws-system completion: [json, tokens_generated, time_ms?, model, elapsed_ms, text?].
Napi::Value WsResultValue(Napi::Env env, const Rec &r) {
    napi_value arr, v;
    napi_create_array_with_length(env, 6, &arr);
    napi_create_string_utf8(env, r.s1.data(), r.s1.size(), &v);
    napi_set_element(env, arr, 0, v);
    napi_create_double(env, double(r.tokens_generated), &v);
    napi_set_element(env, arr, 1, v);
    if (r.has_time) {
        napi_create_double(env, r.time, &v);
        napi_set_element(env, arr, 2, v);
    }
    napi_create_string_utf8(env, r.s2.data(), r.s2.size(), &v);
    napi_set_element(env, arr, 3, v);
    napi_create_double(env, r.elapsed, &v);
    napi_set_element(env, arr, 4, v);
    if (r.has_s3) {
        napi_create_string_utf8(env, r.s3.data(), r.s3.size(), &v);
        napi_set_element(env, arr, 5, v);
    }
    return Napi::Value(env, arr);
}

// A completion as JS receives it (see Mode).
Napi::Value ResultValue(Napi::Env env, const Rec &r) {
    if (r.a == MODE_JSON) return Napi::String::New(env, r.s1);
    if (IsWsMode(r.a)) return WsResultValue(env, r);
    // MODE_TEXT, MODE_STREAM: [text, tokens_generated, prompt_tokens,
    // cost_usd, time_ms, finish_reason, completion_tokens, total_tokens,
    // model, elapsed_ms, first_token_ms, streamed_tokens]; JS builds the object (no
    // property-name lookups here). Absent numbers and empty strings: holes.
    napi_value arr, v;
    napi_create_array_with_length(env, 12, &arr);
    auto number = [&](uint32_t i, double d) {
        napi_create_double(env, d, &v);
        napi_set_element(env, arr, i, v);
    };
    auto string = [&](uint32_t i, const std::string &s) {
        napi_create_string_utf8(env, s.data(), s.size(), &v);
        napi_set_element(env, arr, i, v);
    };
    string(0, r.s1);  // the text, also when empty
    number(1, double(r.tokens_generated));
    if (r.prompt_tokens >= 0) number(2, double(r.prompt_tokens));
    if (r.has_cost) number(3, r.cost);
    if (r.has_time) number(4, r.time);
    if (!r.s2.empty()) string(5, r.s2);
    if (r.completion_tokens >= 0) number(6, double(r.completion_tokens));
    if (r.total_tokens >= 0) number(7, double(r.total_tokens));
    if (!r.s3.empty()) string(8, r.s3);
    if (r.elapsed >= 0) number(9, r.elapsed);
    if (r.first_token >= 0) number(10, r.first_token);
    if (r.streamed > 0) number(11, double(r.streamed));
    return Napi::Value(env, arr);
}

Napi::Object ClientEventInfo(Napi::Env env, const Rec &r) {
    Napi::Object o = Napi::Object::New(env);
    if (r.has_s1) o.Set("reason", Napi::String::New(env, r.s1));
    if (r.has_s2) o.Set("tenantId", Napi::String::New(env, r.s2));
    if (r.has_s3) o.Set("serverVersion", Napi::String::New(env, r.s3));
    if (r.err) o.Set("error", ErrorObject(env, r.err));
    return o;
}

}  // namespace

// ---------------------------------------------------------------- event thread

// Appends a record; wakes the JS thread if it had drained everything, so
// there is at most one thread-safe-function call per burst.
template <class Fill>
void Client::Push(Fill &&fill) {
    bool wake = false;
    {
        std::lock_guard<std::mutex> lock(mu_);
        fill(in_);
        if (armed_.load(std::memory_order_relaxed)) {
            armed_.store(false, std::memory_order_release);
            wake = !js_polling_;
        }
    }
    if (wake && !closing_.load(std::memory_order_acquire))
        napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
}

void Client::OnTokens(void *user, realm_request_t *, const realm_token_t *t, size_t count) {
    auto *ctx = static_cast<ReqCtx *>(user);
    Client *self = ctx->client;
    // generate() only needs its tokens for 'token' events.
    if (ctx->mode == MODE_TEXT && !self->token_events_.load(std::memory_order_relaxed)) return;
    int32_t id = ctx->id;
    self->Push([&](Burst &b) { AppendTokens(b, id, t, count); });
}

void Client::OnDone(void *user, realm_request_t *, realm_outcome_t outcome, const realm_result_t *result,
                    const realm_error_t *error) {
    auto *ctx = static_cast<ReqCtx *>(user);
    int32_t id = ctx->id;
    int32_t mode = ctx->mode;
    ctx->client->Push([&](Burst &b) { AppendDone(b, id, mode, outcome, result, error); });
}

void Client::OnStarted(void *user, realm_request_t *, const char *model) {
    auto *ctx = static_cast<ReqCtx *>(user);
    int32_t id = ctx->id;
    ctx->client->Push([&](Burst &b) { AppendStarted(b, id, model); });
}

void Client::OnClientEvent(void *user, realm_client_t *, const realm_client_event_t *ev) {
    static_cast<Client *>(user)->Push([&](Burst &b) { AppendClientEvent(b, ev); });
}

void Client::OnOpDone(void *user, realm_client_t *, realm_status_t status, const realm_error_t *error) {
    auto *op = static_cast<Op *>(user);
    Client *self = op->client;
    int32_t token = op->token;
    delete op;
    self->Push([&](Burst &b) { AppendOpDone(b, token, status, error); });
}

// ---------------------------------------------------------------- JS thread: delivery

void Client::CallJs(napi_env env, napi_value, void *context, void *) {
    if (!env) return;  // the function is being finalized
    auto *self = static_cast<Client *>(context);
    if (self->closing_.load(std::memory_order_acquire) || !self->client_) return;
    try {
        self->Drain(Napi::Env(env));
    } catch (const Napi::Error &e) {
        // A listener threw: report it like any uncaught exception.
        napi_fatal_exception(env, e.Value());
    }
}

void Client::StartPolling() {
    // Only a running poller may take over from wake-ups.
    if (!poller_->Extend() || js_polling_) return;
    std::lock_guard<std::mutex> lock(mu_);
    js_polling_ = true;
}

void Client::StopPolling() {
    if (!poller_->Enabled() || !js_polling_) return;
    bool pending;
    {
        std::lock_guard<std::mutex> lock(mu_);
        js_polling_ = false;
        pending = !armed_.load(std::memory_order_relaxed);  // arrived while polling: nobody woke us for it
    }
    poller_->Stop();
    if (pending && !closing_.load(std::memory_order_acquire))
        napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
}

// Once per event-loop turn while polling: deliver what arrived, else give
// the core (and the event thread, when they share it) away until the next turn.
void Client::PollTurn(void *p) {
    auto *self = static_cast<Client *>(p);
    // Wait here, yielding, rather than going round Node's loop (timers,
    // epoll_wait) between looks: the event thread gets the core back sooner.
    // Bounded (a few tens of µs), so that the loop's other handles still turn.
    bool pending = !self->armed_.load(std::memory_order_acquire);
    for (int i = 0; !pending && i < kPollSpinsPerTurn; ++i) {
        sched_yield();
        pending = !self->armed_.load(std::memory_order_acquire);
    }
    if (pending && self->env_ && self->client_) {
        Napi::Env env(self->env_);
        Napi::HandleScope handles(env);
        // Like a thread-safe-function call: promise reactions run when the scope closes.
        Napi::CallbackScope scope(env, *self->async_ctx_);
        try {
            self->Drain(env);
        } catch (const Napi::Error &e) {
            napi_fatal_exception(env, e.Value());
        }
        return;
    }
    if (self->poller_->Expired()) self->StopPolling();
}

void Client::SetMeta(Napi::Int32Array arr) {
    meta_ref_ = Napi::Persistent(arr);
    meta_ = arr.Data();
    meta_cap_ = arr.ElementLength();
}

// Swaps the burst out (double buffering: no allocation in steady state) and
// hands all of it to JS in ONE call: the event words in the shared
// Int32Array, the other values in one array, all token text as one string.
void Client::Drain(Napi::Env env) {
    Napi::HandleScope scope(env);
    {
        std::lock_guard<std::mutex> lock(mu_);
        std::swap(in_, out_);
        armed_.store(true, std::memory_order_relaxed);
    }
    if (out_.recs.empty()) return;

    words_.clear();
    Napi::Array vals = Napi::Array::New(env);
    uint32_t nv = 0;
    for (Rec &r : out_.recs) {
        switch (r.kind) {
            case W_TOKENS:
                words_.insert(words_.end(), {W_TOKENS, r.id, r.b});
                words_.insert(words_.end(), out_.lens.begin() + r.a, out_.lens.begin() + r.a + r.b);
                break;
            case W_COMPLETE:
                words_.insert(words_.end(), {W_COMPLETE, r.id});
                vals.Set(nv++, ResultValue(env, r));
                Finished(r.id);
                break;
            case W_FAILED:
                words_.insert(words_.end(), {W_FAILED, r.id, r.a});
                vals.Set(nv++, r.err ? ErrorObject(env, r.err)
                                     : StatusObject(env,
                                                    r.a == REALM_OUTCOME_CANCELLED ? REALM_ERR_CANCELLED
                                                                                   : REALM_ERR_INTERNAL,
                                                    ""));
                Finished(r.id);
                break;
            case W_CLIENT:
                words_.insert(words_.end(), {W_CLIENT, r.id, r.a, r.b, r.c});
                vals.Set(nv++, ClientEventInfo(env, r));
                break;
            case W_OP_DONE:
                words_.insert(words_.end(), {W_OP_DONE, r.id, r.a});
                vals.Set(nv++, r.err ? ErrorObject(env, r.err) : env.Null());
                break;
            case W_STARTED:
                words_.insert(words_.end(), {W_STARTED, r.id});
                vals.Set(nv++, Napi::String::New(env, r.s1));
                break;
        }
    }
    // All token text of the burst as ONE string; JS slices it by the lengths.
    napi_value text;
    if (out_.ascii) napi_create_string_latin1(env, out_.text.data(), out_.text.size(), &text);
    else napi_create_string_utf8(env, out_.text.data(), out_.text.size(), &text);
    out_.clear();

    Napi::Value fresh = env.Undefined();
    if (words_.size() > meta_cap_) {
        size_t cap = meta_cap_ * 2;
        while (cap < words_.size()) cap *= 2;
        Napi::Int32Array arr = Napi::Int32Array::New(env, cap);
        SetMeta(arr);
        fresh = arr;
    }
    std::memcpy(meta_, words_.data(), words_.size() * sizeof(int32_t));
    if (!reqs_.empty()) StartPolling();  // extends the window: more answers are on their way
    Napi::Value fn = dispatch_.Value();
    if (!fn.IsFunction()) return;
    fn.As<Napi::Function>().Call({Napi::Number::New(env, double(words_.size())), vals, fresh, Napi::Value(env, text)});
}

// The request's terminal record was taken: the core will not use its context again.
void Client::Finished(int32_t id) {
    auto it = reqs_.find(id);
    if (it == reqs_.end()) return;
    realm_request_release(it->second->req);
    reqs_.erase(it);
    if (reqs_.empty()) StopPolling();
}

}  // namespace realm_node
