// The settings behind realm_options_t, with their defaults, and URL parsing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "realm/realm.h"

namespace realm::core {

struct ServerUrl {
    bool http = false;  // http:// or https:// (else ws:// or wss://)
    bool tls = false;
    std::string host;   // without brackets for IPv6
    int port = 0;
    std::string path = "/";  // path + query
};

// Parses ws://, wss://, http:// and https:// URLs. Returns "" on success,
// else what is wrong.
std::string parse_url(const std::string &url, ServerUrl *out);
// The URL for log lines and messages, secrets in its query redacted.
std::string display_url(const ServerUrl &url);

// After traffic, the event thread polls the sockets without sleeping for this
// long before it sleeps in poll() again (see realm_options_set_busy_poll_us).
constexpr uint32_t kDefaultBusyPollUs = REALM_DEFAULT_BUSY_POLL_US;

struct Options {
    ServerUrl server{false, false, "localhost", 8080, "/"};
    // Failover order (option "urls"): the first is `server`; empty = only it.
    std::vector<ServerUrl> servers;
    std::string api_key;
    std::string tenant_id;
    std::string model;
    uint32_t connect_timeout_ms = 10000;
    uint32_t request_timeout_ms = 30000;
    bool connect_timeout_set = false;   // else the dialect's default may apply
    bool request_timeout_set = false;
    uint32_t idle_timeout_ms = 0;
    bool reconnect = true;
    uint32_t backoff_base_ms = 1000;
    uint32_t backoff_cap_ms = 30000;
    uint32_t backoff_max_attempts = 10;
    bool backoff_max_attempts_set = false;  // else the dialect's default may apply
    uint32_t backoff_jitter_percent = 20;
    uint32_t ping_interval_ms = 30000;
    std::string tls_ca_file;
    bool tls_insecure = false;
    size_t max_message_size = 16u << 20;
    uint32_t max_queued_requests = 4096;
    uint32_t busy_poll_us = kDefaultBusyPollUs;
    // Retries of a request that failed before any of its answer arrived
    // (see core/retry_policy.h).
    uint32_t max_retries = 2;
    bool max_retries_set = false;       // else the dialect's default may apply
    uint32_t retry_base_ms = 1000;
    uint32_t retry_cap_ms = 30000;

    // Dialects (realm_options_set_dialect and the string-keyed options).
    std::string dialect = "auto";      // or a name of protocol/registry.h
    std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
    uint32_t max_connections = 0;      // 0 = the dialect's default (openai-ws pool 4, HTTP 32)
    bool auth_message = false;         // openai-ws: `auth` frame instead of the Bearer header
    bool multiplex = false;            // openai-ws: request_id multiplexing
    bool json_ping = false;            // openai-ws: JSON keepalive pings
    std::string endpoint;              // OpenAI: "chat" / "completions" / "" = from the URL
    std::string client_id;             // ws-system
    std::string private_key_path;      // ws-system: PEM file
    std::string private_key_pem;       // ws-system: PEM text
    std::string private_key_passphrase;
    std::string signature_algorithm;   // ws-system: "" = SHA256
};

}  // namespace realm::core

struct realm_options {
    realm::core::Options o;
};
