// An HTTP/1.1 exchange: the request written as bytes, the response read
// with protocol::HttpHeadParser and framed by Content-Length, chunked coding
// or the end of the connection (RFC 9112 6.3), on a connection from
// http_socket.cpp.
#include "http_exchange.h"

#include <algorithm>
#include <cstring>

#include "http_socket.h"
#include "protocol/http_text.h"

namespace realm::transport {
namespace {

constexpr size_t kMaxPath = 8192;               // request-target; servers reject longer ones anyway
constexpr size_t kMaxHeaderBytes = 64 * 1024;   // the request's extra header fields
constexpr size_t kMaxHostName = 255;

using protocol::BodyFraming;
using protocol::http_text::iequals;

}  // namespace

class HttpExchange::Busy {
public:
    explicit Busy(HttpExchange *x) : x_(x) { ++x_->depth_; }
    ~Busy() {
        if (--x_->depth_ == 0 && x_->dead_) delete x_;
    }
    Busy(const Busy &) = delete;
    Busy &operator=(const Busy &) = delete;

private:
    HttpExchange *x_;
};

HttpExchange *HttpExchange::open(EventLoop &loop, const HttpRequestSpec &spec, Handler *handler, std::string *error) {
    auto fail = [error](std::string why) -> HttpExchange * {
        if (error) *error = std::move(why);
        return nullptr;
    };
    if (spec.method != "GET" && spec.method != "POST") return fail("unsupported HTTP method '" + spec.method + "'");
    if (spec.host.empty()) return fail("no host to connect to");
    if (spec.host.size() > kMaxHostName) return fail("host name too long (" + std::to_string(spec.host.size()) + " bytes)");
    if (spec.port <= 0 || spec.port > 65535) return fail("invalid port " + std::to_string(spec.port));
    if (spec.path.empty() || spec.path[0] != '/' ||
        spec.path.find_first_of(std::string(" \r\n\0", 4)) != std::string::npos)
        return fail("invalid request path");
    if (spec.path.size() > kMaxPath)
        return fail("request path too long (" + std::to_string(spec.path.size()) + " bytes, at most " +
                    std::to_string(kMaxPath) + ")");

    bool v6 = spec.host.find(':') != std::string::npos;
    std::string bracketed = v6 ? "[" + spec.host + "]" : spec.host;
    std::string host_header =
        spec.port == (spec.tls ? 443 : 80) ? bracketed : bracketed + ":" + std::to_string(spec.port);

    std::string fields;
    bool has_length = false, has_type = false;
    for (const auto &[name, value] : spec.headers) {
        if (iequals(name, "host")) {
            host_header = value;
            continue;
        }
        if (iequals(name, "content-length")) {
            if (value != std::to_string(spec.body.size()))
                return fail("Content-Length header does not match the body size");
            has_length = true;
        }
        if (iequals(name, "content-type")) has_type = true;
        fields.append(name).append(": ").append(value).append("\r\n");
    }
    if (fields.size() > kMaxHeaderBytes)
        return fail("request headers too large (" + std::to_string(fields.size()) + " bytes, at most " +
                    std::to_string(kMaxHeaderBytes) + ")");
    if (!has_length && (spec.method == "POST" || !spec.body.empty()))
        fields.append("Content-Length: ").append(std::to_string(spec.body.size())).append("\r\n");
    if (!has_type && !spec.body.empty()) fields.append("Content-Type: application/json\r\n");

    auto *x = new HttpExchange(loop, handler);
    x->request_ = make_frame_buffer(spec.path.size() + host_header.size() + fields.size() + spec.body.size() + 32);
    x->request_.append(spec.method).append(" ").append(spec.path).append(" HTTP/1.1\r\nHost: ");
    x->request_.append(host_header).append("\r\n").append(fields).append("\r\n").append(spec.body);
    x->host_header_ = host_header;
    x->target_.host = spec.host;
    x->target_.port = spec.port;
    x->target_.tls = spec.tls;
    x->target_.ca_file = spec.ca_file;
    x->target_.tls_insecure = spec.tls_insecure;
    // One key per server and way of reaching it: a connection verified with
    // one CA file (or none) is never lent to an exchange that asked for
    // another, nor an insecure one to a verified exchange.
    x->socket_key_ = std::to_string(reinterpret_cast<uintptr_t>(&loop)) + (spec.tls ? "|tls|" : "|tcp|") +
                     bracketed + "|" + std::to_string(spec.port) + "|" + host_header + "|" +
                     (spec.tls_insecure ? "insecure|" : "verified|") + spec.ca_file;
    if (!x->start(true, error)) {
        delete x;
        return nullptr;
    }
    return x;
}

bool HttpExchange::start(bool allow_idle, std::string *error) {
    if (allow_idle) {
        socket_ = HttpSocket::take_idle(socket_key_, this);
        reused_connection_ = socket_ != nullptr;
        if (socket_) return true;
    }
    socket_ = HttpSocket::connect(loop_, target_, host_header_, socket_key_, this, error);
    return socket_ != nullptr;
}

void HttpExchange::detach() {
    Busy busy(this);
    handler_ = nullptr;
    finished_ = true;
    dead_ = true;
    release_socket(false);  // the rest of the response is unread
}

void HttpExchange::release_socket(bool reusable) {
    if (HttpSocket *s = socket_) {
        socket_ = nullptr;
        s->release(reusable);
    }
}

void HttpExchange::finish(const CloseInfo &info) {
    if (finished_) return;
    finished_ = true;
    dead_ = true;
    if (Handler *h = handler_) {
        handler_ = nullptr;
        h->on_closed(info);
    }
}

void HttpExchange::complete() {
    bool reusable = reusable_ && !head_.connection_close && head_.framing != BodyFraming::UntilClose;
    release_socket(reusable);  // first, so that an exchange opened from on_closed can have it
    CloseInfo info;
    info.body_complete = true;
    info.close_code = 1000;
    finish(info);
}

void HttpExchange::fail(CloseInfo info) {
    release_socket(false);
    finish(info);
}

void HttpExchange::on_bytes(std::string_view bytes) {
    Busy busy(this);
    if (finished_ || bytes.empty()) return;
    answer_started_ = true;
    if (head_done_) {
        on_body_bytes(bytes);
        return;
    }
    while (!head_done_ && !finished_) {
        auto status = head_parser_.feed(bytes);
        if (status == protocol::HttpHeadParser::Status::More) return;
        if (status == protocol::HttpHeadParser::Status::Invalid) {
            CloseInfo info;
            info.reason = "invalid HTTP response from " + host_header_ + ": " + head_parser_.error();
            fail(std::move(info));
            return;
        }
        std::string_view rest = bytes.substr(head_parser_.consumed());
        int status_code = head_parser_.head().status;
        if (status_code >= 200) {
            on_head_done(rest);
            return;
        }
        if (status_code == 101) {
            CloseInfo info;
            info.reason = "unexpected protocol switch (HTTP status 101) from " + host_header_;
            fail(std::move(info));
            return;
        }
        // An interim response (100 Continue, 103 Early Hints): the final one follows.
        head_parser_.reset();
        bytes = rest;
        if (bytes.empty()) return;
    }
}

void HttpExchange::on_head_done(std::string_view rest) {
    head_done_ = true;
    head_ = head_parser_.head();
    if (head_.framing == BodyFraming::Length) length_left_ = head_.content_length;
    HttpResponseHead head;
    head.status = head_.status;
    head.content_type = head_.content_type;
    head.retry_after = head_.retry_after;
    if (handler_) handler_->on_response_head(head);
    if (finished_) return;  // detached meanwhile
    if (head_.framing == BodyFraming::None || (head_.framing == BodyFraming::Length && length_left_ == 0)) {
        if (!rest.empty()) reusable_ = false;
        complete();
        return;
    }
    if (!rest.empty()) on_body_bytes(rest);
}

void HttpExchange::on_body_bytes(std::string_view bytes) {
    switch (head_.framing) {
        case BodyFraming::Length: {
            size_t n = size_t(std::min<uint64_t>(length_left_, bytes.size()));
            if (n < bytes.size()) reusable_ = false;  // bytes nobody asked for
            length_left_ -= n;
            if (n && handler_) handler_->on_body(bytes.substr(0, n));
            if (!finished_ && length_left_ == 0) complete();
            return;
        }
        case BodyFraming::Chunked: {
            auto status = dechunker_.feed(bytes, [this](std::string_view piece) {
                if (handler_) handler_->on_body(piece);
                return !finished_;  // detached meanwhile
            });
            if (finished_) return;
            if (status == protocol::ChunkedDecoder::Status::Invalid) {
                CloseInfo info;
                info.reason = "invalid chunked encoding in the response body from " + host_header_;
                fail(std::move(info));
            } else if (status == protocol::ChunkedDecoder::Status::End) {
                if (dechunker_.bytes_after_end()) reusable_ = false;
                complete();
            }
            return;
        }
        case BodyFraming::UntilClose:
            if (handler_) handler_->on_body(bytes);
            return;
        case BodyFraming::None:
            reusable_ = false;
            return;
    }
}

void HttpExchange::on_connection_lost(const CloseInfo &lost) {
    Busy busy(this);
    socket_ = nullptr;  // the connection let go of us
    if (finished_) return;
    if (head_done_ && head_.framing == BodyFraming::UntilClose) {
        complete();  // the end of a close-delimited body
        return;
    }
    if (reused_connection_ && !answer_started_ && !resent_) {
        // The server closed the kept-alive connection (idle too long for it)
        // before it read this request: no byte of an answer came, so send
        // the request once more on a new connection.
        resent_ = true;
        reused_connection_ = false;
        std::string error;
        if (!start(false, &error)) {
            CloseInfo info;
            info.connect_failed = true;
            info.reason = error;
            fail(std::move(info));
        }
        return;
    }
    CloseInfo info = lost;
    if (!lost.connect_failed) {
        info.reason = !head_done_ ? "connection closed before the response was complete (no response head)"
                      : head_.framing == BodyFraming::Chunked
                          ? "connection closed before the response was complete (in a chunked body)"
                          : "connection closed before the response was complete";
    }
    fail(std::move(info));
}

}  // namespace realm::transport
