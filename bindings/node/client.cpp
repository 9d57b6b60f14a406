// NativeClient's lifecycle: the class registration, construction (options,
// thread-safe function, poller), connect/disconnect, the connection's state
// and info, and teardown. Requests: client_requests.cpp; the event path from
// the core's callbacks to JS: client_delivery.cpp.
#include "client.h"

#include <string>

#include "arguments.h"
#include "client_options.h"
#include "errors.h"

namespace realm_node {

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

// ---------------------------------------------------------------- JS thread: connection and state

void Client::EnsureOpen(Napi::Env env) {
    if (!client_) ThrowRealm(env, REALM_ERR_INVALID_STATE, "the client was closed");
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
