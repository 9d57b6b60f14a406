#include "options.h"

#include <cctype>

#include "core/log.h"
#include <string_view>

namespace realm::core {

namespace {
// True when `url` starts with `scheme` ("ws://", lower case), in any case:
// schemes are case-insensitive (RFC 3986 3.1).
bool has_scheme(const std::string &url, std::string_view scheme) {
    if (url.size() < scheme.size()) return false;
    for (size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return false;
    return true;
}
}  // namespace

std::string parse_url(const std::string &url, ServerUrl *out) {
    ServerUrl u;
    std::string rest;
    if (has_scheme(url, "ws://")) {
        rest = url.substr(5);
        u.port = 80;
    } else if (has_scheme(url, "wss://")) {
        rest = url.substr(6);
        u.tls = true;
        u.port = 443;
    } else if (has_scheme(url, "http://")) {
        rest = url.substr(7);
        u.http = true;
        u.port = 80;
    } else if (has_scheme(url, "https://")) {
        rest = url.substr(8);
        u.http = true;
        u.tls = true;
        u.port = 443;
    } else {
        return "URL must start with ws://, wss://, http:// or https://";
    }
    for (unsigned char c : url)
        if (c <= 0x20 || c >= 0x7f) return "URL contains spaces, control or non-ASCII characters";
    size_t slash = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos) {
        u.path = rest.substr(slash);
        if (u.path[0] != '/') u.path.insert(0, "/");
        size_t hash = u.path.find('#');
        if (hash != std::string::npos) u.path.erase(hash);
    }
    if (authority.find('@') != std::string::npos)
        return "URL must not contain user information; use the API key option";
    if (authority.empty()) return "URL has no host";
    std::string port_text;
    if (authority[0] == '[') {
        size_t close = authority.find(']');
        if (close == std::string::npos) return "URL has an unterminated IPv6 address";
        u.host = authority.substr(1, close - 1);
        // An IPv6 address: hex digits and ':' (an IPv4 tail may add '.').
        if (u.host.find(':') == std::string::npos ||
            u.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
            return "URL has an invalid IPv6 address";
        std::string after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return "URL has junk after the IPv6 address";
            port_text = after.substr(1);
            if (port_text.empty()) return "URL has an empty port";
        }
    } else {
        size_t colon = authority.rfind(':');
        if (colon != std::string::npos) {
            port_text = authority.substr(colon + 1);
            u.host = authority.substr(0, colon);
            if (port_text.empty()) return "URL has an empty port";
        } else {
            u.host = authority;
        }
        for (unsigned char c : u.host)
            if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_')) return "URL host has invalid characters";
    }
    if (u.host.empty()) return "URL has no host";
    if (!port_text.empty()) {
        if (port_text.size() > 5) return "URL port is out of range";
        long v = 0;
        for (unsigned char c : port_text) {
            if (!std::isdigit(c)) return "URL port is not a number";
            v = v * 10 + (c - '0');
        }
        if (v < 1 || v > 65535) return "URL port is out of range";
        u.port = int(v);
    }
    *out = std::move(u);
    return {};
}

std::string display_url(const ServerUrl &u) {
    std::string scheme = u.http ? (u.tls ? "https" : "http") : (u.tls ? "wss" : "ws");
    bool v6 = u.host.find(':') != std::string::npos;
    return scheme + "://" + (v6 ? "[" + u.host + "]" : u.host) + ":" + std::to_string(u.port) + redact_url(u.path);
}

}  // namespace realm::core
