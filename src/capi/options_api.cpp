#include <cmath>
#include <new>

#include "capi/guard.h"
#include "core/options.h"
#include "protocol/realm_wire.h"

using realm::core::Options;

namespace {
constexpr uint32_t kMaxTimeoutMs = 86400000;

bool valid_text(const char *s) { return s && realm::wire::is_valid_utf8(s); }

template <typename T>
bool in_range(T v, T lo, T hi) { return !(v < lo) && !(hi < v); }
}  // namespace

extern "C" {

REALM_API realm_options_t *realm_options_new(void) { return new (std::nothrow) realm_options(); }
REALM_API void realm_options_destroy(realm_options_t *opts) { delete opts; }

REALM_API realm_status_t realm_options_set_url(realm_options_t *opts, const char *url) {
    REALM_GUARD_BEGIN
    if (!opts || !url) return REALM_ERR_INVALID_ARGUMENT;
    realm::core::ServerUrl parsed;
    if (!realm::core::parse_url(url, &parsed).empty()) return REALM_ERR_INVALID_URL;
    opts->o.server = parsed;
    return REALM_OK;
    REALM_GUARD_END(realm::capi::status_only)
}

REALM_API realm_status_t realm_options_set_api_key(realm_options_t *opts, const char *api_key) {
    REALM_GUARD_BEGIN
    if (!opts) return REALM_ERR_INVALID_ARGUMENT;
    if (api_key && !valid_text(api_key)) return REALM_ERR_INVALID_ARGUMENT;
    opts->o.api_key = api_key ? api_key : "";
    return REALM_OK;
    REALM_GUARD_END(realm::capi::status_only)
}

REALM_API realm_status_t realm_options_set_tenant_id(realm_options_t *opts, const char *tenant_id) {
    REALM_GUARD_BEGIN
    if (!opts) return REALM_ERR_INVALID_ARGUMENT;
    if (tenant_id && !realm::wire::tenant_id_problem(tenant_id).empty()) return REALM_ERR_INVALID_ARGUMENT;
    opts->o.tenant_id = tenant_id ? tenant_id : "";
    return REALM_OK;
    REALM_GUARD_END(realm::capi::status_only)
}

REALM_API realm_status_t realm_options_set_model(realm_options_t *opts, const char *model) {
    REALM_GUARD_BEGIN
    if (!opts) return REALM_ERR_INVALID_ARGUMENT;
    if (model && !valid_text(model)) return REALM_ERR_INVALID_ARGUMENT;
    opts->o.model = model ? model : "";
    return REALM_OK;
    REALM_GUARD_END(realm::capi::status_only)
}

#define REALM_RANGE_SETTER(name, field, type, lo, hi)                                   \
    REALM_API realm_status_t realm_options_set_##name(realm_options_t *opts, type v) { \
        if (!opts || !in_range<type>(v, lo, hi)) return REALM_ERR_INVALID_ARGUMENT;                 \
        opts->o.field = v;                                                               \
        return REALM_OK;                                                                 \
    }

REALM_RANGE_SETTER(connect_timeout_ms, connect_timeout_ms, uint32_t, 1u, 3600000u)
REALM_RANGE_SETTER(request_timeout_ms, request_timeout_ms, uint32_t, 0u, kMaxTimeoutMs)
REALM_RANGE_SETTER(idle_timeout_ms, idle_timeout_ms, uint32_t, 0u, kMaxTimeoutMs)
REALM_RANGE_SETTER(backoff_base_ms, backoff_base_ms, uint32_t, 1u, 3600000u)
REALM_RANGE_SETTER(backoff_cap_ms, backoff_cap_ms, uint32_t, 1u, kMaxTimeoutMs)
REALM_RANGE_SETTER(backoff_max_attempts, backoff_max_attempts, uint32_t, 0u, 1000000u)
REALM_RANGE_SETTER(backoff_jitter_percent, backoff_jitter_percent, uint32_t, 0u, 100u)
REALM_RANGE_SETTER(ping_interval_ms, ping_interval_ms, uint32_t, 0u, kMaxTimeoutMs)
REALM_RANGE_SETTER(max_message_size, max_message_size, size_t, size_t(1024), size_t(1) << 30)
REALM_RANGE_SETTER(max_queued_requests, max_queued_requests, uint32_t, 1u, 1048576u)
REALM_RANGE_SETTER(busy_poll_us, busy_poll_us, uint32_t, 0u, 1000000u)

REALM_API realm_status_t realm_options_set_reconnect(realm_options_t *opts, int enabled) {
    if (!opts || (enabled != 0 && enabled != 1)) return REALM_ERR_INVALID_ARGUMENT;
    opts->o.reconnect = enabled == 1;
    return REALM_OK;
}

REALM_API realm_status_t realm_options_set_tls_insecure(realm_options_t *opts, int insecure) {
    if (!opts || (insecure != 0 && insecure != 1)) return REALM_ERR_INVALID_ARGUMENT;
    opts->o.tls_insecure = insecure == 1;
    return REALM_OK;
}

REALM_API realm_status_t realm_options_set_tls_ca_file(realm_options_t *opts, const char *path) {
    REALM_GUARD_BEGIN
    if (!opts || (path && !*path)) return REALM_ERR_INVALID_ARGUMENT;
    opts->o.tls_ca_file = path ? path : "";
    return REALM_OK;
    REALM_GUARD_END(realm::capi::status_only)
}

}  // extern "C"
