// One client WebSocket connection on the event loop. Loop thread only.
//
// The object lives exactly as long as its lws wsi: it deletes itself when lws
// destroys the wsi. The owner talks to it through the raw pointer returned by
// open() until it receives on_closed() (or calls detach()), and never after.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

struct lws;

namespace realm::transport {

class EventLoop;

// Bytes to reserve in front of every outbound frame (lws's LWS_PRE), so frames
// are written without a copy. Build frames with make_frame_buffer().
extern const size_t kSendHeadroom;
// A string with kSendHeadroom bytes of headroom, ready to append a payload to.
std::string make_frame_buffer(size_t payload_hint);

struct ConnectSpec {
    std::string host;
    int port = 0;
    std::string path = "/";
    bool tls = false;
    std::string ca_file;          // extra trusted CAs ("" = system only)
    bool tls_insecure = false;    // skip certificate and host-name checks
    size_t max_message_size = 16u << 20;
};

// Why a connection ended.
struct CloseInfo {
    bool connect_failed = false;  // never opened (TCP, TLS or upgrade failure)
    bool tls_failure = false;     // the failure was in TLS / certificate checks
    int http_status = 0;          // rejected upgrade: the HTTP status
    int close_code = 1006;        // opened connections: close code (1005 = none, 1006 = abnormal)
    bool message_too_large = false;  // we closed it because an inbound message exceeded the cap
    std::string reason;           // close reason, or a description of the failure
};

class WsConnection {
public:
    class Handler {
    public:
        virtual ~Handler() = default;
        virtual void on_open() = 0;
        // A complete inbound message. The view is valid during the call only.
        virtual void on_message(std::string_view payload, bool binary) = 0;
        virtual void on_pong() = 0;
        // Exactly once, last. The connection is gone afterwards.
        virtual void on_closed(const CloseInfo &info) = 0;
    };

    // Starts connecting. Returns nullptr and fills *error when it fails at once
    // (then no callback follows); otherwise the handler hears on_open() or
    // on_closed(connect_failed) later.
    static WsConnection *open(EventLoop &loop, const ConnectSpec &spec, Handler *handler,
                              std::string *error);

    // Queues a text frame built with make_frame_buffer() (headroom included).
    void send_text(std::string frame);
    // Queues a Ping.
    void send_ping();
    // Graceful close with a code and reason once queued frames are written.
    void close(int code, std::string_view reason);
    // Abandons the connection: no more callbacks to the handler; the socket is
    // torn down as soon as possible. The pointer must not be used after.
    void detach();

    // lws glue (ws_connection.cpp).
    static int lws_callback(struct lws *wsi, int reason, void *user, void *in, size_t len);

private:
    WsConnection(EventLoop &loop, Handler *handler, size_t max_message_size)
        : loop_(loop), handler_(handler), max_message_size_(max_message_size) {}
    ~WsConnection() = default;

    int on_writable();
    void on_receive(const char *in, size_t len);
    void finish(CloseInfo info);
    void request_write();

    EventLoop &loop_;
    Handler *handler_;
    struct lws *wsi_ = nullptr;
    size_t max_message_size_;

    std::deque<std::string> out_;
    bool ping_pending_ = false;
    bool close_pending_ = false;
    int close_code_ = 1000;
    std::string close_reason_;

    std::string rx_;                 // reassembly of fragmented messages
    bool rx_binary_ = false;
    bool rx_discarding_ = false;     // current message is over the cap: drop, then close 1009

    bool opened_ = false;
    bool finished_ = false;          // on_closed delivered (or detached)
    int peer_close_code_ = 0;        // from WS_PEER_INITIATED_CLOSE
    std::string peer_close_reason_;
    std::string target_;             // "host:port" ("[v6]:port"), for error messages
    std::string tls_error_;          // certificate verification failure text
    bool tls_insecure_ = false;
    bool in_open_call_ = false;      // inside lws_client_connect_via_info
    bool destroyed_in_open_ = false;
};

}  // namespace realm::transport
