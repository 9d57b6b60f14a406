// The settings behind realm_options_t, with their defaults, and URL parsing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "realm/realm.h"

namespace realm::core {

struct ServerUrl {
    bool tls = false;
    std::string host;   // without brackets for IPv6
    int port = 0;
    std::string path = "/";  // path + query
};

// Parses ws:// and wss:// URLs. Returns "" on success, else what is wrong.
std::string parse_url(const std::string &url, ServerUrl *out);

// After traffic, the event thread polls the sockets without sleeping for this
// long before it sleeps in poll() again (see realm_options_set_busy_poll_us).
constexpr uint32_t kDefaultBusyPollUs = REALM_DEFAULT_BUSY_POLL_US;

struct Options {
    ServerUrl server{false, "localhost", 8080, "/"};
    std::string api_key;
    std::string tenant_id;
    std::string model;
    uint32_t connect_timeout_ms = 10000;
    uint32_t request_timeout_ms = 30000;
    uint32_t idle_timeout_ms = 0;
    bool reconnect = true;
    uint32_t backoff_base_ms = 1000;
    uint32_t backoff_cap_ms = 30000;
    uint32_t backoff_max_attempts = 10;
    uint32_t backoff_jitter_percent = 20;
    uint32_t ping_interval_ms = 30000;
    std::string tls_ca_file;
    bool tls_insecure = false;
    size_t max_message_size = 16u << 20;
    uint32_t max_queued_requests = 4096;
    uint32_t busy_poll_us = kDefaultBusyPollUs;
};

}  // namespace realm::core

struct realm_options {
    realm::core::Options o;
};
