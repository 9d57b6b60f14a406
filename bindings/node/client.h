// NativeClient: the JS-facing wrapper of one realm_client_t. node/client.js
// builds RealmWebSocketClient on it; see addon.cpp for the event path.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "burst.h"
#include "js_poller.h"
#include "realm/realm.h"

namespace realm_node {

class Client : public Napi::ObjectWrap<Client> {
public:
    static Napi::Function Init(Napi::Env env);

    // new NativeClient(options, dispatch, meta: Int32Array). `dispatch` is
    // called on the JS thread once per burst as dispatch(wordCount, values,
    // newMeta | undefined, text); it is held weakly (the JS client owns it).
    explicit Client(const Napi::CallbackInfo &info);
    ~Client() override;

private:
    // One accepted request; handler.user points here. Owned by reqs_ on the
    // JS thread; the event thread only reads client/id/mode, and the entry is
    // erased on the JS thread once the terminal record was delivered.
    struct ReqCtx {
        Client *client = nullptr;
        realm_request_t *req = nullptr;
        int32_t id = 0;
        int32_t mode = MODE_TEXT;
    };
    // A connect/disconnect in flight: what the core's completion callback needs.
    struct Op {
        Client *client;
        int32_t token;
    };

    // Event thread: the core's callbacks. Each appends one record and never calls JS.
    template <class Fill>
    void Push(Fill &&fill);
    static void OnTokens(void *user, realm_request_t *, const realm_token_t *t, size_t count);
    static void OnDone(void *user, realm_request_t *, realm_outcome_t outcome, const realm_result_t *result,
                       const realm_error_t *error);
    static void OnStarted(void *user, realm_request_t *, const char *model);
    static void OnClientEvent(void *user, realm_client_t *, const realm_client_event_t *ev);
    static void OnOpDone(void *user, realm_client_t *, realm_status_t status, const realm_error_t *error);

    // JS thread: delivery.
    static void CallJs(napi_env env, napi_value, void *context, void *);
    void Drain(Napi::Env env);
    // JS thread: busy polling (see js_poller.h). While polling, the event
    // thread does not wake the JS thread; PollTurn drains instead.
    static void PollTurn(void *self);
    void StartPolling();
    void StopPolling();
    void SetMeta(Napi::Int32Array arr);
    void Finished(int32_t id);

    // JS thread: the methods of NativeClient. Request starters return the
    // request id, or an error object when the core refused the request.
    Napi::Value Connect(const Napi::CallbackInfo &info);
    Napi::Value Disconnect(const Napi::CallbackInfo &info);
    Napi::Value Generate(const Napi::CallbackInfo &info);
    Napi::Value Pipeline(const Napi::CallbackInfo &info);
    Napi::Value Health(const Napi::CallbackInfo &info);
    Napi::Value Metadata(const Napi::CallbackInfo &info);
    Napi::Value Call(const Napi::CallbackInfo &info);
    Napi::Value Models(const Napi::CallbackInfo &info);
    Napi::Value WireId(const Napi::CallbackInfo &info);
    Napi::Value BatchBegin(const Napi::CallbackInfo &info);
    Napi::Value BatchSend(const Napi::CallbackInfo &info);
    Napi::Value BatchDiscard(const Napi::CallbackInfo &info);
    Napi::Value Cancel(const Napi::CallbackInfo &info);
    Napi::Value State(const Napi::CallbackInfo &info);
    Napi::Value TenantId(const Napi::CallbackInfo &info);
    Napi::Value ServerVersion(const Napi::CallbackInfo &info);
    Napi::Value HasExtension(const Napi::CallbackInfo &info);
    Napi::Value SetRef(const Napi::CallbackInfo &info);
    Napi::Value SetTokenEvents(const Napi::CallbackInfo &info);
    Napi::Value Close(const Napi::CallbackInfo &info);

    void EnsureOpen(Napi::Env env);
    // Per-call options; requests started while a batch is open join it.
    realm_call_options_t CallOpts(Napi::Env env, const Napi::Value &timeout, const Napi::Value &idle) const;
    int32_t ModeArg(const Napi::Value &v, int32_t dflt) const;
    Napi::Value StartOp(const Napi::CallbackInfo &info, bool connect);
    template <class StartFn>
    Napi::Value StartRequest(Napi::Env env, int32_t mode, StartFn &&start);
    // The C API's starters of JSON-answered requests, by parameter shape.
    using NamedStart = realm_status_t (*)(realm_client_t *, const char *, const char *, const realm_call_options_t *,
                                          const realm_handler_t *, realm_request_t **, realm_error_t **);
    using BareStart = realm_status_t (*)(realm_client_t *, const realm_call_options_t *, const realm_handler_t *,
                                         realm_request_t **, realm_error_t **);
    Napi::Value NamedJsonRequest(const Napi::CallbackInfo &info, const char *what, const char *name_what,
                                 NamedStart start);
    Napi::Value BareJsonRequest(const Napi::CallbackInfo &info, BareStart start, int32_t mode = MODE_JSON);
    Napi::Value InfoString(Napi::Env env, int (*get)(const realm_client_t *, char *, size_t));

    static void CleanupHook(void *arg);
    void Destroy();

    napi_env env_ = nullptr;
    realm_client_t *client_ = nullptr;
    napi_threadsafe_function tsfn_ = nullptr;
    std::atomic<bool> closing_{false};
    std::atomic<bool> token_events_{false};
    bool refed_ = false;
    std::unique_ptr<JsPoller> poller_;  // JS-thread busy polling while requests are in flight
    std::unique_ptr<Napi::AsyncContext> async_ctx_;  // for calls into JS from PollTurn

    // Burst buffers: in_ is filled on the event thread, out_ drained on the JS thread.
    std::mutex mu_;
    Burst in_, out_;
    // Written under mu_: the JS thread has everything; the next record wakes
    // it. Atomic so that PollTurn can look without taking the lock.
    std::atomic<bool> armed_{true};
    bool js_polling_ = false;  // guarded by mu_ (set on the JS thread): no wake-up needed, PollTurn looks
    static constexpr int kPollSpinsPerTurn = 8;

    std::unordered_map<int32_t, std::unique_ptr<ReqCtx>> reqs_;  // JS thread
    realm_batch_t *batch_ = nullptr;  // JS thread: the batch being filled (batchBegin .. batchSend/Discard)
    int32_t next_id_ = 0;

    Napi::FunctionReference dispatch_;
    Napi::Reference<Napi::Int32Array> meta_ref_;
    int32_t *meta_ = nullptr;
    size_t meta_cap_ = 0;
    std::vector<int32_t> words_;
};

}  // namespace realm_node
