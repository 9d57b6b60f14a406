#include "http_router.h"

#include "protocol/realm_wire.h"

namespace realm::server {

HttpRoute route_http(HttpMethod method, const std::string &path) {
    if (method == HttpMethod::Get) {
        if (path == "/health") return HttpRoute::Health;
        if (path == "/metrics") return HttpRoute::Metrics;
        if (path == "/v1/models") return HttpRoute::Models;
        if (path == "/api/v1/health") return HttpRoute::TektonHealth;
        if (path == "/api/v1/providers") return HttpRoute::TektonProviders;
    } else if (method == HttpMethod::Post) {
        if (path == "/v1/chat/completions") return HttpRoute::ChatCompletions;
        if (path == "/v1/completions") return HttpRoute::Completions;
        if (path == "/api/v1/chat") return HttpRoute::TektonChat;
        if (path == "/api/v1/chat/stream") return HttpRoute::TektonChatStream;
    }
    return HttpRoute::NotFound;
}

std::string models_json(const ServerOptions &options, uint64_t created) {
    std::string out = R"({"object":"list","data":[)";
    std::vector<std::string> names = options.models;
    if (names.empty()) names.push_back(kDefaultModel);
    for (size_t i = 0; i < names.size(); ++i) {
        if (i) out += ',';
        out += R"({"id":)";
        wire::append_json_string(out, names[i]);
        out += R"(,"object":"model","created":)" + std::to_string(created) + R"(,"owned_by":"realm-server"})";
    }
    out += "]}";
    return out;
}

}  // namespace realm::server
