// realm-server as a gateway (--upstream): every dialect answered from an
// OpenAI-compatible upstream (another realm-server's HTTP/SSE endpoint)
// through the public C API, with the upstream's own counters (its health
// function) proving that a cancel closes the upstream request, that load
// spreads over upstreams by requests in flight, and that an upstream that
// dies is failed over before the first token and never re-sent after it.
#include <gtest/gtest.h>

#include <future>
#include <memory>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

const std::vector<std::string> kFiveWords = {"The ", "capital ", "of ", "France ", "is "};

// One upstream (with `upstream_args`) and a gateway in front of it.
struct Pair {
    ServerProcess upstream, gateway;
    bool start(std::vector<std::string> upstream_args = {}, std::vector<std::string> gateway_args = {}) {
        if (!upstream.start(upstream_args)) return false;
        std::vector<std::string> args = {"--upstream", upstream.http_url("/v1"), "--upstream-wait-ms", "3000"};
        args.insert(args.end(), gateway_args.begin(), gateway_args.end());
        return gateway.start(args);
    }
};

// A connected Realm client of `server` (extended mode: health has counters).
ClientPtr realm_client(const ServerProcess &server) {
    auto c = make_client(server.url());
    std::string why;
    EXPECT_EQ(connect(c.get(), &why), REALM_OK) << why;
    return c;
}

long long active(const std::string &health_json) { return json_int(health_json, "active_requests"); }

TEST(Gateway, EveryDialectAnswersFromTheUpstream) {
    Pair p;
    ASSERT_TRUE(p.start());

    auto realm = realm_client(p.gateway);
    Outcome stream;
    ASSERT_EQ(generate(realm.get(), stream, "Hello", 5, true), REALM_OK);
    ASSERT_TRUE(stream.wait());
    EXPECT_EQ(stream.terminal_count(), 1);
    ASSERT_EQ(stream.outcome, REALM_OUTCOME_COMPLETE) << stream.message;
    EXPECT_EQ(stream.tokens, kFiveWords);
    EXPECT_EQ(stream.tokens_generated, 5);

    Outcome whole;
    ASSERT_EQ(generate(realm.get(), whole, "Hello", 5, false), REALM_OK);
    ASSERT_TRUE(whole.wait());
    ASSERT_EQ(whole.outcome, REALM_OUTCOME_COMPLETE) << whole.message;
    EXPECT_EQ(whole.text, "The capital of France is ");
    EXPECT_NE(whole.json.find("\"finish_reason\":\"length\""), std::string::npos) << whole.json;

    for (const char *path : {"/v1/chat/completions", "/v1/completions"}) {
        auto ws = openai_client(p.gateway.url(path));
        std::string why;
        ASSERT_EQ(connect(ws.get(), &why), REALM_OK) << why;
        Outcome o;
        ASSERT_EQ(std::string(path) == "/v1/completions" ? generate(ws.get(), o, "Hello", 5, true)
                                                          : chat(ws.get(), o, "Hello", 5, true),
                  REALM_OK);
        ASSERT_TRUE(o.wait());
        EXPECT_EQ(o.terminal_count(), 1);
        ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << path << ": " << o.message;
        EXPECT_EQ(o.tokens, kFiveWords) << path;
        EXPECT_EQ(o.finish_reason, "length") << path;
    }

    auto http = openai_client(p.gateway.http_url("/v1"));
    std::string why;
    ASSERT_EQ(connect(http.get(), &why), REALM_OK) << why;
    for (bool streamed : {true, false}) {
        Outcome o;
        ASSERT_EQ(chat(http.get(), o, "Hello", 5, streamed), REALM_OK);
        ASSERT_TRUE(o.wait());
        ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
        EXPECT_EQ(o.text, "The capital of France is ");
        EXPECT_EQ(o.finish_reason, "length");
        EXPECT_EQ(o.completion_tokens, 5);
    }

    auto tekton = openai_client(p.gateway.http_url(), {{"dialect", "tekton"}});
    ASSERT_EQ(connect(tekton.get(), &why), REALM_OK) << why;
    for (bool streamed : {true, false}) {
        Outcome o;
        ASSERT_EQ(chat(tekton.get(), o, "Hello", 5, streamed), REALM_OK);
        ASSERT_TRUE(o.wait());
        ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
        EXPECT_EQ(o.text, "The capital of France is ");
        EXPECT_EQ(o.finish_reason, "length");
    }

    auto tekton_ws = openai_client(p.gateway.url("/ws"), {{"dialect", "tekton-ws"}});
    ASSERT_EQ(connect(tekton_ws.get(), &why), REALM_OK) << why;
    for (bool streamed : {true, false}) {
        Outcome o;
        ASSERT_EQ(chat(tekton_ws.get(), o, "Hello", 5, streamed), REALM_OK);
        ASSERT_TRUE(o.wait());
        ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
        if (streamed) EXPECT_EQ(o.tokens, kFiveWords);
        EXPECT_EQ(o.text, "The capital of France is ");
        EXPECT_EQ(o.finish_reason, "length");
    }
}

