// openai-ws against realm-server through the public C API: streaming and
// whole answers, usage and finish reasons, the pool and multiplexing under
// 200 concurrent requests, cancel, auth, rate limits, the server killed and
// restarted, timeouts, and every fault, each ending its request exactly once.
#include <gtest/gtest.h>

#include <memory>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

const std::string kChat = "/v1/chat/completions";

class OpenAiWs : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(server.start({"--enable-faults"})); }

    ClientPtr connected(const std::vector<std::pair<std::string, std::string>> &settings = {},
                        const std::string &path = kChat) {
        auto c = openai_client(server.url(path), settings);
        events.attach(c.get());
        std::string why;
        EXPECT_EQ(connect(c.get(), &why), REALM_OK) << why;
        return c;
    }

    ServerProcess server;
    Events events;
};

TEST_F(OpenAiWs, StreamsAChatInOrderWithUsage) {
    auto c = connected();
    Outcome o;
    ASSERT_EQ(chat(c.get(), o, "Hello world", 5, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    EXPECT_EQ(o.tokens, (std::vector<std::string>{"The ", "capital ", "of ", "France ", "is "}));
    EXPECT_EQ(o.text, "The capital of France is ");
    EXPECT_EQ(o.finish_reason, "length");
    EXPECT_EQ(o.prompt_tokens, 2);
    EXPECT_EQ(o.completion_tokens, 5);
    EXPECT_EQ(o.total_tokens, 7);
    EXPECT_EQ(o.streamed, 5);
}

TEST_F(OpenAiWs, WholeAnswersAndTheCompletionsEndpoint) {
    auto c = connected();
    Outcome whole;
    ASSERT_EQ(chat(c.get(), whole, "Paris?", -1, false), REALM_OK);
    ASSERT_TRUE(whole.wait());
    ASSERT_EQ(whole.outcome, REALM_OUTCOME_COMPLETE) << whole.message;
    EXPECT_EQ(whole.text, "The capital of France is Paris. This is a simulated response to: Paris? ");
    EXPECT_TRUE(whole.tokens.empty());  // not a stream
    EXPECT_EQ(whole.finish_reason, "stop");
    EXPECT_EQ(whole.total_tokens, whole.prompt_tokens + whole.completion_tokens);

    auto comp = connected({}, "/v1/completions");
    Outcome o;
    ASSERT_EQ(generate(comp.get(), o, "Once", 2, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    EXPECT_EQ(o.text, "The capital ");
    EXPECT_EQ(o.finish_reason, "length");
    // A prompt on a chat socket is one user message; stop strings are honoured.
    Outcome stopped;
    ASSERT_EQ(generate(c.get(), stopped, "Hi", 10, true, R"({"stop":["France"]})"), REALM_OK);
    ASSERT_TRUE(stopped.wait());
    EXPECT_EQ(stopped.text, "The capital of ");
    EXPECT_EQ(stopped.finish_reason, "stop");
}

// 200 concurrent streams: through a pool of 4 sockets (queued behind them)
// and multiplexed on one socket.
TEST_F(OpenAiWs, TwoHundredConcurrentStreamsPooledAndMultiplexed) {
    for (bool mux : {false, true}) {
        SCOPED_TRACE(mux ? "multiplexed" : "pool");
        auto c = connected({{"multiplex", mux ? "true" : "false"}});
        std::vector<std::unique_ptr<Outcome>> all;
        for (int i = 0; i < 200; ++i) {
            all.push_back(std::make_unique<Outcome>());
            ASSERT_EQ(chat(c.get(), *all.back(), "Q" + std::to_string(i), 20, true), REALM_OK);
        }
        for (int i = 0; i < 200; ++i) {
            ASSERT_TRUE(all[i]->wait(30000)) << i;
            EXPECT_EQ(all[i]->outcome, REALM_OUTCOME_COMPLETE) << all[i]->message;
            EXPECT_EQ(all[i]->tokens.size(), 20u);
            EXPECT_EQ(all[i]->terminal_count(), 1);
        }
    }
}

TEST_F(OpenAiWs, CancelClosesThePooledSocketOrSendsTheCancelFrame) {
    for (bool mux : {false, true}) {
        SCOPED_TRACE(mux ? "multiplexed" : "pool");
        auto c = connected({{"multiplex", mux ? "true" : "false"}});
        Outcome bystander, victim;
        ASSERT_EQ(chat(c.get(), bystander, "Other", 40, true, R"({"delay_ms":1})"), REALM_OK);
        std::mutex m;
        std::condition_variable cv;
        bool started = false;
        victim.on_first_tokens = [&](realm_request_t *req) {
            realm_request_cancel(req);
            std::lock_guard<std::mutex> lock(m);
            started = true;
            cv.notify_all();
        };
        ASSERT_EQ(chat(c.get(), victim, "Long", 100000, true, R"({"delay_ms":2})"), REALM_OK);
        ASSERT_TRUE(victim.wait());
        EXPECT_EQ(victim.outcome, REALM_OUTCOME_CANCELLED);
        EXPECT_EQ(victim.status, REALM_ERR_CANCELLED);
        ASSERT_TRUE(bystander.wait());
        EXPECT_EQ(bystander.outcome, REALM_OUTCOME_COMPLETE) << bystander.message;
        EXPECT_EQ(bystander.tokens.size(), 40u);
        Outcome after;  // the client goes on
        ASSERT_EQ(chat(c.get(), after, "After", 3, true), REALM_OK);
        ASSERT_TRUE(after.wait());
        EXPECT_EQ(after.outcome, REALM_OUTCOME_COMPLETE);
        EXPECT_EQ(events.count(REALM_EVENT_ERROR), 0);
    }
}

TEST_F(OpenAiWs, ErrorFramesEndTheRequestAndTheSocketStaysOpen) {
    auto c = connected({{"max_connections", "1"}});
    Outcome bad, good;
    ASSERT_EQ(chat(c.get(), bad, "x", 3, true, R"({"messages":"not-a-list"})"), REALM_OK);
    ASSERT_EQ(chat(c.get(), good, "y", 3, true), REALM_OK);
    ASSERT_TRUE(bad.wait());
    EXPECT_EQ(bad.status, REALM_ERR_INVALID_REQUEST);
    EXPECT_EQ(bad.code, "invalid_request_error");
    EXPECT_EQ(bad.error_type, "invalid_request_error");
    EXPECT_EQ(bad.error_param, "messages");
    ASSERT_TRUE(good.wait());
    EXPECT_EQ(good.outcome, REALM_OUTCOME_COMPLETE) << good.message;
    EXPECT_EQ(events.count(REALM_EVENT_DISCONNECTED), 0);
}

TEST_F(OpenAiWs, FaultsEndTheirRequestWithAClearCode) {
    struct Case {
        const char *fault;
        realm_status_t status;
        size_t tokens;
    };
    for (const Case &f : {Case{R"({"type":"malformed","after":2})", REALM_ERR_PROTOCOL, 2},
                          Case{R"({"type":"invalid_utf8","after":1})", REALM_ERR_PROTOCOL, 1},
                          Case{R"({"type":"binary","after":1})", REALM_ERR_PROTOCOL, 1},
                          Case{R"({"type":"backend_error","after":3})", REALM_ERR_SERVER_INTERNAL, 3},
                          Case{R"({"type":"drop","after":2})", REALM_ERR_CONNECTION_LOST, 2},
                          Case{R"({"type":"close","code":4001,"after":1})", REALM_ERR_CONNECTION_LOST, 1}}) {
        SCOPED_TRACE(f.fault);
        auto c = connected();
        Outcome o;
        std::string extra = std::string(R"({"fault":)") + f.fault + "}";
        ASSERT_EQ(chat(c.get(), o, "Fault", 10, true, extra.c_str()), REALM_OK);
        ASSERT_TRUE(o.wait());
        EXPECT_EQ(o.status, f.status) << o.message;
        EXPECT_EQ(o.tokens.size(), f.tokens);
        EXPECT_EQ(o.terminal_count(), 1);
        Outcome next;  // the client recovers (a new socket where the old one died)
        ASSERT_EQ(chat(c.get(), next, "Next", 2, true), REALM_OK);
        ASSERT_TRUE(next.wait());
        EXPECT_EQ(next.outcome, REALM_OUTCOME_COMPLETE) << next.message;
    }
}

TEST_F(OpenAiWs, TimeoutsEndStalledRequests) {
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
    EXPECT_EQ(idle.tokens.size(), 1u);
}

TEST(OpenAiWsAuth, BearerHeaderAuthFrameAndRefusals) {
    ServerProcess server;
    std::string keys = write_api_keys_file();
    ASSERT_TRUE(server.start({"--api-keys", keys, "--rate-limit-burst", "2", "--rate-limit-rpm", "60"}));
    for (bool frame : {false, true}) {
        SCOPED_TRACE(frame ? "auth frame" : "bearer header");
        auto c = openai_client(server.url(kChat), {{"api_key", "sk_test_123"}, {"auth_message", frame ? "1" : "0"}});
        ASSERT_EQ(connect(c.get()), REALM_OK);
        Outcome o;
        ASSERT_EQ(chat(c.get(), o, "Hi", 2, true), REALM_OK);
        ASSERT_TRUE(o.wait());
        EXPECT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;

        auto bad = openai_client(server.url(kChat), {{"api_key", "sk_wrong"}, {"auth_message", frame ? "1" : "0"},
                                                     {"reconnect", "false"}});
        std::string why;
        realm_status_t st = REALM_OK;
        realm_status_t rc = connect(bad.get(), &why, &st);
        if (frame) {
            // No reply to a good auth frame exists, so a bad one shows when the
            // server closes with 1008 (after the connect, at the first request).
            // The close races the request: it fails with the close's status,
            // or, once the client has seen the close, as not connected.
            if (rc == REALM_OK) {
                Outcome refused;
                realm_status_t started = chat(bad.get(), refused, "Hi", 2, true);
                if (started == REALM_OK) {
                    ASSERT_TRUE(refused.wait());
                    EXPECT_EQ(refused.outcome, REALM_OUTCOME_ERROR);
                    EXPECT_TRUE(refused.status == REALM_ERR_UNAUTHORIZED || refused.status == REALM_ERR_CONNECTION_LOST ||
                                refused.status == REALM_ERR_NOT_CONNECTED)
                        << refused.message;
                } else {
                    EXPECT_EQ(started, REALM_ERR_NOT_CONNECTED);
                }
            } else {
                EXPECT_EQ(st, REALM_ERR_UNAUTHORIZED) << why;
            }
        } else {
            EXPECT_EQ(rc, REALM_ERR_UNAUTHORIZED) << why;
            EXPECT_EQ(why.find("sk_wrong"), std::string::npos) << why;  // keys never in messages
        }
    }
    // The key's tenant has a burst of 2 (two used above): the next is limited.
    auto c = openai_client(server.url(kChat), {{"api_key", "sk_test_123"}});
    ASSERT_EQ(connect(c.get()), REALM_OK);
    std::unique_ptr<Outcome> limited;
    for (int i = 0; i < 3; ++i) {
        limited = std::make_unique<Outcome>();
        ASSERT_EQ(chat(c.get(), *limited, "Hi", 1, true), REALM_OK);
        ASSERT_TRUE(limited->wait());
        if (limited->outcome == REALM_OUTCOME_ERROR) break;
    }
    EXPECT_EQ(limited->status, REALM_ERR_RATE_LIMITED) << limited->message;
    EXPECT_EQ(limited->code, "rate_limit_exceeded");
    EXPECT_GT(limited->retry_after_ms, 0);
    EXPECT_TRUE(limited->retryable);
}

// Sent requests die with their sockets (never re-sent: a generation could
// run twice); queued ones wait and go out once the client has reconnected.
TEST(OpenAiWsResilience, ServerKilledMidStreamThenRestarted) {
    Events ev;
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    int port = server.port();
    auto c = openai_client(server.url(kChat), {{"max_connections", "3"}});
    ev.attach(c.get());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    std::vector<std::unique_ptr<Outcome>> sent, queued;
    std::mutex m;
    std::condition_variable cv;
    int started = 0;
    for (int i = 0; i < 3; ++i) {
        sent.push_back(std::make_unique<Outcome>());
        sent.back()->on_first_tokens = [&](realm_request_t *) {
            std::lock_guard<std::mutex> lock(m);
            ++started;
            cv.notify_all();
        };
        ASSERT_EQ(chat(c.get(), *sent.back(), "Kill", 100000, true, R"({"delay_ms":2})"), REALM_OK);
    }
    {
        std::unique_lock<std::mutex> lock(m);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return started == 3; }));
    }
    for (int i = 0; i < 3; ++i) {  // the pool is busy: these wait
        queued.push_back(std::make_unique<Outcome>());
        ASSERT_EQ(chat(c.get(), *queued.back(), "Later", 3, true), REALM_OK);
    }
    server.kill_hard();
    for (auto &s : sent) {
        ASSERT_TRUE(s->wait());
        EXPECT_EQ(s->terminal_count(), 1);
        EXPECT_EQ(s->status, REALM_ERR_CONNECTION_LOST) << s->message;
    }
    ServerProcess again;  // same port: the client reconnects by itself
    ASSERT_TRUE(again.start({}, port));
    for (auto &q : queued) {
        ASSERT_TRUE(q->wait(15000));
        EXPECT_EQ(q->outcome, REALM_OUTCOME_COMPLETE) << q->message;
        EXPECT_EQ(q->tokens.size(), 3u);
    }
    EXPECT_GE(ev.count(REALM_EVENT_CONNECTED), 2);
    EXPECT_GE(ev.count(REALM_EVENT_RECONNECTING), 1);
}

}  // namespace
}  // namespace realm::test
