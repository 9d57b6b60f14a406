// HttpExchange on the real event loop against scripted servers: the request
// as the server receives it, how each response framing reaches the handler,
// and many exchanges at once. Every wait is on a condition (a callback
// arrived, the server saw something); the only timed waits are the server's
// deliberate quiet periods and 30 s guards.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "http_test_support.h"

namespace realm::test {
namespace {

using transport::HttpExchange;
using transport::HttpRequestSpec;

// ---- the request as the server receives it ----

TEST(HttpExchange, SendsRequestLineHeadersAndBody) {
    ScriptedServer server(reply({Step::write(with_length(200, "application/json", R"({"ok":true})"))}));
    auto spec = spec_for(server, "POST", "/v1/chat/completions?stream=false", R"({"model":"m","n":1})");
    spec.headers = {{"Authorization", "Bearer sk-test"}, {"Accept", "application/json"}, {"X-Trace", "a b;c"}};
    Recorder rec;
    auto s = start(spec, &rec);
    ASSERT_NE(s.conn, nullptr) << s.error;
    ASSERT_TRUE(rec.wait_closed());

    auto reqs = server.wait_requests(1);
    ASSERT_EQ(reqs.size(), 1u);
    const auto &req = reqs[0];
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.target, "/v1/chat/completions?stream=false");
    EXPECT_EQ(req.version, "HTTP/1.1");
    EXPECT_EQ(req.header("Host"), "127.0.0.1:" + std::to_string(server.port()));
    EXPECT_EQ(req.count("Host"), 1u);
    EXPECT_EQ(req.header("Content-Type"), "application/json");
    EXPECT_EQ(req.header("Content-Length"), std::to_string(spec.body.size()));
    EXPECT_EQ(req.header("Authorization"), "Bearer sk-test");
    EXPECT_EQ(req.header("Accept"), "application/json");
    EXPECT_EQ(req.header("X-Trace"), "a b;c");
    EXPECT_EQ(req.count("Connection"), 0u);  // HTTP/1.1: the connection may be kept alive
    EXPECT_EQ(req.body, spec.body);

