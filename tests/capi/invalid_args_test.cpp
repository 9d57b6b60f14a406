// NULL and invalid arguments get REALM_ERR_INVALID_ARGUMENT (or INVALID_URL),
// an error object when asked for, and never a crash.
#include <gtest/gtest.h>
#include <realm/realm.h>

#include <cmath>
#include <string>

namespace {

TEST(InvalidArgs, NullHandles) {
    EXPECT_EQ(realm_options_set_url(nullptr, "ws://x"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_api_key(nullptr, "k"), REALM_ERR_INVALID_ARGUMENT);
    realm_options_destroy(nullptr);
    realm_client_destroy(nullptr);
    realm_error_destroy(nullptr);
    realm_queue_destroy(nullptr);
    EXPECT_EQ(realm_error_copy(nullptr), nullptr);
    EXPECT_EQ(realm_error_status(nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(realm_error_code(nullptr), "");
    realm_error_t *err = nullptr;
    EXPECT_EQ(realm_client_new(nullptr, nullptr, &err), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_error_status(err), REALM_ERR_INVALID_ARGUMENT);
    realm_error_destroy(err);
    EXPECT_EQ(realm_client_connect(nullptr, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_client_connect_wait(nullptr, 10, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_client_disconnect(nullptr, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_client_disconnect_wait(nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_client_state(nullptr), REALM_STATE_CLOSED);
    EXPECT_EQ(realm_client_tenant_id(nullptr, nullptr, 0), -1);
    EXPECT_EQ(realm_client_has_extension(nullptr, "x"), 0);
    EXPECT_EQ(realm_client_set_event_callback(nullptr, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_queue_new(nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_queue_poll(nullptr, nullptr, 1), 0u);
    realm_handler_t h = REALM_HANDLER_INIT;
    EXPECT_EQ(realm_health(nullptr, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_generate(nullptr, nullptr, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
}

TEST(InvalidArgs, OptionValues) {
    realm_options_t *o = realm_options_new();
    EXPECT_EQ(realm_options_set_url(o, "ftp://x"), REALM_ERR_INVALID_URL);
    EXPECT_EQ(realm_options_set_url(o, "ws://user:pw@host"), REALM_ERR_INVALID_URL);
    EXPECT_EQ(realm_options_set_url(o, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_tenant_id(o, "ab"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_tenant_id(o, "bad tenant!"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_api_key(o, "\xff\xfe"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_connect_timeout_ms(o, 0), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_backoff_jitter_percent(o, 101), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_max_message_size(o, 10), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_max_queued_requests(o, 0), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_busy_poll_us(o, 1000001), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_busy_poll_us(nullptr, 10), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_reconnect(o, 2), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_tls_insecure(o, -1), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_tls_ca_file(o, ""), REALM_ERR_INVALID_ARGUMENT);
    realm_options_destroy(o);
}

TEST(InvalidArgs, RequestArguments) {
    realm_options_t *o = realm_options_new();
    realm_options_set_url(o, "ws://127.0.0.1:9");
    realm_client_t *c = nullptr;
    ASSERT_EQ(realm_client_new(o, &c, nullptr), REALM_OK);
    realm_options_destroy(o);
    realm_handler_t h = REALM_HANDLER_INIT;
    realm_error_t *err = nullptr;

    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    EXPECT_EQ(realm_generate(c, &p, nullptr, &h, nullptr, &err), REALM_ERR_INVALID_ARGUMENT);  // no prompt
    EXPECT_NE(std::string(realm_error_message(err)).find("prompt"), std::string::npos);
    realm_error_destroy(err);
    p.prompt = "\xc3\x28";
    EXPECT_EQ(realm_generate(c, &p, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    p.prompt = "ok";
    p.temperature = NAN;
    EXPECT_EQ(realm_generate(c, &p, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    p.temperature = -1;
    p.stream = 7;
    EXPECT_EQ(realm_generate(c, &p, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    p.stream = 0;
    p.extra_params_json = "[1,2]";
    EXPECT_EQ(realm_generate(c, &p, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    // Not JSON by RFC 8259, though lenient parsers take it: refused before
    // sending, with where it went wrong.
    p.extra_params_json = "{\"seed\":007}";
    EXPECT_EQ(realm_generate(c, &p, nullptr, &h, nullptr, &err), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(realm_error_message(err)).find("at byte 9"), std::string::npos) << realm_error_message(err);
    realm_error_destroy(err);
    p.extra_params_json = nullptr;
    EXPECT_EQ(realm_generate(c, &p, nullptr, nullptr, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);  // no handler
    realm_handler_t bad = REALM_HANDLER_INIT;
    bad.struct_size = 1;
    EXPECT_EQ(realm_generate(c, &p, nullptr, &bad, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_call(c, nullptr, nullptr, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_call(c, "health", "{oops", nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_call(c, "health", "{\"a\":\"tab\there\"}", nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_pipeline(c, "p", "{\"n\":1e999}", nullptr, &h, nullptr, &err), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(realm_error_message(err), "input_json is not valid JSON: number out of range at byte 10");
    realm_error_destroy(err);
    EXPECT_EQ(realm_pipeline(c, "", nullptr, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_pipeline(c, "p", "not json", nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    realm_client_destroy(c);
}

TEST(InvalidArgs, UnreachableAndUnresolvableHosts) {
    for (const char *url : {"ws://127.0.0.1:9", "ws://no-such-host.invalid:8080", "ws://[::1]:9"}) {
        realm_options_t *o = realm_options_new();
        realm_options_set_url(o, url);
        realm_options_set_connect_timeout_ms(o, 3000);
        realm_client_t *c = nullptr;
        ASSERT_EQ(realm_client_new(o, &c, nullptr), REALM_OK);
        realm_options_destroy(o);
        realm_error_t *err = nullptr;
        realm_status_t rc = realm_client_connect_wait(c, 10000, &err);
        EXPECT_TRUE(rc == REALM_ERR_CONNECT_FAILED || rc == REALM_ERR_TIMEOUT) << url << " " << rc;
        ASSERT_NE(err, nullptr);
        // The message names the target, as the URL wrote it (minus "ws://").
        EXPECT_NE(std::string(realm_error_message(err)).find(url + 5), std::string::npos) << realm_error_message(err);
        EXPECT_EQ(realm_client_state(c), REALM_STATE_DISCONNECTED);
        realm_error_destroy(err);
        realm_client_destroy(c);
    }
}

}  // namespace
