// What the client core needs from a wire protocol ("dialect"). The core knows
// no rule of any protocol: the dialect encodes typed requests, runs its
// handshake, decodes inbound messages into a small set of frame kinds, maps
// server errors to statuses, and states how it uses connections
// (Capabilities). A new dialect is a folder under src/protocol/ plus a line in
// registry.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "realm/realm.h"
#include "request_spec.h"

namespace realm::protocol {

// Kinds of inbound messages, after decoding.
enum class FrameKind {
    Welcome,       // Realm handshake: connection ready (tenant, version, extensions)
    Started,       // the server started request `id` (ws-system stream_start; `model`)
    AuthRequired,  // Realm handshake: server wants credentials
    AuthSuccess,   // Realm handshake: credentials accepted (tenant)
    AuthFailed,    // Realm handshake: credentials refused (message)
    Token,         // part of request `id`'s answer: text and/or finish reason / usage
    Complete,      // request `id` finished (may carry a last piece of text, see text_is_delta)
    Error,         // request `id` failed (status, code, message, retry-after)
    Cancelled,     // request `id` was cancelled by the server
    Pong,          // answer to a JSON keepalive ping
    Ignore,        // nothing to act on (e.g. a stray "[DONE]" over WebSocket)
    Notice,        // connection-level message that belongs to no request
    ServerError,   // an error of the connection that ends no request (status, code, message)
    Invalid,       // not a valid message of this dialect (see `problem`; `id` if it could be read)
};

// Who a frame without a usable id belongs to.
enum class Blame {
    None,      // nobody in particular: see Correlation
    LastSent,  // the request sent last (Realm: an error with id "unknown")
};

// One decoded message. Views point into the message or the dialect's scratch
// space and are valid until the next decode on the same dialect.
struct InboundFrame {
    FrameKind kind = FrameKind::Invalid;
    std::string_view id;
    bool has_id = false;
    Blame blame = Blame::None;

    // Token / Complete
    std::string_view text;
    bool has_text = false;
    bool text_is_delta = false;      // Complete: `text` is a last piece of the stream, not the whole answer
    int64_t index = -1;
    bool is_final = false;
    bool has_logprob = false;
    double logprob = 0;
    std::string_view finish_reason;  // "" = not in this frame
    int64_t prompt_tokens = -1;      // usage, -1 = absent
    int64_t completion_tokens = -1;
    int64_t total_tokens = -1;

    // Complete (result fields are optional: -1 / has_* false when absent)
    std::string_view data_json;      // raw JSON of the result payload
    int64_t tokens_generated = -1;
    bool has_cost = false;
    double cost_usd = 0;
    bool has_time = false;
    double time_ms = 0;

    // Error / AuthFailed / Notice
    realm_status_t status = REALM_ERR_SERVER;  // Error: the server's code mapped by the dialect
    std::string_view code;
    std::string_view message;
    std::string_view error_type;     // OpenAI error.type
    std::string_view error_param;    // OpenAI error.param
    int64_t retry_after_ms = -1;
    int http_status = 0;
    int retryable = -1;              // 0 / 1 overrides the status's default; -1 = the default

    // Started (and any frame that names the model)
    std::string_view model;

    // Welcome / AuthSuccess
    std::string_view tenant_id;
    bool has_tenant = false;
    std::string_view version;
    std::vector<std::string_view> extensions;
    bool has_extensions = false;

    // Invalid
    std::string problem;

    // Any kind: a text frame the core sends back at once on the connection
    // the message came from (Tekton: PING -> PONG); "" = none. Static text
    // or the dialect's own storage.
    std::string_view reply;

    // Resets every field (the decoders reuse one frame).
    void clear();
};

// What a finished handshake established for one connection.
struct SessionInfo {
    std::string tenant_id;              // tenant in effect ("" when the dialect has none)
    std::string server_version;
    std::vector<std::string> extensions;
    bool interleave = false;            // the server works on several requests of a connection at once
    bool server_cancel = false;         // the server can be told to stop a request (encode_cancel)
};

// The next step of a handshake.
struct HandshakeStep {
    enum class Kind { Wait, Ready, Fail } kind = Kind::Wait;
    std::string send;                   // a text frame to send first ("" = none)
    realm_status_t status = REALM_OK;   // Fail
    std::string message;                // Fail
    bool retryable = false;             // Fail: a later attempt may succeed
    bool server_closes = false;         // Fail: the server closes next; the error gets its close code
    std::string code;                   // Fail: the error code users see ("" = the status name)
    int64_t retry_after_ms = -1;        // Fail: wait at least this long before the next attempt

