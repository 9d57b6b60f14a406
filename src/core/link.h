// One WebSocket connection of a client and its life: open with the dialect's
// headers, the dialect's handshake, keepalive (RFC 6455 or JSON pings), and
// the end, reported once to its owner. A dialect that pools connections has
// several links; a multiplexed one has one. Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/options.h"
#include "protocol/dialect.h"
#include "transport/connector.h"
#include "transport/timer.h"

struct realm_request;

namespace realm::core {

class Link;

// What a link needs from the client it belongs to.
struct LinkEnv {
    transport::EventLoop &loop;
    transport::Connector &connector;
    protocol::Dialect &dialect;
    const Options &opts;
    // The server new connections go to (one of opts' URLs; failover moves it).
    const ServerUrl *server = nullptr;
};

// The owner hears about its links. A link that failed or was lost is dead:
// the owner may destroy it during the call (the link touches nothing after).
class LinkOwner {
public:
    virtual ~LinkOwner() = default;
    virtual void on_link_ready(Link &link) = 0;
    // Before it was ready: connect, TLS, upgrade or handshake failure.
    virtual void on_link_failed(Link &link, const Error &err, bool retryable) = 0;
    // After it was ready: closed by the server, dropped, keepalive timeout.
    virtual void on_link_lost(Link &link, const Error &err, int close_code, const std::string &reason) = 0;
    // A valid UTF-8 text message after the handshake.
    virtual void on_link_message(Link &link, std::string_view payload) = 0;
    // A binary or invalid UTF-8 message after the handshake.
    virtual void on_link_bad_message(Link &link, const std::string &problem) = 0;
    // True while requests are in flight on the link (keepalive: a server
    // that answers pings only between requests is not dead while busy).
    virtual bool link_busy(const Link &link) const = 0;
};

class Link final : private transport::MessageHandler {
public:
    Link(const LinkEnv &env, LinkOwner &owner);
    ~Link() override;
    Link(const Link &) = delete;
    Link &operator=(const Link &) = delete;

    // Starts connecting (the connect timeout covers TCP, TLS, upgrade and
    // handshake). May report failure to the owner before it returns.
    void open();
    bool ready() const { return phase_ == Phase::Ready; }
    bool opening() const {
        return phase_ == Phase::Opening || phase_ == Phase::Handshake || phase_ == Phase::Failing;
    }
    const protocol::SessionInfo &session() const { return session_; }
    // The server it connects to.
    const ServerUrl *server() const { return env_.server; }

    // Sends a text frame built with transport::make_frame_buffer(). Ready only.
    void send(std::string frame);
    // Closes gracefully (code 1000 unless given) without telling the owner.
    void close(int code = 1000, std::string_view reason = {});

    // The one request in flight on a pooled link (nullptr = idle).
    realm_request *bound = nullptr;

private:
    // Failing: the handshake failed and the server is closing; the failure
    // is reported with its close code when the close arrives (or soon).
    enum class Phase { Idle, Opening, Handshake, Failing, Ready, Closed };

    void apply(protocol::HandshakeStep step);
    void fail(const Error &err, bool retryable);
    void lost(const Error &err, int close_code, const std::string &reason);
    void keepalive_tick();
    void send_payload(const std::string &payload);

    // transport::MessageHandler
    void on_open() override;
    void on_message(std::string_view payload, bool binary) override;
    void on_pong() override;
    void on_closed(const transport::CloseInfo &info) override;

    LinkEnv env_;
    LinkOwner &owner_;
    Phase phase_ = Phase::Idle;
    transport::MessageConnection *conn_ = nullptr;
    std::unique_ptr<protocol::Handshake> handshake_;
    protocol::SessionInfo session_;
    transport::Timer connect_timer_;
    transport::Timer step_timer_;  // the handshake's wait for its next message
    transport::Timer ping_timer_;
    Error failing_;             // Failing: the error to report
    int64_t last_rx_us_ = 0;    // last frame or pong
    int64_t ping_sent_us_ = 0;  // last keepalive ping (0 = none)
};

}  // namespace realm::core
