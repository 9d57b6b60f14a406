// Connection management of the client core against fake connections: the
// test plays the server by calling the transport handlers on the loop
// thread. Handshakes, pools, reconnect, keepalive and HTTP exchanges, with no
// sockets.
#include <gtest/gtest.h>

#include <cjson/cJSON.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "client_fixture.h"

namespace {

using namespace realm::test;
using realm::core::ClientCore;
using realm::core::Options;

TEST_F(ClientFixture, RealmHandshakeSendsTheKeyOnlyWhenAsked) {
    make({{"url", "ws://h:1"}, {"api_key", "sk_test"}});
    Connect c;
    connect_ws(c, {R"({"type":"auth_required"})"});
    on_loop([&] {
        ASSERT_EQ(socket(0).sent.size(), 1u);
        EXPECT_EQ(socket(0).sent[0], R"({"type":"auth","api_key":"sk_test"})");
        // The key never travels as a header on the Realm upgrade.
        for (auto &h : socket(0).spec.headers) EXPECT_NE(h.first, "Authorization");
        socket(0).receive(R"({"type":"auth_success","tenant_id":"t1"})");
        socket(0).receive(kWelcome);
    });
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    EXPECT_EQ(c.status, REALM_OK);
    EXPECT_EQ(core->state(), REALM_STATE_CONNECTED);
    EXPECT_EQ(core->tenant_id(), "t1");
    EXPECT_TRUE(core->has_extension("cancel"));
    EXPECT_EQ(events.count(REALM_EVENT_CONNECTED), 1);
}

TEST_F(ClientFixture, RealmLossFailsSentRequestsAndReconnectsWithBackoff) {
    make({{"url", "ws://h:1"}, {"backoff_base_ms", "1"}, {"backoff_jitter_percent", "0"}});
    Connect c;
    connect_ws(c, {kWelcome});
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    Recorded r(chat());
    submit(r);
    ASSERT_TRUE(eventually([&] { return socket(0).sent.size() == 1; }));
    on_loop([&] { socket(0).drop(1006, "gone"); });
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_EQ(r.terminals, 1);
    // A new attempt after the backoff; it is not re-sent there.
    ASSERT_TRUE(eventually([&] { return net->sockets.size() == 2; }));
    EXPECT_EQ(events.count(REALM_EVENT_RECONNECTING), 1);
    on_loop([&] {
        socket(1).open();
        socket(1).receive(kWelcome);
        EXPECT_TRUE(socket(1).sent.empty());
    });
    EXPECT_EQ(core->state(), REALM_STATE_CONNECTED);
    EXPECT_EQ(events.count(REALM_EVENT_CONNECTED), 2);
}

TEST_F(ClientFixture, OpenAiWsPoolsConnectionsWithOneRequestEach) {
    make({{"url", "ws://h:1/v1/chat/completions"}, {"api_key", "sk-x"}, {"max_connections", "2"}});
    Connect c;
    connect_ws(c);
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    EXPECT_EQ(c.status, REALM_OK);
    on_loop([&] {
        auto &h = socket(0).spec.headers;
        ASSERT_FALSE(h.empty());
        EXPECT_EQ(h[0].first, "Authorization");
        EXPECT_EQ(h[0].second, "Bearer sk-x");
        EXPECT_EQ(socket(0).spec.path, "/v1/chat/completions");
    });
    Recorded a(chat(), "a"), b(chat(), "b"), d(chat(), "d");
    submit(a);
    submit(b);
    submit(d);
    // a on socket 0; a second socket opens for b; d waits for a free one.
    ASSERT_TRUE(eventually([&] { return net->sockets.size() == 2; }));
    on_loop([&] {
        EXPECT_EQ(socket(0).sent.size(), 1u);
        socket(1).open();
        ASSERT_EQ(socket(1).sent.size(), 1u);
        EXPECT_NE(socket(1).sent[0].find("\"messages\""), std::string::npos);
        EXPECT_EQ(socket(1).sent[0].find("request_id"), std::string::npos);  // no multiplexing
    });
    EXPECT_EQ(sockets(), 2u);
    // a ends: d goes out on its socket.
    on_loop([&] {
        socket(0).receive(R"({"choices":[{"index":0,"delta":{"content":"A"},"finish_reason":null}]})");
        socket(0).receive(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
    });
    ASSERT_TRUE(a.done());
    EXPECT_EQ(a.text, "A");
    EXPECT_EQ(a.finish_reason, "stop");
    ASSERT_TRUE(eventually([&] { return socket(0).sent.size() == 2; }));
    // Cancelling b closes its socket (the only way to stop the server).
    core->cancel(b.req);
    ASSERT_TRUE(eventually([&] { return b.done(); }));
    EXPECT_EQ(b.outcome, REALM_OUTCOME_CANCELLED);
    on_loop([&] {
        EXPECT_TRUE(socket(1).closed);
        EXPECT_EQ(socket(1).close_code, 1000);
        // An error frame ends d; the socket stays usable.
        socket(0).receive(R"({"error":{"message":"messages must be an array","type":"invalid_request_error","param":"messages","code":"invalid_request_error"}})");
    });
    ASSERT_TRUE(d.done());
    EXPECT_EQ(d.status, REALM_ERR_INVALID_REQUEST);
    EXPECT_EQ(d.code, "invalid_request_error");
    EXPECT_EQ(core->state(), REALM_STATE_CONNECTED);
}

// Every pooled socket lost: their requests fail, the client reports the loss
// once, and a socket still opening (or the reconnect) takes the queued ones.
TEST_F(ClientFixture, OpenAiWsPoolLosesEverySocketThenRecovers) {
    make({{"url", "ws://h:1/v1/chat/completions"}, {"max_connections", "2"}, {"backoff_base_ms", "1"}});
    Connect c;
    connect_ws(c);
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    Recorded a(chat(), "a"), b(chat(), "b"), queued(chat(), "q");
    submit(a);
    submit(b);
    ASSERT_TRUE(eventually([&] { return net->sockets.size() == 2; }));
    on_loop([&] { socket(1).open(); });
    submit(queued);
    ASSERT_TRUE(eventually([&] { return socket(1).sent.size() == 1; }));
    on_loop([&] { socket(0).drop(); });  // a fails; a new socket opens for the queued request
    ASSERT_TRUE(a.done());
    EXPECT_EQ(a.status, REALM_ERR_CONNECTION_LOST);
    ASSERT_TRUE(eventually([&] { return net->sockets.size() == 3; }));
    EXPECT_EQ(core->state(), REALM_STATE_CONNECTED);
    on_loop([&] { socket(1).drop(); });  // b fails: no socket is ready any more
    ASSERT_TRUE(b.done());
    EXPECT_EQ(b.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_EQ(events.count(REALM_EVENT_DISCONNECTED), 1);
    EXPECT_NE(core->state(), REALM_STATE_CONNECTED);
    on_loop([&] { socket(2).open(); });  // the one still opening comes up
    ASSERT_TRUE(eventually([&] { return core->state() == REALM_STATE_CONNECTED; }));
    EXPECT_EQ(events.count(REALM_EVENT_CONNECTED), 2);
    ASSERT_TRUE(eventually([&] { return socket(2).sent.size() == 1; }));  // the queued request, sent once
    on_loop([&] {
        for (size_t i = 0; i < 2; ++i) EXPECT_EQ(socket(i).sent.size(), 1u);  // nothing re-sent
        socket(2).receive(R"({"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]})");
    });
    ASSERT_TRUE(queued.done());
    EXPECT_EQ(queued.text, "ok");
}

// openai-ws.md 8: five reconnect attempts unless the user says otherwise.
TEST_F(ClientFixture, OpenAiWsGivesUpAfterFiveAttemptsByDefault) {
    make({{"url", "ws://h:1/v1/chat/completions"}, {"backoff_base_ms", "1"}, {"backoff_cap_ms", "2"}});
    Connect c;
    connect_ws(c);
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    on_loop([&] {
        net->refuse = true;  // every new attempt fails at once
        socket(0).drop();
    });
    ASSERT_TRUE(eventually([&] { return core->state() == REALM_STATE_DISCONNECTED; }));
    EXPECT_EQ(events.count(REALM_EVENT_RECONNECTING), 5);
}

TEST_F(ClientFixture, OpenAiWsAuthFrameAndJsonKeepalive) {
    make({{"url", "ws://h:1/v1/completions"}, {"api_key", "sk-x"}, {"auth_message", "true"},
          {"json_ping", "true"}, {"ping_interval_ms", "20"}});
    Connect c;
    connect_ws(c);
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    on_loop([&] {
        for (auto &h : socket(0).spec.headers) EXPECT_NE(h.first, "Authorization");
        ASSERT_FALSE(socket(0).sent.empty());
        EXPECT_EQ(socket(0).sent[0], R"({"type":"auth","api_key":"sk-x"})");
    });
    // Quiet: a JSON ping goes out; no answer within an interval: the connection is dead.
    ASSERT_TRUE(eventually([&] { return socket(0).sent.size() >= 2; }));
    on_loop([&] { EXPECT_EQ(socket(0).sent[1], R"({"type":"ping"})"); });
    ASSERT_TRUE(eventually([&] { return events.count(REALM_EVENT_DISCONNECTED) == 1; }));
}

TEST_F(ClientFixture, OpenAiWsMultiplexedCancelIsAFrame) {
    make({{"url", "ws://h:1/v1/chat/completions"}, {"multiplex", "true"}});
    Connect c;
    connect_ws(c);
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    Recorded r1(chat(), "r1"), r2(chat(), "r2");
    submit(r1);
    submit(r2);
    ASSERT_TRUE(eventually([&] { return socket(0).sent.size() == 2; }));
    core->cancel(r2.req);
    ASSERT_TRUE(eventually([&] { return r2.done(); }));
    on_loop([&] {
        ASSERT_EQ(socket(0).sent.size(), 3u);
        EXPECT_EQ(socket(0).sent[2], R"({"type":"cancel","request_id":"r2"})");
        EXPECT_FALSE(socket(0).closed);
        // The server's abort chunk for r2 is dropped; r1 goes on.
        socket(0).receive(R"({"choices":[{"index":0,"delta":{},"finish_reason":"abort"}],"request_id":"r2"})");
        socket(0).receive(R"({"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}],"request_id":"r1"})");
    });
    ASSERT_TRUE(r1.done());
    EXPECT_EQ(r1.text, "x");
    EXPECT_EQ(r2.outcome, REALM_OUTCOME_CANCELLED);
    EXPECT_EQ(events.count(REALM_EVENT_ERROR), 0);
}

