// NativeClient's request methods: generate, pipeline, call, health, metadata,
// models, batches, wireId and cancel. Each registers a request context and
// starts the request through the C API; answers arrive via client_delivery.cpp.
#include "client.h"

#include <memory>
#include <string>
#include <utility>

#include "arguments.h"
#include "errors.h"
#include "generate_args.h"

namespace realm_node {

// ---------------------------------------------------------------- JS thread: requests

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

}  // namespace realm_node
