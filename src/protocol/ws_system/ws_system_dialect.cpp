// ws-system (ws-system.md) as the client speaks it, with the [LIBREALM]
// choices of 6.5: the handshake answers the server's challenge with a
// signature and waits for `auth_result` (a failure closes at once: with
// `retryAfter` it is RATE_LIMITED and the next attempt waits at least that
// long, otherwise it is terminal); requests are `generate` (always streamed
// by the server; the answer is collected when the caller did not ask for a
// stream), `models`, and the `ping` / `stop` frames as calls; cancel sends
// `stop` right away (the server finds the generation as soon as it read
// the `generate` frame); keepalive uses app-level pings whose pongs belong
// to no request. Errors carry the seed client's codes (ws-system.md 5).
#include "protocol/ws_system/ws_system_dialect.h"

#include <atomic>
#include <chrono>

#include "protocol/realm_wire.h"
#include "protocol/ws_system/challenge_signer.h"
#include "protocol/ws_system/ws_system_frame.h"

namespace realm::protocol::ws_system {
namespace {

constexpr uint32_t kChallengeWaitMs = 10000;  // the seed client's fixed wait (ws-system.md 6.1)
constexpr size_t kMaxQuotedText = 300;

int64_t now_epoch_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void append_timestamp_and_close(std::string &out) {
    out += ",\"timestamp\":";
    out += std::to_string(now_epoch_ms());
    out += '}';
}

std::string quoted(std::string_view s) { return std::string(s.substr(0, kMaxQuotedText)); }

// The error frame of a request (ws-system.md 5, [LIBREALM] map).
void error_frame(const Frame &w, InboundFrame &f) {
    f.kind = FrameKind::Error;
    f.message = w.error.empty() ? std::string_view("the server reported an error") : w.error;
    if (w.code == "generation_error") {
        // Ollama's 404 comes back as text inside the generation error.
        bool missing_model = w.error.find("not found") != std::string_view::npos;
        f.status = missing_model ? REALM_ERR_NOT_FOUND : REALM_ERR_BACKEND;
        f.code = missing_model ? "model_not_found" : "generation_error";
    } else if (w.code == "server_error") {
        f.status = REALM_ERR_SERVER_INTERNAL;
        f.code = w.code;
    } else if (w.code == "unauthorized") {
        f.status = REALM_ERR_UNAUTHORIZED;
        f.code = w.code;
        f.retryable = 0;
    } else if (w.code == "auth_timeout") {
        f.status = REALM_ERR_TIMEOUT;
        f.code = w.code;
    } else {
        f.status = REALM_ERR_SERVER;
        f.code = w.code.empty() ? std::string_view("server_error") : w.code;
    }
}

class WsSystemDialect;

class WsSystemHandshake final : public Handshake {
public:
    explicit WsSystemHandshake(const WsSystemDialect &dialect) : dialect_(dialect) {}
    HandshakeStep on_open() override;
    HandshakeStep on_message(std::string_view payload) override;
    SessionInfo session() const override {
        SessionInfo s;
        s.interleave = true;     // generations run concurrently (ws-system.md 4)
        s.server_cancel = true;  // `stop`
        return s;
    }

private:
    const WsSystemDialect &dialect_;
    std::string arena_;
    bool signed_ = false;
};

class WsSystemDialect final : public Dialect {
public:
    WsSystemDialect(DialectConfig config, std::unique_ptr<ChallengeSigner> signer)
        : cfg_(std::move(config)), signer_(std::move(signer)) {
        caps_.transport = Transport::WebSocket;
        caps_.policy = ConnectionPolicy::Multiplexed;
        caps_.correlation = Correlation::ById;
        caps_.keepalive = Keepalive::JsonPing;
        caps_.cancel = CancelStyle::Frame;
        caps_.reconnect_attempts = 10;  // ws-system.md 6.5
        // The seed client's requestTimeout, which also bounds the connect (6.1).
        caps_.request_timeout_ms = 60000;
        caps_.connect_timeout_ms = 60000;
        caps_.code_connect_timeout = "connection_timeout";
        caps_.code_reconnect_failed = "reconnect_failed";
        caps_.code_connection_lost = "connection_lost";
        caps_.batch = true;
    }

