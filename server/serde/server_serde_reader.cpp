// The byte-level half of the serde_json port (read.rs and the scalar parts of
// de.rs): error positions, whitespace, identifiers, strings and numbers.
#include "server_serde_reader.h"

#include "protocol/realm_wire.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace realm::serde::detail {
namespace {

const char *code_text(Code c) {
    switch (c) {
        case Code::EofWhileParsingList: return "EOF while parsing a list";
        case Code::EofWhileParsingObject: return "EOF while parsing an object";
        case Code::EofWhileParsingString: return "EOF while parsing a string";
        case Code::EofWhileParsingValue: return "EOF while parsing a value";
        case Code::ExpectedColon: return "expected `:`";
        case Code::ExpectedListCommaOrEnd: return "expected `,` or `]`";
        case Code::ExpectedObjectCommaOrEnd: return "expected `,` or `}`";
        case Code::ExpectedSomeIdent: return "expected ident";
        case Code::ExpectedSomeValue: return "expected value";
        case Code::InvalidEscape: return "invalid escape";
        case Code::InvalidNumber: return "invalid number";
        case Code::NumberOutOfRange: return "number out of range";
        case Code::ControlCharacterWhileParsingString:
            return "control character (\\u0000-\\u001F) found while parsing a string";
        case Code::KeyMustBeAString: return "key must be a string";
        case Code::LoneLeadingSurrogateInHexEscape: return "lone leading surrogate in hex escape";
        case Code::TrailingComma: return "trailing comma";
        case Code::TrailingCharacters: return "trailing characters";
        case Code::UnexpectedEndOfHexEscape: return "unexpected end of hex escape";
        case Code::RecursionLimitExceeded: return "recursion limit exceeded";
    }
    return "error";
}

}  // namespace

Error Deserializer::error_at(Code code, size_t i) const {
    size_t start_of_line = 0;
    size_t line = 1;
    for (size_t k = 0; k < i && k < s_.size(); ++k) {
        if (s_[k] == '\n') {
            ++line;
            start_of_line = k + 1;
        }
    }
    return Error{code_text(code), line, i - start_of_line};
}

Error Deserializer::fix_position(Error e) const {
    if (e.line == 0) {
        Error positioned = error(Code::EofWhileParsingValue);
        e.line = positioned.line;
        e.column = positioned.column;
    }
    return e;
}

int Deserializer::parse_whitespace() {
    while (!at_end()) {
        char c = s_[index_];
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
            ++index_;
        else
            return static_cast<unsigned char>(c);
    }
    return -1;
}

void Deserializer::enter_nesting() {
    if (--remaining_depth_ == 0) peek_fail(Code::RecursionLimitExceeded);
}

void Deserializer::parse_ident(const char *rest) {
    for (const char *p = rest; *p; ++p) {
        int c = next_char();
        if (c < 0) fail(Code::EofWhileParsingValue);
        if (c != static_cast<unsigned char>(*p)) fail(Code::ExpectedSomeIdent);
    }
}

void Deserializer::end() {
    if (parse_whitespace() >= 0) peek_fail(Code::TrailingCharacters);
}

// ---- strings ----

uint32_t Deserializer::decode_hex_escape() {
    if (s_.size() - index_ < 4) {
        index_ = s_.size();
        fail(Code::EofWhileParsingString);
    }
    uint32_t n = 0;
    bool ok = true;
    for (int k = 0; k < 4; ++k) {
        int h = wire::hex_digit_value(static_cast<unsigned char>(s_[index_ + k]));
        if (h < 0) ok = false;
        n = (n << 4) | static_cast<uint32_t>(h < 0 ? 0 : h);
    }
    index_ += 4;
    if (!ok) fail(Code::InvalidEscape);
    return n;
}

int Deserializer::peek_or_eof() {
    if (at_end()) fail(Code::EofWhileParsingString);
    return static_cast<unsigned char>(s_[index_]);
}

void Deserializer::parse_unicode_escape(std::string &out) {
    uint32_t n = decode_hex_escape();
    if (n >= 0xDC00 && n <= 0xDFFF) fail(Code::LoneLeadingSurrogateInHexEscape);
    if (n < 0xD800 || n > 0xDBFF) {
        wire::append_utf8(out, n);
        return;
    }
    uint32_t n1 = n;
    if (peek_or_eof() != '\\') {
        eat_char();
        fail(Code::UnexpectedEndOfHexEscape);
    }
    eat_char();
    if (peek_or_eof() != 'u') {
        eat_char();
        fail(Code::UnexpectedEndOfHexEscape);
    }
    eat_char();
    uint32_t n2 = decode_hex_escape();
    if (n2 < 0xDC00 || n2 > 0xDFFF) fail(Code::LoneLeadingSurrogateInHexEscape);
    wire::append_utf8(out, (((n1 - 0xD800) << 10) | (n2 - 0xDC00)) + 0x10000);
}

void Deserializer::parse_escape(std::string &out) {
    int ch = next_char();
    if (ch < 0) fail(Code::EofWhileParsingString);
    switch (ch) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': parse_unicode_escape(out); break;
        default: fail(Code::InvalidEscape);
    }
}