TEST_F(ClientFixture, HttpConnectIsAProbeAndRequestsAreExchanges) {
    make({{"url", "http://h:8080/v1"}, {"api_key", "sk-x"}});
    Connect c;
    ASSERT_EQ(core->connect(&Connect::cb, &c), REALM_OK);
    ASSERT_TRUE(eventually([&] { return net->exchanges.size() == 1; }));
    on_loop([&] {
        auto &probe = *net->exchanges[0];
        EXPECT_EQ(probe.spec.method, "GET");
        EXPECT_EQ(probe.spec.path, "/v1/models");
        probe.respond(404, "text/html", "<html>no models here</html>");  // still a server
    });
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    EXPECT_EQ(c.status, REALM_OK);

    Recorded r(chat());
    submit(r);
    ASSERT_TRUE(eventually([&] { return net->exchanges.size() == 2; }));
    on_loop([&] {
        auto &ex = *net->exchanges[1];
        EXPECT_EQ(ex.spec.method, "POST");
        EXPECT_EQ(ex.spec.path, "/v1/chat/completions");
        bool bearer = false, accept = false;
        for (auto &h : ex.spec.headers) {
            bearer |= h.first == "Authorization" && h.second == "Bearer sk-x";
            accept |= h.first == "Accept" && h.second == "text/event-stream";
        }
        EXPECT_TRUE(bearer);
        EXPECT_TRUE(accept);
        ex.head(200, "text/event-stream; charset=utf-8");
        // An event stream fed byte by byte, with a comment, CRLF and the usage chunk.
        std::string sse =
            ": ping\r\n\r\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}\r\n\r\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\n"
            "data: [DONE]\n\n";
        for (char ch : sse) ex.body(std::string(1, ch));
    });
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.outcome, REALM_OUTCOME_COMPLETE) << r.message;
    EXPECT_EQ(r.text, "Hello");
    EXPECT_EQ(r.finish_reason, "stop");
    EXPECT_EQ(r.total_tokens, 3);
    on_loop([&] { EXPECT_TRUE(net->exchanges[1]->detached); });
}

