// One Tekton WebSocket connection (tekton.md 3, reference profile of 4): a
// WebSocket upgraded on /ws. REGISTER comes first (anything else before it
// is answered `ERROR "Not registered"`); then GENERATE / CHAT get one
// RESPONSE, STREAM / CHAT_STREAM get CHUNKs and a done:true chunk, several
// requests at once, tied by request_id. CANCEL stops that generation and
// nothing more is sent for it. With --tekton-ping-ms the server sends PING
// every N ms and closes (1008) a socket whose PING is still unanswered when
// the next one is due. The answers come from the same source as the HTTP
// Tekton routes (the synthetic model paced by --token-delay-ms, or the
// upstreams in gateway mode) through TektonStream.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <libwebsockets.h>

#include "frame_batch.h"
#include "openai_request.h"
#include "server_state.h"
#include "tekton_stream.h"
#include "ws_message.h"
#include "ws_peer.h"

namespace realm::server {

// True for the upgrade path the Tekton session serves ("/ws").
bool is_tekton_ws_path(const std::string &path);

class TektonWsSession : public WsPeer {
public:
    // `tenant`: authenticated on the upgrade (rate limits), if auth is on.
    TektonWsSession(ServerState &state, lws *wsi, std::optional<std::string> tenant);
    ~TektonWsSession() override;
    TektonWsSession(const TektonWsSession &) = delete;
    TektonWsSession &operator=(const TektonWsSession &) = delete;

    int on_established() override;
    int on_receive(const void *in, size_t len) override;
    int on_writable() override;
    void begin_shutdown() override;

private:
    void handle(const std::string &msg);
    void start(const cJSON *root, const std::string &type, const std::string &request_id);
    void cancel(const std::string &request_id);
    void send_error(const std::string &request_id, const std::string &error);
    void queue_text(std::string payload);
    void finish(const std::string &request_id);
    void ping_tick();

    ServerState &state_;
    lws *wsi_;
    std::optional<std::string> tenant_;
    WsMessage rx_;
    bool registered_ = false;
    bool shutting_down_ = false;
    bool close_pending_ = false;  // no PONG: close at the next write turn
    bool rx_paused_ = false;

    std::map<std::string, std::unique_ptr<TektonStream>> streams_;  // by request_id
    std::deque<std::string> ready_;                                  // request ids with something to write
    std::deque<std::string> control_;                                // payloads to send first
    FrameBatch batch_;
    std::string payload_;

    TimerHandle ping_timer_;
    bool ping_unanswered_ = false;
};

}  // namespace realm::server