// Advances to the next quote, backslash or control character of a string
// (the ones parse_str and ignore_str handle); fails at the end of input.
void Deserializer::skip_plain_chars() {
    while (!at_end()) {
        unsigned char c = static_cast<unsigned char>(s_[index_]);
        if (c == '"' || c == '\\' || c < 0x20) return;
        ++index_;
    }
    fail(Code::EofWhileParsingString);
}

// The opening quote has been consumed.
std::string Deserializer::parse_str() {
    std::string out;
    size_t start = index_;
    for (;;) {
        skip_plain_chars();
        char c = s_[index_];
        if (c == '"') {
            out.append(s_.data() + start, index_ - start);
            ++index_;
            return out;
        }
        if (c == '\\') {
            out.append(s_.data() + start, index_ - start);
            ++index_;
            parse_escape(out);
            start = index_;
            continue;
        }
        ++index_;
        fail(Code::ControlCharacterWhileParsingString);
    }
}

void Deserializer::ignore_escape() {
    int ch = next_char();
    if (ch < 0) fail(Code::EofWhileParsingString);
    switch (ch) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': return;
        case 'u': decode_hex_escape(); return;
        default: fail(Code::InvalidEscape);
    }
}

void Deserializer::ignore_str() {
    for (;;) {
        skip_plain_chars();
        char c = s_[index_];
        if (c == '"') {
            ++index_;
            return;
        }
        if (c == '\\') {
            ++index_;
            ignore_escape();
            continue;
        }
        fail(Code::ControlCharacterWhileParsingString);
    }
}

// ---- numbers ----

void Deserializer::parse_exponent() {
    eat_char();  // 'e' / 'E'
    int p = peek_or_null();
    if (p == '+' || p == '-') eat_char();
    int c = next_char();
    if (c < 0) fail(Code::EofWhileParsingValue);
    if (!is_digit(c)) fail(Code::InvalidNumber);
    while (is_digit(peek_or_null())) eat_char();
}

// parse_any_number: for a negative number the '-' at lexeme_start has
// already been consumed.
Value Deserializer::parse_any_number(bool positive, size_t lexeme_start) {
    int c = next_char();
    if (c < 0) fail(Code::EofWhileParsingValue);
    uint64_t significand = 0;
    bool overflow = false;
    if (c == '0') {
        if (is_digit(peek_or_null())) peek_fail(Code::InvalidNumber);
    } else if (c >= '1' && c <= '9') {
        significand = static_cast<uint64_t>(c - '0');
        while (is_digit(peek_or_null())) {
            uint64_t digit = static_cast<uint64_t>(peek_or_null() - '0');
            if (!overflow && significand > (UINT64_MAX - digit) / 10)
                overflow = true;
            else if (!overflow)
                significand = significand * 10 + digit;
            eat_char();
        }
    } else {
        fail(Code::InvalidNumber);
    }
    bool is_float = overflow;
    if (peek_or_null() == '.') {
        eat_char();
        int digits = 0;
        while (is_digit(peek_or_null())) {
            eat_char();
            ++digits;
        }
        if (digits == 0) {
            if (!at_end()) peek_fail(Code::InvalidNumber);
            peek_fail(Code::EofWhileParsingValue);
        }
        is_float = true;
    }
    if (peek_or_null() == 'e' || peek_or_null() == 'E') {
        parse_exponent();
        is_float = true;
    }
    if (!is_float) {
        if (positive) return Value::u64(significand);
        auto neg = static_cast<int64_t>(0ULL - significand);
        if (neg >= 0) return Value::f64(-static_cast<double>(significand));
        return Value::i64(neg);
    }
    std::string lexeme(s_.substr(lexeme_start, index_ - lexeme_start));
    errno = 0;
    double v = std::strtod(lexeme.c_str(), nullptr);
    if (std::isinf(v)) fail(Code::NumberOutOfRange);
    return Value::f64(v);
}

void Deserializer::ignore_exponent() {
    eat_char();
    int p = peek_or_null();
    if (p == '+' || p == '-') eat_char();
    int c = next_char();  // next_char_or_null
    if (c < 0 || !is_digit(c)) fail(Code::InvalidNumber);
    while (is_digit(peek_or_null())) eat_char();
}

void Deserializer::ignore_integer() {
    int c = next_char();
    if (c == '0') {
        if (is_digit(peek_or_null())) peek_fail(Code::InvalidNumber);
    } else if (c >= '1' && c <= '9') {
        while (is_digit(peek_or_null())) eat_char();
    } else {
        fail(Code::InvalidNumber);
    }
    int p = peek_or_null();
    if (p == '.') {
        eat_char();
        bool digit = false;
        while (is_digit(peek_or_null())) {
            eat_char();
            digit = true;
        }
        if (!digit) peek_fail(Code::InvalidNumber);
        p = peek_or_null();
    }
    if (p == 'e' || p == 'E') ignore_exponent();
}

}  // namespace realm::serde::detail
