// ws-system against `realm-server --dialect ws-system` through the public C
// API: challenge-response auth with RSA (PKCS#8, PKCS#1, SHA-512) and EC
// keys, the failures that must not loop (bad signature, unknown client,
// missing key file), rate-limited auth with retryAfter, generate with its
// start event, stop before the start / mid-stream / after the end, 100
// concurrent generations on one connection, models, ping, the server killed
// mid-stream and a reconnect that answers a fresh challenge. Every request
// ends exactly once (Outcome fails the test on a second terminal event).
#include <gtest/gtest.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

struct KeyPair {
    std::string private_pem, public_pem;
};

std::string bio_text(BIO *bio) {
    char *data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, size_t(n));
}

// A fresh key pair: RSA-2048 or EC P-256; the private key as PKCS#8, or as
// traditional PKCS#1 for RSA when `pkcs1`.
KeyPair make_key(bool ec, bool pkcs1 = false) {
    EVP_PKEY *pkey = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
    EXPECT_TRUE(pkey);
    BIO *priv = BIO_new(BIO_s_mem());
    BIO *pub = BIO_new(BIO_s_mem());
    if (pkcs1) {
        PEM_write_bio_PrivateKey_traditional(priv, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    } else {
        PEM_write_bio_PKCS8PrivateKey(priv, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    }
    PEM_write_bio_PUBKEY(pub, pkey);
    KeyPair k{bio_text(priv), bio_text(pub)};
    BIO_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(pkey);
    return k;
}

std::string json_string(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '\n') out += "\\n";
        else if (c == '"' || c == '\\') out += std::string("\\") + c;
        else out += c;
    }
    return out + "\"";
}

std::string temp_path(const std::string &name) {
    char dir[] = "/tmp/realm-ws-system-XXXXXX";
    static std::string base = mkdtemp(dir);
    return base + "/" + name;
}

void write_file(const std::string &path, const std::string &text) {
    std::ofstream(path, std::ios::binary) << text;
}

// Connects and returns what the connect callback reported.
struct ConnectResult {
    realm_status_t status = REALM_OK;
    std::string code, message;
    int64_t retry_after_ms = -1;
};

ConnectResult connect_result(realm_client_t *c) {
    struct Waiter {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        ConnectResult r;
    } w;
    EXPECT_EQ(realm_client_connect(
                  c,
                  [](void *user, realm_client_t *, realm_status_t s, const realm_error_t *e) {
                      auto *w = static_cast<Waiter *>(user);
                      std::lock_guard<std::mutex> lock(w->m);
                      w->r.status = s;
                      if (e) {
                          w->r.code = realm_error_code(e);
                          w->r.message = realm_error_message(e);
                          w->r.retry_after_ms = realm_error_retry_after_ms(e);
                      }
                      w->done = true;
                      w->cv.notify_all();
                  },
                  &w),
              REALM_OK);
    std::unique_lock<std::mutex> lock(w.m);
    EXPECT_TRUE(w.cv.wait_for(lock, std::chrono::seconds(15), [&] { return w.done; }));
    return w.r;
}

struct Registered {
    std::string id, algorithm;
    KeyPair key;
};

