// Decoders that reproduce, message for message, what the upstream server's
// serde_json (a Rust JSON library) reports when a frame does not decode:
// "missing field `id` at line 1 column 33", "expected value at line 1 column 1",
// "invalid type: integer `42`, expected a string at line 1 column 8", ...
// Column = number of bytes of the line consumed when the error was raised,
// which is what serde_json prints. Server-side: clients never need this.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server_json_value.h"

namespace realm::serde {

// upstream `FunctionCall { id: String, function: String, params: Value,
// tenant_id: Option<String> }`.
struct FunctionCall {
    std::string id;
    std::string function;
    Value params;
    std::optional<std::string> tenant_id;
};

// upstream `AuthMessage { #[serde(rename = "type")] msg_type: String, api_key: String }`.
struct AuthMessage {
    std::string type;
    std::string api_key;
};

// serde_json::from_str::<FunctionCall>. On failure returns false and sets
// *error to the decoder's message (without the "Invalid function call: " lead).
bool decode_function_call(std::string_view text, FunctionCall *out, std::string *error);

// serde_json::from_str::<AuthMessage>.
bool decode_auth_message(std::string_view text, AuthMessage *out, std::string *error);

// serde_json::from_str::<Value>.
bool decode_value(std::string_view text, Value *out, std::string *error);

}  // namespace realm::serde
