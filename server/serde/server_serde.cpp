// A port of the parts of serde_json's Deserializer (de.rs / read.rs, 1.0.1xx)
// that decide *which* error is reported and *where*: the control flow below
// deliberately mirrors the Rust functions of the same names, because the
// position of an error depends on exactly how many bytes each step consumed.
#include "server_serde.h"
#include "protocol/realm_wire.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace realm::serde {
namespace {

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

Error custom(std::string message) { return Error{std::move(message), 0, 0}; }

bool is_digit(int c) { return c >= '0' && c <= '9'; }

// How a struct field is decoded.
enum class FieldKind { String, OptionalString, AnyValue };

struct FieldSpec {
    const char *name;
    FieldKind kind;
    bool defaulted;  // #[serde(default)]: may be missing, also in positional form
};

struct FieldSlot {
    bool present = false;
    std::string text;                  // String / OptionalString
    bool is_none = true;               // OptionalString
    Value value;                       // AnyValue
};

class Deserializer {
public:
    explicit Deserializer(std::string_view s) : s_(s) {}

    // Deserialize::deserialize for a derived struct, then Deserializer::end.
    void decode_struct(const std::string &name, const FieldSpec *fields, size_t n, FieldSlot *slots) {
        deserialize_struct(name, fields, n, slots);
        end();
    }

