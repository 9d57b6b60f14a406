#include "core/env_config.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace realm::core {
namespace {

const char *env(const char *name) {
    const char *v = std::getenv(name);
    return v && *v ? v : nullptr;
}

// The rule's text names the option; the variable is what the user set.
OptionResult renamed(OptionResult r, std::string_view key, const char *variable) {
    if (r.status == REALM_OK) return r;
    if (r.why.compare(0, key.size(), key) == 0) r.why.replace(0, key.size(), variable);
    else r.why = std::string(variable) + ": " + r.why;
    return r;
}

// Seconds (a decimal number, e.g. "2.5") as whole milliseconds.
OptionResult set_seconds(Options &o, const char *text) {
    char *end = nullptr;
    double s = std::strtod(text, &end);
    if (end == text || *end != '\0' || !std::isfinite(s) || s < 0 || s > 86400)
        return {REALM_ERR_INVALID_ARGUMENT, "REALM_TIMEOUT: must be a number of seconds from 0 (none) to 86400"};
    return set_option(o, "request_timeout_ms", std::to_string(std::llround(s * 1000)).c_str());
}

}  // namespace

OptionResult load_env(Options &opts) {
    Options o = opts;
    if (const char *url = env("REALM_URL")) {
        // Several URLs separated by spaces fail over (option "urls").
        bool several = std::string_view(url).find_first_of(" \t\r\n") != std::string_view::npos;
        OptionResult r = set_option(o, several ? "urls" : "url", url);
        if (r.status != REALM_OK) return renamed(r, several ? "urls" : "url", "REALM_URL");
    }
    if (const char *key = env("REALM_API_KEY")) {
        OptionResult r = set_option(o, "api_key", key);
        if (r.status != REALM_OK) return renamed(r, "api_key", "REALM_API_KEY");
    }
    if (const char *dialect = env("REALM_DIALECT")) {
        OptionResult r = set_option(o, "dialect", dialect);
        if (r.status != REALM_OK) return renamed(r, "dialect", "REALM_DIALECT");
    }
    if (const char *timeout = env("REALM_TIMEOUT")) {
        OptionResult r = set_seconds(o, timeout);
        if (r.status != REALM_OK) return r;
    }
    if (const char *retries = env("REALM_MAX_RETRIES")) {
        OptionResult r = set_option(o, "max_retries", retries);
        if (r.status != REALM_OK) return renamed(r, "max_retries", "REALM_MAX_RETRIES");
    }
    opts = std::move(o);
    return {};
}

}  // namespace realm::core
