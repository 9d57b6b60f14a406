// Client settings from the environment (core/env_config.h), the "urls"
// option, and the retry policy's rules (core/retry_policy.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "core/client.h"
#include "core/env_config.h"
#include "core/option_table.h"
#include "core/request.h"
#include "core/retry_policy.h"

namespace {

using realm::core::Error;
using realm::core::Options;

// Sets the REALM_* variables for one test and clears them after.
struct EnvFixture : ::testing::Test {
    void TearDown() override {
        for (const char *v : {"REALM_URL", "REALM_API_KEY", "REALM_DIALECT", "REALM_TIMEOUT", "REALM_MAX_RETRIES"})
            unsetenv(v);
    }
};

TEST_F(EnvFixture, NothingSetChangesNothing) {
    setenv("REALM_URL", "", 1);  // empty counts as unset
    Options o;
    ASSERT_EQ(realm::core::load_env(o).status, REALM_OK);
    EXPECT_EQ(o.server.host, "localhost");
    EXPECT_EQ(o.server.port, 8080);
    EXPECT_EQ(o.max_retries, 2u);
    EXPECT_EQ(o.request_timeout_ms, 30000u);
    EXPECT_FALSE(o.request_timeout_set);
}

TEST_F(EnvFixture, EveryVariableReachesItsOption) {
    setenv("REALM_URL", "http://127.0.0.1:9/v1", 1);
    setenv("REALM_API_KEY", "sk-env", 1);
    setenv("REALM_DIALECT", "openai-http", 1);
    setenv("REALM_TIMEOUT", "2.5", 1);
    setenv("REALM_MAX_RETRIES", "0", 1);
    Options o;
    ASSERT_EQ(realm::core::load_env(o).status, REALM_OK);
    EXPECT_TRUE(o.server.http);
    EXPECT_EQ(o.server.port, 9);
    EXPECT_EQ(o.server.path, "/v1");
    EXPECT_EQ(o.api_key, "sk-env");
    EXPECT_EQ(o.dialect, "openai-http");
    EXPECT_EQ(o.request_timeout_ms, 2500u);
    EXPECT_TRUE(o.request_timeout_set);
    EXPECT_EQ(o.max_retries, 0u);
}

TEST_F(EnvFixture, SeveralUrlsInRealmUrlFailOver) {
    setenv("REALM_URL", "ws://a:1/x  ws://b:2/x", 1);
    Options o;
    ASSERT_EQ(realm::core::load_env(o).status, REALM_OK);
    ASSERT_EQ(o.servers.size(), 2u);
    EXPECT_EQ(o.server.host, "a");
    EXPECT_EQ(o.servers[1].host, "b");
}

TEST_F(EnvFixture, ABadValueNamesTheVariableAndChangesNothing) {
    setenv("REALM_API_KEY", "sk-fine", 1);
    setenv("REALM_TIMEOUT", "soon", 1);
    Options o;
    auto r = realm::core::load_env(o);
    EXPECT_EQ(r.status, REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(r.why.rfind("REALM_TIMEOUT", 0), 0u) << r.why;
    EXPECT_EQ(o.api_key, "");  // all or nothing
    unsetenv("REALM_TIMEOUT");
    setenv("REALM_MAX_RETRIES", "-1", 1);
    r = realm::core::load_env(o);
    EXPECT_EQ(r.why.rfind("REALM_MAX_RETRIES", 0), 0u) << r.why;
    unsetenv("REALM_MAX_RETRIES");
    setenv("REALM_URL", "ftp://x", 1);
    r = realm::core::load_env(o);
    EXPECT_EQ(r.status, REALM_ERR_INVALID_URL);
    EXPECT_EQ(r.why.rfind("REALM_URL", 0), 0u) << r.why;
}

TEST_F(EnvFixture, ARefusedKeyIsNeverQuoted) {
    setenv("REALM_API_KEY", "sk-secret\xff", 1);
    Options o;
    auto r = realm::core::load_env(o);
    EXPECT_EQ(r.status, REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(r.why.find("sk-secret"), std::string::npos) << r.why;
    EXPECT_NE(r.why.find("REALM_API_KEY"), std::string::npos) << r.why;
}

TEST(Urls, ShareTheSchemeFamilyAndPath) {
    Options o;
    EXPECT_EQ(realm::core::set_option(o, "urls", "ws://a:1/v1/chat/completions wss://b/v1/chat/completions").status,
              REALM_OK);
    EXPECT_EQ(o.servers.size(), 2u);
    EXPECT_TRUE(o.servers[1].tls);
    EXPECT_EQ(realm::core::set_option(o, "urls", "ws://a/x http://b/x").status, REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm::core::set_option(o, "urls", "ws://a/x ws://b/y").status, REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm::core::set_option(o, "urls", "   ").status, REALM_ERR_INVALID_ARGUMENT);
    auto r = realm::core::set_option(o, "urls", "ws://a/x ws://[::1");
    EXPECT_EQ(r.status, REALM_ERR_INVALID_URL);
    EXPECT_NE(r.why.find("URL 2"), std::string::npos) << r.why;
    EXPECT_EQ(o.servers.size(), 2u);  // unchanged by the refusals
    EXPECT_EQ(realm::core::set_option(o, "url", "ws://c:3").status, REALM_OK);
    EXPECT_TRUE(o.servers.empty());  // url replaces the list
    EXPECT_EQ(realm::core::set_option(o, "urls", "ws://only:4").status, REALM_OK);
    EXPECT_TRUE(o.servers.empty());
    EXPECT_EQ(o.server.host, "only");
}

TEST(RetryPolicy, PassingFailuresOnly) {
    using realm::core::is_retryable_failure;
    using realm::core::make_error;
    for (auto s : {REALM_ERR_CONNECT_FAILED, REALM_ERR_CONNECTION_LOST, REALM_ERR_TIMEOUT, REALM_ERR_IDLE_TIMEOUT,
                   REALM_ERR_RATE_LIMITED})
        EXPECT_TRUE(is_retryable_failure(make_error(s, ""))) << s;
    for (auto s : {REALM_ERR_UNAUTHORIZED, REALM_ERR_INVALID_REQUEST, REALM_ERR_NOT_FOUND, REALM_ERR_PROTOCOL,
                   REALM_ERR_BACKEND, REALM_ERR_TLS, REALM_ERR_CANCELLED, REALM_ERR_MESSAGE_TOO_LARGE})
        EXPECT_FALSE(is_retryable_failure(make_error(s, ""))) << s;
    Error unavailable = make_error(REALM_ERR_SERVER, "");
    unavailable.http_status = 503;
    EXPECT_TRUE(is_retryable_failure(unavailable));
    unavailable.http_status = 500;
    EXPECT_FALSE(is_retryable_failure(unavailable));
    unavailable.code = "SERVICE_UNAVAILABLE";  // Realm's name for it
    EXPECT_TRUE(is_retryable_failure(unavailable));
}

TEST(RetryPolicy, DelaysDoubleWithinFifteenPercentUpToTheCapAndHonourRetryAfter) {
    realm::core::RetryConfig cfg{5, 1000, 30000};
    realm::core::JitterRng rng(7);
    Error e = realm::core::make_error(REALM_ERR_CONNECTION_LOST, "");
    for (int i = 0; i < 200; ++i) {
        uint32_t d1 = realm::core::retry_delay_ms(1, cfg, e, rng);
        uint32_t d2 = realm::core::retry_delay_ms(2, cfg, e, rng);
        uint32_t d9 = realm::core::retry_delay_ms(9, cfg, e, rng);
        EXPECT_TRUE(d1 >= 850 && d1 <= 1150) << d1;
        EXPECT_TRUE(d2 >= 1700 && d2 <= 2300) << d2;
        EXPECT_TRUE(d9 >= 25500 && d9 <= 34500) << d9;
    }
    e.retry_after_ms = 5000;
    EXPECT_GE(realm::core::retry_delay_ms(1, cfg, e, rng), 5000u);
}

TEST(RetryPolicy, AnyPartOfTheAnswerMeansStarted) {
    realm_request req;
    EXPECT_TRUE(realm::core::nothing_received(req));
    req.started = true;
    EXPECT_FALSE(realm::core::nothing_received(req));
    req.started = false;
    req.text = "x";
    EXPECT_FALSE(realm::core::nothing_received(req));
}

TEST(DialectDefaults, TektonWsNeverResendsAndReconnectsWithoutLimitUnlessTold) {
    // tekton.md 3.5 [LIBREALM].
    for (const char *retries : {"", "1"}) {
        Options o;
        ASSERT_EQ(realm::core::set_option(o, "url", "ws://h:1/ws").status, REALM_OK);
        ASSERT_EQ(realm::core::set_option(o, "dialect", "tekton-ws").status, REALM_OK);
        if (*retries) {
            ASSERT_EQ(realm::core::set_option(o, "max_retries", retries).status, REALM_OK);
        }
        std::string why;
        auto dialect = realm::core::make_client_dialect(o, &why);
        ASSERT_TRUE(dialect) << why;
        realm::core::apply_dialect_defaults(o, dialect->capabilities());
        EXPECT_EQ(o.max_retries, *retries ? 1u : 0u);
        EXPECT_EQ(dialect->capabilities().reconnect_attempts, realm::protocol::kUnlimitedReconnects);
    }
    Options realm_default;  // other dialects keep the library's 2
    realm::core::apply_dialect_defaults(realm_default, realm::protocol::Capabilities{});
    EXPECT_EQ(realm_default.max_retries, 2u);
}

}  // namespace
