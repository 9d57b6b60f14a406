#include "backend.h"

#include <cstdint>

#include "protocol/realm_wire.h"

namespace realm::server {
namespace {

// Length of the White_Space code point at s[i], or 0.
size_t whitespace_len(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) return 1;
    size_t left = s.size() - i;
    if (c == 0xC2 && left >= 2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;
    if (c == 0xE1 && left >= 3 && b(1) == 0x9A && b(2) == 0x80) return 3;  // U+1680
    if (c == 0xE2 && left >= 3 && b(1) == 0x80) {
        unsigned char d = b(2);
        if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;  // U+2000..200A, 2028, 2029, 202F
    }
    if (c == 0xE2 && left >= 3 && b(1) == 0x81 && b(2) == 0x9F) return 3;  // U+205F
    if (c == 0xE3 && left >= 3 && b(1) == 0x80 && b(2) == 0x80) return 3;  // U+3000
    return 0;
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace

std::vector<std::string_view> split_whitespace(std::string_view s) {
    std::vector<std::string_view> words;
    size_t i = 0, start = std::string_view::npos;
    while (i < s.size()) {
        size_t w = whitespace_len(s, i);
        if (w) {
            if (start != std::string_view::npos) words.push_back(s.substr(start, i - start));
            start = std::string_view::npos;
            i += w;
        } else {
            if (start == std::string_view::npos) start = i;
            ++i;
        }
    }
    if (start != std::string_view::npos) words.push_back(s.substr(start));
    return words;
}

std::string simulated_text(std::string_view prompt) {
    // Only ASCII letters matter for these substrings, so an ASCII lower-case
    // equals Rust's to_lowercase() here.
    std::string lower = ascii_lower(prompt);
    if (lower.find("capital of france") != std::string::npos) return "Paris";
    if (lower.find("capital") != std::string::npos && lower.find("france") != std::string::npos)
        return "The capital of France is Paris.";
    return "Simulated response to: " + std::string(prompt);
}

std::vector<std::string> stream_words(std::string_view prompt) {
    auto prompt_words = split_whitespace(prompt);
    std::string first = prompt_words.empty() ? std::string("unknown") : std::string(prompt_words.front());
    std::string sentence = "The capital of France is Paris. This is a simulated response to: " + first;
    std::vector<std::string> words;
    for (auto w : split_whitespace(sentence)) words.push_back(std::string(w) + " ");
    return words;
}

std::string generation_result_json(std::string_view prompt, bool cli_variant, uint64_t max_tokens) {
    std::string text = simulated_text(prompt);
    uint64_t prompt_tokens = split_whitespace(prompt).size();
    uint64_t tokens = cli_variant ? max_tokens : split_whitespace(text).size();
    std::string out = "{";
    if (!cli_variant) out += R"("cost_usd":0.00024,)";
    out += R"("prompt_tokens":)" + std::to_string(prompt_tokens);
    out += R"(,"text":)";
    wire::append_json_string(out, text);
    if (!cli_variant) out += R"(,"time_ms":150)";
    out += R"(,"tokens_generated":)" + std::to_string(tokens) + "}";
    return out;
}

std::vector<Pipeline> configured_pipelines(const ServerOptions &options) {
    std::vector<Pipeline> out;
    for (const auto &p : options.pipelines) {
        Pipeline pl{p.name, {}};
        for (const auto &m : p.models) pl.steps.push_back(PipelineStep{m, false});
        out.push_back(std::move(pl));
    }
    if (options.extended())
        out.push_back(Pipeline{"rag-pipeline", {PipelineStep{"retriever", true}, PipelineStep{"realm-sim", false}}});
    return out;
}

std::string run_pipeline(const Pipeline &p, const serde::Value &input, std::string *data_json) {
    serde::Value current = input;
    std::string text, model, step;
    for (size_t i = 0; i < p.steps.size(); ++i) {
        std::string prompt;
        const serde::Value *query = current.is_string() ? nullptr : current.get("query");
        if (current.is_string()) {
            prompt = current.as_string();
        } else if (const serde::Value *v = current.get("prompt"); v && v->is_string()) {
            prompt = v->as_string();
        } else if (const serde::Value *t = current.get("text"); t && t->is_string()) {
            prompt = t->as_string();
        } else if (p.steps[i].retrieve && query && query->is_string()) {
            // The built-in rag-pipeline as the SDK documents show it:
            // {"query": ..., "context": ...} (the retriever takes the given
            // context, or makes one).
            prompt = query->as_string();
        } else {
            return "Could not extract prompt from step input";
        }
        if (p.steps[i].retrieve) {
            const serde::Value *context = current.is_string() ? nullptr : current.get("context");
            text = context && context->is_string()
                       ? "Context: " + context->as_string() + "\nQuestion: " + prompt
                       : "Context for: " + prompt;
        } else {
            text = simulated_text(prompt);
        }
        model = p.steps[i].model_id;
        step = "step_" + std::to_string(i);
        current = serde::Value::string(text);
    }
    std::string out = R"({"model_id":)";
    wire::append_json_string(out, model);
    out += R"(,"step":)";
    wire::append_json_string(out, step);
    out += R"(,"text":)";
    wire::append_json_string(out, text);
    out += "}";
    *data_json = std::move(out);
    return "";
}

}  // namespace realm::server