TEST_F(ClientFixture, HttpErrorsAndCutStreams) {
    make({{"url", "http://h:8080"}});
    Connect c;
    ASSERT_EQ(core->connect(&Connect::cb, &c), REALM_OK);
    ASSERT_TRUE(eventually([&] { return net->exchanges.size() == 1; }));
    on_loop([&] { net->exchanges[0]->respond(200, "application/json", R"({"object":"list","data":[]})"); });
    ASSERT_TRUE(eventually([&] { return c.finished(); }));

    Recorded limited(chat(), "a"), cut(chat(), "b"), html(chat(), "c"), cancelled(chat(), "d");
    for (Recorded *r : {&limited, &cut, &html, &cancelled}) submit(*r);
    ASSERT_TRUE(eventually([&] { return net->exchanges.size() == 5; }));
    on_loop([&] {
        auto &a = *net->exchanges[1];
        a.head(429, "application/json", "2");
        a.body(R"({"error":{"message":"Too many requests","type":"rate_limit_error"}})");
        a.end();
        auto &b = *net->exchanges[2];
        b.head(200, "text/event-stream");
        b.body("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"}}]}\n\ndata: {\"choi");
        b.end(false, false, "connection reset");
        auto &h = *net->exchanges[3];
        h.head(200, "text/html");
        h.body("<html>");
    });
    ASSERT_TRUE(limited.done());
    EXPECT_EQ(limited.status, REALM_ERR_RATE_LIMITED);
    EXPECT_EQ(limited.retry_after_ms, 2000);
    ASSERT_TRUE(cut.done());
    EXPECT_EQ(cut.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_EQ(cut.joined(), "par");
    ASSERT_TRUE(html.done());
    EXPECT_EQ(html.status, REALM_ERR_PROTOCOL);
    EXPECT_NE(html.message.find("text/html"), std::string::npos);
    core->cancel(cancelled.req);
    ASSERT_TRUE(eventually([&] { return cancelled.done(); }));
    on_loop([&] { EXPECT_TRUE(net->exchanges[4]->detached); });
    for (Recorded *r : {&limited, &cut, &html, &cancelled}) EXPECT_EQ(r->terminals, 1);
}

