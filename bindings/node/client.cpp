#include "client.h"

#include <cstring>
#include <sched.h>
#include <string>
#include <utility>

#include "arguments.h"
#include "client_options.h"
#include "errors.h"
#include "generate_args.h"

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

Napi::Function Client::Init(Napi::Env env) {
    return DefineClass(env, "NativeClient",
                       {
                           InstanceMethod<&Client::Connect>("connect"),
                           InstanceMethod<&Client::Disconnect>("disconnect"),
                           InstanceMethod<&Client::Generate>("generate"),
                           InstanceMethod<&Client::Pipeline>("pipeline"),
                           InstanceMethod<&Client::Health>("health"),
                           InstanceMethod<&Client::Metadata>("metadata"),
                           InstanceMethod<&Client::Call>("call"),
                           InstanceMethod<&Client::Models>("models"),
                           InstanceMethod<&Client::WireId>("wireId"),
                           InstanceMethod<&Client::BatchBegin>("batchBegin"),
                           InstanceMethod<&Client::BatchSend>("batchSend"),
                           InstanceMethod<&Client::BatchDiscard>("batchDiscard"),
                           InstanceMethod<&Client::Cancel>("cancel"),
                           InstanceMethod<&Client::State>("state"),
                           InstanceMethod<&Client::TenantId>("tenantId"),
                           InstanceMethod<&Client::ServerVersion>("serverVersion"),
                           InstanceMethod<&Client::HasExtension>("hasExtension"),
                           InstanceMethod<&Client::SetRef>("setRef"),
                           InstanceMethod<&Client::SetTokenEvents>("setTokenEvents"),
                           InstanceMethod<&Client::Close>("close"),
                       });
}

Client::Client(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Client>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsTypedArray())
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "NativeClient(options, dispatch, meta)");

    realm_options_t *opts = realm_options_new();
    if (!opts) ThrowRealm(env, REALM_ERR_NO_MEMORY, "out of memory");
    struct OptsGuard {
        realm_options_t *p;
        ~OptsGuard() { realm_options_destroy(p); }
    } guard{opts};
    Napi::Object o = info[0].As<Napi::Object>();
    // WSClient passes the core's own option names (coreOptions: [[key, value], ...]).
    uint32_t busy_poll_us = o.Has("coreOptions") ? ApplyCoreOptions(env, o.Get("coreOptions"), opts)
                                                 : ApplyClientOptions(env, o, opts);

    realm_error_t *err = nullptr;
    realm_status_t st = realm_client_new(opts, &client_, &err);
    if (st != REALM_OK) {
        std::string msg = err ? realm_error_message(err) : realm_strerror(st);
        realm_error_destroy(err);
        ThrowRealm(env, st, msg);
    }
    napi_status ns = napi_create_threadsafe_function(env, nullptr, nullptr, Napi::String::New(env, "realm"), 0, 1,
                                                     nullptr, nullptr, this, &Client::CallJs, &tsfn_);
    if (ns != napi_ok) {
        realm_client_destroy(client_);
        client_ = nullptr;
        ThrowRealm(env, REALM_ERR_INTERNAL, "could not create the thread-safe function");
    }
    // Unreferenced unless JS waits for something (SetRef), so that an idle
    // client never keeps the process alive.
    napi_unref_threadsafe_function(env, tsfn_);

    // Weak reference: the JS client owns the function; nothing native keeps it alive.
    dispatch_ = Napi::Weak(info[1].As<Napi::Function>());
    // The burst buffers grow with the first bursts and keep their capacity
    // (no allocation in steady state); nothing is reserved up front, so
    // that thousands of idle clients stay small.
    SetMeta(info[2].As<Napi::Int32Array>());

    poller_ = std::make_unique<JsPoller>(env, busy_poll_us, &Client::PollTurn, this);
    if (poller_->Enabled()) async_ctx_ = std::make_unique<Napi::AsyncContext>(env, "realm");
    realm_client_set_event_callback(client_, &Client::OnClientEvent, this);
    napi_add_env_cleanup_hook(env, &Client::CleanupHook, this);
    env_ = env;
}

Client::~Client() {
    if (env_) napi_remove_env_cleanup_hook(env_, &Client::CleanupHook, this);
    Destroy();
}

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

// ---------------------------------------------------------------- JS thread: calls

void Client::EnsureOpen(Napi::Env env) {
    if (!client_) ThrowRealm(env, REALM_ERR_INVALID_STATE, "the client was closed");
}

realm_call_options_t Client::CallOpts(Napi::Env env, const Napi::Value &timeout, const Napi::Value &idle) const {
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    co.timeout_ms = CallTimeout(env, timeout, "timeout");
    co.idle_timeout_ms = CallTimeout(env, idle, "idleTimeout");
    co.batch = batch_;
    return co;
}

// An optional delivery mode argument from node/ws_client.js.
int32_t Client::ModeArg(const Napi::Value &v, int32_t dflt) const {
    if (!v.IsNumber()) return dflt;
    int32_t m = v.As<Napi::Number>().Int32Value();
    return (m >= MODE_TEXT && m <= MODE_WS_TEXT) ? m : dflt;
}

