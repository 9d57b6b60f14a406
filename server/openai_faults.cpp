#include "openai_faults.h"

#include <algorithm>
#include <cmath>

namespace realm::server {
namespace {

enum Where : unsigned { kWs = 1, kHttp = 2, kBoth = 3 };

struct TypeInfo {
    const char *name;
    OpenAiFaultType type;
    unsigned where;
    bool needs_stream;  // only meaningful for an SSE / chunk stream
};

const TypeInfo kTypes[] = {
    {"drop", OpenAiFaultType::Drop, kBoth, false},
    {"stall", OpenAiFaultType::Stall, kBoth, false},
    {"malformed", OpenAiFaultType::Malformed, kBoth, false},
    {"invalid_utf8", OpenAiFaultType::InvalidUtf8, kBoth, false},
    {"split_utf8", OpenAiFaultType::SplitUtf8, kHttp, true},
    {"close", OpenAiFaultType::Close, kWs, false},
    {"backend_error", OpenAiFaultType::BackendError, kBoth, false},
    {"binary", OpenAiFaultType::Binary, kWs, false},
    {"http_status", OpenAiFaultType::HttpStatus, kHttp, false},
    {"content_type", OpenAiFaultType::ContentType, kHttp, false},
    {"endless_line", OpenAiFaultType::EndlessLine, kHttp, false},
    {"huge", OpenAiFaultType::Huge, kHttp, false},
    {"chunk_bytes", OpenAiFaultType::ChunkBytes, kHttp, false},
    {"comments", OpenAiFaultType::Comments, kHttp, true},
    {"crlf", OpenAiFaultType::Crlf, kHttp, true},
    {"done_without_finish", OpenAiFaultType::DoneWithoutFinish, kHttp, true},
};

constexpr uint64_t kMaxStallMs = 3600000;
constexpr uint64_t kMaxBytes = 16ULL << 30;  // huge / endless_line: up to 16 GiB, never held in memory

// Reads an optional non-negative integer member; "" or an error message.
std::string get_uint(const cJSON *obj, const char *key, uint64_t max, bool required, uint64_t *out) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!x || cJSON_IsNull(x)) return required ? std::string("invalid fault: missing field `") + key + "`" : "";
    double d = x->valuedouble;
    if (!cJSON_IsNumber(x) || d < 0 || std::floor(d) != d || d > static_cast<double>(max))
        return std::string("invalid fault ") + key + ": expected an integer 0.." + std::to_string(max);
    *out = static_cast<uint64_t>(d);
    return "";
}

