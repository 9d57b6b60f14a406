// Every fault realm-server can inject (--enable-faults) ends the affected
// request once with a clear error code; the rest goes on where it can.
#include <gtest/gtest.h>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

class Faults : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(server.start({"--enable-faults"})); }

    ClientPtr connected(const std::string &path = "", const std::function<void(realm_options_t *)> &tweak = nullptr) {
        auto c = make_client(server.url(path), [&](realm_options_t *o) {
            realm_options_set_reconnect(o, 0);
            if (tweak) tweak(o);
        });
        events.attach(c.get());
        EXPECT_EQ(connect(c.get()), REALM_OK);
        return c;
    }

    // Runs one stream with a fault and returns its outcome.
    void run(realm_client_t *c, Outcome &o, const std::string &fault) {
        std::string extra = R"({"fault":)" + fault + "}";
        ASSERT_EQ(generate(c, o, "Fault", 20, true, extra.c_str()), REALM_OK);
        ASSERT_TRUE(o.wait());
    }

    ServerProcess server;
    Events events;
};

TEST_F(Faults, DropMidStreamIsConnectionLost) {
    auto c = connected();
    Outcome o, bystander;
    ASSERT_EQ(generate(c.get(), bystander, "Other", 100000, true, R"({"delay_ms":5})"), REALM_OK);
    run(c.get(), o, R"({"type":"drop","after":4})");
    EXPECT_EQ(o.status, REALM_ERR_CONNECTION_LOST) << o.message;
    EXPECT_EQ(o.tokens.size(), 4u);
    ASSERT_TRUE(bystander.wait());
    EXPECT_EQ(bystander.status, REALM_ERR_CONNECTION_LOST);  // every in-flight request ends
    EXPECT_TRUE(events.wait_for(REALM_EVENT_DISCONNECTED));
}

TEST_F(Faults, MalformedFrameIsAProtocolError) {
    auto c = connected();
    Outcome o;
    run(c.get(), o, R"({"type":"malformed","after":2})");
    EXPECT_EQ(o.status, REALM_ERR_PROTOCOL) << o.message;
    EXPECT_EQ(o.code, "PROTOCOL_ERROR");
    Outcome h;  // the connection survives
    ASSERT_EQ(health(c.get(), h), REALM_OK);
    ASSERT_TRUE(h.wait());
    EXPECT_EQ(h.outcome, REALM_OUTCOME_COMPLETE);
}

TEST_F(Faults, InvalidUtf8IsAProtocolError) {
    auto c = connected();
    Outcome o;
    run(c.get(), o, R"({"type":"invalid_utf8","after":2})");
    EXPECT_EQ(o.status, REALM_ERR_PROTOCOL) << o.message;
    EXPECT_NE(o.message.find("UTF-8"), std::string::npos) << o.message;
}

TEST_F(Faults, WrongFieldTypesFailThatRequestOnly) {
    auto c = connected();
    Outcome o, other;
    ASSERT_EQ(generate(c.get(), other, "Other", 30, true, R"({"delay_ms":2})"), REALM_OK);
    run(c.get(), o, R"({"type":"wrong_types","after":1})");
    EXPECT_EQ(o.status, REALM_ERR_PROTOCOL) << o.message;
    ASSERT_TRUE(other.wait());
    EXPECT_EQ(other.outcome, REALM_OUTCOME_COMPLETE) << other.message;
    EXPECT_EQ(other.tokens.size(), 30u);
}

TEST_F(Faults, BinaryFrameIsAProtocolError) {
    auto c = connected();
    Outcome o;
    run(c.get(), o, R"({"type":"binary","after":1})");
    EXPECT_EQ(o.status, REALM_ERR_PROTOCOL) << o.message;
}

TEST_F(Faults, UnknownIdIsReportedAndTheStreamGoesOn) {
    auto c = connected();
    Outcome o;
    run(c.get(), o, R"({"type":"unknown_id","after":2})");
    EXPECT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    EXPECT_EQ(o.tokens.size(), 20u);
    EXPECT_TRUE(events.wait_for(REALM_EVENT_ERROR));
    ASSERT_FALSE(events.errors().empty());
    EXPECT_NE(events.errors()[0].find("unknown request id"), std::string::npos) << events.errors()[0];
}

TEST_F(Faults, OversizedFrameClosesWith1009) {
    auto c = connected("", [](realm_options_t *o) { realm_options_set_max_message_size(o, 64 * 1024); });
    Outcome o;
    run(c.get(), o, R"({"type":"oversized","after":1,"bytes":200000})");
    EXPECT_EQ(o.status, REALM_ERR_MESSAGE_TOO_LARGE) << o.message;
    EXPECT_EQ(o.close_code, 1009);
}

