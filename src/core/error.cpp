#include "error.h"

#include <new>


namespace realm::core {
namespace {

const realm_error_info_t kTable[] = {
    {REALM_OK, "OK", "success", REALM_CATEGORY_NONE, 0},
    {REALM_ERR_INVALID_ARGUMENT, "INVALID_ARGUMENT", "invalid argument", REALM_CATEGORY_ARGUMENT, 0},
    {REALM_ERR_INVALID_URL, "INVALID_URL", "invalid URL", REALM_CATEGORY_ARGUMENT, 0},
    {REALM_ERR_INVALID_STATE, "INVALID_STATE", "operation not allowed in the current state", REALM_CATEGORY_ARGUMENT, 0},
    {REALM_ERR_NO_MEMORY, "NO_MEMORY", "out of memory", REALM_CATEGORY_INTERNAL, 0},
    {REALM_ERR_INTERNAL, "INTERNAL", "internal error in librealm", REALM_CATEGORY_INTERNAL, 0},
    {REALM_ERR_NOT_CONNECTED, "NOT_CONNECTED", "client is not connected", REALM_CATEGORY_CONNECTION, 1},
    {REALM_ERR_CONNECT_FAILED, "CONNECT_FAILED", "could not connect to the server", REALM_CATEGORY_CONNECTION, 1},
    {REALM_ERR_TLS, "TLS_ERROR", "TLS handshake or certificate verification failed", REALM_CATEGORY_CONNECTION, 0},
    {REALM_ERR_CONNECTION_LOST, "CONNECTION_LOST", "connection to the server was lost", REALM_CATEGORY_CONNECTION, 1},
    {REALM_ERR_TIMEOUT, "TIMEOUT", "operation timed out", REALM_CATEGORY_TIMEOUT, 1},
    {REALM_ERR_IDLE_TIMEOUT, "IDLE_TIMEOUT", "no data from the server within the idle timeout", REALM_CATEGORY_TIMEOUT, 1},
    {REALM_ERR_CANCELLED, "CANCELLED", "request was cancelled", REALM_CATEGORY_CANCELLED, 0},
    {REALM_ERR_UNAUTHORIZED, "UNAUTHORIZED", "not authorized", REALM_CATEGORY_AUTH, 0},
    {REALM_ERR_RATE_LIMITED, "RATE_LIMIT_EXCEEDED", "rate limit exceeded", REALM_CATEGORY_RATE_LIMIT, 1},
    {REALM_ERR_DISPATCH, "DISPATCH_ERROR", "server could not execute the function", REALM_CATEGORY_SERVER, 0},
    {REALM_ERR_SERVER_INTERNAL, "INTERNAL_ERROR", "server internal error", REALM_CATEGORY_SERVER, 0},
    {REALM_ERR_BACKEND, "BACKEND_ERROR", "model backend failed", REALM_CATEGORY_SERVER, 1},
    {REALM_ERR_SERVER, "SERVER_ERROR", "server reported an error", REALM_CATEGORY_SERVER, 0},
    {REALM_ERR_PROTOCOL, "PROTOCOL_ERROR", "server violated the protocol", REALM_CATEGORY_PROTOCOL, 0},
    {REALM_ERR_MESSAGE_TOO_LARGE, "MESSAGE_TOO_LARGE", "message exceeds the size limit", REALM_CATEGORY_PROTOCOL, 0},
    {REALM_ERR_QUEUE_FULL, "QUEUE_FULL", "too many requests waiting for a connection or active on the client", REALM_CATEGORY_CONNECTION, 1},
    {REALM_ERR_INVALID_REQUEST, "INVALID_REQUEST", "the server rejected the request as invalid", REALM_CATEGORY_SERVER, 0},
    {REALM_ERR_NOT_FOUND, "NOT_FOUND", "the model or endpoint does not exist on the server", REALM_CATEGORY_SERVER, 0},
    {REALM_ERR_TOO_MANY_CONNECTIONS, "TOO_MANY_CONNECTIONS", "the process cannot hold more connections (descriptor limit)", REALM_CATEGORY_CONNECTION, 1},
};

const realm_error_info_t kUnknown = {REALM_ERR_INTERNAL, "UNKNOWN", "unknown status", REALM_CATEGORY_INTERNAL, 0};

}  // namespace

const realm_error_info_t &error_info(realm_status_t status) {
    for (const auto &row : kTable)
        if (row.status == status) return row;
    return kUnknown;
}

Error make_error(realm_status_t status, std::string message) {
    const auto &info = error_info(status);
    Error e;
    e.status = status;
    e.code = info.name;
    e.message = message.empty() ? std::string(info.description) : std::move(message);
    e.retryable = info.retryable != 0;
    return e;
}

Error error_from_frame(const protocol::InboundFrame &f) {
    Error e = make_error(f.status, std::string(f.message));
    if (!f.code.empty()) e.code.assign(f.code);
    else if (!f.error_type.empty()) e.code.assign(f.error_type);
    if (f.retryable >= 0) e.retryable = f.retryable == 1;
    e.retry_after_ms = f.retry_after_ms;
    e.http_status = f.http_status;
    e.type.assign(f.error_type);
    e.param.assign(f.error_param);
    return e;
}

const realm_error_info_t *error_table(size_t *count) {
    if (count) *count = sizeof kTable / sizeof kTable[0];
    return kTable;
}

realm_error_t *to_c(const Error &e) { return new (std::nothrow) realm_error(e); }

}  // namespace realm::core

