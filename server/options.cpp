#include "options.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace realm::server {

const char *usage_text() {
    return "usage: realm-server [options]\n"
           "  --host ADDR              bind address [127.0.0.1]\n"
           "  --port N                 TCP port, 0 = ephemeral [8080]; the first stdout line is the port\n"
           "  --compat upstream        upstream behaviour (simulated dispatcher), extensions off\n"
           "  --compat upstream-cli    upstream `realm serve` behaviour, extensions off\n"
           "  --api-keys FILE          enable auth with this key store (JSON array of key records)\n"
           "  --auth                   enable auth (empty key store unless --api-keys)\n"
           "  --auth-timeout-ms N      [10000; ws-system 30000]\n"
           "  --rate-limit-rpm N       requests per minute refill [60]\n"
           "  --rate-limit-burst N     bucket capacity [100]\n"
           "  --token-delay-ms N       per-token pause of streams [0 extended, 50 compat]\n"
           "  --max-tokens N           server-side cap on streamed tokens per request [1000000]; with\n"
           "                           --upstream, the most max_tokens any generation asks an upstream for\n"
           "  --tls-cert FILE --tls-key FILE   serve wss://\n"
           "  --enable-faults          honour fault requests (Realm param / OpenAI body member / ws-system\n"
           "                           generate option \"fault\")\n"
           "  --max-message-size N     inbound message / HTTP body cap in bytes [16777216 Realm, 1048576 OpenAI,\n"
           "                           104857600 ws-system]\n"
           "  --models A[,B...]        OpenAI endpoints accept only these model names (else model_not_found)\n"
           "                           and list them in GET /v1/models [any name accepted, lists realm-sim]\n"
           "  --pipeline NAME:M1[,M2]  register a linear pipeline (one step per model)\n"
           "  --dialect NAME           what WebSocket upgrades speak: realm (and OpenAI paths) [realm],\n"
           "                           or ws-system (ws-system.md) on every path\n"
           "  --ws-clients FILE        ws-system: authorized-clients registry (JSON array; scripts/ws-keygen)\n"
           "  --max-auth-attempts N    ws-system: failures per ip:clientId before blocking [5]\n"
           "  --auth-window-ms N       ws-system: idle time that resets the failure count [600000]\n"
           "  --default-model NAME     ws-system: model of a generate that names none [llama2]\n"
           "  --tekton-ping-ms N       Tekton /ws: send {\"type\":\"PING\"} every N ms; a PING still unanswered\n"
           "                           when the next is due closes the socket (1008) [0 = off]\n"
           "  --upstream URL           gateway: generate with this OpenAI-compatible server (e.g.\n"
           "                           http://127.0.0.1:8081/v1); repeatable: least-busy routing, failover\n"
           "  --upstream-api-key KEY   Bearer key for the upstreams [$REALM_UPSTREAM_API_KEY]\n"
           "  --upstream-model NAME    model name sent upstream [the client's]\n"
           "  --upstream-ca-file FILE  CA bundle for https:// upstreams [system CAs]\n"
           "  --upstream-timeout-ms N  one upstream generation, start to end [300000]\n"
           "  --upstream-wait-ms N     how long a request waits for an upstream that loads or is down [60000]\n"
           "  --upstream-connections N HTTP connections per upstream [64]\n"
           "  -v, --verbose            libwebsockets notices on stderr\n"
           "  -h, --help\n"
           "The OpenAI dialects share the port (same keys, limits, delays and faults):\n"
           "  WebSocket /v1/chat/completions, /v1/completions    openai-ws\n"
           "  POST /v1/chat/completions, /v1/completions         JSON, or SSE with stream:true\n"
           "  GET /v1/models, GET /health                        model list, {\"status\":\"ok\"}\n"
           "Tekton (tekton.md) too: GET /api/v1/health, /api/v1/providers, POST /api/v1/chat[/stream],\n"
           "  and the WebSocket /ws (REGISTER first; GENERATE, STREAM, CHAT, CHAT_STREAM, CANCEL)\n"
           "Any other WebSocket path is the Realm protocol (with --dialect ws-system: every path is ws-system;\n"
           "  --models, --token-delay-ms, --max-tokens, --enable-faults apply, see server/README.md).\n";
}

