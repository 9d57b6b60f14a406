#include "core/log.h"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace realm::core {
namespace {

const char *level_name(realm_log_level_t level) {
    switch (level) {
        case REALM_LOG_ERROR: return "error";
        case REALM_LOG_WARN: return "warn";
        case REALM_LOG_INFO: return "info";
        default: return "debug";
    }
}

void stderr_sink(void *, realm_log_level_t level, const char *message) {
    std::fprintf(stderr, "librealm %s: %s\n", level_name(level), message);
}

struct Sink {
    // Held while the callback runs, so that once set_log_callback returns the
    // previous callback is not running. Recursive: a callback may log.
    std::recursive_mutex mutex;
    realm_log_cb cb = nullptr;
    void *user = nullptr;
    std::atomic<int> max_level{0};

    Sink() { use_default(); }
    // stderr at the level of REALM_LOG (error, warn, info, debug; anything
    // else is off), or at debug when REALM_DEBUG is set to anything but "0".
    void use_default() {
        int level = env_level();
        cb = level ? &stderr_sink : nullptr;
        user = nullptr;
        max_level.store(level, std::memory_order_release);
    }
    static int env_level() {
        const char *dbg = std::getenv("REALM_DEBUG");
        if (dbg && *dbg && std::strcmp(dbg, "0") != 0) return REALM_LOG_DEBUG;
        const char *name = std::getenv("REALM_LOG");
        std::string v;
        for (const char *p = name ? name : ""; *p; ++p) v += char(std::tolower(static_cast<unsigned char>(*p)));
        if (v == "debug") return REALM_LOG_DEBUG;
        if (v == "info") return REALM_LOG_INFO;
        if (v == "warn" || v == "warning") return REALM_LOG_WARN;
        if (v == "error") return REALM_LOG_ERROR;
        return 0;
    }
};

Sink &sink() {
    static Sink *s = new Sink();  // never destroyed: logging may happen during exit
    return *s;
}

bool secret_param(std::string_view name) {
    std::string lower;
    for (char c : name) lower += char(std::tolower(static_cast<unsigned char>(c)));
    return lower == "token" || lower == "key" || lower == "api_key" || lower == "apikey" ||
           lower == "access_token" || lower == "auth" || lower == "password" || lower == "secret";
}

}  // namespace

void set_log_callback(realm_log_cb cb, void *user, realm_log_level_t max_level) {
    Sink &s = sink();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (!cb) {
        s.use_default();
        return;
    }
    s.cb = cb;
    s.user = user;
    s.max_level.store(max_level, std::memory_order_release);
}

bool log_on(realm_log_level_t level) { return int(level) <= sink().max_level.load(std::memory_order_acquire); }

void log(realm_log_level_t level, std::string_view message) {
    if (!log_on(level)) return;
    Sink &s = sink();
    std::string text(message);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (s.cb && int(level) <= s.max_level.load(std::memory_order_relaxed)) s.cb(s.user, level, text.c_str());
}

std::string redact_url(std::string_view url) {
    std::string out;
    out.reserve(url.size());
    size_t q = url.find('?');
    if (q == std::string_view::npos) return std::string(url);
    out.append(url.substr(0, q + 1));
    std::string_view query = url.substr(q + 1);
    size_t hash = query.find('#');
    if (hash != std::string_view::npos) query = query.substr(0, hash);
    bool first = true;
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        size_t eq = pair.find('=');
        if (!first) out += '&';
        first = false;
        if (eq != std::string_view::npos && secret_param(pair.substr(0, eq))) {
            out.append(pair.substr(0, eq + 1));
            out += "***";
        } else {
            out.append(pair);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

}  // namespace realm::core
