#include "core/http_link.h"

#include "core/request.h"
#include "protocol/http_response.h"
#include "transport/event_loop.h"

namespace realm::core {
namespace {
// Enough of an error body for its message; the rest is read and dropped.
constexpr size_t kMaxErrorBody = 64 * 1024;

bool is_json_type(const std::string &media) {
    return media.empty() || media == "application/json" ||
           (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}
}  // namespace

HttpLink::HttpLink(const LinkEnv &env, HttpLinkOwner &owner, realm_request *req)
    : env_(env), owner_(owner), req_(req), sse_(env.opts.max_message_size) {
    req_->retain();  // the link reads its state after delivering its end
}

HttpLink::~HttpLink() {
    if (exchange_) exchange_->detach();
    req_->release();
}

bool HttpLink::start(Error *err) {
    const Options &o = env_.opts;
    protocol::HttpTarget target = env_.dialect.http_target(req_->spec);
    transport::HttpRequestSpec spec;
    spec.method = target.method;
    spec.host = env_.server->host;
    spec.port = env_.server->port;
    spec.path = target.path;
    spec.tls = env_.server->tls;
    spec.ca_file = o.tls_ca_file;
    spec.tls_insecure = o.tls_insecure;
    spec.headers = env_.dialect.request_headers();
    spec.headers.emplace_back("Accept", !target.accept.empty() ? target.accept
                                        : target.event_stream ? "text/event-stream"
                                                              : "application/json");
    if (target.sse_data_lines) sse_ = protocol::SseParser(o.max_message_size, protocol::SseParser::Mode::DataLines);
    if (target.has_body) {
        env_.dialect.encode_request(spec.body, req_->wire_id(), req_->spec, protocol::SessionInfo{});
        if (spec.body.size() > o.max_message_size) {
            // Same rule as for WebSocket frames: the request fails alone.
            *err = make_error(REALM_ERR_MESSAGE_TOO_LARGE,
                              "request of " + std::to_string(spec.body.size()) +
                                  " bytes not sent: over the max message size of " + std::to_string(o.max_message_size) +
                                  " bytes");
            return false;
        }
    }
    std::string why;
    exchange_ = env_.connector.open_http(spec, this, &why);
    if (!exchange_) {
        *err = make_error(env_.connector.last_open_at_capacity() ? REALM_ERR_TOO_MANY_CONNECTIONS
                                                                 : REALM_ERR_CONNECT_FAILED,
                          why);
        return false;
    }
    return true;
}

void HttpLink::abandon() {
    if (exchange_) {
        exchange_->detach();
        exchange_ = nullptr;
    }
    mode_ = Mode::Over;
}

bool HttpLink::request_over() const { return req_->state == realm_request::State::Done; }

void HttpLink::deliver(const protocol::InboundFrame &f) {
    owner_.on_http_frame(*this, f);
    if (request_over()) over();
}

void HttpLink::failed(const Error &err) {
    owner_.on_http_failed(*this, err);
    over();
}

// The request has its terminal event: stop reading and let the owner drop us.
void HttpLink::over() {
    if (mode_ == Mode::Over) return;
    mode_ = Mode::Over;
    if (exchange_) {
        exchange_->detach();
        exchange_ = nullptr;
    }
    owner_.on_http_done(*this);
}

void HttpLink::on_response_head(const transport::HttpResponseHead &head) {
    if (mode_ != Mode::Head) return;
    head_ = head;
    env_.loop.busy_poll_for(env_.opts.busy_poll_us);
    if (head.status < 200 || head.status > 299) {
        mode_ = Mode::ErrorBody;
        return;
    }
    std::string media = protocol::media_type(head.content_type);
    if (media == "text/event-stream") {
        mode_ = Mode::Stream;
    } else if (is_json_type(media)) {
        mode_ = Mode::Body;
    } else {
        failed(make_error(REALM_ERR_PROTOCOL, "the server answered HTTP " + std::to_string(head.status) +
                                                  " with Content-Type '" + head.content_type.substr(0, 80) +
                                                  "', not text/event-stream or application/json"));
    }
}

void HttpLink::on_body(std::string_view chunk) {
    switch (mode_) {
        case Mode::Stream: {
            env_.loop.busy_poll_for(env_.opts.busy_poll_us);  // more events usually follow
            auto status = sse_.feed(chunk, [this](const protocol::SseEvent &ev) {
                env_.dialect.decode(ev.data, frame_);
                deliver(frame_);
                return mode_ != Mode::Over;
            });
            if (status != protocol::SseParser::Status::Ok && mode_ != Mode::Over)
                failed(make_error(REALM_ERR_MESSAGE_TOO_LARGE,
                                  "an event of the server's stream exceeded the limit of " +
                                      std::to_string(env_.opts.max_message_size) + " bytes"));
            return;
        }
        case Mode::Body:
            if (body_.size() + chunk.size() > env_.opts.max_message_size) {
                failed(make_error(REALM_ERR_MESSAGE_TOO_LARGE, "the server's answer exceeded the limit of " +
                                                                   std::to_string(env_.opts.max_message_size) +
                                                                   " bytes"));
                return;
            }
            body_.append(chunk);
            return;
        case Mode::ErrorBody:
            if (body_.size() < kMaxErrorBody) body_.append(chunk.substr(0, kMaxErrorBody - body_.size()));
            return;
        default:
            return;
    }
}

void HttpLink::on_closed(const transport::CloseInfo &info) {
    exchange_ = nullptr;
    if (mode_ == Mode::Over) return;
    if (info.connect_failed) {
        failed(make_error(info.tls_failure ? REALM_ERR_TLS : REALM_ERR_CONNECT_FAILED, info.reason));
        return;
    }
    switch (mode_) {
        case Mode::Head:
            failed(make_error(REALM_ERR_CONNECTION_LOST,
                              "the server closed the connection before answering" +
                                  (info.reason.empty() ? std::string() : " (" + info.reason + ")")));
            return;
        case Mode::Stream:
            if (!info.body_complete) {
                failed(make_error(REALM_ERR_CONNECTION_LOST, "the connection was lost in the middle of the stream" +
                                                                 (info.reason.empty() ? std::string()
                                                                                      : " (" + info.reason + ")")));
                return;
            }
            // The body ended without [DONE]: the end of the stream all the
            // same (a partial last event is dropped, as SSE says; a last
            // unterminated line is read in the Tekton line mode).
            {
                std::function<bool(const protocol::SseEvent &)> last = [this](const protocol::SseEvent &ev) {
                    env_.dialect.decode(ev.data, frame_);
                    deliver(frame_);
                    return mode_ != Mode::Over;
                };
                sse_.finish(&last);
            }
            if (mode_ == Mode::Over) return;
            frame_.clear();
            frame_.kind = protocol::FrameKind::Complete;
            frame_.text_is_delta = true;
            deliver(frame_);
            break;
        case Mode::Body:
            if (!info.body_complete) {
                failed(make_error(REALM_ERR_CONNECTION_LOST, "the connection was lost before the whole answer arrived"));
                return;
            }
            env_.dialect.decode_body(req_->spec, body_, frame_);
            deliver(frame_);
            break;
        case Mode::ErrorBody:
            env_.dialect.decode_http_error(head_.status, head_.content_type, head_.retry_after, body_, frame_);
            deliver(frame_);
            break;
        case Mode::Over:
            return;
    }
    over();
}

}  // namespace realm::core
