#include "protocol/ws_system/ws_system_frame.h"

#include "protocol/json_cursor.h"

namespace realm::protocol::ws_system {
namespace {

bool is_number_start(char p) { return p == '-' || (p >= '0' && p <= '9'); }

// A string member; null or another type leaves it empty (skipped).
bool read_text(JsonCursor &c, std::string_view *out) {
    if (c.peek() == '"') return c.read_string(out);
    return c.skip_value();
}

bool read_int(JsonCursor &c, int64_t *out) {
    if (!is_number_start(c.peek())) return c.skip_value();
    double d;
    int64_t i;
    bool is_int;
    if (!c.read_number(&d, &i, &is_int)) return false;
    *out = JsonCursor::to_int64(d, i, is_int);
    return true;
}

bool read_bool(JsonCursor &c, bool *out, bool *present = nullptr) {
    char p = c.peek();
    if (p == 't' || p == 'f') {
        bool v = p == 't';
        if (!c.read_literal(v ? "true" : "false")) return false;
        *out = v;
        if (present) *present = true;
        return true;
    }
    return c.skip_value();
}

// ws-system.md 5: an `error` that is an object gives its `message`, else its
// JSON text.
bool read_error(JsonCursor &c, std::string_view *out) {
    char p = c.peek();
    if (p == '"') return c.read_string(out);
    if (p != '{') return c.skip_value();
    const char *start = c.pos();
    while (*start != '{') ++start;  // skip the blanks peek() passed over
    JsonCursor probe = c;  // reads ahead for `message`
    std::string_view message;
    bool found = false;
    probe.consume('{');
    if (!probe.consume('}')) {
        do {
            std::string_view key;
            if (!probe.read_string(&key) || !probe.consume(':')) return false;
            if (key == "message" && probe.peek() == '"') {
                if (!probe.read_string(&message)) return false;
                found = true;
            } else if (!probe.skip_value()) {
                return false;
            }
        } while (probe.consume(','));
        if (!probe.consume('}')) return false;
    }
    if (!c.skip_value()) return false;
    *out = found ? message : std::string_view(start, size_t(c.pos() - start));
    return true;
}

}  // namespace

bool read_frame(std::string_view message, std::string &arena, Frame &f, std::string *problem) {
    f = Frame{};
    JsonCursor c(message, arena);
    if (!c.consume('{')) {
        *problem = "not a JSON object";
        return false;
    }
    bool has_type = false;
    if (!c.consume('}')) {
        do {
            std::string_view key;
            if (!c.read_string(&key) || !c.consume(':')) {
                *problem = c.error().empty() ? "malformed JSON" : c.error();
                return false;
            }
            bool ok;
            if (key == "type") {
                ok = c.peek() == '"' ? (has_type = c.read_string(&f.type)) : c.skip_value();
            } else if (key == "id") {
                ok = c.peek() == '"' ? (f.has_id = c.read_string(&f.id)) : c.skip_value();
            } else if (key == "token") {
                ok = read_text(c, &f.token);
            } else if (key == "model") {
                ok = read_text(c, &f.model);
            } else if (key == "code") {
                ok = read_text(c, &f.code);
            } else if (key == "requestId") {
                ok = read_text(c, &f.request_id);
            } else if (key == "challenge") {
                ok = read_text(c, &f.challenge);
            } else if (key == "error") {
                ok = read_error(c, &f.error);
            } else if (key == "models") {
                const char *start = c.pos();
                ok = c.skip_value();
                if (ok) {
                    while (start < c.pos() && (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r'))
                        ++start;
                    f.models = std::string_view(start, size_t(c.pos() - start));
                }
            } else if (key == "success") {
                ok = read_bool(c, &f.success, &f.has_success);
            } else if (key == "isCancelled") {
                ok = read_bool(c, &f.is_cancelled);
            } else if (key == "totalTokens") {
                ok = read_int(c, &f.total_tokens);
            } else if (key == "elapsedTime") {
                if (is_number_start(c.peek())) {
                    int64_t i;
                    bool is_int;
                    ok = c.read_number(&f.elapsed_ms, &i, &is_int);
                    f.has_elapsed = ok;
                } else {
                    ok = c.skip_value();  // null in a rare race (ws-system.md 4.1)
                }
            } else if (key == "retryAfter") {
                ok = read_int(c, &f.retry_after_s);
            } else if (key == "remainingAttempts") {
                ok = read_int(c, &f.remaining_attempts);
            } else {
                ok = c.skip_value();
            }
            if (!ok) {
                *problem = c.error().empty() ? "malformed JSON" : c.error();
                return false;
            }
        } while (c.consume(','));
        if (!c.consume('}')) {
            *problem = c.error().empty() ? "malformed JSON object" : c.error();
            return false;
        }
    }
    if (!c.at_end()) {
        *problem = "data after the JSON object";
        return false;
    }
    if (!has_type) {
        *problem = "frame without a string \"type\"";
        return false;
    }
    return true;
}

}  // namespace realm::protocol::ws_system
