// The library's log: one process-wide sink (realm_set_log_callback), quiet by
// default. Messages are built by the caller only when their level is on
// (log_on), and never contain secrets: URLs go through redact_url().
#pragma once

#include <string>
#include <string_view>

#include "realm/realm.h"

namespace realm::core {

void set_log_callback(realm_log_cb cb, void *user, realm_log_level_t max_level);
// True when a message of `level` would be delivered (cheap: one atomic load).
bool log_on(realm_log_level_t level);
void log(realm_log_level_t level, std::string_view message);

// The URL with the values of secret-looking query parameters (token, key,
// api_key, access_token, auth) replaced by "***".
std::string redact_url(std::string_view url);

}  // namespace realm::core
