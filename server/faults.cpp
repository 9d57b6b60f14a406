#include "faults.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "serde/server_params.h"

namespace realm::server {
namespace {

struct TypeName {
    const char *name;
    FaultType type;
};
const TypeName kTypes[] = {
    {"drop", FaultType::Drop},
    {"stall", FaultType::Stall},
    {"malformed", FaultType::Malformed},
    {"invalid_utf8", FaultType::InvalidUtf8},
    {"oversized", FaultType::Oversized},
    {"close", FaultType::Close},
    {"backend_error", FaultType::BackendError},
    {"unknown_id", FaultType::UnknownId},
    {"wrong_types", FaultType::WrongTypes},
    {"binary", FaultType::Binary},
    {"fragmented", FaultType::Fragmented},
};

constexpr uint64_t kMaxOversizedBytes = 256ULL << 20;
constexpr uint64_t kMaxStallMs = 3600000;

std::string parse_one(const serde::Value &v, Fault *f) {
    if (!v.is_object()) return "invalid fault: expected an object with a \"type\"";
    const serde::Value *type = v.get("type");
    if (!type || !type->is_string()) return "invalid fault: missing string field `type`";
    bool known = false;
    for (const auto &t : kTypes)
        if (type->as_string() == t.name) {
            f->type = t.type;
            known = true;
        }
    if (!known) return "invalid fault: unknown type `" + type->as_string() + "`";
    std::string err;
    auto number = [&](const char *key, uint64_t max, uint64_t *out, bool required) {
        const serde::Value *x = v.get(key);
        if (!x) {
            if (required) err = std::string("invalid fault: missing field `") + key + "`";
            return err.empty();
        }
        std::string e = serde::value_to_unsigned(*x, "u64", max, out);
        if (!e.empty()) err = std::string("invalid fault ") + key + ": " + e;
        return err.empty();
    };
    if (!number("after", UINT64_MAX, &f->after, false)) return err;
    switch (f->type) {
        case FaultType::Stall:
            if (!number("ms", kMaxStallMs, &f->ms, true)) return err;
            break;
        case FaultType::Oversized:
            if (!number("bytes", kMaxOversizedBytes, &f->bytes, true)) return err;
            break;
        case FaultType::Close: {
            uint64_t code = 4000;
            if (!number("code", 4999, &code, false)) return err;
            if (code < 1000) return "invalid fault code: must be 1000..4999";
            f->code = static_cast<uint16_t>(code);
            if (const serde::Value *r = v.get("reason")) {
                if (!r->is_string()) return "invalid fault reason: expected a string";
                f->reason = r->as_string().substr(0, 123);  // close payload limit
            }
            break;
        }
        default:
            break;
    }
    return "";
}

}  // namespace

std::string parse_faults(const serde::Value &v, std::vector<Fault> *out) {
    std::vector<Fault> faults;
    if (v.kind() == serde::Value::Kind::Array) {
        for (const auto &item : v.items()) {
            Fault f;
            std::string err = parse_one(item, &f);
            if (!err.empty()) return err;
            faults.push_back(std::move(f));
        }
    } else {
        Fault f;
        std::string err = parse_one(v, &f);
        if (!err.empty()) return err;
        faults.push_back(std::move(f));
    }
    std::stable_sort(faults.begin(), faults.end(), [](const Fault &a, const Fault &b) { return a.after < b.after; });
    *out = std::move(faults);
    return "";
}

ConnectionFaults connection_faults_from_query(lws *wsi) {
    ConnectionFaults f;
    char buf[256];
    for (int n = 0; n < 32; ++n) {
        int len = lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, n);
        if (len < 0) break;
        const char *eq = std::strchr(buf, '=');
        if (!eq) continue;
        std::string key(buf, static_cast<size_t>(eq - buf));
        std::string value(eq + 1);
        if (key == "fault") {
            if (value == "refuse_auth") f.refuse_auth = true;
            if (value == "reject_upgrade") f.reject_upgrade = true;
            if (value == "close_after_welcome") f.close_after_welcome = true;
            if (value == "no_welcome") f.no_welcome = true;
        } else if (key == "status") {
            int s = std::atoi(value.c_str());
            if (s >= 100 && s <= 599) f.reject_status = s;
        } else if (key == "code") {
            int c = std::atoi(value.c_str());
            if (c >= 1000 && c <= 4999) f.close_code = static_cast<uint16_t>(c);
        }
    }
    return f;
}

}  // namespace realm::server
