#include "server_params.h"

#include <limits>

namespace realm::serde {

std::string value_to_unsigned(const Value &v, const char *expected, uint64_t max, uint64_t *out) {
    switch (v.kind()) {
        case Value::Kind::U64:
            if (v.as_u64() > max)
                return "invalid value: integer `" + std::to_string(v.as_u64()) + "`, expected " + expected;
            *out = v.as_u64();
            return "";
        case Value::Kind::I64:
            return "invalid value: " + v.unexpected() + ", expected " + expected;
        default:
            return "invalid type: " + v.unexpected() + ", expected " + expected;
    }
}

std::string value_to_bool(const Value &v, bool *out) {
    if (v.kind() != Value::Kind::Bool) return "invalid type: " + v.unexpected() + ", expected a boolean";
    *out = v.as_bool();
    return "";
}

std::string value_to_string(const Value &v, std::string *out) {
    if (!v.is_string()) return "invalid type: " + v.unexpected() + ", expected a string";
    *out = v.as_string();
    return "";
}

std::string value_to_f64(const Value &v, double *out) {
    if (!v.is_number()) return "invalid type: " + v.unexpected() + ", expected f64";
    *out = v.as_f64();
    return "";
}

namespace {

constexpr uint64_t kUsizeMax = std::numeric_limits<uint64_t>::max();

// One GenerateOptions field, decoded from its value.
std::string decode_field(const std::string &key, const Value &v, GenerateOptions *o, bool *have_prompt) {
    if (key == "prompt") {
        *have_prompt = true;
        return value_to_string(v, &o->prompt);
    }
    if (key == "model") {
        if (v.is_null()) {
            o->model.reset();
            return "";
        }
        std::string m;
        std::string err = value_to_string(v, &m);
        if (err.empty()) o->model = std::move(m);
        return err;
    }
    if (key == "max_tokens") return value_to_unsigned(v, "usize", kUsizeMax, &o->max_tokens);
    if (key == "temperature") return value_to_f64(v, &o->temperature);
    if (key == "top_p") return value_to_f64(v, &o->top_p);
    if (key == "top_k") return value_to_unsigned(v, "usize", kUsizeMax, &o->top_k);
    if (key == "repetition_penalty") return value_to_f64(v, &o->repetition_penalty);
    if (key == "stream") return value_to_bool(v, &o->stream);
    return "";  // unknown keys are ignored
}

// Field order of the Rust struct, which is the positional (array) order.
const char *const kFieldOrder[] = {"prompt", "model", "max_tokens", "temperature",
                                   "top_p", "top_k", "repetition_penalty", "stream"};
constexpr size_t kFieldCount = sizeof kFieldOrder / sizeof kFieldOrder[0];

}  // namespace

std::string decode_generate_options(const Value &params, GenerateOptions *out) {
    GenerateOptions o;
    bool have_prompt = false;
    if (params.is_object()) {
        // serde_json's Map iterates in key order, so the first bad field in
        // key order is the one reported.
        for (const auto &m : params.members()) {
            std::string err = decode_field(m.first, m.second, &o, &have_prompt);
            if (!err.empty()) return err;
        }
        if (!have_prompt) return "missing field `prompt`";
    } else if (params.kind() == Value::Kind::Array) {
        const auto &items = params.items();
        if (items.empty())
            return "invalid length 0, expected struct GenerateOptions with " + std::to_string(kFieldCount) +
                   " elements";
        size_t n = items.size() < kFieldCount ? items.size() : kFieldCount;
        for (size_t i = 0; i < n; ++i) {
            std::string err = decode_field(kFieldOrder[i], items[i], &o, &have_prompt);
            if (!err.empty()) return err;
        }
        if (items.size() > kFieldCount)
            return "invalid length " + std::to_string(items.size()) + ", expected fewer elements in array";
    } else {
        return "invalid type: " + params.unexpected() + ", expected struct GenerateOptions";
    }
    *out = std::move(o);
    return "";
}

}  // namespace realm::serde
