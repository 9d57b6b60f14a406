#include "connector.h"

#include "ws_connection.h"

namespace realm::transport {

MessageConnection *LwsConnector::open_websocket(const ConnectSpec &spec, MessageHandler *handler, std::string *error) {
    // Past the context's descriptor table lws fails the connection with a
    // bare "connection closed" (and logs "Too many fds"): refuse it here
    // instead, saying which limit was hit.
    at_capacity_ = !loop_.connection_fits(error);
    if (at_capacity_) return nullptr;
    loop_.take_out_of_descriptors();
    MessageConnection *c = WsConnection::open(loop_, spec, handler, error);
    at_capacity_ = !c && loop_.take_out_of_descriptors();
    return c;
}

Exchange *LwsConnector::open_http(const HttpRequestSpec &spec, HttpExchange::Handler *handler, std::string *error) {
    loop_.take_out_of_descriptors();
    Exchange *x = HttpExchange::open(loop_, spec, handler, error);
    at_capacity_ = !x && loop_.take_out_of_descriptors();
    return x;
}

}  // namespace realm::transport
