// HttpConnection on the real event loop against scripted servers. Every wait
// is on a condition (a callback arrived, the server saw something); the only
// timed waits are the server's deliberate quiet periods and 30 s guards.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "scripted_server.h"
#include "transport/event_loop.h"
#include "transport/http_connection.h"

using realm::test::ReceivedRequest;
using realm::test::ScriptedServer;
using realm::test::ServerOptions;
using realm::test::Step;
using realm::transport::CloseInfo;
using realm::transport::EventLoop;
using realm::transport::HttpConnection;
using realm::transport::HttpRequestSpec;
using realm::transport::HttpResponseHead;

namespace {

constexpr auto kWait = std::chrono::seconds(30);

EventLoop &loop() {
    static std::shared_ptr<EventLoop> shared = [] {
        std::string error;
        auto l = EventLoop::acquire(&error);
        if (!l) {
            ADD_FAILURE() << error;
            std::abort();
        }
        return l;
    }();
    return *shared;
}

// Runs fn on the loop thread and waits for it.
void run_on_loop(const std::function<void()> &fn) {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    ASSERT_TRUE(loop().post([&] {
        fn();
        std::lock_guard<std::mutex> lock(m);
        done = true;
        cv.notify_all();
    }));
    std::unique_lock<std::mutex> lock(m);
    ASSERT_TRUE(cv.wait_for(lock, kWait, [&] { return done; }));
}

class Recorder : public HttpConnection::Handler {
    template <typename P>
    bool wait(P pred) {
        std::unique_lock<std::mutex> lock(m_);
        return cv_.wait_for(lock, kWait, pred);
    }
    template <typename F>
    auto locked(F f) {
        std::lock_guard<std::mutex> lock(m_);
        return f();
    }

public:
    void on_response_head(const HttpResponseHead &h) override {
        std::lock_guard<std::mutex> lock(m_);
        late_ += detached_;
        ++heads_;
        head_ = h;
        cv_.notify_all();
    }
    void on_body(std::string_view chunk) override {
        std::lock_guard<std::mutex> lock(m_);
        late_ += detached_;
        body_before_head_ |= heads_ == 0;
        body_.append(chunk);
        chunks_.emplace_back(chunk);
        cv_.notify_all();
    }
    void on_closed(const CloseInfo &info) override {
        std::lock_guard<std::mutex> lock(m_);
        late_ += detached_;
        ++closes_;
        info_ = info;
        cv_.notify_all();
    }

    bool wait_head() { return wait([&] { return heads_ > 0; }); }
    bool wait_closed() { return wait([&] { return closes_ > 0; }); }
    bool wait_body(std::string_view needle) {
        return wait([&] { return body_.find(needle) != std::string::npos; });
    }

    // Snapshot accessors (the loop thread may still be writing).
    int heads() { return locked([&] { return heads_; }); }
    int closes() { return locked([&] { return closes_; }); }
    int late() { return locked([&] { return late_; }); }
    bool body_before_head() { return locked([&] { return body_before_head_; }); }
    HttpResponseHead head() { return locked([&] { return head_; }); }
    std::string body() { return locked([&] { return body_; }); }
    std::vector<std::string> chunks() { return locked([&] { return chunks_; }); }
    CloseInfo info() { return locked([&] { return info_; }); }
    // Loop thread: from now on every callback is a failure.
    void mark_detached() {
        std::lock_guard<std::mutex> lock(m_);
        detached_ = true;
    }

private:

