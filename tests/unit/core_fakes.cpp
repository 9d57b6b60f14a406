#include "core_fakes.h"

#include "core/error.h"

#include <chrono>

namespace realm::test {

transport::EventLoop &loop() {
    static std::shared_ptr<transport::EventLoop> l = [] {
        std::string why;
        auto p = transport::EventLoop::acquire(&why);
        if (!p) ADD_FAILURE() << why;
        return p;
    }();
    return *l;
}

void on_loop(const std::function<void()> &fn) {
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
    cv.wait(lock, [&] { return done; });
}

bool eventually(const std::function<bool()> &pred, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        bool ok = false;
        on_loop([&] { ok = pred(); });
        if (ok) return true;
    }
    return false;
}

namespace {

void on_tokens(void *user, realm_request_t *, const realm_token_t *t, size_t n) {
    auto *r = static_cast<Recorded *>(user);
    std::lock_guard<std::mutex> lock(r->m);
    ++r->batches;
    for (size_t i = 0; i < n; ++i) r->tokens.emplace_back(t[i].text, t[i].len);
}

void on_done(void *user, realm_request_t *, realm_outcome_t outcome, const realm_result_t *result,
             const realm_error_t *error) {
    auto *r = static_cast<Recorded *>(user);
    std::lock_guard<std::mutex> lock(r->m);
    ++r->terminals;
    r->outcome = outcome;
    if (result) {
        r->text = result->text;
        r->finish_reason = result->finish_reason;
        r->json = result->json;
        r->prompt_tokens = result->prompt_tokens;
        r->completion_tokens = result->completion_tokens;
        r->total_tokens = result->total_tokens;
    }
    if (error) {
        r->status = error->status;
        r->code = error->code;
        r->message = error->message;
        r->retry_after_ms = error->retry_after_ms;
    }
}

}  // namespace

Recorded::Recorded(protocol::RequestSpec spec, const std::string &id, uint32_t timeout_ms) {
    req = new realm_request();
    req->id = id;
    req->streaming = spec.streaming();
    req->spec = std::move(spec);
    req->timeout_ms = timeout_ms;
    req->handler = realm_handler_t REALM_HANDLER_INIT;
    req->handler.user = this;
    req->handler.on_tokens = &on_tokens;
    req->handler.on_done = &on_done;
}

Recorded::~Recorded() { req->release(); }

realm_request_t *Recorded::hand_over() {
    req->retain();
    return req;
}

bool Recorded::done() {
    std::lock_guard<std::mutex> lock(m);
    return terminals > 0;
}

std::string Recorded::joined() {
    std::lock_guard<std::mutex> lock(m);
    std::string s;
    for (auto &t : tokens) s += t;
    return s;
}

// ---- fakes ----

void FakeWs::send_text(std::string frame) { sent.push_back(frame.substr(transport::kSendHeadroom)); }

void FakeWs::drop(int code, const std::string &reason) {
    transport::CloseInfo info;
    info.close_code = code;
    info.reason = reason;
    auto *h = handler;
    handler = nullptr;
    if (h) h->on_closed(info);
}

void FakeExchange::head(int status, const std::string &content_type, const std::string &retry_after) {
    transport::HttpResponseHead h;
    h.status = status;
    h.content_type = content_type;
    h.retry_after = retry_after;
    if (handler) handler->on_response_head(h);
}

void FakeExchange::body(const std::string &bytes) {
    if (handler) handler->on_body(bytes);
}

void FakeExchange::end(bool complete, bool connect_failed, const std::string &reason) {
    transport::CloseInfo info;
    info.body_complete = complete;
    info.connect_failed = connect_failed;
    info.reason = reason;
    auto *h = handler;
    handler = nullptr;
    if (h) h->on_closed(info);
}

void FakeExchange::respond(int status, const std::string &content_type, const std::string &bytes) {
    head(status, content_type);
    body(bytes);
    end();
}

transport::MessageConnection *FakeConnector::open_websocket(const transport::ConnectSpec &spec,
                                                            transport::MessageHandler *handler, std::string *error) {
    if (refuse) {
        *error = "refused by the test";
        return nullptr;
    }
    sockets.push_back(std::make_unique<FakeWs>());
    sockets.back()->spec = spec;
    sockets.back()->handler = handler;
    return sockets.back().get();
}

transport::Exchange *FakeConnector::open_http(const transport::HttpRequestSpec &spec,
                                              transport::HttpExchange::Handler *handler, std::string *error) {
    if (refuse) {
        *error = "refused by the test";
        return nullptr;
    }
    exchanges.push_back(std::make_unique<FakeExchange>());
    exchanges.back()->spec = spec;
    exchanges.back()->handler = handler;
    return exchanges.back().get();
}

}  // namespace realm::test
