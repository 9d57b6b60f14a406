// Command line of realm-server. The client's tests depend on this contract
// exactly (see --help); keep both in step.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace realm::server {

enum class Mode {
    Extended,     // default: all extensions of realm-extensions.md
    Upstream,     // --compat upstream: the simulated upstream server
    UpstreamCli,  // --compat upstream-cli: the `realm serve` variant
};

// Which protocol WebSocket upgrades speak: the Realm protocol (with the
// OpenAI paths beside it) or, with --dialect ws-system, ws-system.md on
// every path.
enum class Dialect { Realm, WsSystem };

// A linear pipeline registered with --pipeline NAME:MODEL[,MODEL...].
struct PipelineOption {
    std::string name;
    std::vector<std::string> models;
};

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;
    Mode mode = Mode::Extended;
    Dialect dialect = Dialect::Realm;
    bool auth = false;
    std::string api_keys_file;
    bool auth_timeout_set = false;
    uint64_t auth_timeout_ms = 10000;
    uint64_t rate_limit_rpm = 60;
    uint64_t rate_limit_burst = 100;
    bool token_delay_set = false;
    uint64_t token_delay_ms = 0;
    uint64_t max_tokens = 1000000;
    uint64_t tekton_ping_ms = 0;  // Tekton /ws: server PING period (tekton.md 4), 0 = none
    bool max_tokens_set = false;  // given explicitly (the gateway then caps upstream requests)
    std::string tls_cert;
    std::string tls_key;
    bool enable_faults = false;
    bool max_message_size_set = false;
    uint64_t max_message_size = 16777216;
    std::vector<std::string> models;  // --models: the only accepted OpenAI model names (empty = any)
    std::vector<PipelineOption> pipelines;
    bool verbose = false;
    // ws-system (ws-system.md 1, 3.5, 3.6): upstream's defaults.
    std::string ws_clients_file;  // --ws-clients: the authorized-clients registry
    uint64_t ws_max_auth_attempts = 5;
    uint64_t ws_auth_window_ms = 600000;
    std::string ws_default_model = "llama2";
    // Gateway mode (--upstream): generations come from OpenAI-compatible
    // upstream servers through librealm's HTTP/SSE client.
    std::vector<std::string> upstreams;
    std::string upstream_api_key;  // --upstream-api-key or REALM_UPSTREAM_API_KEY; never logged
    std::string upstream_model;    // sent upstream instead of the client's model name
    std::string upstream_ca_file;
    uint64_t upstream_timeout_ms = 300000;          // one generation, start to end
    uint64_t upstream_wait_ms = 60000;   // how long a generation waits for an upstream that loads or is down
    uint64_t upstream_connections = 64;             // HTTP connections per upstream

    bool extended() const { return mode == Mode::Extended; }
    bool gateway() const { return !upstreams.empty(); }
    bool tls() const { return !tls_cert.empty(); }
    // Per-token pause of streams: 0 in extended mode, upstream's 50 ms in
    // compat modes, unless given explicitly.
    uint64_t effective_token_delay_ms() const {
        if (token_delay_set) return token_delay_ms;
        return extended() ? 0 : 50;
    }
    // ws-system's auth timer: upstream's AUTH_TIMEOUT_MS (30 s) unless
    // --auth-timeout-ms is given.
    uint64_t ws_auth_timeout_ms() const { return auth_timeout_set ? auth_timeout_ms : 30000; }
    bool ws_system() const { return dialect == Dialect::WsSystem; }
    // Inbound message / request body cap of the OpenAI dialects: 1 MiB
    // (openai-ws.md section 7) unless --max-message-size is given.
    uint64_t openai_max_message_size() const { return max_message_size_set ? max_message_size : 1048576; }
};

enum class ParseResult { Ok, Help, Error };

// Parses argv; on Error writes the reason to *error.
ParseResult parse_options(int argc, char **argv, ServerOptions *out, std::string *error);

const char *usage_text();

}  // namespace realm::server
