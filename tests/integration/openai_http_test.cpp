// OpenAI-compatible HTTP/SSE against realm-server through the public C API:
// streams and whole answers, usage, models, 200 concurrent exchanges, cancel,
// auth, 429 with Retry-After, the server killed, timeouts, and the bad answers
// a real server can give (odd statuses and bodies, wrong content type, broken
// or cut event streams, split UTF-8, endless lines, 100 MB bodies), each
// ending its request exactly once with a clear code.
#include <gtest/gtest.h>

#include <memory>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

class OpenAiHttp : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(server.start({"--enable-faults"})); }

    ClientPtr connected(const std::vector<std::pair<std::string, std::string>> &settings = {},
                        const std::string &path = "/v1") {
        auto c = openai_client(server.http_url(path), settings);
        std::string why;
        EXPECT_EQ(connect(c.get(), &why), REALM_OK) << why;
        return c;
    }

    // One streamed chat with `fault` (a JSON value); returns its outcome.
    std::unique_ptr<Outcome> faulted(realm_client_t *c, const std::string &fault, bool stream = true,
                                     int64_t max_tokens = 10) {
        auto o = std::make_unique<Outcome>();
        std::string extra = R"({"fault":)" + fault + "}";
        EXPECT_EQ(chat(c, *o, "Fault", max_tokens, stream, extra.c_str()), REALM_OK);
        EXPECT_TRUE(o->wait(20000));
        EXPECT_EQ(o->terminal_count(), 1);
        return o;
    }

    ServerProcess server;
};