class WsSystem : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        rsa_ = new Registered{"0123456789abcdef0123456789abcdef", "", make_key(false)};
        pkcs1_ = new Registered{"11111111111111111111111111111111", "SHA512", make_key(false, true)};
        ec_ = new Registered{"22222222222222222222222222222222", "", make_key(true)};
        registry_ = temp_path("authorized_clients.json");
        std::string json = "[";
        for (const Registered *r : {rsa_, pkcs1_, ec_}) {
            if (json.size() > 1) json += ',';
            json += "{\"id\":\"" + r->id + "\",\"name\":\"t\",\"publicKey\":" + json_string(r->key.public_pem) +
                    ",\"createdAt\":\"2026-01-01T00:00:00.000Z\"" +
                    (r->algorithm.empty() ? "" : ",\"signatureAlgorithm\":\"" + r->algorithm + "\"") + "}";
        }
        write_file(registry_, json + "]");
    }
    static void TearDownTestSuite() {
        delete rsa_;
        delete pkcs1_;
        delete ec_;
    }

    void start_server(std::vector<std::string> extra = {}, int port = 0) {
        std::vector<std::string> args = {"--dialect", "ws-system", "--ws-clients", registry_, "--enable-faults"};
        args.insert(args.end(), extra.begin(), extra.end());
        ASSERT_TRUE(server.start(args, port));
    }

    ClientPtr client(const Registered &who, const std::vector<std::pair<std::string, std::string>> &more = {},
                     const std::string *pem = nullptr) {
        realm_options_t *o = realm_options_new();
        auto set = [&](const char *k, const std::string &v) {
            realm_error_t *err = nullptr;
            EXPECT_EQ(realm_options_set(o, k, v.c_str(), &err), REALM_OK) << k;
            realm_error_destroy(err);
        };
        set("url", server.url("/ws"));
        set("dialect", "ws-system");
        set("client_id", who.id);
        set("private_key", pem ? *pem : who.key.private_pem);
        if (!who.algorithm.empty()) set("signature_algorithm", who.algorithm);
        for (auto &kv : more) set(kv.first.c_str(), kv.second);
        realm_client_t *c = nullptr;
        realm_error_t *err = nullptr;
        EXPECT_EQ(realm_client_new(o, &c, &err), REALM_OK) << (err ? realm_error_message(err) : "");
        realm_error_destroy(err);
        realm_options_destroy(o);
        return ClientPtr(c);
    }

    ClientPtr connected(const Registered &who, const std::vector<std::pair<std::string, std::string>> &more = {}) {
        auto c = client(who, more);
        events.attach(c.get());
        std::string why;
        EXPECT_EQ(connect(c.get(), &why), REALM_OK) << why;
        return c;
    }

    static Registered *rsa_, *pkcs1_, *ec_;
    static std::string registry_;
    ServerProcess server;
    Events events;
};

Registered *WsSystem::rsa_, *WsSystem::pkcs1_, *WsSystem::ec_;
std::string WsSystem::registry_;

TEST_F(WsSystem, AuthenticatesAndStreamsAGenerationWithItsStart) {
    start_server();
    auto c = connected(*rsa_);
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Say hi", -1, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.code << ": " << o.message;
    EXPECT_EQ(o.started, 1);
    EXPECT_EQ(o.started_model, "llama2");
    EXPECT_EQ(o.model, "llama2");
    EXPECT_GT(o.tokens.size(), 3u);
    EXPECT_EQ(o.tokens_generated, int64_t(o.tokens.size()));  // stream_end.totalTokens
    EXPECT_GE(o.server_time_ms, 0);                             // stream_end.elapsedTime
    EXPECT_EQ(o.text, o.joined());
    EXPECT_EQ(o.text.rfind("The capital of France is Paris.", 0), 0u) << o.text;
    EXPECT_GE(o.first_token_ms, 0);
    EXPECT_GE(o.elapsed_ms, o.first_token_ms);
    // Not a stream: the same generation, collected.
    Outcome whole;
    ASSERT_EQ(generate(c.get(), whole, "Say hi", -1, false), REALM_OK);
    ASSERT_TRUE(whole.wait());
    EXPECT_EQ(whole.text, o.text);
}