Napi::Value Client::StartOp(const Napi::CallbackInfo &info, bool connect) {
    Napi::Env env = info.Env();
    EnsureOpen(env);
    int32_t token = info[0].As<Napi::Number>().Int32Value();
    auto *op = new Op{this, token};
    realm_status_t st = connect ? realm_client_connect(client_, &Client::OnOpDone, op)
                                : realm_client_disconnect(client_, &Client::OnOpDone, op);
    if (st != REALM_OK) {
        delete op;
        return StatusObject(env, st, "");
    }
    return env.Undefined();
}
Napi::Value Client::Connect(const Napi::CallbackInfo &info) { return StartOp(info, true); }
Napi::Value Client::Disconnect(const Napi::CallbackInfo &info) { return StartOp(info, false); }

// Registers the request's context before calling `start(handler, &req, &err)`
// (the core may call back on the event thread before the start function
// returns) and drops it again if the core refused the request.
template <class StartFn>
Napi::Value Client::StartRequest(Napi::Env env, int32_t mode, StartFn &&start) {
    if (++next_id_ <= 0) next_id_ = 1;
    while (reqs_.count(next_id_)) ++next_id_;
    auto owned = std::make_unique<ReqCtx>();
    ReqCtx *ctx = owned.get();
    ctx->client = this;
    ctx->id = next_id_;
    ctx->mode = mode;
    reqs_.emplace(ctx->id, std::move(owned));

    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = ctx;
    h.on_tokens = &Client::OnTokens;
    h.on_done = &Client::OnDone;
    if (IsWsMode(mode)) {
        h.events = REALM_HANDLER_EV_STARTED;
        h.on_started = &Client::OnStarted;
    }
    realm_request_t *req = nullptr;
    realm_error_t *err = nullptr;
    realm_status_t st = start(&h, &req, &err);
    if (st != REALM_OK) {
        reqs_.erase(ctx->id);  // nothing will call back
        return TakeError(env, st, err);
    }
    ctx->req = req;
    StartPolling();
    return Napi::Number::New(env, ctx->id);
}

// generate(mode, prompt, model, max_tokens, temperature, top_p, top_k,
//          repetition_penalty, stream, extraJson, timeout, idleTimeout,
//          messages, stop, presencePenalty, frequencyPenalty, seed,
//          systemPrompt) -> id | error object
// (positional: cheaper than reading named properties from C++). With
// `messages` (an array of { role, content }) it is a chat and `prompt` is
// not read; `systemPrompt` then comes first as a "system" message.
Napi::Value Client::Generate(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    EnsureOpen(env);
    int32_t mode = info[0].As<Napi::Number>().Int32Value();
    GenerateArgs a;
    ReadGenerateArgs(info, 1, mode == MODE_STREAM, &a);
    realm_call_options_t co = CallOpts(env, info[10], info[11]);
    return StartRequest(env, mode, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_generate(client_, &a.params, &co, h, req, err);
    });
}

// pipeline(name, inputJson | undefined, timeout, idleTimeout) and
// call(function, paramsJson | undefined, timeout, idleTimeout): a name and
// optional JSON text (the core checks it), answered with one JSON result.
Napi::Value Client::NamedJsonRequest(const Napi::CallbackInfo &info, const char *what, const char *name_what,
                                     NamedStart start) {
    Napi::Env env = info.Env();
    EnsureOpen(env);
    std::string name = StringArg(env, info[0], std::string(what) + ": " + name_what);
    bool has_json = info[1].IsString();
    std::string json = has_json ? StringArg(env, info[1], std::string(what) + ": JSON argument") : std::string();
    realm_call_options_t co = CallOpts(env, info[2], info[3]);
    return StartRequest(env, ModeArg(info[4], MODE_JSON), [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return start(client_, name.c_str(), has_json ? json.c_str() : nullptr, &co, h, req, err);
    });
}
Napi::Value Client::Pipeline(const Napi::CallbackInfo &info) {
    return NamedJsonRequest(info, "executePipeline", "name", &realm_pipeline);
}
Napi::Value Client::Call(const Napi::CallbackInfo &info) {
    return NamedJsonRequest(info, "call", "function name", &realm_call);
}

// health(timeout, idleTimeout), metadata(timeout, idleTimeout) and
// models(timeout, idleTimeout, mode?)
Napi::Value Client::BareJsonRequest(const Napi::CallbackInfo &info, BareStart start, int32_t mode) {
    Napi::Env env = info.Env();
    EnsureOpen(env);
    realm_call_options_t co = CallOpts(env, info[0], info[1]);
    return StartRequest(env, mode, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return start(client_, &co, h, req, err);
    });
}
Napi::Value Client::Health(const Napi::CallbackInfo &info) { return BareJsonRequest(info, &realm_health); }
Napi::Value Client::Metadata(const Napi::CallbackInfo &info) { return BareJsonRequest(info, &realm_metadata); }
Napi::Value Client::Models(const Napi::CallbackInfo &info) {
    return BareJsonRequest(info, &realm_models, ModeArg(info[2], MODE_JSON));
}

