#include "ws_system_state.h"

#include <openssl/sha.h>

#include "protocol/realm_wire.h"

namespace realm::server {
namespace {

struct ModelInfo {
    std::string name;
    uint64_t size;
    std::string digest;
    const char *family;
    const char *parameter_size;
    const char *quantization;
};

std::string sha256_hex(const std::string &s) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char *>(s.data()), s.size(), md);
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : md) {
        out += hex[b >> 4];
        out += hex[b & 0xf];
    }
    return out;
}

std::string with_tag(const std::string &name) { return name.find(':') == std::string::npos ? name + ":latest" : name; }

// Upstream passes Ollama's /api/tags array through; these objects have its
// shape. Without --models: two common models, llama2 (upstream's default)
// first.
std::vector<ModelInfo> catalogue(const ServerOptions &o) {
    std::vector<ModelInfo> out;
    if (o.models.empty()) {
        out.push_back({"llama2:latest", 3826793677ULL,
                       "78e26419b4469263f75331927a00a0284ef6544c1975b826b15abdaef17bb962", "llama", "7B", "Q4_0"});
        out.push_back({"mistral:latest", 4113301824ULL,
                       "f974a74358d62a017b37c6f424fcdf2744ca02926c4f952513ddf474b2fa5091", "llama", "7.2B", "Q4_0"});
        std::string def = with_tag(o.ws_default_model);
        if (def != out[0].name && def != out[1].name)
            out.push_back({def, 3826793677ULL, sha256_hex(def), "llama", "7B", "Q4_0"});
        return out;
    }
    for (const std::string &m : o.models) {
        std::string name = with_tag(m);
        out.push_back({name, 3826793677ULL, sha256_hex(name), "llama", "7B", "Q4_0"});
    }
    return out;
}

void add_string(std::string &out, const char *name, std::string_view v) {
    out += '"';
    out += name;
    out += "\":";
    wire::append_json_string(out, v);
}

}  // namespace

WsSystemShared::WsSystemShared(const ServerOptions &o) : limiter(o.ws_max_auth_attempts, o.ws_auth_window_ms) {
    models_json = "[";
    for (const ModelInfo &m : catalogue(o)) {
        if (models_json.size() > 1) models_json += ',';
        models_json += '{';
        add_string(models_json, "name", m.name);
        models_json += ',';
        add_string(models_json, "model", m.name);
        models_json += R"(,"modified_at":"2024-05-01T10:00:00.000Z","size":)" + std::to_string(m.size) + ',';
        add_string(models_json, "digest", m.digest);
        models_json += R"(,"details":{"format":"gguf",)";
        add_string(models_json, "family", m.family);
        models_json += ',';
        add_string(models_json, "parameter_size", m.parameter_size);
        models_json += ',';
        add_string(models_json, "quantization_level", m.quantization);
        models_json += "}}";
        model_names.push_back(m.name);
    }
    models_json += ']';
}

bool WsSystemShared::model_exists(std::string_view name) const {
    for (const std::string &m : model_names) {
        if (m == name) return true;
        if (m.size() == name.size() + 7 && m.compare(0, name.size(), name) == 0 &&
            m.compare(name.size(), 7, ":latest") == 0)
            return true;
    }
    return false;
}

}  // namespace realm::server