// Gateway mode: the same frames, with the text from an OpenAI-compatible
// upstream (another realm-server's HTTP/SSE endpoint); a stop closes the
// upstream request at once.
TEST_F(WsSystem, AGatewayStreamsTheUpstreamsAnswerAndStopsIt) {
    ServerProcess upstream;
    ASSERT_TRUE(upstream.start({"--token-delay-ms", "20"}));
    start_server({"--upstream", upstream.http_url("/v1")});
    auto c = connected(*rsa_);
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Say hi", -1, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.code << ": " << o.message;
    EXPECT_EQ(o.started, 1);
    EXPECT_EQ(o.text, "The capital of France is Paris. This is a simulated response to: Say ");
    EXPECT_EQ(o.tokens_generated, int64_t(o.tokens.size()));

    auto up = make_client(upstream.url());
    std::string why;
    ASSERT_EQ(connect(up.get(), &why), REALM_OK) << why;
    Outcome stopped;
    realm_request_t *req = nullptr;
    ASSERT_EQ(generate(c.get(), stopped, "Say hi", 1000, true, R"({"options":{"tokens":1000}})", &req), REALM_OK);
    ASSERT_TRUE(wait_health(up.get(), [](const std::string &j) { return json_int(j, "active_requests") == 1; }));
    ASSERT_EQ(realm_request_cancel(req), REALM_OK);
    ASSERT_TRUE(stopped.wait());
    EXPECT_EQ(stopped.outcome, REALM_OUTCOME_CANCELLED) << stopped.message;
    EXPECT_TRUE(wait_health(up.get(), [](const std::string &j) { return json_int(j, "active_requests") == 0; }, 2000));
    realm_request_release(req);
}

TEST_F(WsSystem, Pkcs1KeyWithSha512AndAnEcKeyAuthenticate) {
    start_server();
    for (const Registered *who : {pkcs1_, ec_}) {
        auto c = connected(*who);
        Outcome o;
        ASSERT_EQ(generate(c.get(), o, "x", -1, true), REALM_OK);
        ASSERT_TRUE(o.wait());
        EXPECT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    }
}

TEST_F(WsSystem, ABadSignatureOrUnknownClientFailsOnceWithoutReconnecting) {
    start_server();
    KeyPair other = make_key(false);
    Registered stranger{"ffffffffffffffffffffffffffffffff", "", other};
    for (int i = 0; i < 2; ++i) {
        // i == 0: a registered id with the wrong key; i == 1: an unknown id.
        auto c = i == 0 ? client(*rsa_, {}, &other.private_pem) : client(stranger);
        Events ev;
        ev.attach(c.get());
        std::string why;
        realm_status_t st = REALM_OK;
        EXPECT_EQ(connect(c.get(), &why, &st), REALM_ERR_UNAUTHORIZED) << why;
        EXPECT_NE(why.find("Invalid signature"), std::string::npos) << why;
        EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_DISCONNECTED);
        EXPECT_EQ(ev.count(REALM_EVENT_RECONNECTING), 0);
        // A request is refused rather than queued behind a reconnect loop.
        Outcome o;
        EXPECT_EQ(generate(c.get(), o, "x", -1, true), REALM_ERR_NOT_CONNECTED);
    }
}

TEST_F(WsSystem, TheErrorCodeOfABadSignatureIsInvalidAuth) {
    start_server();
    KeyPair other = make_key(true);
    auto c = client(*ec_, {}, &other.private_pem);
    ConnectResult r = connect_result(c.get());
    EXPECT_EQ(r.status, REALM_ERR_UNAUTHORIZED);
    EXPECT_EQ(r.code, "invalid_auth");
    EXPECT_EQ(r.message, "Authentication failed: Invalid signature");
}

