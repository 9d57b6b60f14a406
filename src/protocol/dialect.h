// What the client core needs from a wire protocol ("dialect"). The core speaks
// only in these terms, so other dialects (openai-ws, ws-system, an HTTP/SSE
// transport) can be added beside Realm without touching the core's request
// model or the C API.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace realm::protocol {

// Kinds of inbound frames, after decoding.
enum class FrameKind {
    Welcome,       // connection ready; carries tenant, version, extensions
    AuthRequired,  // server wants credentials
    AuthSuccess,   // credentials accepted; carries the tenant
    AuthFailed,    // credentials refused; carries the reason
    Token,         // one streamed token of request `id`
    Complete,      // request `id` finished with a result
    Error,         // request `id` failed
    Cancelled,     // request `id` was cancelled by the server
    Notice,        // connection-level message that belongs to no request
    Invalid,       // not a valid frame of this dialect (see `problem`; `id` if it could be read)
};

// One decoded frame. Views point into the frame or the dialect's scratch
// space and are valid until the next decode() on the same dialect.
struct InboundFrame {
    FrameKind kind = FrameKind::Invalid;
    std::string_view id;
    bool has_id = false;

    // Token
    std::string_view text;
    int64_t index = -1;
    bool is_final = false;
    bool has_logprob = false;
    double logprob = 0;

    // Complete (result fields are optional: -1 / has_* false when absent)
    std::string_view data_json;  // raw JSON of the result payload
    bool has_text = false;
    int64_t tokens_generated = -1;
    int64_t prompt_tokens = -1;
    bool has_cost = false;
    double cost_usd = 0;
    bool has_time = false;
    double time_ms = 0;

    // Error / AuthFailed / Notice
    std::string_view code;
    std::string_view message;
    int64_t retry_after_ms = -1;  // from the payload, when the server sent it

    // Welcome / AuthSuccess
    std::string_view tenant_id;
    bool has_tenant = false;
    std::string_view version;
    std::vector<std::string_view> extensions;
    bool has_extensions = false;

    // Invalid
    std::string problem;
};

class Dialect {
public:
    virtual ~Dialect() = default;
    // Each encoder appends one complete text frame payload to `out`.
    virtual void encode_auth(std::string &out, std::string_view api_key) const = 0;
    // `params_json` is valid JSON (the caller checked it).
    virtual void encode_call(std::string &out, std::string_view id, std::string_view function,
                             std::string_view params_json, std::string_view tenant_id) const = 0;
    virtual void encode_cancel(std::string &out, std::string_view id, std::string_view target_id,
                               std::string_view tenant_id) const = 0;
    // Decodes one text frame. Never throws; malformed input gives Invalid.
    virtual void decode(std::string_view frame, InboundFrame &out) = 0;
};

// The Realm function-dispatch protocol (docs: realm.md, realm-extensions.md).
std::unique_ptr<Dialect> make_realm_dialect();

// Generate parameters in wire form; negative numbers mean "omit".
struct GenerateFields {
    std::string_view prompt;
    std::string_view model;
    int64_t max_tokens = -1;
    double temperature = -1;
    double top_p = -1;
    int64_t top_k = -1;
    double repetition_penalty = -1;
    bool stream = false;
};
void encode_generate_params(std::string &out, const GenerateFields &f);
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

// Pipeline params: {"pipeline": name, "input": input_json}.
void encode_pipeline_params(std::string &out, std::string_view name, std::string_view input_json);

}  // namespace realm::protocol
