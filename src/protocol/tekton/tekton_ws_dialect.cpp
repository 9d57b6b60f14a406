// tekton-ws (tekton.md 3, [CLIENT-CONTRACT] with the [LIBREALM] rules): one
// WebSocket multiplexed by `request_id` (the core's request id). The
// handshake sends REGISTER and waits for REGISTER_ACK within the connect
// timeout, answering PINGs meanwhile; any other frame before the ACK fails
// the connect. Requests are GENERATE / STREAM (prompt) or CHAT / CHAT_STREAM
// (messages) with the members the HTTP dialect sends (tekton_codec.h).
// Replies: CHUNK (done:true ends the stream, an `error` string fails it),
// RESPONSE (the whole answer), ERROR (fails its request; without a known
// id it is the client's error), PING (answered with PONG at once); other
// types are ignored. Cancel sends CANCEL; the core ends the request locally.
#include <string>

#include "protocol/realm_wire.h"
#include "protocol/tekton/tekton_codec.h"
#include "protocol/tekton/tekton_dialect.h"

namespace realm::protocol {
namespace {

using tekton::Reply;

constexpr std::string_view kPong = "{\"type\":\"PONG\"}";
constexpr const char *kDefaultComponentId = "librealm";
constexpr size_t kMaxQuoted = 200;

std::string quoted(std::string_view s) { return std::string(s.substr(0, kMaxQuoted)); }

// The server's error text mapped to a status: the reference server's
// wording (tekton.md 2.3, 4), anything else is the server's error.
realm_status_t status_of(std::string_view error) {
    auto starts = [&](std::string_view p) { return error.substr(0, p.size()) == p; };
    if (starts("Authentication failed")) return REALM_ERR_UNAUTHORIZED;
    if (starts("Rate limit")) return REALM_ERR_RATE_LIMITED;
    if (starts("Unknown model") || starts("messages must not be empty") || starts("Invalid"))
        return REALM_ERR_INVALID_REQUEST;
    return REALM_ERR_SERVER;
}

const char *request_type(const RequestSpec &spec) {
    bool chat = spec.kind == RequestKind::Chat;
    if (spec.sampling.stream) return chat ? "CHAT_STREAM" : "STREAM";
    return chat ? "CHAT" : "GENERATE";
}

class TektonWsHandshake final : public Handshake {
public:
    explicit TektonWsHandshake(std::string component_id) : component_id_(std::move(component_id)) {}

    HandshakeStep on_open() override {
        std::string frame = "{\"type\":\"REGISTER\",\"component_id\":";
        wire::append_json_string(frame, component_id_);
        frame += ",\"capabilities\":[\"chat\",\"stream\"]}";
        return HandshakeStep::wait(std::move(frame));  // the connect timeout bounds the wait
    }

    HandshakeStep on_message(std::string_view payload) override {
        Reply r;
        if (!tekton::read_reply(payload, arena_, r))
            return HandshakeStep::fail(REALM_ERR_PROTOCOL, "the server's registration reply is not a JSON object");
        if (r.type == "REGISTER_ACK") return HandshakeStep::ready();
        if (r.type == "PING") return HandshakeStep::wait(std::string(kPong));
        if (r.type == "ERROR") {
            // A refused key stays UNAUTHORIZED; any other refusal breaks the protocol.
            bool refused = status_of(r.error) == REALM_ERR_UNAUTHORIZED;
            std::string why = r.error.empty() ? std::string("no reason given") : quoted(r.error);
            return HandshakeStep::fail(refused ? REALM_ERR_UNAUTHORIZED : REALM_ERR_PROTOCOL,
                                       "registration failed: " + why);
        }
        std::string got = r.type.empty() ? std::string("a frame without type") : quoted(r.type);
        return HandshakeStep::fail(REALM_ERR_PROTOCOL, "expected REGISTER_ACK, the server sent " + got);
    }

    SessionInfo session() const override {
        SessionInfo s;
        s.interleave = true;     // replies are tied by request_id
        s.server_cancel = true;  // CANCEL
        return s;
    }

private:
    std::string component_id_;
    std::string arena_;
};

class TektonWsDialect final : public Dialect {
public:
    explicit TektonWsDialect(DialectConfig config) : cfg_(std::move(config)) {
        caps_.transport = Transport::WebSocket;
        caps_.policy = ConnectionPolicy::Multiplexed;
        caps_.correlation = Correlation::ById;
        caps_.keepalive = Keepalive::WsPing;  // the Python client's RFC 6455 pings
        caps_.cancel = CancelStyle::Frame;
        caps_.needs_finish_reason = false;  // done:true ends a stream
        // tekton.md 3.5 [LIBREALM]: reconnect without a limit unless one is
        // set, and never re-send in-flight requests.
        caps_.reconnect_attempts = kUnlimitedReconnects;
        caps_.never_resend = true;
    }

