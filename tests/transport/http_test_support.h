// What the HttpExchange tests share: the one event loop they all run on, a
// handler that records what arrives (read from the test thread while the loop
// thread writes), and builders of the raw responses scripted servers send.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "scripted_server.h"
#include "transport/event_loop.h"
#include "transport/http_exchange.h"

namespace realm::test {

constexpr auto kWait = std::chrono::seconds(30);

// The loop of the whole test program, acquired on first use.
transport::EventLoop &loop();

// Runs fn on the loop thread and waits for it.
void run_on_loop(const std::function<void()> &fn);

// Every callback, in order; waits are bounded by kWait.
class Recorder : public transport::HttpExchange::Handler {
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
    void on_response_head(const transport::HttpResponseHead &h) override {
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
    void on_closed(const transport::CloseInfo &info) override {
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
    transport::HttpResponseHead head() { return locked([&] { return head_; }); }
    std::string body() { return locked([&] { return body_; }); }
    std::vector<std::string> chunks() { return locked([&] { return chunks_; }); }
    transport::CloseInfo info() { return locked([&] { return info_; }); }
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
    transport::HttpResponseHead head_;
    std::string body_;
    std::vector<std::string> chunks_;
    transport::CloseInfo info_;
};

struct Started {
    transport::HttpExchange *conn = nullptr;
    std::string error;
};

// Opens an exchange on the loop thread.
Started start(const transport::HttpRequestSpec &spec, Recorder *rec);

// Detaches on the loop thread; from then on every callback to rec is a failure.
void detach(transport::HttpExchange *conn, Recorder *rec);

// A request to the scripted server on 127.0.0.1.
transport::HttpRequestSpec spec_for(const ScriptedServer &server, std::string method = "POST", std::string path = "/",
                                    std::string body = "");

// A response head; `headers` are complete "Name: value" lines.
std::string head(int status, const std::vector<std::string> &headers);

// A head with Content-Type (unless empty) and Content-Length, then the body.
std::string with_length(int status, const std::string &type, const std::string &body,
                        std::vector<std::string> extra = {});

// One chunk of a chunked body, and a whole chunked body with its last chunk.
std::string chunk(const std::string &data);
std::string chunked(const std::vector<std::string> &parts);

// n pseudo-random lower-case letters.
std::string pattern(size_t n, unsigned seed);

// A script that answers every request with the same steps.
ScriptedServer::Script reply(std::vector<Step> steps);

}  // namespace realm::test
