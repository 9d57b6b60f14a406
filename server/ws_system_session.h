// One ws-system connection (ws-system.md, the [SERVER] behaviour): with
// `--dialect ws-system` every WebSocket upgrade, on any path, is one.
//
// Auth: a challenge goes out on open; one signature check per connection
// (the challenge is consumed before verification); failures are counted per
// "<ip>:<clientId>" by the shared limiter; the auth timer sends the
// auth_timeout error and closes without a status code (peers see 1005).
//
// After auth every frame is handled as it arrives and every generate runs
// concurrently on its own timer; only the items of one batch run one after
// another (a generate item holds its batch until its terminal frame).
//
// Output: one FIFO of frames, written in batches when lws says the socket
// takes more; a generation queues at most its 13 words, and rx pauses when
// the FIFO grows past a bound, so memory stays bounded.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <libwebsockets.h>

#include "frame_batch.h"
#include "openai_request.h"
#include "server_state.h"
#include "ws_message.h"
#include "ws_peer.h"
#include "ws_system_generation.h"

namespace realm::server {

class WsSystemSession : public WsPeer {
public:
    // `ip`: the rate-limit address (raw X-Forwarded-For, else the peer).
    // `fixed_challenge`: the challenge to send instead of a random one (the
    // test-only `?challenge=` of --enable-faults), "" = random.
    WsSystemSession(ServerState &state, lws *wsi, std::string ip, std::string fixed_challenge = {});
    ~WsSystemSession() override;
    WsSystemSession(const WsSystemSession &) = delete;
    WsSystemSession &operator=(const WsSystemSession &) = delete;

    int on_established() override;
    int on_receive(const void *in, size_t len) override;
    int on_writable() override;
    void begin_shutdown() override;

private:
    // A batch in progress: a stack of cursors into its (nested) messages
    // arrays; `waiting` is the generation it waits for (0 = none).
    struct BatchRun {
        JsonPtr root;
        std::vector<const cJSON *> next;
        uint64_t waiting = 0;
    };
    struct OutItem {
        enum class Kind { Text, CloseNoStatus, Drop } kind = Kind::Text;
        std::string text;
    };

    void handle_text(const std::string &text);
    // One message, a frame or a batch item (not a batch). Returns the seq of
    // the generation it started, 0 if none.
    uint64_t dispatch(const cJSON *msg);
    void authenticate(const cJSON *msg);
    void auth_failed(const std::string &error, const char *extra_name = nullptr, uint64_t extra = 0);
    uint64_t generate(const cJSON *msg);
    void stop(const cJSON *msg);
    void start_batch(JsonPtr root);
    void run_batch(uint64_t batch_id);
    void on_generation_due(uint64_t seq);
    void finish_generation(uint64_t seq);
    void on_auth_timeout();

    void queue_text(std::string frame);
    void queue_close(OutItem::Kind kind);
    void request_write() { lws_callback_on_writable(wsi_); }
    void update_rx_pause();

    ServerState &state_;
    WsSystemShared &shared_;
    lws *wsi_;
    std::string ip_;
    std::string challenge_;  // "" once consumed
    uint64_t challenge_ns_ = 0;
    bool authenticated_ = false;
    bool closing_ = false;  // a close or drop is queued: ignore further frames
    TimerHandle auth_timer_;
    WsMessage rx_;

    std::map<uint64_t, std::unique_ptr<WsGeneration>> generations_;
    std::map<uint64_t, BatchRun> batches_;
    uint64_t next_seq_ = 1;
    uint64_t next_batch_ = 1;

    std::deque<OutItem> out_;
    FrameBatch batch_;
    enum class Pending { None, Kill, Shutdown } pending_ = Pending::None;
    bool shutting_down_ = false;
    bool rx_paused_ = false;
};

}  // namespace realm::server
