// The simulated model: upstream's canned answers (realm.md section 6.1),
// the token words streams are made of, and the pipelines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "options.h"
#include "serde/server_json_value.h"

namespace realm::server {

// Rust's str::split_whitespace (Unicode White_Space).
std::vector<std::string_view> split_whitespace(std::string_view s);

// Non-streaming simulated text for a prompt ("Paris", ...).
std::string simulated_text(std::string_view prompt);

// The 13 words of "The capital of France is Paris. This is a simulated
// response to: <W>", each with one trailing space; W = first word of the
// prompt or "unknown".
std::vector<std::string> stream_words(std::string_view prompt);

// GenerationResult data object of a non-streaming generate.
// cli: {prompt_tokens, text, tokens_generated = max_tokens};
// simulated: adds cost_usd 0.00024 and time_ms 150, tokens = word count.
std::string generation_result_json(std::string_view prompt, bool cli_variant, uint64_t max_tokens);

// A linear pipeline: each step's text feeds the next.
struct PipelineStep {
    std::string model_id;
    bool retrieve = false;  // produces a context string instead of an answer
};
struct Pipeline {
    std::string name;
    std::vector<PipelineStep> steps;
};

// Pipelines of this server: --pipeline ones, plus the built-in
// "rag-pipeline" (retrieve, then answer) in extended mode.
std::vector<Pipeline> configured_pipelines(const ServerOptions &options);

// Runs `p` on `input`. Returns "" and sets *data_json to the last step's
// {"model_id","step","text"}, or returns the error message.
std::string run_pipeline(const Pipeline &p, const serde::Value &input, std::string *data_json);

}  // namespace realm::server
