#include "client_options.h"

#include <cstdint>
#include <string>

#include "arguments.h"
#include "errors.h"

namespace realm_node {
namespace {

void CheckSet(Napi::Env env, realm_status_t st, const char *key) {
    if (st != REALM_OK)
        ThrowRealm(env, st, std::string("invalid value for option '") + key + "' (" + realm_strerror(st) + ")");
}

// A millisecond or count option set through a uint32_t setter.
void SetU32(Napi::Env env, const Napi::Object &o, const char *key, realm_options_t *opts,
            realm_status_t (*set)(realm_options_t *, uint32_t)) {
    double d;
    if (OptUint(env, o.Get(key), key, 0, double(UINT32_MAX), &d)) CheckSet(env, set(opts, uint32_t(d)), key);
}

void SetFlag(Napi::Env env, const Napi::Object &o, const char *key, realm_options_t *opts,
             realm_status_t (*set)(realm_options_t *, int)) {
    bool b;
    if (OptBool(env, o.Get(key), key, &b)) CheckSet(env, set(opts, b ? 1 : 0), key);
}

void SetString(Napi::Env env, const Napi::Object &o, const char *key, realm_options_t *opts,
               realm_status_t (*set)(realm_options_t *, const char *)) {
    bool present;
    std::string s = OptString(env, o.Get(key), key, &present);
    if (present) CheckSet(env, set(opts, s.c_str()), key);
}

// A setting by the core's own name (realm_options_set), with its message.
void SetByName(Napi::Env env, realm_options_t *opts, const char *key, const std::string &value) {
    realm_error_t *err = nullptr;
    realm_status_t st = realm_options_set(opts, key, value.c_str(), &err);
    if (st != REALM_OK) {
        std::string msg = err ? realm_error_message(err) : std::string("invalid value for option '") + key + "'";
        realm_error_destroy(err);
        ThrowRealm(env, st, msg);
    }
}

// The environment (REALM_URL, REALM_API_KEY, REALM_DIALECT, REALM_TIMEOUT,
// REALM_MAX_RETRIES), read by the core; the options given win over it.
void LoadEnv(Napi::Env env, realm_options_t *opts) {
    realm_error_t *err = nullptr;
    realm_status_t st = realm_options_load_env(opts, &err);
    if (st != REALM_OK) {
        std::string msg = err ? realm_error_message(err) : "invalid environment";
        realm_error_destroy(err);
        ThrowRealm(env, st, msg);
    }
}

// urls: an array of URL strings, failed over in order.
void SetUrls(Napi::Env env, const Napi::Value &v, realm_options_t *opts) {
    if (v.IsUndefined()) return;
    if (!v.IsArray() || v.As<Napi::Array>().Length() == 0)
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "urls must be a non-empty array of URL strings");
    Napi::Array arr = v.As<Napi::Array>();
    std::string joined;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
        std::string url = StringArg(env, arr.Get(i), "urls[" + std::to_string(i) + "]");
        if (url.find_first_of(" \t\r\n") != std::string::npos)
            ThrowRealm(env, REALM_ERR_INVALID_URL, "urls[" + std::to_string(i) + "] contains white space");
        joined += (i ? " " : "") + url;
    }
    SetByName(env, opts, "urls", joined);
}

}  // namespace

