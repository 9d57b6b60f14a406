// realm.node: the Node addon behind @realm-ai/ws-client.
//
// A thin node-addon-api wrapper of include/realm/realm.h. It converts types
// and moves events from the librealm event thread to the JavaScript thread;
// protocol, timers, retries and reconnection all stay in the core.
//
// Event path (see /work/shared/notes/token-delivery.md and docs/benchmarks-node.md):
//   * the core's callbacks (token batches, request completion, connection
//     events, connect/disconnect completion) run on the event thread; each
//     appends one record to the client's burst buffer under a mutex (token
//     text is appended to one shared byte buffer, consecutive batches of one
//     request are merged) and never calls JavaScript;
//   * the first record after the JS thread drained the buffer ("armed")
//     makes ONE non-blocking thread-safe-function call; later records of the
//     same burst only append, so there is at most one call per burst;
//   * on the JS thread, Drain() swaps the buffer (double buffering, no
//     allocation in steady state) and hands everything to JS in ONE call: a
//     flat Int32Array of event words (shared, reused), ONE string holding the
//     text of every token of the burst, and an array of the other values
//     (results, errors). JS slices tokens out of the string.
// This replaced a first version on the core's pull-mode realm_queue_t: same
// wake-up rule, but the queue also writes and reads its own eventfd and
// allocates per event; the buffer here costs less per burst and per event
// (measurements in docs/benchmarks-node.md).
//
// The thread-safe function is unreferenced unless JS asks (it references it
// while a connect, disconnect or request is pending), so an idle client never
// keeps the process alive. Native clients are destroyed by the GC finalizer or
// the environment cleanup hook at exit, whichever comes first.
#include <napi.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "realm/realm.h"

namespace {

// Event words written to the shared Int32Array; keep in step with node/index.js.
enum : int32_t {
    W_TOKENS = 1,    // [1, id, count, utf16len x count]          text: the burst's joined token text
    W_COMPLETE = 2,  // [2, id]                                    vals: result (array, JSON text or token count)
    W_FAILED = 3,    // [3, id, outcome]                           vals: error object
    W_CLIENT = 4,    // [4, type, closeCode, attempt, delayMs]     vals: info object
    W_OP_DONE = 5,   // [5, token, status]                         vals: error object or null
};

// How a request's completion is handed to JS.
enum Mode : int32_t {
    MODE_TEXT = 0,    // generate: [text, tokens_generated, prompt_tokens, cost_usd, time_ms]
    MODE_STREAM = 1,  // generateStream: tokens only; the completion carries tokens_generated
    MODE_JSON = 2,    // health, metadata, pipeline: the raw JSON of `data`
};

constexpr size_t kInitialWords = 16384;

class Client;

// One accepted request; handler.user points here. Owned by the JS thread's
// map; the event thread only reads client/id/mode, and the entry is erased on
// the JS thread after the terminal record was delivered.
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

// One event produced on the event thread.
struct Rec {
    int32_t kind = 0;  // W_*
    int32_t id = 0;    // request id, op token, or client event type
    int32_t a = 0, b = 0, c = 0;
    // TOKENS: a = index of the first length in Burst::lens, b = count
    // COMPLETE: a = mode; FAILED: a = outcome; OP_DONE: a = status
    // CLIENT: a = close code, b = attempt, c = delay
    int64_t tokens_generated = -1, prompt_tokens = -1;
    bool has_cost = false, has_time = false;
    double cost = 0, time = 0;
    std::string s1, s2, s3;        // COMPLETE: text or JSON; CLIENT: reason, tenant, version
    bool has_s1 = false, has_s2 = false, has_s3 = false;
    realm_error_t *err = nullptr;  // owned copy
};

// Everything produced since the last drain.
struct Burst {
    std::vector<Rec> recs;
    std::vector<int32_t> lens;  // UTF-16 length of every token, in order
    std::string text;           // UTF-8 text of every token, in order
    bool ascii = true;

