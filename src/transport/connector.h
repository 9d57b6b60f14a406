// Opens connections for the client core. The real connector makes
// libwebsockets connections on the event loop; unit tests of the core give
// it fakes instead (tests/unit). Loop thread only.
#pragma once

#include <string>

#include "connection.h"
#include "http_exchange.h"

namespace realm::transport {

class EventLoop;

class Connector {
public:
    virtual ~Connector() = default;
    // Both return nullptr and fill *error when they fail at once (then no
    // callback follows); otherwise the handler hears from the connection.
    virtual MessageConnection *open_websocket(const ConnectSpec &spec, MessageHandler *handler,
                                              std::string *error) = 0;
    virtual Exchange *open_http(const HttpRequestSpec &spec, HttpExchange::Handler *handler,
                                std::string *error) = 0;
    // True when the last failed open_websocket failed because the process
    // cannot hold another connection (its descriptor limit), not because
    // the server could not be reached.
    bool last_open_at_capacity() const { return at_capacity_; }

protected:
    bool at_capacity_ = false;
};

class LwsConnector final : public Connector {
public:
    explicit LwsConnector(EventLoop &loop) : loop_(loop) {}
    MessageConnection *open_websocket(const ConnectSpec &spec, MessageHandler *handler,
                                      std::string *error) override;
    Exchange *open_http(const HttpRequestSpec &spec, HttpExchange::Handler *handler,
                        std::string *error) override;

private:
    EventLoop &loop_;
};

}  // namespace realm::transport
