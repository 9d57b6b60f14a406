// The OpenAI shapes at decoder level: every exchange of openai-ws.md section
// 10 (tests/data/openai-ws-vectors.json, read at run time), the request
// bodies, the HTTP dialect's endpoints and error mapping, and bad input.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "protocol/openai/openai_codec.h"
#include "protocol/realm/realm_dialect.h"
#include "protocol/registry.h"

namespace {

using realm::protocol::DialectConfig;
using realm::protocol::FrameKind;
using realm::protocol::InboundFrame;
using realm::protocol::RequestKind;
using realm::protocol::RequestSpec;

struct Json {
    cJSON *p;
    explicit Json(cJSON *j) : p(j) {}
    ~Json() { cJSON_Delete(p); }
};

bool json_equal(const std::string &a, const std::string &b) {
    Json ja(cJSON_Parse(a.c_str())), jb(cJSON_Parse(b.c_str()));
    return ja.p && jb.p && cJSON_Compare(ja.p, jb.p, 1);
}

cJSON *load_vectors() {
    std::ifstream in(REALM_OPENAI_VECTORS_FILE);
    std::stringstream ss;
    ss << in.rdbuf();
    return cJSON_Parse(ss.str().c_str());
}

std::unique_ptr<realm::protocol::Dialect> dialect(const char *name, const std::string &path, bool multiplex = false) {
    DialectConfig cfg;
    cfg.path = path;
    cfg.multiplex = multiplex;
    return realm::protocol::make_dialect(name, cfg);
}

// What a client makes of a sequence of frames: the pieces of text, the
// finish reason and usage, and how it ended.
struct Outcome {
    std::string text, finish_reason, end;  // end: complete / error / open
    int64_t prompt = -1, completion = -1, total = -1;
    std::string code, type, param, message;
};

Outcome run(realm::protocol::Dialect &d, const std::vector<std::string> &frames) {
    Outcome o;
    o.end = "open";
    InboundFrame f;
    for (const auto &frame : frames) {
        d.decode(frame, f);
        if (f.finish_reason.size()) o.finish_reason.assign(f.finish_reason);
        if (f.prompt_tokens >= 0) o.prompt = f.prompt_tokens;
        if (f.completion_tokens >= 0) o.completion = f.completion_tokens;
        if (f.total_tokens >= 0) o.total = f.total_tokens;
        if (f.kind == FrameKind::Token || f.kind == FrameKind::Complete) {
            if (f.has_text) o.text.append(f.text);
            if (f.kind == FrameKind::Complete) o.end = "complete";
        } else if (f.kind == FrameKind::Error) {
            o.end = "error";
            o.code.assign(f.code);
            o.type.assign(f.error_type);
            o.param.assign(f.error_param);
            o.message.assign(f.message);
        } else if (f.kind == FrameKind::Pong) {
            o.end = "pong";
        } else {
            ADD_FAILURE() << "unexpected frame kind for " << frame << ": " << f.problem;
        }
    }
    return o;
}

std::vector<std::string> strings(const cJSON *array) {
    std::vector<std::string> out;
    const cJSON *it;
    cJSON_ArrayForEach(it, array) out.emplace_back(it->valuestring);
    return out;
}

TEST(OpenAiVectors, ServerFramesGiveTheSpecsResults) {
    Json v(load_vectors());
    ASSERT_NE(v.p, nullptr) << "cannot read " << REALM_OPENAI_VECTORS_FILE;
    int checked = 0;
    const cJSON *ex;
    cJSON_ArrayForEach(ex, cJSON_GetObjectItem(v.p, "exchanges")) {
        std::string name = cJSON_GetObjectItem(ex, "name")->valuestring;
        std::string endpoint = cJSON_GetObjectItem(ex, "endpoint")->valuestring;
        const cJSON *result = cJSON_GetObjectItem(ex, "result");
        std::string outcome = cJSON_GetObjectItem(result, "outcome")->valuestring;
        if (outcome == "multiplexed") continue;  // OpenAiVectors.MultiplexedCancel
        SCOPED_TRACE(name);
        auto d = dialect("openai-ws", endpoint);
        Outcome o = run(*d, strings(cJSON_GetObjectItem(ex, "server")));
        EXPECT_EQ(o.end, outcome);
        if (outcome == "complete") {
            EXPECT_EQ(o.text, cJSON_GetObjectItem(result, "text")->valuestring);
            EXPECT_EQ(o.finish_reason, cJSON_GetObjectItem(result, "finish_reason")->valuestring);
            const cJSON *usage = cJSON_GetObjectItem(result, "usage");
            if (cJSON_IsObject(usage)) {
                EXPECT_EQ(o.prompt, cJSON_GetObjectItem(usage, "prompt_tokens")->valueint);
                EXPECT_EQ(o.completion, cJSON_GetObjectItem(usage, "completion_tokens")->valueint);
                EXPECT_EQ(o.total, cJSON_GetObjectItem(usage, "total_tokens")->valueint);
            } else {
                EXPECT_EQ(o.total, -1);  // usage unknown
            }
        } else if (outcome == "error") {
            EXPECT_EQ(o.code, cJSON_GetObjectItem(result, "code")->valuestring);
            EXPECT_EQ(o.type, cJSON_GetObjectItem(result, "type")->valuestring);
            EXPECT_EQ(o.message, cJSON_GetObjectItem(result, "message")->valuestring);
            const cJSON *param = cJSON_GetObjectItem(result, "param");
            EXPECT_EQ(o.param, cJSON_IsString(param) ? param->valuestring : "");
        }
        ++checked;
    }
    EXPECT_EQ(checked, 6);
}

TEST(OpenAiVectors, ClientFramesEncodeJsonEqual) {
    Json v(load_vectors());
    ASSERT_NE(v.p, nullptr);
    auto find = [&](const char *name) {
        const cJSON *ex;
        cJSON_ArrayForEach(ex, cJSON_GetObjectItem(v.p, "exchanges")) {
            if (std::string(cJSON_GetObjectItem(ex, "name")->valuestring) == name) return ex;
        }
        return static_cast<const cJSON *>(nullptr);
    };
    auto client_frame = [&](const char *name, int i) {
        return std::string(cJSON_GetArrayItem(cJSON_GetObjectItem(find(name), "client"), i)->valuestring);
    };
    realm::protocol::SessionInfo none;
    RequestSpec chat;
    chat.kind = RequestKind::Chat;
    chat.messages = {{"user", "Hi"}};
    chat.sampling.model = "m";
    chat.sampling.max_tokens = 3;
    chat.sampling.stream = true;
    std::string out;
    dialect("openai-ws", "/v1/chat/completions")->encode_request(out, "r9", chat, none);
    EXPECT_TRUE(json_equal(out, client_frame("chat_streaming", 0))) << out;

    RequestSpec completion;
    completion.prompt = "Once";
    completion.sampling.model = "m";
    completion.sampling.max_tokens = 2;
    completion.sampling.stream = true;
    out.clear();
    dialect("openai-ws", "/v1/completions")->encode_request(out, "r9", completion, none);
    EXPECT_TRUE(json_equal(out, client_frame("completions_streaming", 0))) << out;

    // Multiplexed: the request id travels as request_id; cancel is a frame.
    auto mux = dialect("openai-ws", "/v1/chat/completions", true);
    RequestSpec a = chat;
    a.messages = {{"user", "A"}};
    a.sampling.max_tokens = -1;
    out.clear();
    mux->encode_request(out, "r1", a, none);
    EXPECT_TRUE(json_equal(out, client_frame("multiplexed_cancel", 0))) << out;
    realm::protocol::SessionInfo session;
    session.server_cancel = true;
    out.clear();
    ASSERT_TRUE(mux->encode_cancel(out, "c1", "r2", session));
    EXPECT_TRUE(json_equal(out, client_frame("multiplexed_cancel", 2))) << out;
    // The user's extra members win, also when the body follows a frame's headroom.
    RequestSpec extra = completion;
    extra.extra_json = R"({"max_tokens":9,"fault":{"type":"drop"}})";
    out.assign(16, '\0');
    dialect("openai-ws", "/v1/completions")->encode_request(out, "r9", extra, none);
    ASSERT_EQ(out.substr(0, 16), std::string(16, '\0'));
    EXPECT_TRUE(json_equal(out.substr(16), R"({"model":"m","prompt":"Once","max_tokens":9,"stream":true,"fault":{"type":"drop"}})"))
        << out.substr(16);
    // Without multiplexing there is no cancel frame: the socket is closed.
    out.clear();
    EXPECT_FALSE(dialect("openai-ws", "/v1/chat/completions")->encode_cancel(out, "c1", "r2", none));
}

TEST(OpenAiVectors, MultiplexedCancel) {
    Json v(load_vectors());
    ASSERT_NE(v.p, nullptr);
    auto mux = dialect("openai-ws", "/v1/chat/completions", true);
    const cJSON *ex;
    cJSON_ArrayForEach(ex, cJSON_GetObjectItem(v.p, "exchanges")) {
        if (std::string(cJSON_GetObjectItem(ex, "name")->valuestring) != "multiplexed_cancel") continue;
        std::vector<std::string> server = strings(cJSON_GetObjectItem(ex, "server"));
        ASSERT_EQ(server.size(), 4u);
        InboundFrame f;
        mux->decode(server[1], f);
        EXPECT_EQ(f.kind, FrameKind::Token);
        EXPECT_EQ(f.id, "r2");
        mux->decode(server[2], f);  // r2 aborted: ends with finish_reason "abort" (the client reports cancelled)
        EXPECT_EQ(f.kind, FrameKind::Complete);
        EXPECT_EQ(f.id, "r2");
        EXPECT_EQ(f.finish_reason, "abort");
        mux->decode(server[3], f);
        EXPECT_EQ(f.kind, FrameKind::Token);
        EXPECT_EQ(f.id, "r1");
        EXPECT_EQ(f.text, "x");
        return;
    }
    FAIL() << "vector missing";
}

TEST(OpenAiDecoder, ToleratedVariants) {
    auto d = dialect("openai-ws", "/v1/chat/completions");
    // The role and the first content in one chunk (the WS docs' example), and
    // "object":"chat.completion" on chunks (the REST docs).
    Outcome o = run(*d, {R"({"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]})",
                         R"({"id":"c","object":"chat.completion","choices":[{"index":0,"delta":{"content":" there"},"finish_reason":"stop"}]})"});
    EXPECT_EQ(o.end, "complete");
    EXPECT_EQ(o.text, "Hello there");
    // A whole (non-streamed) answer.
    o = run(*d, {R"({"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Paris."},"finish_reason":"length"}],"usage":{"prompt_tokens":45,"completion_tokens":150,"total_tokens":195}})"});
    EXPECT_EQ(o.end, "complete");
    EXPECT_EQ(o.text, "Paris.");
    EXPECT_EQ(o.total, 195);
    // Completions without "model" and without "logprobs"; a stray [DONE].
    auto c = dialect("openai-ws", "/v1/completions");
    InboundFrame f;
    c->decode("[DONE]", f);
    EXPECT_EQ(f.kind, FrameKind::Ignore);
    o = run(*c, {R"({"id":"x","object":"text_completion","created":1,"choices":[{"index":0,"text":"a","finish_reason":null}]})",
                 R"({"id":"x","object":"text_completion","created":1,"choices":[{"index":0,"text":"b","finish_reason":"stop"}]})"});
    EXPECT_EQ(o.text, "ab");
    // An error given as a plain string; a numeric code.
    o = run(*d, {R"({"error":"model overloaded"})"});
    EXPECT_EQ(o.end, "error");
    EXPECT_EQ(o.message, "model overloaded");
    o = run(*d, {R"({"error":{"message":"slow down","code":429,"type":"requests"}})"});
    EXPECT_EQ(o.code, "429");
    // Choices other than 0 (n > 1) are not the answer.
    o = run(*d, {R"({"choices":[{"index":1,"delta":{"content":"B"}},{"index":0,"delta":{"content":"A"}}]})",
                 R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"});
    EXPECT_EQ(o.text, "A");
}

TEST(OpenAiDecoder, ErrorCodesMapToStatuses) {
    auto d = dialect("openai-ws", "/v1/chat/completions");
    InboundFrame f;
    struct Case {
        const char *frame;
        realm_status_t status;
        int64_t retry_after_ms;
    };
    for (const Case &c : {
             Case{R"({"error":{"message":"Invalid API key","type":"invalid_request_error","code":"invalid_api_key"}})", REALM_ERR_UNAUTHORIZED, -1},
             Case{R"({"error":{"message":"Model not found","type":"invalid_request_error","param":"model","code":"model_not_found"}})", REALM_ERR_NOT_FOUND, -1},
             Case{R"({"error":{"message":"Rate limit exceeded. Try again in 3 seconds.","type":"rate_limit_exceeded","code":"rate_limit_exceeded"}})", REALM_ERR_RATE_LIMITED, 3000},
             Case{R"({"error":{"message":"Rate limit exceeded. Try again in 0 seconds.","code":"rate_limit_exceeded","retry_after_ms":250}})", REALM_ERR_RATE_LIMITED, 250},
             Case{R"({"error":{"message":"Invalid JSON","type":"invalid_request_error","param":null,"code":"invalid_json"}})", REALM_ERR_INVALID_REQUEST, -1},
             Case{R"({"error":{"message":"too long","type":"invalid_request_error","code":"context_length_exceeded"}})", REALM_ERR_INVALID_REQUEST, -1},
             Case{R"({"error":{"message":"boom","type":"server_error","code":"server_error"}})", REALM_ERR_SERVER_INTERNAL, -1},
             Case{R"({"error":{"message":"no money","type":"insufficient_quota","code":"insufficient_quota"}})", REALM_ERR_SERVER, -1},
         }) {
        d->decode(c.frame, f);
        ASSERT_EQ(f.kind, FrameKind::Error) << c.frame;
        EXPECT_EQ(f.status, c.status) << c.frame;
        EXPECT_EQ(f.retry_after_ms, c.retry_after_ms) << c.frame;
        realm::core::Error e = realm::core::error_from_frame(f);
        EXPECT_FALSE(e.code.empty());
    }
}

TEST(OpenAiDecoder, BadInputIsInvalidWithAReason) {
    auto d = dialect("openai-ws", "/v1/chat/completions");
    InboundFrame f;
    for (const char *bad : {
             R"({"id":"c","object":"chat.completion.chunk"})",  // no choices
             R"({"choices":[]})",                                // empty choices, no usage
             R"({"choices":{}})",                                // not an array
             R"({"choices":[{"delta":{"content":7}}]})",         // wrong type
             R"({"choices":[{"text":true}]})",
             R"({"choices":[{"finish_reason":1}]})",
             R"({"choices":["x"]})",
             "not json", "", "[1]", R"({"choices":[]} trailing)",
         }) {
        d->decode(bad, f);
        EXPECT_EQ(f.kind, FrameKind::Invalid) << bad;
        EXPECT_FALSE(f.problem.empty()) << bad;
    }
    // choices:[] is fine when it carries usage (stream_options.include_usage).
    d->decode(R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})", f);
    EXPECT_EQ(f.kind, FrameKind::Token);
    EXPECT_EQ(f.total_tokens, 3);
}

