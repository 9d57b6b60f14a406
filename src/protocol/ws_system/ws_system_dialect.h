// ws-system (ws-system.md): the RSA challenge-response WebSocket protocol of
// ollama-ws-system. One connection carries every request, told apart by `id`.
#pragma once

#include <memory>
#include <string>

#include "protocol/dialect.h"

namespace realm::protocol::ws_system {

// Reads the private key named by `config` (file or PEM text) once; nullptr
// and *why when it is missing, unreadable or malformed, or when client_id
// is not set.
std::unique_ptr<Dialect> make_dialect(DialectConfig config, std::string *why);

// The id prefix of keepalive pings: their pongs belong to no request.
constexpr const char *kKeepalivePrefix = "keepalive_";

}  // namespace realm::protocol::ws_system