TEST_F(ClientFixture, HttpProbeRefusedKeyFailsTheConnect) {
    make({{"url", "http://h:8080"}, {"api_key", "bad"}});
    Connect c;
    ASSERT_EQ(core->connect(&Connect::cb, &c), REALM_OK);
    ASSERT_TRUE(eventually([&] { return net->exchanges.size() == 1; }));
    on_loop([&] {
        net->exchanges[0]->respond(401, "application/json",
                                   R"({"error":{"message":"Invalid API key","code":"invalid_api_key"}})");
    });
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    EXPECT_EQ(c.status, REALM_ERR_UNAUTHORIZED);
    EXPECT_EQ(core->state(), REALM_STATE_DISCONNECTED);
}

TEST_F(ClientFixture, DestroyEndsEveryRequestOnce) {
    make({{"url", "ws://h:1/v1/chat/completions"}, {"max_connections", "1"}});
    Connect c;
    connect_ws(c);
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    Recorded a(chat(), "a"), b(chat(), "b");
    submit(a);
    submit(b);  // waits for the one connection
    ASSERT_TRUE(eventually([&] { return socket(0).sent.size() == 1; }));
    core->destroy();
    core.reset();
    EXPECT_EQ(a.terminals, 1);
    EXPECT_EQ(b.terminals, 1);
    EXPECT_EQ(a.status, REALM_ERR_CANCELLED);
    EXPECT_EQ(b.status, REALM_ERR_CANCELLED);
}

}  // namespace

