// The error object behind realm_error_t, and the error table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "realm/realm.h"

struct realm_error {
    realm_status_t status = REALM_ERR_INTERNAL;
    std::string code;     // server code verbatim, else the status name
    std::string message;
    bool retryable = false;
    int64_t retry_after_ms = -1;
    int http_status = 0;
    int close_code = 0;
};

namespace realm::core {

using Error = realm_error;

const realm_error_info_t &error_info(realm_status_t status);
const realm_error_info_t *error_table(size_t *count);

// An error with the status's name as code and its default retryability.
Error make_error(realm_status_t status, std::string message);

// Maps a server error frame (code, message, optional retry_after_ms from the
// payload) to an error, deriving retry-after per realm.md 8.2 when needed.
Error error_from_server(std::string_view code, std::string_view message, int64_t retry_after_ms);

// Heap copy for the C API (nullptr when out of memory).
realm_error_t *to_c(const Error &e);

}  // namespace realm::core
