#include <cmath>
#include <cstring>
#include <memory>

#include "capi/batch.h"
#include "capi/guard.h"
#include "core/client.h"
#include "core/event_queue.h"
#include "protocol/dialect.h"
#include "protocol/realm_wire.h"

using realm::capi::fail;
using realm::protocol::RequestKind;
using realm::protocol::RequestSpec;

namespace {

// Reads a handler within its struct_size.
bool read_handler(const realm_handler_t *h, realm_handler_t *out, std::string *why) {
    if (!h || h->struct_size < offsetof(realm_handler_t, on_done) + sizeof(h->on_done)) {
        *why = "handler must be initialised with REALM_HANDLER_INIT";
        return false;
    }
    *out = realm_handler_t{sizeof(realm_handler_t), h->user,    h->on_tokens, h->on_done, nullptr,
                           sizeof(realm_token_t),  0,          nullptr};
    if (REALM_HAS_FIELD(h, realm_handler_t, queue)) out->queue = h->queue;
    if (REALM_HAS_FIELD(h, realm_handler_t, events)) out->events = h->events;
    if (REALM_HAS_FIELD(h, realm_handler_t, on_started)) out->on_started = h->on_started;
    if (REALM_HAS_FIELD(h, realm_handler_t, token_size) && h->token_size) {
        // Token arrays are laid out as the caller's realm_token_t. Only one
        // layout exists so far; a caller built against a later header (a
        // larger realm_token_t) cannot be served by this library.
        if (h->token_size != sizeof(realm_token_t)) {
            *why = "handler.token_size " + std::to_string(h->token_size) + " is not this library's realm_token_t (" +
                   std::to_string(sizeof(realm_token_t)) + " bytes): the program was built against another librealm";
            return false;
        }
    }
    return true;
}

uint32_t effective_timeout(uint32_t requested, uint32_t client_default) {
    if (requested == UINT32_MAX) return 0;  // explicitly none
    return requested ? requested : client_default;
}

// Creates, validates and submits a request. On failure nothing calls back.
realm_status_t start_request(realm_client_t *client, RequestSpec spec, const realm_call_options_t *call_opts,
                             const realm_handler_t *handler, realm_request_t **out, realm_error_t **err) {
    realm_handler_t h;
    std::string why;
    if (!read_handler(handler, &h, &why)) return fail(err, REALM_ERR_INVALID_ARGUMENT, why);
    if (!client->core->dialect().accepts(spec, &why)) return fail(err, REALM_ERR_INVALID_ARGUMENT, why);
    const auto &o = client->core->options();
    uint32_t timeout = o.request_timeout_ms, idle = o.idle_timeout_ms;
    realm_batch_t *batch = nullptr;
    if (call_opts) {
        if (REALM_HAS_FIELD(call_opts, realm_call_options_t, timeout_ms))
            timeout = effective_timeout(call_opts->timeout_ms, o.request_timeout_ms);
        if (REALM_HAS_FIELD(call_opts, realm_call_options_t, idle_timeout_ms))
            idle = effective_timeout(call_opts->idle_timeout_ms, o.idle_timeout_ms);
        if (REALM_HAS_FIELD(call_opts, realm_call_options_t, batch)) batch = call_opts->batch;
    }
    if (batch && batch->client != client)
        return fail(err, REALM_ERR_INVALID_ARGUMENT, "call_opts.batch belongs to another client");
    auto *req = new realm_request();
    req->id = client->core->next_request_id();
    req->streaming = spec.streaming();
    req->spec = std::move(spec);
    req->handler = h;
    req->timeout_ms = timeout;
    req->idle_timeout_ms = idle;
    if (batch) {
        // Accepted now, sent with the batch (realm_batch_send).
        req->retain();
        {
            std::lock_guard<std::mutex> lock(batch->mu);
            batch->held.push_back(req);
        }
        if (out) *out = req;
        else req->release();
        return REALM_OK;
    }
    realm_status_t rc = client->core->submit(req, &why);
    if (rc != REALM_OK) {
        req->release();
        return fail(err, rc, why);
    }
    if (out)
        *out = req;  // the caller keeps the creation reference
    else
        req->release();
    return REALM_OK;
}

bool valid_utf8(const char *s) { return realm::wire::is_valid_utf8(s); }

// Checks a user-supplied JSON argument; on failure fills *err (which names
// `what` and where the text goes wrong) and returns false.
bool valid_json_arg(const char *json, const char *what, realm_error_t **err) {
    std::string why;
    if (!valid_utf8(json)) {
        fail(err, REALM_ERR_INVALID_ARGUMENT, std::string(what) + " is not valid UTF-8");
        return false;
    }
    if (!realm::protocol::is_valid_json(json, &why)) {
        fail(err, REALM_ERR_INVALID_ARGUMENT, std::string(what) + " is not valid JSON: " + why);
        return false;
    }
    return true;
}

// Reads the generate parameters (within their struct_size) into `spec`.
// Returns "" or what is wrong.
std::string read_generate_params(const realm_generate_params_t *p, const std::string &default_model, RequestSpec *spec) {
    auto &g = spec->sampling;
    const char *prompt = REALM_HAS_FIELD(p, realm_generate_params_t, prompt) ? p->prompt : nullptr;
    const realm_message_t *messages = REALM_HAS_FIELD(p, realm_generate_params_t, messages) ? p->messages : nullptr;
    size_t message_count = REALM_HAS_FIELD(p, realm_generate_params_t, message_count) ? p->message_count : 0;
    if (messages) {
        if (message_count == 0) return "message_count must be at least 1 when messages is set";
        if (message_count > 100000) return "message_count is out of range";
        spec->kind = RequestKind::Chat;
        for (size_t i = 0; i < message_count; ++i) {
            const realm_message_t &m = messages[i];
            std::string at = "messages[" + std::to_string(i) + "]";
            if (!m.role || !*m.role) return at + ".role is required";
            if (!m.content) return at + ".content is required";
            if (!valid_utf8(m.role)) return at + ".role is not valid UTF-8";
            if (!valid_utf8(m.content)) return at + ".content is not valid UTF-8";
            spec->messages.push_back({m.role, m.content});
        }
        if (prompt) return "give either prompt or messages, not both";
    } else {
        if (!prompt) return "prompt is required";
        if (!valid_utf8(prompt)) return "prompt is not valid UTF-8";
        spec->kind = RequestKind::Generate;
        spec->prompt = prompt;
    }
    const char *model = REALM_HAS_FIELD(p, realm_generate_params_t, model) ? p->model : nullptr;
    if (model && !valid_utf8(model)) return "model is not valid UTF-8";
    g.model = model ? model : default_model;
    if (REALM_HAS_FIELD(p, realm_generate_params_t, max_tokens)) g.max_tokens = p->max_tokens;
    if (REALM_HAS_FIELD(p, realm_generate_params_t, temperature)) g.temperature = p->temperature;
    if (REALM_HAS_FIELD(p, realm_generate_params_t, top_p)) g.top_p = p->top_p;
    if (REALM_HAS_FIELD(p, realm_generate_params_t, top_k)) g.top_k = p->top_k;
    if (REALM_HAS_FIELD(p, realm_generate_params_t, repetition_penalty)) g.repetition_penalty = p->repetition_penalty;
    if (REALM_HAS_FIELD(p, realm_generate_params_t, stream)) {
        if (p->stream != 0 && p->stream != 1) return "stream must be 0 or 1";
        g.stream = p->stream == 1;
    }
    uint32_t set = REALM_HAS_FIELD(p, realm_generate_params_t, set) ? p->set : 0;
    if (set & ~uint32_t(REALM_PARAM_PRESENCE_PENALTY | REALM_PARAM_FREQUENCY_PENALTY | REALM_PARAM_SEED))
        return "set has unknown bits";
    if (set & REALM_PARAM_PRESENCE_PENALTY) {
        g.has_presence_penalty = true;
        g.presence_penalty = p->presence_penalty;
        if (!(g.presence_penalty >= -2 && g.presence_penalty <= 2)) return "presence_penalty must be from -2 to 2";
    }
    if (set & REALM_PARAM_FREQUENCY_PENALTY) {
        g.has_frequency_penalty = true;
        g.frequency_penalty = p->frequency_penalty;
        if (!(g.frequency_penalty >= -2 && g.frequency_penalty <= 2)) return "frequency_penalty must be from -2 to 2";
    }
    if (set & REALM_PARAM_SEED) {
        g.has_seed = true;
        g.seed = p->seed;
    }
    for (double v : {g.temperature, g.top_p, g.repetition_penalty})
        if (std::isnan(v) || std::isinf(v)) return "sampling parameters must be finite numbers";
    const char *const *stop = REALM_HAS_FIELD(p, realm_generate_params_t, stop) ? p->stop : nullptr;
    size_t stop_count = REALM_HAS_FIELD(p, realm_generate_params_t, stop_count) ? p->stop_count : 0;
    if (stop) {
        if (stop_count > 64) return "at most 64 stop sequences";
        for (size_t i = 0; i < stop_count; ++i) {
            if (!stop[i] || !*stop[i]) return "stop[" + std::to_string(i) + "] must be a non-empty string";
            if (!valid_utf8(stop[i])) return "stop[" + std::to_string(i) + "] is not valid UTF-8";
            g.stop.emplace_back(stop[i]);
        }
    }
    const char *extra = REALM_HAS_FIELD(p, realm_generate_params_t, extra_params_json) ? p->extra_params_json : nullptr;
    if (extra) {
        std::string why;
        if (!valid_utf8(extra)) return "extra_params_json is not valid UTF-8";
        if (!realm::protocol::is_json_object(extra, &why)) return "extra_params_json is not a valid JSON object: " + why;
        spec->extra_json = extra;
    }
    return {};
}

realm_status_t start_simple(realm_client_t *client, RequestKind kind, const realm_call_options_t *call_opts,
                            const realm_handler_t *handler, realm_request_t **out, realm_error_t **err) {
    RequestSpec spec;
    spec.kind = kind;
    return start_request(client, std::move(spec), call_opts, handler, out, err);
}

}  // namespace

