// One WebSocket connection: the auth handshake, decoding and routing of
// frames, the running jobs and the output pump.
//
// Output model: small responses go to a FIFO of control items; jobs write
// their own frames when the pump asks them. Each WRITEABLE builds one batch
// (control items first, then one token per ready job, round robin) and
// writes it with a single lws_write, so a slow reader throttles generation
// instead of growing a queue. In compat modes requests are served strictly
// one at a time (upstream's read-process loop), otherwise concurrently.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <libwebsockets.h>

#include "faults.h"
#include "frame_batch.h"
#include "job.h"
#include "preauth_peek.h"
#include "ready_queue.h"
#include "server_state.h"
#include "ws_message.h"
#include "ws_peer.h"

namespace realm::server {

class Session : public WsPeer, public PreauthPeek::Listener {
public:
    Session(ServerState &state, lws *wsi, const ConnectionFaults &faults);
    ~Session() override;
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;

    int on_established() override;
    int on_receive(const void *in, size_t len) override;
    int on_writable() override;
    int on_pong() override;
    void begin_shutdown() override;

    void on_preauth_verdict(PreauthPeek::Verdict v) override;

private:
    enum class Phase { Silent, AwaitingAuth, Ready, Closing };
    enum class Pending { None, Kill, CloseCode };

    struct OutItem {
        enum class Kind { Text, CloseNoStatus, CloseCode } kind;
        std::string payload;
        uint16_t code = 0;
    };

    void queue_text(std::string payload);
    void queue_close(uint16_t code, std::string reason);
    void request_write();

    int handle_message(bool binary, std::string msg);
    void handle_auth_frame(bool binary, const std::string &text);
    void fail_auth(const std::string &error);
    void probe_buffered_rx();
    void send_welcome();
    void serve(bool binary, const std::string &msg);
    void handle_call(const std::string &text);
    bool cancel_job(const std::string &target, const std::string &tenant);

    void start_job(std::unique_ptr<JobSpec> spec);
    void finish_job(Job &job);
    void on_job_due(Job &job);
    void pump_compat_queue();
    void update_rx_pause();
    void set_rx_paused(bool paused);
    void on_auth_timeout();
    void stop_auth_wait();
    int execute_pending_close();

    ServerState &state_;
    lws *wsi_;
    ConnectionFaults faults_;
    Phase phase_ = Phase::Silent;
    std::optional<std::string> tenant_;  // authenticated tenant

    WsMessage rx_;

    std::deque<OutItem> control_;
    ReadyQueue<Job, &Job::ready> ready_;         // jobs with something to write
    std::map<uint64_t, std::unique_ptr<Job>> jobs_;  // by start order
    uint64_t next_seq_ = 1;
    FrameBatch batch_;
    Pending pending_ = Pending::None;
    uint16_t close_code_ = 1000;
    std::string close_reason_;
    bool shutting_down_ = false;

    // compat: upstream's one-request-at-a-time loop
    std::deque<std::pair<bool, std::string>> inbound_;
    uint64_t busy_seq_ = 0;
    bool rx_paused_ = false;

    TimerHandle auth_timer_;
    TimerHandle probe_timer_;
    std::unique_ptr<PreauthPeek> peek_;
    bool write_requested_ = false;  // we asked for WRITEABLE / are writing
};

}  // namespace realm::server
