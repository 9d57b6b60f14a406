// Decoding of function params the way upstream does it
// (serde_json::from_value into a derived struct): same defaults, same
// strictness (explicit null for an optional field is an error), same messages
// ("missing field `prompt`", "invalid type: string \"5\", expected usize").
// These messages carry no position: from_value has none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "server_json_value.h"

namespace realm::serde {

// upstream GenerateOptions.
struct GenerateOptions {
    std::string prompt;
    std::optional<std::string> model;
    uint64_t max_tokens = 100;
    double temperature = 0.7;
    double top_p = 0.9;
    uint64_t top_k = 0;
    double repetition_penalty = 1.0;
    bool stream = false;
};

// Returns "" on success, else the DISPATCH_ERROR message.
std::string decode_generate_options(const Value &params, GenerateOptions *out);

// Scalar conversions with serde's messages. `expected` names the Rust type
// ("usize", "u64", "u16"). Each returns "" on success.
std::string value_to_unsigned(const Value &v, const char *expected, uint64_t max, uint64_t *out);
std::string value_to_bool(const Value &v, bool *out);
std::string value_to_string(const Value &v, std::string *out);
std::string value_to_f64(const Value &v, double *out);

}  // namespace realm::serde
