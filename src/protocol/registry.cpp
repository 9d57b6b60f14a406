#include "protocol/registry.h"

#include "protocol/openai/openai_dialects.h"
#include "protocol/realm/realm_dialect.h"
#include "protocol/tekton/tekton_dialect.h"
#include "protocol/ws_system/ws_system_dialect.h"

namespace realm::protocol {
namespace {

struct Entry {
    std::string_view name;
    Transport transport;
    std::unique_ptr<Dialect> (*make)(DialectConfig, std::string *why);
};

std::unique_ptr<Dialect> make_realm(DialectConfig c, std::string *) { return make_realm_dialect(std::move(c)); }
std::unique_ptr<Dialect> make_openai_ws(DialectConfig c, std::string *) { return make_openai_ws_dialect(std::move(c)); }
std::unique_ptr<Dialect> make_openai_http(DialectConfig c, std::string *) {
    return make_openai_http_dialect(std::move(c));
}
std::unique_ptr<Dialect> make_tekton(DialectConfig c, std::string *) { return make_tekton_dialect(std::move(c)); }
std::unique_ptr<Dialect> make_tekton_ws(DialectConfig c, std::string *) { return make_tekton_ws_dialect(std::move(c)); }

// One line per dialect.
const Entry kDialects[] = {
    {"realm", Transport::WebSocket, &make_realm},
    {"openai-ws", Transport::WebSocket, &make_openai_ws},
    {"openai-http", Transport::Http, &make_openai_http},
    {"tekton", Transport::Http, &make_tekton},  // only by name: Tekton URLs are plain http(s)
    {"tekton-ws", Transport::WebSocket, &make_tekton_ws},  // only by name: /ws is no sign of Tekton
    {"ws-system", Transport::WebSocket, &ws_system::make_dialect},  // only by name: any path is ws-system's
};

const Entry *find(std::string_view name) {
    for (const Entry &e : kDialects)
        if (e.name == name) return &e;
    return nullptr;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::unique_ptr<Dialect> make_dialect(std::string_view name, DialectConfig config, std::string *why) {
    const Entry *e = find(name);
    std::string ignored;
    if (!e) {
        if (why) *why = "unknown dialect '" + std::string(name) + "'";
        return nullptr;
    }
    return e->make(std::move(config), why ? why : &ignored);
}

bool is_dialect_name(std::string_view name) { return name == "auto" || find(name) != nullptr; }

const char *dialect_names() { return "auto, realm, openai-ws, openai-http, tekton, tekton-ws, ws-system"; }

bool dialect_transport(std::string_view name, Transport *out) {
    const Entry *e = find(name);
    if (!e) return false;
    *out = e->transport;
    return true;
}

std::string_view dialect_for_url(bool http_scheme, std::string_view path) {
    if (http_scheme) return "openai-http";
    std::string_view p = path.substr(0, path.find('?'));
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    if (ends_with(p, "/v1/chat/completions") || ends_with(p, "/v1/completions")) return "openai-ws";
    return "realm";
}

}  // namespace realm::protocol