// Every prefix and every corrupted byte of the vector frames: a clean
// decode or Invalid, never a crash or an overread (ASan builds).
TEST(OpenAiDecoder, DamagedFramesAreRejectedCleanly) {
    Json v(load_vectors());
    ASSERT_NE(v.p, nullptr);
    auto d = dialect("openai-ws", "/v1/chat/completions");
    InboundFrame f;
    const cJSON *ex;
    cJSON_ArrayForEach(ex, cJSON_GetObjectItem(v.p, "exchanges")) {
        for (const std::string &frame : strings(cJSON_GetObjectItem(ex, "server"))) {
            for (size_t cut = 0; cut < frame.size(); ++cut) {
                std::unique_ptr<char[]> buf(new char[cut ? cut : 1]);
                std::memcpy(buf.get(), frame.data(), cut);
                d->decode(std::string_view(buf.get(), cut), f);
                EXPECT_EQ(f.kind, FrameKind::Invalid) << frame.substr(0, cut);
            }
            for (size_t i = 0; i < frame.size(); i += 2) {
                std::string bad = frame;
                bad[i] = "\"{}[]:,\\x\x01"[i % 10];
                d->decode(bad, f);  // any outcome but a crash
            }
        }
    }
}

// The content-chunk template must decode exactly as the full decoder does:
// a warm decoder (templates learned) against a fresh one for every message.
TEST(OpenAiDecoder, TemplatePathAgreesWithTheFullDecoder) {
    realm::protocol::openai::Decoder warm;
    auto chunk = [](const std::string &text, const char *created = "1", const char *rid = nullptr) {
        std::string s = std::string(R"({"id":"c1","object":"chat.completion.chunk","created":)") + created +
                        R"(,"model":"m","choices":[{"index":0,"delta":{"content":")" + text +
                        R"("},"finish_reason":null}])";
        if (rid) s += std::string(R"(,"request_id":")") + rid + "\"";
        return s + "}";
    };
    std::vector<std::string> stream = {
        chunk("Hel"), chunk("lo"), chunk(" wor"), chunk("a\\\"b"), chunk("tab\\t"), chunk("x", "2"),
        chunk("y", "2"), chunk(""), chunk("caf\\u00e9"), chunk("z", "2", "r7"), chunk("w", "2", "r7"),
        chunk("v", "2", "r8"), chunk("u", "2", "r\\u0039"), chunk("t", "2", "r\"9"), chunk("s", "2", ""),
        chunk("q\"", "2"),  // a raw quote: must not be taken for text
        R"({"id":"c2","object":"chat.completion.chunk","created":2,"model":"m","choices":[{"index":0,"delta":{"content":"other"},"finish_reason":null}],"request_id":"r9"})",
        R"({"id":"c\u0032","object":"chat.completion.chunk","created":2,"model":"m","choices":[{"index":0,"delta":{"content":"esc"},"finish_reason":null}],"request_id":"r9"})",
        R"({"id":7,"object":"chat.completion.chunk","created":2,"model":"m","choices":[{"index":0,"delta":{"content":"num"},"finish_reason":null}],"request_id":"r9"})",
        R"({"id":"c1","object":"chat.completion.chunk","created":2,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})",
        R"({"id":"c1","object":"chat.completion.chunk","created":2,"model":"m","choices":[{"index":0,"delta":{"content":"7"},"finish_reason":null}]}x)",
        chunk("ok", "2"),
        R"({"id":"c1","object":"chat.completion.chunk","created":2,"model":"m","choices":[{"index":0,"delta":{"content":"o\nk"},"finish_reason":null}]})",
    };
    for (const std::string &m : stream) {
        realm::protocol::openai::Decoder fresh;
        InboundFrame a, b;
        warm.decode(m, a);
        fresh.decode(m, b);
        SCOPED_TRACE(m);
        EXPECT_EQ(int(a.kind), int(b.kind));
        EXPECT_EQ(a.text, b.text);
        EXPECT_EQ(a.has_text, b.has_text);
        EXPECT_EQ(a.finish_reason, b.finish_reason);
        EXPECT_EQ(a.has_id, b.has_id);
        EXPECT_EQ(a.id, b.id);
    }
}

