// A client connection that carries HTTP/1.1 exchanges one after another: a
// raw lws socket whose bytes HttpExchange reads and writes, with TLS run by
// a TlsSession when the URL asks for it.
// When an exchange ends with the connection still clean (the whole response
// read, no "Connection: close"), the connection waits idle for the next
// exchange to the same server for up to kIdleSeconds, then closes.
//
// Why raw sockets and not lws's HTTP client: lws 4.1.6's only connection
// reuse (LCCSCF_PIPELINE) queues a new exchange behind any active
// connection to the host, busy or idle, so one long SSE stream would hold
// every other request to that server; and its client also truncates long
// request lines and Host values, takes a 1xx response for the final one,
// and accepts "chunked" only spelt exactly so. Reading the response
// ourselves (protocol::HttpHeadParser, protocol::ChunkedDecoder) removes
// all of that; lws still does the TCP connect and the polling.
//
// The object lives exactly as long as its lws wsi. Loop thread only.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "connection.h"
#include "tls_session.h"

struct lws;

namespace realm::transport {

class EventLoop;
class HttpExchange;
struct HttpRequestSpec;

class HttpSocket {
public:
    static constexpr int kIdleSeconds = 5;            // like httpx's keep-alive expiry
    static constexpr size_t kMaxIdlePerServer = 32;   // more idle connections are closed

    // A new connection carrying `x` (its request is written once connected).
    // nullptr and *error when it fails at once; otherwise a failure later is
    // reported through x->on_connection_lost().
    static HttpSocket *connect(EventLoop &loop, const HttpRequestSpec &target, const std::string &host_header,
                               const std::string &key, HttpExchange *x, std::string *error);
    // An idle connection to the server `key` names, now carrying `x`;
    // nullptr when there is none.
    static HttpSocket *take_idle(const std::string &key, HttpExchange *x);

    // The exchange is done with this connection: keep it for the next one
    // (reusable) or close it. No call reaches the exchange afterwards.
    void release(bool reusable);

    static int lws_callback(struct lws *wsi, int reason, void *user, void *in, size_t len);

private:
    HttpSocket(EventLoop &loop, std::string key, HttpExchange *x);
    ~HttpSocket();

    int on_writable();
    bool write_out(std::string &buf, size_t &sent);
    void on_connected();
    int on_read(std::string_view bytes);
    bool queue_ciphertext();
    void lost(const std::string &what);
    CloseInfo failure(std::string what) const;
    void kill();
    void leave_pool();

    EventLoop &loop_;
    std::string key_;
    HttpExchange *exchange_;
    struct lws *wsi_ = nullptr;
    std::string target_;          // "host:port", for messages
    size_t sent_ = 0;             // request bytes of the current exchange written
    bool request_sent_ = false;
    bool tcp_connected_ = false;
    bool connected_ = false;      // TCP (+ TLS) up
    bool idle_ = false;
    bool closing_ = false;
    bool in_open_call_ = false;
    bool destroyed_in_open_ = false;
    std::string open_error_;
    // TLS, run by us over the plaintext socket (see tls_session.h).
    std::unique_ptr<TlsSession> tls_;
    std::string wire_;            // kSendHeadroom bytes, then ciphertext to write
    size_t wire_sent_ = 0;
    bool request_encrypted_ = false;  // the current request went into tls_
    bool tls_failed_ = false;
};

}  // namespace realm::transport