TEST_F(OpenAiHttp, StreamsAChatWithFinishReasonAndUsage) {
    auto c = connected();
    Outcome o;
    ASSERT_EQ(chat(c.get(), o, "Hello world", 5, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    EXPECT_EQ(o.tokens, (std::vector<std::string>{"The ", "capital ", "of ", "France ", "is "}));
    EXPECT_EQ(o.finish_reason, "length");
    // The usage chunk (choices:[]) comes after the finish reason: not lost.
    EXPECT_EQ(o.prompt_tokens, 2);
    EXPECT_EQ(o.completion_tokens, 5);
    EXPECT_EQ(o.total_tokens, 7);
}

TEST_F(OpenAiHttp, WholeAnswersCompletionsModelsAndHealth) {
    auto c = connected();
    Outcome whole;
    ASSERT_EQ(chat(c.get(), whole, "Paris?", -1, false), REALM_OK);
    ASSERT_TRUE(whole.wait());
    ASSERT_EQ(whole.outcome, REALM_OUTCOME_COMPLETE) << whole.message;
    EXPECT_EQ(whole.text, "The capital of France is Paris. This is a simulated response to: Paris? ");
    EXPECT_EQ(whole.finish_reason, "stop");
    EXPECT_GT(whole.total_tokens, 0);
    EXPECT_NE(whole.json.find("\"chat.completion\""), std::string::npos);  // the server's whole answer

    Outcome comp;
    ASSERT_EQ(generate(c.get(), comp, "Once", 2, true), REALM_OK);  // a prompt: /v1/completions
    ASSERT_TRUE(comp.wait());
    EXPECT_EQ(comp.text, "The capital ");

    Outcome models;
    realm_handler_t h = models.handler();
    ASSERT_EQ(realm_models(c.get(), nullptr, &h, nullptr, nullptr), REALM_OK);
    ASSERT_TRUE(models.wait());
    ASSERT_EQ(models.outcome, REALM_OUTCOME_COMPLETE) << models.message;
    EXPECT_NE(models.json.find("\"object\":\"list\""), std::string::npos) << models.json;

    Outcome hl;
    ASSERT_EQ(health(c.get(), hl), REALM_OK);
    ASSERT_TRUE(hl.wait());
    EXPECT_EQ(hl.outcome, REALM_OUTCOME_COMPLETE) << hl.message;
    EXPECT_NE(hl.json.find("ok"), std::string::npos);

    // A URL that names the chat endpoint sends prompts there as one message.
    auto fixed = connected({}, "/v1/chat/completions");
    Outcome o;
    ASSERT_EQ(generate(fixed.get(), o, "Hi", 3, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
}

TEST_F(OpenAiHttp, TwoHundredConcurrentExchanges) {
    auto c = connected();
    std::vector<std::unique_ptr<Outcome>> all;
    for (int i = 0; i < 200; ++i) {
        all.push_back(std::make_unique<Outcome>());
        ASSERT_EQ(chat(c.get(), *all.back(), "Q" + std::to_string(i), 20, true), REALM_OK);
    }
    for (auto &o : all) {
        ASSERT_TRUE(o->wait(30000));
        EXPECT_EQ(o->outcome, REALM_OUTCOME_COMPLETE) << o->message;
        EXPECT_EQ(o->tokens.size(), 20u);
        EXPECT_EQ(o->terminal_count(), 1);
    }
}

TEST_F(OpenAiHttp, CancelDropsTheExchange) {
    auto c = connected();
    Outcome victim, bystander;
    victim.on_first_tokens = [](realm_request_t *req) { realm_request_cancel(req); };
    ASSERT_EQ(chat(c.get(), victim, "Long", 100000, true, R"({"delay_ms":2})"), REALM_OK);
    ASSERT_EQ(chat(c.get(), bystander, "Other", 30, true, R"({"delay_ms":1})"), REALM_OK);
    ASSERT_TRUE(victim.wait());
    EXPECT_EQ(victim.outcome, REALM_OUTCOME_CANCELLED);
    ASSERT_TRUE(bystander.wait());
    EXPECT_EQ(bystander.outcome, REALM_OUTCOME_COMPLETE) << bystander.message;
}

// Error statuses with every kind of body: the status decides the code, the
// body gives the message, Retry-After is read in seconds or as a date.
TEST_F(OpenAiHttp, ErrorStatusesWithOddBodies) {
    auto c = connected();
    struct Case {
        const char *fault;
        realm_status_t status;
        int http;
        bool retryable;
        int64_t retry_after_ms;
    };
    for (const Case &k : {
             Case{R"({"type":"http_status","status":500,"body":"html"})", REALM_ERR_SERVER_INTERNAL, 500, true, -1},
             Case{R"({"type":"http_status","status":503,"body":"empty","retry_after":"3"})", REALM_ERR_SERVER_INTERNAL, 503, true, 3000},
             Case{R"({"type":"http_status","status":429,"body":"text","retry_after":"Fri, 01 Jan 2100 00:00:00 GMT"})", REALM_ERR_RATE_LIMITED, 429, true, 86400000},
             Case{R"({"type":"http_status","status":400,"body":"json"})", REALM_ERR_INVALID_REQUEST, 400, false, -1},
             Case{R"({"type":"http_status","status":404,"body":"html"})", REALM_ERR_NOT_FOUND, 404, false, -1},
             Case{R"({"type":"http_status","status":401,"body":"empty"})", REALM_ERR_UNAUTHORIZED, 401, false, -1},
         }) {
        SCOPED_TRACE(k.fault);
        auto o = faulted(c.get(), k.fault);
        EXPECT_EQ(o->status, k.status) << o->message;
        EXPECT_EQ(o->http_status, k.http);
        EXPECT_EQ(o->retryable, k.retryable);
        EXPECT_EQ(o->retry_after_ms, k.retry_after_ms);
        EXPECT_FALSE(o->message.empty());
        EXPECT_EQ(o->message.find('<'), std::string::npos) << o->message;  // no raw HTML
    }
}

TEST_F(OpenAiHttp, BrokenStreamsFailTheirRequest) {
    auto c = connected();
    struct Case {
        const char *fault;
        realm_status_t status;
    };
    for (const Case &k : {
             Case{R"({"type":"content_type","value":"text/html"})", REALM_ERR_PROTOCOL},
             Case{R"({"type":"malformed","after":2})", REALM_ERR_PROTOCOL},
             Case{R"({"type":"invalid_utf8","after":1})", REALM_ERR_PROTOCOL},
             Case{R"({"type":"done_without_finish"})", REALM_ERR_PROTOCOL},
             Case{R"({"type":"drop","after":3})", REALM_ERR_CONNECTION_LOST},
             Case{R"({"type":"backend_error","after":2})", REALM_ERR_SERVER_INTERNAL},
             Case{R"({"type":"endless_line","bytes":20000000})", REALM_ERR_MESSAGE_TOO_LARGE},
         }) {
        SCOPED_TRACE(k.fault);
        auto o = faulted(c.get(), k.fault);
        EXPECT_EQ(o->status, k.status) << o->message;
    }
    // [DONE] without a finish reason is reported as truncated, not as complete.
    auto cut = faulted(c.get(), R"({"type":"done_without_finish"})");
    EXPECT_NE(cut->message.find("truncated"), std::string::npos) << cut->message;
    // A 100 MB answer is refused at the size limit (16 MiB), not buffered.
    auto huge = faulted(c.get(), R"({"type":"huge","bytes":100000000})", false);
    EXPECT_EQ(huge->status, REALM_ERR_MESSAGE_TOO_LARGE) << huge->message;
}

TEST_F(OpenAiHttp, OddButValidStreamsComplete) {
    auto c = connected();
    for (const char *fault : {R"({"type":"chunk_bytes","bytes":1})", R"({"type":"comments"})", R"({"type":"crlf"})",
                              R"([{"type":"comments"},{"type":"crlf"},{"type":"chunk_bytes","bytes":3}])"}) {
        SCOPED_TRACE(fault);
        auto o = faulted(c.get(), fault, true, 6);
        EXPECT_EQ(o->outcome, REALM_OUTCOME_COMPLETE) << o->message;
        EXPECT_EQ(o->text, "The capital of France is Paris. ");
        EXPECT_EQ(o->finish_reason, "length");
        EXPECT_EQ(o->total_tokens, 7);
    }
    // "é" split across two events: joined, never delivered broken.
    auto split = faulted(c.get(), R"({"type":"split_utf8","after":1})", true, 3);
    EXPECT_EQ(split->outcome, REALM_OUTCOME_COMPLETE) << split->message;
    EXPECT_NE(split->text.find("\xc3\xa9"), std::string::npos) << split->text;
    for (const auto &t : split->tokens) EXPECT_NE(t, "\xc3");
}

TEST_F(OpenAiHttp, TimeoutsEndStalledExchanges) {
    auto c = connected();
    Outcome total, idle;
    ASSERT_EQ(chat(c.get(), total, "t", 5, true, R"({"fault":{"type":"stall","ms":3000,"after":1}})", nullptr, 200),
              REALM_OK);
    ASSERT_EQ(chat(c.get(), idle, "i", 5, true, R"({"fault":{"type":"stall","ms":3000,"after":1}})", nullptr, 0, 150),
              REALM_OK);
    ASSERT_TRUE(total.wait());
    EXPECT_EQ(total.status, REALM_ERR_TIMEOUT);
    ASSERT_TRUE(idle.wait());
    EXPECT_EQ(idle.status, REALM_ERR_IDLE_TIMEOUT);
}

TEST(OpenAiHttpAuth, BearerKeysRateLimitsAndUnreachableServers) {
    ServerProcess server;
    std::string keys = write_api_keys_file();
    ASSERT_TRUE(server.start({"--api-keys", keys, "--rate-limit-burst", "1", "--rate-limit-rpm", "60"}));
    auto good = openai_client(server.http_url("/v1"), {{"api_key", "sk_test_123"}});
    ASSERT_EQ(connect(good.get()), REALM_OK);
    Outcome first, second;
    ASSERT_EQ(chat(good.get(), first, "Hi", 2, true), REALM_OK);
    ASSERT_TRUE(first.wait());
    EXPECT_EQ(first.outcome, REALM_OUTCOME_COMPLETE) << first.message;
    ASSERT_EQ(chat(good.get(), second, "Hi", 2, true), REALM_OK);  // burst of 1: limited
    ASSERT_TRUE(second.wait());
    EXPECT_EQ(second.status, REALM_ERR_RATE_LIMITED) << second.message;
    EXPECT_EQ(second.http_status, 429);
    EXPECT_GE(second.retry_after_ms, 1000);

    // A refused key fails the connect (its probe), and never shows in the message.
    auto bad = openai_client(server.http_url("/v1"), {{"api_key", "sk_wrong_key"}});
    std::string why;
    realm_status_t st = REALM_OK;
    EXPECT_EQ(connect(bad.get(), &why, &st), REALM_ERR_UNAUTHORIZED) << why;
    EXPECT_EQ(why.find("sk_wrong_key"), std::string::npos) << why;

    // A server killed mid-stream: the request ends once, CONNECTION_LOST.
    Outcome killed;
    auto stream = openai_client(server.http_url("/v1"), {{"api_key", "sk_test_123"}});
    ASSERT_EQ(connect(stream.get()), REALM_OK);
    killed.on_first_tokens = [&](realm_request_t *) { server.kill_hard(); };
    // (the key's bucket refills at 1/s; this is the first request of this
    // second only if it is allowed, else it ends as rate limited: both end once)
    ASSERT_EQ(chat(stream.get(), killed, "Kill", 100000, true, R"({"delay_ms":2})"), REALM_OK);
    ASSERT_TRUE(killed.wait());
    EXPECT_EQ(killed.terminal_count(), 1);
    EXPECT_TRUE(killed.status == REALM_ERR_CONNECTION_LOST || killed.status == REALM_ERR_RATE_LIMITED) << killed.message;

    // Nobody listening: connect fails at once with CONNECT_FAILED.
    auto gone = openai_client("http://127.0.0.1:1/v1");
    EXPECT_EQ(connect(gone.get(), &why, &st), REALM_ERR_CONNECT_FAILED) << why;
}

TEST(OpenAiHttpLogging, SecretsNeverReachTheLog) {
    struct Lines {
        std::mutex m;
        std::vector<std::string> lines;
        static void sink(void *user, realm_log_level_t, const char *message) {
            auto *l = static_cast<Lines *>(user);
            std::lock_guard<std::mutex> lock(l->m);
            l->lines.emplace_back(message);
        }
    } lines;
    ASSERT_EQ(realm_set_log_callback(&Lines::sink, &lines, REALM_LOG_DEBUG), REALM_OK);
    ServerProcess server;
    ASSERT_TRUE(server.start({"--enable-faults"}));
    {
        auto c = openai_client(server.http_url("/v1?token=tok_secret_1"),
                               {{"api_key", "sk_secret_2"}, {"header", "X-Extra: hdr_secret_3"}});
        ASSERT_EQ(connect(c.get()), REALM_OK);
        Outcome o;
        ASSERT_EQ(chat(c.get(), o, "Hi", 2, true, R"({"fault":{"type":"http_status","status":500,"body":"html"}})"),
                  REALM_OK);
        ASSERT_TRUE(o.wait());
    }
    ASSERT_EQ(realm_set_log_callback(nullptr, nullptr, REALM_LOG_ERROR), REALM_OK);
    std::lock_guard<std::mutex> lock(lines.m);
    bool connecting = false, http_error = false;
    for (const auto &l : lines.lines) {
        EXPECT_EQ(l.find("tok_secret_1"), std::string::npos) << l;
        EXPECT_EQ(l.find("sk_secret_2"), std::string::npos) << l;
        EXPECT_EQ(l.find("hdr_secret_3"), std::string::npos) << l;
        connecting |= l.find("token=***") != std::string::npos;
        http_error |= l.find("HTTP 500") != std::string::npos;
    }
    EXPECT_TRUE(connecting) << "no redacted URL in " << lines.lines.size() << " lines";
    EXPECT_TRUE(http_error);
}

}  // namespace
}  // namespace realm::test
