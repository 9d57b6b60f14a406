// Plain HTTP requests (not WebSocket upgrades) on the server's port: the
// OpenAI REST endpoints of openai-ws.md section 9 and a health probe.
//
//   POST /v1/chat/completions, POST /v1/completions   completions (JSON or SSE)
//   GET  /v1/models                                    model list
//   GET  /health                                       {"status":"ok"}
//   GET  /api/v1/health, /api/v1/providers, POST /api/v1/chat, /api/v1/chat/stream
//                                                      Tekton (tekton_http.h)
//   anything else                                      404, OpenAI error envelope
#pragma once

#include <string>

#include "http_request.h"
#include "options.h"

namespace realm::server {

enum class HttpRoute {
    Health,
    Metrics,  // gateway mode: Prometheus text
    Models,
    ChatCompletions,
    Completions,
    TektonHealth,
    TektonProviders,
    TektonChat,
    TektonChatStream,
    NotFound,
};

HttpRoute route_http(HttpMethod method, const std::string &path);

// GET /v1/models: the --models names, or the one synthetic model.
std::string models_json(const ServerOptions &options, uint64_t created);

inline constexpr const char *kDefaultModel = "realm-sim";

}  // namespace realm::server
