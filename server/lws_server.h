// The libwebsockets side of realm-server: context and vhost, the protocol
// callback that routes connection events (a WebSocket upgrade on an OpenAI
// path to an OpenAiWsSession, on /ws to a TektonWsSession, any other
// upgrade to a Realm Session, or with --dialect ws-system every upgrade to a
// WsSystemSession; plain HTTP to an HttpExchange), upgrade-time auth and
// faults, signal handling and the service loop. Everything runs on the one thread that calls run().
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include <libwebsockets.h>

#include "fd_watcher.h"
#include "openai_http.h"
#include "server_state.h"
#include "ws_peer.h"

namespace realm::server {

class LwsServer {
public:
    explicit LwsServer(const ServerOptions &options);
    ~LwsServer();
    LwsServer(const LwsServer &) = delete;
    LwsServer &operator=(const LwsServer &) = delete;

    // Loads keys, creates the context and starts listening.
    bool start(std::string *error);
    int port() const { return port_; }
    // Serves until SIGINT/SIGTERM, then closes every connection. Returns the
    // process exit code.
    int run();

private:
    // SIGINT/SIGTERM arrive through a signalfd watched by the loop, so the
    // stop request is handled on the service thread like any other event.
    class SignalWatch : public FdHandler {
    public:
        explicit SignalWatch(LwsServer &s) : server_(s) {}
        bool on_readable() override;
        int fd = -1;

    private:
        LwsServer &server_;
    };

    static int ws_callback(lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
    int on_ws_event(lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
    int on_http_event(lws *wsi, enum lws_callback_reasons reason, void *in, size_t len);
    int confirm_upgrade(lws *wsi);
    int establish(lws *wsi, WsPeer **slot);
    // Answers the upgrade request with an HTTP error instead (returns 1).
    static int reject_upgrade(lws *wsi, int status, const std::string &extra_headers, const std::string &body);

    ServerState state_;
    lws_protocols protocols_[3];
    lws_retry_bo_t idle_policy_{};
    lws_context *ctx_ = nullptr;
    lws_vhost *vhost_ = nullptr;
    int port_ = -1;
    int signal_fd_ = -1;
    bool stop_ = false;
    SignalWatch signals_{*this};
    std::unordered_map<lws *, std::unique_ptr<WsPeer>> sessions_;
    std::unordered_map<lws *, std::unique_ptr<HttpExchange>> exchanges_;
};

}  // namespace realm::server
