#include "connector.h"

#include "ws_connection.h"

namespace realm::transport {

MessageConnection *LwsConnector::open_websocket(const ConnectSpec &spec, MessageHandler *handler, std::string *error) {
    return WsConnection::open(loop_, spec, handler, error);
}

Exchange *LwsConnector::open_http(const HttpRequestSpec &spec, HttpConnection::Handler *handler, std::string *error) {
    return HttpConnection::open(loop_, spec, handler, error);
}

}  // namespace realm::transport