TEST(Gateway, CancelClosesTheUpstreamRequestAtOnce) {
    Pair p;
    ASSERT_TRUE(p.start({"--token-delay-ms", "20"}));
    auto upstream = realm_client(p.upstream);
    for (const std::string &url : {p.gateway.url(), p.gateway.url("/v1/chat/completions"), p.gateway.url("/ws")}) {
        bool tekton_ws = url == p.gateway.url("/ws");
        auto c = url == p.gateway.url() ? realm_client(p.gateway)
                 : tekton_ws            ? openai_client(url, {{"dialect", "tekton-ws"}})
                                        : openai_client(url, {{"multiplex", "true"}});
        std::string why;
        ASSERT_EQ(connect(c.get(), &why), REALM_OK) << why;
        Outcome o;
        realm_request_t *req = nullptr;
        // 1,000 tokens at 20 ms: 20 s unless the cancel reaches the upstream.
        ASSERT_EQ(url == p.gateway.url() ? generate(c.get(), o, "Hello", 1000, true, nullptr, &req)
                                         : chat(c.get(), o, "Hello", 1000, true, nullptr, &req),
                  REALM_OK);
        ASSERT_TRUE(wait_health(upstream.get(), [](const std::string &j) { return active(j) == 1; })) << url;
        ASSERT_EQ(realm_request_cancel(req), REALM_OK);
        ASSERT_TRUE(o.wait());
        EXPECT_EQ(o.outcome, REALM_OUTCOME_CANCELLED) << url << ": " << o.message;
        EXPECT_TRUE(wait_health(upstream.get(), [](const std::string &j) { return active(j) == 0; }, 2000))
            << url << ": the upstream still generates";
        realm_request_release(req);
    }
}

TEST(Gateway, RoutesToTheUpstreamWithFewestRequestsInFlight) {
    ServerProcess a, b, gateway;
    ASSERT_TRUE(a.start({"--token-delay-ms", "20"}));
    ASSERT_TRUE(b.start({"--token-delay-ms", "20"}));
    ASSERT_TRUE(gateway.start({"--upstream", a.http_url("/v1"), "--upstream", b.http_url("/v1")}));
    auto c = realm_client(gateway);
    std::vector<std::unique_ptr<Outcome>> outcomes;
    for (int i = 0; i < 10; ++i) {
        outcomes.push_back(std::make_unique<Outcome>());
        ASSERT_EQ(generate(c.get(), *outcomes.back(), "Hello", 50, true), REALM_OK);
    }
    auto ca = realm_client(a), cb = realm_client(b);
    EXPECT_TRUE(wait_health(ca.get(), [](const std::string &j) { return active(j) == 5; }));
    EXPECT_TRUE(wait_health(cb.get(), [](const std::string &j) { return active(j) == 5; }));
    for (auto &o : outcomes) {
        ASSERT_TRUE(o->wait());
        EXPECT_EQ(o->outcome, REALM_OUTCOME_COMPLETE) << o->message;
        EXPECT_EQ(o->tokens.size(), 50u);
    }
}