    std::string_view name() const override { return "ws-system"; }
    const Capabilities &capabilities() const override { return caps_; }
    const DialectConfig &config() const { return cfg_; }
    const ChallengeSigner &signer() const { return *signer_; }

    bool accepts(const RequestSpec &spec, std::string *why) const override {
        switch (spec.kind) {
            case RequestKind::Generate:
            case RequestKind::Models:
                return true;
            case RequestKind::Call:
                if (spec.name == "ping" || spec.name == "stop" || spec.name == "models") return true;
                *why = "ws-system calls are \"ping\", \"stop\" and \"models\" (generate has its own function), not \"" +
                       quoted(spec.name) + "\"";
                return false;
            case RequestKind::Chat:
                *why = "ws-system has no chat: the server takes one prompt (send it with generate)";
                return false;
            default:
                *why = std::string("ws-system has no ") + request_kind_name(spec.kind) +
                       " (it serves generate, models, ping and stop)";
                return false;
        }
    }

    HeaderList request_headers() const override { return cfg_.headers; }

    std::unique_ptr<Handshake> new_handshake() override { return std::make_unique<WsSystemHandshake>(*this); }

    void encode_request(std::string &out, std::string_view id, const RequestSpec &spec,
                        const SessionInfo &) const override {
        switch (spec.kind) {
            case RequestKind::Generate:
                encode_generate(out, id, spec);
                return;
            case RequestKind::Models:
                open_frame(out, "models", id);
                append_timestamp_and_close(out);
                return;
            default: {  // Call: ping / stop / models with the caller's members
                open_frame(out, spec.name, id);
                append_members(out, spec.json);
                append_timestamp_and_close(out);
                return;
            }
        }
    }

    bool encode_cancel(std::string &out, std::string_view cancel_id, std::string_view target_id,
                       const SessionInfo &) const override {
        open_frame(out, "stop", cancel_id);
        out += ",\"requestId\":";
        wire::append_json_string(out, target_id);
        append_timestamp_and_close(out);
        return true;
    }

    void encode_ping(std::string &out) const override {
        uint64_t n = ping_count_.fetch_add(1, std::memory_order_relaxed) + 1;
        open_frame(out, "ping", std::string(kKeepalivePrefix) + std::to_string(n));
        append_timestamp_and_close(out);
    }

    void encode_batch(std::string &out, std::string_view id, const std::vector<std::string> &items) const override {
        open_frame(out, "batch", id);
        out += ",\"messages\":[";
        for (size_t i = 0; i < items.size(); ++i) {
            if (i) out += ',';
            out += items[i];
        }
        out += ']';
        append_timestamp_and_close(out);
    }

