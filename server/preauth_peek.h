// Detects a Ping/Pong/binary frame sent before the auth frame.
//
// Upstream fails authentication when the first frame it reads is not text
// (realm.md section 4), including a Ping. lws 4.1 answers Pings internally
// and never shows them to the protocol callback (nor, without external poll
// support, the POLLOUT it arms to send the Pong). So while authentication is
// pending the connection's rx is paused and a dup of its socket is watched;
// the first byte of the first frame (FIN + opcode) is read with MSG_PEEK,
// consuming nothing. Text or Close hands the socket back to lws; anything
// else is reported.
//
// Limits (see also README.md):
// - wss:// connections skip the check: the socket carries ciphertext.
// - Bytes that arrived in the same TCP segment as the upgrade request are
//   already inside lws; Session::probe_buffered_rx() detects that case and
//   hands back to lws, so such a client authenticates normally, but a Ping
//   coalesced with the upgrade is then answered instead of failing auth.
#pragma once

#include <libwebsockets.h>

#include "fd_watcher.h"

namespace realm::server {

class PreauthPeek : public FdHandler {
public:
    enum class Verdict { HandBack, NotText };
    class Listener {
    public:
        virtual ~Listener() = default;
        virtual void on_preauth_verdict(Verdict v) = 0;
    };

    PreauthPeek(lws *ws_wsi, Listener *listener);
    ~PreauthPeek() override;
    PreauthPeek(const PreauthPeek &) = delete;
    PreauthPeek &operator=(const PreauthPeek &) = delete;

    // Pauses rx of the connection and starts watching. False if the watch
    // could not be set up (rx is then left running).
    bool start();
    // Stops watching and resumes rx (idempotent).
    void stop();
    bool active() const { return active_; }

    bool on_readable() override;
    void on_watch_closed(lws *watch) override;

private:
    lws *ws_wsi_;
    Listener *listener_;
    lws *watch_ = nullptr;
    bool active_ = false;
};

}  // namespace realm::server
