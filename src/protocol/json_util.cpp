// JSON checks and merging for user-supplied parameters (cold path: once per
// request, on the caller's thread).
//
// Both go through JsonCursor, the strict reader the client decodes frames
// with, and not through a general JSON library: the server's decoder follows
// RFC 8259 to the letter (no raw control characters in strings, no leading
// zeros, no numbers beyond a double's range, ...) and answers anything else
// with an envelope error that names no request, so the client must refuse
// the same inputs before it sends them. Merging splices the members' text as
// written, so values reach the server exactly as the user spelled them
// (integers beyond 2^53 included).
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dialect.h"
#include "json_cursor.h"
#include "realm_wire.h"

namespace realm::protocol {
namespace {

// One member of a JSON object: its decoded key, and the source text of the
// key (quoted, as written) and of the value.
struct Member {
    std::string key;
    std::string_view key_text;
    std::string_view value_text;
};

// Reads `json` as one JSON object into `members`, in source order. False and
// *error ("<what> at byte N") when it is not exactly one valid JSON object.
bool read_object(std::string_view json, std::vector<Member> *members, std::string *error) {
    std::string arena;
    JsonCursor cur(json, arena);
    bool ok = cur.consume('{');
    if (!ok) cur.fail("expected a JSON object");
    if (ok && !cur.consume('}')) {
        do {
            Member m;
            cur.skip_ws();
            const char *key_start = cur.pos();
            std::string_view key;
            ok = cur.read_string(&key);
            if (!ok) break;
            m.key.assign(key);
            m.key_text = std::string_view(key_start, size_t(cur.pos() - key_start));
            ok = cur.consume(':');
            if (!ok) {
                cur.fail("expected ':'");
                break;
            }
            cur.skip_ws();
            const char *value_start = cur.pos();
            ok = cur.skip_value(1);
            if (!ok) break;
            m.value_text = std::string_view(value_start, size_t(cur.pos() - value_start));
            members->push_back(std::move(m));
        } while (cur.consume(','));
        if (ok && !cur.consume('}')) ok = cur.fail("expected '}'");
    }
    if (ok && !cur.at_end()) ok = cur.fail("unexpected text after the object");
    if (!ok && error) *error = cur.error();
    return ok;
}

// `out` holds "{" and the members appended so far.
void append_member(std::string &out, const Member &m) {
    if (out.size() > 1) out += ',';
    out += m.key_text;
    out += ':';
    out += m.value_text;
}

}  // namespace

bool is_valid_json(std::string_view json, std::string *error) {
    std::string arena;
    JsonCursor cur(json, arena);
    bool ok = cur.skip_value() && (cur.at_end() || cur.fail("unexpected text after the value"));
    if (!ok && error) *error = cur.error();
    return ok;
}

bool is_json_object(std::string_view json, std::string *error) {
    std::vector<Member> members;
    return read_object(json, &members, error);
}

void append_chat_messages(std::string &out, const RequestSpec &spec, size_t first) {
    out += '[';
    if (spec.kind == RequestKind::Chat) {
        for (size_t i = first; i < spec.messages.size(); ++i) {
            if (i > first) out += ',';
            out += "{\"role\":";
            wire::append_json_string(out, spec.messages[i].role);
            out += ",\"content\":";
            wire::append_json_string(out, spec.messages[i].content);
            out += '}';
        }
    } else {
        out += "{\"role\":\"user\",\"content\":";
        wire::append_json_string(out, spec.prompt);
        out += '}';
    }
    out += ']';
}

void append_json_number(std::string &out, double v) {
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, "%.17g", v);
    out.append(buf, size_t(n));
}

bool merge_json_objects(std::string &params, std::string_view extra_json, std::string *error) {
    std::vector<Member> base, extra;
    if (!read_object(params, &base, error) || !read_object(extra_json, &extra, error)) return false;
    // Of duplicate keys in `extra` the last wins (what a JSON decoder that
    // keeps one entry per key does with them); it replaces the base member.
    std::unordered_map<std::string_view, size_t> last;  // key -> index of its last occurrence in extra
    for (size_t i = 0; i < extra.size(); ++i) last[extra[i].key] = i;
    std::string merged = "{";
    merged.reserve(params.size() + extra_json.size() + 1);
    for (const Member &m : base)
        if (last.find(m.key) == last.end()) append_member(merged, m);
    for (size_t i = 0; i < extra.size(); ++i)
        if (last[extra[i].key] == i) append_member(merged, extra[i]);
    merged += '}';
    params = std::move(merged);
    return true;
}

}  // namespace realm::protocol
