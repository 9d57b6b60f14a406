// What the libFuzzer harnesses share: a check that aborts with a message
// (libFuzzer then saves the input as a crash), the fuzz input split into
// parts, and an InboundFrame written out as text so two decodes can be
// compared field by field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
