#include "connector.h"

#include "ws_connection.h"

namespace realm::transport {

MessageConnection *LwsConnector::open_websocket(const ConnectSpec &spec, MessageHandler *handler, std::string *error) {
    // Past the context's descriptor table lws fails the connection with a
    // bare "connection closed" (and logs "Too many fds"): refuse it here
    // instead, saying which limit was hit.
    at_capacity_ = !loop_.connection_fits(error);
    if (at_capacity_) return nullptr;
    return WsConnection::open(loop_, spec, handler, error);
}

Exchange *LwsConnector::open_http(const HttpRequestSpec &spec, HttpExchange::Handler *handler, std::string *error) {
    return HttpExchange::open(loop_, spec, handler, error);
}

}  // namespace realm::transport