    std::mutex m_;
    std::condition_variable cv_;
    int heads_ = 0, closes_ = 0, late_ = 0;
    bool detached_ = false, body_before_head_ = false;
    HttpResponseHead head_;
    std::string body_;
    std::vector<std::string> chunks_;
    CloseInfo info_;
};

struct Started {
    HttpConnection *conn = nullptr;
    std::string error;
};

Started start(const HttpRequestSpec &spec, Recorder *rec) {
    Started s;
    run_on_loop([&] { s.conn = HttpConnection::open(loop(), spec, rec, &s.error); });
    return s;
}

void detach(HttpConnection *conn, Recorder *rec) {
    run_on_loop([&] {
        rec->mark_detached();
        conn->detach();
    });
}

HttpRequestSpec spec_for(const ScriptedServer &server, std::string method = "POST", std::string path = "/",
                         std::string body = "") {
    HttpRequestSpec spec;
    spec.method = std::move(method);
    spec.host = "127.0.0.1";
    spec.port = server.port();
    spec.path = std::move(path);
    spec.body = std::move(body);
    return spec;
}

std::string status_text(int status) {
    switch (status) {
        case 200: return "OK";
        case 204: return "No Content";
        case 302: return "Found";
        case 401: return "Unauthorized";
        case 404: return "Not Found";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "Status";
    }
}

// A response head; `headers` are complete "Name: value" lines.
std::string head(int status, const std::vector<std::string> &headers) {
    std::string h = "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) + "\r\n";
    for (const auto &line : headers) h += line + "\r\n";
    return h + "\r\n";
}

std::string with_length(int status, const std::string &type, const std::string &body,
                        std::vector<std::string> extra = {}) {
    if (!type.empty()) extra.push_back("Content-Type: " + type);
    extra.push_back("Content-Length: " + std::to_string(body.size()));
    return head(status, extra) + body;
}

std::string chunk(const std::string &data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

std::string chunked(const std::vector<std::string> &parts) {
    std::string out;
    for (const auto &p : parts) out += chunk(p);
    return out + "0\r\n\r\n";
}

std::string pattern(size_t n, unsigned seed) {
    std::string s(n, '\0');
    unsigned x = seed;
    for (auto &c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>('a' + (x >> 16) % 26);
    }
    return s;
}

ScriptedServer::Script reply(std::vector<Step> steps) {
    return [steps](const ReceivedRequest &) { return steps; };
}

// ---- the request as the server receives it ----

TEST(HttpConnection, SendsRequestLineHeadersAndBody) {
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
    EXPECT_EQ(req.header("Connection"), "close");  // lws: no reuse
    EXPECT_EQ(req.body, spec.body);

    EXPECT_EQ(rec.heads(), 1);
    EXPECT_EQ(rec.head().status, 200);
    EXPECT_EQ(rec.head().content_type, "application/json");
    EXPECT_EQ(rec.body(), R"({"ok":true})");
    EXPECT_EQ(rec.closes(), 1);
    EXPECT_TRUE(rec.info().body_complete);
    EXPECT_FALSE(rec.info().connect_failed);
}

TEST(HttpConnection, GetSendsNoBodyHeaders) {
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

TEST(HttpConnection, PostWithoutBodySendsZeroLength) {
    ScriptedServer server(reply({Step::write(with_length(200, "", ""))}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "POST", "/x"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    auto req = server.wait_requests(1).at(0);
    EXPECT_EQ(req.header("Content-Length"), "0");
    EXPECT_EQ(req.count("Content-Type"), 0u);
    EXPECT_TRUE(rec.info().body_complete);
}

TEST(HttpConnection, CallerHeadersReplaceDefaults) {
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

TEST(HttpConnection, SendsA5MiBBody) {
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

TEST(HttpConnection, RefusesWhatLwsWouldTruncate) {
    ScriptedServer server(reply({}));
    Recorder rec;
    auto spec = spec_for(server, "POST", "/" + std::string(3000, 'p'));
    auto s = start(spec, &rec);
    EXPECT_EQ(s.conn, nullptr);
    EXPECT_NE(s.error.find("path too long"), std::string::npos) << s.error;

    spec = spec_for(server, "POST", "/");
    spec.headers = {{"X-Big", std::string(70000, 'h')}};
    s = start(spec, &rec);
    EXPECT_EQ(s.conn, nullptr);
    EXPECT_NE(s.error.find("headers too large"), std::string::npos) << s.error;

    spec = spec_for(server, "POST", "/");
    spec.host = std::string(140, 'h') + ".test";
    s = start(spec, &rec);
    EXPECT_EQ(s.conn, nullptr);
    EXPECT_NE(s.error.find("host name too long"), std::string::npos) << s.error;

    spec = spec_for(server, "PUT", "/");
    s = start(spec, &rec);
    EXPECT_EQ(s.conn, nullptr);
    EXPECT_EQ(rec.closes(), 0);
    EXPECT_EQ(server.accepted(), 0u);
}

// ---- response framing ----

TEST(HttpConnection, ContentLengthBodyLargerThanOneRead) {
    std::string body = pattern(200000, 3);
    ScriptedServer server(reply({Step::write(with_length(200, "application/octet-stream", body))}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "GET", "/big"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_TRUE(rec.body() == body);
    EXPECT_TRUE(rec.info().body_complete);
    EXPECT_FALSE(rec.body_before_head());
}

TEST(HttpConnection, ChunkedBodyIsDechunked) {
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

TEST(HttpConnection, ChunkedUnderAnotherSpellingIsDechunkedToo) {
    // lws only de-chunks "chunked" spelled exactly so; we decode the rest,
    // including chunk extensions and trailer fields.
    std::string body = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
    ScriptedServer server(reply({Step::write(head(200, {"Transfer-Encoding: Chunked"}) + body),
                                 Step::await_client_close()}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.body(), "hello world");
    EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
    EXPECT_TRUE(server.wait_client_closes(1));  // complete without the server closing
}

TEST(HttpConnection, CloseDelimitedBodyIsCompleteWhenTheServerCloses) {
    ScriptedServer server(reply({Step::write(head(200, {"Content-Type: text/plain"}) + "until close"), Step::close()}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.body(), "until close");
    EXPECT_TRUE(rec.info().body_complete) << rec.info().reason;
}

TEST(HttpConnection, ResponseWrittenOneBytePerRead) {
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

TEST(HttpConnection, ServerSentEventsArriveAsTheyAreWritten) {
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

TEST(HttpConnection, QuietPeriodsLongerThanLwsTimeoutsDoNotKillTheExchange) {
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

// ---- error statuses ----

TEST(HttpConnection, ErrorStatusesDeliverTheirHeadAndBody) {
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

TEST(HttpConnection, NoContentEndsAfterTheHead) {
    // No Content-Length: lws would wait for the close; 204 has no body.
    ScriptedServer server(reply({Step::write(head(204, {})), Step::await_client_close()}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "POST", "/", "{}"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.head().status, 204);
    EXPECT_EQ(rec.body(), "");
    EXPECT_TRUE(rec.info().body_complete);
    EXPECT_TRUE(server.wait_client_closes(1));
}

TEST(HttpConnection, InterimResponsesFailClearly) {
    // lws 4.1.6 would take a 103 for the final response and read the real
    // one as its body: refuse rather than deliver that.
    ScriptedServer server(reply({Step::write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n" +
                                             with_length(200, "text/plain", "real")),
                                 Step::await_client_close()}));
    Recorder rec;
    ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
    ASSERT_TRUE(rec.wait_closed());
    EXPECT_EQ(rec.heads(), 0);
    EXPECT_FALSE(rec.info().body_complete);
    EXPECT_NE(rec.info().reason.find("interim response (HTTP status 103)"), std::string::npos) << rec.info().reason;
    EXPECT_TRUE(server.wait_client_closes(1));
}

TEST(HttpConnection, RedirectsAreReturnedNotFollowed) {
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

TEST(HttpConnection, ServerClosesInTheMiddleOfTheBody) {
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

TEST(HttpConnection, ServerClosesBeforeTheResponse) {
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

TEST(HttpConnection, ConnectionRefused) {
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

TEST(HttpConnection, UnresolvableHostName) {
    HttpRequestSpec spec;
    spec.host = "no-such-host.invalid";
    spec.port = 8080;
    std::string why = connect_failure(spec);
    EXPECT_NE(why.find("could not connect to no-such-host.invalid:8080"), std::string::npos) << why;
    EXPECT_NE(why.find("resolve"), std::string::npos) << why;
}

// ---- detach ----

TEST(HttpConnection, DetachInTheMiddleOfAStream) {
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

TEST(HttpConnection, DetachWhileWaitingForTheHead) {
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

// ---- TLS ----

struct TestCert {
    std::string cert, key;  // PEM files; the certificate is self-signed (its own CA)
};

// A self-signed P-256 certificate with the given subjectAltName, written to
// files that live as long as the test program.
TestCert make_cert(const std::string &tag, const std::string &san) {
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(std::hash<std::string>()(tag) & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("realm test"), -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, san},
                              {NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_sign(x, key, EVP_sha256());
    std::string base = "/tmp/realm-transport-test-" + std::to_string(getpid()) + "-" + tag;
    TestCert out{base + "-cert.pem", base + "-key.pem"};
    FILE *f = std::fopen(out.cert.c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
    f = std::fopen(out.key.c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(x);
    EVP_PKEY_free(key);
    return out;
}

const TestCert &cert_for_loopback() {  // localhost, 127.0.0.1 and ::1
    static TestCert c = make_cert("loopback", "DNS:localhost,IP:127.0.0.1,IP:::1");
    return c;
}

const TestCert &cert_for_localhost_only() {
    static TestCert c = make_cert("localhost", "DNS:localhost");
    return c;
}

struct TlsOutcome {
    Recorder rec;
    std::string open_error;
};

// One TLS exchange; the server answers 200 "secure".
void tls_exchange(const TestCert &served, const std::string &host, bool ipv6, const std::string &ca_file,
                  bool insecure, TlsOutcome *out) {
    ServerOptions options;
    options.ipv6 = ipv6;
    options.cert_file = served.cert;
    options.key_file = served.key;
    ScriptedServer server(reply({Step::write(with_length(200, "text/plain", "secure"))}), options);
    HttpRequestSpec spec;
    spec.method = "GET";
    spec.host = host;
    spec.port = server.port();
    spec.tls = true;
    spec.ca_file = ca_file;
    spec.tls_insecure = insecure;
    auto s = start(spec, &out->rec);
    if (!s.conn) {
        out->open_error = s.error;
        return;
    }
    EXPECT_TRUE(out->rec.wait_closed());
}

TEST(HttpConnectionTls, VerifiedExchanges) {
    const TestCert &cert = cert_for_loopback();
    for (auto [host, ipv6] : {std::pair<const char *, bool>{"localhost", false}, {"127.0.0.1", false}, {"::1", true}}) {
        SCOPED_TRACE(host);
        TlsOutcome out;
        tls_exchange(cert, host, ipv6, cert.cert, false, &out);
        EXPECT_EQ(out.open_error, "");
        EXPECT_EQ(out.rec.head().status, 200);
        EXPECT_EQ(out.rec.body(), "secure");
        EXPECT_TRUE(out.rec.info().body_complete) << out.rec.info().reason;
    }
}

TEST(HttpConnectionTls, UntrustedCertificateFails) {
    TlsOutcome out;
    tls_exchange(cert_for_loopback(), "localhost", false, "", false, &out);  // system CAs only
    ASSERT_EQ(out.open_error, "");
    CloseInfo info = out.rec.info();
    EXPECT_TRUE(info.connect_failed);
    EXPECT_TRUE(info.tls_failure);
    EXPECT_FALSE(info.body_complete);
    EXPECT_NE(info.reason.find("TLS certificate verification failed: "), std::string::npos) << info.reason;
    EXPECT_EQ(out.rec.heads(), 0);
}

TEST(HttpConnectionTls, NameOrAddressMismatchFails) {
    const TestCert &cert = cert_for_localhost_only();
    for (auto [host, ipv6] : {std::pair<const char *, bool>{"127.0.0.1", false}, {"::1", true}}) {
        SCOPED_TRACE(host);
        TlsOutcome out;
        tls_exchange(cert, host, ipv6, cert.cert, false, &out);
        ASSERT_EQ(out.open_error, "");
        CloseInfo info = out.rec.info();
        EXPECT_TRUE(info.tls_failure);
        EXPECT_TRUE(info.connect_failed);
        EXPECT_NE(info.reason.find("TLS certificate verification failed: "), std::string::npos) << info.reason;
        EXPECT_EQ(out.rec.heads(), 0);
    }
}

TEST(HttpConnectionTls, InsecureSkipsTheChecks) {
    TlsOutcome out;
    tls_exchange(cert_for_localhost_only(), "127.0.0.1", false, "", true, &out);
    EXPECT_EQ(out.open_error, "");
    EXPECT_EQ(out.rec.body(), "secure");
    EXPECT_TRUE(out.rec.info().body_complete) << out.rec.info().reason;
}

// ---- many ----

TEST(HttpConnection, TwoHundredConcurrentExchanges) {
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
            if (!HttpConnection::open(loop(), specs[i], recs[i].get(), &errors[i])) ADD_FAILURE() << errors[i];
    });
    for (int i = 0; i < kCount; ++i) {
        ASSERT_TRUE(recs[i]->wait_closed()) << i;
        EXPECT_EQ(recs[i]->body(), "echo /n/" + std::to_string(i) + " " + specs[i].body);
        EXPECT_TRUE(recs[i]->info().body_complete) << i << ": " << recs[i]->info().reason;
        EXPECT_EQ(recs[i]->closes(), 1);
    }
    EXPECT_EQ(server.accepted(), size_t(kCount));
}

TEST(HttpConnection, SequentialExchangesUseTheirOwnConnections) {
    // lws 4.1's only reuse (LCCSCF_PIPELINE) queues exchanges behind busy
    // connections, so it is off (see http_connection.cpp).
    ScriptedServer server(reply({Step::write(with_length(200, "text/plain", "one")), Step::await_client_close()}));
    for (int i = 0; i < 2; ++i) {
        Recorder rec;
        ASSERT_NE(start(spec_for(server, "GET", "/"), &rec).conn, nullptr);
        ASSERT_TRUE(rec.wait_closed());
        EXPECT_TRUE(rec.info().body_complete);
        EXPECT_TRUE(server.wait_client_closes(size_t(i + 1)));  // closed after the body, not kept
    }
    EXPECT_EQ(server.accepted(), 2u);
}

}  // namespace
