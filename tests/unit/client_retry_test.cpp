// Retries and failover in the client core, against fake connections: a
// request that failed before any of its answer arrived goes out again on the
// next connection; several URLs are tried in order.
#include <gtest/gtest.h>

#include <cjson/cJSON.h>

#include "client_fixture.h"

namespace {

using namespace realm::test;

TEST_F(ClientFixture, RealmLossResendsARequestWithoutAnswerOnTheNewConnectionOnly) {
    make({{"url", "ws://h:1"}, {"backoff_base_ms", "1"}, {"max_retries", "2"}, {"retry_base_ms", "1"}});
    Connect c;
    connect_ws(c, {kWelcome});
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    Recorded quiet(chat(), "q"), started(chat(), "s");
    submit(quiet);
    submit(started);
    ASSERT_TRUE(eventually([&] { return socket(0).sent.size() == 2; }));
    std::string started_id;
    on_loop([&] {
        // Only one of them has begun to answer when the connection drops.
        cJSON *frame = cJSON_Parse(socket(0).sent[1].c_str());
        started_id = cJSON_GetObjectItem(frame, "id")->valuestring;
        cJSON_Delete(frame);
        socket(0).receive(R"({"id":")" + started_id + R"(","status":"streaming","data":{"text":"Hel","index":0,"is_final":false}})");
    });
    ASSERT_TRUE(eventually([&] { return started.joined() == "Hel"; }));
    on_loop([&] { socket(0).drop(1006, "gone"); });
    ASSERT_TRUE(started.done());
    EXPECT_EQ(started.status, REALM_ERR_CONNECTION_LOST);  // never sent twice
    EXPECT_FALSE(quiet.done());
    ASSERT_TRUE(eventually([&] { return net->sockets.size() == 2; }));
    on_loop([&] {
        socket(1).open();
        socket(1).receive(kWelcome);
    });
    ASSERT_TRUE(eventually([&] { return socket(1).sent.size() == 1; }));
    std::string resent_id;
    on_loop([&] {
        cJSON *frame = cJSON_Parse(socket(1).sent[0].c_str());
        resent_id = cJSON_GetObjectItem(frame, "id")->valuestring;
        cJSON_Delete(frame);
        socket(1).receive(R"({"id":")" + resent_id + R"(","status":"streaming","data":{"text":"done","index":0,"is_final":true}})");
        socket(1).receive(R"({"id":")" + resent_id + R"(","status":"complete","data":{"status":"complete","tokens_generated":1}})");
    });
    EXPECT_NE(resent_id.find('~'), std::string::npos) << resent_id;
    ASSERT_TRUE(quiet.done());
    EXPECT_EQ(quiet.outcome, REALM_OUTCOME_COMPLETE) << quiet.message;
    EXPECT_EQ(quiet.text, "done");
    EXPECT_EQ(quiet.terminals + started.terminals, 2);
}

TEST_F(ClientFixture, ConnectGoesToTheFirstUrlThatAnswersAndALossFailsOverToTheNext) {
    make({{"urls", "ws://a:1 ws://b:2 ws://c:3"}, {"backoff_base_ms", "60000"}});
    Connect c;
    ASSERT_EQ(core->connect(&Connect::cb, &c), REALM_OK);
    ASSERT_TRUE(eventually([&] { return net->sockets.size() == 1; }));
    on_loop([&] {
        EXPECT_EQ(socket(0).spec.host, "a");
        socket(0).drop(1006, "refused");  // before it opened: a failed connect
    });
    ASSERT_TRUE(eventually([&] { return net->sockets.size() == 2; }));
    on_loop([&] {
        EXPECT_EQ(socket(1).spec.host, "b");
        socket(1).open();
        socket(1).receive(kWelcome);
    });
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    EXPECT_EQ(c.status, REALM_OK);
    // The connection to b drops: c at once, not after the minute of backoff.
    on_loop([&] { socket(1).drop(1006, "gone"); });
    ASSERT_TRUE(eventually([&] { return net->sockets.size() == 3; }));
    on_loop([&] {
        EXPECT_EQ(socket(2).spec.host, "c");
        socket(2).open();
        socket(2).receive(kWelcome);
    });
    ASSERT_TRUE(eventually([&] { return core->state() == REALM_STATE_CONNECTED; }));
}

TEST_F(ClientFixture, ConnectFailsOnlyWhenEveryUrlFailed) {
    make({{"urls", "ws://a:1 ws://b:2"}});
    Connect c;
    ASSERT_EQ(core->connect(&Connect::cb, &c), REALM_OK);
    for (size_t i = 0; i < 2; ++i) {
        ASSERT_TRUE(eventually([&] { return net->sockets.size() == i + 1; }));
        on_loop([&] { socket(i).drop(1006, "refused"); });
    }
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    EXPECT_NE(c.status, REALM_OK);
    EXPECT_EQ(sockets(), 2u);
    EXPECT_EQ(core->state(), REALM_STATE_DISCONNECTED);
}

TEST_F(ClientFixture, HttpProbesTheNextUrlAndRetriesGoWhereTheServerAnswers) {
    make({{"urls", "http://a:1/v1 http://b:2/v1"}, {"max_retries", "1"}, {"retry_base_ms", "1"}});
    Connect c;
    ASSERT_EQ(core->connect(&Connect::cb, &c), REALM_OK);
    ASSERT_TRUE(eventually([&] { return net->exchanges.size() == 1; }));
    on_loop([&] {
        EXPECT_EQ(net->exchanges[0]->spec.host, "a");
        net->exchanges[0]->end(false, true, "connection refused");
    });
    ASSERT_TRUE(eventually([&] { return net->exchanges.size() == 2; }));
    on_loop([&] {
        EXPECT_EQ(net->exchanges[1]->spec.host, "b");
        net->exchanges[1]->respond(200, "application/json", R"({"object":"list","data":[]})");
    });
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    EXPECT_EQ(c.status, REALM_OK);
    // b answers 503 once; the retry goes out again (to b, the server in use).
    Recorded r(chat(false));
    submit(r);
    ASSERT_TRUE(eventually([&] { return net->exchanges.size() == 3; }));
    on_loop([&] { net->exchanges[2]->respond(503, "application/json", R"({"error":{"message":"Loading model"}})"); });
    ASSERT_TRUE(eventually([&] { return net->exchanges.size() == 4; }));
    on_loop([&] {
        EXPECT_EQ(net->exchanges[3]->spec.host, "b");
        net->exchanges[3]->respond(
            200, "application/json",
            R"({"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]})");
    });
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.outcome, REALM_OUTCOME_COMPLETE) << r.message;
    EXPECT_EQ(r.text, "ok");
    EXPECT_EQ(r.terminals, 1);
}

}  // namespace
