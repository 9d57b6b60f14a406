// What the libFuzzer harnesses share: a check that aborts with a message
// (libFuzzer then saves the input as a crash), the fuzz input split into
// parts, and an InboundFrame written out as text so two decodes can be
// compared field by field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/dialect.h"
#include "protocol/realm_wire.h"

#define FUZZ_CHECK(cond, what)                                                                 \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n  (%s)\n", __FILE__,      \
                         __LINE__, std::string(what).c_str(), #cond);                          \
            std::abort();                                                                      \
        }                                                                                      \
    } while (0)

namespace realm::fuzz {

inline bool utf8(std::string_view s) { return wire::is_valid_utf8(s); }

// Splits `in` at every `sep` byte (the harnesses take several messages from
// one input this way; the seeds are written the same way).
inline std::vector<std::string_view> split(std::string_view in, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    for (size_t i = 0; i <= in.size(); ++i) {
        if (i == in.size() || in[i] == sep) {
            out.push_back(in.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

inline void put(std::string &out, const char *name, std::string_view v) {
    out += name;
    out += '=';
    out += std::to_string(v.size());
    out += ':';
    out.append(v.data(), v.size());
    out += ' ';
}
inline void put(std::string &out, const char *name, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s=%.17g ", name, v);
    out += buf;
}

// Every field of a decoded frame, for comparing two decodes of the same message.
inline std::string describe(const protocol::InboundFrame &f) {
    std::string s;
    put(s, "kind", double(int(f.kind)));
    put(s, "id", f.id);
    put(s, "has_id", double(f.has_id));
    put(s, "blame", double(int(f.blame)));
    put(s, "text", f.text);
    put(s, "has_text", double(f.has_text));
    put(s, "delta", double(f.text_is_delta));
    put(s, "index", double(f.index));
    put(s, "final", double(f.is_final));
    put(s, "has_logprob", double(f.has_logprob));
    if (f.has_logprob) put(s, "logprob", f.logprob);
    put(s, "finish", f.finish_reason);
    put(s, "pt", double(f.prompt_tokens));
    put(s, "ct", double(f.completion_tokens));
    put(s, "tt", double(f.total_tokens));
    put(s, "data", f.data_json);
    put(s, "tokens", double(f.tokens_generated));
    if (f.has_cost) put(s, "cost", f.cost_usd);
    if (f.has_time) put(s, "time", f.time_ms);
    put(s, "status", double(f.status));
    put(s, "code", f.code);
    put(s, "message", f.message);
    put(s, "etype", f.error_type);
    put(s, "eparam", f.error_param);
    put(s, "retry", double(f.retry_after_ms));
    put(s, "http", double(f.http_status));
    put(s, "retryable", double(f.retryable));
    put(s, "tenant", f.tenant_id);
    put(s, "has_tenant", double(f.has_tenant));
    put(s, "version", f.version);
    put(s, "model", f.model);
    put(s, "has_ext", double(f.has_extensions));
    for (auto e : f.extensions) put(s, "ext", e);
    put(s, "problem", f.problem);
    return s;
}

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The fields describe() writes, compared without formatting (35 snprintf /
// to_string calls per frame were most of the cost of the harnesses that
// compare two decodes of every message). true implies equal descriptions;
// on false, compare the descriptions (two NaNs with other payloads, for
// instance, describe the same) and report those.
inline bool same(const protocol::InboundFrame &a, const protocol::InboundFrame &b) {
    return a.kind == b.kind && a.id == b.id && a.has_id == b.has_id && a.blame == b.blame && a.text == b.text &&
           a.has_text == b.has_text && a.text_is_delta == b.text_is_delta && a.index == b.index &&
           a.is_final == b.is_final && a.has_logprob == b.has_logprob &&
           (!a.has_logprob || same_bits(a.logprob, b.logprob)) && a.finish_reason == b.finish_reason &&
           a.prompt_tokens == b.prompt_tokens && a.completion_tokens == b.completion_tokens &&
           a.total_tokens == b.total_tokens && a.data_json == b.data_json &&
           a.tokens_generated == b.tokens_generated && a.has_cost == b.has_cost &&
           (!a.has_cost || same_bits(a.cost_usd, b.cost_usd)) && a.has_time == b.has_time &&
           (!a.has_time || same_bits(a.time_ms, b.time_ms)) && a.status == b.status && a.code == b.code &&
           a.message == b.message && a.error_type == b.error_type && a.error_param == b.error_param &&
           a.retry_after_ms == b.retry_after_ms && a.http_status == b.http_status &&
           a.retryable == b.retryable && a.tenant_id == b.tenant_id && a.has_tenant == b.has_tenant &&
           a.version == b.version && a.model == b.model && a.has_extensions == b.has_extensions &&
           a.extensions == b.extensions && a.problem == b.problem;
}

// A decoder that accepted a message that is valid UTF-8 must hand out only
// valid UTF-8 (a \u escape must not make a lone surrogate).
inline void check_strings_utf8(const protocol::InboundFrame &f, const std::string &ctx) {
    if (f.kind == protocol::FrameKind::Invalid) return;
    for (std::string_view v : {f.id, f.text, f.finish_reason, f.code, f.message, f.error_type, f.error_param,
                               f.tenant_id, f.version, f.model, f.data_json})
        FUZZ_CHECK(utf8(v), ctx + ": decoded string is not valid UTF-8: " + describe(f));
    for (auto e : f.extensions) FUZZ_CHECK(utf8(e), ctx + ": extension is not valid UTF-8");
}

}  // namespace realm::fuzz