TEST(OpenAiHttp, EndpointsFollowTheUrl) {
    RequestSpec gen, chat, models, health, call;
    gen.prompt = "p";
    chat.kind = RequestKind::Chat;
    chat.messages = {{"user", "u"}};
    chat.sampling.stream = true;
    models.kind = RequestKind::Models;
    health.kind = RequestKind::Health;
    call.kind = RequestKind::Call;
    call.name = "embeddings";
    struct Case {
        const char *path;
        const RequestSpec *spec;
        const char *method, *target;
    };
    for (const Case &c : {Case{"/", &gen, "POST", "/v1/completions"}, Case{"/", &chat, "POST", "/v1/chat/completions"},
                          Case{"/v1", &chat, "POST", "/v1/chat/completions"},
                          Case{"/v1/", &models, "GET", "/v1/models"}, Case{"/api/v1?key=x", &models, "GET", "/api/v1/models?key=x"},
                          Case{"/v1/chat/completions", &gen, "POST", "/v1/chat/completions"},
                          Case{"/openai/deployments/d/chat/completions?api-version=1", &chat, "POST",
                               "/openai/deployments/d/chat/completions?api-version=1"},
                          Case{"/v1", &health, "GET", "/health"}, Case{"/v1", &call, "POST", "/v1/embeddings"}}) {
        auto d = dialect("openai-http", c.path);
        std::string why;
        ASSERT_TRUE(d->accepts(*c.spec, &why)) << c.path << ": " << why;
        auto t = d->http_target(*c.spec);
        EXPECT_EQ(t.method, c.method) << c.path;
        EXPECT_EQ(t.path, c.target) << c.path;
    }
    // A prompt sent to a chat endpoint becomes one user message.
    std::string body;
    dialect("openai-http", "/v1/chat/completions")->encode_request(body, "r1", gen, {});
    EXPECT_TRUE(json_equal(body, R"({"messages":[{"role":"user","content":"p"}],"stream":false})")) << body;
    // Streaming asks for usage.
    body.clear();
    dialect("openai-http", "/v1")->encode_request(body, "r1", chat, {});
    EXPECT_TRUE(json_equal(body, R"({"messages":[{"role":"user","content":"u"}],"stream":true,"stream_options":{"include_usage":true}})")) << body;
    // A chat cannot go to a URL fixed to /completions; bad endpoint names are refused.
    std::string why;
    EXPECT_FALSE(dialect("openai-http", "/v1/completions")->accepts(chat, &why));
    for (const char *name : {"/etc", "../x", "a b", "x?y", ""}) {
        call.name = name;
        EXPECT_FALSE(dialect("openai-http", "/v1")->accepts(call, &why)) << name;
    }
}

