// realm.Client's options (the snake_case keyword arguments, passed down as a
// dict) mapped onto realm_options_t. None means "not given": the core's
// default applies, except for the strings that None clears.
#include "native.h"

#include <climits>

namespace realmpy {
namespace {

uint32_t to_u32(py::handle v, const std::string &key) {
    if (PyBool_Check(v.ptr()) || !PyLong_Check(v.ptr()))
        throw py::type_error("option '" + key + "' must be an int");
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
    if (overflow || n < 0 || n > (long long)UINT32_MAX)
        raise_message(REALM_ERR_INVALID_ARGUMENT, "invalid value for option '" + key + "': " + std::string(py::repr(v)));
    return uint32_t(n);
}

// A setting by the core's own name (realm_options_set); its message names
// the key and never quotes a secret.
void set_by_name(realm_options_t *opts, const std::string &key, const std::string &value) {
    realm_error_t *err = nullptr;
    realm_status_t rc = realm_options_set(opts, key.c_str(), value.c_str(), &err);
    if (rc != REALM_OK) raise_error(rc, err);
}

}  // namespace

realm_options_t *new_options(const py::dict &options) {
    realm_options_t *opts = realm_options_new();
    if (!opts) throw std::bad_alloc();
    try {
        // "env": True reads REALM_URL, REALM_API_KEY, ... (the core's
        // realm_options_load_env) before the options given, which win.
        bool env = options.contains("env") && py::bool_(options["env"]);
        if (env) {
            realm_error_t *err = nullptr;
            realm_status_t rc = realm_options_load_env(opts, &err);
            if (rc != REALM_OK) raise_error(rc, err);
        }
        for (auto item : options) {
            std::string key = py::str(item.first);
            if (key == "env") continue;
            py::handle v = item.second;
            realm_status_t rc = REALM_OK;
            auto text = [&](realm_status_t (*setter)(realm_options_t *, const char *)) {
                if (v.is_none()) return setter(opts, nullptr);
                return setter(opts, utf8_arg(v.ptr(), key.c_str()));
            };
            auto flag = [&](realm_status_t (*setter)(realm_options_t *, int)) {
                return setter(opts, bool_arg(v.ptr(), key.c_str()) ? 1 : 0);
            };
            // Not given: the environment's value (with "env") or the core's
            // default applies; without "env", None clears those strings.
            if (v.is_none() && (env || (key != "api_key" && key != "tenant_id" && key != "model" && key != "tls_ca_file")))
                continue;
            if (key == "url") rc = text(realm_options_set_url);
            else if (key == "api_key") rc = text(realm_options_set_api_key);
            else if (key == "tenant_id") rc = text(realm_options_set_tenant_id);
            else if (key == "model") rc = text(realm_options_set_model);
            else if (key == "tls_ca_file") rc = text(realm_options_set_tls_ca_file);
            else if (key == "reconnect") rc = flag(realm_options_set_reconnect);
            else if (key == "tls_insecure") rc = flag(realm_options_set_tls_insecure);
            else if (key == "connect_timeout_ms") rc = realm_options_set_connect_timeout_ms(opts, to_u32(v, key));
            else if (key == "request_timeout_ms") rc = realm_options_set_request_timeout_ms(opts, to_u32(v, key));
            else if (key == "idle_timeout_ms") rc = realm_options_set_idle_timeout_ms(opts, to_u32(v, key));
            else if (key == "backoff_base_ms") rc = realm_options_set_backoff_base_ms(opts, to_u32(v, key));
            else if (key == "backoff_cap_ms") rc = realm_options_set_backoff_cap_ms(opts, to_u32(v, key));
            else if (key == "backoff_max_attempts") rc = realm_options_set_backoff_max_attempts(opts, to_u32(v, key));
            else if (key == "backoff_jitter_percent")
                rc = realm_options_set_backoff_jitter_percent(opts, to_u32(v, key));
            else if (key == "ping_interval_ms") rc = realm_options_set_ping_interval_ms(opts, to_u32(v, key));
            else if (key == "max_queued_requests") rc = realm_options_set_max_queued_requests(opts, to_u32(v, key));
            else if (key == "busy_poll_us") rc = realm_options_set_busy_poll_us(opts, to_u32(v, key));
            else if (key == "max_message_size") rc = realm_options_set_max_message_size(opts, to_u32(v, key));
            else if (key == "multiplex") {
                set_by_name(opts, key, bool_arg(v.ptr(), key.c_str()) ? "true" : "false");
                continue;
            } else if (key == "max_retries" || key == "retry_base_ms" || key == "retry_cap_ms" ||
                       key == "max_connections") {
                set_by_name(opts, key, std::to_string(to_u32(v, key)));
                continue;
            } else if (key == "urls") {
                // A list of URLs, failed over in order.
                if (!py::isinstance<py::list>(v) && !py::isinstance<py::tuple>(v))
                    throw py::type_error("option 'urls' must be a list of str");
                std::string joined;
                size_t i = 0;
                for (auto u : v) {
                    std::string what = "urls[" + std::to_string(i++) + "]";
                    std::string url = utf8_arg(u.ptr(), what.c_str());
                    if (url.find_first_of(" \t\r\n") != std::string::npos)
                        raise_message(REALM_ERR_INVALID_URL, what + " contains white space");
                    joined += (joined.empty() ? "" : " ") + url;
                }
                set_by_name(opts, key, joined);
                continue;
            } else if (key == "dialect" || key == "client_id" || key == "private_key_path" || key == "private_key" ||
                     key == "private_key_passphrase" || key == "signature_algorithm") {
                // The generic setter (ws-system's keys); its message names the key and
                // never quotes a secret.
                realm_error_t *err = nullptr;
                rc = realm_options_set(opts, key.c_str(), utf8_arg(v.ptr(), key.c_str()), &err);
                if (rc != REALM_OK) raise_error(rc, err);
                continue;
            } else throw py::type_error("unknown option '" + key + "'");
            if (rc != REALM_OK) {
                std::string why = "invalid value for option '" + key + "'";
                if (key != "api_key") why += ": " + std::string(py::repr(v));
                raise_message(rc, why);
            }
        }
    } catch (...) {
        realm_options_destroy(opts);
        throw;
    }
    return opts;
}

}  // namespace realmpy