    // Wait: fail unless the next message arrives within `timeout_ms`
    // (0 = only the connect timeout applies), with this status and code.
    uint32_t timeout_ms = 0;
    realm_status_t timeout_status = REALM_ERR_TIMEOUT;
    std::string timeout_code;
    std::string timeout_message;

    static HandshakeStep wait(std::string frame = {}) {
        HandshakeStep s;
        s.send = std::move(frame);
        return s;
    }
    static HandshakeStep ready(std::string frame = {}) {
        HandshakeStep s;
        s.kind = Kind::Ready;
        s.send = std::move(frame);
        return s;
    }
    static HandshakeStep fail(realm_status_t st, std::string why, bool retryable = false) {
        HandshakeStep s;
        s.kind = Kind::Fail;
        s.status = st;
        s.message = std::move(why);
        s.retryable = retryable;
        return s;
    }
    static HandshakeStep fail_then_close(realm_status_t st, std::string why) {
        HandshakeStep s = fail(st, std::move(why));
        s.server_closes = true;
        return s;
    }
    // Wait: sets the deadline for the next message.
    HandshakeStep &within(uint32_t ms, std::string err_code, std::string err_message) {
        timeout_ms = ms;
        timeout_code = std::move(err_code);
        timeout_message = std::move(err_message);
        return *this;
    }
};

// One connection's handshake: a small state machine the core drives.
class Handshake {
public:
    virtual ~Handshake() = default;
    // The transport is open.
    virtual HandshakeStep on_open() = 0;
    // A valid UTF-8 text message arrived before the handshake was over.
    virtual HandshakeStep on_message(std::string_view payload) = 0;
    // After Ready: what the handshake established.
    virtual SessionInfo session() const = 0;
};

// How a dialect uses connections.
enum class Transport { WebSocket, Http };
enum class ConnectionPolicy {
    Multiplexed,  // one connection carries every request
    Pool,         // a few connections, one request in flight on each
    PerRequest,   // one HTTP exchange per request
};
enum class Correlation {
    ById,              // frames name their request (`id`)
    OnePerConnection,  // everything on a connection belongs to its one request
};
enum class Keepalive { WsPing, JsonPing, None };
enum class CancelStyle {
    Frame,            // send a cancel frame when the session allows it (SessionInfo::server_cancel)
    CloseConnection,  // close the request's connection (pool / HTTP)
};

constexpr uint32_t kUnlimitedReconnects = UINT32_MAX;

struct Capabilities {
    Transport transport = Transport::WebSocket;
    ConnectionPolicy policy = ConnectionPolicy::Multiplexed;
    Correlation correlation = Correlation::ById;
    Keepalive keepalive = Keepalive::WsPing;
    CancelStyle cancel = CancelStyle::Frame;
    // A stream is over only with a finish reason; a stream that ends
    // without one is reported as truncated (OpenAI shapes).
    bool needs_finish_reason = false;
    // Reconnect attempts before giving up unless the user sets them (0 = the
    // library's default, kUnlimitedReconnects = never give up).
    uint32_t reconnect_attempts = 0;
    // The dialect's spec forbids sending an in-flight request again after a
    // reconnect: max_retries is 0 unless the user sets it.
    bool never_resend = false;
    // Request and connect timeouts unless the user sets them (0 = the
    // library's defaults, 30 s and 10 s).
    uint32_t request_timeout_ms = 0;
    uint32_t connect_timeout_ms = 0;
    // HTTP dialects: the request "connect" sends as a probe.
    RequestKind connect_probe = RequestKind::Models;
    // Error codes users of this dialect know for the library's own errors
    // (nullptr = the status name): the connect timeout, giving up
    // reconnecting, and a connection lost with requests in flight.
    const char *code_connect_timeout = nullptr;
    const char *code_reconnect_failed = nullptr;
    const char *code_connection_lost = nullptr;
    // Several requests can go out as one frame (encode_batch).
    bool batch = false;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What the dialect reads from the client's options.
struct DialectConfig {
    std::string api_key;
    std::string tenant_id;
    std::string model;
    std::string path;                 // URL path + query ("/" at least)
    HeaderList headers;               // the user's extra request headers
    bool auth_message = false;        // openai-ws: send the `auth` frame instead of a Bearer header
    bool multiplex = false;           // openai-ws: request_id multiplexing
    bool json_ping = false;           // openai-ws: keepalive with {"type":"ping"} instead of RFC 6455 pings
    std::string endpoint;             // OpenAI: "chat" / "completions" / "" = from the URL path
    // ws-system: who we are and how we sign (ws-system.md 3.2). The key is
    // read once when the dialect is made and kept in memory only.
    std::string client_id;
    std::string private_key_path;     // a PEM file, or
    std::string private_key_pem;      // the PEM text itself
    std::string private_key_passphrase;
    std::string signature_algorithm;  // "" = SHA256
};

// An HTTP request of an HTTP dialect.
struct HttpTarget {
    std::string method;               // "GET" / "POST"
    std::string path;                 // path + query
    bool has_body = false;            // encode_request() writes the body
    bool event_stream = false;        // a 200 answer is text/event-stream
    std::string accept;               // the Accept header ("" = by event_stream)
    bool sse_data_lines = false;      // read the event stream line by line (SseParser::Mode::DataLines)
};

class Dialect {
public:
    virtual ~Dialect() = default;
    virtual std::string_view name() const = 0;
    virtual const Capabilities &capabilities() const = 0;

