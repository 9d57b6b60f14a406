#include "fd_watcher.h"

namespace realm::server {

lws *watch_fd(lws_vhost *vhost, int fd, FdHandler *handler) {
    lws_adopt_desc_t desc{};
    desc.vh = vhost;
    desc.type = LWS_ADOPT_RAW_FILE_DESC;
    desc.fd.filefd = fd;
    desc.vh_prot_name = kInternalProtocol;
    desc.opaque = handler;
    return lws_adopt_descriptor_vhost_via_info(&desc);
}

void unwatch_fd(lws *watch) {
    if (!watch) return;
    lws_set_opaque_user_data(watch, nullptr);
    lws_set_timeout(watch, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

int internal_protocol_callback(lws *wsi, enum lws_callback_reasons reason, void *, void *, size_t) {
    auto *handler = wsi ? static_cast<FdHandler *>(lws_get_opaque_user_data(wsi)) : nullptr;
    switch (reason) {
        case LWS_CALLBACK_RAW_RX_FILE:
            if (!handler) return -1;
            return handler->on_readable() ? 0 : -1;
        case LWS_CALLBACK_RAW_CLOSE_FILE:
            if (handler) {
                lws_set_opaque_user_data(wsi, nullptr);
                handler->on_watch_closed(wsi);
            }
            return 0;
        default:
            return 0;
    }
}

}  // namespace realm::server
