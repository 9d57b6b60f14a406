// Opens connections for the client core. The real connector makes
// libwebsockets connections on the event loop; unit tests of the core give
// it fakes instead (tests/unit). Loop thread only.
#pragma once

#include <string>

#include "connection.h"
#include "http_connection.h"

namespace realm::transport {

class EventLoop;

class Connector {
public:
    virtual ~Connector() = default;
    // Both return nullptr and fill *error when they fail at once (then no
    // callback follows); otherwise the handler hears from the connection.
    virtual MessageConnection *open_websocket(const ConnectSpec &spec, MessageHandler *handler,
                                              std::string *error) = 0;
    virtual Exchange *open_http(const HttpRequestSpec &spec, HttpConnection::Handler *handler,
                                std::string *error) = 0;
};

class LwsConnector final : public Connector {
public:
    explicit LwsConnector(EventLoop &loop) : loop_(loop) {}
    MessageConnection *open_websocket(const ConnectSpec &spec, MessageHandler *handler,
                                      std::string *error) override;
    Exchange *open_http(const HttpRequestSpec &spec, HttpConnection::Handler *handler,
                        std::string *error) override;

private:
    EventLoop &loop_;
};

}  // namespace realm::transport
