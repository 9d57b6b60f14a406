// A JSON value with the semantics of Rust's serde_json::Value, which is what
// the upstream server hands to its functions as `params`: numbers keep their
// integer/float kind, objects keep one entry per key (the last duplicate
// wins) in sorted key order. Server-side only; the client
// reads JSON with JsonCursor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace realm::serde {

class Value {
public:
    enum class Kind { Null, Bool, U64, I64, F64, String, Array, Object };
    using Member = std::pair<std::string, Value>;

    Value() = default;
    static Value null() { return Value(); }
    static Value boolean(bool b) { Value v; v.kind_ = Kind::Bool; v.b_ = b; return v; }
    static Value u64(uint64_t u) { Value v; v.kind_ = Kind::U64; v.u_ = u; return v; }
    static Value i64(int64_t i) { Value v; v.kind_ = Kind::I64; v.i_ = i; return v; }
    static Value f64(double f) { Value v; v.kind_ = Kind::F64; v.f_ = f; return v; }
    static Value string(std::string s) { Value v; v.kind_ = Kind::String; v.s_ = std::move(s); return v; }
    static Value array(std::vector<Value> items) {
        Value v; v.kind_ = Kind::Array; v.items_ = std::move(items); return v;
    }
    // Sorts the members by key and keeps the last of duplicates, like
    // inserting them one by one into serde_json's BTreeMap.
    static Value object(std::vector<Member> members);

    Kind kind() const { return kind_; }
    bool is_null() const { return kind_ == Kind::Null; }
    bool is_string() const { return kind_ == Kind::String; }
    bool is_object() const { return kind_ == Kind::Object; }
    bool is_number() const { return kind_ == Kind::U64 || kind_ == Kind::I64 || kind_ == Kind::F64; }

    bool as_bool() const { return b_; }
    uint64_t as_u64() const { return u_; }
    int64_t as_i64() const { return i_; }
    double as_f64() const;  // any number kind
    const std::string &as_string() const { return s_; }
    const std::vector<Value> &items() const { return items_; }
    const std::vector<Member> &members() const { return members_; }

    // Object member lookup; nullptr when absent or when this is not an object
    // (serde_json's Value::get).
    const Value *get(std::string_view key) const;

    // serde's `Unexpected` rendering of this value, as used in
    // "invalid type: <this>, expected ..." messages.
    std::string unexpected() const;

    // Compact JSON text (serde_json::to_string order: sorted object keys).
    void append_json(std::string &out) const;

private:
    Kind kind_ = Kind::Null;
    bool b_ = false;
    uint64_t u_ = 0;
    int64_t i_ = 0;
    double f_ = 0;
    std::string s_;
    std::vector<Value> items_;
    std::vector<Member> members_;
};

// Rust's `{}` formatting of an f64 as serde's messages print it (shortest
// round-trip digits, never an exponent, ".0" appended to whole numbers).
std::string rust_float_display(double f);

// Rust's `{:?}` formatting of a string (quoted, escapes as Rust prints them).
std::string rust_string_debug(std::string_view s);

}  // namespace realm::serde
