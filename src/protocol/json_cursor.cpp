#include "json_cursor.h"

#include "realm_wire.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace realm::protocol {
namespace {
constexpr int kMaxDepth = 64;

// True when any byte of w is '"', '\\' or below 0x20 (SWAR: a byte is zero
// after XOR with the pattern, or "below" 0x20).
inline bool has_special_byte(uint64_t w) {
    constexpr uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    auto has_zero = [&](uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
    bool below_space = ((w - 0x2020202020202020ULL) & ~w & highs) != 0;
    return below_space || has_zero(w ^ (ones * '"')) || has_zero(w ^ (ones * '\\'));
}

}  // namespace

JsonCursor::JsonCursor(std::string_view text, std::string &arena)
    : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), arena_(arena) {
    arena_.clear();
    // Decoded strings are never longer than their source, so reserving the
    // frame size keeps every view into the arena valid.
    arena_.reserve(text.size());
}

bool JsonCursor::fail(const char *what) {
    if (error_.empty()) {
        error_ = what;
        error_ += " at byte ";
        error_ += std::to_string(p_ - begin_);
    }
    return false;
}

bool JsonCursor::read_escape(std::string &out) {
    // p_ is just past the backslash.
    if (p_ >= end_) return fail("unterminated escape");
    char c = *p_++;
    switch (c) {
        case '"': out.push_back('"'); return true;
        case '\\': out.push_back('\\'); return true;
        case '/': out.push_back('/'); return true;
        case 'b': out.push_back('\b'); return true;
        case 'f': out.push_back('\f'); return true;
        case 'n': out.push_back('\n'); return true;
        case 'r': out.push_back('\r'); return true;
        case 't': out.push_back('\t'); return true;
        case 'u': {
            auto read4 = [this](uint32_t *v) {
                if (end_ - p_ < 4) return false;
                uint32_t r = 0;
                for (int k = 0; k < 4; ++k) {
                    int h = wire::hex_digit_value(static_cast<unsigned char>(p_[k]));
                    if (h < 0) return false;
                    r = (r << 4) | uint32_t(h);
                }
                p_ += 4;
                *v = r;
                return true;
            };
            uint32_t cp;
            if (!read4(&cp)) return fail("bad \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return fail("lone surrogate");
                p_ += 2;
                if (!read4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return fail("bad surrogate pair");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail("lone surrogate");
            }
            wire::append_utf8(out, cp);
            return true;
        }
        default:
            return fail("bad escape");
    }
}

bool JsonCursor::read_string(std::string_view *out) {
    skip_ws();
    if (p_ >= end_ || *p_ != '"') return fail("expected string");
    ++p_;
    const char *start = p_;
    // Fast path: no escapes, view straight into the frame. Eight bytes at a
    // time: stop at the first '"', '\\' or control byte.
    while (end_ - p_ >= 8) {
        uint64_t w;
        std::memcpy(&w, p_, 8);
        if (has_special_byte(w)) break;
        p_ += 8;
    }
    while (p_ < end_) {
        unsigned char c = static_cast<unsigned char>(*p_);
        if (c == '"') {
            *out = std::string_view(start, size_t(p_ - start));
            ++p_;
            return true;
        }
        if (c == '\\') break;
        if (c < 0x20) return fail("control character in string");
        ++p_;
    }
    if (p_ >= end_) return fail("unterminated string");
    // Slow path: decode into the arena.
    size_t at = arena_.size();
    arena_.append(start, size_t(p_ - start));
    while (p_ < end_) {
        char c = *p_;
        if (c == '"') {
            ++p_;
            *out = std::string_view(arena_.data() + at, arena_.size() - at);
            return true;
        }
        if (c == '\\') {
            ++p_;
            if (!read_escape(arena_)) return false;
            continue;
        }
        if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
        arena_.push_back(c);
        ++p_;
    }
    return fail("unterminated string");
}

bool JsonCursor::read_number(double *d, int64_t *i, bool *is_int) {
    skip_ws();
    const char *start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) return fail("expected number");
    if (*p_ == '0') {
        ++p_;
    } else {
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    bool integral = true;
    if (p_ < end_ && *p_ == '.') {
        integral = false;
        ++p_;
        if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) return fail("bad number");
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
        integral = false;
        ++p_;
        if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
        if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) return fail("bad number");
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    size_t n = size_t(p_ - start);
    if (integral && n <= 18) {
        // Integer fast path (token indexes): no strtod/strtoll, exact.
        const char *q = start;
        bool negative = *q == '-';
        if (negative) ++q;
        int64_t v = 0;
        for (; q < p_; ++q) v = v * 10 + (*q - '0');
        *i = negative ? -v : v;
        *d = double(*i);
        *is_int = true;
        return true;
    }
    char buf[64];
    std::string long_number;  // the rare number that does not fit buf
    const char *text = buf;
    if (n < sizeof buf) {
        std::memcpy(buf, start, n);
        buf[n] = '\0';
    } else {
        long_number.assign(start, n);
        text = long_number.c_str();
    }
    *d = std::strtod(text, nullptr);
    // Beyond a double's range: JSON's grammar allows it, but the server's
    // decoder refuses it ("number out of range"), and so does this reader.
    if (std::isinf(*d)) return fail("number out of range");
    *is_int = false;
    if (integral) {
        errno = 0;
        long long v = std::strtoll(text, nullptr, 10);
        if (errno == 0) {
            *i = v;
            *is_int = true;
        }
    }
    return true;
}

bool JsonCursor::read_literal(std::string_view word) {
    skip_ws();
    if (size_t(end_ - p_) >= word.size() && std::memcmp(p_, word.data(), word.size()) == 0) {
        p_ += word.size();
        return true;
    }
    return fail("bad literal");
}

bool JsonCursor::skip_value(int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    char c = peek();
    switch (c) {
        case '"': {
            std::string_view s;
            size_t keep = arena_.size();
            bool ok = read_string(&s);
            arena_.resize(keep);  // skipped strings need no storage
            return ok;
        }
        case '{': {
            ++p_;
            if (consume('}')) return true;
            do {
                std::string_view key;
                size_t keep = arena_.size();
                if (!read_string(&key)) return false;
                arena_.resize(keep);
                if (!consume(':')) return fail("expected ':'");
                if (!skip_value(depth + 1)) return false;
            } while (consume(','));
            return consume('}') ? true : fail("expected '}'");
        }
        case '[': {
            ++p_;
            if (consume(']')) return true;
            do {
                if (!skip_value(depth + 1)) return false;
            } while (consume(','));
            return consume(']') ? true : fail("expected ']'");
        }
        case 't': return read_literal("true");
        case 'f': return read_literal("false");
        case 'n': return read_literal("null");
        default: {
            double d;
            int64_t i;
            bool is_int;
            return read_number(&d, &i, &is_int);
        }
    }
}

}  // namespace realm::protocol
