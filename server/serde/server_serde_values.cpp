// The value-level half of the serde_json port (de.rs): objects and arrays
// with serde's separator checks, any value, ignored values, and the
// "invalid type" errors of typed fields.
#include "server_serde_reader.h"

#include <utility>
#include <vector>

namespace realm::serde::detail {

Value Deserializer::decode_value() {
    Value v = deserialize_any();
    end();
    return v;
}

void Deserializer::parse_object_colon() {
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
int Deserializer::next_entry(bool *first, char close, Code eof, Code expected_comma_or_end) {
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
bool Deserializer::next_key(bool *first, std::string *key) {
    int p = next_entry(first, '}', Code::EofWhileParsingObject, Code::ExpectedObjectCommaOrEnd);
    if (p < 0) return false;
    if (p != '"') peek_fail(Code::KeyMustBeAString);
    eat_char();
    *key = parse_str();
    return true;
}

// SeqAccess::next_element prologue. Returns false at ']'.
bool Deserializer::next_element(bool *first) {
    return next_entry(first, ']', Code::EofWhileParsingList, Code::ExpectedListCommaOrEnd) >= 0;
}

void Deserializer::end_seq() {
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

void Deserializer::end_map() {
    int p = parse_whitespace();
    if (p == '}') {
        eat_char();
        return;
    }
    if (p == ',') peek_fail(Code::TrailingComma);
    if (p >= 0) peek_fail(Code::TrailingCharacters);
    peek_fail(Code::EofWhileParsingObject);
}

Value Deserializer::deserialize_any() {
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
void Deserializer::ignore_value() {
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
Error Deserializer::peek_invalid_type(const std::string &expected) {
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

std::string Deserializer::deserialize_string() {
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

}  // namespace realm::serde::detail
