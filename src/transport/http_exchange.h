// One HTTP/1.1 client exchange (a request and its streamed response) on the
// event loop, plain or over TLS, carried by a connection that may have served
// earlier exchanges to the same server (keep-alive; see http_socket.h).
// Loop thread only.
//
// The owner talks to the exchange through the raw pointer returned by open()
// until it receives on_closed() (or calls detach()), and never after.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connection.h"
#include "protocol/chunked_decoder.h"
#include "protocol/http_head_parser.h"

namespace realm::transport {

class EventLoop;
class HttpSocket;

struct HttpRequestSpec {
    std::string method = "POST";  // "GET" or "POST"
    std::string host;             // name or address (no brackets for IPv6)
    int port = 0;
    std::string path = "/";       // path + query, starts with '/'
    bool tls = false;
    std::string ca_file;          // extra trusted CAs ("" = system only)
    bool tls_insecure = false;    // skip certificate and host-name checks
    // Extra request headers, sent as given (names and values already
    // validated by the caller: no CR, LF or NUL). Host, Content-Length and
    // (for a body) Content-Type: application/json are added by the exchange
    // unless given here.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;             // request body (POST); sent with Content-Length
};

// The status line and the headers the client acts on.
struct HttpResponseHead {
    int status = 0;
    std::string content_type;     // Content-Type as sent ("" if absent)
    std::string retry_after;      // Retry-After as sent ("" if absent)
};

class HttpExchange final : public Exchange {
public:
    class Handler {
    public:
        virtual ~Handler() = default;
        // Once, when the status line and headers of the final response have
        // been read (interim 1xx responses are skipped).
        virtual void on_response_head(const HttpResponseHead &head) = 0;
        // Response body bytes (de-chunked), split anywhere. The view is valid
        // during the call only. Not called before on_response_head.
        virtual void on_body(std::string_view chunk) = 0;
        // Exactly once, last: the exchange is over. info.body_complete is
        // true when the whole body arrived (Content-Length reached, last
        // chunk, or the server closed a close-delimited body); otherwise
        // info says what failed (connect_failed / tls_failure / reason).
        virtual void on_closed(const CloseInfo &info) = 0;
    };

    // Starts the exchange, on an idle kept-alive connection to the same
    // server when there is one, else on a new one. Returns nullptr and fills
    // *error when it fails at once (then no callback follows); otherwise the
    // handler hears on_response_head / on_body / on_closed later.
    static HttpExchange *open(EventLoop &loop, const HttpRequestSpec &spec, Handler *handler, std::string *error);

    // Abandons the exchange (e.g. the request was cancelled): no more
    // callbacks to the handler; its connection is closed (never reused,
    // since the rest of the response is unread). The pointer must not be
    // used after.
    void detach() override;

    // ---- from the connection carrying the exchange (http_socket.cpp) ----
    // The request bytes (kSendHeadroom bytes of headroom first).
    std::string &request_bytes() { return request_; }
    // Response bytes as read, split anywhere.
    void on_bytes(std::string_view bytes);
    // The connection ended; `info` describes it as a failure. A close-
    // delimited body is complete then; an exchange that reused a kept-alive
    // connection which died before any byte of the answer is sent again once
    // on a new connection.
    void on_connection_lost(const CloseInfo &info);

private:
    HttpExchange(EventLoop &loop, Handler *handler) : loop_(loop), handler_(handler) {}
    ~HttpExchange() = default;

    // Guards `this` across calls into the handler, which may detach.
    class Busy;

    bool start(bool allow_idle, std::string *error);
    void on_head_done(std::string_view rest);
    void on_body_bytes(std::string_view bytes);
    void complete();
    void fail(CloseInfo info);
    void finish(const CloseInfo &info);
    void release_socket(bool reusable);

    EventLoop &loop_;
    Handler *handler_;
    HttpSocket *socket_ = nullptr;
    std::string socket_key_;       // which kept-alive connections may carry this exchange
    HttpRequestSpec target_;       // where to connect (no headers or body)
    std::string host_header_;
    std::string request_;          // headroom + request head + body, kept until the answer starts
    bool reused_connection_ = false;
    bool resent_ = false;
    bool answer_started_ = false;  // a byte of the response arrived
    bool head_done_ = false;
    bool finished_ = false;
    bool dead_ = false;            // detached or finished: delete when no call is on the stack
    int depth_ = 0;
    protocol::HttpHeadParser head_parser_;
    protocol::HttpHead head_;
    protocol::ChunkedDecoder dechunker_;
    uint64_t length_left_ = 0;
    bool reusable_ = true;         // the connection may carry another exchange after this one
};

}  // namespace realm::transport
