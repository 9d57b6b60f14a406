#include "openai_json.h"

#include <ctime>
#include <random>

#include "protocol/realm_wire.h"

namespace realm::server {
namespace {

void append_uint(std::string &out, uint64_t v) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) out.push_back(buf[--n]);
}

void append_usage(std::string &out, const Usage &u) {
    out += R"("usage":{"prompt_tokens":)";
    append_uint(out, u.prompt_tokens);
    out += R"(,"completion_tokens":)";
    append_uint(out, u.completion_tokens);
    out += R"(,"total_tokens":)";
    append_uint(out, u.prompt_tokens + u.completion_tokens);
    out += '}';
}

void append_quoted(std::string &out, std::string_view escaped) {
    out += '"';
    out += escaped;
    out += '"';
}

}  // namespace

std::string new_completion_id(OpenAiDialect dialect) {
    static std::mt19937_64 rng{std::random_device{}()};
    static const char hex[] = "0123456789abcdef";
    std::string id = dialect == OpenAiDialect::Chat ? "chatcmpl-" : "cmpl-";
    for (int half = 0; half < 2; ++half) {
        uint64_t r = rng();
        for (int i = 0; i < 16; ++i, r >>= 4) id += hex[r & 15];
    }
    return id;
}

ChunkEncoder::ChunkEncoder(OpenAiDialect dialect, const std::string &model,
                           const std::optional<std::string> &request_id)
    : dialect_(dialect) {
    wire::append_json_string(id_json_, new_completion_id(dialect));
    tail_json_ = R"(,"created":)";
    append_uint(tail_json_, static_cast<uint64_t>(std::time(nullptr)));
    tail_json_ += R"(,"model":)";
    wire::append_json_string(tail_json_, model);
    if (request_id) {
        request_id_ = R"(,"request_id":)";
        wire::append_json_string(request_id_, *request_id);
    }
}

// {"id":…,"object":…,"created":…,"model":…,"choices":[{"index":0,
void ChunkEncoder::open_choice(std::string &out, bool chunk) const {
    out += R"({"id":)";
    out += id_json_;
    if (dialect_ == OpenAiDialect::Completions)
        out += R"(,"object":"text_completion")";  // the same for chunks and whole objects
    else
        out += chunk ? R"(,"object":"chat.completion.chunk")" : R"(,"object":"chat.completion")";
    out += tail_json_;
    out += R"(,"choices":[{"index":0,)";
}

// }][,"usage":…][,"request_id":…]}
void ChunkEncoder::close(std::string &out, const Usage *usage) const {
    out += "}]";
    if (usage) {
        out += ',';
        append_usage(out, *usage);
    }
    out += request_id_;
    out += '}';
}

void ChunkEncoder::role(std::string &out) const {
    open_choice(out, true);
    out += R"("delta":{"role":"assistant"},"finish_reason":null)";
    close(out, nullptr);
}

void ChunkEncoder::content(std::string &out, std::string_view text_json) const {
    open_choice(out, true);
    if (dialect_ == OpenAiDialect::Chat) {
        out += R"("delta":{"content":)";
        append_quoted(out, text_json);
        out += R"(},"finish_reason":null)";
    } else {
        out += R"("text":)";
        append_quoted(out, text_json);
        out += R"(,"logprobs":null,"finish_reason":null)";
    }
    close(out, nullptr);
}

void ChunkEncoder::final(std::string &out, std::string_view finish_reason, const Usage *usage) const {
    open_choice(out, true);
    out += dialect_ == OpenAiDialect::Chat ? R"("delta":{},"finish_reason":)" : R"("text":"","logprobs":null,"finish_reason":)";
    append_quoted(out, finish_reason);
    close(out, usage);
}

void ChunkEncoder::usage_only(std::string &out, const Usage &usage) const {
    out += R"({"id":)";
    out += id_json_;
    out += dialect_ == OpenAiDialect::Chat ? R"(,"object":"chat.completion.chunk")" : R"(,"object":"text_completion")";
    out += tail_json_;
    out += R"(,"choices":[],)";
    append_usage(out, usage);
    out += request_id_;
    out += '}';
}

void ChunkEncoder::full(std::string &out, std::string_view text_json, std::string_view finish_reason,
                        const Usage &usage) const {
    open_choice(out, false);
    if (dialect_ == OpenAiDialect::Chat) {
        out += R"("message":{"role":"assistant","content":)";
        append_quoted(out, text_json);
        out += R"(},"finish_reason":)";
    } else {
        out += R"("text":)";
        append_quoted(out, text_json);
        out += R"(,"logprobs":null,"finish_reason":)";
    }
    append_quoted(out, finish_reason);
    close(out, &usage);
}

void ChunkEncoder::error(std::string &out, const OpenAiError &e) const { out += error_envelope(e, request_id_); }

std::string error_envelope(const OpenAiError &e, std::string_view request_id_member) {
    std::string out = R"({"error":{"message":)";
    wire::append_json_string(out, e.message);
    out += R"(,"type":)";
    wire::append_json_string(out, e.type);
    if (e.has_param) {
        out += R"(,"param":)";
        if (e.param)
            wire::append_json_string(out, *e.param);
        else
            out += "null";
    }
    out += R"(,"code":)";
    wire::append_json_string(out, e.code);
    if (e.retry_after_ms) {
        out += R"(,"retry_after_ms":)";
        append_uint(out, e.retry_after_ms);
    }
    out += '}';
    out += request_id_member;
    out += '}';
    return out;
}

std::string pong_json(std::string_view id_json) {
    std::string out = R"({"type":"pong")";
    if (!id_json.empty()) {
        out += R"(,"id":)";
        out += id_json;
    }
    out += '}';
    return out;
}

}  // namespace realm::server
