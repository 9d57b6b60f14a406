// What the ws-system connections of one server share (ws-system.md 3, 4):
// the client registry, the auth failure limiter, the model catalogue, and
// the running generations of every connection by id, because upstream keeps
// one map for the whole server (a stop naming another connection's
// generation is refused, a second generation with a running id takes over
// its entry).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "options.h"
#include "ws_system_clients.h"
#include "ws_system_limiter.h"

namespace realm::server {

class WsSystemSession;

struct WsGenerationOwner {
    WsSystemSession *session = nullptr;
    uint64_t seq = 0;
};

struct WsSystemShared {
    explicit WsSystemShared(const ServerOptions &options);

    // Ollama's model names: "llama2" names "llama2:latest".
    bool model_exists(std::string_view name) const;

    WsClientRegistry clients;
    AuthFailureLimiter limiter;
    std::vector<std::string> model_names;  // with their tags
    std::string models_json;               // the models_result array, Ollama /api/tags objects
    // Key: the generate id as JSON text, so that "5" and 5 stay apart as
    // they do in upstream's Map.
    std::unordered_map<std::string, WsGenerationOwner> generations;
};

}  // namespace realm::server
