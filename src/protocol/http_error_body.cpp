// read_error_body(): a readable message out of whatever a server sends with an
// error status (an OpenAI envelope, other JSON shapes, HTML, plain text),
// bounded and cleaned so that it can go straight into an error message.
#include "http_response.h"

#include "http_text.h"
#include "json_cursor.h"
#include "realm_wire.h"

#include <algorithm>
#include <cstring>

namespace realm::protocol {
namespace {

using http_text::iequals;
using http_text::is_digit;
using http_text::lower;

// Only this much of an error body is examined, whatever its size.
constexpr size_t kScanLimit = 64 * 1024;
// Bound of the code, type and param strings taken from a body.
constexpr size_t kMaxField = 128;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim_space(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Position of `needle` (lower-case ASCII) in `hay` from `from`, ignoring
// ASCII case; npos if absent.
size_t find_ci(std::string_view hay, std::string_view needle, size_t from = 0) {
    if (needle.empty()) return std::string_view::npos;
    for (size_t i = from; i + needle.size() <= hay.size(); ++i)
        if (lower(hay[i]) == needle[0] && iequals(hay.substr(i, needle.size()), needle)) return i;
    return std::string_view::npos;
}

void append_replacement(std::string &out) { out.append("\xEF\xBF\xBD"); }

// Length of the well-formed UTF-8 sequence at s[i] (0 if malformed); *cp set.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t *cp) {
    const auto *p = reinterpret_cast<const unsigned char *>(s.data()) + i;
    size_t left = s.size() - i;
    unsigned char c = p[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (left < n) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return n;
}

// Makes a message out of arbitrary bytes: valid UTF-8 (a malformed byte
// becomes U+FFFD), one line (C0/C1 controls and line separators become
// spaces, runs of spaces collapse, ends trimmed), at most `limit` bytes (cut
// on a character boundary, "..." appended). `limit` >= 4.
std::string clean_text(std::string_view text, size_t limit) {
    std::string out;
    out.reserve(std::min(text.size(), limit) + 4);
    bool space = false;
    for (size_t i = 0; i < text.size() && out.size() <= limit;) {
        uint32_t cp = 0;
        size_t n = utf8_sequence(text, i, &cp);
        const bool bad = n == 0;
        if (bad) n = 1;
        if (!bad && (cp <= 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0xA0) || cp == 0x2028 || cp == 0x2029)) {
            space = !out.empty();  // controls, NUL, NBSP and line breaks: one space
        } else {
            if (space) out.push_back(' ');
            space = false;
            if (bad) append_replacement(out);
            else out.append(text.data() + i, n);
        }
        i += n;
    }
    if (out.size() > limit) {
        size_t k = limit - 3;
        while (k > 0 && (static_cast<unsigned char>(out[k]) & 0xC0) == 0x80) --k;
        out.resize(k);
        while (!out.empty() && out.back() == ' ') out.pop_back();
        out += "...";
    }
    return out;
}

std::string status_line(int status) {
    std::string s = "HTTP " + std::to_string(status);
    std::string_view reason = reason_phrase(status);
    if (!reason.empty()) {
        s += ' ';
        s += reason;
    }
    return s;
}

// Appends `text` with the common HTML character references decoded.
void append_decoded_html(std::string &out, std::string_view text) {
    for (size_t i = 0; i < text.size();) {
        const void *amp = std::memchr(text.data() + i, '&', text.size() - i);
        size_t at = amp ? size_t(static_cast<const char *>(amp) - text.data()) : text.size();
        out.append(text.data() + i, at - i);
        if (at == text.size()) break;
        // A reference is short: look for its ';' within 10 bytes only (a
        // page full of '&' stays linear).
        size_t semi = text.substr(0, at + 11).find(';', at + 1);
        std::string_view ref =
            semi != std::string_view::npos ? text.substr(at + 1, semi - at - 1) : std::string_view();
        bool done = true;
        if (ref == "amp") out += '&';
        else if (ref == "lt") out += '<';
        else if (ref == "gt") out += '>';
        else if (ref == "quot") out += '"';
        else if (ref == "apos") out += '\'';
        else if (ref == "nbsp") out += ' ';
        else if (ref.size() >= 2 && ref[0] == '#') {
            bool hex = ref[1] == 'x' || ref[1] == 'X';
            std::string_view digits = ref.substr(hex ? 2 : 1);
            uint32_t cp = 0;
            bool ok = !digits.empty();
            for (char c : digits) {
                int v = hex ? wire::hex_digit_value(static_cast<unsigned char>(c)) : (is_digit(c) ? c - '0' : -1);
                if (v < 0 || cp > 0x10FFFF) {
                    ok = false;
                    break;
                }
                cp = cp * (hex ? 16 : 10) + uint32_t(v);
            }
            if (ok && cp != 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) wire::append_utf8(out, cp);
            else if (ok) append_replacement(out);
            else done = false;
        } else {
            done = false;
        }
        if (done) {
            i = semi + 1;
        } else {
            out += '&';
            i = at + 1;
        }
    }
}

// The <title> of an HTML page, else its text without tags, scripts, styles
// and comments.
std::string html_text(std::string_view html) {
    std::string out;
    size_t t = find_ci(html, "<title");
    if (t != std::string_view::npos) {
        size_t gt = html.find('>', t);
        size_t close = gt == std::string_view::npos ? gt : find_ci(html, "</title", gt);
        if (close != std::string_view::npos) {
            append_decoded_html(out, html.substr(gt + 1, close - gt - 1));
            if (!trim_space(out).empty()) return out;
            out.clear();
        }
    }
    size_t i = 0;
    while (i < html.size()) {
        size_t lt = html.find('<', i);
        if (lt == std::string_view::npos) lt = html.size();
        append_decoded_html(out, html.substr(i, lt - i));
        if (lt == html.size()) break;
        std::string_view rest = html.substr(lt);
        size_t skip_to;
        if (rest.substr(0, 4) == "<!--") {
            size_t e = html.find("-->", lt + 4);
            skip_to = e == std::string_view::npos ? html.size() : e + 3;
        } else if (find_ci(rest.substr(0, 7), "<script") == 0 || find_ci(rest.substr(0, 6), "<style") == 0) {
            std::string_view close = find_ci(rest.substr(0, 7), "<script") == 0 ? "</script" : "</style";
            size_t e = find_ci(html, close, lt + 1);
            size_t gt = e == std::string_view::npos ? e : html.find('>', e);
            skip_to = gt == std::string_view::npos ? html.size() : gt + 1;
        } else {
            size_t gt = html.find('>', lt + 1);
            skip_to = gt == std::string_view::npos ? html.size() : gt + 1;
        }
        out += ' ';  // "<p>a</p><p>b</p>" reads "a b"
        i = skip_to;
    }
    return out;
}

// What the JSON shapes of error bodies say. Views point into the body or the
// cursor's arena.
struct JsonFindings {
    bool envelope = false;  // "error" was an object
    std::string_view env_message, env_type, env_param, env_code;
    bool has_error_text = false;
    std::string_view error_text;
    bool has_detail = false;
    std::string detail;
    bool has_message = false;
    std::string_view message;
    bool has_top_string = false;
    std::string_view top_string;
    bool any() const {
        return envelope || has_error_text || has_detail || has_message || has_top_string;
    }
};

constexpr int kOwnDepth = 4;  // nesting this reader walks itself before skip_value

template <class F>
bool for_each_member(JsonCursor &c, F &&on_member) {
    if (!c.consume('{')) return c.fail("expected '{'");
    if (c.consume('}')) return true;
    do {
        std::string_view key;
        if (!c.read_string(&key)) return false;
        if (!c.consume(':')) return c.fail("expected ':'");
        if (!on_member(key)) return false;
    } while (c.consume(','));
    return c.consume('}') ? true : c.fail("expected '}'");
}

// A string value, or null / any other value (skipped; *out left empty).
bool read_string_or_skip(JsonCursor &c, std::string_view *out) {
    if (c.peek() == '"') return c.read_string(out);
    return c.skip_value(kOwnDepth);
}

// A code: string, number (its text) or null.
bool read_code(JsonCursor &c, std::string_view *out) {
    char p = c.peek();
    if (p == '"') return c.read_string(out);
    if (p == '-' || is_digit(p)) {
        const char *start = c.pos();
        double d;
        int64_t i;
        bool is_int;
        if (!c.read_number(&d, &i, &is_int)) return false;
        *out = std::string_view(start, size_t(c.pos() - start));
        return true;
    }
    return c.skip_value(kOwnDepth);
}

// One FastAPI detail item: a string, or an object's "msg" (or "message").
bool read_detail_item(JsonCursor &c, std::string &detail) {
    std::string_view text;
    if (c.peek() == '"') {
        if (!c.read_string(&text)) return false;
    } else if (c.peek() == '{') {
        std::string_view msg, message;
        bool ok = for_each_member(c, [&](std::string_view key) {
            if (key == "msg") return read_string_or_skip(c, &msg);
            if (key == "message") return read_string_or_skip(c, &message);
            return c.skip_value(kOwnDepth);
        });
        if (!ok) return false;
        text = !msg.empty() ? msg : message;
    } else {
        return c.skip_value(kOwnDepth);
    }
    if (!text.empty()) {
        if (!detail.empty()) detail += "; ";
        detail.append(text.data(), text.size());
    }
    return true;
}

bool read_json_body(JsonCursor &c, JsonFindings &f) {
    char first = c.peek();
    if (first == '"') {
        if (!c.read_string(&f.top_string)) return false;
        f.has_top_string = true;
        return c.at_end();
    }
    if (first != '{') return c.skip_value() && c.at_end();
    bool ok = for_each_member(c, [&](std::string_view key) {
        if (key == "error") {
            char p = c.peek();
            if (p == '{') {
                f.envelope = true;
                return for_each_member(c, [&](std::string_view k) {
                    if (k == "message") return read_string_or_skip(c, &f.env_message);
                    if (k == "type") return read_string_or_skip(c, &f.env_type);
                    if (k == "param") return read_string_or_skip(c, &f.env_param);
                    if (k == "code") return read_code(c, &f.env_code);
                    return c.skip_value(kOwnDepth);
                });
            }
            if (p == '"') {
                f.has_error_text = true;
                return c.read_string(&f.error_text);
            }
            return c.skip_value(kOwnDepth);
        }
        if (key == "detail") {
            char p = c.peek();
            if (p == '"' || p == '{') {
                f.has_detail = true;
                return read_detail_item(c, f.detail);
            }
            if (p == '[') {
                f.has_detail = true;
                c.consume('[');
                if (c.consume(']')) return true;
                do {
                    if (!read_detail_item(c, f.detail)) return false;
                } while (c.consume(','));
                return c.consume(']') ? true : c.fail("expected ']'");
            }
            return c.skip_value(kOwnDepth);
        }
        if (key == "message") {
            if (c.peek() == '"') {
                f.has_message = true;
                return c.read_string(&f.message);
            }
            return c.skip_value(kOwnDepth);
        }
        return c.skip_value(kOwnDepth);
    });
    return ok && c.at_end();
}

bool is_json_media(std::string_view mt) {
    return mt == "application/json" || mt == "text/json" ||
           (mt.size() > 5 && mt.substr(mt.size() - 5) == "+json");
}

}  // namespace

HttpErrorBody read_error_body(int status, std::string_view content_type, std::string_view body,
                              size_t max_message) {
    HttpErrorBody out;
    const size_t limit = std::max<size_t>(max_message, 4);
    try {
        const bool truncated = body.size() > kScanLimit;
        body = body.substr(0, kScanLimit);
        if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
        body = trim_space(body);
        const std::string mt = media_type(content_type);

        std::string text;  // the message before cleaning
        bool found = false;
        if (!body.empty() && (body[0] == '{' || body[0] == '[' || body[0] == '"' || is_json_media(mt))) {
            std::string arena;
            JsonCursor c(body, arena);
            JsonFindings f;
            bool valid = read_json_body(c, f);
            // A body cut at the scan limit is not valid JSON, but what was read
            // before the cut still counts.
            if (valid || (truncated && f.any())) {
                found = true;
                if (f.envelope) {
                    out.type = clean_text(f.env_type, kMaxField);
                    out.param = clean_text(f.env_param, kMaxField);
                    out.code = clean_text(!f.env_code.empty() ? f.env_code : f.env_type, kMaxField);
                }
                if (!f.env_message.empty()) text = f.env_message;
                else if (f.has_error_text) text = f.error_text;
                else if (f.has_detail) text = f.detail;
                else if (f.has_message) text = f.message;
                else if (f.has_top_string) text = f.top_string;
                else if (!f.envelope) text = body;  // valid JSON of another shape: show it
            }
        }
        if (!found && !body.empty()) {
            bool html = mt == "text/html" || mt == "application/xhtml+xml" || (mt != "text/plain" && body[0] == '<');
            text = html ? html_text(body) : std::string(body);
        }
        out.message = clean_text(text, limit);
    } catch (...) {
        // Out of memory: the status line below still says what happened.
        out.message.clear();
    }
    if (out.message.empty()) {
        try {
            out.message = clean_text(status_line(status), limit);
        } catch (...) {
        }
    }
    return out;
}

}  // namespace realm::protocol