TEST(Gateway, DeadUpstreamIsFailedOverBeforeTheFirstToken) {
    ServerProcess a, b, gateway;
    ASSERT_TRUE(a.start({}));
    ASSERT_TRUE(b.start({}));
    ASSERT_TRUE(gateway.start({"--upstream", a.http_url("/v1"), "--upstream", b.http_url("/v1")}));
    a.kill_hard();
    auto c = realm_client(gateway);
    for (int i = 0; i < 6; ++i) {
        Outcome o;
        ASSERT_EQ(generate(c.get(), o, "Hello", 5, true), REALM_OK);
        ASSERT_TRUE(o.wait());
        EXPECT_EQ(o.terminal_count(), 1);
        EXPECT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << "request " << i << ": " << o.message;
        EXPECT_EQ(o.tokens, kFiveWords);
    }
}

TEST(Gateway, UpstreamDeathMidStreamEndsTheRequestOnceWithAnError) {
    ServerProcess a, b, gateway;
    ASSERT_TRUE(a.start({"--token-delay-ms", "20"}));
    ASSERT_TRUE(b.start({"--token-delay-ms", "20"}));
    ASSERT_TRUE(gateway.start({"--upstream", a.http_url("/v1"), "--upstream", b.http_url("/v1")}));
    auto c = realm_client(gateway);
    auto ca = realm_client(a);
    Outcome o;
    std::promise<void> first;
    o.on_first_tokens = [&](realm_request_t *) { first.set_value(); };
    ASSERT_EQ(generate(c.get(), o, "Hello", 1000, true), REALM_OK);
    // The first generation of a fresh gateway goes to its first upstream.
    ASSERT_TRUE(wait_health(ca.get(), [](const std::string &j) { return active(j) == 1; }));
    ASSERT_EQ(first.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    a.kill_hard();  // mid-stream: tokens have arrived, 1,000 take 20 s
    ASSERT_TRUE(o.wait(10000));
    EXPECT_EQ(o.terminal_count(), 1);
    EXPECT_EQ(o.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(o.code, "BACKEND_ERROR") << o.message;
    EXPECT_LT(o.tokens.size(), 1000u);
    // Not re-sent to b after its first token.
    auto cb = realm_client(b);
    Outcome h;
    ASSERT_EQ(health(cb.get(), h), REALM_OK);
    ASSERT_TRUE(h.wait());
    EXPECT_EQ(active(h.json), 0) << h.json;
}

TEST(Gateway, UpstreamErrorsKeepTheirMeaningAndTheKeyStaysSecret) {
    std::string keys = write_api_keys_file();
    ServerProcess upstream, good, bad;
    ASSERT_TRUE(upstream.start({"--api-keys", keys, "--rate-limit-burst", "1", "--rate-limit-rpm", "1"}));
    ASSERT_TRUE(good.start({"--upstream", upstream.http_url("/v1"), "--upstream-api-key", "sk_test_123"}));
    ASSERT_TRUE(bad.start({"--upstream", upstream.http_url("/v1"), "--upstream-api-key", "sk_wrong_secret_42"}));

    auto c = realm_client(good);
    Outcome first, second;
    ASSERT_EQ(generate(c.get(), first, "Hello", 3, true), REALM_OK);
    ASSERT_TRUE(first.wait());
    EXPECT_EQ(first.outcome, REALM_OUTCOME_COMPLETE) << first.message;
    ASSERT_EQ(generate(c.get(), second, "Hello", 3, true), REALM_OK);  // the bucket is empty now
    ASSERT_TRUE(second.wait());
    EXPECT_EQ(second.terminal_count(), 1);
    EXPECT_EQ(second.status, REALM_ERR_RATE_LIMITED) << second.message;
    EXPECT_GT(second.retry_after_ms, 0);

    auto d = realm_client(bad);
    Outcome refused;
    ASSERT_EQ(generate(d.get(), refused, "Hello", 3, true), REALM_OK);
    ASSERT_TRUE(refused.wait());
    EXPECT_EQ(refused.code, "BACKEND_ERROR") << refused.message;
    EXPECT_NE(refused.message.find("credentials"), std::string::npos) << refused.message;
    EXPECT_EQ(refused.message.find("sk_wrong"), std::string::npos) << refused.message;
}

}  // namespace
}  // namespace realm::test
