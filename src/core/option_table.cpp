#include "core/option_table.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>

#include "protocol/realm_wire.h"
#include "protocol/registry.h"
#include "protocol/ws_system/challenge_signer.h"

namespace realm::core {
namespace {

constexpr uint64_t kMaxTimeoutMs = 86400000;

OptionResult bad(std::string_view key, const std::string &rule) {
    return {REALM_ERR_INVALID_ARGUMENT, std::string(key) + ": " + rule};
}

bool parse_u64(const char *v, uint64_t *out) {
    if (!v || !*v) return false;
    uint64_t n = 0;
    for (const char *p = v; *p; ++p) {
        if (*p < '0' || *p > '9') return false;
        if (n > (std::numeric_limits<uint64_t>::max() - 9) / 10) return false;
        n = n * 10 + uint64_t(*p - '0');
    }
    *out = n;
    return true;
}

bool parse_bool(const char *v, bool *out) {
    if (!v) return false;
    std::string_view s(v);
    if (s == "1" || s == "true") *out = true;
    else if (s == "0" || s == "false") *out = false;
    else return false;
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// RFC 9110 5.6.2 tchar.
bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!(std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos))
            return false;
    return true;
}

// Headers the library writes itself.
bool reserved_header(std::string_view name) {
    for (std::string_view r : {"host", "content-length", "content-type", "connection", "upgrade", "transfer-encoding"})
        if (iequals(name, r)) return true;
    return name.size() >= 14 && iequals(name.substr(0, 14), "sec-websocket-");
}

// A numeric option in [lo, hi].
template <typename T>
OptionResult set_number(T &field, std::string_view key, const char *v, uint64_t lo, uint64_t hi) {
    uint64_t n;
    if (!parse_u64(v, &n) || n < lo || n > hi)
        return bad(key, "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
    field = T(n);
    return {};
}

OptionResult set_flag(bool &field, std::string_view key, const char *v) {
    bool b;
    if (!parse_bool(v, &b)) return bad(key, "must be true or false (or 1 or 0)");
    field = b;
    return {};
}

// A UTF-8 text option; NULL clears it.
OptionResult set_text(std::string &field, std::string_view key, const char *v) {
    if (v && !wire::is_valid_utf8(v)) return bad(key, "is not valid UTF-8");
    field = v ? v : "";
    return {};
}

constexpr size_t kMaxUrls = 16;

// Several servers of one service, tried in order (failover). They share the
// dialect and the path, which the dialect was made for; hosts, ports and TLS
// may differ.
OptionResult set_urls(Options &o, const char *v) {
    std::vector<ServerUrl> list;
    std::string_view rest = v ? v : "";
    while (true) {
        size_t start = rest.find_first_not_of(" \t\r\n");
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        size_t end = rest.find_first_of(" \t\r\n");
        std::string one(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
        ServerUrl parsed;
        std::string why = parse_url(one, &parsed);
        if (!why.empty())
            return {REALM_ERR_INVALID_URL, "urls: URL " + std::to_string(list.size() + 1) + ": " + why};
        if (!list.empty() && (parsed.http != list[0].http || parsed.path != list[0].path))
            return bad("urls", "every URL must have the scheme family (ws/wss or http/https) and the path of the first");
        if (list.size() == kMaxUrls) return bad("urls", "at most " + std::to_string(kMaxUrls) + " URLs");
        list.push_back(std::move(parsed));
    }
    if (list.empty()) return bad("urls", "must name at least one URL (separated by spaces)");
    o.server = list[0];
    if (list.size() > 1) o.servers = std::move(list);
    else o.servers.clear();
    return {};
}

}  // namespace

OptionResult set_header(Options &opts, const char *name, const char *value) {
    if (!name || !is_token(name)) return bad("header", "the name must be an HTTP token (letters, digits, !#$%&'*+-.^_`|~)");
    if (reserved_header(name)) return bad("header", std::string("'") + name + "' is set by the library itself");
    auto &h = opts.headers;
    if (!value) {
        for (auto it = h.begin(); it != h.end();)
            it = iequals(it->first, name) ? h.erase(it) : it + 1;
        return {};
    }
    for (const char *p = value; *p; ++p) {
        unsigned char c = static_cast<unsigned char>(*p);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return bad("header", std::string("the value of '") + name + "' contains a control character");
    }
    h.emplace_back(name, value);
    return {};
}

OptionResult set_option(Options &o, std::string_view key, const char *v) {
    if (key == "url") {
        if (!v) return bad(key, "must not be NULL");
        ServerUrl parsed;
        std::string why = parse_url(v, &parsed);
        if (!why.empty()) return {REALM_ERR_INVALID_URL, "url: " + why};
        o.server = parsed;
        o.servers.clear();
        return {};
    }
    if (key == "urls") return set_urls(o, v);
    if (key == "api_key") {
        if (v && !wire::is_valid_utf8(v)) return bad(key, "is not valid UTF-8");
        o.api_key = v ? v : "";
        return {};
    }
    if (key == "tenant_id") {
        if (v) {
            std::string problem = wire::tenant_id_problem(v);
            if (!problem.empty()) return bad(key, problem);
        }
        o.tenant_id = v ? v : "";
        return {};
    }
    if (key == "model") return set_text(o.model, key, v);
    if (key == "dialect") {
        if (!v || !protocol::is_dialect_name(v))
            return bad(key, std::string("must be one of ") + protocol::dialect_names());
        o.dialect = v;
        return {};
    }
    if (key == "endpoint") {
        std::string_view e = v ? v : "";
        if (!e.empty() && e != "chat" && e != "completions") return bad(key, "must be \"chat\", \"completions\" or empty");
        o.endpoint = std::string(e);
        return {};
    }
    if (key == "header") {
        if (!v) return bad(key, "must be \"Name: value\"");
        std::string_view s(v);
        size_t colon = s.find(':');
        if (colon == std::string_view::npos) return bad(key, "must be \"Name: value\"");
        std::string name(s.substr(0, colon));
        std::string_view value = s.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        return set_header(o, name.c_str(), std::string(value).c_str());
    }
    if (key == "client_id") return set_text(o.client_id, key, v);
    if (key == "private_key_path") {
        if (v && !*v) return bad(key, "must not be empty (NULL clears it)");
        o.private_key_path = v ? v : "";
        return {};
    }
    // The key and its passphrase are never quoted back.
    if (key == "private_key") {
        if (v && !wire::is_valid_utf8(v)) return bad(key, "is not valid UTF-8 PEM text");
        o.private_key_pem = v ? v : "";
        return {};
    }
    if (key == "private_key_passphrase") {
        o.private_key_passphrase = v ? v : "";
        return {};
    }
    if (key == "signature_algorithm") {
        if (v && !protocol::ws_system::ChallengeSigner::known_algorithm(v))
            return bad(key, "must be SHA256, SHA384, SHA512 (or RSA-SHA256, RSA-SHA384, RSA-SHA512)");
        o.signature_algorithm = v ? v : "";
        return {};
    }
    if (key == "tls_ca_file") {
        if (v && !*v) return bad(key, "must not be empty (NULL clears it)");
        o.tls_ca_file = v ? v : "";
        return {};
    }
    if (key == "connect_timeout_ms") {
        OptionResult r = set_number(o.connect_timeout_ms, key, v, 1, 3600000);
        if (r.status == REALM_OK) o.connect_timeout_set = true;
        return r;
    }
    if (key == "request_timeout_ms") {
        OptionResult r = set_number(o.request_timeout_ms, key, v, 0, kMaxTimeoutMs);
        if (r.status == REALM_OK) o.request_timeout_set = true;
        return r;
    }
    if (key == "idle_timeout_ms") return set_number(o.idle_timeout_ms, key, v, 0, kMaxTimeoutMs);
    if (key == "backoff_base_ms") return set_number(o.backoff_base_ms, key, v, 1, 3600000);
    if (key == "backoff_cap_ms") return set_number(o.backoff_cap_ms, key, v, 1, kMaxTimeoutMs);
    if (key == "backoff_max_attempts") {
        OptionResult r = set_number(o.backoff_max_attempts, key, v, 0, 1000000);
        if (r.status == REALM_OK) o.backoff_max_attempts_set = true;
        return r;
    }
    if (key == "backoff_jitter_percent") return set_number(o.backoff_jitter_percent, key, v, 0, 100);
    if (key == "ping_interval_ms") return set_number(o.ping_interval_ms, key, v, 0, kMaxTimeoutMs);
    if (key == "max_message_size") return set_number(o.max_message_size, key, v, 1024, uint64_t(1) << 30);
    if (key == "max_queued_requests") return set_number(o.max_queued_requests, key, v, 1, 1048576);
    if (key == "busy_poll_us") return set_number(o.busy_poll_us, key, v, 0, 1000000);
    if (key == "max_retries") {
        OptionResult r = set_number(o.max_retries, key, v, 0, 100);
        if (r.status == REALM_OK) o.max_retries_set = true;
        return r;
    }
    if (key == "retry_base_ms") return set_number(o.retry_base_ms, key, v, 1, 3600000);
    if (key == "retry_cap_ms") return set_number(o.retry_cap_ms, key, v, 1, kMaxTimeoutMs);
    if (key == "max_connections") return set_number(o.max_connections, key, v, 0, 1024);
    if (key == "reconnect") return set_flag(o.reconnect, key, v);
    if (key == "tls_insecure") return set_flag(o.tls_insecure, key, v);
    if (key == "auth_message") return set_flag(o.auth_message, key, v);
    if (key == "multiplex") return set_flag(o.multiplex, key, v);
    if (key == "json_ping") return set_flag(o.json_ping, key, v);
    // At most 64 bytes of the key, cut on a UTF-8 character boundary.
    size_t n = std::min<size_t>(key.size(), 64);
    while (n < key.size() && n > 0 && (static_cast<unsigned char>(key[n]) & 0xC0) == 0x80) --n;
    return {REALM_ERR_INVALID_ARGUMENT, "unknown option '" + std::string(key.substr(0, n)) + "'"};
}

}  // namespace realm::core
