#include "protocol/openai/openai_codec.h"

#include <algorithm>
#include <cstring>

#include "protocol/json_cursor.h"
#include "protocol/realm_wire.h"

namespace realm::protocol::openai {
namespace {

void append_key(std::string &out, const char *key) {
    out += ",\"";
    out += key;
    out += "\":";
}

// Reads a string or null; anything else is a type error.
bool read_optional_string(JsonCursor &c, std::string_view *out, bool *present, bool *wrong_type) {
    char next = c.peek();
    if (next == '"') {
        *present = c.read_string(out);
        return *present;
    }
    if (next == 'n') return c.read_literal("null");
    *wrong_type = true;
    return c.skip_value();
}

// Reads an integer or null into *out (-1 for null).
bool read_optional_count(JsonCursor &c, int64_t *out) {
    char next = c.peek();
    if (next == 'n') return c.read_literal("null");
    if (next != '-' && !(next >= '0' && next <= '9')) return c.skip_value();
    double d;
    int64_t i = 0;
    bool is_int;
    if (!c.read_number(&d, &i, &is_int)) return false;
    *out = JsonCursor::to_int64(d, i, is_int);
    return true;
}

struct ChoiceFields {
    std::string_view text;
    bool has_text = false;
    std::string_view finish_reason;
    bool wrong_type = false;
};

// Reads {"content": string|null, ...} of delta / message.
bool read_content_holder(JsonCursor &c, ChoiceFields &ch) {
    if (c.peek() != '{') return c.skip_value();  // e.g. null delta
    c.consume('{');
    if (c.consume('}')) return true;
    do {
        std::string_view key;
        if (!c.read_string(&key) || !c.consume(':')) return c.fail("bad member");
        if (key == "content") {
            if (!read_optional_string(c, &ch.text, &ch.has_text, &ch.wrong_type)) return false;
        } else if (!c.skip_value()) {
            return false;
        }
    } while (c.consume(','));
    return c.consume('}') || c.fail("expected '}'");
}

// Reads one element of "choices". Sets *index (0 when absent).
bool read_choice(JsonCursor &c, ChoiceFields &ch, int64_t *index) {
    if (c.peek() != '{') {
        ch.wrong_type = true;
        return c.skip_value();
    }
    c.consume('{');
    *index = 0;
    if (c.consume('}')) return true;
    do {
        std::string_view key;
        if (!c.read_string(&key) || !c.consume(':')) return c.fail("bad choice member");
        bool ok;
        if (key == "delta" || key == "message") {
            ok = read_content_holder(c, ch);
        } else if (key == "text") {
            ok = read_optional_string(c, &ch.text, &ch.has_text, &ch.wrong_type);
        } else if (key == "finish_reason") {
            bool present = false;
            ok = read_optional_string(c, &ch.finish_reason, &present, &ch.wrong_type);
        } else if (key == "index") {
            ok = read_optional_count(c, index);
        } else {
            ok = c.skip_value();
        }
        if (!ok) return false;
    } while (c.consume(','));
    return c.consume('}') || c.fail("expected '}' after a choice");
}

bool read_usage(JsonCursor &c, InboundFrame &f, bool *has_usage) {
    if (c.peek() != '{') return c.skip_value();  // "usage": null
    c.consume('{');
    *has_usage = true;
    if (c.consume('}')) return true;
    do {
        std::string_view key;
        if (!c.read_string(&key) || !c.consume(':')) return c.fail("bad usage member");
        bool ok;
        if (key == "prompt_tokens") ok = read_optional_count(c, &f.prompt_tokens);
        else if (key == "completion_tokens") ok = read_optional_count(c, &f.completion_tokens);
        else if (key == "total_tokens") ok = read_optional_count(c, &f.total_tokens);
        else ok = c.skip_value();
        if (!ok) return false;
    } while (c.consume(','));
    return c.consume('}') || c.fail("expected '}' after usage");
}

// {"message","type","param","code", "retry_after_ms" (librealm extension)}.
bool read_error_object(JsonCursor &c, InboundFrame &f) {
    c.consume('{');
    if (c.consume('}')) return true;
    do {
        std::string_view key;
        if (!c.read_string(&key) || !c.consume(':')) return c.fail("bad error member");
        char next = c.peek();
        bool ok;
        if ((key == "message" || key == "type" || key == "param" || key == "code") && next == '"') {
            std::string_view *dst = key == "message" ? &f.message
                                    : key == "type"  ? &f.error_type
                                    : key == "param" ? &f.error_param
                                                     : &f.code;
            ok = c.read_string(dst);
        } else if (key == "code" && (next == '-' || (next >= '0' && next <= '9'))) {
            // Some servers send numeric codes (e.g. 429): keep the digits.
            c.skip_ws();
            const char *start = c.pos();
            ok = c.skip_value();
            f.code = std::string_view(start, size_t(c.pos() - start));
        } else if (key == "retry_after_ms") {
            ok = read_optional_count(c, &f.retry_after_ms);
        } else {
            ok = c.skip_value();
        }
        if (!ok) return false;
    } while (c.consume(','));
    return c.consume('}') || c.fail("expected '}' after error");
}

}  // namespace

void encode_body(std::string &out, const RequestSpec &spec, Endpoint endpoint, const BodyOptions &opts) {
    const Sampling &g = spec.sampling;
    size_t start = out.size();  // `out` may hold a frame's headroom
    out += '{';
    bool first = true;
    auto key = [&](const char *k) {
        if (!first) out += ',';
        first = false;
        out += '"';
        out += k;
        out += "\":";
    };
    if (!g.model.empty()) {
        key("model");
        wire::append_json_string(out, g.model);
    }
    if (endpoint == Endpoint::Chat) {
        key("messages");
        append_chat_messages(out, spec);
    } else {
        key("prompt");
        wire::append_json_string(out, spec.prompt);
    }
    if (g.max_tokens >= 0) append_key(out, "max_tokens"), out += std::to_string(g.max_tokens);
    if (g.temperature >= 0) append_key(out, "temperature"), append_json_number(out, g.temperature);
    if (g.top_p >= 0) append_key(out, "top_p"), append_json_number(out, g.top_p);
    if (g.top_k >= 0) append_key(out, "top_k"), out += std::to_string(g.top_k);
    if (g.repetition_penalty >= 0) append_key(out, "repetition_penalty"), append_json_number(out, g.repetition_penalty);
    if (g.has_presence_penalty) append_key(out, "presence_penalty"), append_json_number(out, g.presence_penalty);
    if (g.has_frequency_penalty) append_key(out, "frequency_penalty"), append_json_number(out, g.frequency_penalty);
    if (g.has_seed) append_key(out, "seed"), out += std::to_string(g.seed);
    if (!g.stop.empty()) {
        append_key(out, "stop");
        out += '[';
        for (size_t i = 0; i < g.stop.size(); ++i) {
            if (i) out += ',';
            wire::append_json_string(out, g.stop[i]);
        }
        out += ']';
    }
    out += g.stream ? ",\"stream\":true" : ",\"stream\":false";
    if (g.stream && opts.include_usage) out += ",\"stream_options\":{\"include_usage\":true}";
    if (!opts.request_id.empty()) {
        append_key(out, "request_id");
        wire::append_json_string(out, opts.request_id);
    }
    out += '}';
    if (!spec.extra_json.empty()) {
        // Checked by the C shim before the request was accepted.
        std::string body = out.substr(start);
        merge_json_objects(body, spec.extra_json, nullptr);
        out.resize(start);
        out += body;
    }
}

void Decoder::decode(std::string_view json, InboundFrame &f) {
    if (has_template_ && decode_like_template(json, f)) return;
    decode_full(json, f);
    learn_template(json, f);
}

namespace {
// Length of the plain JSON string content at the start of `s` (up to its
// closing quote), or npos when it has an escape or a control byte or no end.
size_t plain_string_length(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"') return i;
        if (c == '\\' || c < 0x20) return std::string_view::npos;
    }
    return std::string_view::npos;
}

bool has_at(std::string_view s, size_t at, const std::string &part) {
    return s.size() >= at && s.size() - at >= part.size() && std::memcmp(s.data() + at, part.data(), part.size()) == 0;
}
}  // namespace

