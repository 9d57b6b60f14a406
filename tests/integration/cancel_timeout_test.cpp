// Cancellation (server-side and local) and request/idle timeouts.
#include <gtest/gtest.h>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

TEST(Cancel, ServerSideWhenTheServerSupportsIt) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    o.on_first_tokens = [](realm_request_t *req) { realm_request_cancel(req); };  // from the callback
    ASSERT_EQ(generate(c.get(), o, "Slow", 100000, true, R"({"delay_ms":5})"), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.outcome, REALM_OUTCOME_CANCELLED);
    EXPECT_EQ(o.code, "CANCELLED");
    EXPECT_LT(o.tokens.size(), 1000u);
    // The server stopped generating: nothing active, one cancellation counted.
    EXPECT_TRUE(wait_health(c.get(), [](const std::string &j) {
        return json_int(j, "active_requests") == 0 && json_int(j, "cancelled_total") >= 1;
    })) << "server kept generating after cancel";
    // The connection is fine afterwards, with no stray-frame errors.
    Outcome after;
    ASSERT_EQ(generate(c.get(), after, "What is the capital of France?", 5, false), REALM_OK);
    ASSERT_TRUE(after.wait());
    EXPECT_EQ(after.text, "Paris");
}

TEST(Cancel, LocallyAgainstAServerWithoutCancel) {
    Events ev;  // outlives the client
    ServerProcess server;
    ASSERT_TRUE(server.start({"--compat", "upstream", "--token-delay-ms", "2"}));
    auto c = make_client(server.url());
    ev.attach(c.get());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    realm_request_t *req = nullptr;
    o.on_first_tokens = [](realm_request_t *r) { realm_request_cancel(r); };
    ASSERT_EQ(generate(c.get(), o, "Local", 100, true, nullptr, &req), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.outcome, REALM_OUTCOME_CANCELLED);
    EXPECT_EQ(realm_request_is_done(req), 1);
    EXPECT_EQ(realm_request_cancel(req), REALM_OK);  // after the end: a no-op
    realm_request_release(req);
    // The FIFO server still finishes that stream; its frames are dropped
    // quietly and the next request is answered after it.
    Outcome next;
    ASSERT_EQ(health(c.get(), next), REALM_OK);
    ASSERT_TRUE(next.wait());
    EXPECT_EQ(next.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_EQ(ev.count(REALM_EVENT_ERROR), 0) << (ev.errors().empty() ? "" : ev.errors()[0]);
}

TEST(Cancel, QueuedRequestWhileConnecting) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--enable-faults"}));
    auto c = make_client(server.url("/?fault=no_welcome"), [](realm_options_t *o) {
        realm_options_set_connect_timeout_ms(o, 3000);
    });
    ASSERT_EQ(realm_client_connect(c.get(), nullptr, nullptr), REALM_OK);
    Outcome o;
    realm_request_t *req = nullptr;
    ASSERT_EQ(generate(c.get(), o, "queued", 5, false, nullptr, &req), REALM_OK);
    realm_request_cancel(req);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.outcome, REALM_OUTCOME_CANCELLED);
    realm_request_release(req);
}

TEST(Timeouts, RequestTimeoutOnAStreamThatNeverEnds) {
    // Upstream bug (realm.md 7.3): max_tokens 0 streams get no frame at all.
    ServerProcess server;
    ASSERT_TRUE(server.start({"--compat", "upstream"}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    EXPECT_EQ(realm_client_has_extension(c.get(), "terminal"), 0);
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Hi", 0, true, nullptr, nullptr, 300), REALM_OK);
    ASSERT_TRUE(o.wait(5000));
    EXPECT_EQ(o.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(o.status, REALM_ERR_TIMEOUT);
    EXPECT_EQ(o.code, "TIMEOUT");
    Outcome h;  // the connection stays usable
    ASSERT_EQ(health(c.get(), h), REALM_OK);
    ASSERT_TRUE(h.wait());
    EXPECT_EQ(h.outcome, REALM_OUTCOME_COMPLETE);
}

TEST(Timeouts, TerminalExtensionEndsZeroTokenStreams) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Hi", 0, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_EQ(o.tokens_generated, 0);
    EXPECT_TRUE(o.tokens.empty());
}

TEST(Timeouts, IdleTimeoutWhenTheStreamStalls) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--enable-faults"}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    // The stall (10 s) is far longer than the idle window (300 ms), so a slow
    // machine cannot let the stream resume in time; the wait ends on the event.
    ASSERT_EQ(generate(c.get(), o, "Stall", 50, true, R"({"fault":{"type":"stall","after":3,"ms":10000}})", nullptr,
                       0, 300),
              REALM_OK);
    ASSERT_TRUE(o.wait(20000));
    EXPECT_EQ(o.status, REALM_ERR_IDLE_TIMEOUT) << o.message;
    EXPECT_EQ(o.tokens.size(), 3u);
    // A steady stream that lasts longer than the idle window in total (100 x 20 ms
    // against 1 s), with gaps far inside it (headroom for a loaded machine), is fine.
    Outcome steady;
    ASSERT_EQ(generate(c.get(), steady, "Steady", 100, true, R"({"delay_ms":20})", nullptr, 0, 1000), REALM_OK);
    ASSERT_TRUE(steady.wait());
    EXPECT_EQ(steady.outcome, REALM_OUTCOME_COMPLETE) << steady.message;
}

}  // namespace
}  // namespace realm::test
