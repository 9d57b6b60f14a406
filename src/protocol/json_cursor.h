// A small, strict JSON reader over one message, used by the client to decode
// server frames without building a tree (the token hot path: see
// docs/DESIGN.md). It validates what it reads; anything it cannot read makes
// the whole frame invalid. Strings with escapes are decoded into an arena
// sized so that earlier views stay valid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace realm::protocol {

class JsonCursor {
public:
    // `arena` receives decoded strings; it is cleared and reserved here.
    JsonCursor(std::string_view text, std::string &arena);

    // Inline: called several times per member on the token hot path.
    void skip_ws() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }
    bool at_end() { skip_ws(); return p_ == end_; }
    // Peeks the next non-space byte ('\0' at end).
    char peek() { skip_ws(); return p_ < end_ ? *p_ : '\0'; }
    bool consume(char c) {
        skip_ws();
        if (p_ < end_ && *p_ == c) {
            ++p_;
            return true;
        }
        return false;
    }

    bool read_string(std::string_view *out);
    // Number: *is_int set when it has no fraction/exponent and fits int64.
    bool read_number(double *d, int64_t *i, bool *is_int);
    // The integer of what read_number read: *i, else *d truncated and clamped
    // to int64 (a plain cast of 1e30 is undefined behaviour).
    static int64_t to_int64(double d, int64_t i, bool is_int) {
        if (is_int) return i;
        if (!(d > -9.2e18)) return d != d ? 0 : INT64_MIN;  // NaN -> 0
        if (!(d < 9.2e18)) return INT64_MAX;
        return int64_t(d);
    }
    bool read_literal(std::string_view word);  // true/false/null
    bool skip_value(int depth = 0);

    const char *pos() const { return p_; }
    const char *begin() const { return begin_; }
    const std::string &error() const { return error_; }
    bool fail(const char *what);

private:
    bool read_escape(std::string &out);
    const char *begin_;
    const char *p_;
    const char *end_;
    std::string &arena_;
    std::string error_;
};

}  // namespace realm::protocol
