// The error object behind realm_error_t, and the error table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/dialect.h"
#include "realm/realm.h"

struct realm_error {
    realm_status_t status = REALM_ERR_INTERNAL;
    std::string code;     // server code verbatim, else the status name
    std::string message;
    bool retryable = false;
    int64_t retry_after_ms = -1;
    int http_status = 0;
    int close_code = 0;
    std::string type;     // OpenAI error.type, else ""
    std::string param;    // OpenAI error.param, else ""
};

namespace realm::core {

using Error = realm_error;

const realm_error_info_t &error_info(realm_status_t status);
const realm_error_info_t *error_table(size_t *count);

// An error with the status's name as code and its default retryability.
Error make_error(realm_status_t status, std::string message);

// The error of an Error frame as the dialect decoded it: its status, the
// server's code verbatim (else the error type, else the status name), the
// server's message, retry-after and HTTP status.
Error error_from_frame(const protocol::InboundFrame &f);

// Heap copy for the C API (nullptr when out of memory).
realm_error_t *to_c(const Error &e);

}  // namespace realm::core
