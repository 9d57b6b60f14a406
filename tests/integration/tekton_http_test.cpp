// The tekton dialect (HTTP/SSE, tekton.md 2) against realm-server through the
// public C API: the 7.2 SSE vector served byte for byte by a fault, a normal
// stream, a whole answer, a bad key and an unknown model, each request ending
// exactly once.
#include <gtest/gtest.h>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

ClientPtr tekton_client(const ServerProcess &server, const std::string &key = "", const std::string &model = "") {
    std::vector<std::pair<std::string, std::string>> settings = {{"dialect", "tekton"}};
    if (!key.empty()) settings.emplace_back("api_key", key);
    if (!model.empty()) settings.emplace_back("model", model);
    auto c = openai_client(server.http_url("/ignored/prefix"), settings);  // Tekton paths are absolute
    std::string why;
    EXPECT_EQ(connect(c.get(), &why), REALM_OK) << why;  // probe: GET /api/v1/health
    return c;
}

TEST(TektonHttp, SseVectorSevenTwoEndToEnd) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--enable-faults"}));
    auto c = tekton_client(server);
    Outcome o;
    ASSERT_EQ(chat(c.get(), o, "vector", -1, true, R"({"fault":{"type":"sse_vector"}})"), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.terminal_count(), 1);
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    EXPECT_EQ(o.tokens, (std::vector<std::string>{"A", "B"}));
    EXPECT_EQ(o.text, "AB");
}

TEST(TektonHttp, StreamWholeAnswerAndProviders) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = tekton_client(server);

    Outcome s;
    ASSERT_EQ(chat(c.get(), s, "Hello world", 5, true), REALM_OK);
    ASSERT_TRUE(s.wait());
    EXPECT_EQ(s.terminal_count(), 1);
    ASSERT_EQ(s.outcome, REALM_OUTCOME_COMPLETE) << s.message;
    EXPECT_EQ(s.tokens, (std::vector<std::string>{"The ", "capital ", "of ", "France ", "is "}));
    EXPECT_EQ(s.finish_reason, "length");
    EXPECT_EQ(s.completion_tokens, 5);

    Outcome whole;
    ASSERT_EQ(chat(c.get(), whole, "Paris?", -1, false), REALM_OK);
    ASSERT_TRUE(whole.wait());
    EXPECT_EQ(whole.terminal_count(), 1);
    ASSERT_EQ(whole.outcome, REALM_OUTCOME_COMPLETE) << whole.message;
    EXPECT_EQ(whole.text, "The capital of France is Paris. This is a simulated response to: Paris? ");
    EXPECT_EQ(whole.finish_reason, "stop");
    EXPECT_GT(whole.total_tokens, 0);
    EXPECT_NE(whole.json.find("\"provider\":\"realm\""), std::string::npos) << whole.json;

    Outcome models;
    realm_handler_t h = models.handler();
    ASSERT_EQ(realm_models(c.get(), nullptr, &h, nullptr, nullptr), REALM_OK);
    ASSERT_TRUE(models.wait());
    ASSERT_EQ(models.outcome, REALM_OUTCOME_COMPLETE) << models.message;
    EXPECT_NE(models.json.find("\"default_provider\":\"realm\""), std::string::npos) << models.json;

    Outcome hl;
    ASSERT_EQ(health(c.get(), hl), REALM_OK);
    ASSERT_TRUE(hl.wait());
    ASSERT_EQ(hl.outcome, REALM_OUTCOME_COMPLETE) << hl.message;
    EXPECT_NE(hl.json.find("healthy"), std::string::npos) << hl.json;
}

TEST(TektonHttp, BadKeyIsUnauthorized) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--api-keys", write_api_keys_file()}));
    auto good = tekton_client(server, "sk_test_123");
    Outcome ok;
    ASSERT_EQ(chat(good.get(), ok, "Hi", 2, true), REALM_OK);
    ASSERT_TRUE(ok.wait());
    EXPECT_EQ(ok.outcome, REALM_OUTCOME_COMPLETE) << ok.message;

    auto bad = tekton_client(server, "sk_wrong");  // health needs no key: the probe connects
    for (bool stream : {true, false}) {
        Outcome o;
        ASSERT_EQ(chat(bad.get(), o, "Hi", 2, stream), REALM_OK);
        ASSERT_TRUE(o.wait());
        EXPECT_EQ(o.terminal_count(), 1);
        ASSERT_EQ(o.outcome, REALM_OUTCOME_ERROR);
        EXPECT_EQ(o.status, REALM_ERR_UNAUTHORIZED) << o.message;
        EXPECT_EQ(o.http_status, 401);
        EXPECT_EQ(o.message, "Authentication failed");
    }
}

TEST(TektonHttp, UnknownModelAndOverload) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--models", "realm-sim", "--enable-faults"}));
    auto c = tekton_client(server, "", "nope");
    Outcome o;
    ASSERT_EQ(chat(c.get(), o, "Hi", 2, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.terminal_count(), 1);
    ASSERT_EQ(o.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(o.status, REALM_ERR_INVALID_REQUEST) << o.message;
    EXPECT_EQ(o.http_status, 400);
    EXPECT_EQ(o.message, "Unknown model: nope");

    Outcome limited;
    ASSERT_EQ(chat(c.get(), limited, "Hi", 2, true, R"({"fault":{"type":"overload","status":429}})"), REALM_OK);
    ASSERT_TRUE(limited.wait());
    EXPECT_EQ(limited.status, REALM_ERR_RATE_LIMITED) << limited.message;
    EXPECT_EQ(limited.retry_after_ms, 1000);

    Outcome busy;
    ASSERT_EQ(chat(c.get(), busy, "Hi", 2, false, R"({"fault":{"type":"overload"}})"), REALM_OK);
    ASSERT_TRUE(busy.wait());
    EXPECT_EQ(busy.status, REALM_ERR_SERVER) << busy.message;
    EXPECT_EQ(busy.http_status, 503);
    EXPECT_TRUE(busy.retryable);
}

}  // namespace
}  // namespace realm::test
