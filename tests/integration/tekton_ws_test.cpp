// The tekton-ws dialect (tekton.md 3) against realm-server's /ws through the
// public C API: the four request types on one multiplexed socket, cancel in
// the middle of a stream (the server's counters show it stopped), a bad
// Bearer token refused on the upgrade, and server PINGs answered (the server
// closes a socket whose PING goes unanswered).
#include <gtest/gtest.h>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

const std::vector<std::string> kFiveTokens = {"The ", "capital ", "of ", "France ", "is "};
const std::string kWholeAnswer = "The capital of France is Paris. This is a simulated response to: Paris? ";

class TektonWs : public ::testing::Test {
protected:
    ClientPtr connected(const std::vector<std::pair<std::string, std::string>> &extra = {}) {
        std::vector<std::pair<std::string, std::string>> settings = {{"dialect", "tekton-ws"}};
        settings.insert(settings.end(), extra.begin(), extra.end());
        auto c = openai_client(server.url("/ws"), settings);
        events.attach(c.get());
        std::string why;
        EXPECT_EQ(connect(c.get(), &why), REALM_OK) << why;  // REGISTER / REGISTER_ACK
        return c;
    }

    ServerProcess server;
    Events events;  // declared before the clients: outlives them
};

TEST_F(TektonWs, GenerateStreamChatAndChatStreamOnOneSocket) {
    ASSERT_TRUE(server.start({}));
    auto c = connected({{"client_id", "c1"}});
    Outcome gen, stream, chat_whole, chat_stream;
    // All four at once: the replies are tied by request_id.
    ASSERT_EQ(generate(c.get(), gen, "Paris?", -1, false), REALM_OK);
    ASSERT_EQ(generate(c.get(), stream, "Hello world", 5, true), REALM_OK);
    ASSERT_EQ(chat(c.get(), chat_whole, "Paris?", -1, false), REALM_OK);
    ASSERT_EQ(chat(c.get(), chat_stream, "Hello world", 5, true), REALM_OK);

    for (Outcome *whole : {&gen, &chat_whole}) {
        ASSERT_TRUE(whole->wait());
        EXPECT_EQ(whole->terminal_count(), 1);
        ASSERT_EQ(whole->outcome, REALM_OUTCOME_COMPLETE) << whole->message;
        EXPECT_EQ(whole->text, kWholeAnswer);
        EXPECT_EQ(whole->finish_reason, "stop");
        EXPECT_GT(whole->total_tokens, 0);
        // The whole RESPONSE frame is the result (tekton.md 3.3).
        EXPECT_NE(whole->json.find(R"("type":"RESPONSE")"), std::string::npos) << whole->json;
        EXPECT_NE(whole->json.find(R"("provider":"realm")"), std::string::npos) << whole->json;
    }
    for (Outcome *s : {&stream, &chat_stream}) {
        ASSERT_TRUE(s->wait());
        EXPECT_EQ(s->terminal_count(), 1);
        ASSERT_EQ(s->outcome, REALM_OUTCOME_COMPLETE) << s->message;
        EXPECT_EQ(s->tokens, kFiveTokens);
        EXPECT_EQ(s->finish_reason, "length");
        EXPECT_EQ(s->completion_tokens, 5);
    }
    EXPECT_EQ(events.count(REALM_EVENT_ERROR), 0);
}

