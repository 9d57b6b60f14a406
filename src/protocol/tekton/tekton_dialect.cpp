// tekton (tekton.md 2, [CLIENT-CONTRACT] with the [LIBREALM] stream ending):
// one HTTP exchange per request. Bodies are the Python client's: messages
// (a leading system message moves to system_prompt), context_id,
// provider_id, model_id and system_prompt only when set, streaming, options
// (temperature, fallback_provider/model null, the other sampling fields only
// when set and non-zero). context_id defaults to "librealm" and provider_id to
// "realm"; the request's extra JSON is merged into the body last, so it can
// set either (or anything else).
#include "protocol/tekton/tekton_dialect.h"

#include <ctime>

#include "protocol/http_response.h"
#include "protocol/tekton/tekton_codec.h"

namespace realm::protocol {
namespace {

using tekton::Reply;
using tekton::read_reply;

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
        out += '{';
        bool has_system = tekton::append_messages(out, spec, &system_prompt);
        tekton::append_routing(out, g);
        out += g.stream ? ",\"streaming\":true" : ",\"streaming\":false";
        if (has_system) tekton::append_system_prompt(out, system_prompt);
        tekton::append_options(out, g);
        out += '}';
        tekton::merge_extra(out, start, spec.extra_json);
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