    void decode(std::string_view message, InboundFrame &f) override {
        f.clear();
        std::string problem;
        if (!read_frame(message, arena_, w_, &problem)) {
            f.kind = FrameKind::Invalid;
            f.problem = std::move(problem);
            return;
        }
        f.id = w_.id;
        f.has_id = w_.has_id && !w_.id.empty();
        const std::string_view t = w_.type;
        if (t == "stream_token") {
            f.kind = FrameKind::Token;
            f.text = w_.token;
            f.has_text = true;
        } else if (t == "stream_start") {
            f.kind = FrameKind::Started;
            f.model = w_.model;
        } else if (t == "stream_end") {
            if (w_.is_cancelled) {
                f.kind = FrameKind::Cancelled;
                return;
            }
            f.kind = FrameKind::Complete;
            f.tokens_generated = w_.total_tokens;
            f.completion_tokens = w_.total_tokens;
            f.has_time = w_.has_elapsed;
            f.time_ms = w_.elapsed_ms;
        } else if (t == "models_result") {
            f.kind = FrameKind::Complete;
            f.data_json = w_.models.empty() ? std::string_view("[]") : w_.models;
        } else if (t == "ack" || t == "pong") {
            if (t == "pong" && w_.id.substr(0, std::string_view(kKeepalivePrefix).size()) == kKeepalivePrefix) {
                f.kind = FrameKind::Pong;
                f.has_id = false;
                return;
            }
            f.kind = FrameKind::Complete;
            f.data_json = message;  // the whole frame: requestId/action, or the server's timestamp
        } else if (t == "error") {
            error_frame(w_, f);
            // Without an id it is the connection's (ws-system.md 3.5, 4.6):
            // no request to end.
            if (!f.has_id) f.kind = FrameKind::ServerError;
        } else if (t == "challenge" || t == "auth_result") {
            f.kind = FrameKind::Ignore;  // a late handshake frame
        } else {
            // An unknown type: the seed re-emits it by name; nothing here to end.
            f.kind = FrameKind::Ignore;
        }
    }

private:
    static void open_frame(std::string &out, std::string_view type, std::string_view id) {
        out += "{\"type\":";
        wire::append_json_string(out, type);
        out += ",\"id\":";
        wire::append_json_string(out, id);
    }

    // The members of a JSON object (checked by the C shim), without braces.
    static void append_members(std::string &out, std::string_view json) {
        size_t open = json.find('{');
        size_t close = json.rfind('}');
        if (open == std::string_view::npos || close == std::string_view::npos || close <= open) return;
        std::string_view inner = json.substr(open + 1, close - open - 1);
        size_t first = inner.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos) return;
        out += ',';
        out.append(inner.data() + first, inner.size() - first);
    }

    // `options` is passed through as the caller wrote it (ws-system.md 4.1
    // [LIBREALM]); the sampling fields set through the typed parameters are
    // added under the names the upstream documents.
    void encode_generate(std::string &out, std::string_view id, const RequestSpec &spec) const {
        open_frame(out, "generate", id);
        out += ",\"prompt\":";
        wire::append_json_string(out, spec.prompt);
        const std::string &model = spec.sampling.model.empty() ? cfg_.model : spec.sampling.model;
        if (!model.empty()) {
            out += ",\"model\":";
            wire::append_json_string(out, model);
        }
        std::string options = "{";
        const Sampling &g = spec.sampling;
        auto member = [&](const char *name) {
            if (options.size() > 1) options += ',';
            options += '"';
            options += name;
            options += "\":";
        };
        if (g.temperature >= 0) member("temperature"), append_json_number(options, g.temperature);
        if (g.top_p >= 0) member("top_p"), append_json_number(options, g.top_p);
        if (g.top_k >= 0) member("top_k"), options += std::to_string(g.top_k);
        if (g.max_tokens >= 0) member("max_tokens"), options += std::to_string(g.max_tokens);
        if (g.has_seed) member("seed"), options += std::to_string(g.seed);
        if (g.repetition_penalty >= 0) member("repeat_penalty"), append_json_number(options, g.repetition_penalty);
        if (g.has_presence_penalty) member("presence_penalty"), append_json_number(options, g.presence_penalty);
        if (g.has_frequency_penalty) member("frequency_penalty"), append_json_number(options, g.frequency_penalty);
        if (!g.stop.empty()) {
            member("stop");
            options += '[';
            for (size_t i = 0; i < g.stop.size(); ++i) {
                if (i) options += ',';
                wire::append_json_string(options, g.stop[i]);
            }
            options += ']';
        }
        options += '}';
        if (!spec.extra_json.empty()) merge_json_objects(options, spec.extra_json, nullptr);
        if (options.size() > 2) {
            out += ",\"options\":";
            out += options;
        }
        append_timestamp_and_close(out);
    }

