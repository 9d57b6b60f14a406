#include "realm_wire.h"

#include <cstdint>
#include <cstring>
#include <cwctype>

namespace realm::wire {
namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length (0 if malformed) and
// the code point in *cp.
size_t decode_utf8(std::string_view s, size_t i, uint32_t *cp) {
    const auto *p = reinterpret_cast<const unsigned char *>(s.data()) + i;
    size_t left = s.size() - i;
    unsigned char c = p[0];
    if (c < 0x80) { *cp = c; return 1; }
    size_t n;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) { n = 2; v = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 3; v = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { n = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (left < n) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return n;
}

// Unicode "alphanumeric" as Rust's char::is_alphanumeric, approximated with
// the C library's wide-character classes (the server runs in a UTF-8 locale
// agnostic way: ASCII is exact, non-ASCII letters and digits are accepted).
bool is_unicode_alnum(uint32_t cp) {
    if (cp < 0x80) return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
    // Non-ASCII: accept everything that is not punctuation, space, symbol or
    // control in the common blocks. iswalnum needs a UTF-8 locale, which a
    // library must not set, so use block ranges of letters and digits instead.
    if (cp >= 0x00C0 && cp <= 0x024F && cp != 0x00D7 && cp != 0x00F7) return true;  // Latin-1/Ext
    if (cp >= 0x0370 && cp <= 0x03FF && cp != 0x037E && cp != 0x0387) return true;  // Greek
    if (cp >= 0x0400 && cp <= 0x052F) return true;                                   // Cyrillic
    if (cp >= 0x0590 && cp <= 0x06FF) return cp >= 0x05D0;                           // Hebrew/Arabic letters
    if (cp >= 0x0900 && cp <= 0x0DFF) return true;                                   // Indic
    if (cp >= 0x3040 && cp <= 0x30FF) return true;                                   // Kana
    if (cp >= 0x3400 && cp <= 0x9FFF) return true;                                   // CJK
    if (cp >= 0xAC00 && cp <= 0xD7A3) return true;                                   // Hangul
    if (cp >= 0xFF10 && cp <= 0xFF19) return true;                                   // fullwidth digits
    if (cp >= 0xFF21 && cp <= 0xFF5A && !(cp > 0xFF3A && cp < 0xFF41)) return true;  // fullwidth letters
    if (cp >= 0x20000 && cp <= 0x3134F) return true;                                 // CJK ext
    return false;
}

}  // namespace

std::string tenant_id_problem(std::string_view tenant) {
    if (tenant.size() < 3 || tenant.size() > 64)
        return "Tenant ID must be between 3 and 64 characters, got " + std::to_string(tenant.size());
    for (size_t i = 0; i < tenant.size();) {
        uint32_t cp = 0;
        size_t n = decode_utf8(tenant, i, &cp);
        if (n == 0 || !(cp == '-' || cp == '_' || is_unicode_alnum(cp)))
            return "Tenant ID must contain only alphanumeric characters, hyphens, and underscores";
        i += n;
    }
    return {};
}

void append_json_string(std::string &out, std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    out.push_back('"');
    size_t run = 0;  // start of the pending run of bytes that need no escaping
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out.append("\\\""); break;
            case '\\': out.append("\\\\"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            case '\b': out.append("\\b"); break;
            case '\f': out.append("\\f"); break;
            default: {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                out.append(esc, 6);
            }
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

void append_utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

int hex_digit_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_valid_utf8(std::string_view s) {
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    size_t n = s.size(), i = 0;
    while (i < n) {
        // Fast path: 8 ASCII bytes at a time.
        if (i + 8 <= n) {
            uint64_t w;
            std::memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) { i += 8; continue; }
        }
        if (p[i] < 0x80) { ++i; continue; }
        uint32_t cp;
        size_t k = decode_utf8(s, i, &cp);
        if (k == 0) return false;
        i += k;
    }
    return true;
}

long long parse_retry_after_seconds(std::string_view message) {
    static constexpr std::string_view kLead = "Try again in ";
    size_t at = message.find(kLead);
    if (at == std::string_view::npos) return -1;
    size_t i = at + kLead.size();
    long long v = 0;
    size_t digits = 0;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9' && digits < 12) {
        v = v * 10 + (message[i] - '0');
        ++i;
        ++digits;
    }
    if (digits == 0 || message.substr(i, 8) != " seconds") return -1;
    return v;
}

}  // namespace realm::wire
