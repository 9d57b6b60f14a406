// Support for the core's unit tests: running code on the event loop thread
// and waiting for it, requests that record what they report, and fake
// connections under the client core (no sockets: the tests play the server
// by calling the handlers themselves, on the loop thread).
#pragma once

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/request.h"
#include "transport/connector.h"
#include "transport/event_loop.h"

namespace realm::test {

// The shared event loop, started for the test binary.
transport::EventLoop &loop();

// Runs `fn` on the loop thread and waits for it to return.
void on_loop(const std::function<void()> &fn);

// Polls `pred` on the loop thread until it holds (events arrive there), for
// up to `timeout_ms`. Each check is one loop turn, so nothing sleeps.
bool eventually(const std::function<bool()> &pred, int timeout_ms = 5000);

// A request whose handler records tokens, batches and the terminal event.
struct Recorded {
    realm_request_t *req = nullptr;  // the test's reference (released by the destructor)
    std::mutex m;
    std::vector<std::string> tokens;
    int batches = 0;
    int terminals = 0;
    realm_outcome_t outcome = REALM_OUTCOME_COMPLETE;
    realm_status_t status = REALM_OK;
    std::string code, message, text, finish_reason, json;
    int64_t retry_after_ms = -1, prompt_tokens = -1, completion_tokens = -1, total_tokens = -1;

    explicit Recorded(protocol::RequestSpec spec, const std::string &id = "r1", uint32_t timeout_ms = 0);
    ~Recorded();
    // A reference for the component under test (as the client core takes one).
    realm_request_t *hand_over();
    bool done();
    std::string joined();
};

// ---- fake connections ----

class FakeWs final : public transport::MessageConnection {
public:
    transport::ConnectSpec spec;
    transport::MessageHandler *handler = nullptr;
    std::vector<std::string> sent;  // text frames (payloads)
    int pings = 0;
    bool closed = false;
    int close_code = 0;
    bool detached = false;

    void send_text(std::string frame) override;
    void send_ping() override { ++pings; }
    void close(int code, std::string_view) override {
        closed = true;
        close_code = code;
    }
    void detach() override {
        detached = true;
        handler = nullptr;
    }
    // Server side, on the loop thread.
    void open() { handler->on_open(); }
    void receive(const std::string &payload) { handler->on_message(payload, false); }
    void drop(int code = 1006, const std::string &reason = "");
};

class FakeExchange final : public transport::Exchange {
public:
    transport::HttpRequestSpec spec;
    transport::HttpExchange::Handler *handler = nullptr;
    bool detached = false;

    void detach() override {
        detached = true;
        handler = nullptr;
    }
    // Server side, on the loop thread.
    void head(int status, const std::string &content_type, const std::string &retry_after = "");
    void body(const std::string &bytes);
    void end(bool complete = true, bool connect_failed = false, const std::string &reason = "");
    // head + body + end in one go.
    void respond(int status, const std::string &content_type, const std::string &body);
};

class FakeConnector final : public transport::Connector {
public:
    std::vector<std::unique_ptr<FakeWs>> sockets;
    std::vector<std::unique_ptr<FakeExchange>> exchanges;
    bool refuse = false;  // open_* fails at once

    transport::MessageConnection *open_websocket(const transport::ConnectSpec &spec, transport::MessageHandler *handler,
                                                 std::string *error) override;
    transport::Exchange *open_http(const transport::HttpRequestSpec &spec, transport::HttpExchange::Handler *handler,
                                   std::string *error) override;
};

}  // namespace realm::test