bool Decoder::decode_like_template(std::string_view json, InboundFrame &f) const {
    const Template &t = template_;
    std::string_view text, id;
    size_t pos = 0;
    for (size_t i = 0;; ++i) {
        if (!has_at(json, pos, t.pieces[i])) return false;
        pos += t.pieces[i].size();
        if (i == t.slots.size()) break;
        size_t len = plain_string_length(json.substr(pos));
        if (len == std::string_view::npos) return false;
        if (t.slots[i] == Slot::Text) text = json.substr(pos, len);
        else if (t.slots[i] == Slot::RequestId) id = json.substr(pos, len);
        pos += len;
    }
    if (pos != json.size()) return false;
    f.clear();
    f.kind = FrameKind::Token;
    f.text = text;
    f.has_text = true;
    f.model = template_model_;  // part of the template's fixed text: the same in every match
    f.id = id;
    f.has_id = id.data() != nullptr;
    return true;
}

void Decoder::learn_template(std::string_view json, const InboundFrame &f) {
    // Only plain content chunks: text read straight from the message (no
    // escapes), nothing else of note in it.
    if (f.kind != FrameKind::Token || !f.has_text || f.text.empty() || !f.finish_reason.empty() ||
        f.prompt_tokens >= 0 || f.completion_tokens >= 0 || f.total_tokens >= 0)
        return;
    const char *begin = json.data(), *end = begin + json.size();
    auto inside = [&](std::string_view v) { return v.data() >= begin && v.data() + v.size() <= end; };
    struct Cut {
        size_t at, len;
        Slot slot;
    };
    std::vector<Cut> cuts;
    if (!inside(f.text)) return;
    cuts.push_back({size_t(f.text.data() - begin), f.text.size(), Slot::Text});
    if (f.has_id) {
        if (!inside(f.id)) return;
        cuts.push_back({size_t(f.id.data() - begin), f.id.size(), Slot::RequestId});
    }
    if (chunk_id_.data() && inside(chunk_id_))
        cuts.push_back({size_t(chunk_id_.data() - begin), chunk_id_.size(), Slot::ChunkId});
    std::sort(cuts.begin(), cuts.end(), [](const Cut &a, const Cut &b) { return a.at < b.at; });
    Template t;
    size_t pos = 0;
    for (const Cut &c : cuts) {
        if (c.at < pos) return;  // overlapping views: not a shape we know
        t.pieces.emplace_back(json.substr(pos, c.at - pos));
        t.slots.push_back(c.slot);
        pos = c.at + c.len;
    }
    t.pieces.emplace_back(json.substr(pos));
    template_ = std::move(t);
    template_model_.assign(f.model);
    has_template_ = true;
}

