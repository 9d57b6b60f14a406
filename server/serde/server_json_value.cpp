#include "server_json_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "protocol/realm_wire.h"

namespace realm::serde {

Value Value::object(std::vector<Member> members) {
    // stable_sort keeps insertion order among equal keys; keep the last one.
    std::stable_sort(members.begin(), members.end(),
                     [](const Member &a, const Member &b) { return a.first < b.first; });
    std::vector<Member> unique;
    unique.reserve(members.size());
    for (auto &m : members) {
        if (!unique.empty() && unique.back().first == m.first)
            unique.back().second = std::move(m.second);
        else
            unique.push_back(std::move(m));
    }
    Value v;
    v.kind_ = Kind::Object;
    v.members_ = std::move(unique);
    return v;
}

double Value::as_f64() const {
    switch (kind_) {
        case Kind::U64: return static_cast<double>(u_);
        case Kind::I64: return static_cast<double>(i_);
        default: return f_;
    }
}

const Value *Value::get(std::string_view key) const {
    if (kind_ != Kind::Object) return nullptr;
    auto it = std::lower_bound(members_.begin(), members_.end(), key,
                               [](const Member &m, std::string_view k) { return m.first < k; });
    if (it == members_.end() || it->first != key) return nullptr;
    return &it->second;
}

std::string Value::unexpected() const {
    switch (kind_) {
        case Kind::Null: return "null";
        case Kind::Bool: return std::string("boolean `") + (b_ ? "true" : "false") + "`";
        case Kind::U64: return "integer `" + std::to_string(u_) + "`";
        case Kind::I64: return "integer `" + std::to_string(i_) + "`";
        case Kind::F64: return "floating point `" + rust_float_display(f_) + "`";
        case Kind::String: return "string " + rust_string_debug(s_);
        case Kind::Array: return "sequence";
        case Kind::Object: return "map";
    }
    return "null";
}

void Value::append_json(std::string &out) const {
    switch (kind_) {
        case Kind::Null: out += "null"; break;
        case Kind::Bool: out += b_ ? "true" : "false"; break;
        case Kind::U64: out += std::to_string(u_); break;
        case Kind::I64: out += std::to_string(i_); break;
        case Kind::F64: {
            // serde_json prints floats with a decimal point or exponent;
            // %.17g round-trips, which is all a reader needs.
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", f_);
            out += buf;
            if (!std::strpbrk(buf, ".eE")) out += ".0";
            break;
        }
        case Kind::String: wire::append_json_string(out, s_); break;
        case Kind::Array:
            out.push_back('[');
            for (size_t i = 0; i < items_.size(); ++i) {
                if (i) out.push_back(',');
                items_[i].append_json(out);
            }
            out.push_back(']');
            break;
        case Kind::Object:
            out.push_back('{');
            for (size_t i = 0; i < members_.size(); ++i) {
                if (i) out.push_back(',');
                wire::append_json_string(out, members_[i].first);
                out.push_back(':');
                members_[i].second.append_json(out);
            }
            out.push_back('}');
            break;
    }
}

std::string rust_float_display(double f) {
    if (std::isnan(f)) return "NaN";
    if (std::isinf(f)) return f < 0 ? "-inf" : "inf";
    // Shortest digit string that reads back as the same double.
    char buf[40];
    int prec = 1;
    for (; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*e", prec - 1, f);
        if (std::strtod(buf, nullptr) == f) break;
    }
    // buf = [-]d.ddde[+-]XX
    std::string s(buf);
    bool negative = s[0] == '-';
    if (negative) s.erase(0, 1);
    size_t e = s.find('e');
    int exp10 = std::atoi(s.c_str() + e + 1);
    std::string digits;
    for (size_t i = 0; i < e; ++i)
        if (s[i] != '.') digits.push_back(s[i]);
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    std::string out = negative ? "-" : "";
    int n = static_cast<int>(digits.size());
    if (exp10 >= n - 1) {
        out += digits;
        out.append(static_cast<size_t>(exp10 - (n - 1)), '0');
        out += ".0";  // WithDecimalPoint
    } else if (exp10 >= 0) {
        out += digits.substr(0, static_cast<size_t>(exp10 + 1));
        out += '.';
        out += digits.substr(static_cast<size_t>(exp10 + 1));
    } else {
        out += "0.";
        out.append(static_cast<size_t>(-exp10 - 1), '0');
        out += digits;
    }
    return out;
}

std::string rust_string_debug(std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '"': out += "\\\""; continue;
            case '\\': out += "\\\\"; continue;
            case '\n': out += "\\n"; continue;
            case '\r': out += "\\r"; continue;
            case '\t': out += "\\t"; continue;
            case '\0': out += "\\0"; continue;
            default: break;
        }
        if (c < 0x20 || c == 0x7f) {
            out += "\\u{";
            if (c >= 16) out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
            out += "}";
        } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
            // C1 controls U+0080..U+009F are not printable either.
            unsigned char cp = static_cast<unsigned char>(s[i + 1]);
            out += "\\u{";
            out.push_back(hex[cp >> 4]);
            out.push_back(hex[cp & 15]);
            out += "}";
            ++i;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    out += "\"";
    return out;
}

}  // namespace realm::serde