TEST_F(WsSystem, AMissingOrMalformedKeyIsAnErrorAtConstruction) {
    realm_options_t *o = realm_options_new();
    realm_options_set(o, "url", "ws://127.0.0.1:9/", nullptr);
    realm_options_set(o, "dialect", "ws-system", nullptr);
    realm_options_set(o, "client_id", "abc", nullptr);
    realm_options_set(o, "private_key_path", "/nonexistent/dir/client_key.pem", nullptr);
    realm_client_t *c = nullptr;
    realm_error_t *err = nullptr;
    EXPECT_EQ(realm_client_new(o, &c, &err), REALM_ERR_INVALID_ARGUMENT);
    ASSERT_TRUE(err);
    EXPECT_NE(std::string(realm_error_message(err)).find("/nonexistent/dir/client_key.pem"), std::string::npos);
    realm_error_destroy(err);
    err = nullptr;
    std::string garbled = temp_path("garbled.pem");
    write_file(garbled, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    realm_options_set(o, "private_key_path", garbled.c_str(), nullptr);
    EXPECT_EQ(realm_client_new(o, &c, &err), REALM_ERR_INVALID_ARGUMENT);
    ASSERT_TRUE(err);
    EXPECT_NE(std::string(realm_error_message(err)).find("could not be parsed"), std::string::npos)
        << realm_error_message(err);
    realm_error_destroy(err);
    EXPECT_EQ(c, nullptr);
    realm_options_destroy(o);
}

TEST_F(WsSystem, RateLimitedAuthCarriesRetryAfter) {
    start_server();
    KeyPair other = make_key(false);
    // MAX_AUTH_ATTEMPTS = 5: four refusals, then the fifth blocks for 16 s.
    for (int i = 1; i <= 5; ++i) {
        auto c = client(*rsa_, {}, &other.private_pem);
        ConnectResult r = connect_result(c.get());
        if (i < 5) {
            EXPECT_EQ(r.status, REALM_ERR_UNAUTHORIZED) << i << ": " << r.message;
            continue;
        }
        EXPECT_EQ(r.status, REALM_ERR_RATE_LIMITED) << r.message;
        EXPECT_EQ(r.code, "rate_limited");
        EXPECT_EQ(r.retry_after_ms, 16000);
        EXPECT_NE(r.message.find("16 seconds"), std::string::npos) << r.message;
    }
    // The right key is blocked too (the limit is per ip:clientId).
    auto c = client(*rsa_);
    ConnectResult r = connect_result(c.get());
    EXPECT_EQ(r.status, REALM_ERR_RATE_LIMITED) << r.message;
    EXPECT_GT(r.retry_after_ms, 0);
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_DISCONNECTED);
}