namespace {

// The private key of ws-system.md 7.1 (tests/data/ws-system-vectors.json).
std::string vector_private_key() {
    std::ifstream in(REALM_WS_SYSTEM_VECTORS_FILE);
    std::stringstream ss;
    ss << in.rdbuf();
    cJSON *root = cJSON_Parse(ss.str().c_str());
    std::string pem =
        cJSON_GetObjectItem(cJSON_GetObjectItem(root, "signature"), "private_key_pkcs8_pem")->valuestring;
    cJSON_Delete(root);
    return pem;
}

const char *kChallenge = R"({"type":"challenge","challenge":"00ff","timestamp":1})";
const char *kAuthOk = R"({"type":"auth_result","success":true,"timestamp":2})";

// ws-system.md 6.5: a rate-limited handshake during a reconnect waits at
// least retryAfter before the next attempt, which answers a fresh challenge.
TEST_F(ClientFixture, WsSystemReconnectWaitsForRetryAfterAndSignsAFreshChallenge) {
    std::string pem = vector_private_key();
    make({{"url", "ws://h:1/"}, {"dialect", "ws-system"}, {"client_id", "c1"}, {"private_key", pem.c_str()},
          {"backoff_base_ms", "1"}, {"backoff_cap_ms", "2"}, {"backoff_jitter_percent", "0"}});
    Connect c;
    connect_ws(c, {kChallenge});
    on_loop([&] {
        ASSERT_EQ(socket(0).sent.size(), 1u);
        EXPECT_NE(socket(0).sent[0].find("\"type\":\"authenticate\""), std::string::npos);
        socket(0).receive(kAuthOk);
    });
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    ASSERT_EQ(c.status, REALM_OK) << c.message;
    on_loop([&] { socket(0).drop(1006); });
    ASSERT_TRUE(eventually([&] { return net->sockets.size() == 2; }));
    on_loop([&] {
        socket(1).open();
        socket(1).receive(R"({"type":"challenge","challenge":"abcd"})");
        ASSERT_EQ(socket(1).sent.size(), 1u);
        EXPECT_NE(socket(1).sent[0], socket(0).sent[0]);  // another challenge, another signature
        socket(1).receive(R"({"type":"auth_result","success":false,"error":"Too many","retryAfter":1})");
        EXPECT_TRUE(socket(1).detached);  // closed at once, not left to the server's timer
    });
    ASSERT_TRUE(eventually([&] { return events.count(REALM_EVENT_RECONNECTING) == 2; }));
    {
        std::lock_guard<std::mutex> lock(events.m);
        EXPECT_LE(events.reconnect_delays_ms[0], 2u);
        EXPECT_GE(events.reconnect_delays_ms[1], 1000u);  // retryAfter: 1 s
    }
    EXPECT_EQ(core->state(), REALM_STATE_RECONNECTING);
}

TEST_F(ClientFixture, WsSystemKeepaliveIsAJsonPingWhosePongBelongsToNoRequest) {
    std::string pem = vector_private_key();
    make({{"url", "ws://h:1/"}, {"dialect", "ws-system"}, {"client_id", "c1"}, {"private_key", pem.c_str()},
          {"ping_interval_ms", "20"}});
    Connect c;
    connect_ws(c, {kChallenge, kAuthOk});
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    ASSERT_TRUE(eventually([&] { return socket(0).sent.size() >= 2; }));
    std::string ping;
    on_loop([&] { ping = socket(0).sent[1]; });
    ASSERT_NE(ping.find("\"type\":\"ping\",\"id\":\"keepalive_1\""), std::string::npos) << ping;
    on_loop([&] { socket(0).receive(R"({"id":"keepalive_1","type":"pong","timestamp":3})"); });
    {
        std::lock_guard<std::mutex> lock(events.m);
        EXPECT_TRUE(events.error_codes.empty());  // not "a frame for an unknown request"
    }
    // Unanswered from now on: declared dead with the dialect's code.
    ASSERT_TRUE(eventually([&] { return events.count(REALM_EVENT_DISCONNECTED) == 1; }));
    std::lock_guard<std::mutex> lock(events.m);
    ASSERT_FALSE(events.error_codes.empty());
    EXPECT_EQ(events.error_codes.back(), "connection_lost");
}

// The bad-input classes every dialect meets, on a ws-system connection: each
// ends the one request it can be pinned on, or is reported on the client;
// the connection carries on.
TEST_F(ClientFixture, WsSystemBadFramesEndTheirRequestOrAreReported) {
    std::string pem = vector_private_key();
    make({{"url", "ws://h:1/"}, {"dialect", "ws-system"}, {"client_id", "c1"}, {"private_key", pem.c_str()}});
    Connect c;
    connect_ws(c, {kChallenge, kAuthOk});
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    RequestSpec gen;
    gen.prompt = "p";
    gen.sampling.stream = true;
    struct Case {
        std::string frame;
        bool binary;
        realm_status_t status;
    };
    const std::vector<Case> cases = {
        {R"({"id":"%s","type":"stream_token","token":)", false, REALM_ERR_PROTOCOL},  // malformed, id readable
        {"\x81\x82" "binary", true, REALM_ERR_PROTOCOL},
        {std::string("{\"id\":\"%s\",\"type\":\"stream_token\",\"token\":\"\xC3\x28\"}"), false,
         REALM_ERR_PROTOCOL},  // invalid UTF-8
        {R"({"id":"%s","type":"error","error":"Generation failed: boom","code":"generation_error"})", false,
         REALM_ERR_BACKEND},
    };
    size_t sent_before = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE(i);
        Recorded r(gen, "r" + std::to_string(i + 1));
        submit(r);
        ASSERT_TRUE(eventually([&] { return socket(0).sent.size() > sent_before; }));
        std::string id = r.req->id;
        std::string frame = cases[i].frame;
        size_t at = frame.find("%s");
        if (at != std::string::npos) frame.replace(at, 2, id);
        on_loop([&] { socket(0).handler->on_message(frame, cases[i].binary); });
        ASSERT_TRUE(r.done());
        EXPECT_EQ(r.status, cases[i].status) << r.message;
        EXPECT_EQ(r.terminals, 1);
        on_loop([&] { sent_before = socket(0).sent.size(); });
    }
    // A frame for an id nobody sent: reported on the client, nothing ends.
    on_loop([&] { socket(0).receive(R"({"id":"nobody","type":"stream_token","token":"x"})"); });
    ASSERT_TRUE(eventually([&] {
        std::lock_guard<std::mutex> lock(events.m);
        return !events.error_codes.empty();
    }));
    EXPECT_EQ(core->state(), REALM_STATE_CONNECTED);
}

TEST_F(ClientFixture, WsSystemConnectTimeoutHasTheSeedsCode) {
    std::string pem = vector_private_key();
    make({{"url", "ws://h:1/"}, {"dialect", "ws-system"}, {"client_id", "c1"}, {"private_key", pem.c_str()},
          {"connect_timeout_ms", "30"}});
    Connect c;
    connect_ws(c);  // open, but no challenge ever comes
    ASSERT_TRUE(eventually([&] { return c.finished(); }));
    EXPECT_EQ(c.status, REALM_ERR_TIMEOUT);
    EXPECT_EQ(c.code, "connection_timeout");
}

}  // namespace