    void clear() {
        for (auto &r : recs) realm_error_destroy(r.err);
        recs.clear();
        lens.clear();
        text.clear();
        ascii = true;
    }
};

Napi::Value ErrorObject(Napi::Env env, const realm_error_t *err) {
    Napi::Object o = Napi::Object::New(env);
    realm_status_t st = realm_error_status(err);
    o.Set("status", Napi::Number::New(env, st));
    o.Set("code", Napi::String::New(env, realm_error_code(err)));
    o.Set("name", Napi::String::New(env, realm_status_name(st)));
    o.Set("message", Napi::String::New(env, realm_error_message(err)));
    o.Set("retryable", Napi::Boolean::New(env, realm_error_retryable(err) != 0));
    int64_t ra = realm_error_retry_after_ms(err);
    if (ra >= 0) o.Set("retryAfter", Napi::Number::New(env, double(ra)));
    int http = realm_error_http_status(err);
    if (http) o.Set("httpStatus", Napi::Number::New(env, http));
    int close = realm_error_close_code(err);
    if (close) o.Set("closeCode", Napi::Number::New(env, close));
    return o;
}

Napi::Value StatusObject(Napi::Env env, realm_status_t st, const std::string &message) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("status", Napi::Number::New(env, st));
    o.Set("code", Napi::String::New(env, realm_status_name(st)));
    o.Set("name", Napi::String::New(env, realm_status_name(st)));
    o.Set("message", Napi::String::New(env, message.empty() ? realm_strerror(st) : message));
    const realm_error_info_t *table;
    size_t n = 0;
    table = realm_get_error_table(&n);
    for (size_t i = 0; i < n; ++i)
        if (table[i].status == st) o.Set("retryable", Napi::Boolean::New(env, table[i].retryable != 0));
    return o;
}

// Returns the error of a failed start call as an object (JS turns it into a RealmError).
Napi::Value TakeError(Napi::Env env, realm_status_t st, realm_error_t *err, const char *fallback = "") {
    Napi::Value v = err ? ErrorObject(env, err) : StatusObject(env, st, fallback);
    realm_error_destroy(err);
    return v;
}

[[noreturn]] void ThrowRealm(Napi::Env env, realm_status_t st, const std::string &message) {
    Napi::Error e = Napi::Error::New(env, message);
    e.Set("code", Napi::String::New(env, realm_status_name(st)));
    e.Set("status", Napi::Number::New(env, st));
    throw e;
}

// ---------------------------------------------------------------- argument helpers

bool IsSet(const Napi::Value &v) { return !v.IsUndefined() && !v.IsNull(); }

std::string OptString(Napi::Env env, const Napi::Value &v, const char *key, bool *present) {
    *present = IsSet(v);
    if (!*present) return {};
    if (!v.IsString()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("option '") + key + "' must be a string");
    return v.As<Napi::String>().Utf8Value();
}
std::string OptString(Napi::Env env, const Napi::Object &o, const char *key, bool *present) {
    return OptString(env, o.Get(key), key, present);
}

// A millisecond/count option: a finite integer in [lo, hi].
bool OptUint(Napi::Env env, const Napi::Value &v, const char *key, double lo, double hi, double *out) {
    if (!IsSet(v)) return false;
    if (!v.IsNumber()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("option '") + key + "' must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d != std::floor(d) || d < lo || d > hi)
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT,
                   std::string("option '") + key + "' must be an integer between " + std::to_string(int64_t(lo)) +
                       " and " + std::to_string(int64_t(hi)) + ", got " + v.ToString().Utf8Value());
    *out = d;
    return true;
}
bool OptUint(Napi::Env env, const Napi::Object &o, const char *key, double lo, double hi, double *out) {
    return OptUint(env, o.Get(key), key, lo, hi, out);
}

bool OptBool(Napi::Env env, const Napi::Value &v, const char *key, bool *out) {
    if (!IsSet(v)) return false;
    if (!v.IsBoolean()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("option '") + key + "' must be a boolean");
    *out = v.As<Napi::Boolean>().Value();
    return true;
}
bool OptBool(Napi::Env env, const Napi::Object &o, const char *key, bool *out) {
    return OptBool(env, o.Get(key), key, out);
}

// An optional generate parameter that must be a finite number >= 0; -1 = unset.
double NonNegative(Napi::Env env, const Napi::Value &v, const char *key) {
    if (!IsSet(v)) return -1.0;
    if (!v.IsNumber()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("generate: '") + key + "' must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d < 0)
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("generate: '") + key + "' must be a finite number >= 0");
    return d;
}

void CheckSet(Napi::Env env, realm_status_t st, const char *key) {
    if (st != REALM_OK)
        ThrowRealm(env, st, std::string("invalid value for option '") + key + "' (" + realm_strerror(st) + ")");
}

