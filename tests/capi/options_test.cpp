// The string-keyed options, the dialect and header options, and the new
// request arguments, through the public API only.
#include <gtest/gtest.h>
#include <realm/realm.h>

#include <string>
#include <vector>

namespace {

// realm_options_set's status, with the error's message in *why.
realm_status_t set(realm_options_t *o, const char *key, const char *value, std::string *why = nullptr) {
    realm_error_t *err = nullptr;
    realm_status_t rc = realm_options_set(o, key, value, &err);
    if (why) *why = err ? realm_error_message(err) : "";
    EXPECT_EQ(rc == REALM_OK, err == nullptr);
    realm_error_destroy(err);
    return rc;
}

TEST(OptionsByName, EveryKeyTakesItsValue) {
    realm_options_t *o = realm_options_new();
    for (auto [key, value] : std::initializer_list<std::pair<const char *, const char *>>{
             {"url", "https://api.example.com/v1"}, {"api_key", "sk"}, {"tenant_id", "tenant1"}, {"model", "m"},
             {"dialect", "openai-http"}, {"header", "OpenAI-Organization: org-1"}, {"connect_timeout_ms", "5"},
             {"request_timeout_ms", "0"}, {"idle_timeout_ms", "10"}, {"reconnect", "false"},
             {"backoff_base_ms", "1"}, {"backoff_cap_ms", "2"}, {"backoff_max_attempts", "0"},
             {"backoff_jitter_percent", "100"}, {"ping_interval_ms", "0"}, {"tls_ca_file", "/x.pem"},
             {"tls_insecure", "1"}, {"max_message_size", "1024"}, {"max_queued_requests", "1"},
             {"busy_poll_us", "0"}, {"max_connections", "8"}, {"auth_message", "true"}, {"multiplex", "0"},
             {"json_ping", "true"}, {"endpoint", "completions"}}) {
        std::string why;
        EXPECT_EQ(set(o, key, value, &why), REALM_OK) << key << ": " << why;
    }
    realm_options_destroy(o);
}

TEST(OptionsByName, RefusalsNameTheKeyAndTheRule) {
    realm_options_t *o = realm_options_new();
    std::string why;
    EXPECT_EQ(set(o, "no_such_option", "1", &why), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(why.find("unknown option 'no_such_option'"), std::string::npos) << why;
    EXPECT_EQ(set(o, "connect_timeout_ms", "0", &why), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(why.find("connect_timeout_ms"), std::string::npos) << why;
    EXPECT_NE(why.find("1 to 3600000"), std::string::npos) << why;
    for (const char *bad : {"-1", "1.5", "", "12x", "99999999999999999999999"})
        EXPECT_EQ(set(o, "request_timeout_ms", bad), REALM_ERR_INVALID_ARGUMENT) << bad;
    EXPECT_EQ(set(o, "reconnect", "yes", &why), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(why.find("true or false"), std::string::npos) << why;
    EXPECT_EQ(set(o, "url", "ftp://x", &why), REALM_ERR_INVALID_URL);
    EXPECT_NE(why.find("url:"), std::string::npos) << why;
    EXPECT_EQ(set(o, "dialect", "grpc", &why), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(why.find("openai-ws"), std::string::npos) << why;
    EXPECT_EQ(set(o, "endpoint", "embeddings"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(set(o, "header", "no colon"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(set(o, "tenant_id", "x"), REALM_ERR_INVALID_ARGUMENT);
    // A refused secret is never quoted back.
    EXPECT_EQ(set(o, "api_key", "sk-\xff-secret", &why), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(why.find("secret"), std::string::npos) << why;
    EXPECT_EQ(realm_options_set(o, nullptr, "1", nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set(o, "model", nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set(nullptr, "model", "m", nullptr), REALM_ERR_INVALID_ARGUMENT);
    realm_options_destroy(o);
}

TEST(OptionsByName, HeadersAreValidated) {
    realm_options_t *o = realm_options_new();
    EXPECT_EQ(realm_options_set_header(o, "X-Ok", "a b\tc"), REALM_OK);
    EXPECT_EQ(realm_options_set_header(o, "X-Ok", nullptr), REALM_OK);  // removes
    EXPECT_EQ(realm_options_set_header(o, "Bad Name", "v"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_header(o, "", "v"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_header(o, nullptr, "v"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_header(o, "X-Evil", "a\r\nInjected: 1"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_header(o, "X-Evil", "a\nb"), REALM_ERR_INVALID_ARGUMENT);
    for (const char *reserved : {"Host", "content-length", "Content-Type", "Connection", "Upgrade",
                                 "Sec-WebSocket-Key", "Transfer-Encoding"})
        EXPECT_EQ(realm_options_set_header(o, reserved, "x"), REALM_ERR_INVALID_ARGUMENT) << reserved;
    EXPECT_EQ(realm_options_set_header(nullptr, "X", "v"), REALM_ERR_INVALID_ARGUMENT);
    realm_options_destroy(o);
}

// A dialect that does not fit the URL's scheme is refused when the client is made.
TEST(Dialects, MustFitTheUrl) {
    struct Case {
        const char *url, *dialect;
        realm_status_t expect;
    };
    for (const Case &c : {Case{"http://127.0.0.1:1", "auto", REALM_OK}, Case{"http://127.0.0.1:1", "openai-http", REALM_OK},
                          Case{"http://127.0.0.1:1", "realm", REALM_ERR_INVALID_ARGUMENT},
                          Case{"ws://127.0.0.1:1/v1/chat/completions", "auto", REALM_OK},
                          Case{"ws://127.0.0.1:1", "openai-ws", REALM_OK},
                          Case{"ws://127.0.0.1:1", "openai-http", REALM_ERR_INVALID_ARGUMENT}}) {
        realm_options_t *o = realm_options_new();
        ASSERT_EQ(realm_options_set_url(o, c.url), REALM_OK);
        ASSERT_EQ(realm_options_set_dialect(o, c.dialect), REALM_OK);
        realm_client_t *client = nullptr;
        realm_error_t *err = nullptr;
        EXPECT_EQ(realm_client_new(o, &client, &err), c.expect) << c.url << " " << c.dialect;
        if (err) {
            EXPECT_NE(std::string(realm_error_message(err)).find("URL"), std::string::npos);
        }
        realm_error_destroy(err);
        realm_client_destroy(client);
        realm_options_destroy(o);
    }
    realm_options_t *o = realm_options_new();
    EXPECT_EQ(realm_options_set_dialect(o, "nope"), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_options_set_dialect(o, nullptr), REALM_ERR_INVALID_ARGUMENT);
    realm_options_destroy(o);
}

// Requests a dialect cannot carry are refused at once, saying why.
TEST(Dialects, RefuseWhatTheyCannotCarry) {
    realm_options_t *o = realm_options_new();
    realm_options_set_url(o, "ws://127.0.0.1:1/v1/completions");
    realm_client_t *c = nullptr;
    ASSERT_EQ(realm_client_new(o, &c, nullptr), REALM_OK);
    realm_options_destroy(o);
    realm_handler_t h = REALM_HANDLER_INIT;
    realm_error_t *err = nullptr;
    realm_message_t msg = {"user", "hi"};
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.messages = &msg;
    p.message_count = 1;
    EXPECT_EQ(realm_generate(c, &p, nullptr, &h, nullptr, &err), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(realm_error_message(err)).find("/v1/completions"), std::string::npos);
    realm_error_destroy(err);
    EXPECT_EQ(realm_health(c, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_pipeline(c, "p", nullptr, nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);
    realm_client_destroy(c);
}

TEST(GenerateParams, ChatAndSamplingFieldsAreChecked) {
    realm_options_t *o = realm_options_new();
    realm_options_set_url(o, "ws://127.0.0.1:1");
    realm_client_t *c = nullptr;
    ASSERT_EQ(realm_client_new(o, &c, nullptr), REALM_OK);
    realm_options_destroy(o);
    realm_handler_t h = REALM_HANDLER_INIT;
    auto refused = [&](const realm_generate_params_t &p, const char *what) {
        realm_error_t *err = nullptr;
        EXPECT_EQ(realm_generate(c, &p, nullptr, &h, nullptr, &err), REALM_ERR_INVALID_ARGUMENT) << what;
        if (err) {
            EXPECT_NE(std::string(realm_error_message(err)).find(what), std::string::npos) << realm_error_message(err);
        }
        realm_error_destroy(err);
    };
    realm_message_t good = {"user", "hi"}, no_role = {nullptr, "x"}, bad_utf8 = {"user", "\xc3\x28"};
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.messages = &good;
    refused(p, "message_count");
    p.message_count = 1;
    p.prompt = "also";
    refused(p, "either prompt or messages");
    p.prompt = nullptr;
    p.messages = &no_role;
    refused(p, "messages[0].role");
    p.messages = &bad_utf8;
    refused(p, "messages[0].content");
    p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = "x";
    p.set = REALM_PARAM_PRESENCE_PENALTY;
    p.presence_penalty = 2.5;
    refused(p, "presence_penalty");
    p.set = REALM_PARAM_FREQUENCY_PENALTY;
    p.frequency_penalty = -3;
    refused(p, "frequency_penalty");
    p.set = 0x80;
    refused(p, "unknown bits");
    p.set = 0;
    const char *stops[] = {"ok", ""};
    p.stop = stops;
    p.stop_count = 2;
    refused(p, "stop[1]");
    // Well-formed, so only the connection state refuses it.
    p.stop_count = 1;
    p.set = REALM_PARAM_SEED | REALM_PARAM_PRESENCE_PENALTY;
    p.presence_penalty = -2;
    EXPECT_EQ(realm_generate(c, &p, nullptr, &h, nullptr, nullptr), REALM_ERR_NOT_CONNECTED);
    // A handler built against a different realm_token_t is refused.
    realm_handler_t odd = REALM_HANDLER_INIT;
    odd.token_size = sizeof(realm_token_t) + 8;
    p.set = 0;
    realm_error_t *err = nullptr;
    EXPECT_EQ(realm_generate(c, &p, nullptr, &odd, nullptr, &err), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(realm_error_message(err)).find("token_size"), std::string::npos);
    realm_error_destroy(err);
    realm_client_destroy(c);
}

struct LogLines {
    std::vector<std::string> lines;
    static void sink(void *user, realm_log_level_t, const char *message) {
        static_cast<LogLines *>(user)->lines.emplace_back(message);
    }
};

TEST(Logging, LevelsAreCheckedAndTheCallbackCanBeRemoved) {
    LogLines got;
    EXPECT_EQ(realm_set_log_callback(&LogLines::sink, &got, static_cast<realm_log_level_t>(0)), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_set_log_callback(&LogLines::sink, &got, static_cast<realm_log_level_t>(5)), REALM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(realm_set_log_callback(&LogLines::sink, &got, REALM_LOG_INFO), REALM_OK);
    EXPECT_EQ(realm_set_log_callback(nullptr, nullptr, REALM_LOG_ERROR), REALM_OK);
}

}  // namespace
