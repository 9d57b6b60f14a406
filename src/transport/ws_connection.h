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

#include "connection.h"
#include "event_loop.h"

struct lws;

namespace realm::transport {

class EventLoop;

class WsConnection final : public MessageConnection {
public:
    using Handler = MessageHandler;

    // Starts connecting. Returns nullptr and fills *error when it fails at once
    // (then no callback follows); otherwise the handler hears on_open() or
    // on_closed(connect_failed) later.
    static WsConnection *open(EventLoop &loop, const ConnectSpec &spec, Handler *handler,
                              std::string *error);

    void send_text(std::string frame) override;
    void send_ping() override;
    void close(int code, std::string_view reason) override;
    void detach() override;

    // lws glue (ws_connection.cpp).
    static int lws_callback(struct lws *wsi, int reason, void *user, void *in, size_t len);

private:
    WsConnection(EventLoop &loop, Handler *handler, size_t max_message_size)
        : loop_(loop), handler_(handler), max_message_size_(max_message_size) {
        loop_.connection_opened();
    }
    ~WsConnection() { loop_.connection_closed(); }

    int on_writable();
    int append_headers(unsigned char **p, unsigned char *end);
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
    Headers headers_;                // extra upgrade request headers
    std::string host_;               // as given, for the certificate check
    bool in_open_call_ = false;      // inside lws_client_connect_via_info
    bool destroyed_in_open_ = false;
};

}  // namespace realm::transport