// Per-call timeout: undefined = client default (0); 0 or Infinity = none.
uint32_t CallTimeout(Napi::Env env, const Napi::Value &v, const char *key) {
    if (!IsSet(v)) return 0;
    if (!v.IsNumber()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("option '") + key + "' must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (d == 0 || d == std::numeric_limits<double>::infinity()) return UINT32_MAX;
    if (!std::isfinite(d) || d < 1 || d != std::floor(d) || d >= double(UINT32_MAX))
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT,
                   std::string("option '") + key + "' must be a positive integer (milliseconds), 0 or Infinity");
    return uint32_t(d);
}

// Length in UTF-16 code units of valid UTF-8; sets *ascii.
size_t Utf16Length(const char *s, size_t n, bool *ascii) {
    size_t units = 0;
    bool only_ascii = true;
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++units;
        } else {
            only_ascii = false;
            if ((c & 0xC0) != 0x80) units += (c >= 0xF0) ? 2 : 1;  // lead byte; 4-byte = surrogate pair
        }
    }
    *ascii = only_ascii;
    return units;
}

// ---------------------------------------------------------------- the client

class Client : public Napi::ObjectWrap<Client> {
public:
    static Napi::Function Init(Napi::Env env) {
        return DefineClass(env, "NativeClient",
                           {
                               InstanceMethod<&Client::Connect>("connect"),
                               InstanceMethod<&Client::Disconnect>("disconnect"),
                               InstanceMethod<&Client::Generate>("generate"),
                               InstanceMethod<&Client::Pipeline>("pipeline"),
                               InstanceMethod<&Client::Health>("health"),
                               InstanceMethod<&Client::Metadata>("metadata"),
                               InstanceMethod<&Client::Call>("call"),
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

    // new NativeClient(options, dispatch, meta: Int32Array)
    explicit Client(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Client>(info) {
        Napi::Env env = info.Env();
        if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsTypedArray())
            ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "NativeClient(options, dispatch, meta)");
        Napi::Object o = info[0].As<Napi::Object>();

        realm_options_t *opts = realm_options_new();
        if (!opts) ThrowRealm(env, REALM_ERR_NO_MEMORY, "out of memory");
        struct OptsGuard {
            realm_options_t *p;
            ~OptsGuard() { realm_options_destroy(p); }
        } guard{opts};
        ApplyOptions(env, o, opts);

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
        napi_unref_threadsafe_function(env, tsfn_);

        // Weak reference: the JS client owns the function; nothing native keeps it alive.
        dispatch_ = Napi::Weak(info[1].As<Napi::Function>());
        SetMeta(info[2].As<Napi::Int32Array>());
        in_.recs.reserve(64);
        out_.recs.reserve(64);

        realm_client_set_event_callback(client_, &Client::OnClientEvent, this);
        napi_add_env_cleanup_hook(env, &Client::CleanupHook, this);
        env_ = env;
    }

    ~Client() override {
        if (env_) napi_remove_env_cleanup_hook(env_, &Client::CleanupHook, this);
        Destroy();
    }

private:
    // ------------------------------------------------------------ options

    void ApplyOptions(Napi::Env env, const Napi::Object &o, realm_options_t *opts) {
        bool present;
        std::string s = OptString(env, o, "url", &present);
        if (present) {
            realm_status_t st = realm_options_set_url(opts, s.c_str());
            if (st != REALM_OK)
                ThrowRealm(env, st, "invalid url '" + s + "': expected ws://host[:port][/path] or wss://...");
        }
        s = OptString(env, o, "apiKey", &present);
        if (present) CheckSet(env, realm_options_set_api_key(opts, s.c_str()), "apiKey");
        s = OptString(env, o, "tenantId", &present);
        if (present && realm_options_set_tenant_id(opts, s.c_str()) != REALM_OK)
            ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT,
                       "invalid tenantId '" + s + "': 3-64 letters, digits, '-' or '_'");
        s = OptString(env, o, "model", &present);
        if (present) CheckSet(env, realm_options_set_model(opts, s.c_str()), "model");
        s = OptString(env, o, "tlsCaFile", &present);
        if (present) CheckSet(env, realm_options_set_tls_ca_file(opts, s.c_str()), "tlsCaFile");

        double d;
        bool b;
        const double u32 = double(UINT32_MAX);
        if (OptUint(env, o, "timeout", 0, u32, &d))
            CheckSet(env, realm_options_set_request_timeout_ms(opts, uint32_t(d)), "timeout");
        if (OptUint(env, o, "connectTimeout", 0, u32, &d))
            CheckSet(env, realm_options_set_connect_timeout_ms(opts, uint32_t(d)), "connectTimeout");
        if (OptUint(env, o, "idleTimeout", 0, u32, &d))
            CheckSet(env, realm_options_set_idle_timeout_ms(opts, uint32_t(d)), "idleTimeout");
        if (OptBool(env, o, "reconnect", &b)) CheckSet(env, realm_options_set_reconnect(opts, b ? 1 : 0), "reconnect");
        // The documented SDK default for reconnectInterval is 5000 ms (the
        // core's own backoff base is 1000 ms); the core does the rest.
        if (!OptUint(env, o, "reconnectInterval", 0, u32, &d)) d = 5000;
        CheckSet(env, realm_options_set_backoff_base_ms(opts, uint32_t(d)), "reconnectInterval");
        if (OptUint(env, o, "backoffCap", 0, u32, &d))
            CheckSet(env, realm_options_set_backoff_cap_ms(opts, uint32_t(d)), "backoffCap");
        if (OptUint(env, o, "backoffMaxAttempts", 0, u32, &d))
            CheckSet(env, realm_options_set_backoff_max_attempts(opts, uint32_t(d)), "backoffMaxAttempts");
        if (OptUint(env, o, "backoffJitterPercent", 0, u32, &d))
            CheckSet(env, realm_options_set_backoff_jitter_percent(opts, uint32_t(d)), "backoffJitterPercent");
        if (OptUint(env, o, "pingInterval", 0, u32, &d))
            CheckSet(env, realm_options_set_ping_interval_ms(opts, uint32_t(d)), "pingInterval");
        if (OptBool(env, o, "tlsInsecure", &b))
            CheckSet(env, realm_options_set_tls_insecure(opts, b ? 1 : 0), "tlsInsecure");
        if (OptUint(env, o, "maxMessageSize", 0, 9007199254740991.0, &d))
            CheckSet(env, realm_options_set_max_message_size(opts, size_t(d)), "maxMessageSize");
        if (OptUint(env, o, "maxQueuedRequests", 0, u32, &d))
            CheckSet(env, realm_options_set_max_queued_requests(opts, uint32_t(d)), "maxQueuedRequests");
    }

    // ------------------------------------------------------------ event thread

    // Appends a record; wakes the JS thread if it had drained everything.
    template <class Fill>
    void Push(Fill &&fill) {
        bool wake = false;
        {
            std::lock_guard<std::mutex> lock(mu_);
            fill(in_);
            if (armed_) {
                armed_ = false;
                wake = true;
            }
        }
        if (wake && !closing_.load(std::memory_order_acquire))
            napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
    }

    static void OnTokens(void *user, realm_request_t *, const realm_token_t *t, size_t count) {
        auto *ctx = static_cast<ReqCtx *>(user);
        Client *self = ctx->client;
        // generate() only needs its tokens for 'token' events.
        if (ctx->mode == MODE_TEXT && !self->token_events_.load(std::memory_order_relaxed)) return;
        int32_t id = ctx->id;
        self->Push([&](Burst &b) {
            Rec *r = b.recs.empty() ? nullptr : &b.recs.back();
            if (!r || r->kind != W_TOKENS || r->id != id) {
                b.recs.emplace_back();
                r = &b.recs.back();
                r->kind = W_TOKENS;
                r->id = id;
                r->a = int32_t(b.lens.size());
                r->b = 0;
            }
            for (size_t k = 0; k < count; ++k) {
                bool ascii;
                b.lens.push_back(int32_t(Utf16Length(t[k].text, t[k].len, &ascii)));
                if (!ascii) b.ascii = false;
                b.text.append(t[k].text, t[k].len);
            }
            r->b += int32_t(count);
        });
    }

    static void OnDone(void *user, realm_request_t *, realm_outcome_t outcome, const realm_result_t *result,
                       const realm_error_t *error) {
        auto *ctx = static_cast<ReqCtx *>(user);
        int32_t id = ctx->id;
        int32_t mode = ctx->mode;
        ctx->client->Push([&](Burst &b) {
            b.recs.emplace_back();
            Rec &r = b.recs.back();
            r.id = id;
            if (outcome == REALM_OUTCOME_COMPLETE && result) {
                r.kind = W_COMPLETE;
                r.a = mode;
                r.tokens_generated = realm_result_tokens_generated(result);
                if (r.tokens_generated < 0) r.tokens_generated = realm_result_streamed_tokens(result);
                if (mode == MODE_TEXT) {
                    size_t len = 0;
                    const char *text = realm_result_text(result, &len);
                    r.s1.assign(text, len);
                    r.has_s1 = true;
                    r.prompt_tokens = realm_result_prompt_tokens(result);
                    r.has_cost = realm_result_cost_usd(result, &r.cost) != 0;
                    r.has_time = realm_result_time_ms(result, &r.time) != 0;
                } else if (mode == MODE_JSON) {
                    size_t len = 0;
                    const char *json = realm_result_json(result, &len);
                    r.s1.assign(json, len);
                    r.has_s1 = true;
                }
            } else {
                r.kind = W_FAILED;
                r.a = outcome == REALM_OUTCOME_COMPLETE ? int32_t(REALM_OUTCOME_ERROR) : int32_t(outcome);
                r.err = error ? realm_error_copy(error) : nullptr;
            }
        });
    }

    static void OnClientEvent(void *user, realm_client_t *, const realm_client_event_t *ev) {
        static_cast<Client *>(user)->Push([&](Burst &b) {
            b.recs.emplace_back();
            Rec &r = b.recs.back();
            r.kind = W_CLIENT;
            r.id = int32_t(ev->type);
            r.a = ev->close_code;
            r.b = int32_t(ev->attempt);
            r.c = int32_t(ev->delay_ms);
            if (ev->reason) r.s1 = ev->reason, r.has_s1 = true;
            if (ev->tenant_id) r.s2 = ev->tenant_id, r.has_s2 = true;
            if (ev->server_version) r.s3 = ev->server_version, r.has_s3 = true;
            r.err = ev->error ? realm_error_copy(ev->error) : nullptr;
        });
    }

    static void OnOpDone(void *user, realm_client_t *, realm_status_t status, const realm_error_t *error) {
        auto *op = static_cast<Op *>(user);
        Client *self = op->client;
        int32_t token = op->token;
        delete op;
        self->Push([&](Burst &b) {
            b.recs.emplace_back();
            Rec &r = b.recs.back();
            r.kind = W_OP_DONE;
            r.id = token;
            r.a = int32_t(status);
            r.err = error ? realm_error_copy(error) : nullptr;
        });
    }

    // ------------------------------------------------------------ JS thread: delivery

    static void CallJs(napi_env env, napi_value, void *context, void *) {
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

    void SetMeta(Napi::Int32Array arr) {
        meta_ref_ = Napi::Persistent(arr);
        meta_ = arr.Data();
        meta_cap_ = arr.ElementLength();
    }

    void Drain(Napi::Env env) {
        Napi::HandleScope scope(env);
        {
            std::lock_guard<std::mutex> lock(mu_);
            std::swap(in_, out_);
            armed_ = true;
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
                case W_CLIENT: {
                    words_.insert(words_.end(), {W_CLIENT, r.id, r.a, r.b, r.c});
                    Napi::Object o = Napi::Object::New(env);
                    if (r.has_s1) o.Set("reason", Napi::String::New(env, r.s1));
                    if (r.has_s2) o.Set("tenantId", Napi::String::New(env, r.s2));
                    if (r.has_s3) o.Set("serverVersion", Napi::String::New(env, r.s3));
                    if (r.err) o.Set("error", ErrorObject(env, r.err));
                    vals.Set(nv++, o);
                    break;
                }
                case W_OP_DONE:
                    words_.insert(words_.end(), {W_OP_DONE, r.id, r.a});
                    vals.Set(nv++, r.err ? ErrorObject(env, r.err) : env.Null());
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
        Napi::Value fn = dispatch_.Value();
        if (!fn.IsFunction()) return;
        fn.As<Napi::Function>().Call({Napi::Number::New(env, double(words_.size())), vals, fresh, Napi::Value(env, text)});
    }

    // The request's terminal record was taken: the core will not use its context again.
    void Finished(int32_t id) {
        auto it = reqs_.find(id);
        if (it == reqs_.end()) return;
        realm_request_release(it->second->req);
        reqs_.erase(it);
    }

    Napi::Value ResultValue(Napi::Env env, const Rec &r) {
        if (r.a == MODE_STREAM) return Napi::Number::New(env, double(r.tokens_generated));
        if (r.a == MODE_JSON) return Napi::String::New(env, r.s1);
        // [text, tokens_generated, prompt_tokens, cost_usd, time_ms]; JS builds
        // the object (no property-name lookups here). Absent numbers: holes.
        napi_value arr, v;
        napi_create_array_with_length(env, 5, &arr);
        napi_create_string_utf8(env, r.s1.data(), r.s1.size(), &v);
        napi_set_element(env, arr, 0, v);
        napi_create_double(env, double(r.tokens_generated), &v);
        napi_set_element(env, arr, 1, v);
        if (r.prompt_tokens >= 0) {
            napi_create_double(env, double(r.prompt_tokens), &v);
            napi_set_element(env, arr, 2, v);
        }
        if (r.has_cost) {
            napi_create_double(env, r.cost, &v);
            napi_set_element(env, arr, 3, v);
        }
        if (r.has_time) {
            napi_create_double(env, r.time, &v);
            napi_set_element(env, arr, 4, v);
        }
        return Napi::Value(env, arr);
    }

    // ------------------------------------------------------------ JS thread: calls

    void EnsureOpen(Napi::Env env) {
        if (!client_) ThrowRealm(env, REALM_ERR_INVALID_STATE, "the client was closed");
    }

    Napi::Value StartOp(const Napi::CallbackInfo &info, bool connect) {
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
    Napi::Value Connect(const Napi::CallbackInfo &info) { return StartOp(info, true); }
    Napi::Value Disconnect(const Napi::CallbackInfo &info) { return StartOp(info, false); }

    // A new request context, registered before the start call (the core may
    // call back on the event thread before the start function returns).
    ReqCtx *NewReq(int32_t mode) {
        if (++next_id_ <= 0) next_id_ = 1;
        while (reqs_.count(next_id_)) ++next_id_;
        auto ctx = std::make_unique<ReqCtx>();
        ctx->client = this;
        ctx->id = next_id_;
        ctx->mode = mode;
        ReqCtx *raw = ctx.get();
        reqs_.emplace(raw->id, std::move(ctx));
        return raw;
    }

    // The start call failed: nothing will call back.
    void DropReq(ReqCtx *ctx) { reqs_.erase(ctx->id); }

    Napi::Value Accepted(Napi::Env env, ReqCtx *ctx, realm_request_t *req) {
        ctx->req = req;
        return Napi::Number::New(env, ctx->id);
    }

    realm_call_options_t CallOptions(Napi::Env env, const Napi::Value &timeout, const Napi::Value &idle) {
        realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
        co.timeout_ms = CallTimeout(env, timeout, "timeout");
        co.idle_timeout_ms = CallTimeout(env, idle, "idleTimeout");
        return co;
    }

    realm_handler_t Handler(ReqCtx *ctx) {
        realm_handler_t h = REALM_HANDLER_INIT;
        h.user = ctx;
        h.on_tokens = &Client::OnTokens;
        h.on_done = &Client::OnDone;
        return h;
    }

    // generate(mode, prompt, model, max_tokens, temperature, top_p, top_k,
    //          repetition_penalty, stream, extraJson, timeout, idleTimeout) -> id | error object
    // (positional: cheaper than reading named properties from C++)
    Napi::Value Generate(const Napi::CallbackInfo &info) {
        Napi::Env env = info.Env();
        EnsureOpen(env);
        int32_t mode = info[0].As<Napi::Number>().Int32Value();
        realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
        if (!info[1].IsString()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "generate: 'prompt' must be a string");
        std::string prompt = info[1].As<Napi::String>().Utf8Value();
        p.prompt = prompt.c_str();
        bool present;
        std::string model = OptString(env, info[2], "model", &present);
        if (present) p.model = model.c_str();
        double d;
        const double maxint = 9007199254740991.0;
        if (OptUint(env, info[3], "max_tokens", 0, maxint, &d)) p.max_tokens = int64_t(d);
        p.temperature = NonNegative(env, info[4], "temperature");
        p.top_p = NonNegative(env, info[5], "top_p");
        if (OptUint(env, info[6], "top_k", 0, maxint, &d)) p.top_k = int64_t(d);
        p.repetition_penalty = NonNegative(env, info[7], "repetition_penalty");
        bool stream = false;
        OptBool(env, info[8], "stream", &stream);
        p.stream = (mode == MODE_STREAM || stream) ? 1 : 0;
        std::string extra;
        if (info[9].IsString()) {
            extra = info[9].As<Napi::String>().Utf8Value();
            p.extra_params_json = extra.c_str();
        }
        realm_call_options_t co = CallOptions(env, info[10], info[11]);
        ReqCtx *ctx = NewReq(mode);
        realm_handler_t h = Handler(ctx);
        realm_request_t *req = nullptr;
        realm_error_t *err = nullptr;
        realm_status_t st = realm_generate(client_, &p, &co, &h, &req, &err);
        if (st != REALM_OK) {
            DropReq(ctx);
            return TakeError(env, st, err);
        }
        return Accepted(env, ctx, req);
    }

    // pipeline(name, inputJson, timeout, idle)
    Napi::Value Pipeline(const Napi::CallbackInfo &info) {
        Napi::Env env = info.Env();
        EnsureOpen(env);
        if (!info[0].IsString()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "executePipeline: name must be a string");
        std::string name = info[0].As<Napi::String>().Utf8Value();
        std::string input;
        bool has_input = info[1].IsString();
        if (has_input) input = info[1].As<Napi::String>().Utf8Value();
        realm_call_options_t co = CallOptions(env, info[2], info[3]);
        ReqCtx *ctx = NewReq(MODE_JSON);
        realm_handler_t h = Handler(ctx);
        realm_request_t *req = nullptr;
        realm_error_t *err = nullptr;
        realm_status_t st = realm_pipeline(client_, name.c_str(), has_input ? input.c_str() : nullptr, &co, &h, &req, &err);
        if (st != REALM_OK) {
            DropReq(ctx);
            return TakeError(env, st, err);
        }
        return Accepted(env, ctx, req);
    }

    Napi::Value Simple(const Napi::CallbackInfo &info, bool health) {
        Napi::Env env = info.Env();
        EnsureOpen(env);
        realm_call_options_t co = CallOptions(env, info[0], info[1]);
        ReqCtx *ctx = NewReq(MODE_JSON);
        realm_handler_t h = Handler(ctx);
        realm_request_t *req = nullptr;
        realm_error_t *err = nullptr;
        realm_status_t st = health ? realm_health(client_, &co, &h, &req, &err) : realm_metadata(client_, &co, &h, &req, &err);
        if (st != REALM_OK) {
            DropReq(ctx);
            return TakeError(env, st, err);
        }
        return Accepted(env, ctx, req);
    }
    Napi::Value Health(const Napi::CallbackInfo &info) { return Simple(info, true); }
    Napi::Value Metadata(const Napi::CallbackInfo &info) { return Simple(info, false); }

    // call(function, paramsJson, timeout, idle)
    Napi::Value Call(const Napi::CallbackInfo &info) {
        Napi::Env env = info.Env();
        EnsureOpen(env);
        if (!info[0].IsString()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "call: function name must be a string");
        std::string fn = info[0].As<Napi::String>().Utf8Value();
        std::string params;
        bool has_params = info[1].IsString();
        if (has_params) params = info[1].As<Napi::String>().Utf8Value();
        realm_call_options_t co = CallOptions(env, info[2], info[3]);
        ReqCtx *ctx = NewReq(MODE_JSON);
        realm_handler_t h = Handler(ctx);
        realm_request_t *req = nullptr;
        realm_error_t *err = nullptr;
        realm_status_t st = realm_call(client_, fn.c_str(), has_params ? params.c_str() : nullptr, &co, &h, &req, &err);
        if (st != REALM_OK) {
            DropReq(ctx);
            return TakeError(env, st, err);
        }
        return Accepted(env, ctx, req);
    }

    Napi::Value Cancel(const Napi::CallbackInfo &info) {
        int32_t id = info[0].As<Napi::Number>().Int32Value();
        auto it = reqs_.find(id);
        if (it != reqs_.end() && it->second->req) realm_request_cancel(it->second->req);
        return info.Env().Undefined();
    }

    Napi::Value State(const Napi::CallbackInfo &info) {
        return Napi::Number::New(info.Env(), client_ ? realm_client_state(client_) : REALM_STATE_CLOSED);
    }

    Napi::Value InfoString(Napi::Env env, int (*get)(const realm_client_t *, char *, size_t)) {
        if (!client_) return env.Undefined();
        char buf[128];
        int n = get(client_, buf, sizeof buf);
        if (n <= 0) return env.Undefined();
        if (size_t(n) < sizeof buf) return Napi::String::New(env, buf, size_t(n));
        std::string big(size_t(n) + 1, '\0');
        n = get(client_, &big[0], big.size());
        return Napi::String::New(env, big.data(), size_t(n));
    }
    Napi::Value TenantId(const Napi::CallbackInfo &info) { return InfoString(info.Env(), &realm_client_tenant_id); }
    Napi::Value ServerVersion(const Napi::CallbackInfo &info) {
        return InfoString(info.Env(), &realm_client_server_version);
    }
    Napi::Value HasExtension(const Napi::CallbackInfo &info) {
        std::string name = info[0].As<Napi::String>().Utf8Value();
        return Napi::Boolean::New(info.Env(), client_ && realm_client_has_extension(client_, name.c_str()));
    }

    // setRef(bool): keep the event loop alive while JS waits for something.
    Napi::Value SetRef(const Napi::CallbackInfo &info) {
        bool want = info[0].ToBoolean();
        if (tsfn_ && want != refed_) {
            if (want) napi_ref_threadsafe_function(info.Env(), tsfn_);
            else napi_unref_threadsafe_function(info.Env(), tsfn_);
            refed_ = want;
        }
        return info.Env().Undefined();
    }

    Napi::Value SetTokenEvents(const Napi::CallbackInfo &info) {
        token_events_.store(info[0].ToBoolean(), std::memory_order_relaxed);
        return info.Env().Undefined();
    }

    // close(): destroys the native client now (every request ends as cancelled,
    // without calling back into JS).
    Napi::Value Close(const Napi::CallbackInfo &info) {
        Destroy();
        return info.Env().Undefined();
    }

    // ------------------------------------------------------------ teardown

    static void CleanupHook(void *arg) {
        auto *self = static_cast<Client *>(arg);
        self->env_ = nullptr;  // hook is consumed
        self->Destroy();
    }

    void Destroy() {
        if (!client_) return;
        closing_.store(true, std::memory_order_release);
        realm_client_destroy(client_);  // blocks until every request ended; no callback after
        client_ = nullptr;
        {
            std::lock_guard<std::mutex> lock(mu_);
            in_.clear();
            out_.clear();
        }
        for (auto &kv : reqs_) realm_request_release(kv.second->req);
        reqs_.clear();
        if (tsfn_) {
            napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
            tsfn_ = nullptr;
        }
    }

    napi_env env_ = nullptr;
    realm_client_t *client_ = nullptr;
    napi_threadsafe_function tsfn_ = nullptr;
    std::atomic<bool> closing_{false};
    std::atomic<bool> token_events_{false};
    bool refed_ = false;

    // Burst buffers: in_ is filled on the event thread, out_ drained on the JS thread.
    std::mutex mu_;
    Burst in_, out_;
    bool armed_ = true;  // guarded by mu_: the JS thread has everything; the next record wakes it

    std::unordered_map<int32_t, std::unique_ptr<ReqCtx>> reqs_;  // JS thread
    int32_t next_id_ = 0;

    Napi::FunctionReference dispatch_;
    Napi::Reference<Napi::Int32Array> meta_ref_;
    int32_t *meta_ = nullptr;
    size_t meta_cap_ = 0;
    std::vector<int32_t> words_;
};

Napi::Value ErrorTable(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    size_t n = 0;
    const realm_error_info_t *t = realm_get_error_table(&n);
    Napi::Array arr = Napi::Array::New(env, n);
    static const char *const kCategories[] = {"none",      "argument", "connection", "timeout", "cancelled",
                                              "auth",      "rate_limit", "server",   "protocol", "internal"};
    for (size_t i = 0; i < n; ++i) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("status", Napi::Number::New(env, t[i].status));
        o.Set("name", Napi::String::New(env, t[i].name));
        o.Set("description", Napi::String::New(env, t[i].description));
        int c = int(t[i].category);
        o.Set("category", Napi::String::New(env, (c >= 0 && c <= 9) ? kCategories[c] : "internal"));
        o.Set("retryable", Napi::Boolean::New(env, t[i].retryable != 0));
        arr.Set(uint32_t(i), o);
    }
    return arr;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    exports.Set("NativeClient", Client::Init(env));
    exports.Set("errorTable", Napi::Function::New(env, ErrorTable));
    exports.Set("version", Napi::String::New(env, realm_version()));
    return exports;
}

}  // namespace

NODE_API_MODULE(realm, Init)