std::string parse_one(const cJSON *v, OpenAiTransport transport, bool stream, OpenAiFault *f, bool *needs_stream) {
    if (!cJSON_IsObject(v)) return "invalid fault: expected an object with a \"type\"";
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(v, "type");
    if (!cJSON_IsString(type)) return "invalid fault: missing string field `type`";
    const TypeInfo *info = nullptr;
    for (const auto &t : kTypes)
        if (std::string(type->valuestring) == t.name) info = &t;
    if (!info) return std::string("invalid fault: unknown type `") + type->valuestring + "`";
    unsigned here = transport == OpenAiTransport::WebSocket ? kWs : kHttp;
    if (!(info->where & here))
        return std::string("fault `") + info->name + "` is only available over " +
               (info->where == kWs ? "WebSocket" : "HTTP");
    if (info->needs_stream && !stream) return std::string("fault `") + info->name + "` needs \"stream\":true";
    *needs_stream = info->needs_stream;
    f->type = info->type;
    std::string err = get_uint(v, "after", UINT64_MAX, false, &f->after);
    if (!err.empty()) return err;
    switch (f->type) {
        case OpenAiFaultType::Stall:
            return get_uint(v, "ms", kMaxStallMs, true, &f->ms);
        case OpenAiFaultType::EndlessLine: {
            err = get_uint(v, "bytes", kMaxBytes, true, &f->bytes);
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "close");
            if (c && !cJSON_IsBool(c)) return "invalid fault close: expected a boolean";
            f->close = cJSON_IsTrue(c);
            return err;
        }
        case OpenAiFaultType::Huge:
            return get_uint(v, "bytes", kMaxBytes, true, &f->bytes);
        case OpenAiFaultType::ChunkBytes:
            err = get_uint(v, "bytes", 1 << 20, true, &f->bytes);
            if (err.empty() && f->bytes == 0) err = "invalid fault bytes: must be at least 1";
            return err;
        case OpenAiFaultType::Close: {
            uint64_t code = 4000;
            err = get_uint(v, "code", 4999, false, &code);
            if (!err.empty()) return err;
            if (code < 1000) return "invalid fault code: must be 1000..4999";
            f->code = static_cast<uint16_t>(code);
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "reason");
            if (r && !cJSON_IsString(r)) return "invalid fault reason: expected a string";
            if (r) f->reason = std::string(r->valuestring).substr(0, 123);  // close payload limit
            return "";
        }
        case OpenAiFaultType::HttpStatus: {
            uint64_t status = 0;
            err = get_uint(v, "status", 599, true, &status);
            if (!err.empty()) return err;
            if (status < 200) return "invalid fault status: must be 200..599";
            f->status = static_cast<int>(status);
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(v, "body");
            if (b) {
                if (!cJSON_IsString(b)) return "invalid fault body: expected \"json\", \"html\", \"empty\" or \"text\"";
                f->body = b->valuestring;
                if (f->body != "json" && f->body != "html" && f->body != "empty" && f->body != "text")
                    return "invalid fault body: expected \"json\", \"html\", \"empty\" or \"text\"";
            }
            const cJSON *ra = cJSON_GetObjectItemCaseSensitive(v, "retry_after");
            if (cJSON_IsString(ra)) {
                f->retry_after = std::string(ra->valuestring);
                if (f->retry_after->find_first_of("\r\n") != std::string::npos)
                    return "invalid fault retry_after: no line breaks";
            } else if (cJSON_IsNumber(ra)) {
                char buf[32];
                snprintf(buf, sizeof buf, "%.15g", ra->valuedouble);
                f->retry_after = std::string(buf);
            } else if (ra && !cJSON_IsNull(ra)) {
                return "invalid fault retry_after: expected a string or a number";
            }
            return "";
        }
        case OpenAiFaultType::ContentType: {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "value");
            if (!c) c = cJSON_GetObjectItemCaseSensitive(v, "content_type");
            if (!cJSON_IsString(c)) return "invalid fault: missing string field `value`";
            f->reason = c->valuestring;  // the header value
            if (f->reason.find_first_of("\r\n") != std::string::npos) return "invalid fault value: no line breaks";
            return "";
        }
        default:
            return "";
    }
}

}  // namespace

bool OpenAiFaults::any() const {
    return !timed.empty() || http_status || endless_line || huge || !content_type.empty() || chunk_bytes || comments ||
           crlf || done_without_finish;
}

std::string parse_openai_faults(const cJSON *v, OpenAiTransport transport, bool stream, OpenAiFaults *out) {
    std::vector<const cJSON *> items;
    if (cJSON_IsArray(v)) {
        for (const cJSON *item = v->child; item; item = item->next) items.push_back(item);
    } else {
        items.push_back(v);
    }
    OpenAiFaults faults;
    for (const cJSON *item : items) {
        OpenAiFault f;
        bool needs_stream = false;
        std::string err = parse_one(item, transport, stream, &f, &needs_stream);
        if (!err.empty()) return err;
        switch (f.type) {
            case OpenAiFaultType::HttpStatus: faults.http_status = f; break;
            case OpenAiFaultType::EndlessLine: faults.endless_line = f; break;
            case OpenAiFaultType::Huge: faults.huge = f; break;
            case OpenAiFaultType::ContentType: faults.content_type = f.reason; break;
            case OpenAiFaultType::ChunkBytes: faults.chunk_bytes = f.bytes; break;
            case OpenAiFaultType::Comments: faults.comments = true; break;
            case OpenAiFaultType::Crlf: faults.crlf = true; break;
            case OpenAiFaultType::DoneWithoutFinish: faults.done_without_finish = true; break;
            default: faults.timed.push_back(std::move(f)); break;
        }
    }
    std::stable_sort(faults.timed.begin(), faults.timed.end(),
                     [](const OpenAiFault &a, const OpenAiFault &b) { return a.after < b.after; });
    *out = std::move(faults);
    return "";
}

}  // namespace realm::server
