#include "protocol/tekton/tekton_codec.h"

#include <charconv>
#include <cmath>

#include "protocol/dialect.h"
#include "protocol/json_cursor.h"
#include "protocol/realm_wire.h"

namespace realm::protocol::tekton {
namespace {

constexpr const char *kDefaultContextId = "librealm";
constexpr const char *kDefaultProviderId = "realm";
constexpr double kDefaultTemperature = 0.7;  // the Python client's default

bool read_int(JsonCursor &c, int64_t *out) {
    double d;
    int64_t i;
    bool is_int;
    if (!c.read_number(&d, &i, &is_int)) return false;
    *out = JsonCursor::to_int64(d, i, is_int);
    return true;
}

// A string, or null (left empty); anything else is skipped as "not set" and
// noted as the reply's first wrong type.
bool read_optional_string(JsonCursor &c, std::string_view key, std::string_view *out, Reply &r) {
    char p = c.peek();
    if (p == '"') return c.read_string(out);
    if (p != 'n' && r.wrong_type.empty()) r.wrong_type = key;
    return c.skip_value();
}

bool read_usage(JsonCursor &c, Reply &r) {
    if (c.peek() != '{') return c.skip_value();
    c.consume('{');
    if (c.consume('}')) return true;
    do {
        std::string_view key;
        if (!c.read_string(&key) || !c.consume(':')) return false;
        int64_t *slot = key == "prompt_tokens" ? &r.prompt_tokens
                        : key == "completion_tokens" ? &r.completion_tokens
                        : key == "total_tokens" ? &r.total_tokens
                                                : nullptr;
        char p = c.peek();
        if (slot && (p == '-' || (p >= '0' && p <= '9'))) {
            if (!read_int(c, slot)) return false;
        } else if (!c.skip_value()) {
            return false;
        }
    } while (c.consume(','));
    return c.consume('}');
}

// The shortest text that reads back as `v` (0.7, not 0.69999999999999996),
// as Python's json module writes it.
void append_number(std::string &out, double v) {
    if (!std::isfinite(v)) return append_json_number(out, v);
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

bool read_reply(std::string_view json, std::string &arena, Reply &r) {
    JsonCursor c(json, arena);
    if (!c.consume('{')) return false;
    if (!c.consume('}')) {
        do {
            std::string_view key;
            if (!c.read_string(&key) || !c.consume(':')) return false;
            bool ok;
            if (key == "chunk" || key == "content") {
                ok = read_optional_string(c, key, &r.text, r);
                r.has_text = r.has_text || !r.text.empty();
            } else if (key == "done") {
                char p = c.peek();
                if (p == 't') {
                    ok = r.done = c.read_literal("true");
                } else {
                    if (p != 'f' && p != 'n' && r.wrong_type.empty()) r.wrong_type = key;
                    ok = c.skip_value();
                }
            } else if (key == "error") {
                ok = read_optional_string(c, key, &r.error, r);
            } else if (key == "finish_reason") {
                ok = read_optional_string(c, key, &r.finish_reason, r);
            } else if (key == "model") {
                ok = read_optional_string(c, key, &r.model, r);
            } else if (key == "type") {
                ok = read_optional_string(c, key, &r.type, r);
            } else if (key == "request_id") {
                ok = read_optional_string(c, key, &r.request_id, r);
                r.has_request_id = !r.request_id.empty();
            } else if (key == "usage") {
                ok = read_usage(c, r);
            } else {
                ok = c.skip_value();
            }
            if (!ok) return false;
        } while (c.consume(','));
        if (!c.consume('}')) return false;
    }
    return c.at_end();
}

bool append_messages(std::string &out, const RequestSpec &spec, std::string_view *system_prompt) {
    size_t first = 0;
    if (spec.kind == RequestKind::Chat && !spec.messages.empty() && spec.messages[0].role == "system") {
        *system_prompt = spec.messages[0].content;
        first = 1;
    }
    out += "\"messages\":";
    append_chat_messages(out, spec, first);
    return first == 1;
}

void append_prompt(std::string &out, const RequestSpec &spec) {
    out += "\"prompt\":";
    wire::append_json_string(out, spec.prompt);
}

void append_routing(std::string &out, const Sampling &g) {
    out += ",\"context_id\":\"";
    out += kDefaultContextId;
    out += "\",\"provider_id\":\"";
    out += kDefaultProviderId;
    out += '"';
    if (!g.model.empty()) {
        out += ",\"model_id\":";
        wire::append_json_string(out, g.model);
    }
}

void append_system_prompt(std::string &out, std::string_view system_prompt) {
    out += ",\"system_prompt\":";
    wire::append_json_string(out, system_prompt);
}

void append_options(std::string &out, const Sampling &g) {
    out += ",\"options\":{\"temperature\":";
    append_number(out, g.temperature >= 0 ? g.temperature : kDefaultTemperature);
    out += ",\"fallback_provider\":null,\"fallback_model\":null";
    // The client sends the others only when truthy (tekton.md 2.3).
    if (g.max_tokens > 0) out += ",\"max_tokens\":" + std::to_string(g.max_tokens);
    if (!g.stop.empty()) {
        out += ",\"stop\":[";
        for (size_t i = 0; i < g.stop.size(); ++i) {
            if (i) out += ',';
            wire::append_json_string(out, g.stop[i]);
        }
        out += ']';
    }
    if (g.top_p > 0) out += ",\"top_p\":", append_number(out, g.top_p);
    if (g.top_k > 0) out += ",\"top_k\":" + std::to_string(g.top_k);
    if (g.has_presence_penalty && g.presence_penalty != 0)
        out += ",\"presence_penalty\":", append_number(out, g.presence_penalty);
    if (g.has_frequency_penalty && g.frequency_penalty != 0)
        out += ",\"frequency_penalty\":", append_number(out, g.frequency_penalty);
    out += '}';
}

void merge_extra(std::string &out, size_t start, std::string_view extra_json) {
    if (extra_json.empty()) return;  // checked by the C shim
    std::string body = out.substr(start);
    merge_json_objects(body, extra_json, nullptr);
    out.resize(start);
    out += body;
}

}  // namespace realm::protocol::tekton
