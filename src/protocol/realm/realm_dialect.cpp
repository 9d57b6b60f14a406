// Realm encoders, capabilities and error mapping. The decoder is in
// realm_decode.cpp, the handshake in realm_handshake.cpp.
#include "protocol/realm/realm_dialect.h"

#include <openssl/rand.h>

#include <random>

#include "protocol/realm_wire.h"

namespace realm::protocol {
namespace {

// A version-4 UUID from OpenSSL's generator: the auto tenant separates this
// client's server-side state from other clients', so it must not be
// guessable. (std::random_device plus a seeded mt19937 cost tens of
// microseconds per client: 5,000 clients opening at once spent 0.2 s in it.)
std::string random_uuid_v4() {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) {
        std::random_device rd;  // OpenSSL's generator could not seed: the system's
        for (unsigned char &x : b) x = static_cast<unsigned char>(rd());
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static const char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += hex[b[i] >> 4];
        s += hex[b[i] & 15];
    }
    return s;
}

// Capitalised role name for the chat-as-prompt rendering.
std::string role_label(const std::string &role) {
    if (role.empty()) return "User";
    std::string r = role;
    if (r[0] >= 'a' && r[0] <= 'z') r[0] = char(r[0] - 'a' + 'A');
    return r;
}

}  // namespace

RealmDialect::RealmDialect(DialectConfig config) : config_(std::move(config)), auto_tenant_(random_uuid_v4()) {
    caps_.transport = Transport::WebSocket;
    caps_.policy = ConnectionPolicy::Multiplexed;
    caps_.correlation = Correlation::ById;
    caps_.keepalive = Keepalive::WsPing;
    caps_.cancel = CancelStyle::Frame;
    caps_.needs_finish_reason = false;
}

std::unique_ptr<RealmDialect> make_realm_dialect(DialectConfig config) {
    return std::make_unique<RealmDialect>(std::move(config));
}

bool RealmDialect::accepts(const RequestSpec &spec, std::string *why) const {
    if (spec.kind == RequestKind::Models) {
        *why = "the Realm protocol has no model list (metadata lists the server's functions)";
        return false;
    }
    return true;
}

void RealmDialect::encode_auth(std::string &out, std::string_view api_key) const {
    out += "{\"type\":\"auth\",\"api_key\":";
    wire::append_json_string(out, api_key);
    out += '}';
}

void RealmDialect::encode_call(std::string &out, std::string_view id, std::string_view function,
                               std::string_view params_json, std::string_view tenant_id) const {
    out += "{\"id\":";
    wire::append_json_string(out, id);
    out += ",\"function\":";
    wire::append_json_string(out, function);
    out += ",\"params\":";
    out += params_json.empty() ? std::string_view("{}") : params_json;
    if (!tenant_id.empty()) {
        out += ",\"tenant_id\":";
        wire::append_json_string(out, tenant_id);
    }
    out += '}';
}

void RealmDialect::encode_request(std::string &out, std::string_view id, const RequestSpec &spec,
                                  const SessionInfo &session) const {
    std::string params;
    std::string_view function;
    switch (spec.kind) {
        case RequestKind::Generate:
        case RequestKind::Chat:
            function = wire::kGenerate;
            encode_generate_params(params, spec);
            break;
        case RequestKind::Pipeline:
            function = wire::kPipeline;
            encode_pipeline_params(params, spec.name, spec.json);
            break;
        case RequestKind::Health:
            function = wire::kHealth;
            break;
        case RequestKind::Metadata:
            function = wire::kMetadata;
            break;
        case RequestKind::Call:
        case RequestKind::Models:  // refused by accepts()
            function = spec.name;
            params = spec.json;
            break;
    }
    encode_call(out, id, function, params, session.tenant_id);
}

bool RealmDialect::encode_cancel(std::string &out, std::string_view cancel_id, std::string_view target_id,
                                 const SessionInfo &session) const {
    if (!session.server_cancel) return false;
    std::string params = "{\"id\":";
    wire::append_json_string(params, target_id);
    params += '}';
    encode_call(out, cancel_id, wire::kCancel, params, session.tenant_id);
    return true;
}

void encode_generate_params(std::string &out, const RequestSpec &spec) {
    const Sampling &g = spec.sampling;
    out += "{\"prompt\":";
    if (spec.kind == RequestKind::Chat) {
        if (spec.messages.size() == 1 && spec.messages[0].role == "user") {
            wire::append_json_string(out, spec.messages[0].content);
        } else {
            std::string prompt;
            for (const ChatMessage &m : spec.messages) prompt += role_label(m.role) + ": " + m.content + "\n";
            prompt += "Assistant:";
            wire::append_json_string(out, prompt);
        }
    } else {
        wire::append_json_string(out, spec.prompt);
    }
    if (!g.model.empty()) {
        out += ",\"model\":";
        wire::append_json_string(out, g.model);
    }
    if (g.max_tokens >= 0) out += ",\"max_tokens\":" + std::to_string(g.max_tokens);
    if (g.temperature >= 0) { out += ",\"temperature\":"; append_json_number(out, g.temperature); }
    if (g.top_p >= 0) { out += ",\"top_p\":"; append_json_number(out, g.top_p); }
    if (g.top_k >= 0) out += ",\"top_k\":" + std::to_string(g.top_k);
    if (g.repetition_penalty >= 0) { out += ",\"repetition_penalty\":"; append_json_number(out, g.repetition_penalty); }
    if (g.has_presence_penalty) { out += ",\"presence_penalty\":"; append_json_number(out, g.presence_penalty); }
    if (g.has_frequency_penalty) { out += ",\"frequency_penalty\":"; append_json_number(out, g.frequency_penalty); }
    if (g.has_seed) out += ",\"seed\":" + std::to_string(g.seed);
    if (!g.stop.empty()) {
        out += ",\"stop\":[";
        for (size_t i = 0; i < g.stop.size(); ++i) {
            if (i) out += ',';
            wire::append_json_string(out, g.stop[i]);
        }
        out += ']';
    }
    out += g.stream ? ",\"stream\":true" : ",\"stream\":false";
    out += '}';
    // Checked by the C shim before the request was accepted.
    if (!spec.extra_json.empty()) merge_json_objects(out, spec.extra_json, nullptr);
}

void encode_pipeline_params(std::string &out, std::string_view name, std::string_view input_json) {
    out += "{\"pipeline\":";
    wire::append_json_string(out, name);
    out += ",\"input\":";
    out += input_json.empty() ? std::string_view("{}") : input_json;
    out += '}';
}

realm_status_t realm_error_status(std::string_view code) {
    if (code == wire::kUnauthorized) return REALM_ERR_UNAUTHORIZED;
    if (code == wire::kRateLimitExceeded) return REALM_ERR_RATE_LIMITED;
    if (code == wire::kDispatchError) return REALM_ERR_DISPATCH;
    if (code == wire::kInternalError) return REALM_ERR_SERVER_INTERNAL;
    if (code == wire::kBackendError) return REALM_ERR_BACKEND;
    return REALM_ERR_SERVER;
}

void map_error(InboundFrame &f) {
    f.status = realm_error_status(f.code);
    if (f.status == REALM_ERR_RATE_LIMITED && f.retry_after_ms < 0) {
        // realm.md 8.2: whole seconds rounded down in the message; use at least 1 s.
        long long secs = wire::parse_retry_after_seconds(f.message);
        if (secs >= 0) f.retry_after_ms = (secs < 1 ? 1 : secs) * 1000;
    }
}

}  // namespace realm::protocol