// The other direction: a request whose frame would exceed the limit is not
// sent (a server closes the connection on it, failing everything else in
// flight); it alone fails, and the connection goes on.
TEST_F(Faults, OversizedRequestFailsAloneWithoutBeingSent) {
    auto c = connected("", [](realm_options_t *o) { realm_options_set_max_message_size(o, 4096); });
    Outcome bystander, big, after;
    ASSERT_EQ(generate(c.get(), bystander, "Other", 30, true, R"({"delay_ms":2})"), REALM_OK);
    ASSERT_EQ(generate(c.get(), big, std::string(5000, 'x'), 5, false), REALM_OK);
    ASSERT_TRUE(big.wait());
    EXPECT_EQ(big.status, REALM_ERR_MESSAGE_TOO_LARGE) << big.message;
    EXPECT_EQ(big.code, "MESSAGE_TOO_LARGE");
    EXPECT_NE(big.message.find("4096"), std::string::npos) << big.message;
    EXPECT_EQ(big.terminal_count(), 1);
    ASSERT_TRUE(bystander.wait());
    EXPECT_EQ(bystander.outcome, REALM_OUTCOME_COMPLETE) << bystander.message;
    EXPECT_EQ(bystander.tokens.size(), 30u);
    ASSERT_EQ(generate(c.get(), after, "Still here", 3, false), REALM_OK);
    ASSERT_TRUE(after.wait());
    EXPECT_EQ(after.outcome, REALM_OUTCOME_COMPLETE) << after.message;
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_CONNECTED);
    EXPECT_TRUE(events.errors().empty());
}

TEST_F(Faults, CloseWithCodeIsReported) {
    auto c = connected();
    Outcome o;
    run(c.get(), o, R"({"type":"close","after":1,"code":4001,"reason":"maintenance"})");
    EXPECT_EQ(o.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_EQ(o.close_code, 4001);
    EXPECT_NE(o.message.find("maintenance"), std::string::npos) << o.message;
    ASSERT_TRUE(events.wait_for(REALM_EVENT_DISCONNECTED));
    EXPECT_EQ(events.close_codes().at(0), 4001);
}

TEST_F(Faults, BackendErrorIsTerminal) {
    auto c = connected();
    Outcome o;
    run(c.get(), o, R"({"type":"backend_error","after":3})");
    EXPECT_EQ(o.status, REALM_ERR_BACKEND) << o.message;
    EXPECT_EQ(o.code, "BACKEND_ERROR");
    EXPECT_EQ(o.tokens.size(), 3u);
}

TEST_F(Faults, RefusedAuthIsUnauthorized) {
    auto c = make_client(server.url("/?fault=refuse_auth"), [](realm_options_t *o) {
        realm_options_set_api_key(o, "sk_whatever");
    });
    std::string msg;
    EXPECT_EQ(connect(c.get(), &msg), REALM_ERR_UNAUTHORIZED) << msg;
}

TEST_F(Faults, RejectedUpgradeCarriesTheHttpStatus) {
    auto c = make_client(server.url("/?fault=reject_upgrade&status=503"));
    realm_error_t *err = nullptr;
    EXPECT_EQ(realm_client_connect_wait(c.get(), 10000, &err), REALM_ERR_CONNECT_FAILED);
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(realm_error_http_status(err), 503) << realm_error_message(err);
    realm_error_destroy(err);
}

TEST_F(Faults, NoWelcomeTimesOut) {
    auto c = make_client(server.url("/?fault=no_welcome"),
                         [](realm_options_t *o) { realm_options_set_connect_timeout_ms(o, 300); });
    std::string msg;
    EXPECT_EQ(connect(c.get(), &msg), REALM_ERR_TIMEOUT) << msg;
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_DISCONNECTED);
}

TEST_F(Faults, CloseRightAfterWelcome) {
    Events ev;  // outlives the client
    auto c = make_client(server.url("/?fault=close_after_welcome&code=4002"),
                         [](realm_options_t *o) { realm_options_set_reconnect(o, 0); });
    ev.attach(c.get());
    EXPECT_EQ(connect(c.get()), REALM_OK);
    ASSERT_TRUE(ev.wait_for(REALM_EVENT_DISCONNECTED));
    EXPECT_EQ(ev.close_codes().at(0), 4002);
}

TEST_F(Faults, FaultsAreRefusedWithoutTheFlag) {
    ServerProcess plain;
    ASSERT_TRUE(plain.start({}));
    auto c = make_client(plain.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "x", 5, true, R"({"fault":{"type":"drop","after":1}})"), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.status, REALM_ERR_DISPATCH) << o.message;
}

}  // namespace
}  // namespace realm::test
