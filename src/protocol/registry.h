// Every dialect the library speaks, by name, and the default for a URL.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "protocol/dialect.h"

namespace realm::protocol {

// "realm", "openai-ws", "openai-http", "tekton", "ws-system"; nullptr for an
// unknown name or a configuration the dialect cannot work with (*why says
// what: e.g. ws-system's private key file cannot be read).
std::unique_ptr<Dialect> make_dialect(std::string_view name, DialectConfig config, std::string *why = nullptr);

// True for the names make_dialect() knows, and for "auto".
bool is_dialect_name(std::string_view name);

// The names, comma-separated, for error messages.
const char *dialect_names();

// The transport a dialect runs on (WebSocket or HTTP); false for unknown names.
bool dialect_transport(std::string_view name, Transport *out);

// The dialect of "auto" for a URL: http:// and https:// -> "openai-http";
// ws(s):// whose path (without the query) ends in /v1/chat/completions or
// /v1/completions -> "openai-ws"; any other ws(s):// -> "realm".
std::string_view dialect_for_url(bool http_scheme, std::string_view path);

}  // namespace realm::protocol
