// tekton (tekton.md 2, [CLIENT-CONTRACT] with the [LIBREALM] stream ending):
// one HTTP exchange per request. Bodies are the Python client's: messages
// (a leading system message moves to system_prompt), context_id,
// provider_id, model_id and system_prompt only when set, streaming, options
// (temperature, fallback_provider/model null, the other sampling fields only
// when set and non-zero). context_id defaults to "librealm" and provider_id to
// "realm"; the request's extra JSON is merged into the body last, so it can
// set either (or anything else).
#include "protocol/tekton/tekton_dialect.h"

#include <charconv>
#include <cmath>
#include <ctime>

#include "protocol/http_response.h"
#include "protocol/json_cursor.h"
#include "protocol/realm_wire.h"

namespace realm::protocol {
namespace {

constexpr const char *kDefaultContextId = "librealm";
constexpr const char *kDefaultProviderId = "realm";
constexpr double kDefaultTemperature = 0.7;  // the Python client's default

// The members of a chunk ({"chunk","done","error","finish_reason"}) or of a
// whole answer ({"content","finish_reason","usage","error"}) that matter.
struct Reply {
    std::string_view text;
    bool has_text = false;
    bool done = false;
    std::string_view error;  // "" = none or null
    std::string_view finish_reason;
    int64_t prompt_tokens = -1, completion_tokens = -1, total_tokens = -1;
};

bool read_int(JsonCursor &c, int64_t *out) {
    double d;
    int64_t i;
    bool is_int;
    if (!c.read_number(&d, &i, &is_int)) return false;
    *out = JsonCursor::to_int64(d, i, is_int);
    return true;
}

// A string, or null (left empty); anything else is skipped as "not set".
bool read_optional_string(JsonCursor &c, std::string_view *out) {
    char p = c.peek();
    if (p == '"') return c.read_string(out);
    return c.skip_value();
}

bool read_usage(JsonCursor &c, Reply &r) {
    if (c.peek() != '{') return c.skip_value();
    c.consume('{');
    if (c.consume('}')) return true;
    do {
        std::string_view key;
        if (!c.read_string(&key) || !c.consume(':')) return false;
        int64_t *slot = key == "prompt_tokens" ? &r.prompt_tokens
                        : key == "completion_tokens" ? &r.completion_tokens
                        : key == "total_tokens" ? &r.total_tokens
                                                : nullptr;
        char p = c.peek();
        if (slot && (p == '-' || (p >= '0' && p <= '9'))) {
            if (!read_int(c, slot)) return false;
        } else if (!c.skip_value()) {
            return false;
        }
    } while (c.consume(','));
    return c.consume('}');
}

// False when `json` is not one JSON object.
bool read_reply(std::string_view json, std::string &arena, Reply &r) {
    JsonCursor c(json, arena);
    if (!c.consume('{')) return false;
    if (!c.consume('}')) {
        do {
            std::string_view key;
            if (!c.read_string(&key) || !c.consume(':')) return false;
            bool ok;
            if (key == "chunk" || key == "content") {
                ok = read_optional_string(c, &r.text);
                r.has_text = r.has_text || !r.text.empty();
            } else if (key == "done") {
                if (c.peek() == 't') ok = r.done = c.read_literal("true");
                else ok = c.skip_value();
            } else if (key == "error") {
                ok = read_optional_string(c, &r.error);
            } else if (key == "finish_reason") {
                ok = read_optional_string(c, &r.finish_reason);
            } else if (key == "usage") {
                ok = read_usage(c, r);
            } else {
                ok = c.skip_value();
            }
            if (!ok) return false;
        } while (c.consume(','));
        if (!c.consume('}')) return false;
    }
    return c.at_end();
}

// The shortest text that reads back as `v` (0.7, not 0.69999999999999996),
// as Python's json module writes it.
void append_number(std::string &out, double v) {
    if (!std::isfinite(v)) return append_json_number(out, v);
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_options(std::string &out, const Sampling &g) {
    out += ",\"options\":{\"temperature\":";
    append_number(out, g.temperature >= 0 ? g.temperature : kDefaultTemperature);
    out += ",\"fallback_provider\":null,\"fallback_model\":null";
    // The client sends the others only when truthy (tekton.md 2.3).
    if (g.max_tokens > 0) out += ",\"max_tokens\":" + std::to_string(g.max_tokens);
    if (!g.stop.empty()) {
        out += ",\"stop\":[";
        for (size_t i = 0; i < g.stop.size(); ++i) {
            if (i) out += ',';
            wire::append_json_string(out, g.stop[i]);
        }
        out += ']';
    }
    if (g.top_p > 0) out += ",\"top_p\":", append_number(out, g.top_p);
    if (g.top_k > 0) out += ",\"top_k\":" + std::to_string(g.top_k);
    if (g.has_presence_penalty && g.presence_penalty != 0)
        out += ",\"presence_penalty\":", append_number(out, g.presence_penalty);
    if (g.has_frequency_penalty && g.frequency_penalty != 0)
        out += ",\"frequency_penalty\":", append_number(out, g.frequency_penalty);
    out += '}';
}

class TektonDialect final : public Dialect {
public:
    explicit TektonDialect(DialectConfig config) : cfg_(std::move(config)) {
        caps_.transport = Transport::Http;
        caps_.policy = ConnectionPolicy::PerRequest;
        caps_.correlation = Correlation::OnePerConnection;
        caps_.keepalive = Keepalive::None;
        caps_.cancel = CancelStyle::CloseConnection;
        caps_.needs_finish_reason = false;  // EOF and [DONE] end a stream as complete
        caps_.connect_probe = RequestKind::Health;
    }

    std::string_view name() const override { return "tekton"; }
    const Capabilities &capabilities() const override { return caps_; }

    bool accepts(const RequestSpec &spec, std::string *why) const override {
        switch (spec.kind) {
            case RequestKind::Generate:
            case RequestKind::Chat:
            case RequestKind::Models:
            case RequestKind::Health:
                return true;
            default:
                *why = std::string("a Tekton server has no ") + request_kind_name(spec.kind);
                return false;
        }
    }

    HeaderList request_headers() const override {
        HeaderList h;
        h.emplace_back("Content-Type", "application/json");
        if (!cfg_.api_key.empty()) h.emplace_back("Authorization", "Bearer " + cfg_.api_key);
        h.insert(h.end(), cfg_.headers.begin(), cfg_.headers.end());
        return h;
    }

    std::unique_ptr<Handshake> new_handshake() override { return nullptr; }

    HttpTarget http_target(const RequestSpec &spec) const override {
        HttpTarget t;
        t.accept = "application/json";  // tekton.md 2: on every request, streams included
        switch (spec.kind) {
            case RequestKind::Models:
                t.method = "GET";
                t.path = "/api/v1/providers";
                break;
            case RequestKind::Health:
                t.method = "GET";
                t.path = "/api/v1/health";
                break;
            default:  // Generate, Chat
                t.method = "POST";
                t.path = spec.sampling.stream ? "/api/v1/chat/stream" : "/api/v1/chat";
                t.has_body = true;
                t.event_stream = spec.sampling.stream;
                t.sse_data_lines = true;
                break;
        }
        return t;
    }

    void encode_request(std::string &out, std::string_view, const RequestSpec &spec, const SessionInfo &) const override {
        size_t start = out.size();
        const Sampling &g = spec.sampling;
        std::string_view system_prompt;
        size_t first = 0;
        if (spec.kind == RequestKind::Chat && !spec.messages.empty() && spec.messages[0].role == "system") {
            system_prompt = spec.messages[0].content;
            first = 1;
        }
        out += "{\"messages\":[";
        if (spec.kind == RequestKind::Chat) {
            for (size_t i = first; i < spec.messages.size(); ++i) {
                if (i > first) out += ',';
                out += "{\"role\":";
                wire::append_json_string(out, spec.messages[i].role);
                out += ",\"content\":";
                wire::append_json_string(out, spec.messages[i].content);
                out += '}';
            }
        } else {
            out += "{\"role\":\"user\",\"content\":";
            wire::append_json_string(out, spec.prompt);
            out += '}';
        }
        out += "],\"context_id\":\"";
        out += kDefaultContextId;
        out += "\",\"provider_id\":\"";
        out += kDefaultProviderId;
        out += '"';
        if (!g.model.empty()) {
            out += ",\"model_id\":";
            wire::append_json_string(out, g.model);
        }
        out += g.stream ? ",\"streaming\":true" : ",\"streaming\":false";
        if (first) {
            out += ",\"system_prompt\":";
            wire::append_json_string(out, system_prompt);
        }
        append_options(out, g);
        out += '}';
        if (!spec.extra_json.empty()) {  // checked by the C shim
            std::string body = out.substr(start);
            merge_json_objects(body, spec.extra_json, nullptr);
            out.resize(start);
            out += body;
        }
    }

    bool encode_cancel(std::string &, std::string_view, std::string_view, const SessionInfo &) const override {
        return false;  // the exchange is closed instead
    }

    // One `data: ` line of the stream (tekton.md 2.4, 7.2).
    void decode(std::string_view message, InboundFrame &f) override {
        f.clear();
        if (message == "[DONE]") {
            f.kind = FrameKind::Complete;
            f.text_is_delta = true;
            return;
        }
        Reply r;
        if (!read_reply(message, arena_, r)) {
            f.kind = FrameKind::Ignore;  // unparseable data lines are skipped
            return;
        }
        f.text = r.text;
        f.has_text = r.has_text;
        f.finish_reason = r.finish_reason;
        f.prompt_tokens = r.prompt_tokens;  // the reference server's done chunk has usage
        f.completion_tokens = r.completion_tokens;
        f.total_tokens = r.total_tokens;
        if (r.done && !r.error.empty()) {
            f.kind = FrameKind::Error;
            f.status = REALM_ERR_SERVER;
            f.message = r.error;
            return;
        }
        f.kind = r.done ? FrameKind::Complete : FrameKind::Token;
        f.text_is_delta = r.done;
    }

    void decode_body(const RequestSpec &spec, std::string_view body, InboundFrame &f) override {
        f.clear();
        std::string why;
        if (!is_valid_json(body, &why)) {
            if (spec.kind == RequestKind::Health) {  // 200 is all that counts (tekton.md 2.1)
                f.kind = FrameKind::Complete;
                return;
            }
            f.kind = FrameKind::Invalid;
            f.problem = "the response is not JSON: " + why;
            return;
        }
        if (spec.kind != RequestKind::Generate && spec.kind != RequestKind::Chat) {
            f.kind = FrameKind::Complete;
            f.data_json = body;
            return;
        }
        Reply r;
        if (!read_reply(body, arena_, r)) {
            f.kind = FrameKind::Invalid;
            f.problem = "the response is not a JSON object";
            return;
        }
        if (!r.error.empty()) {  // a 200 whose `success` is false
            f.kind = FrameKind::Error;
            f.status = REALM_ERR_SERVER;
            f.message = r.error;
            f.http_status = 200;
            return;
        }
        f.kind = FrameKind::Complete;
        f.text_is_delta = true;
        f.text = r.text;
        f.has_text = r.has_text;
        f.finish_reason = r.finish_reason;
        f.prompt_tokens = r.prompt_tokens;
        f.completion_tokens = r.completion_tokens;
        f.total_tokens = r.total_tokens;
        f.data_json = body;
    }

    // tekton.md 2.3: body {"error":"text"}; 400, 401, 429, 503 have their
    // own errors, anything else is "HTTP error <status>: <text>".
    void decode_http_error(int status, std::string_view content_type, std::string_view retry_after,
                           std::string_view body, InboundFrame &f) override {
        f.clear();
        HttpErrorBody e = read_error_body(status, content_type, body);
        f.kind = FrameKind::Error;
        f.http_status = status;
        switch (status) {
            case 400: f.status = REALM_ERR_INVALID_REQUEST; break;
            case 401: f.status = REALM_ERR_UNAUTHORIZED; break;
            case 429: f.status = REALM_ERR_RATE_LIMITED; break;
            case 503:
                f.status = REALM_ERR_SERVER;
                f.retryable = 1;
                break;
            default:
                f.status = REALM_ERR_SERVER;
                e.message = "HTTP error " + std::to_string(status) + ": " + e.message;
                break;
        }
        message_ = std::move(e.message);
        f.message = message_;
        f.retry_after_ms = parse_retry_after_ms(retry_after, std::time(nullptr));
    }

private:
    DialectConfig cfg_;
    Capabilities caps_;
    std::string arena_;    // decoded strings of the last frame
    std::string message_;  // backing of the last error frame's message
};

}  // namespace

std::unique_ptr<Dialect> make_tekton_dialect(DialectConfig config) {
    return std::make_unique<TektonDialect>(std::move(config));
}

}  // namespace realm::protocol
