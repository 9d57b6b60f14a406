// The helpers of http_test_support.h. One definition of loop() here means one
// event loop for every test file of the program, as the real library has.
#include "http_test_support.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace realm::test {

using transport::EventLoop;
using transport::HttpExchange;
using transport::HttpRequestSpec;

namespace {

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

}  // namespace

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

Started start(const HttpRequestSpec &spec, Recorder *rec) {
    Started s;
    run_on_loop([&] { s.conn = HttpExchange::open(loop(), spec, rec, &s.error); });
    return s;
}

void detach(HttpExchange *conn, Recorder *rec) {
    run_on_loop([&] {
        rec->mark_detached();
        conn->detach();
    });
}

HttpRequestSpec spec_for(const ScriptedServer &server, std::string method, std::string path, std::string body) {
    HttpRequestSpec spec;
    spec.method = std::move(method);
    spec.host = "127.0.0.1";
    spec.port = server.port();
    spec.path = std::move(path);
    spec.body = std::move(body);
    return spec;
}

std::string head(int status, const std::vector<std::string> &headers) {
    std::string h = "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) + "\r\n";
    for (const auto &line : headers) h += line + "\r\n";
    return h + "\r\n";
}

std::string with_length(int status, const std::string &type, const std::string &body,
                        std::vector<std::string> extra) {
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

}  // namespace realm::test
