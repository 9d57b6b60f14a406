// What the lws protocol callback needs from a WebSocket connection, whatever
// its dialect (Realm Session, OpenAiWsSession): the server routes lws events
// through this interface only.
#pragma once

#include <cstddef>

namespace realm::server {

class WsPeer {
public:
    virtual ~WsPeer() = default;
    // lws callbacks; a negative return closes the connection.
    virtual int on_established() = 0;
    virtual int on_receive(const void *in, size_t len) = 0;
    virtual int on_writable() = 0;
    virtual int on_pong() { return 0; }
    // Server shutdown: close with 1001 at the next opportunity.
    virtual void begin_shutdown() = 0;
};

}  // namespace realm::server