TEST_F(WsSystem, StopBeforeTheStartMidStreamAndAfterTheEnd) {
    start_server({"--token-delay-ms", "20"});
    auto c = connected(*rsa_);
    // Before stream_start: cancelled at once; the stop is sent right after
    // the generate frame (ws-system.md 6.5) and its answers are dropped.
    Outcome early;
    realm_request_t *req = nullptr;
    ASSERT_EQ(generate(c.get(), early, "Count to 100", -1, true, nullptr, &req), REALM_OK);
    EXPECT_EQ(realm_request_cancel(req), REALM_OK);
    ASSERT_TRUE(early.wait());
    EXPECT_EQ(early.outcome, REALM_OUTCOME_CANCELLED);
    realm_request_release(req);

    // Mid-stream: after the first token.
    Outcome mid;
    mid.on_first_tokens = [](realm_request_t *r) { realm_request_cancel(r); };
    ASSERT_EQ(generate(c.get(), mid, "Count to 100", -1, true), REALM_OK);
    ASSERT_TRUE(mid.wait());
    EXPECT_EQ(mid.outcome, REALM_OUTCOME_CANCELLED);
    EXPECT_GE(mid.tokens.size(), 1u);

    // After the end: harmless.
    Outcome done;
    ASSERT_EQ(generate(c.get(), done, "x", -1, true, R"({"delay_ms":0})", &req), REALM_OK);
    ASSERT_TRUE(done.wait());
    EXPECT_EQ(done.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_EQ(realm_request_cancel(req), REALM_OK);
    realm_request_release(req);

    // The connection is fine and nothing was reported as an error: the
    // server's ack and terminal frames for the stopped ones were expected.
    Outcome after;
    ASSERT_EQ(generate(c.get(), after, "x", -1, true, R"({"delay_ms":0})"), REALM_OK);
    ASSERT_TRUE(after.wait());
    EXPECT_EQ(after.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_TRUE(events.errors().empty()) << events.errors().front();
}

TEST_F(WsSystem, AHundredConcurrentGenerationsOnOneConnection) {
    start_server({"--token-delay-ms", "1"});
    auto c = connected(*rsa_);
    std::vector<std::unique_ptr<Outcome>> outs;
    for (int i = 0; i < 100; ++i) {
        outs.push_back(std::make_unique<Outcome>());
        ASSERT_EQ(generate(c.get(), *outs.back(), "p" + std::to_string(i), -1, true), REALM_OK);
    }
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(outs[i]->wait(30000));
        EXPECT_EQ(outs[i]->outcome, REALM_OUTCOME_COMPLETE) << outs[i]->message;
        // Each got its own prompt's answer, not a neighbour's tokens.
        EXPECT_NE(outs[i]->text.find("response to: p" + std::to_string(i) + " "), std::string::npos)
            << outs[i]->text;
    }
}

TEST_F(WsSystem, ModelsPingAndCallsTheDialectDoesNotHave) {
    start_server();
    auto c = connected(*rsa_);
    Outcome models;
    realm_handler_t h = models.handler();
    ASSERT_EQ(realm_models(c.get(), nullptr, &h, nullptr, nullptr), REALM_OK);
    ASSERT_TRUE(models.wait());
    ASSERT_EQ(models.outcome, REALM_OUTCOME_COMPLETE) << models.message;
    EXPECT_EQ(models.json.front(), '[');
    EXPECT_NE(models.json.find("\"name\":\"llama2:latest\""), std::string::npos) << models.json;

    Outcome ping;
    h = ping.handler();
    ASSERT_EQ(realm_call(c.get(), "ping", "{}", nullptr, &h, nullptr, nullptr), REALM_OK);
    ASSERT_TRUE(ping.wait());
    ASSERT_EQ(ping.outcome, REALM_OUTCOME_COMPLETE) << ping.message;
    EXPECT_NE(ping.json.find("\"type\":\"pong\""), std::string::npos);
    EXPECT_GE(ping.elapsed_ms, 0);

    Outcome nope;
    h = nope.handler();
    realm_error_t *err = nullptr;
    EXPECT_EQ(realm_health(c.get(), nullptr, &h, nullptr, &err), REALM_ERR_INVALID_ARGUMENT);
    realm_error_destroy(err);
    EXPECT_EQ(realm_call(c.get(), "hello", "{}", nullptr, &h, nullptr, nullptr), REALM_ERR_INVALID_ARGUMENT);

    // An unknown model fails after its start, as Ollama's 404 does.
    Outcome missing;
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = "x";
    p.model = "nope";
    p.stream = 1;
    h = missing.handler();
    ASSERT_EQ(realm_generate(c.get(), &p, nullptr, &h, nullptr, nullptr), REALM_OK);
    ASSERT_TRUE(missing.wait());
    EXPECT_EQ(missing.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(missing.status, REALM_ERR_NOT_FOUND);
    EXPECT_EQ(missing.code, "model_not_found");
    EXPECT_EQ(missing.started, 1);
}

TEST_F(WsSystem, ServerKilledMidStreamThenAReconnectWithAFreshChallenge) {
    start_server({"--token-delay-ms", "5"});
    int port = server.port();
    auto c = connected(*rsa_, {{"backoff_base_ms", "50"}, {"backoff_cap_ms", "200"}});
    Outcome o;
    o.on_first_tokens = [this](realm_request_t *) { server.kill_hard(); };
    ASSERT_EQ(generate(c.get(), o, "Count to 100", -1, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(o.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_EQ(o.code, "connection_lost");
    ASSERT_TRUE(events.wait_for(REALM_EVENT_DISCONNECTED));
    // A new server on the same port: a new process, so a new challenge that
    // the client must sign again.
    ServerProcess again;
    ASSERT_TRUE(again.start({"--dialect", "ws-system", "--ws-clients", registry_}, port));
    ASSERT_TRUE(events.wait_for(REALM_EVENT_CONNECTED, 2, 20000));
    Outcome after;
    ASSERT_EQ(generate(c.get(), after, "x", -1, true), REALM_OK);
    ASSERT_TRUE(after.wait());
    EXPECT_EQ(after.outcome, REALM_OUTCOME_COMPLETE) << after.message;
}

TEST_F(WsSystem, AConnectionDroppedByTheServerEndsEveryGenerationOnIt) {
    start_server({"--token-delay-ms", "2"});
    auto c = connected(*rsa_, {{"reconnect", "false"}});
    Outcome dropping, other;
    ASSERT_EQ(generate(c.get(), other, "Count to 100", -1, true), REALM_OK);
    ASSERT_EQ(generate(c.get(), dropping, "Count to 100", -1, true, R"({"fault":"drop_after:3"})"), REALM_OK);
    ASSERT_TRUE(dropping.wait());
    ASSERT_TRUE(other.wait());
    EXPECT_EQ(dropping.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_EQ(other.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_GE(dropping.tokens.size(), 3u);
}

// ws-system.md 4.5: one frame, items run in order (a generate to its end
// before the next starts), each answered under its own id.
TEST_F(WsSystem, ABatchGoesOutAsOneFrameAndEachItemEndsOnce) {
    start_server({"--token-delay-ms", "2"});
    auto c = connected(*rsa_);
    realm_batch_t *batch = nullptr;
    ASSERT_EQ(realm_batch_new(c.get(), &batch, nullptr), REALM_OK);
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    co.batch = batch;
    Outcome first, models, second, ping;
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = "one";
    p.stream = 1;
    realm_handler_t h = first.handler();
    ASSERT_EQ(realm_generate(c.get(), &p, &co, &h, nullptr, nullptr), REALM_OK);
    h = models.handler();
    ASSERT_EQ(realm_models(c.get(), &co, &h, nullptr, nullptr), REALM_OK);
    p.prompt = "two";
    h = second.handler();
    ASSERT_EQ(realm_generate(c.get(), &p, &co, &h, nullptr, nullptr), REALM_OK);
    h = ping.handler();
    ASSERT_EQ(realm_call(c.get(), "ping", nullptr, &co, &h, nullptr, nullptr), REALM_OK);
    EXPECT_EQ(realm_batch_size(batch), 4u);
    // Held: nothing has happened yet.
    EXPECT_EQ(first.terminal_count(), 0);
    ASSERT_EQ(realm_batch_send(batch, nullptr), REALM_OK);
    for (Outcome *o : {&first, &models, &second, &ping}) {
        ASSERT_TRUE(o->wait());
        EXPECT_EQ(o->outcome, REALM_OUTCOME_COMPLETE) << o->message;
    }
    EXPECT_NE(first.text.find("response to: one"), std::string::npos);
    EXPECT_NE(second.text.find("response to: two"), std::string::npos);
    EXPECT_EQ(models.json.front(), '[');
    // In order: the second generation started only after the first ended.
    EXPECT_GT(second.elapsed_ms, first.elapsed_ms);
    EXPECT_GE(second.first_token_ms, first.elapsed_ms - 1.0);

    // A discarded batch ends its requests as cancelled; other dialects have none.
    ASSERT_EQ(realm_batch_new(c.get(), &batch, nullptr), REALM_OK);
    co.batch = batch;
    Outcome dropped;
    h = dropped.handler();
    ASSERT_EQ(realm_generate(c.get(), &p, &co, &h, nullptr, nullptr), REALM_OK);
    realm_batch_discard(batch);
    ASSERT_TRUE(dropped.wait());
    EXPECT_EQ(dropped.outcome, REALM_OUTCOME_CANCELLED);
    ASSERT_EQ(realm_batch_new(c.get(), &batch, nullptr), REALM_OK);
    EXPECT_EQ(realm_batch_send(batch, nullptr), REALM_ERR_INVALID_ARGUMENT);  // empty, freed
    auto other = make_client(server.url("/"));
    EXPECT_EQ(realm_batch_new(other.get(), &batch, nullptr), REALM_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace realm::test
