// The JSON reader behind the serde_json decoders of server_serde.h: a port of
// the parts of serde_json's Deserializer (de.rs / read.rs, 1.0.1xx) that
// decide *which* error is reported and *where*. The control flow deliberately
// mirrors the Rust functions of the same names, because the position of an
// error depends on exactly how many bytes each step consumed. Internal to
// realm_server_serde.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "server_json_value.h"

namespace realm::serde::detail {

enum class Code {
    EofWhileParsingList,
    EofWhileParsingObject,
    EofWhileParsingString,
    EofWhileParsingValue,
    ExpectedColon,
    ExpectedListCommaOrEnd,
    ExpectedObjectCommaOrEnd,
    ExpectedSomeIdent,
    ExpectedSomeValue,
    InvalidEscape,
    InvalidNumber,
    NumberOutOfRange,
    ControlCharacterWhileParsingString,
    KeyMustBeAString,
    LoneLeadingSurrogateInHexEscape,
    TrailingComma,
    TrailingCharacters,
    UnexpectedEndOfHexEscape,
    RecursionLimitExceeded,
};

// serde_json::Error: line 0 means "custom error without a position yet".
struct Error {
    std::string message;
    size_t line = 0;
    size_t column = 0;

    std::string display() const {
        if (line == 0) return message;
        return message + " at line " + std::to_string(line) + " column " + std::to_string(column);
    }
};

inline Error custom(std::string message) { return Error{std::move(message), 0, 0}; }

inline bool is_digit(int c) { return c >= '0' && c <= '9'; }

// Decodes by throwing Error at the first fault, as serde_json returns it.
class Deserializer {
public:
    explicit Deserializer(std::string_view s) : s_(s) {}

    // Deserialize::deserialize for serde_json::Value, then Deserializer::end.
    Value decode_value();

protected:
    // ---- position helpers (read.rs; server_serde_reader.cpp) ----
    Error error_at(Code code, size_t i) const;
    Error error(Code code) const { return error_at(code, index_); }
    Error peek_error(Code code) const { return error_at(code, std::min(index_ + 1, s_.size())); }
    [[noreturn]] void fail(Code code) const { throw error(code); }
    [[noreturn]] void peek_fail(Code code) const { throw peek_error(code); }
    Error fix_position(Error e) const;

    bool at_end() const { return index_ >= s_.size(); }
    int peek_or_null() const { return at_end() ? 0 : static_cast<unsigned char>(s_[index_]); }
    void eat_char() { ++index_; }
    int next_char() {  // -1 at EOF
        if (at_end()) return -1;
        return static_cast<unsigned char>(s_[index_++]);
    }
    int parse_whitespace();  // -1 at EOF, else the peeked byte
    void enter_nesting();
    void leave_nesting() { ++remaining_depth_; }
    void parse_ident(const char *rest);
    void end();

    // ---- strings and numbers (read.rs, de.rs; server_serde_reader.cpp) ----
    std::string parse_str();
    void ignore_str();
    Value parse_any_number(bool positive, size_t lexeme_start);
    void ignore_integer();

    // ---- values (de.rs; server_serde_values.cpp) ----
    void parse_object_colon();
    bool next_key(bool *first, std::string *key);
    bool next_element(bool *first);
    void end_seq();
    void end_map();
    Value deserialize_any();
    void ignore_value();
    Error peek_invalid_type(const std::string &expected);
    std::string deserialize_string();

private:
    uint32_t decode_hex_escape();
    int peek_or_eof();
    void parse_unicode_escape(std::string &out);
    void parse_escape(std::string &out);
    void skip_plain_chars();
    void ignore_escape();
    void parse_exponent();
    void ignore_exponent();
    int next_entry(bool *first, char close, Code eof, Code expected_comma_or_end);

    std::string_view s_;
    size_t index_ = 0;
    int remaining_depth_ = 128;
};

}  // namespace realm::serde::detail