// wireId(id): the request's id on the wire (ws-system: the generation id), or undefined.
Napi::Value Client::WireId(const Napi::CallbackInfo &info) {
    int32_t id = info[0].As<Napi::Number>().Int32Value();
    auto it = reqs_.find(id);
    if (it == reqs_.end() || !it->second->req) return info.Env().Undefined();
    return Napi::String::New(info.Env(), realm_request_id(it->second->req));
}

// batchBegin(): requests started until batchSend/batchDiscard are held in
// one core batch (realm_batch_new). Returns undefined or an error object.
Napi::Value Client::BatchBegin(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    EnsureOpen(env);
    if (batch_) return StatusObject(env, REALM_ERR_INVALID_STATE, "a batch is already being filled");
    realm_error_t *err = nullptr;
    realm_status_t st = realm_batch_new(client_, &batch_, &err);
    if (st != REALM_OK) {
        batch_ = nullptr;
        return TakeError(env, st, err);
    }
    return env.Undefined();
}

// batchSend(): sends the held requests as one frame (realm_batch_send).
Napi::Value Client::BatchSend(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    realm_batch_t *b = batch_;
    batch_ = nullptr;
    if (!b) return StatusObject(env, REALM_ERR_INVALID_STATE, "no batch is being filled");
    realm_error_t *err = nullptr;
    realm_status_t st = realm_batch_send(b, &err);
    if (st != REALM_OK) return TakeError(env, st, err);
    return env.Undefined();
}

// batchDiscard(): drops the held requests (they end as cancelled).
Napi::Value Client::BatchDiscard(const Napi::CallbackInfo &info) {
    realm_batch_discard(batch_);
    batch_ = nullptr;
    return info.Env().Undefined();
}

Napi::Value Client::Cancel(const Napi::CallbackInfo &info) {
    int32_t id = info[0].As<Napi::Number>().Int32Value();
    auto it = reqs_.find(id);
    if (it != reqs_.end() && it->second->req) realm_request_cancel(it->second->req);
    return info.Env().Undefined();
}

Napi::Value Client::State(const Napi::CallbackInfo &info) {
    return Napi::Number::New(info.Env(), client_ ? realm_client_state(client_) : REALM_STATE_CLOSED);
}

Napi::Value Client::InfoString(Napi::Env env, int (*get)(const realm_client_t *, char *, size_t)) {
    if (!client_) return env.Undefined();
    char buf[128];
    int n = get(client_, buf, sizeof buf);
    if (n <= 0) return env.Undefined();
    if (size_t(n) < sizeof buf) return Napi::String::New(env, buf, size_t(n));
    std::string big(size_t(n) + 1, '\0');
    n = get(client_, &big[0], big.size());
    return Napi::String::New(env, big.data(), size_t(n));
}
Napi::Value Client::TenantId(const Napi::CallbackInfo &info) { return InfoString(info.Env(), &realm_client_tenant_id); }
Napi::Value Client::ServerVersion(const Napi::CallbackInfo &info) {
    return InfoString(info.Env(), &realm_client_server_version);
}
Napi::Value Client::HasExtension(const Napi::CallbackInfo &info) {
    std::string name = StringArg(info.Env(), info[0], "hasExtension: name");
    return Napi::Boolean::New(info.Env(), client_ && realm_client_has_extension(client_, name.c_str()));
}

// setRef(bool): keep the event loop alive while JS waits for something.
Napi::Value Client::SetRef(const Napi::CallbackInfo &info) {
    bool want = info[0].ToBoolean();
    if (tsfn_ && want != refed_) {
        if (want) napi_ref_threadsafe_function(info.Env(), tsfn_);
        else napi_unref_threadsafe_function(info.Env(), tsfn_);
        refed_ = want;
    }
    return info.Env().Undefined();
}

Napi::Value Client::SetTokenEvents(const Napi::CallbackInfo &info) {
    token_events_.store(info[0].ToBoolean(), std::memory_order_relaxed);
    return info.Env().Undefined();
}

// close(): destroys the native client now (every request ends as cancelled,
// without calling back into JS).
Napi::Value Client::Close(const Napi::CallbackInfo &info) {
    Destroy();
    return info.Env().Undefined();
}

// ---------------------------------------------------------------- teardown

void Client::CleanupHook(void *arg) {
    auto *self = static_cast<Client *>(arg);
    self->env_ = nullptr;  // hook is consumed
    self->Destroy();
}

void Client::Destroy() {
    if (!client_) return;
    closing_.store(true, std::memory_order_release);
    realm_batch_discard(batch_);  // held requests are not the client's yet: end them first
    batch_ = nullptr;
    realm_client_destroy(client_);  // blocks until every request ended; no callback after
    client_ = nullptr;
    {
        std::lock_guard<std::mutex> lock(mu_);
        in_.clear();
        out_.clear();
    }
    for (auto &kv : reqs_) realm_request_release(kv.second->req);
    reqs_.clear();
    if (poller_) poller_->Close();
    async_ctx_.reset();
    if (tsfn_) {
        napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
        tsfn_ = nullptr;
    }
}

}  // namespace realm_node
