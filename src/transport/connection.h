// The connection seam: what the client core sees of a transport. Two kinds of
// connection run on the one event loop: a message connection (WebSocket:
// frames both ways until it closes) and an exchange (HTTP/1.1: one request,
// one streamed response). The core opens them through a Connector
// (connector.h), so its unit tests can put fakes underneath. Loop thread only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace realm::transport {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Why a connection (or one HTTP exchange) ended.
struct CloseInfo {
    bool connect_failed = false;  // never opened (DNS, TCP, TLS, WebSocket upgrade)
    bool tls_failure = false;     // the failure was in TLS / certificate checks
    int http_status = 0;          // rejected WebSocket upgrade: the HTTP status
    int close_code = 1006;        // WebSocket: close code (1005 = none, 1006 = abnormal)
    bool message_too_large = false;  // we closed it because an inbound message exceeded the cap
    bool body_complete = false;   // HTTP: the whole response body was received
    std::string reason;           // close reason, or a description of the failure
    std::string retry_after;      // rejected WebSocket upgrade: its Retry-After header ("" = none)
};

// Bytes to reserve in front of every outbound frame or body (lws's LWS_PRE),
// so they are written without a copy. Build them with make_frame_buffer().
extern const size_t kSendHeadroom;
// A string with kSendHeadroom bytes of headroom, ready to append a payload to.
std::string make_frame_buffer(size_t payload_hint);

// ---- message connections (WebSocket) ----

struct ConnectSpec {
    std::string host;
    int port = 0;
    std::string path = "/";
    bool tls = false;
    std::string ca_file;          // extra trusted CAs ("" = system only)
    bool tls_insecure = false;    // skip certificate and host-name checks
    size_t max_message_size = 16u << 20;
    Headers headers;              // extra upgrade request headers (validated by the caller)
};

class MessageHandler {
public:
    virtual ~MessageHandler() = default;
    virtual void on_open() = 0;
    // A complete inbound message. The view is valid during the call only.
    virtual void on_message(std::string_view payload, bool binary) = 0;
    virtual void on_pong() = 0;
    // Exactly once, last. The connection is gone afterwards.
    virtual void on_closed(const CloseInfo &info) = 0;
};

class MessageConnection {
public:
    // Queues a text frame built with make_frame_buffer() (headroom included).
    virtual void send_text(std::string frame) = 0;
    // Queues a Ping.
    virtual void send_ping() = 0;
    // Graceful close with a code and reason once queued frames are written.
    virtual void close(int code, std::string_view reason) = 0;
    // Abandons the connection: no more callbacks to the handler; the socket
    // is torn down as soon as possible. The pointer must not be used after.
    virtual void detach() = 0;

protected:
    ~MessageConnection() = default;  // connections delete themselves
};

// ---- exchanges (HTTP): see http_exchange.h ----

class Exchange {
public:
    // Abandons the exchange (e.g. the request was cancelled): no more
    // callbacks to the handler; the socket is closed as soon as possible and
    // never reused. The pointer must not be used after.
    virtual void detach() = 0;

protected:
    ~Exchange() = default;
};

}  // namespace realm::transport