TEST(OpenAiHttp, StreamEventsAndBodies) {
    auto d = dialect("openai-http", "/v1");
    InboundFrame f;
    // In a stream the finish reason does not end the request (usage may follow); [DONE] does.
    d->decode(R"({"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]})", f);
    EXPECT_EQ(f.kind, FrameKind::Token);
    EXPECT_EQ(f.finish_reason, "stop");
    d->decode("[DONE]", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_TRUE(f.text_is_delta);
    RequestSpec gen;
    gen.prompt = "p";
    std::string body = R"({"id":"x","object":"text_completion","choices":[{"index":0,"text":"all","finish_reason":"length"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}})";
    d->decode_body(gen, body, f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_EQ(f.text, "all");
    RequestSpec models;
    models.kind = RequestKind::Models;
    d->decode_body(models, R"({"object":"list","data":[]})", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_EQ(f.data_json, R"({"object":"list","data":[]})");
    d->decode_body(models, "<html>", f);
    EXPECT_EQ(f.kind, FrameKind::Invalid);
}

TEST(OpenAiHttp, StatusesMapToErrors) {
    auto d = dialect("openai-http", "/v1");
    InboundFrame f;
    struct Case {
        int status;
        const char *type, *retry_after, *body;
        realm_status_t expect;
        int64_t retry_after_ms;
        bool retryable;
        const char *message_part;
    };
    for (const Case &c : {
             Case{401, "application/json", "", R"({"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}})", REALM_ERR_UNAUTHORIZED, -1, false, "Incorrect API key"},
             Case{403, "text/html", "", "<html><title>Forbidden</title></html>", REALM_ERR_UNAUTHORIZED, -1, false, "Forbidden"},
             Case{404, "application/json", "", R"({"error":{"message":"The model `x` does not exist","code":"model_not_found"}})", REALM_ERR_NOT_FOUND, -1, false, "does not exist"},
             Case{408, "", "", "", REALM_ERR_TIMEOUT, -1, true, "408"},
             Case{429, "application/json", "7", R"({"error":{"message":"Rate limit reached"}})", REALM_ERR_RATE_LIMITED, 7000, true, "Rate limit"},
             Case{429, "application/json", "", R"({"error":{"message":"You exceeded your quota","code":"insufficient_quota"}})", REALM_ERR_SERVER, -1, false, "quota"},
             Case{422, "application/json", "", R"({"detail":[{"msg":"field required"}]})", REALM_ERR_INVALID_REQUEST, -1, false, "field required"},
             Case{500, "text/html", "", "<html><body><h1>Internal Server Error</h1></body></html>", REALM_ERR_SERVER_INTERNAL, -1, true, "Internal Server Error"},
             Case{503, "", "120", "", REALM_ERR_SERVER_INTERNAL, 120000, true, "503"},
             Case{504, "text/plain", "", "upstream timed out", REALM_ERR_TIMEOUT, -1, true, "timed out"},
         }) {
        d->decode_http_error(c.status, c.type, c.retry_after, c.body, f);
        ASSERT_EQ(f.kind, FrameKind::Error);
        realm::core::Error e = realm::core::error_from_frame(f);
        EXPECT_EQ(e.status, c.expect) << c.status;
        EXPECT_EQ(e.retry_after_ms, c.retry_after_ms) << c.status;
        EXPECT_EQ(e.retryable, c.retryable) << c.status;
        EXPECT_EQ(e.http_status, c.status);
        EXPECT_NE(e.message.find(c.message_part), std::string::npos) << c.status << ": " << e.message;
    }
}

