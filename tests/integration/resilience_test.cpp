// Server death, restarts, disconnect and destroy with requests in flight:
// every accepted request ends exactly once, and nothing hangs.
#include <gtest/gtest.h>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

TEST(Resilience, ServerKilledMidStreamEndsEveryRequestOnce) {
    Events ev;  // outlives the client
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url(), [](realm_options_t *o) { realm_options_set_reconnect(o, 0); });
    ev.attach(c.get());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    std::vector<std::unique_ptr<Outcome>> streams;
    Outcome first;
    std::mutex m;
    std::condition_variable cv;
    bool started = false;
    first.on_first_tokens = [&](realm_request_t *) {
        std::lock_guard<std::mutex> lock(m);
        started = true;
        cv.notify_all();
    };
    ASSERT_EQ(generate(c.get(), first, "Kill", 100000, true, R"({"delay_ms":2})"), REALM_OK);
    for (int i = 0; i < 10; ++i) {
        streams.push_back(std::make_unique<Outcome>());
        ASSERT_EQ(generate(c.get(), *streams.back(), "Kill", 100000, true, R"({"delay_ms":2})"), REALM_OK);
    }
    {
        std::unique_lock<std::mutex> lock(m);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return started; }));
    }
    server.kill_hard();
    ASSERT_TRUE(first.wait());
    EXPECT_EQ(first.status, REALM_ERR_CONNECTION_LOST);
    for (auto &s : streams) {
        ASSERT_TRUE(s->wait());
        EXPECT_EQ(s->terminal_count(), 1);
        EXPECT_EQ(s->status, REALM_ERR_CONNECTION_LOST) << s->message;
    }
    ASSERT_TRUE(ev.wait_for(REALM_EVENT_DISCONNECTED));
    EXPECT_EQ(ev.close_codes().at(0), 1006);
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_DISCONNECTED);
}

TEST(Resilience, ReconnectsAfterAServerRestart) {
    Events ev;  // outlives the client
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    int port = server.port();
    auto c = make_client(server.url(), [](realm_options_t *o) {
        realm_options_set_backoff_base_ms(o, 50);
        realm_options_set_backoff_cap_ms(o, 200);
        realm_options_set_backoff_max_attempts(o, 0);  // keep trying
    });
    ev.attach(c.get());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome inflight;
    ASSERT_EQ(generate(c.get(), inflight, "Restart", 100000, true, R"({"delay_ms":5})"), REALM_OK);
    EXPECT_EQ(server.stop(), 0);  // clean shutdown closes the connection
    ASSERT_TRUE(inflight.wait());
    EXPECT_EQ(inflight.status, REALM_ERR_CONNECTION_LOST);  // never re-sent
    ASSERT_TRUE(ev.wait_for(REALM_EVENT_RECONNECTING, 2));
    // A request made while reconnecting waits in the queue...
    Outcome queued;
    ASSERT_EQ(generate(c.get(), queued, "What is the capital of France?", 5, false), REALM_OK);
    ServerProcess again;
    ASSERT_TRUE(again.start({}, port));
    ASSERT_TRUE(ev.wait_for(REALM_EVENT_CONNECTED, 2, 15000));
    // ...and is sent once the connection is back.
    ASSERT_TRUE(queued.wait(15000));
    EXPECT_EQ(queued.outcome, REALM_OUTCOME_COMPLETE) << queued.message;
    EXPECT_EQ(queued.text, "Paris");
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_CONNECTED);
}

TEST(Resilience, GivesUpAfterMaxAttempts) {
    Events ev;  // outlives the client
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url(), [](realm_options_t *o) {
        realm_options_set_backoff_base_ms(o, 10);
        realm_options_set_backoff_cap_ms(o, 20);
        realm_options_set_backoff_max_attempts(o, 3);
    });
    ev.attach(c.get());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    server.kill_hard();
    ASSERT_TRUE(ev.wait_for(REALM_EVENT_RECONNECTING, 3));
    ASSERT_TRUE(ev.wait_for(REALM_EVENT_ERROR, 1));
    EXPECT_EQ(ev.count(REALM_EVENT_RECONNECTING), 3);
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_DISCONNECTED);
}

TEST(Resilience, DestroyWithRequestsInFlightCancelsEachOnce) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    std::vector<std::unique_ptr<Outcome>> outcomes;
    for (int i = 0; i < 50; ++i) {
        outcomes.push_back(std::make_unique<Outcome>());
        ASSERT_EQ(generate(c.get(), *outcomes.back(), "Destroy", 100000, true, R"({"delay_ms":10})"), REALM_OK);
    }
    c.reset();  // blocking destroy
    for (auto &o : outcomes) {
        EXPECT_EQ(o->terminal_count(), 1);  // already delivered: destroy waited
        EXPECT_EQ(o->outcome, REALM_OUTCOME_CANCELLED);
    }
}

TEST(Resilience, DisconnectCancelsAndTheClientCanConnectAgain) {
    Events ev;  // outlives the client
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ev.attach(c.get());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Bye", 100000, true, R"({"delay_ms":10})"), REALM_OK);
    ASSERT_EQ(realm_client_disconnect_wait(c.get()), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.outcome, REALM_OUTCOME_CANCELLED);
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_DISCONNECTED);
    EXPECT_EQ(ev.count(REALM_EVENT_DISCONNECTED), 1);
    EXPECT_EQ(ev.count(REALM_EVENT_RECONNECTING), 0);
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome h;
    ASSERT_EQ(health(c.get(), h), REALM_OK);
    ASSERT_TRUE(h.wait());
    EXPECT_EQ(h.outcome, REALM_OUTCOME_COMPLETE);
}

TEST(Resilience, QueueFullIsRefusedAtOnce) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--enable-faults"}));
    auto c = make_client(server.url("/?fault=no_welcome"), [](realm_options_t *o) {
        realm_options_set_max_queued_requests(o, 2);
        realm_options_set_connect_timeout_ms(o, 2000);
    });
    ASSERT_EQ(realm_client_connect(c.get(), nullptr, nullptr), REALM_OK);
    Outcome a, b, refused;
    ASSERT_EQ(health(c.get(), a), REALM_OK);
    ASSERT_EQ(health(c.get(), b), REALM_OK);
    EXPECT_EQ(health(c.get(), refused), REALM_ERR_QUEUE_FULL);
    // The queued ones end when the connect attempt times out.
    ASSERT_TRUE(a.wait() && b.wait());
    EXPECT_EQ(a.status, REALM_ERR_TIMEOUT);
    EXPECT_EQ(refused.terminal_count(), 0);
}

}  // namespace
}  // namespace realm::test
