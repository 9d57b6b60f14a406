// Touches every exported function of librealm (a symbols test: linking this
// proves each is exported; calling it proves it is callable with defaults or
// invalid input without crashing). Also compiles the header as C++.
#include <gtest/gtest.h>
#include <realm/realm.h>

#include <cstring>
#include <string>

extern "C" int realm_header_c99_check(void);

namespace {

TEST(Symbols, HeaderCompilesAsC99AndCxx) { EXPECT_EQ(realm_header_c99_check(), 5); }

TEST(Symbols, VersionAndErrorTable) {
    EXPECT_STREQ(realm_version(), REALM_VERSION_STRING);
    EXPECT_EQ(realm_version_num(), REALM_VERSION_NUM);
    size_t n = 0;
    const realm_error_info_t *rows = realm_get_error_table(&n);
    ASSERT_GT(n, 20u);
    for (size_t i = 0; i < n; ++i) {
        EXPECT_STREQ(realm_status_name(rows[i].status), rows[i].name);
        EXPECT_STREQ(realm_strerror(rows[i].status), rows[i].description);
    }
    EXPECT_STREQ(realm_status_name(REALM_ERR_UNAUTHORIZED), "UNAUTHORIZED");
    EXPECT_STREQ(realm_status_name(static_cast<realm_status_t>(12345)), "UNKNOWN");
}

TEST(Symbols, EveryExportIsCallable) {
    // Options: every setter, valid and invalid values.
    realm_options_t *o = realm_options_new();
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(realm_options_set_url(o, "ws://127.0.0.1:1"), REALM_OK);
    EXPECT_EQ(realm_options_set_api_key(o, "sk_test_123"), REALM_OK);
    EXPECT_EQ(realm_options_set_tenant_id(o, "tenant1"), REALM_OK);
    EXPECT_EQ(realm_options_set_model(o, "m"), REALM_OK);
    EXPECT_EQ(realm_options_set_connect_timeout_ms(o, 500), REALM_OK);
    EXPECT_EQ(realm_options_set_request_timeout_ms(o, 1000), REALM_OK);
    EXPECT_EQ(realm_options_set_idle_timeout_ms(o, 0), REALM_OK);
    EXPECT_EQ(realm_options_set_reconnect(o, 0), REALM_OK);
    EXPECT_EQ(realm_options_set_backoff_base_ms(o, 10), REALM_OK);
    EXPECT_EQ(realm_options_set_backoff_cap_ms(o, 100), REALM_OK);
    EXPECT_EQ(realm_options_set_backoff_max_attempts(o, 3), REALM_OK);
    EXPECT_EQ(realm_options_set_backoff_jitter_percent(o, 20), REALM_OK);
    EXPECT_EQ(realm_options_set_ping_interval_ms(o, 0), REALM_OK);
    EXPECT_EQ(realm_options_set_tls_ca_file(o, nullptr), REALM_OK);
    EXPECT_EQ(realm_options_set_tls_insecure(o, 0), REALM_OK);
    EXPECT_EQ(realm_options_set_max_message_size(o, 1 << 20), REALM_OK);
    EXPECT_EQ(realm_options_set_max_queued_requests(o, 16), REALM_OK);
    EXPECT_EQ(realm_options_set_busy_poll_us(o, 0), REALM_OK);
    EXPECT_EQ(realm_options_set_busy_poll_us(o, 1000000), REALM_OK);
    EXPECT_EQ(realm_options_set_dialect(o, "realm"), REALM_OK);
    EXPECT_EQ(realm_options_set_header(o, "X-Trace", "1"), REALM_OK);
    EXPECT_EQ(realm_options_set(o, "max_connections", "2", nullptr), REALM_OK);
    EXPECT_EQ(realm_set_log_callback(nullptr, nullptr, REALM_LOG_ERROR), REALM_OK);

    // Client: not connected, so requests are refused without callbacks.
    realm_client_t *c = nullptr;
    realm_error_t *err = nullptr;
    ASSERT_EQ(realm_client_new(o, &c, &err), REALM_OK);
    realm_options_destroy(o);
    EXPECT_EQ(realm_client_set_event_callback(c, nullptr, nullptr), REALM_OK);
    EXPECT_EQ(realm_client_set_event_queue(c, nullptr, nullptr), REALM_OK);
    EXPECT_EQ(realm_client_state(c), REALM_STATE_DISCONNECTED);
    char buf[64];
    EXPECT_EQ(realm_client_tenant_id(c, buf, sizeof buf), 0);
    EXPECT_EQ(realm_client_server_version(c, buf, sizeof buf), 0);
    EXPECT_EQ(realm_client_has_extension(c, "cancel"), 0);

    realm_handler_t h = REALM_HANDLER_INIT;
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = "hi";
    realm_request_t *req = nullptr;
    EXPECT_EQ(realm_generate(c, &p, nullptr, &h, &req, &err), REALM_ERR_NOT_CONNECTED);
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(realm_error_status(err), REALM_ERR_NOT_CONNECTED);
    EXPECT_STREQ(realm_error_code(err), "NOT_CONNECTED");
    EXPECT_GT(std::strlen(realm_error_message(err)), 0u);
    EXPECT_EQ(realm_error_retryable(err), 1);
    EXPECT_EQ(realm_error_retry_after_ms(err), -1);
    EXPECT_EQ(realm_error_http_status(err), 0);
    EXPECT_EQ(realm_error_close_code(err), 0);
    EXPECT_STREQ(realm_error_type(err), "");
    EXPECT_STREQ(realm_error_param(err), "");
    realm_error_t *copy = realm_error_copy(err);
    EXPECT_STREQ(realm_error_message(copy), realm_error_message(err));
    realm_error_destroy(copy);
    realm_error_destroy(err);
    err = nullptr;
    EXPECT_EQ(req, nullptr);
    EXPECT_EQ(realm_pipeline(c, "rag-pipeline", nullptr, nullptr, &h, nullptr, nullptr), REALM_ERR_NOT_CONNECTED);
    EXPECT_EQ(realm_health(c, nullptr, &h, nullptr, nullptr), REALM_ERR_NOT_CONNECTED);
    EXPECT_EQ(realm_metadata(c, nullptr, &h, nullptr, nullptr), REALM_ERR_NOT_CONNECTED);
    EXPECT_EQ(realm_models(c, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);  // Realm has no model list
    EXPECT_EQ(realm_call(c, "health", "{}", nullptr, &h, nullptr, nullptr), REALM_ERR_NOT_CONNECTED);

    // Connecting to a closed port fails with CONNECT_FAILED, not a hang.
    EXPECT_EQ(realm_client_connect(c, nullptr, nullptr), REALM_OK);
    EXPECT_EQ(realm_client_disconnect(c, nullptr, nullptr), REALM_OK);
    EXPECT_EQ(realm_client_disconnect_wait(c), REALM_OK);
    realm_status_t rc = realm_client_connect_wait(c, 0, &err);
    EXPECT_EQ(rc, REALM_ERR_CONNECT_FAILED) << (err ? realm_error_message(err) : "");
    realm_error_destroy(err);

    // Requests/results/queue on NULL.
    EXPECT_EQ(realm_request_cancel(nullptr), REALM_ERR_INVALID_ARGUMENT);
    realm_request_release(nullptr);
    EXPECT_STREQ(realm_request_id(nullptr), "");
    EXPECT_EQ(realm_request_is_done(nullptr), 0);
    size_t len = 99;
    EXPECT_STREQ(realm_result_text(nullptr, &len), "");
    EXPECT_EQ(len, 0u);
    EXPECT_STREQ(realm_result_json(nullptr, &len), "null");
    EXPECT_EQ(realm_result_tokens_generated(nullptr), -1);
    EXPECT_EQ(realm_result_prompt_tokens(nullptr), -1);
    double d;
    EXPECT_EQ(realm_result_cost_usd(nullptr, &d), 0);
    EXPECT_EQ(realm_result_time_ms(nullptr, &d), 0);
    EXPECT_EQ(realm_result_streamed_tokens(nullptr), 0);
    EXPECT_STREQ(realm_result_finish_reason(nullptr), "");
    EXPECT_EQ(realm_result_completion_tokens(nullptr), -1);
    EXPECT_EQ(realm_result_total_tokens(nullptr), -1);

    realm_queue_t *q = nullptr;
    ASSERT_EQ(realm_queue_new(&q), REALM_OK);
    EXPECT_GE(realm_queue_fd(q), 0);
    EXPECT_EQ(realm_queue_set_notify(q, nullptr, nullptr), REALM_OK);
    realm_queue_event_t ev[4];
    EXPECT_EQ(realm_queue_poll(q, ev, 4), 0u);
    realm_queue_destroy(q);

    realm_client_destroy(c);
}

}  // namespace