TEST(Registry, DialectForUrl) {
    using realm::protocol::dialect_for_url;
    EXPECT_EQ(dialect_for_url(true, "/"), "openai-http");
    EXPECT_EQ(dialect_for_url(false, "/"), "realm");
    EXPECT_EQ(dialect_for_url(false, "/v1/chat/completions"), "openai-ws");
    EXPECT_EQ(dialect_for_url(false, "/v1/completions?token=x"), "openai-ws");
    EXPECT_EQ(dialect_for_url(false, "/v1/chat/completions/"), "openai-ws");
    EXPECT_EQ(dialect_for_url(false, "/ws"), "realm");
    EXPECT_EQ(realm::protocol::make_dialect("nope", {}), nullptr);
}

// Found by tests/fuzz/fuzz_realm_frame (UBSan): a count too large for int64
// ("prompt_tokens":2e34) was cast from double, which is undefined
// behaviour (also details.retry_after_ms). Counts are now clamped; the same
// reader served OpenAI usage.
TEST(FuzzRegression, HugeCountsAreClamped) {
    auto realm_dialect = realm::protocol::make_realm_dialect();
    realm::protocol::InboundFrame f;
    realm_dialect->decode(R"({"id":"a","status":"complete","data":{"text":"x","prompt_tokens":22222222222222222222222222222222228,)"
                          R"("tokens_generated":-1e300,"index":1e19}})", f);
    ASSERT_EQ(f.kind, realm::protocol::FrameKind::Complete) << f.problem;
    EXPECT_EQ(f.prompt_tokens, INT64_MAX);
    EXPECT_EQ(f.tokens_generated, INT64_MIN);
    realm_dialect->decode(R"({"id":"a","status":"error","error":{"code":"RATE_LIMIT_EXCEEDED","message":"m",)"
                          R"("details":{"retry_after_ms":8.4e41}}})", f);
    ASSERT_EQ(f.kind, realm::protocol::FrameKind::Error) << f.problem;
    EXPECT_EQ(f.retry_after_ms, INT64_MAX);
    realm::protocol::openai::Decoder d;
    d.decode(R"({"choices":[],"usage":{"prompt_tokens":1e30,"completion_tokens":2,"total_tokens":-1e30}})", f);
    ASSERT_EQ(f.kind, realm::protocol::FrameKind::Token) << f.problem;
    EXPECT_EQ(f.prompt_tokens, INT64_MAX);
    EXPECT_EQ(f.total_tokens, INT64_MIN);
}

}  // namespace
