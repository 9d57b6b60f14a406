// One openai-ws connection (openai-ws.md, [LIBREALM] rules): a WebSocket
// upgraded on /v1/chat/completions or /v1/completions.
//
// Order: frames are handled strictly in arrival order, and a request without
// "request_id" waits until the previous such request has sent its final
// chunk (queued, not rejected), because clients correlate untagged replies
// and errors with "the request in flight". Requests that carry request_id
// start at once and stream interleaved; pings and cancels are answered at
// once (their replies cannot be mistaken for a request's).
//
// Output: like the Realm Session, control frames go to a FIFO and streams
// write one payload each per turn when the pump asks, all frames of a turn
// in one lws_write, so a slow reader throttles generation.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <libwebsockets.h>

#include "frame_batch.h"
#include "openai_request.h"
#include "openai_stream.h"
#include "server_state.h"
#include "ws_message.h"
#include "ws_peer.h"

namespace realm::server {

class OpenAiWsSession : public WsPeer {
public:
    // `tenant`: authenticated on the upgrade (header or query). With
    // `auth_pending` the first frame must be an auth frame.
    OpenAiWsSession(ServerState &state, lws *wsi, OpenAiDialect dialect, std::optional<std::string> tenant,
                    bool auth_pending);
    ~OpenAiWsSession() override;
    OpenAiWsSession(const OpenAiWsSession &) = delete;
    OpenAiWsSession &operator=(const OpenAiWsSession &) = delete;

    int on_established() override;
    int on_receive(const void *in, size_t len) override;
    int on_writable() override;
    void begin_shutdown() override;

private:
    // A frame waiting for the in-order request before it to finish.
    struct Queued {
        bool binary = false;
        JsonPtr root;  // null: not JSON
        size_t bytes = 0;
    };
    struct OutItem {
        bool close = false;  // else a text frame
        uint16_t code = 0;
        std::string text;    // payload or close reason
    };

    void handle_message(bool binary, const std::string &msg);
    void handle_auth_frame(const cJSON *root);
    void fail_auth();
    void cancel(const cJSON *root);
    void run_queue();
    void serve(const cJSON *root);
    void send_error(const OpenAiError &e, const std::optional<std::string> &request_id);

    void queue_text(std::string payload);
    void queue_close(uint16_t code, std::string reason);
    void request_write();
    void finish(OpenAiStream &s);
    void on_due(OpenAiStream &s);
    void update_rx_pause();
    int execute_close();

    ServerState &state_;
    lws *wsi_;
    OpenAiDialect dialect_;
    std::optional<std::string> tenant_;
    bool auth_pending_;
    bool closing_ = false;  // a close is queued: ignore further frames
    TimerHandle auth_timer_;
    WsMessage rx_;

    std::deque<Queued> queue_;  // in-order frames not handled yet
    size_t queued_bytes_ = 0;
    uint64_t in_order_seq_ = 0;  // the running request without request_id, 0 = none

    std::map<uint64_t, std::unique_ptr<OpenAiStream>> streams_;  // by start order
    std::unordered_map<std::string, uint64_t> by_request_id_;
    uint64_t next_seq_ = 1;
    ReadyQueue<OpenAiStream, &OpenAiStream::ready> ready_;  // streams with something to write
    std::deque<OutItem> control_;
    FrameBatch batch_;
    std::string payload_;

    enum class Pending { None, Kill, Close } pending_ = Pending::None;
    uint16_t close_code_ = 1000;
    std::string close_reason_;
    bool shutting_down_ = false;
    bool rx_paused_ = false;
};

}  // namespace realm::server
