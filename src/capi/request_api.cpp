#include <cmath>
#include <cstring>
#include <memory>

#include "capi/guard.h"
#include "core/client.h"
#include "protocol/dialect.h"
#include "protocol/realm_wire.h"
#include "core/event_queue.h"

using realm::capi::fail;

namespace {

// Reads a handler within its struct_size.
bool read_handler(const realm_handler_t *h, realm_handler_t *out) {
    if (!h || h->struct_size < offsetof(realm_handler_t, on_done) + sizeof(h->on_done)) return false;
    *out = realm_handler_t{sizeof(realm_handler_t), h->user, h->on_tokens, h->on_done, nullptr};
    if (REALM_HAS_FIELD(h, realm_handler_t, queue)) out->queue = h->queue;
    return true;
}

uint32_t effective_timeout(uint32_t requested, uint32_t client_default) {
    if (requested == UINT32_MAX) return 0;  // explicitly none
    return requested ? requested : client_default;
}

// Creates, validates and submits a request. On failure nothing calls back.
realm_status_t start_request(realm_client_t *client, std::string function, std::string params, bool streaming,
                             const realm_call_options_t *call_opts, const realm_handler_t *handler,
                             realm_request_t **out, realm_error_t **err) {
    realm_handler_t h;
    if (!read_handler(handler, &h))
        return fail(err, REALM_ERR_INVALID_ARGUMENT, "handler must be initialised with REALM_HANDLER_INIT");
    const auto &o = client->core->options();
    uint32_t timeout = o.request_timeout_ms, idle = o.idle_timeout_ms;
    if (call_opts) {
        if (REALM_HAS_FIELD(call_opts, realm_call_options_t, timeout_ms))
            timeout = effective_timeout(call_opts->timeout_ms, o.request_timeout_ms);
        if (REALM_HAS_FIELD(call_opts, realm_call_options_t, idle_timeout_ms))
            idle = effective_timeout(call_opts->idle_timeout_ms, o.idle_timeout_ms);
    }
    auto *req = new realm_request();
    req->id = client->core->next_request_id();
    req->function = std::move(function);
    req->params_json = std::move(params);
    req->streaming = streaming;
    req->handler = h;
    req->timeout_ms = timeout;
    req->idle_timeout_ms = idle;
    std::string why;
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

}  // namespace

extern "C" {

REALM_API realm_status_t realm_generate(realm_client_t *client, const realm_generate_params_t *params,
                                        const realm_call_options_t *call_opts, const realm_handler_t *handler,
                                        realm_request_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (out) *out = nullptr;
    if (!client || !params) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client and params must not be NULL");
    if (!REALM_HAS_FIELD(params, realm_generate_params_t, prompt) || !params->prompt)
        return fail(err, REALM_ERR_INVALID_ARGUMENT, "prompt is required");
    if (!valid_utf8(params->prompt)) return fail(err, REALM_ERR_INVALID_ARGUMENT, "prompt is not valid UTF-8");
    realm::protocol::GenerateFields g;
    g.prompt = params->prompt;
    const std::string &default_model = client->core->options().model;
    const char *model = REALM_HAS_FIELD(params, realm_generate_params_t, model) ? params->model : nullptr;
    if (model && !valid_utf8(model)) return fail(err, REALM_ERR_INVALID_ARGUMENT, "model is not valid UTF-8");
    g.model = model ? std::string_view(model) : std::string_view(default_model);
    if (REALM_HAS_FIELD(params, realm_generate_params_t, max_tokens)) g.max_tokens = params->max_tokens;
    if (REALM_HAS_FIELD(params, realm_generate_params_t, temperature)) g.temperature = params->temperature;
    if (REALM_HAS_FIELD(params, realm_generate_params_t, top_p)) g.top_p = params->top_p;
    if (REALM_HAS_FIELD(params, realm_generate_params_t, top_k)) g.top_k = params->top_k;
    if (REALM_HAS_FIELD(params, realm_generate_params_t, repetition_penalty))
        g.repetition_penalty = params->repetition_penalty;
    if (REALM_HAS_FIELD(params, realm_generate_params_t, stream)) {
        if (params->stream != 0 && params->stream != 1)
            return fail(err, REALM_ERR_INVALID_ARGUMENT, "stream must be 0 or 1");
        g.stream = params->stream == 1;
    }
    for (double v : {g.temperature, g.top_p, g.repetition_penalty})
        if (std::isnan(v) || std::isinf(v))
            return fail(err, REALM_ERR_INVALID_ARGUMENT, "sampling parameters must be finite numbers");
    std::string json;
    json.reserve(std::strlen(params->prompt) + 128);
    realm::protocol::encode_generate_params(json, g);
    const char *extra = REALM_HAS_FIELD(params, realm_generate_params_t, extra_params_json)
                            ? params->extra_params_json
                            : nullptr;
    if (extra) {
        std::string why;
        if (!valid_utf8(extra)) return fail(err, REALM_ERR_INVALID_ARGUMENT, "extra_params_json is not valid UTF-8");
        if (!realm::protocol::merge_json_objects(json, extra, &why))
            return fail(err, REALM_ERR_INVALID_ARGUMENT, "extra_params_json is not a valid JSON object: " + why);
    }
    return start_request(client, "generate", std::move(json), g.stream, call_opts, handler, out, err);
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
    std::string json;
    realm::protocol::encode_pipeline_params(json, name, input_json ? input_json : "{}");
    return start_request(client, "pipeline", std::move(json), false, call_opts, handler, out, err);
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_pipeline failed"); })
}

REALM_API realm_status_t realm_health(realm_client_t *client, const realm_call_options_t *call_opts,
                                      const realm_handler_t *handler, realm_request_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (out) *out = nullptr;
    if (!client) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client must not be NULL");
    return start_request(client, "health", "{}", false, call_opts, handler, out, err);
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_health failed"); })
}

REALM_API realm_status_t realm_metadata(realm_client_t *client, const realm_call_options_t *call_opts,
                                        const realm_handler_t *handler, realm_request_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (out) *out = nullptr;
    if (!client) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client must not be NULL");
    return start_request(client, "metadata", "{}", false, call_opts, handler, out, err);
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_metadata failed"); })
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
    return start_request(client, function, params_json ? params_json : "{}", false, call_opts, handler, out, err);
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