void Decoder::decode_full(std::string_view json, InboundFrame &f) {
    f.clear();
    chunk_id_ = {};
    JsonCursor c(json, arena_);
    auto invalid = [&](std::string why) {
        f.kind = FrameKind::Invalid;
        f.problem = std::move(why);
    };
    if (!c.consume('{')) return invalid(c.at_end() ? "empty message" : "message is not a JSON object");
    bool has_error = false, has_choices = false, has_usage = false, has_type = false;
    std::string_view type;
    ChoiceFields choice;
    size_t choice_count = 0;
    bool choice_seen = false;
    if (!c.consume('}')) {
        do {
            std::string_view key;
            if (!c.read_string(&key) || !c.consume(':')) return invalid("malformed JSON: " + c.error());
            char next = c.peek();
            bool ok = true;
            if (key == "choices") {
                if (next != '[') return invalid("'choices' is not an array");
                has_choices = true;
                c.consume('[');
                if (!c.consume(']')) {
                    do {
                        ChoiceFields ch;
                        int64_t index = 0;
                        ok = read_choice(c, ch, &index);
                        if (!ok) break;
                        ++choice_count;
                        // Only the first choice (index 0) is the answer; n > 1 is not supported.
                        if (!choice_seen && index == 0) {
                            choice = ch;
                            choice_seen = true;
                        }
                    } while (c.consume(','));
                    if (ok && !c.consume(']')) ok = c.fail("expected ']' after choices");
                }
            } else if (key == "usage") {
                ok = read_usage(c, f, &has_usage);
            } else if (key == "error") {
                has_error = true;
                if (next == '{') ok = read_error_object(c, f);
                else if (next == '"') ok = c.read_string(&f.message);
                else ok = c.skip_value();
            } else if (key == "id" && next == '"') {
                ok = c.read_string(&chunk_id_);
            } else if (key == "model" && next == '"') {
                ok = c.read_string(&f.model);
            } else if (key == "request_id" && next == '"') {
                ok = c.read_string(&f.id);
                f.has_id = ok;
            } else if (key == "type" && next == '"') {
                ok = c.read_string(&type);
                has_type = ok;
            } else {
                ok = c.skip_value();
            }
            if (!ok) return invalid("malformed JSON: " + c.error());
        } while (c.consume(','));
        if (!c.consume('}')) return invalid("malformed JSON: expected '}' or ','");
    }
    if (!c.at_end()) return invalid("trailing data after the JSON object");

    if (has_error) {
        f.kind = FrameKind::Error;
        if (f.message.empty()) f.message = f.code.empty() ? std::string_view("the server reported an error") : f.code;
        f.status = error_status(f.code, f.error_type, 0, &f.retryable);
        if (f.status == REALM_ERR_RATE_LIMITED && f.retry_after_ms < 0) {
            long long secs = wire::parse_retry_after_seconds(f.message);
            if (secs >= 0) f.retry_after_ms = (secs < 1 ? 1 : secs) * 1000;
        }
        return;
    }
    if (has_type && !has_choices) {
        f.kind = type == "pong" ? FrameKind::Pong : FrameKind::Notice;
        f.code = type;
        return;
    }
    if (!has_choices) return invalid("a chunk without 'choices'");
    if (choice_count == 0) {
        if (!has_usage) return invalid("a chunk with an empty 'choices' array and no usage");
        f.kind = FrameKind::Token;
        return;
    }
    if (choice.wrong_type) return invalid("a choice whose content, text or finish_reason is not a string");
    if (!choice_seen) {
        f.kind = FrameKind::Token;  // only choices other than 0 (n > 1): nothing for us
        return;
    }
    f.kind = FrameKind::Token;
    f.text = choice.text;
    f.has_text = choice.has_text;
    f.finish_reason = choice.finish_reason;
}

