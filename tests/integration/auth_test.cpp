// Auth handshake, tenant rules and rate limiting against realm-server.
#include <gtest/gtest.h>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

ClientPtr client_with_key(const ServerProcess &s, const char *key, const char *tenant = nullptr) {
    return make_client(s.url(), [&](realm_options_t *o) {
        if (key) realm_options_set_api_key(o, key);
        if (tenant) {
            ASSERT_EQ(realm_options_set_tenant_id(o, tenant), REALM_OK);
        }
    });
}

TEST(Auth, SuccessAdoptsTheKeysTenant) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--api-keys", write_api_keys_file()}));
    auto c = client_with_key(server, "sk_test_123");
    ASSERT_EQ(connect(c.get()), REALM_OK);
    char tenant[64];
    realm_client_tenant_id(c.get(), tenant, sizeof tenant);
    EXPECT_STREQ(tenant, "tenant1");
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "What is the capital of France?", 5, false), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;  // the server checked tenant1 on the call
    EXPECT_EQ(o.text, "Paris");
}

TEST(Auth, BadOrDisabledKeyFailsWithoutReconnecting) {
    Events ev;  // outlives the client
    ServerProcess server;
    ASSERT_TRUE(server.start({"--api-keys", write_api_keys_file()}));
    for (const char *key : {"sk_nope", "sk_disabled"}) {
        // Reconnect on with a 10 ms backoff: a reconnect, if any, would come at once.
        auto c = make_client(server.url(), [&](realm_options_t *o) {
            realm_options_set_api_key(o, key);
            realm_options_set_reconnect(o, 1);
            realm_options_set_backoff_base_ms(o, 10);
            realm_options_set_backoff_jitter_percent(o, 0);
        });
        ev.attach(c.get());
        std::string msg;
        realm_status_t st;
        EXPECT_EQ(connect(c.get(), &msg, &st), REALM_ERR_UNAUTHORIZED) << msg;
        EXPECT_EQ(st, REALM_ERR_UNAUTHORIZED);
        EXPECT_NE(msg.find(std::string(key) == "sk_nope" ? "Invalid API key" : "API key is disabled"), std::string::npos)
            << msg;
        EXPECT_EQ(msg.find(key), std::string::npos) << "the key must never appear in messages";
        // Mirror of the Node test: a request round trip on another client, then
        // many backoff intervals in which no reconnect may start.
        auto probe = client_with_key(server, "sk_test_123");
        ASSERT_EQ(connect(probe.get()), REALM_OK);
        Outcome h;
        ASSERT_EQ(health(probe.get(), h), REALM_OK);
        ASSERT_TRUE(h.wait());
        EXPECT_FALSE(ev.wait_for(REALM_EVENT_RECONNECTING, 1, 300)) << "reconnect attempt after an auth failure";
        EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_DISCONNECTED);
        Outcome o;
        EXPECT_EQ(health(c.get(), o), REALM_ERR_NOT_CONNECTED);
    }
}

// realm-server closes a failed authentication without a status code (1005,
// realm.md 4): the error says so instead of close code 0.
TEST(Auth, FailureCarriesTheServersCloseCode) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--api-keys", write_api_keys_file()}));
    auto c = client_with_key(server, "sk_nope");
    realm_error_t *err = nullptr;
    ASSERT_EQ(realm_client_connect_wait(c.get(), 15000, &err), REALM_ERR_UNAUTHORIZED);
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(realm_error_close_code(err), 1005);
    realm_error_destroy(err);
}

TEST(Auth, MissingKeyIsAClearError) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--api-keys", write_api_keys_file()}));
    auto c = client_with_key(server, nullptr);
    std::string msg;
    EXPECT_EQ(connect(c.get(), &msg), REALM_ERR_UNAUTHORIZED);
    EXPECT_NE(msg.find("no API key"), std::string::npos) << msg;
}

TEST(Auth, ConfiguredTenantThatDiffersFromTheKeysIsRejected) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--api-keys", write_api_keys_file()}));
    auto c = client_with_key(server, "sk_test_123", "other-tenant");
    std::string msg;
    EXPECT_EQ(connect(c.get(), &msg), REALM_ERR_UNAUTHORIZED);
    EXPECT_NE(msg.find("Tenant ID mismatch"), std::string::npos) << msg;
    // The same tenant as the key's is fine.
    auto ok = client_with_key(server, "sk_test_123", "tenant1");
    EXPECT_EQ(connect(ok.get()), REALM_OK);
}

TEST(Auth, AnonymousClientWithConfiguredTenant) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = client_with_key(server, "sk_ignored_when_not_asked", "acme_corp-01");
    ASSERT_EQ(connect(c.get()), REALM_OK);  // the server never asked for a key
    char tenant[64];
    realm_client_tenant_id(c.get(), tenant, sizeof tenant);
    EXPECT_STREQ(tenant, "acme_corp-01");
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Hello", 5, false), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.text, "Simulated response to: Hello");
}

TEST(Auth, RateLimitCarriesRetryAfter) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--api-keys", write_api_keys_file(), "--rate-limit-burst", "2", "--rate-limit-rpm", "6"}));
    auto c = client_with_key(server, "sk_test_123");
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome a, b, limited;
    ASSERT_EQ(health(c.get(), a), REALM_OK);
    ASSERT_EQ(health(c.get(), b), REALM_OK);
    ASSERT_EQ(health(c.get(), limited), REALM_OK);
    ASSERT_TRUE(a.wait() && b.wait() && limited.wait());
    EXPECT_EQ(a.outcome, REALM_OUTCOME_COMPLETE);
    ASSERT_EQ(limited.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(limited.status, REALM_ERR_RATE_LIMITED);
    EXPECT_EQ(limited.code, "RATE_LIMIT_EXCEEDED");
    // retry_after extension: exact milliseconds (6/min: about 10 s for one token).
    EXPECT_GT(limited.retry_after_ms, 8000);
    EXPECT_LE(limited.retry_after_ms, 10000);
}

TEST(Auth, RateLimitRetryAfterFromTheMessageInCompatMode) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--compat", "upstream", "--api-keys", write_api_keys_file(), "--rate-limit-burst", "1"}));
    auto c = client_with_key(server, "sk_test_123");
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome a, limited;
    ASSERT_EQ(health(c.get(), a), REALM_OK);
    ASSERT_EQ(health(c.get(), limited), REALM_OK);
    ASSERT_TRUE(a.wait() && limited.wait());
    ASSERT_EQ(limited.status, REALM_ERR_RATE_LIMITED);
    // "Try again in 0 seconds." -> at least one second (realm.md 8.2).
    EXPECT_EQ(limited.retry_after_ms, 1000) << limited.message;
}

}  // namespace
}  // namespace realm::test
