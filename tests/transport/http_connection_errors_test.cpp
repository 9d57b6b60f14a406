// HttpExchange exchanges off the plain path: error statuses, 204 and
// interim responses, redirects, servers that close early, failed connects,
// and exchanges the owner abandons (detach).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "http_test_support.h"

namespace realm::test {
namespace {

using transport::CloseInfo;
using transport::HttpRequestSpec;

// ---- error statuses ----

TEST(HttpExchange, ErrorStatusesDeliverTheirHeadAndBody) {
    struct Case {
        int status;
        std::string wire;
        std::string content_type, retry_after, body;
    };
    std::string html = "<html><body><h1>401 Authorization Required</h1></body></html>";
    std::string json = R"({"error":{"message":"Rate limit exceeded","type":"rate_limit"}})";
    std::vector<Case> cases = {
        {401, with_length(401, "text/html", html), "text/html", "", html},
        {401, head(401, {"WWW-Authenticate: Bearer"}), "", "", ""},  // empty, close-delimited
        {404, head(404, {"Content-Type: application/json", "Transfer-Encoding: chunked"}) + chunked({json}),
         "application/json", "", json},
        {429, with_length(429, "application/json", json, {"Retry-After: 7"}), "application/json", "7", json},
        {429, with_length(429, "", "", {"Retry-After: 120"}), "", "120", ""},
        {500, head(500, {"Content-Type: text/html; charset=utf-8"}) + html, "text/html; charset=utf-8", "", html},
        {503, with_length(503, "", "", {"Retry-After: Fri, 31 Dec 1999 23:59:59 GMT"}), "",
         "Fri, 31 Dec 1999 23:59:59 GMT", ""},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.wire);
        ScriptedServer server(reply({Step::write(c.wire), Step::close()}));
        Recorder rec;
        ASSERT_NE(start(spec_for(server, "POST", "/v1/x", "{}"), &rec).conn, nullptr);
        ASSERT_TRUE(rec.wait_closed());
        EXPECT_EQ(rec.heads(), 1);
        EXPECT_EQ(rec.head().status, c.status);
        EXPECT_EQ(rec.head().content_type, c.content_type);
        EXPECT_EQ(rec.head().retry_after, c.retry_after);
        EXPECT_EQ(rec.body(), c.body);
        EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
    }
}

TEST(HttpExchange, NoContentEndsAfterTheHead) {
    // No Content-Length: lws would wait for the close; 204 has no body.
    ScriptedServer server(reply({Step::write(head(204, {})), Step::next_request()}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "POST", "/", "{}"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.head().status, 204);
    EXPECT_EQ(rec.body(), "");
    EXPECT_TRUE(rec.info().body_complete);
}

TEST(HttpExchange, InterimResponsesAreSkipped) {
    ScriptedServer server(reply({Step::write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n" +
                                             with_length(200, "text/plain", "real"))}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.heads(), 1);
    EXPECT_EQ(rec.head().status, 200);
    EXPECT_EQ(rec.body(), "real");
    EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
}

TEST(HttpExchange, MalformedResponseHeadsFailClearly) {
    for (const std::string &bad : {std::string("SSH-2.0-OpenSSH_9.2\r\n\r\n"),
                                   std::string("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx"),
                                   std::string("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"),
                                   "HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'a') + "\r\n\r\n"}) {
        SCOPED_TRACE(bad.substr(0, 40));
        ScriptedServer server(reply({Step::write(bad), Step::await_client_close()}));
        Recorder rec;
        ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
        ASSERT_TRUE(rec.wait_closed());
        EXPECT_EQ(rec.heads(), 0);
        EXPECT_FALSE(rec.info().body_complete);
        EXPECT_NE(rec.info().reason.find("invalid HTTP response"), std::string::npos) << rec.info().reason;
        EXPECT_TRUE(server.wait_client_closes(1));
    }
}

TEST(HttpExchange, RedirectsAreReturnedNotFollowed) {
    ScriptedServer server(reply({Step::write(with_length(302, "text/plain", "moved", {"Location: /elsewhere"}))}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "POST", "/", "{}"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.head().status, 302);
    EXPECT_EQ(rec.body(), "moved");
    EXPECT_TRUE(rec.info().body_complete);
    EXPECT_EQ(server.wait_requests(1).size(), 1u);
    EXPECT_EQ(server.accepted(), 1u);
}

// ---- failures ----

TEST(HttpExchange, ServerClosesInTheMiddleOfTheBody) {
    struct Case {
        const char *name;
        std::string wire;
        std::string received;
    };
    std::vector<Case> cases = {
        {"content-length", head(200, {"Content-Length: 100"}) + std::string(50, 'x'), std::string(50, 'x')},
        {"chunked", head(200, {"Transfer-Encoding: chunked"}) + chunk("abc") + "10\r\nde", "abcde"},
        {"chunked, between chunks", head(200, {"Transfer-Encoding: chunked"}) + chunk("abc"), "abc"},
        {"own de-chunking", head(200, {"Transfer-Encoding: CHUNKED"}) + chunk("abc"), "abc"},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.name);
        ScriptedServer server(reply({Step::write(c.wire), Step::close()}));
        Recorder rec;
        ASSERT_NE(start(spec_for(server, "POST", "/", "{}"), &rec).conn, nullptr);
        ASSERT_TRUE(rec.wait_closed());
        EXPECT_EQ(rec.heads(), 1);
        EXPECT_EQ(rec.body(), c.received);
        CloseInfo info = rec.info();
        EXPECT_FALSE(info.body_complete);
        EXPECT_FALSE(info.connect_failed);
        EXPECT_NE(info.reason.find("connection closed before the response was complete"), std::string::npos)
            << info.reason;
        EXPECT_EQ(rec.closes(), 1);
    }
}

TEST(HttpExchange, ServerClosesBeforeTheResponse) {
    ScriptedServer server(reply({Step::close()}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "POST", "/", "{}"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.heads(), 0);
    CloseInfo info = rec.info();
    EXPECT_FALSE(info.body_complete);
    EXPECT_FALSE(info.connect_failed);  // the request was sent: it may have been acted on
    EXPECT_NE(info.reason.find("connection closed before the response was complete"), std::string::npos)
        << info.reason;
}

// Either open() fails at once or on_closed(connect_failed) follows.
std::string connect_failure(const HttpRequestSpec &spec) {
    Recorder rec;
    auto s = start(spec, &rec);
    if (!s.conn) {
        EXPECT_EQ(rec.closes(), 0);
        return s.error;
    }
    EXPECT_TRUE(rec.wait_closed());
    EXPECT_TRUE(rec.info().connect_failed);
    EXPECT_FALSE(rec.info().body_complete);
    EXPECT_EQ(rec.heads(), 0);
    return rec.info().reason;
}

TEST(HttpExchange, ConnectionRefused) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    int port = ntohs(addr.sin_port);  // bound, never listening: refused
    HttpRequestSpec spec;
    spec.host = "127.0.0.1";
    spec.port = port;
    spec.body = "{}";
    std::string why = connect_failure(spec);
    close(fd);
    EXPECT_NE(why.find("could not connect to 127.0.0.1:" + std::to_string(port)), std::string::npos) << why;
}

TEST(HttpExchange, UnresolvableHostName) {
    HttpRequestSpec spec;
    spec.host = "no-such-host.invalid";
    spec.port = 8080;
    std::string why = connect_failure(spec);
    EXPECT_NE(why.find("could not connect to no-such-host.invalid:8080"), std::string::npos) << why;
    EXPECT_NE(why.find("resolve"), std::string::npos) << why;
}

// ---- detach ----

TEST(HttpExchange, DetachInTheMiddleOfAStream) {
    ScriptedServer server(reply({Step::write(head(200, {"Content-Type: text/event-stream", "Transfer-Encoding: chunked"}) +
                                             chunk("data: first\n\n")),
                                 Step::await_client_close()}));
    Recorder rec;
    auto s = start(spec_for(server, "POST", "/stream", "{}"), &rec);
    ASSERT_NE(s.conn, nullptr) << s.error;
    ASSERT_TRUE(rec.wait_body("data: first\n\n"));
    detach(s.conn, &rec);
    EXPECT_TRUE(server.wait_client_closes(1));  // the socket was closed at once
    run_on_loop([] {});                        // a few passes later: still nothing
    run_on_loop([] {});
    EXPECT_EQ(rec.late(), 0);
    EXPECT_EQ(rec.closes(), 0);
}

TEST(HttpExchange, DetachWhileWaitingForTheHead) {
    ScriptedServer server(reply({Step::await_client_close()}));
    Recorder rec;
    auto s = start(spec_for(server, "POST", "/", pattern(300000, 1)), &rec);
    ASSERT_NE(s.conn, nullptr) << s.error;
    ASSERT_EQ(server.wait_requests(1).size(), 1u);
    detach(s.conn, &rec);
    EXPECT_TRUE(server.wait_client_closes(1));
    run_on_loop([] {});
    EXPECT_EQ(rec.late(), 0);
    EXPECT_EQ(rec.heads(), 0);
    EXPECT_EQ(rec.closes(), 0);
}

}  // namespace
}  // namespace realm::test