realm_status_t error_status(std::string_view code, std::string_view type, int http_status, int *retryable) {
    *retryable = -1;
    auto is = [&](std::string_view v) { return code == v || type == v; };
    if (http_status) {
        if (http_status == 401 || http_status == 403) return REALM_ERR_UNAUTHORIZED;
        if (http_status == 404) return REALM_ERR_NOT_FOUND;
        if (http_status == 408 || http_status == 504) return REALM_ERR_TIMEOUT;
        if (http_status == 429) {
            if (is("insufficient_quota")) {
                *retryable = 0;  // paying, not waiting, fixes it
                return REALM_ERR_SERVER;
            }
            return REALM_ERR_RATE_LIMITED;
        }
        if (http_status >= 500) {
            *retryable = 1;
            return REALM_ERR_SERVER_INTERNAL;
        }
        if (http_status >= 400) return REALM_ERR_INVALID_REQUEST;
        return REALM_ERR_SERVER;
    }
    if (is("invalid_api_key") || is("authentication_error") || is("permission_error")) return REALM_ERR_UNAUTHORIZED;
    if (is("rate_limit_exceeded") || is("rate_limit_error")) return REALM_ERR_RATE_LIMITED;
    if (is("model_not_found") || is("not_found_error")) return REALM_ERR_NOT_FOUND;
    if (code == "server_error" || type == "server_error" || is("internal_error")) return REALM_ERR_SERVER_INTERNAL;
    if (is("invalid_request_error") || is("invalid_json") || is("context_length_exceeded")) return REALM_ERR_INVALID_REQUEST;
    return REALM_ERR_SERVER;
}

}  // namespace realm::protocol::openai
