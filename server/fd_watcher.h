// Lets libwebsockets' poll loop watch plain file descriptors (timerfd,
// signalfd, a peek on a client socket) so that everything still runs on the
// one service thread. Watched fds are adopted as LWS_ADOPT_RAW_FILE_DESC on
// the internal protocol; lws owns (and closes) them from then on.
#pragma once

#include <libwebsockets.h>

namespace realm::server {

class FdHandler {
public:
    virtual ~FdHandler() = default;
    // The fd is readable. Return false to stop watching (closes the fd).
    virtual bool on_readable() = 0;
    // The watcher is gone (closed by us, by lws or at context destruction).
    virtual void on_watch_closed(lws *watch) { (void)watch; }
};

// Name of the protocol that must appear in the vhost's protocol list with
// internal_protocol_callback.
inline constexpr const char *kInternalProtocol = "realm-internal";

// Adopts `fd`; returns the watcher wsi, or nullptr (fd closed) on failure.
lws *watch_fd(lws_vhost *vhost, int fd, FdHandler *handler);

// Detaches the handler and asks lws to close the watcher soon.
void unwatch_fd(lws *watch);

int internal_protocol_callback(lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

}  // namespace realm::server