TEST_F(TektonWs, ServerErrorsFailOnlyTheirRequest) {
    ASSERT_TRUE(server.start({"--models", "m"}));
    auto c = connected();
    Outcome empty, good;
    // An empty messages list: the server's ERROR frame names the request.
    ASSERT_EQ(chat(c.get(), empty, "x", 3, false, R"({"messages":[]})"), REALM_OK);
    ASSERT_EQ(chat(c.get(), good, "Hello world", 5, true), REALM_OK);
    ASSERT_TRUE(empty.wait());
    EXPECT_EQ(empty.terminal_count(), 1);
    ASSERT_EQ(empty.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(empty.status, REALM_ERR_INVALID_REQUEST) << empty.message;
    EXPECT_EQ(empty.message, "messages must not be empty");
    ASSERT_TRUE(good.wait());
    EXPECT_EQ(good.outcome, REALM_OUTCOME_COMPLETE) << good.message;

    Outcome unknown;
    ASSERT_EQ(chat(c.get(), unknown, "x", 3, true, R"({"model_id":"nope"})"), REALM_OK);
    ASSERT_TRUE(unknown.wait());
    EXPECT_EQ(unknown.status, REALM_ERR_INVALID_REQUEST) << unknown.message;
    EXPECT_EQ(unknown.message, "Unknown model: nope");
    EXPECT_EQ(events.count(REALM_EVENT_ERROR), 0);
}

TEST_F(TektonWs, CancelMidStreamStopsTheServer) {
    ASSERT_TRUE(server.start({"--token-delay-ms", "20"}));
    auto c = connected();
    auto realm = make_client(server.url("/"));  // reads the server's counters (health)
    ASSERT_EQ(connect(realm.get()), REALM_OK);

    Outcome victim;
    victim.on_first_tokens = [&](realm_request_t *req) { realm_request_cancel(req); };
    ASSERT_EQ(generate(c.get(), victim, "Long", 100000, true), REALM_OK);
    ASSERT_TRUE(victim.wait());
    EXPECT_EQ(victim.terminal_count(), 1);
    EXPECT_EQ(victim.outcome, REALM_OUTCOME_CANCELLED);
    EXPECT_EQ(victim.status, REALM_ERR_CANCELLED);
    EXPECT_FALSE(victim.tokens.empty());
    // CANCEL reached the server: the generation stopped there.
    EXPECT_TRUE(wait_health(realm.get(), [](const std::string &json) {
        return json_int(json, "cancelled_total") == 1 && json_int(json, "active_requests") == 0;
    })) << "the server still generates";

    Outcome after;  // the socket goes on
    ASSERT_EQ(generate(c.get(), after, "Hello world", 2, true), REALM_OK);
    ASSERT_TRUE(after.wait());
    EXPECT_EQ(after.outcome, REALM_OUTCOME_COMPLETE) << after.message;
    EXPECT_EQ(events.count(REALM_EVENT_ERROR), 0);  // late chunks of the cancelled id are dropped quietly
}

TEST_F(TektonWs, BadBearerTokenIsRefusedOnTheUpgrade) {
    ASSERT_TRUE(server.start({"--api-keys", write_api_keys_file()}));
    auto good = connected({{"api_key", "sk_test_123"}});
    Outcome ok;
    ASSERT_EQ(chat(good.get(), ok, "Hi", 2, true), REALM_OK);
    ASSERT_TRUE(ok.wait());
    EXPECT_EQ(ok.outcome, REALM_OUTCOME_COMPLETE) << ok.message;

    for (const char *key : {"sk_wrong", ""}) {
        SCOPED_TRACE(*key ? "wrong key" : "no key");
        std::vector<std::pair<std::string, std::string>> settings = {{"dialect", "tekton-ws"}, {"reconnect", "false"}};
        if (*key) settings.emplace_back("api_key", key);
        auto bad = openai_client(server.url("/ws"), settings);
        std::string why;
        EXPECT_EQ(connect(bad.get(), &why), REALM_ERR_UNAUTHORIZED) << why;
        EXPECT_EQ(why.find("sk_wrong"), std::string::npos) << why;  // keys never in messages
    }
}

TEST_F(TektonWs, ServerPingsAreAnsweredWithPong) {
    // A PING still unanswered when the next is due closes the socket (1008),
    // so a stream that spans many PINGs only completes if each got its PONG.
    ASSERT_TRUE(server.start({"--tekton-ping-ms", "40", "--token-delay-ms", "20"}));
    auto c = connected();
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Hello world", 30, true), REALM_OK);  // ~600 ms: about 15 PINGs
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.terminal_count(), 1);
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    EXPECT_EQ(o.tokens.size(), 30u);
    EXPECT_EQ(events.count(REALM_EVENT_DISCONNECTED), 0);
    EXPECT_EQ(events.count(REALM_EVENT_ERROR), 0);
}

}  // namespace
}  // namespace realm::test