    std::string_view name() const override { return "tekton-ws"; }
    const Capabilities &capabilities() const override { return caps_; }

    bool accepts(const RequestSpec &spec, std::string *why) const override {
        if (spec.kind == RequestKind::Generate || spec.kind == RequestKind::Chat) return true;
        *why = std::string("the Tekton WebSocket protocol has no ") + request_kind_name(spec.kind) +
               " (the tekton dialect serves it over HTTP)";
        return false;
    }

    HeaderList request_headers() const override {
        HeaderList h;
        if (!cfg_.api_key.empty()) h.emplace_back("Authorization", "Bearer " + cfg_.api_key);
        h.insert(h.end(), cfg_.headers.begin(), cfg_.headers.end());
        return h;
    }

    std::unique_ptr<Handshake> new_handshake() override {
        return std::make_unique<TektonWsHandshake>(cfg_.client_id.empty() ? kDefaultComponentId : cfg_.client_id);
    }

    void encode_request(std::string &out, std::string_view id, const RequestSpec &spec,
                        const SessionInfo &) const override {
        size_t start = out.size();
        out += "{\"type\":\"";
        out += request_type(spec);
        out += "\",\"request_id\":";
        wire::append_json_string(out, id);
        out += ',';
        std::string_view system_prompt;
        bool has_system = false;
        if (spec.kind == RequestKind::Chat)
            has_system = tekton::append_messages(out, spec, &system_prompt);
        else
            tekton::append_prompt(out, spec);
        tekton::append_routing(out, spec.sampling);
        if (has_system) tekton::append_system_prompt(out, system_prompt);
        tekton::append_options(out, spec.sampling);
        out += '}';
        tekton::merge_extra(out, start, spec.extra_json);
    }

    bool encode_cancel(std::string &out, std::string_view, std::string_view target_id,
                       const SessionInfo &) const override {
        out += "{\"type\":\"CANCEL\",\"request_id\":";
        wire::append_json_string(out, target_id);
        out += '}';
        return true;
    }

    void decode(std::string_view message, InboundFrame &f) override {
        f.clear();
        Reply r;
        if (!tekton::read_reply(message, arena_, r)) {
            f.kind = FrameKind::Invalid;
            f.problem = "not a JSON object";
            return;
        }
        f.id = r.request_id;
        f.has_id = r.has_request_id;
        if (!r.wrong_type.empty()) {
            f.kind = FrameKind::Invalid;
            f.problem = "member \"" + std::string(r.wrong_type) + "\" has the wrong type";
            return;
        }
        if (r.type.empty()) {
            f.kind = FrameKind::Invalid;
            f.problem = "a frame without type";
            return;
        }
        f.model = r.model;
        if (r.type == "CHUNK" || r.type == "RESPONSE") {
            decode_answer(r, r.type == "RESPONSE", message, f);
        } else if (r.type == "ERROR") {
            // Without a request (or with an empty id) it is the connection's
            // error, e.g. "Not registered": it ends no request.
            f.kind = f.has_id ? FrameKind::Error : FrameKind::ServerError;
            f.message = r.error.empty() ? std::string_view("the server reported an error") : r.error;
            f.status = status_of(r.error);
        } else if (r.type == "PING") {
            f.kind = FrameKind::Ignore;
            f.reply = kPong;
        } else {
            f.kind = FrameKind::Ignore;  // REGISTER_ACK again, or a type this client does not know
        }
    }

private:
    // CHUNK / RESPONSE: both need the request they answer.
    static void decode_answer(const Reply &r, bool whole, std::string_view message, InboundFrame &f) {
        if (!f.has_id) {
            f.kind = FrameKind::Invalid;
            f.problem = std::string(whole ? "RESPONSE" : "CHUNK") + " without request_id";
            return;
        }
        if (!r.error.empty()) {  // tekton.md 3.3: an error on the chunk ends it with that error
            f.kind = FrameKind::Error;
            f.status = status_of(r.error);
            f.message = r.error;
            return;
        }
        f.text = r.text;
        f.has_text = r.has_text;
        f.finish_reason = r.finish_reason;
        f.prompt_tokens = r.prompt_tokens;
        f.completion_tokens = r.completion_tokens;
        f.total_tokens = r.total_tokens;
        if (whole) {
            f.kind = FrameKind::Complete;
            f.text_is_delta = true;
            f.data_json = message;  // the client hands the whole frame to the caller (tekton.md 3.3)
            return;
        }
        f.kind = r.done ? FrameKind::Complete : FrameKind::Token;
        f.text_is_delta = r.done;
    }

    DialectConfig cfg_;
    Capabilities caps_;
    std::string arena_;  // decoded strings of the last frame
};

}  // namespace

std::unique_ptr<Dialect> make_tekton_ws_dialect(DialectConfig config) {
    return std::make_unique<TektonWsDialect>(std::move(config));
}

}  // namespace realm::protocol
