// One HTTP/1.1 client exchange (request + streamed response) on the event
// loop, plain or over TLS. Loop thread only.
//
// The object lives exactly as long as its lws wsi, like WsConnection: the
// owner talks to it through the raw pointer returned by open() until it
// receives on_closed() (or calls detach()), and never after.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connection.h"
#include "protocol/chunked_decoder.h"

struct lws;

namespace realm::transport {

class EventLoop;

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
    // (for a body) Content-Type: application/json are added by the connection
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

class HttpConnection final : public Exchange {
public:
    class Handler {
    public:
        virtual ~Handler() = default;
        // Once, when the status line and headers have been read.
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

    // Starts the exchange. Returns nullptr and fills *error when it fails at
    // once (then no callback follows); otherwise the handler hears
    // on_response_head / on_body / on_closed later.
    static HttpConnection *open(EventLoop &loop, const HttpRequestSpec &spec, Handler *handler,
                                std::string *error);

    // Abandons the exchange (e.g. the request was cancelled): no more
    // callbacks to the handler; the socket is closed as soon as possible
    // (never reused for another request). The pointer must not be used after.
    void detach() override;

    // lws glue (http_connection.cpp).
    static int lws_callback(struct lws *wsi, int reason, void *user, void *in, size_t len);

private:
    HttpConnection(EventLoop &loop, Handler *handler) : loop_(loop), handler_(handler) {}
    ~HttpConnection() = default;

    EventLoop &loop_;
    Handler *handler_;
    struct lws *wsi_ = nullptr;
    // Implementation state is the helper's to add (keep it private).

    int on_writable();
    void on_request_sent();
    int on_established();
    int on_receive();
    void on_body_bytes(const char *data, size_t len);
    void on_completed();
    CloseInfo failure(std::string what) const;
    void finish(CloseInfo info);
    void finish_complete();
    void kill();

    std::string target_;             // "host:port" ("[v6]:port"), for error messages
    std::string host_;               // as given: the IPv6 certificate check needs it
    std::vector<std::pair<std::string, std::string>> headers_;  // sent as "name: value"
    std::string body_;               // kSendHeadroom bytes, then the request body
    size_t body_sent_ = 0;
    bool has_body_ = false;          // a body phase follows the request head
    bool body_done_ = false;
    bool tls_insecure_ = false;
    bool tcp_connected_ = false;     // LWS_CALLBACK_WSI_CREATE: the TCP connect succeeded
    bool request_started_ = false;   // TCP (+ TLS) up, the request head is being written
    bool response_timeout_cancelled_ = false;  // lws's response-head timeout was cancelled
    bool head_seen_ = false;
    bool lws_chunked_ = false;       // lws de-chunks this body itself
    bool own_dechunk_ = false;       // chunked under another spelling: we de-chunk
    protocol::ChunkedDecoder dechunker_;  // used when own_dechunk_
    bool in_read_ = false;           // inside lws_http_client_read
    bool completed_in_read_ = false; // LWS_CALLBACK_COMPLETED_CLIENT_HTTP came from that read
    bool finished_ = false;          // on_closed delivered (or detached)
    bool in_open_call_ = false;      // inside lws_client_connect_via_info
    bool destroyed_in_open_ = false;
    std::string open_error_;         // failure reported by open() itself
    std::string tls_error_;          // certificate verification failure text
    std::string fail_reason_;        // our own reason for failing the exchange
};

}  // namespace realm::transport
