#include "preauth_peek.h"

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

namespace realm::server {

PreauthPeek::PreauthPeek(lws *ws_wsi, Listener *listener) : ws_wsi_(ws_wsi), listener_(listener) {}

PreauthPeek::~PreauthPeek() {
    // The ws wsi may be closing: only detach the watcher, never touch rx.
    unwatch_fd(watch_);
}

bool PreauthPeek::start() {
    int sock = lws_get_socket_fd(ws_wsi_);
    if (sock < 0) return false;
    int copy = dup(sock);
    if (copy < 0) return false;
    watch_ = watch_fd(lws_get_vhost(ws_wsi_), copy, this);  // closes `copy` on failure
    if (!watch_) return false;
    lws_rx_flow_control(ws_wsi_, 0);
    active_ = true;
    return true;
}

void PreauthPeek::stop() {
    if (!active_) return;
    active_ = false;
    unwatch_fd(watch_);
    watch_ = nullptr;
    lws_rx_flow_control(ws_wsi_, 1);
}

bool PreauthPeek::on_readable() {
    if (!active_) return false;
    unsigned char first = 0;
    ssize_t n = recv(lws_get_socket_fd(ws_wsi_), &first, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
    Verdict v = Verdict::HandBack;
    if (n == 1) {
        unsigned opcode = first & 0x0F;
        if (opcode == 0x2 || opcode == 0x9 || opcode == 0xA) v = Verdict::NotText;
    }
    // EOF, errors, text, close and invalid opcodes are lws's business.
    active_ = false;
    lws_set_opaque_user_data(watch_, nullptr);  // returning false makes lws close it
    watch_ = nullptr;
    if (v == Verdict::HandBack) lws_rx_flow_control(ws_wsi_, 1);
    listener_->on_preauth_verdict(v);
    return false;
}

void PreauthPeek::on_watch_closed(lws *watch) {
    if (watch == watch_) watch_ = nullptr;
}

}  // namespace realm::server
