// The tekton dialect without sockets: request bodies (tekton.md 2.3), the 7.2
// vector through the SSE parser in DataLines mode and the dialect's decoder,
// whole answers and the HTTP error mapping.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/registry.h"
#include "protocol/sse_parser.h"

namespace realm::protocol {
namespace {

std::unique_ptr<Dialect> tekton(std::string key = "") {
    DialectConfig cfg;
    cfg.api_key = std::move(key);
    auto d = make_dialect("tekton", cfg);
    EXPECT_NE(d, nullptr);
    return d;
}

TEST(TektonDialect, ChatBodyMovesTheLeadingSystemMessage) {
    auto d = tekton("k");
    RequestSpec spec;
    spec.kind = RequestKind::Chat;
    spec.messages = {{"system", "You are terse."}, {"user", "Capital?"}, {"system", "later"}};
    spec.sampling.model = "m1";
    spec.sampling.max_tokens = 100;
    spec.sampling.top_k = 0;  // not sent: the client sends only truthy values
    spec.sampling.stop = {"\n\n"};
    spec.sampling.has_presence_penalty = true;
    spec.sampling.presence_penalty = 0.0;
    std::string body;
    d->encode_request(body, "id", spec, SessionInfo{});
    EXPECT_EQ(body,
              R"({"messages":[{"role":"user","content":"Capital?"},{"role":"system","content":"later"}],)"
              R"("context_id":"librealm","provider_id":"realm","model_id":"m1","streaming":false,)"
              R"("system_prompt":"You are terse.","options":{"temperature":0.7,"fallback_provider":null,)"
              R"("fallback_model":null,"max_tokens":100,"stop":["\n\n"]}})");
    HttpTarget t = d->http_target(spec);
    EXPECT_EQ(t.method, "POST");
    EXPECT_EQ(t.path, "/api/v1/chat");
    EXPECT_EQ(t.accept, "application/json");

    RequestSpec gen;
    gen.prompt = "Hi";
    gen.sampling.stream = true;
    gen.sampling.temperature = 0.2;
    gen.extra_json = R"({"context_id":"c1","provider_id":"anthropic"})";
    body.clear();
    d->encode_request(body, "id", gen, SessionInfo{});
    // Extra members replace the defaults (merged members go last).
    EXPECT_EQ(body, R"({"messages":[{"role":"user","content":"Hi"}],"streaming":true,)"
                    R"("options":{"temperature":0.2,"fallback_provider":null,"fallback_model":null},)"
                    R"("context_id":"c1","provider_id":"anthropic"})");
    t = d->http_target(gen);
    EXPECT_EQ(t.path, "/api/v1/chat/stream");
    EXPECT_TRUE(t.event_stream);
    EXPECT_TRUE(t.sse_data_lines);
    EXPECT_EQ(d->capabilities().connect_probe, RequestKind::Health);
}

TEST(TektonDialect, SseVectorSevenTwo) {
    auto d = tekton();
    const std::string body =
        "event: message\ndata: {\"chunk\":\"A\",\"done\":false}\n\ndata: not-json\n\n"
        "data: {\"chunk\":\"B\",\"done\":false,\"error\":null}\ndata: [DONE]\ndata: {\"chunk\":\"C\",\"done\":false}\n";
    SseParser sse(1 << 20, SseParser::Mode::DataLines);
    std::vector<std::string> tokens;
    int terminals = 0;
    InboundFrame f;
    sse.feed(body, [&](const SseEvent &ev) {
        d->decode(ev.data, f);
        if (f.kind == FrameKind::Token) tokens.emplace_back(f.text);
        if (f.kind == FrameKind::Complete || f.kind == FrameKind::Error) ++terminals;
        return f.kind != FrameKind::Complete && f.kind != FrameKind::Error;
    });
    EXPECT_EQ(tokens, (std::vector<std::string>{"A", "B"}));
    EXPECT_EQ(terminals, 1);
}

TEST(TektonDialect, DoneChunksErrorsAndWholeAnswers) {
    auto d = tekton();
    InboundFrame f;
    d->decode(R"({"chunk":"x","done":true,"finish_reason":"stop"})", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_EQ(f.text, "x");
    EXPECT_EQ(f.finish_reason, "stop");
    d->decode(R"({"chunk":"","done":true,"error":"boom"})", f);
    EXPECT_EQ(f.kind, FrameKind::Error);
    EXPECT_EQ(f.message, "boom");

    RequestSpec spec;
    d->decode_body(spec, R"({"content":"Paris.","finish_reason":"stop","usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}})", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_EQ(f.text, "Paris.");
    EXPECT_EQ(f.total_tokens, 14);
    d->decode_body(spec, R"({"content":"","error":"no provider"})", f);
    EXPECT_EQ(f.kind, FrameKind::Error);

    struct Case {
        int status;
        realm_status_t want;
    } cases[] = {{400, REALM_ERR_INVALID_REQUEST}, {401, REALM_ERR_UNAUTHORIZED}, {429, REALM_ERR_RATE_LIMITED},
                 {503, REALM_ERR_SERVER}, {500, REALM_ERR_SERVER}};
    for (const Case &c : cases) {
        d->decode_http_error(c.status, "application/json", c.status == 429 ? "2" : "", R"({"error":"why"})", f);
        EXPECT_EQ(f.kind, FrameKind::Error);
        EXPECT_EQ(f.status, c.want) << c.status;
        EXPECT_EQ(f.message, c.status == 500 ? "HTTP error 500: why" : "why");
        if (c.status == 429) {
            EXPECT_EQ(f.retry_after_ms, 2000);
        }
        if (c.status == 503) {
            EXPECT_EQ(f.retryable, 1);
        }
    }
}

}  // namespace
}  // namespace realm::protocol
