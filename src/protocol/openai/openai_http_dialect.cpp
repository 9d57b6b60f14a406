// openai-http: OpenAI-compatible HTTP servers. One HTTP exchange per request:
// POST {base}/chat/completions or {base}/completions with a JSON body,
// answered by a Server-Sent Events stream (`stream:true`) that ends with
// `data: [DONE]`, or by one JSON object. Errors are HTTP statuses with a body
// of any shape. `base` is the URL's path ("/v1" when the URL has none); a URL
// that names an endpoint itself fixes the payload shape.
#include <ctime>

#include "protocol/http_response.h"
#include "protocol/openai/openai_codec.h"
#include "protocol/openai/openai_dialects.h"

namespace realm::protocol {
namespace {

using openai::Endpoint;

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class OpenAiHttpDialect final : public Dialect {
public:
    explicit OpenAiHttpDialect(DialectConfig config) : cfg_(std::move(config)) {
        caps_.transport = Transport::Http;
        caps_.policy = ConnectionPolicy::PerRequest;
        caps_.correlation = Correlation::OnePerConnection;
        caps_.keepalive = Keepalive::None;
        caps_.cancel = CancelStyle::CloseConnection;
        caps_.needs_finish_reason = true;

        std::string_view path = cfg_.path;
        size_t q = path.find('?');
        if (q != std::string_view::npos) query_.assign(path.substr(q));
        std::string_view p = path.substr(0, q);
        if (ends_with(p, "/chat/completions")) {
            fixed_ = Endpoint::Chat;
            p.remove_suffix(std::string_view("/chat/completions").size());
            has_fixed_ = true;
        } else if (ends_with(p, "/completions")) {
            fixed_ = Endpoint::Completions;
            p.remove_suffix(std::string_view("/completions").size());
            has_fixed_ = true;
        }
        while (!p.empty() && p.back() == '/') p.remove_suffix(1);
        base_ = p.empty() && !has_fixed_ ? "/v1" : std::string(p);
        if (cfg_.endpoint == "chat") fixed_ = Endpoint::Chat, has_fixed_ = true;
        if (cfg_.endpoint == "completions") fixed_ = Endpoint::Completions, has_fixed_ = true;
    }

    std::string_view name() const override { return "openai-http"; }
    const Capabilities &capabilities() const override { return caps_; }

    bool accepts(const RequestSpec &spec, std::string *why) const override {
        switch (spec.kind) {
            case RequestKind::Generate:
            case RequestKind::Models:
            case RequestKind::Health:
                return true;
            case RequestKind::Chat:
                if (!has_fixed_ || fixed_ == Endpoint::Chat) return true;
                *why = "this client's URL names the /completions endpoint, which takes a prompt, not chat messages";
                return false;
            case RequestKind::Call:
                if (spec.name.empty() || spec.name[0] == '/' || spec.name.find("..") != std::string::npos ||
                    spec.name.find_first_of(" ?#%\\") != std::string::npos) {
                    *why = "the endpoint name must be a relative path such as \"embeddings\"";
                    return false;
                }
                return true;
            default:
                *why = std::string("an OpenAI-compatible HTTP server has no ") + request_kind_name(spec.kind);
                return false;
        }
    }

    HeaderList request_headers() const override {
        HeaderList h;
        if (!cfg_.api_key.empty()) h.emplace_back("Authorization", "Bearer " + cfg_.api_key);
        h.insert(h.end(), cfg_.headers.begin(), cfg_.headers.end());
        return h;
    }

    std::unique_ptr<Handshake> new_handshake() override { return nullptr; }  // no persistent connection

    HttpTarget http_target(const RequestSpec &spec) const override {
        HttpTarget t;
        switch (spec.kind) {
            case RequestKind::Generate:
            case RequestKind::Chat:
                t.method = "POST";
                t.path = base_ + (endpoint_of(spec) == Endpoint::Chat ? "/chat/completions" : "/completions");
                t.has_body = true;
                t.event_stream = spec.sampling.stream;
                break;
            case RequestKind::Models:
                t.method = "GET";
                t.path = base_ + "/models";
                break;
            case RequestKind::Health:
                t.method = "GET";
                t.path = "/health";  // llama.cpp, vLLM and realm-server serve it at the root
                return t;
            default:  // Call
                t.method = "POST";
                t.path = base_ + "/" + spec.name;
                t.has_body = true;
                break;
        }
        t.path += query_;
        return t;
    }

    void encode_request(std::string &out, std::string_view, const RequestSpec &spec, const SessionInfo &) const override {
        if (spec.kind == RequestKind::Call) {
            out += spec.json.empty() ? std::string_view("{}") : std::string_view(spec.json);
            return;
        }
        openai::BodyOptions opts;
        opts.include_usage = true;  // usage is worth the extra chunk
        openai::encode_body(out, spec, endpoint_of(spec), opts);
    }

    bool encode_cancel(std::string &, std::string_view, std::string_view, const SessionInfo &) const override {
        return false;  // the exchange is closed instead
    }

    // One SSE event's data. The stream ends at [DONE]; a chunk with a finish
    // reason may still be followed by the usage chunk.
    void decode(std::string_view message, InboundFrame &f) override {
        if (message == "[DONE]") {
            f.clear();
            f.kind = FrameKind::Complete;
            f.text_is_delta = true;
            return;
        }
        decoder_.decode(message, f);
    }

    void decode_body(const RequestSpec &spec, std::string_view body, InboundFrame &f) override {
        if (spec.kind != RequestKind::Generate && spec.kind != RequestKind::Chat) {
            f.clear();
            std::string why;
            if (!is_valid_json(body, &why)) {
                f.kind = FrameKind::Invalid;
                f.problem = "the response is not JSON: " + why;
                return;
            }
            f.kind = FrameKind::Complete;
            f.data_json = body;
            return;
        }
        decoder_.decode(body, f);
        if (f.kind == FrameKind::Token) {
            f.kind = FrameKind::Complete;
            f.text_is_delta = true;
            f.data_json = body;  // the whole answer, for realm_result_json
        }
    }

    void decode_http_error(int status, std::string_view content_type, std::string_view retry_after,
                           std::string_view body, InboundFrame &f) override {
        f.clear();
        HttpErrorBody e = read_error_body(status, content_type, body);
        message_ = std::move(e.message);
        code_ = std::move(e.code);
        type_ = std::move(e.type);
        param_ = std::move(e.param);
        f.kind = FrameKind::Error;
        f.http_status = status;
        f.message = message_;
        f.code = code_;
        f.error_type = type_;
        f.error_param = param_;
        f.status = openai::error_status(code_, type_, status, &f.retryable);
        if (status >= 300 && status < 400) f.message = message_ = "HTTP " + std::to_string(status) + ": redirects are not followed";
        f.retry_after_ms = parse_retry_after_ms(retry_after, std::time(nullptr));
    }

private:
    Endpoint endpoint_of(const RequestSpec &spec) const {
        if (has_fixed_) return fixed_;
        return spec.kind == RequestKind::Chat ? Endpoint::Chat : Endpoint::Completions;
    }

    DialectConfig cfg_;
    Capabilities caps_;
    std::string base_;   // e.g. "/v1"
    std::string query_;  // "?..." of the URL, kept on every request
    bool has_fixed_ = false;
    Endpoint fixed_ = Endpoint::Chat;
    openai::Decoder decoder_;
    std::string message_, code_, type_, param_;  // backing of the last error frame's views
};

}  // namespace

std::unique_ptr<Dialect> make_openai_http_dialect(DialectConfig config) {
    return std::make_unique<OpenAiHttpDialect>(std::move(config));
}

}  // namespace realm::protocol
