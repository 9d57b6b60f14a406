// openai-ws (openai-ws.md): the socket path selects chat or completions; one
// request in flight per connection (a small pool serves parallel calls) and
// cancel by closing that connection, or, when the user opts in, requests
// multiplexed on one socket by `request_id` with the `cancel` frame
// extension. Auth by a Bearer header on the upgrade, or the documented
// `auth` frame; the key never goes into a URL.
#include "protocol/openai/openai_codec.h"
#include "protocol/openai/openai_dialects.h"
#include "protocol/realm_wire.h"

namespace realm::protocol {
namespace {

using openai::Endpoint;

// The query string is not part of the endpoint.
std::string_view path_only(std::string_view path) { return path.substr(0, path.find('?')); }

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Endpoint endpoint_for(const DialectConfig &cfg) {
    if (cfg.endpoint == "completions") return Endpoint::Completions;
    if (cfg.endpoint == "chat") return Endpoint::Chat;
    std::string_view p = path_only(cfg.path);
    if (ends_with(p, "/chat/completions")) return Endpoint::Chat;
    if (ends_with(p, "/completions")) return Endpoint::Completions;
    return Endpoint::Chat;
}

class OpenAiWsHandshake final : public Handshake {
public:
    OpenAiWsHandshake(const DialectConfig &cfg) : cfg_(cfg) {
        session_.interleave = cfg.multiplex;
        session_.server_cancel = cfg.multiplex;
    }
    HandshakeStep on_open() override {
        // No acknowledgement exists (openai-ws.md 2): the connection is ready
        // once open, with the auth frame first when that mode is chosen.
        if (cfg_.auth_message && !cfg_.api_key.empty()) {
            std::string frame = "{\"type\":\"auth\",\"api_key\":";
            wire::append_json_string(frame, cfg_.api_key);
            frame += '}';
            return HandshakeStep::ready(std::move(frame));
        }
        return HandshakeStep::ready();
    }
    HandshakeStep on_message(std::string_view) override { return HandshakeStep::ready(); }
    SessionInfo session() const override { return session_; }

private:
    const DialectConfig &cfg_;
    SessionInfo session_;
};

class OpenAiWsDialect final : public Dialect {
public:
    explicit OpenAiWsDialect(DialectConfig config) : cfg_(std::move(config)), endpoint_(endpoint_for(cfg_)) {
        caps_.transport = Transport::WebSocket;
        caps_.policy = cfg_.multiplex ? ConnectionPolicy::Multiplexed : ConnectionPolicy::Pool;
        caps_.correlation = cfg_.multiplex ? Correlation::ById : Correlation::OnePerConnection;
        caps_.keepalive = cfg_.json_ping ? Keepalive::JsonPing : Keepalive::WsPing;
        caps_.cancel = cfg_.multiplex ? CancelStyle::Frame : CancelStyle::CloseConnection;
        caps_.needs_finish_reason = true;
        caps_.reconnect_attempts = 5;  // openai-ws.md 8: 1 s base, x2, cap 30 s, +/-20 %, 5 attempts
    }

    std::string_view name() const override { return "openai-ws"; }
    const Capabilities &capabilities() const override { return caps_; }

    bool accepts(const RequestSpec &spec, std::string *why) const override {
        switch (spec.kind) {
            case RequestKind::Generate:
                return true;
            case RequestKind::Chat:
                if (endpoint_ == Endpoint::Chat) return true;
                *why = "this client's openai-ws endpoint is /v1/completions, which takes a prompt, not chat messages";
                return false;
            default:
                *why = std::string("openai-ws carries completions only: ") + request_kind_name(spec.kind) +
                       " is not available (the server's HTTP API has /v1/models)";
                return false;
        }
    }

    HeaderList request_headers() const override {
        HeaderList h;
        if (!cfg_.api_key.empty() && !cfg_.auth_message) h.emplace_back("Authorization", "Bearer " + cfg_.api_key);
        h.insert(h.end(), cfg_.headers.begin(), cfg_.headers.end());
        return h;
    }

    std::unique_ptr<Handshake> new_handshake() override { return std::make_unique<OpenAiWsHandshake>(cfg_); }

    void encode_request(std::string &out, std::string_view id, const RequestSpec &spec,
                        const SessionInfo &) const override {
        openai::BodyOptions opts;
        if (cfg_.multiplex) opts.request_id = id;
        openai::encode_body(out, spec, endpoint_, opts);
    }

    bool encode_cancel(std::string &out, std::string_view, std::string_view target_id,
                       const SessionInfo &session) const override {
        if (!session.server_cancel) return false;
        out += "{\"type\":\"cancel\",\"request_id\":";
        wire::append_json_string(out, target_id);
        out += '}';
        return true;
    }

    void encode_ping(std::string &out) const override { out += "{\"type\":\"ping\"}"; }

    void decode(std::string_view message, InboundFrame &f) override {
        if (message == "[DONE]") {  // an SSE habit some servers keep (openai-ws.md 4.3)
            f.clear();
            f.kind = FrameKind::Ignore;
            return;
        }
        decoder_.decode(message, f);
        // Over WebSocket the chunk with a finish reason is the last one.
        if (f.kind == FrameKind::Token && !f.finish_reason.empty()) {
            f.kind = FrameKind::Complete;
            f.text_is_delta = true;
        }
    }

private:
    DialectConfig cfg_;
    Endpoint endpoint_;
    Capabilities caps_;
    openai::Decoder decoder_;
};

}  // namespace

std::unique_ptr<Dialect> make_openai_ws_dialect(DialectConfig config) {
    return std::make_unique<OpenAiWsDialect>(std::move(config));
}

}  // namespace realm::protocol
