// Option setters. Every rule lives in core/option_table.cpp: the typed
// setters pass their value as text to the same table the string-keyed
// realm_options_set() uses.
#include <new>
#include <string>

#include "capi/guard.h"
#include "core/env_config.h"
#include "core/option_table.h"

using realm::core::set_option;

namespace {

realm_status_t apply(realm_options_t *opts, const char *key, const char *value) {
    if (!opts) return REALM_ERR_INVALID_ARGUMENT;
    return set_option(opts->o, key, value).status;
}

realm_status_t apply_number(realm_options_t *opts, const char *key, uint64_t value) {
    return apply(opts, key, std::to_string(value).c_str());
}

// Booleans of the C API are exactly 0 or 1.
realm_status_t apply_flag(realm_options_t *opts, const char *key, int value) {
    if (value != 0 && value != 1) return REALM_ERR_INVALID_ARGUMENT;
    return apply(opts, key, value ? "1" : "0");
}

}  // namespace

extern "C" {

REALM_API realm_options_t *realm_options_new(void) { return new (std::nothrow) realm_options(); }
REALM_API void realm_options_destroy(realm_options_t *opts) { delete opts; }

REALM_API realm_status_t realm_options_set(realm_options_t *opts, const char *key, const char *value,
                                           realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (!opts || !key) return realm::capi::fail(err, REALM_ERR_INVALID_ARGUMENT, "opts and key must not be NULL");
    if (!value) return realm::capi::fail(err, REALM_ERR_INVALID_ARGUMENT, std::string(key) + ": value must not be NULL");
    auto r = set_option(opts->o, key, value);
    if (r.status != REALM_OK) return realm::capi::fail(err, r.status, r.why);
    return REALM_OK;
    REALM_GUARD_END([&](realm_status_t s) { return realm::capi::fail(err, s, "realm_options_set failed"); })
}

REALM_API realm_status_t realm_options_load_env(realm_options_t *opts, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (!opts) return realm::capi::fail(err, REALM_ERR_INVALID_ARGUMENT, "opts must not be NULL");
    auto r = realm::core::load_env(opts->o);
    if (r.status != REALM_OK) return realm::capi::fail(err, r.status, r.why);
    return REALM_OK;
    REALM_GUARD_END([&](realm_status_t s) { return realm::capi::fail(err, s, "realm_options_load_env failed"); })
}

#define REALM_TEXT_SETTER(name)                                                                 \
    REALM_API realm_status_t realm_options_set_##name(realm_options_t *opts, const char *value) { \
        REALM_GUARD_BEGIN                                                                       \
        return apply(opts, #name, value);                                                       \
        REALM_GUARD_END(realm::capi::status_only)                                               \
    }

#define REALM_NUMBER_SETTER(name, type)                                                  \
    REALM_API realm_status_t realm_options_set_##name(realm_options_t *opts, type value) { \
        REALM_GUARD_BEGIN                                                                \
        return apply_number(opts, #name, uint64_t(value));                               \
        REALM_GUARD_END(realm::capi::status_only)                                        \
    }

#define REALM_FLAG_SETTER(name, key)                                                    \
    REALM_API realm_status_t realm_options_set_##name(realm_options_t *opts, int value) { \
        REALM_GUARD_BEGIN                                                               \
        return apply_flag(opts, key, value);                                            \
        REALM_GUARD_END(realm::capi::status_only)                                       \
    }

REALM_API realm_status_t realm_options_set_url(realm_options_t *opts, const char *url) {
    REALM_GUARD_BEGIN
    if (!url) return REALM_ERR_INVALID_ARGUMENT;
    return apply(opts, "url", url);
    REALM_GUARD_END(realm::capi::status_only)
}
REALM_TEXT_SETTER(api_key)
REALM_TEXT_SETTER(tenant_id)
REALM_TEXT_SETTER(model)
REALM_TEXT_SETTER(tls_ca_file)
REALM_API realm_status_t realm_options_set_dialect(realm_options_t *opts, const char *name) {
    REALM_GUARD_BEGIN
    if (!name) return REALM_ERR_INVALID_ARGUMENT;
    return apply(opts, "dialect", name);
    REALM_GUARD_END(realm::capi::status_only)
}

REALM_NUMBER_SETTER(connect_timeout_ms, uint32_t)
REALM_NUMBER_SETTER(request_timeout_ms, uint32_t)
REALM_NUMBER_SETTER(idle_timeout_ms, uint32_t)
REALM_NUMBER_SETTER(backoff_base_ms, uint32_t)
REALM_NUMBER_SETTER(backoff_cap_ms, uint32_t)
REALM_NUMBER_SETTER(backoff_max_attempts, uint32_t)
REALM_NUMBER_SETTER(backoff_jitter_percent, uint32_t)
REALM_NUMBER_SETTER(ping_interval_ms, uint32_t)
REALM_NUMBER_SETTER(max_message_size, size_t)
REALM_NUMBER_SETTER(max_queued_requests, uint32_t)
REALM_NUMBER_SETTER(busy_poll_us, uint32_t)

REALM_FLAG_SETTER(reconnect, "reconnect")
REALM_FLAG_SETTER(tls_insecure, "tls_insecure")

REALM_API realm_status_t realm_options_set_header(realm_options_t *opts, const char *name, const char *value) {
    REALM_GUARD_BEGIN
    if (!opts) return REALM_ERR_INVALID_ARGUMENT;
    return realm::core::set_header(opts->o, name, value).status;
    REALM_GUARD_END(realm::capi::status_only)
}

}  // extern "C"