    EXPECT_EQ(rec.heads(), 1);
    EXPECT_EQ(rec.head().status, 200);
    EXPECT_EQ(rec.head().content_type, "application/json");
    EXPECT_EQ(rec.body(), R"({"ok":true})");
    EXPECT_EQ(rec.closes(), 1);
    EXPECT_TRUE(rec.info().body_complete);
    EXPECT_FALSE(rec.info().connect_failed);
}

TEST(HttpExchange, GetSendsNoBodyHeaders) {
    ScriptedServer server(reply({Step::write(with_length(200, "text/plain", "pong"))}));
    Recorder rec;
    auto s = start(spec_for(server, "GET", "/health"), &rec);
    ASSERT_NE(s.conn, nullptr) << s.error;
    ASSERT_TRUE(rec.wait_closed());
    auto req = server.wait_requests(1).at(0);
    EXPECT_EQ(req.method, "GET");
    EXPECT_EQ(req.target, "/health");
    EXPECT_EQ(req.count("Content-Length"), 0u);
    EXPECT_EQ(req.count("Content-Type"), 0u);
    EXPECT_TRUE(req.body.empty());
    EXPECT_EQ(rec.body(), "pong");
    EXPECT_TRUE(rec.info().body_complete);
}

TEST(HttpExchange, PostWithoutBodySendsZeroLength) {
    ScriptedServer server(reply({Step::write(with_length(200, "", ""))}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "POST", "/x"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    auto req = server.wait_requests(1).at(0);
    EXPECT_EQ(req.header("Content-Length"), "0");
    EXPECT_EQ(req.count("Content-Type"), 0u);
    EXPECT_TRUE(rec.info().body_complete);
}

TEST(HttpExchange, CallerHeadersReplaceDefaults) {
    ScriptedServer server(reply({Step::write(with_length(200, "text/plain", "ok"))}));
    auto spec = spec_for(server, "POST", "/", "plain text");
    spec.headers = {{"content-type", "text/plain; charset=utf-8"}, {"Host", "api.example.test"}};
    Recorder rec;
    ASSERT_NE(start(spec, &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    auto req = server.wait_requests(1).at(0);
    EXPECT_EQ(req.count("Content-Type"), 1u);
    EXPECT_EQ(req.header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(req.count("Host"), 1u);
    EXPECT_EQ(req.header("Host"), "api.example.test");
    EXPECT_EQ(req.body, "plain text");
}

TEST(HttpExchange, SendsA5MiBBody) {
    ScriptedServer server(reply({Step::write(with_length(200, "text/plain", "got it"))}));
    std::string body = pattern(5u << 20, 7);
    Recorder rec;
    auto s = start(spec_for(server, "POST", "/upload", body), &rec);
    ASSERT_NE(s.conn, nullptr) << s.error;
    ASSERT_TRUE(rec.wait_closed());
    auto req = server.wait_requests(1).at(0);
    EXPECT_EQ(req.header("Content-Length"), std::to_string(body.size()));
    EXPECT_EQ(req.body.size(), body.size());
    EXPECT_TRUE(req.body == body);
    EXPECT_EQ(rec.body(), "got it");
    EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
}

TEST(HttpExchange, RefusesRequestsNoServerWouldTake) {
    ScriptedServer server(reply({}));
    Recorder rec;
    auto spec = spec_for(server, "POST", "/" + std::string(9000, 'p'));
    auto s = start(spec, &rec);
    EXPECT_EQ(s.conn, nullptr);
    EXPECT_NE(s.error.find("path too long"), std::string::npos) << s.error;

    spec = spec_for(server, "POST", "/");
    spec.headers = {{"X-Big", std::string(70000, 'h')}};
    s = start(spec, &rec);
    EXPECT_EQ(s.conn, nullptr);
    EXPECT_NE(s.error.find("headers too large"), std::string::npos) << s.error;

    spec = spec_for(server, "POST", "/");
    spec.host = std::string(300, 'h') + ".test";
    s = start(spec, &rec);
    EXPECT_EQ(s.conn, nullptr);
    EXPECT_NE(s.error.find("host name too long"), std::string::npos) << s.error;

    spec = spec_for(server, "PUT", "/");
    s = start(spec, &rec);
    EXPECT_EQ(s.conn, nullptr);
    EXPECT_EQ(rec.closes(), 0);
    EXPECT_EQ(server.accepted(), 0u);
}

TEST(HttpExchange, LongPathsAndHostValuesAreSentWhole) {
    // lws 4.1.6's HTTP client cut request lines at 2 KiB and Host at 128 bytes.
    ScriptedServer server(reply({Step::write(with_length(200, "text/plain", "ok"))}));
    Recorder rec;
    std::string path = "/" + std::string(5000, 'p');
    auto spec = spec_for(server, "GET", path);
    std::string host = std::string(200, 'h') + ".example";
    spec.headers = {{"Host", host}};
    ASSERT_NE(start(spec, &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    auto req = server.wait_requests(1).at(0);
    EXPECT_EQ(req.target, path);
    EXPECT_EQ(req.header("Host"), host);
    EXPECT_TRUE(rec.info().body_complete);
}

// ---- response framing ----

TEST(HttpExchange, ContentLengthBodyLargerThanOneRead) {
    std::string body = pattern(200000, 3);
    ScriptedServer server(reply({Step::write(with_length(200, "application/octet-stream", body))}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "GET", "/big"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_TRUE(rec.body() == body);
    EXPECT_TRUE(rec.info().body_complete);
    EXPECT_FALSE(rec.body_before_head());
}

TEST(HttpExchange, ChunkedBodyIsDechunked) {
    std::vector<std::string> parts = {"hello ", "world", pattern(70000, 5), "!"};
    std::string all;
    for (auto &p : parts) all += p;
    ScriptedServer server(reply({Step::write(head(200, {"Content-Type: text/plain", "Transfer-Encoding: chunked"}) +
                                             chunked(parts))}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_TRUE(rec.body() == all);
    EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
}

TEST(HttpExchange, ChunkedUnderAnotherSpellingIsDechunkedToo) {
    // lws only de-chunks "chunked" spelled exactly so; we decode the rest,
    // including chunk extensions and trailer fields.
    std::string body = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
    ScriptedServer server(reply({Step::write(head(200, {"Transfer-Encoding: Chunked"}) + body),
                                 Step::next_request()}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.body(), "hello world");
    EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
}

TEST(HttpExchange, CloseDelimitedBodyIsCompleteWhenTheServerCloses) {
    ScriptedServer server(reply({Step::write(head(200, {"Content-Type: text/plain"}) + "until close"), Step::close()}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.body(), "until close");
    EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
}

TEST(HttpExchange, ResponseWrittenOneBytePerRead) {
    // Each byte is read by the client before the next is written, so the
    // head and the body are split at every position.
    struct Case {
        const char *name;
        std::string wire;
        std::string body;
        size_t data_bytes;  // body bytes that arrive as data (one on_body each)
    };
    std::string body = "0123456789abcdef";
    std::vector<Case> cases = {
        {"content-length", with_length(200, "text/plain", body, {"Retry-After: 3"}), body, body.size()},
        {"chunked", head(200, {"Transfer-Encoding: chunked"}) + chunked({"0123", "456789abcdef"}), body, body.size()},
        {"close-delimited", head(200, {"Content-Type: text/plain"}) + body, body, body.size()},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.name);
        ScriptedServer server(reply({Step::bytewise(c.wire), Step::close()}));
        Recorder rec;
        ASSERT_NE(start(spec_for(server, "POST", "/", "{}"), &rec).conn, nullptr);
        ASSERT_TRUE(rec.wait_closed());
        EXPECT_EQ(rec.head().status, 200);
        EXPECT_EQ(rec.body(), c.body);
        EXPECT_EQ(rec.chunks().size(), c.data_bytes);
        EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
    }
}

TEST(HttpExchange, ServerSentEventsArriveAsTheyAreWritten) {
    // Event i is delivered while the server holds event i+1 back.
    for (bool use_chunked : {true, false}) {
        SCOPED_TRACE(use_chunked ? "chunked" : "close-delimited");
        const int kEvents = 5;
        std::vector<std::string> events;
        for (int i = 0; i < kEvents; ++i) events.push_back("data: {\"token\":\"t" + std::to_string(i) + "\"}\n\n");
        std::vector<Step> steps = {Step::write(
            head(200, use_chunked ? std::vector<std::string>{"Content-Type: text/event-stream",
                                                             "Transfer-Encoding: chunked"}
                                  : std::vector<std::string>{"Content-Type: text/event-stream"}))};
        for (int i = 0; i < kEvents; ++i) {
            steps.push_back(Step::wait_gate(i));
            steps.push_back(Step::write(use_chunked ? chunk(events[i]) : events[i]));
        }
        steps.push_back(Step::wait_gate(kEvents));
        if (use_chunked) steps.push_back(Step::write("0\r\n\r\n"));
        steps.push_back(Step::close());
        ScriptedServer server(reply(steps));
        Recorder rec;
        ASSERT_NE(start(spec_for(server, "POST", "/v1/stream", "{}"), &rec).conn, nullptr);
        ASSERT_TRUE(rec.wait_head());
        EXPECT_EQ(rec.head().content_type, "text/event-stream");
        std::string expected;
        for (int i = 0; i < kEvents; ++i) {
            server.open_gate(i);
            expected += events[i];
            ASSERT_TRUE(rec.wait_body(events[i])) << "event " << i << " was not delivered";
            EXPECT_EQ(rec.body(), expected);
            EXPECT_EQ(rec.closes(), 0);
        }
        server.open_gate(kEvents);
        ASSERT_TRUE(rec.wait_closed());
        EXPECT_EQ(rec.body(), expected);
        EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
    }
}

TEST(HttpExchange, QuietPeriodsLongerThanLwsTimeoutsDoNotKillTheExchange) {
    // lws 4.1.6 arms a 5 s timeout while it waits for the response head (the
    // context's timeout_secs); a model may think longer than that, and a
    // stream may be quiet for longer. Both request shapes (with a body and
    // without) run side by side.
    ScriptedServer post_server(
        reply({Step::pause(6000),
               Step::write(head(200, {"Content-Type: text/event-stream", "Transfer-Encoding: chunked"}) +
                           chunk("data: a\n\n")),
               Step::pause(6000), Step::write(chunk("data: b\n\n") + "0\r\n\r\n")}));
    ScriptedServer get_server(reply({Step::pause(6000), Step::write(with_length(200, "text/plain", "late"))}));
    Recorder post_rec, get_rec;
    ASSERT_NE(start(spec_for(post_server, "POST", "/slow", R"({"prompt":"think"})"), &post_rec).conn, nullptr);
    ASSERT_NE(start(spec_for(get_server, "GET", "/slow"), &get_rec).conn, nullptr);
    ASSERT_TRUE(post_rec.wait_closed());
    ASSERT_TRUE(get_rec.wait_closed());
    EXPECT_EQ(post_rec.head().status, 200);
    EXPECT_EQ(post_rec.body(), "data: a\n\ndata: b\n\n");
    EXPECT_TRUE(post_rec.info().body_complete) << post_rec.info().reason;
    EXPECT_EQ(get_rec.body(), "late");
    EXPECT_TRUE(get_rec.info().body_complete) << get_rec.info().reason;
}

// ---- many ----

TEST(HttpExchange, TwoHundredConcurrentExchanges) {
    ScriptedServer server([](const ReceivedRequest &req) {
        std::string body = "echo " + req.target + " " + req.body;
        return std::vector<Step>{Step::write(head(200, {"Transfer-Encoding: chunked"}) + chunked({body}))};
    });
    const int kCount = 200;
    std::vector<std::unique_ptr<Recorder>> recs;
    std::vector<HttpRequestSpec> specs;
    for (int i = 0; i < kCount; ++i) {
        recs.push_back(std::make_unique<Recorder>());
        specs.push_back(spec_for(server, "POST", "/n/" + std::to_string(i), "{\"i\":" + std::to_string(i) + "}"));
    }
    std::vector<std::string> errors(kCount);
    run_on_loop([&] {  // all opened in one go: really concurrent
        for (int i = 0; i < kCount; ++i)
            if (!HttpExchange::open(loop(), specs[i], recs[i].get(), &errors[i])) ADD_FAILURE() << errors[i];
    });
    for (int i = 0; i < kCount; ++i) {
        ASSERT_TRUE(recs[i]->wait_closed()) << i;
        EXPECT_EQ(recs[i]->body(), "echo /n/" + std::to_string(i) + " " + specs[i].body);
        EXPECT_TRUE(recs[i]->info().body_complete) << i << ": " << recs[i]->info().reason;
        EXPECT_EQ(recs[i]->closes(), 1);
    }
    EXPECT_EQ(server.accepted(), size_t(kCount));
}

// ---- keep-alive ----

TEST(HttpExchange, SequentialExchangesReuseOneConnection) {
    ScriptedServer server(reply({Step::write(with_length(200, "text/plain", "one")), Step::next_request()}));
    for (int i = 0; i < 3; ++i) {
        Recorder rec;
        ASSERT_NE(start(spec_for(server, "POST", "/", "{}"), &rec).conn, nullptr);
        ASSERT_TRUE(rec.wait_closed());
        EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
        EXPECT_EQ(rec.body(), "one");
    }
    auto reqs = server.wait_requests(3);
    EXPECT_EQ(reqs.at(2).on_connection, 2);
    EXPECT_EQ(server.accepted(), 1u);
}

TEST(HttpExchange, ChunkedAnswersLeaveTheConnectionReusable) {
    ScriptedServer server(
        reply({Step::write(head(200, {"Transfer-Encoding: chunked"}) + chunked({"a", "b"})), Step::next_request()}));
    for (int i = 0; i < 2; ++i) {
        Recorder rec;
        ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
        ASSERT_TRUE(rec.wait_closed());
        EXPECT_EQ(rec.body(), "ab");
    }
    EXPECT_EQ(server.accepted(), 1u);
}

TEST(HttpExchange, ConnectionsThatCannotBeReusedAreNot) {
    struct Case {
        const char *name;
        std::string response;
    };
    for (const Case &c : {Case{"Connection: close", with_length(200, "text/plain", "x", {"Connection: close"})},
                          Case{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"},
                          Case{"bytes after the body", with_length(200, "text/plain", "x") + "junk"}}) {
        SCOPED_TRACE(c.name);
        ScriptedServer server(reply({Step::write(c.response), Step::await_client_close()}));
        for (int i = 0; i < 2; ++i) {
            Recorder rec;
            ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
            ASSERT_TRUE(rec.wait_closed());
            EXPECT_EQ(rec.body(), "x");
            EXPECT_TRUE(server.wait_client_closes(size_t(i + 1)));  // closed after the body, not kept
        }
        EXPECT_EQ(server.accepted(), 2u);
    }
}

TEST(HttpExchange, ADetachedExchangesConnectionIsNotReused) {
    ScriptedServer server([](const ReceivedRequest &r) {
        if (r.target == "/stream")
            return std::vector<Step>{Step::write(head(200, {"Transfer-Encoding: chunked"}) + chunk("a")),
                                     Step::await_client_close()};
        return std::vector<Step>{Step::write(with_length(200, "text/plain", "ok")), Step::next_request()};
    });
    Recorder first;
    auto s = start(spec_for(server, "GET", "/stream"), &first);
    ASSERT_NE(s.conn, nullptr);
    ASSERT_TRUE(first.wait_body("a"));
    detach(s.conn, &first);
    EXPECT_TRUE(server.wait_client_closes(1));
    Recorder second;
    ASSERT_NE(start(spec_for(server, "GET", "/"), &second).conn, nullptr);
    ASSERT_TRUE(second.wait_closed());
    EXPECT_EQ(second.body(), "ok");
    EXPECT_EQ(server.accepted(), 2u);
}

TEST(HttpExchange, ARequestOnAConnectionTheServerDroppedIsSentAgainOnce) {
    // The server answers the first request, then closes the kept-alive
    // connection as soon as the second arrives, without a byte of answer:
    // what a server does when its idle timeout races the next request.
    ScriptedServer server([](const ReceivedRequest &r) {
        if (r.on_connection == 1) return std::vector<Step>{Step::close()};
        return std::vector<Step>{Step::write(with_length(200, "text/plain", r.body)), Step::next_request()};
    });
    Recorder first;
    ASSERT_NE(start(spec_for(server, "POST", "/", "one"), &first).conn, nullptr);
    ASSERT_TRUE(first.wait_closed());
    Recorder second;
    ASSERT_NE(start(spec_for(server, "POST", "/", "two"), &second).conn, nullptr);
    ASSERT_TRUE(second.wait_closed());
    EXPECT_TRUE(second.info().body_complete) << second.info().reason;
    EXPECT_EQ(second.body(), "two");
    EXPECT_EQ(server.accepted(), 2u);
    EXPECT_EQ(server.wait_requests(3).size(), 3u);  // one, two (dropped), two again
}

TEST(HttpExchange, ConcurrentExchangesDoNotQueueBehindABusyConnection) {
    ScriptedServer server([](const ReceivedRequest &r) {
        if (r.target == "/slow")
            return std::vector<Step>{Step::write(head(200, {"Transfer-Encoding: chunked"}) + chunk("a")),
                                     Step::wait_gate(1), Step::write(chunked({}))};
        return std::vector<Step>{Step::write(with_length(200, "text/plain", "fast"))};
    });
    Recorder slow;
    ASSERT_NE(start(spec_for(server, "GET", "/slow"), &slow).conn, nullptr);
    ASSERT_TRUE(slow.wait_body("a"));
    Recorder fast;
    ASSERT_NE(start(spec_for(server, "GET", "/fast"), &fast).conn, nullptr);
    ASSERT_TRUE(fast.wait_closed());  // while /slow still streams
    EXPECT_EQ(fast.body(), "fast");
    EXPECT_EQ(slow.closes(), 0);
    server.open_gate(1);
    ASSERT_TRUE(slow.wait_closed());
    EXPECT_TRUE(slow.info().body_complete);
}

}  // namespace
}  // namespace realm::test