    DialectConfig cfg_;
    std::unique_ptr<ChallengeSigner> signer_;
    Capabilities caps_;
    std::string arena_;
    Frame w_;
    mutable std::atomic<uint64_t> ping_count_{0};
};

HandshakeStep WsSystemHandshake::on_open() {
    // The server speaks first (ws-system.md 3.1).
    return HandshakeStep::wait().within(kChallengeWaitMs, "auth_challenge_timeout",
                                        "the server sent no authentication challenge within " +
                                            std::to_string(kChallengeWaitMs) + " ms");
}

HandshakeStep WsSystemHandshake::on_message(std::string_view payload) {
    Frame w;
    std::string problem;
    if (!read_frame(payload, arena_, w, &problem))
        return HandshakeStep::fail(REALM_ERR_PROTOCOL, "invalid frame during authentication: " + problem);
    if (w.type == "challenge" && !signed_) {
        if (w.challenge.empty())
            return HandshakeStep::fail(REALM_ERR_PROTOCOL, "the server's challenge frame has no challenge");
        std::string signature, why;
        if (!dialect_.signer().sign(w.challenge, &signature, &why)) return HandshakeStep::fail(REALM_ERR_INTERNAL, why);
        signed_ = true;
        std::string frame = "{\"type\":\"authenticate\",\"clientId\":";
        wire::append_json_string(frame, dialect_.config().client_id);
        frame += ",\"signature\":";
        wire::append_json_string(frame, signature);
        append_timestamp_and_close(frame);
        return HandshakeStep::wait(std::move(frame));
    }
    if (w.type == "auth_result" && signed_) {
        if (w.has_success && w.success) return HandshakeStep::ready();
        std::string why = "Authentication failed: " +
                          (w.error.empty() ? std::string("the server refused the signature") : quoted(w.error));
        // One signature check per connection (ws-system.md 3.3): close now.
        if (w.retry_after_s >= 0) {
            HandshakeStep s = HandshakeStep::fail(REALM_ERR_RATE_LIMITED, why, true);
            s.code = "rate_limited";
            s.retry_after_ms = w.retry_after_s * 1000;
            return s;
        }
        HandshakeStep s = HandshakeStep::fail(REALM_ERR_UNAUTHORIZED, why);
        s.code = "invalid_auth";
        return s;
    }
    if (w.type == "error" && w.code == "auth_timeout") {
        HandshakeStep s = HandshakeStep::fail(REALM_ERR_TIMEOUT, "the server's authentication timeout expired", true);
        s.code = "auth_timeout";
        return s;
    }
    return HandshakeStep::wait();  // e.g. an `unauthorized` answer to something early: not ours to act on
}

}  // namespace

std::unique_ptr<Dialect> make_dialect(DialectConfig config, std::string *why) {
    if (config.client_id.empty()) {
        *why = "ws-system needs the client id (option client_id)";
        return nullptr;
    }
    if (config.private_key_path.empty() == config.private_key_pem.empty()) {
        *why = config.private_key_path.empty()
                   ? "ws-system needs a private key (option private_key_path or private_key)"
                   : "give the private key once: private_key_path or private_key, not both";
        return nullptr;
    }
    std::string problem;
    std::unique_ptr<ChallengeSigner> signer =
        config.private_key_path.empty()
            ? ChallengeSigner::from_pem(config.private_key_pem, config.private_key_passphrase,
                                        config.signature_algorithm, &problem)
            : ChallengeSigner::from_file(config.private_key_path, config.private_key_passphrase,
                                         config.signature_algorithm, &problem);
    if (!signer) {
        *why = problem;
        return nullptr;
    }
    // The key now lives in the signer only.
    std::fill(config.private_key_pem.begin(), config.private_key_pem.end(), '\0');
    config.private_key_pem.clear();
    std::fill(config.private_key_passphrase.begin(), config.private_key_passphrase.end(), '\0');
    config.private_key_passphrase.clear();
    return std::make_unique<WsSystemDialect>(std::move(config), std::move(signer));
}

}  // namespace realm::protocol::ws_system
