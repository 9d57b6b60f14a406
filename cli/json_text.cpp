#include "json_text.h"

#include <cstdio>

namespace realm_cli {

std::string json_quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (unsigned char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
    return out;
}

std::string json_ms(double ms) {
    if (ms < 0) return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", ms);
    return buf;
}

std::string json_count(int64_t n) { return n < 0 ? "null" : std::to_string(n); }

std::string json_pretty(std::string_view json) {
    std::string out;
    int depth = 0;
    bool in_string = false, escape = false;
    auto newline = [&] {
        out += '\n';
        out.append(static_cast<size_t>(depth) * 2, ' ');
    };
    auto next_significant = [&](size_t i) {
        while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) i++;
        return i < json.size() ? json[i] : '\0';
    };
    for (size_t i = 0; i < json.size(); i++) {
        char c = json[i];
        if (in_string) {
            out += c;
            if (escape) escape = false;
            else if (c == '\\') escape = true;
            else if (c == '"') in_string = false;
            continue;
        }
        switch (c) {
        case ' ': case '\n': case '\r': case '\t': break;
        case '"': in_string = true; out += c; break;
        case '{': case '[': {
            char close = c == '{' ? '}' : ']';
            out += c;
            if (next_significant(i + 1) == close) {
                out += close;
                while (json[++i] != close) {}
            } else {
                depth++;
                newline();
            }
            break;
        }
        case '}': case ']':
            depth--;
            newline();
            out += c;
            break;
        case ',': out += c; newline(); break;
        case ':': out += ": "; break;
        default: out += c;
        }
    }
    return out;
}

}  // namespace realm_cli