namespace {

bool parse_u64(const char *s, uint64_t max, uint64_t *out) {
    if (!s || !*s || *s == '-' || *s == '+') return false;
    errno = 0;
    char *end = nullptr;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (errno || *end || v > max) return false;
    *out = v;
    return true;
}

// "A,B,C" -> {A, B, C}; empty items are an error.
bool parse_list(const std::string &text, std::vector<std::string> *out) {
    out->clear();
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        if (comma == start) return false;
        out->push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return !out->empty();
}

bool parse_pipeline(const std::string &spec, PipelineOption *out) {
    size_t colon = spec.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= spec.size()) return false;
    out->name = spec.substr(0, colon);
    return parse_list(spec.substr(colon + 1), &out->models);
}

}  // namespace

ParseResult parse_options(int argc, char **argv, ServerOptions *o, std::string *error) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        // Options with a value accept "--opt VALUE" and "--opt=VALUE".
        std::string inline_value;
        bool has_inline = false;
        if (a.rfind("--", 0) == 0) {
            size_t eq = a.find('=');
            if (eq != std::string::npos) {
                inline_value = a.substr(eq + 1);
                a = a.substr(0, eq);
                has_inline = true;
            }
        }
        auto value = [&](const char **v) {
            if (has_inline) {
                *v = inline_value.c_str();
                return true;
            }
            if (i + 1 >= argc) {
                *error = "option " + a + " needs a value";
                return false;
            }
            *v = argv[++i];
            return true;
        };
        auto number = [&](uint64_t max, uint64_t *out) {
            const char *v = nullptr;
            if (!value(&v)) return false;
            if (!parse_u64(v, max, out)) {
                *error = "option " + a + ": invalid number '" + v + "'";
                return false;
            }
            return true;
        };
        const char *v = nullptr;
        uint64_t n = 0;
        if (a == "-h" || a == "--help") return ParseResult::Help;
        if (a == "-v" || a == "--verbose") {
            o->verbose = true;
        } else if (a == "--host") {
            if (!value(&v)) return ParseResult::Error;
            o->host = v;
        } else if (a == "--port") {
            if (!number(65535, &n)) return ParseResult::Error;
            o->port = static_cast<int>(n);
        } else if (a == "--compat") {
            if (!value(&v)) return ParseResult::Error;
            if (std::strcmp(v, "upstream") == 0) {
                o->mode = Mode::Upstream;
            } else if (std::strcmp(v, "upstream-cli") == 0) {
                o->mode = Mode::UpstreamCli;
            } else {
                *error = std::string("--compat: unknown variant '") + v + "' (upstream, upstream-cli)";
                return ParseResult::Error;
            }
        } else if (a == "--api-keys") {
            if (!value(&v)) return ParseResult::Error;
            o->api_keys_file = v;
            o->auth = true;
        } else if (a == "--auth") {
            o->auth = true;
        } else if (a == "--auth-timeout-ms") {
            if (!number(86400000, &o->auth_timeout_ms)) return ParseResult::Error;
            o->auth_timeout_set = true;
        } else if (a == "--dialect") {
            if (!value(&v)) return ParseResult::Error;
            if (std::strcmp(v, "realm") == 0) {
                o->dialect = Dialect::Realm;
            } else if (std::strcmp(v, "ws-system") == 0) {
                o->dialect = Dialect::WsSystem;
            } else {
                *error = std::string("--dialect: unknown dialect '") + v + "' (realm, ws-system)";
                return ParseResult::Error;
            }
        } else if (a == "--ws-clients") {
            if (!value(&v)) return ParseResult::Error;
            o->ws_clients_file = v;
        } else if (a == "--max-auth-attempts") {
            if (!number(1000000, &o->ws_max_auth_attempts)) return ParseResult::Error;
            if (o->ws_max_auth_attempts == 0) {
                *error = "--max-auth-attempts must be at least 1";
                return ParseResult::Error;
            }
        } else if (a == "--auth-window-ms") {
            if (!number(UINT64_MAX / 2, &o->ws_auth_window_ms)) return ParseResult::Error;
        } else if (a == "--default-model") {
            if (!value(&v)) return ParseResult::Error;
            if (!*v) {
                *error = "--default-model must not be empty";
                return ParseResult::Error;
            }
            o->ws_default_model = v;
        } else if (a == "--rate-limit-rpm") {
            if (!number(1000000000, &o->rate_limit_rpm)) return ParseResult::Error;
            if (o->rate_limit_rpm == 0) {
                *error = "--rate-limit-rpm must be at least 1";
                return ParseResult::Error;
            }
        } else if (a == "--rate-limit-burst") {
            if (!number(1000000000, &o->rate_limit_burst)) return ParseResult::Error;
        } else if (a == "--token-delay-ms") {
            if (!number(3600000, &o->token_delay_ms)) return ParseResult::Error;
            o->token_delay_set = true;
        } else if (a == "--tekton-ping-ms") {
            if (!number(3600000, &o->tekton_ping_ms)) return ParseResult::Error;
        } else if (a == "--max-tokens") {
            if (!number(UINT64_MAX, &o->max_tokens)) return ParseResult::Error;
            o->max_tokens_set = true;
        } else if (a == "--tls-cert") {
            if (!value(&v)) return ParseResult::Error;
            o->tls_cert = v;
        } else if (a == "--tls-key") {
            if (!value(&v)) return ParseResult::Error;
            o->tls_key = v;
        } else if (a == "--enable-faults") {
            o->enable_faults = true;
        } else if (a == "--max-message-size") {
            if (!number(UINT64_MAX, &o->max_message_size)) return ParseResult::Error;
            o->max_message_size_set = true;
        } else if (a == "--models") {
            if (!value(&v)) return ParseResult::Error;
            if (!parse_list(v, &o->models)) {
                *error = std::string("--models: expected NAME[,NAME...], got '") + v + "'";
                return ParseResult::Error;
            }
        } else if (a == "--pipeline") {
            if (!value(&v)) return ParseResult::Error;
            PipelineOption p;
            if (!parse_pipeline(v, &p)) {
                *error = std::string("--pipeline: expected NAME:MODEL[,MODEL...], got '") + v + "'";
                return ParseResult::Error;
            }
            o->pipelines.push_back(std::move(p));
        } else if (a == "--upstream") {
            if (!value(&v)) return ParseResult::Error;
            if (!*v) {
                *error = "--upstream needs a URL";
                return ParseResult::Error;
            }
            o->upstreams.push_back(v);
        } else if (a == "--upstream-api-key") {
            if (!value(&v)) return ParseResult::Error;
            o->upstream_api_key = v;
        } else if (a == "--upstream-model") {
            if (!value(&v)) return ParseResult::Error;
            o->upstream_model = v;
        } else if (a == "--upstream-ca-file") {
            if (!value(&v)) return ParseResult::Error;
            o->upstream_ca_file = v;
        } else if (a == "--upstream-timeout-ms") {
            if (!number(86400000, &o->upstream_timeout_ms)) return ParseResult::Error;
        } else if (a == "--upstream-wait-ms") {
            if (!number(86400000, &o->upstream_wait_ms)) return ParseResult::Error;
        } else if (a == "--upstream-connections") {
            if (!number(100000, &o->upstream_connections)) return ParseResult::Error;
            if (o->upstream_connections == 0) {
                *error = "--upstream-connections must be at least 1";
                return ParseResult::Error;
            }
        } else {
            *error = "unknown option " + a;
            return ParseResult::Error;
        }
    }
    if (o->ws_system() && o->mode != Mode::Extended) {
        *error = "--compat and --dialect ws-system do not combine";
        return ParseResult::Error;
    }
    if (o->upstream_api_key.empty()) {
        if (const char *key = std::getenv("REALM_UPSTREAM_API_KEY")) o->upstream_api_key = key;
    }
    if (o->gateway() && o->mode != Mode::Extended) {
        *error = "--upstream serves the extended protocol only (not with --compat)";
        return ParseResult::Error;
    }
    if (o->tls_cert.empty() != o->tls_key.empty()) {
        *error = "--tls-cert and --tls-key go together";
        return ParseResult::Error;
    }
    return ParseResult::Ok;
}

}  // namespace realm::server