uint32_t ApplyClientOptions(Napi::Env env, const Napi::Object &o, realm_options_t *opts) {
    LoadEnv(env, opts);
    bool present;
    if (!o.Get("url").IsUndefined() && !o.Get("urls").IsUndefined())
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "give url or urls, not both");
    SetUrls(env, o.Get("urls"), opts);
    std::string s = OptString(env, o.Get("url"), "url", &present);
    if (present) {
        realm_status_t st = realm_options_set_url(opts, s.c_str());
        if (st != REALM_OK) ThrowRealm(env, st, "invalid url '" + s + "': expected ws://host[:port][/path], wss://..., http://... or https://...");
    }
    SetString(env, o, "apiKey", opts, &realm_options_set_api_key);
    s = OptString(env, o.Get("tenantId"), "tenantId", &present);
    if (present && realm_options_set_tenant_id(opts, s.c_str()) != REALM_OK)
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "invalid tenantId '" + s + "': 3-64 letters, digits, '-' or '_'");
    SetString(env, o, "model", opts, &realm_options_set_model);
    SetString(env, o, "tlsCaFile", opts, &realm_options_set_tls_ca_file);
    s = OptString(env, o.Get("dialect"), "dialect", &present);
    if (present) SetByName(env, opts, "dialect", s);
    double n;
    if (OptUint(env, o.Get("maxRetries"), "maxRetries", 0, 100, &n)) SetByName(env, opts, "max_retries", std::to_string(uint32_t(n)));
    if (OptUint(env, o.Get("retryBase"), "retryBase", 1, 3600000, &n)) SetByName(env, opts, "retry_base_ms", std::to_string(uint32_t(n)));
    if (OptUint(env, o.Get("maxConnections"), "maxConnections", 0, 1024, &n))
        SetByName(env, opts, "max_connections", std::to_string(uint32_t(n)));
    bool mux;
    if (OptBool(env, o.Get("multiplex"), "multiplex", &mux)) SetByName(env, opts, "multiplex", mux ? "true" : "false");

    SetU32(env, o, "timeout", opts, &realm_options_set_request_timeout_ms);
    SetU32(env, o, "connectTimeout", opts, &realm_options_set_connect_timeout_ms);
    SetU32(env, o, "idleTimeout", opts, &realm_options_set_idle_timeout_ms);
    SetFlag(env, o, "reconnect", opts, &realm_options_set_reconnect);
    // The documented SDK default for reconnectInterval is 5000 ms (the core's
    // own backoff base is 1000 ms); the core does the rest.
    double d;
    if (!OptUint(env, o.Get("reconnectInterval"), "reconnectInterval", 0, double(UINT32_MAX), &d)) d = 5000;
    CheckSet(env, realm_options_set_backoff_base_ms(opts, uint32_t(d)), "reconnectInterval");
    SetU32(env, o, "backoffCap", opts, &realm_options_set_backoff_cap_ms);
    SetU32(env, o, "backoffMaxAttempts", opts, &realm_options_set_backoff_max_attempts);
    SetU32(env, o, "backoffJitterPercent", opts, &realm_options_set_backoff_jitter_percent);
    SetU32(env, o, "pingInterval", opts, &realm_options_set_ping_interval_ms);
    SetFlag(env, o, "tlsInsecure", opts, &realm_options_set_tls_insecure);
    if (OptUint(env, o.Get("maxMessageSize"), "maxMessageSize", 0, 9007199254740991.0, &d))
        CheckSet(env, realm_options_set_max_message_size(opts, size_t(d)), "maxMessageSize");
    SetU32(env, o, "maxQueuedRequests", opts, &realm_options_set_max_queued_requests);
    uint32_t busy_poll_us = REALM_DEFAULT_BUSY_POLL_US;
    if (OptUint(env, o.Get("busyPollUs"), "busyPollUs", 0, double(UINT32_MAX), &d)) {
        CheckSet(env, realm_options_set_busy_poll_us(opts, uint32_t(d)), "busyPollUs");
        busy_poll_us = uint32_t(d);
    }
    return busy_poll_us;
}

uint32_t ApplyCoreOptions(Napi::Env env, const Napi::Value &pairs, realm_options_t *opts) {
    if (!pairs.IsArray()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "coreOptions must be an array of [key, value]");
    Napi::Array arr = pairs.As<Napi::Array>();
    uint32_t busy_poll_us = REALM_DEFAULT_BUSY_POLL_US;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
        Napi::Value item = arr.Get(i);
        if (!item.IsArray() || item.As<Napi::Array>().Length() != 2)
            ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, "coreOptions must be an array of [key, value]");
        Napi::Array kv = item.As<Napi::Array>();
        std::string key = StringArg(env, kv.Get(uint32_t(0)), "option name");
        std::string value = StringArg(env, kv.Get(uint32_t(1)), "option '" + key + "'");
        realm_error_t *err = nullptr;
        realm_status_t st = realm_options_set(opts, key.c_str(), value.c_str(), &err);
        if (st != REALM_OK) {
            std::string msg = err ? realm_error_message(err) : "invalid value for option '" + key + "'";
            realm_error_destroy(err);
            ThrowRealm(env, st, msg);
        }
        if (key == "busy_poll_us") busy_poll_us = uint32_t(std::stoul(value));
    }
    return busy_poll_us;
}

}  // namespace realm_node