    // False (with *why) for requests this dialect cannot carry; the start
    // function then refuses them with REALM_ERR_INVALID_ARGUMENT.
    virtual bool accepts(const RequestSpec &spec, std::string *why) const = 0;

    // Headers of the WebSocket upgrade or of every HTTP request
    // (Authorization, the user's own headers).
    virtual HeaderList request_headers() const = 0;

    // WebSocket dialects: a new handshake for one connection.
    virtual std::unique_ptr<Handshake> new_handshake() = 0;

    // Appends one request (a text frame payload, or an HTTP body) to `out`.
    // `id` is the request's own id (frames of ById dialects carry it).
    virtual void encode_request(std::string &out, std::string_view id, const RequestSpec &spec,
                                const SessionInfo &session) const = 0;
    // Appends a frame asking the server to stop request `target_id`; false
    // when this dialect has none. `cancel_id` names the cancel itself where
    // the protocol wants one (its answer is then dropped).
    virtual bool encode_cancel(std::string &out, std::string_view cancel_id, std::string_view target_id,
                               const SessionInfo &session) const = 0;
    // Appends a JSON keepalive ping (Keepalive::JsonPing).
    virtual void encode_ping(std::string &out) const { (void)out; }
    // Appends one frame carrying `items` (payloads of encode_request), in
    // order (Capabilities::batch); `id` names the frame itself.
    virtual void encode_batch(std::string &out, std::string_view id, const std::vector<std::string> &items) const {
        (void)out, (void)id, (void)items;
    }

    // Decodes one message (a WebSocket text frame, an SSE event's data or a
    // whole HTTP body). Never throws; malformed input gives Invalid.
    virtual void decode(std::string_view message, InboundFrame &out) = 0;

    // HTTP dialects: the request line of a request; the decoding of a whole
    // 2xx body that is not an event stream; and of a non-2xx answer into an
    // Error frame.
    virtual HttpTarget http_target(const RequestSpec &spec) const { (void)spec; return {}; }
    virtual void decode_body(const RequestSpec &spec, std::string_view body, InboundFrame &out) {
        (void)spec;
        decode(body, out);
    }
    virtual void decode_http_error(int status, std::string_view content_type, std::string_view retry_after,
                                   std::string_view body, InboundFrame &out) {
        (void)status, (void)content_type, (void)retry_after, (void)body, (void)out;
    }
};

// ---- shared encoding helpers (json_util.cpp) ----

// Adds every member of the JSON object `extra_json` to the JSON object
// `params`, replacing members of the same name (of duplicates in `extra_json`
// the last wins). Values are copied as written. If either is not a JSON
// object by is_valid_json's rules: false, `params` unchanged, and *error says
// what and where ("expected number at byte 9").
bool merge_json_objects(std::string &params, std::string_view extra_json, std::string *error);
// True when `json` is one complete JSON value by RFC 8259, as the server's
// decoder reads it: no raw control characters in strings, no leading zeros,
// numbers within a double's range, at most 64 levels of nesting. If not and
// `error` is given, *error says what and where ("... at byte N").
bool is_valid_json(std::string_view json, std::string *error = nullptr);
// True when `json` is exactly one valid JSON object (same rules); else
// *error says what and where.
bool is_json_object(std::string_view json, std::string *error = nullptr);
// Appends a number as JSON with round-trip precision.
void append_json_number(std::string &out, double v);
// Appends the chat messages of `spec` as a JSON array of {"role","content"}
// from message `first` on; a prompt (not a chat) is one user message.
void append_chat_messages(std::string &out, const RequestSpec &spec, size_t first = 0);

}  // namespace realm::protocol