extern "C" {

REALM_API realm_status_t realm_generate(realm_client_t *client, const realm_generate_params_t *params,
                                        const realm_call_options_t *call_opts, const realm_handler_t *handler,
                                        realm_request_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (out) *out = nullptr;
    if (!client || !params) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client and params must not be NULL");
    if (params->struct_size < offsetof(realm_generate_params_t, prompt) + sizeof(params->prompt))
        return fail(err, REALM_ERR_INVALID_ARGUMENT, "params must be initialised with REALM_GENERATE_PARAMS_INIT");
    RequestSpec spec;
    std::string why = read_generate_params(params, client->core->options().model, &spec);
    if (!why.empty()) return fail(err, REALM_ERR_INVALID_ARGUMENT, why);
    return start_request(client, std::move(spec), call_opts, handler, out, err);
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_generate failed"); })
}

REALM_API realm_status_t realm_pipeline(realm_client_t *client, const char *name, const char *input_json,
                                        const realm_call_options_t *call_opts, const realm_handler_t *handler,
                                        realm_request_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (out) *out = nullptr;
    if (!client || !name || !*name) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client and name are required");
    if (!valid_utf8(name)) return fail(err, REALM_ERR_INVALID_ARGUMENT, "pipeline name is not valid UTF-8");
    if (input_json && !valid_json_arg(input_json, "input_json", err)) return REALM_ERR_INVALID_ARGUMENT;
    RequestSpec spec;
    spec.kind = RequestKind::Pipeline;
    spec.name = name;
    spec.json = input_json ? input_json : "{}";
    return start_request(client, std::move(spec), call_opts, handler, out, err);
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_pipeline failed"); })
}

REALM_API realm_status_t realm_health(realm_client_t *client, const realm_call_options_t *call_opts,
                                      const realm_handler_t *handler, realm_request_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (out) *out = nullptr;
    if (!client) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client must not be NULL");
    return start_simple(client, RequestKind::Health, call_opts, handler, out, err);
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_health failed"); })
}

REALM_API realm_status_t realm_metadata(realm_client_t *client, const realm_call_options_t *call_opts,
                                        const realm_handler_t *handler, realm_request_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (out) *out = nullptr;
    if (!client) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client must not be NULL");
    return start_simple(client, RequestKind::Metadata, call_opts, handler, out, err);
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_metadata failed"); })
}

REALM_API realm_status_t realm_models(realm_client_t *client, const realm_call_options_t *call_opts,
                                      const realm_handler_t *handler, realm_request_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (out) *out = nullptr;
    if (!client) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client must not be NULL");
    return start_simple(client, RequestKind::Models, call_opts, handler, out, err);
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_models failed"); })
}

REALM_API realm_status_t realm_call(realm_client_t *client, const char *function, const char *params_json,
                                    const realm_call_options_t *call_opts, const realm_handler_t *handler,
                                    realm_request_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (out) *out = nullptr;
    if (!client || !function || !*function)
        return fail(err, REALM_ERR_INVALID_ARGUMENT, "client and function are required");
    if (!valid_utf8(function)) return fail(err, REALM_ERR_INVALID_ARGUMENT, "function is not valid UTF-8");
    if (params_json && !valid_json_arg(params_json, "params_json", err)) return REALM_ERR_INVALID_ARGUMENT;
    RequestSpec spec;
    spec.kind = RequestKind::Call;
    spec.name = function;
    spec.json = params_json ? params_json : "{}";
    return start_request(client, std::move(spec), call_opts, handler, out, err);
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_call failed"); })
}

REALM_API realm_status_t realm_request_cancel(realm_request_t *req) {
    REALM_GUARD_BEGIN
    if (!req) return REALM_ERR_INVALID_ARGUMENT;
    if (req->done.load(std::memory_order_acquire)) return REALM_OK;
    if (auto core = req->client.lock()) core->cancel(req);
    return REALM_OK;
    REALM_GUARD_END(realm::capi::status_only)
}

REALM_API void realm_request_release(realm_request_t *req) {
    if (req) req->release();
}

REALM_API const char *realm_request_id(const realm_request_t *req) { return req ? req->id.c_str() : ""; }

REALM_API int realm_request_is_done(const realm_request_t *req) {
    return req && req->done.load(std::memory_order_acquire) ? 1 : 0;
}

// ---- results ----

REALM_API const char *realm_result_text(const realm_result_t *r, size_t *len) {
    if (!r) {
        if (len) *len = 0;
        return "";
    }
    if (len) *len = r->text.size();
    return r->text.c_str();
}
REALM_API int64_t realm_result_tokens_generated(const realm_result_t *r) { return r ? r->tokens_generated : -1; }
REALM_API int64_t realm_result_prompt_tokens(const realm_result_t *r) { return r ? r->prompt_tokens : -1; }
REALM_API int realm_result_cost_usd(const realm_result_t *r, double *out) {
    if (!r || !r->has_cost) return 0;
    if (out) *out = r->cost_usd;
    return 1;
}
REALM_API int realm_result_time_ms(const realm_result_t *r, double *out) {
    if (!r || !r->has_time) return 0;
    if (out) *out = r->time_ms;
    return 1;
}
REALM_API int64_t realm_result_streamed_tokens(const realm_result_t *r) { return r ? r->streamed : 0; }
REALM_API const char *realm_result_finish_reason(const realm_result_t *r) { return r ? r->finish_reason.c_str() : ""; }
REALM_API int64_t realm_result_completion_tokens(const realm_result_t *r) { return r ? r->completion_tokens : -1; }
REALM_API int64_t realm_result_total_tokens(const realm_result_t *r) { return r ? r->total_tokens : -1; }
REALM_API const char *realm_result_model(const realm_result_t *r) { return r ? r->model.c_str() : ""; }
REALM_API double realm_result_elapsed_ms(const realm_result_t *r) { return r ? r->elapsed_ms : -1; }
REALM_API double realm_result_first_token_ms(const realm_result_t *r) { return r ? r->first_token_ms : -1; }
REALM_API const char *realm_result_json(const realm_result_t *r, size_t *len) {
    if (!r) {
        if (len) *len = 4;
        return "null";
    }
    if (len) *len = r->json.size();
    return r->json.c_str();
}

// ---- queue ----

REALM_API realm_status_t realm_queue_new(realm_queue_t **out) {
    REALM_GUARD_BEGIN
    if (!out) return REALM_ERR_INVALID_ARGUMENT;
    auto q = std::make_unique<realm_queue>();
    if (q->efd < 0) return REALM_ERR_INTERNAL;
    *out = q.release();
    return REALM_OK;
    REALM_GUARD_END(realm::capi::status_only)
}

REALM_API void realm_queue_destroy(realm_queue_t *q) { delete q; }
REALM_API int realm_queue_fd(const realm_queue_t *q) { return q ? q->efd : -1; }

REALM_API realm_status_t realm_queue_set_notify(realm_queue_t *q, void (*notify)(void *), void *user) {
    if (!q) return REALM_ERR_INVALID_ARGUMENT;
    std::lock_guard<std::mutex> lock(q->mu);
    q->notify = notify;
    q->notify_user = user;
    return REALM_OK;
}

REALM_API size_t realm_queue_poll(realm_queue_t *q, realm_queue_event_t *out, size_t max) {
    if (!q || !out || !max) return 0;
    try {
        return q->poll(out, max);
    } catch (...) {
        return 0;
    }
}

}  // extern "C"