    Value decode_value() {
        Value v = deserialize_any();
        end();
        return v;
    }

private:
    // ---- position helpers (read.rs) ----
    Error error_at(Code code, size_t i) const {
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
    Error error(Code code) const { return error_at(code, index_); }
    Error peek_error(Code code) const { return error_at(code, std::min(index_ + 1, s_.size())); }
    [[noreturn]] void fail(Code code) const { throw error(code); }
    [[noreturn]] void peek_fail(Code code) const { throw peek_error(code); }

    Error fix_position(Error e) const {
        if (e.line == 0) {
            Error positioned = error(Code::EofWhileParsingValue);
            e.line = positioned.line;
            e.column = positioned.column;
        }
        return e;
    }

    bool at_end() const { return index_ >= s_.size(); }
    int peek_or_null() const { return at_end() ? 0 : static_cast<unsigned char>(s_[index_]); }
    void eat_char() { ++index_; }
    int next_char() {  // -1 at EOF
        if (at_end()) return -1;
        return static_cast<unsigned char>(s_[index_++]);
    }

    int parse_whitespace() {  // -1 at EOF, else the peeked byte
        while (!at_end()) {
            char c = s_[index_];
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
                ++index_;
            else
                return static_cast<unsigned char>(c);
        }
        return -1;
    }

    void enter_nesting() {
        if (--remaining_depth_ == 0) peek_fail(Code::RecursionLimitExceeded);
    }
    void leave_nesting() { ++remaining_depth_; }

    void parse_ident(const char *rest) {
        for (const char *p = rest; *p; ++p) {
            int c = next_char();
            if (c < 0) fail(Code::EofWhileParsingValue);
            if (c != static_cast<unsigned char>(*p)) fail(Code::ExpectedSomeIdent);
        }
    }

    void end() {
        if (parse_whitespace() >= 0) peek_fail(Code::TrailingCharacters);
    }

    // ---- strings ----
    uint32_t decode_hex_escape() {
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

    int peek_or_eof() {
        if (at_end()) fail(Code::EofWhileParsingString);
        return static_cast<unsigned char>(s_[index_]);
    }

    void parse_unicode_escape(std::string &out) {
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

    void parse_escape(std::string &out) {
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
    void skip_plain_chars() {
        while (!at_end()) {
            unsigned char c = static_cast<unsigned char>(s_[index_]);
            if (c == '"' || c == '\\' || c < 0x20) return;
            ++index_;
        }
        fail(Code::EofWhileParsingString);
    }

    // The opening quote has been consumed.
    std::string parse_str() {
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

    void ignore_escape() {
        int ch = next_char();
        if (ch < 0) fail(Code::EofWhileParsingString);
        switch (ch) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': return;
            case 'u': decode_hex_escape(); return;
            default: fail(Code::InvalidEscape);
        }
    }

    void ignore_str() {
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
    void parse_exponent() {
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
    Value parse_any_number(bool positive, size_t lexeme_start) {
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

    void ignore_exponent() {
        eat_char();
        int p = peek_or_null();
        if (p == '+' || p == '-') eat_char();
        int c = next_char();  // next_char_or_null
        if (c < 0 || !is_digit(c)) fail(Code::InvalidNumber);
        while (is_digit(peek_or_null())) eat_char();
    }

    void ignore_integer() {
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

    // ---- values ----
    void parse_object_colon() {
        int p = parse_whitespace();
        if (p == ':') {
            eat_char();
            return;
        }
        if (p >= 0) peek_fail(Code::ExpectedColon);
        peek_fail(Code::EofWhileParsingObject);
    }

    // The separator before the next entry of an object or array, as serde's
    // MapAccess::next_key / SeqAccess::next_element check it. Returns the
    // entry's first byte, or -1 at the closing bracket.
    int next_entry(bool *first, char close, Code eof, Code expected_comma_or_end) {
        int p = parse_whitespace();
        if (p < 0) peek_fail(eof);
        if (p == close) return -1;
        if (p == ',' && !*first) {
            eat_char();
            p = parse_whitespace();
        } else if (*first) {
            *first = false;
        } else {
            peek_fail(expected_comma_or_end);
        }
        if (p < 0) peek_fail(Code::EofWhileParsingValue);
        if (p == close) peek_fail(Code::TrailingComma);
        return p;
    }

    // MapAccess::next_key for a string key. Returns false at '}'.
    bool next_key(bool *first, std::string *key) {
        int p = next_entry(first, '}', Code::EofWhileParsingObject, Code::ExpectedObjectCommaOrEnd);
        if (p < 0) return false;
        if (p != '"') peek_fail(Code::KeyMustBeAString);
        eat_char();
        *key = parse_str();
        return true;
    }

    // SeqAccess::next_element prologue. Returns false at ']'.
    bool next_element(bool *first) {
        return next_entry(first, ']', Code::EofWhileParsingList, Code::ExpectedListCommaOrEnd) >= 0;
    }

    void end_seq() {
        int p = parse_whitespace();
        if (p == ']') {
            eat_char();
            return;
        }
        if (p == ',') {
            eat_char();
            if (parse_whitespace() == ']') peek_fail(Code::TrailingComma);
            peek_fail(Code::TrailingCharacters);
        }
        if (p >= 0) peek_fail(Code::TrailingCharacters);
        peek_fail(Code::EofWhileParsingList);
    }

    void end_map() {
        int p = parse_whitespace();
        if (p == '}') {
            eat_char();
            return;
        }
        if (p == ',') peek_fail(Code::TrailingComma);
        if (p >= 0) peek_fail(Code::TrailingCharacters);
        peek_fail(Code::EofWhileParsingObject);
    }

    Value deserialize_any() {
        int p = parse_whitespace();
        if (p < 0) peek_fail(Code::EofWhileParsingValue);
        switch (p) {
            case 'n': eat_char(); parse_ident("ull"); return Value::null();
            case 't': eat_char(); parse_ident("rue"); return Value::boolean(true);
            case 'f': eat_char(); parse_ident("alse"); return Value::boolean(false);
            case '-': {
                size_t start = index_;
                eat_char();
                return parse_any_number(false, start);
            }
            case '"': eat_char(); return Value::string(parse_str());
            case '[': {
                enter_nesting();
                eat_char();
                std::vector<Value> items;
                bool first = true;
                while (next_element(&first)) items.push_back(deserialize_any());
                leave_nesting();
                end_seq();
                return Value::array(std::move(items));
            }
            case '{': {
                enter_nesting();
                eat_char();
                std::vector<Value::Member> members;
                bool first = true;
                std::string key;
                while (next_key(&first, &key)) {
                    parse_object_colon();
                    Value v = deserialize_any();
                    members.emplace_back(std::move(key), std::move(v));
                }
                leave_nesting();
                end_map();
                return Value::object(std::move(members));
            }
            default:
                if (is_digit(p)) return parse_any_number(true, index_);
                peek_fail(Code::ExpectedSomeValue);
        }
    }

    // serde_json's iterative ignore_value (no recursion limit).
    void ignore_value() {
        std::string stack;  // enclosing '[' / '{'
        int enclosing = 0;
        for (;;) {
            int p = parse_whitespace();
            if (p < 0) peek_fail(Code::EofWhileParsingValue);
            int frame = 0;
            switch (p) {
                case 'n': eat_char(); parse_ident("ull"); break;
                case 't': eat_char(); parse_ident("rue"); break;
                case 'f': eat_char(); parse_ident("alse"); break;
                case '-': eat_char(); ignore_integer(); break;
                case '"': eat_char(); ignore_str(); break;
                case '[':
                case '{':
                    if (enclosing) stack.push_back(static_cast<char>(enclosing));
                    enclosing = 0;
                    eat_char();
                    frame = p;
                    break;
                default:
                    if (is_digit(p)) {
                        ignore_integer();
                        break;
                    }
                    peek_fail(Code::ExpectedSomeValue);
            }
            bool accept_comma;
            if (frame) {
                accept_comma = false;
            } else if (enclosing) {
                accept_comma = true;
                frame = enclosing;
                enclosing = 0;
            } else if (!stack.empty()) {
                accept_comma = true;
                frame = stack.back();
                stack.pop_back();
            } else {
                return;
            }
            for (;;) {
                int q = parse_whitespace();
                if (q == ',' && accept_comma) {
                    eat_char();
                    break;
                }
                bool closes = (q == ']' && frame == '[') || (q == '}' && frame == '{');
                if (!closes) {
                    if (q >= 0) {
                        if (accept_comma)
                            peek_fail(frame == '[' ? Code::ExpectedListCommaOrEnd
                                                   : Code::ExpectedObjectCommaOrEnd);
                        break;
                    }
                    peek_fail(frame == '[' ? Code::EofWhileParsingList : Code::EofWhileParsingObject);
                }
                eat_char();
                if (stack.empty()) return;
                frame = stack.back();
                stack.pop_back();
                accept_comma = true;
            }
            if (frame == '{') {
                int q = parse_whitespace();
                if (q == '"')
                    eat_char();
                else if (q >= 0)
                    peek_fail(Code::KeyMustBeAString);
                else
                    peek_fail(Code::EofWhileParsingObject);
                ignore_str();
                q = parse_whitespace();
                if (q == ':')
                    eat_char();
                else if (q >= 0)
                    peek_fail(Code::ExpectedColon);
                else
                    peek_fail(Code::EofWhileParsingObject);
            }
            enclosing = frame;
        }
    }

    // Builds the error serde_json reports when the next value has the wrong
    // JSON type (consuming scalars so that the position matches).
    Error peek_invalid_type(const std::string &expected) {
        try {
            std::string unexpected;
            int p = peek_or_null();
            switch (p) {
                case 'n': eat_char(); parse_ident("ull"); unexpected = "null"; break;
                case 't': eat_char(); parse_ident("rue"); unexpected = "boolean `true`"; break;
                case 'f': eat_char(); parse_ident("alse"); unexpected = "boolean `false`"; break;
                case '-': {
                    size_t start = index_;
                    eat_char();
                    unexpected = parse_any_number(false, start).unexpected();
                    break;
                }
                case '"': eat_char(); unexpected = "string " + rust_string_debug(parse_str()); break;
                case '[': unexpected = "sequence"; break;
                case '{': unexpected = "map"; break;
                default:
                    if (is_digit(p)) {
                        unexpected = parse_any_number(true, index_).unexpected();
                        break;
                    }
                    return peek_error(Code::ExpectedSomeValue);
            }
            return fix_position(custom("invalid type: " + unexpected + ", expected " + expected));
        } catch (Error &e) {
            return e;
        }
    }

    std::string deserialize_string() {
        int p = parse_whitespace();
        if (p < 0) peek_fail(Code::EofWhileParsingValue);
        try {
            if (p == '"') {
                eat_char();
                return parse_str();
            }
            throw peek_invalid_type("a string");
        } catch (Error &e) {
            throw fix_position(e);
        }
    }

    void deserialize_field(const FieldSpec &spec, FieldSlot *slot) {
        switch (spec.kind) {
            case FieldKind::String:
                slot->text = deserialize_string();
                break;
            case FieldKind::OptionalString:
                if (parse_whitespace() == 'n') {
                    eat_char();
                    parse_ident("ull");
                    slot->is_none = true;
                } else {
                    slot->text = deserialize_string();
                    slot->is_none = false;
                }
                break;
            case FieldKind::AnyValue:
                slot->value = deserialize_any();
                break;
        }
        slot->present = true;
    }

    void visit_struct_map(const FieldSpec *fields, size_t n, FieldSlot *slots) {
        bool first = true;
        std::string key;
        while (next_key(&first, &key)) {
            size_t idx = n;
            for (size_t i = 0; i < n; ++i)
                if (key == fields[i].name) idx = i;
            if (idx == n) {
                parse_object_colon();
                ignore_value();
                continue;
            }
            if (slots[idx].present) throw custom(std::string("duplicate field `") + fields[idx].name + "`");
            parse_object_colon();
            deserialize_field(fields[idx], &slots[idx]);
        }
        for (size_t i = 0; i < n; ++i)
            if (!slots[i].present && !fields[i].defaulted && fields[i].kind != FieldKind::OptionalString)
                throw custom(std::string("missing field `") + fields[i].name + "`");
    }

    void visit_struct_seq(const std::string &name, const FieldSpec *fields, size_t n, FieldSlot *slots) {
        bool first = true;
        for (size_t i = 0; i < n; ++i) {
            if (!next_element(&first)) {
                if (fields[i].defaulted) return;
                throw custom("invalid length " + std::to_string(i) + ", expected struct " + name +
                             " with " + std::to_string(n) + " elements");
            }
            deserialize_field(fields[i], &slots[i]);
        }
    }

    void deserialize_struct(const std::string &name, const FieldSpec *fields, size_t n, FieldSlot *slots) {
        int p = parse_whitespace();
        if (p < 0) peek_fail(Code::EofWhileParsingValue);
        try {
            if (p == '{' || p == '[') {
                enter_nesting();
                eat_char();
                try {
                    if (p == '{')
                        visit_struct_map(fields, n, slots);
                    else
                        visit_struct_seq(name, fields, n, slots);
                } catch (Error &) {
                    // serde_json still runs end_map/end_seq (its error is
                    // discarded); that moves the position of custom errors.
                    try {
                        if (p == '{') end_map(); else end_seq();
                    } catch (Error &) {
                    }
                    throw;
                }
                leave_nesting();
                if (p == '{') end_map(); else end_seq();
            } else {
                throw peek_invalid_type("struct " + name);
            }
        } catch (Error &e) {
            throw fix_position(e);
        }
    }

    std::string_view s_;
    size_t index_ = 0;
    int remaining_depth_ = 128;
};

// Runs one decode; a serde error becomes *error (its Display text) and false.
template <class Decode>
bool run_decoder(std::string_view text, std::string *error, Decode &&decode) {
    try {
        Deserializer d(text);
        decode(d);
    } catch (Error &e) {
        *error = e.display();
        return false;
    }
    return true;
}

}  // namespace

bool decode_function_call(std::string_view text, FunctionCall *out, std::string *error) {
    static const FieldSpec fields[] = {
        {"id", FieldKind::String, false},
        {"function", FieldKind::String, false},
        {"params", FieldKind::AnyValue, false},
        {"tenant_id", FieldKind::OptionalString, true},
    };
    FieldSlot slots[4];
    if (!run_decoder(text, error, [&](Deserializer &d) { d.decode_struct("FunctionCall", fields, 4, slots); }))
        return false;
    out->id = std::move(slots[0].text);
    out->function = std::move(slots[1].text);
    out->params = std::move(slots[2].value);
    if (slots[3].present && !slots[3].is_none)
        out->tenant_id = std::move(slots[3].text);
    else
        out->tenant_id.reset();
    return true;
}

bool decode_auth_message(std::string_view text, AuthMessage *out, std::string *error) {
    static const FieldSpec fields[] = {
        {"type", FieldKind::String, false},
        {"api_key", FieldKind::String, false},
    };
    FieldSlot slots[2];
    if (!run_decoder(text, error, [&](Deserializer &d) { d.decode_struct("AuthMessage", fields, 2, slots); }))
        return false;
    out->type = std::move(slots[0].text);
    out->api_key = std::move(slots[1].text);
    return true;
}

bool decode_value(std::string_view text, Value *out, std::string *error) {
    return run_decoder(text, error, [&](Deserializer &d) { *out = d.decode_value(); });
}

}  // namespace realm::serde
