// The Realm frame decoder (realm.md sections 5, 7, 12; realm-extensions.md).
// Frames are routed as the spec says: `type` -> handshake, `id` + `status`
// -> response, `status:"connected"` without `id` -> welcome, anything else ->
// connection-level notice. Error codes are mapped to statuses here, and the
// retry-after of a rate limit is derived (realm.md 8.2).
#include <cstring>

#include "protocol/json_cursor.h"
#include "protocol/realm/realm_dialect.h"
#include "protocol/realm_wire.h"

namespace realm::protocol {
namespace {

// Advances past a run of string bytes that need no decoding; returns the
// position of the closing quote, or nullptr if the run has an escape, a
// control byte or no end (the caller then falls back to the full decoder).
const char *plain_string_end(const char *p, const char *end) {
    for (; p < end; ++p) {
        unsigned char c = static_cast<unsigned char>(*p);
        if (c == '"') return p;
        if (c == '\\' || c < 0x20) return nullptr;
    }
    return nullptr;
}

bool starts_with(const char *&p, const char *end, std::string_view lit) {
    if (size_t(end - p) < lit.size() || std::memcmp(p, lit.data(), lit.size()) != 0) return false;
    p += lit.size();
    return true;
}

// The hot path: a token frame in the exact shape upstream and realm-server
// emit, {"id":"…","status":"streaming","data":{"index":N,"is_final":B,"text":"…"}},
// with no escapes. Anything else returns false and takes the full decoder.
bool decode_token_fast(std::string_view frame, InboundFrame &f) {
    const char *p = frame.data(), *end = p + frame.size();
    if (!starts_with(p, end, "{\"id\":\"")) return false;
    const char *id = p;
    p = plain_string_end(p, end);
    if (!p) return false;
    f.id = std::string_view(id, size_t(p - id));
    if (!starts_with(p, end, "\",\"status\":\"streaming\",\"data\":{\"index\":")) return false;
    int64_t index = 0;
    const char *digits = p;
    while (p < end && *p >= '0' && *p <= '9' && p - digits < 18) index = index * 10 + (*p++ - '0');
    if (p == digits || (*digits == '0' && p - digits > 1)) return false;
    if (!starts_with(p, end, ",\"is_final\":")) return false;
    if (starts_with(p, end, "true")) f.is_final = true;
    else if (!starts_with(p, end, "false")) return false;
    if (!starts_with(p, end, ",\"text\":\"")) return false;
    const char *text = p;
    p = plain_string_end(p, end);
    if (!p) return false;
    f.text = std::string_view(text, size_t(p - text));
    if (!starts_with(p, end, "\"}}") || p != end) return false;
    f.index = index;
    f.has_id = true;
    f.has_text = true;
    f.kind = FrameKind::Token;
    return true;
}

}  // namespace

// Reads the `data` value: records its raw span, and picks the fields the
// client understands when it is an object.
bool RealmDialect::read_data(JsonCursor &c, InboundFrame &f, bool *text_wrong_type) {
    c.skip_ws();
    const char *start = c.pos();
    if (c.peek() != '{') {
        if (!c.skip_value()) return false;
        f.data_json = std::string_view(start, size_t(c.pos() - start));
        return true;
    }
    c.consume('{');
    if (!c.consume('}')) {
        do {
            std::string_view key;
            if (!c.read_string(&key) || !c.consume(':')) return c.fail("bad data member");
            char next = c.peek();
            if (key == "text" || key == "token") {
                // "token" is an alias some servers use (realm.md 12.5).
                if (next == '"') {
                    if (!c.read_string(&f.text)) return false;
                    f.has_text = true;
                } else {
                    *text_wrong_type = true;
                    if (!c.skip_value()) return false;
                }
            } else if (key == "index" || key == "tokens_generated" || key == "prompt_tokens" ||
                       key == "logprob" || key == "cost_usd" || key == "time_ms") {
                if (next == 'n') {
                    if (!c.read_literal("null")) return false;
                    continue;
                }
                if (next != '-' && !(next >= '0' && next <= '9')) {
                    if (key == "index") *text_wrong_type = true;
                    if (!c.skip_value()) return false;
                    continue;
                }
                double d;
                int64_t i = 0;
                bool is_int;
                if (!c.read_number(&d, &i, &is_int)) return false;
                if (key == "index") f.index = JsonCursor::to_int64(d, i, is_int);
                else if (key == "tokens_generated") f.tokens_generated = JsonCursor::to_int64(d, i, is_int);
                else if (key == "prompt_tokens") f.prompt_tokens = JsonCursor::to_int64(d, i, is_int);
                else if (key == "logprob") { f.has_logprob = true; f.logprob = d; }
                else if (key == "cost_usd") { f.has_cost = true; f.cost_usd = d; }
                else { f.has_time = true; f.time_ms = d; }
            } else if (key == "is_final") {
                if (next == 't') {
                    if (!c.read_literal("true")) return false;
                    f.is_final = true;
                } else if (!c.skip_value()) {
                    return false;
                }
            } else if (!c.skip_value()) {
                return false;
            }
        } while (c.consume(','));
        if (!c.consume('}')) return c.fail("expected '}' after data");
    }
    f.data_json = std::string_view(start, size_t(c.pos() - start));
    return true;
}

bool RealmDialect::read_error(JsonCursor &c, InboundFrame &f) {
    char next = c.peek();
    if (next == '"') return c.read_string(&f.message);  // auth_failed / notices
    if (next != '{') return c.skip_value();
    c.consume('{');
    if (c.consume('}')) return true;
    do {
        std::string_view key;
        if (!c.read_string(&key) || !c.consume(':')) return c.fail("bad error member");
        if ((key == "code" || key == "message") && c.peek() == '"') {
            if (!c.read_string(key == "code" ? &f.code : &f.message)) return false;
        } else if (key == "details" && c.peek() == '{') {
            c.consume('{');
            if (!c.consume('}')) {
                do {
                    std::string_view dk;
                    if (!c.read_string(&dk) || !c.consume(':')) return c.fail("bad details member");
                    char n = c.peek();
                    if (dk == "retry_after_ms" && (n == '-' || (n >= '0' && n <= '9'))) {
                        double d;
                        int64_t i = 0;
                        bool is_int;
                        if (!c.read_number(&d, &i, &is_int)) return false;
                        f.retry_after_ms = JsonCursor::to_int64(d + 0.999, i, is_int);  // rounded up
                    } else if (!c.skip_value()) {
                        return false;
                    }
                } while (c.consume(','));
                if (!c.consume('}')) return c.fail("expected '}' after details");
            }
        } else if (!c.skip_value()) {
            return false;
        }
    } while (c.consume(','));
    return c.consume('}') ? true : c.fail("expected '}' after error");
}

void RealmDialect::decode(std::string_view frame, InboundFrame &f) {
    f.clear();
    if (decode_token_fast(frame, f)) return;
    f.is_final = false;

    JsonCursor c(frame, arena_);
    std::string_view status, type, auth_error;
    bool has_status = false, has_type = false, has_data = false, has_error = false;
    bool id_wrong_type = false, text_wrong_type = false, status_wrong_type = false;

    auto invalid = [&](const std::string &why) {
        f.kind = FrameKind::Invalid;
        f.problem = why;
    };

    if (!c.consume('{')) return invalid(c.at_end() ? "empty frame" : "frame is not a JSON object");
    if (!c.consume('}')) {
        do {
            std::string_view key;
            if (!c.read_string(&key) || !c.consume(':')) return invalid("malformed JSON: " + c.error());
            char next = c.peek();
            bool ok = true;
            if (key == wire::kId) {
                if (next == '"') { ok = c.read_string(&f.id); f.has_id = ok; }
                else { id_wrong_type = true; ok = c.skip_value(); }
            } else if (key == wire::kStatus) {
                if (next == '"') { ok = c.read_string(&status); has_status = ok; }
                else { status_wrong_type = true; ok = c.skip_value(); }
            } else if (key == "type" && next == '"') {
                ok = c.read_string(&type);
                has_type = ok;
            } else if (key == wire::kData) {
                has_data = true;
                ok = read_data(c, f, &text_wrong_type);
            } else if (key == wire::kError) {
                has_error = true;
                ok = read_error(c, f);
            } else if (key == wire::kTenantId) {
                if (next == '"') { ok = c.read_string(&f.tenant_id); f.has_tenant = ok; }
                else ok = c.skip_value();
            } else if (key == "version" && next == '"') {
                ok = c.read_string(&f.version);
            } else if (key == "message" && next == '"') {
                ok = c.read_string(&f.message);
            } else if (key == "extensions" && next == '[') {
                c.consume('[');
                f.has_extensions = true;
                if (!c.consume(']')) {
                    do {
                        if (c.peek() == '"') {
                            std::string_view ext;
                            ok = c.read_string(&ext);
                            if (ok) f.extensions.push_back(ext);
                        } else {
                            ok = c.skip_value();
                        }
                    } while (ok && c.consume(','));
                    if (ok && !c.consume(']')) ok = c.fail("expected ']'");
                }
            } else {
                ok = c.skip_value();
            }
            if (!ok) return invalid("malformed JSON: " + c.error());
        } while (c.consume(','));
        if (!c.consume('}')) return invalid("malformed JSON: expected '}' or ','");
    }
    if (!c.at_end()) return invalid("trailing data after the JSON object");

    if (has_type) {
        if (type == wire::kAuthRequired) f.kind = FrameKind::AuthRequired;
        else if (type == wire::kAuthSuccess) f.kind = FrameKind::AuthSuccess;
        else if (type == wire::kAuthFailed) f.kind = FrameKind::AuthFailed;
        else f.kind = FrameKind::Notice;
        return;
    }
    if (id_wrong_type) return invalid("field 'id' is not a string");
    if (f.has_id && (has_status || status_wrong_type)) {
        if (status_wrong_type) return invalid("field 'status' is not a string");
        if (status == wire::kStreaming) {
            if (text_wrong_type || !f.has_text) return invalid("streaming frame without a string 'text'");
            f.kind = FrameKind::Token;
        } else if (status == wire::kComplete) {
            if (!has_data) f.data_json = "null";
            if (text_wrong_type) return invalid("complete frame with a non-string 'text'");
            f.kind = FrameKind::Complete;
        } else if (status == wire::kErrorStatus) {
            if (!has_error || f.code.empty()) return invalid("error frame without an error code");
            f.kind = FrameKind::Error;
            map_error(f);
            if (f.id == "unknown") {
                // realm.md 5.1: the server could not read what we sent last.
                f.has_id = false;
                f.blame = Blame::LastSent;
            }
        } else if (status == wire::kCancelled) {
            f.kind = FrameKind::Cancelled;
        } else {
            return invalid("unknown status '" + std::string(status.substr(0, 32)) + "'");
        }
        return;
    }
    if (has_status && status == wire::kConnected && !f.has_id) {
        f.kind = FrameKind::Welcome;
        return;
    }
    f.kind = FrameKind::Notice;
}

}  // namespace realm::protocol
