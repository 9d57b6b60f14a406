// Helpers for integration tests: build clients and wait for request outcomes
// with condition variables (never sleeps), counting terminal events so that
// "exactly one" is checked everywhere.
#pragma once

#include <realm/realm.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace realm::test {

// Owns a realm_client_t.
struct ClientPtr {
    realm_client_t *c = nullptr;
    ClientPtr() = default;
    explicit ClientPtr(realm_client_t *p) : c(p) {}
    ClientPtr(ClientPtr &&o) noexcept : c(o.c) { o.c = nullptr; }
    ClientPtr &operator=(ClientPtr &&o) noexcept {
        if (this != &o) {
            realm_client_destroy(c);
            c = o.c;
            o.c = nullptr;
        }
        return *this;
    }
    ~ClientPtr() { realm_client_destroy(c); }
    realm_client_t *get() const { return c; }
    void reset() {
        realm_client_destroy(c);
        c = nullptr;
    }
};

// Options builder: pass setters as lambdas.
ClientPtr make_client(const std::string &url, const std::function<void(realm_options_t *)> &tweak = nullptr);
// Connects (blocking); returns the status and fills *message on failure.
realm_status_t connect(realm_client_t *c, std::string *message = nullptr, realm_status_t *status_out = nullptr);

// Records everything one request reports.
class Outcome {
public:
    realm_handler_t handler();
    // Waits for the terminal event; false on timeout.
    bool wait(int timeout_ms = 10000);
    int terminal_count() const { return terminals_.load(); }

    // Filled by the callbacks (read after wait()).
    std::vector<std::string> tokens;
    std::vector<int64_t> indexes;
    int batches = 0;
    realm_outcome_t outcome = REALM_OUTCOME_COMPLETE;
    std::string text, json;
    int64_t tokens_generated = -1, prompt_tokens = -1, streamed = 0;
    int64_t completion_tokens = -1, total_tokens = -1;
    std::string finish_reason;
    int http_status = 0;
    bool retryable = false;
    std::string error_type, error_param;
    bool has_cost = false;
    double cost = 0;
    realm_status_t status = REALM_OK;
    std::string code, message;
    int64_t retry_after_ms = -1;
    int close_code = 0;
    std::function<void(realm_request_t *)> on_first_tokens;  // e.g. cancel
    int started = 0;                   // start events (ws-system stream_start)
    std::string started_model, model;  // from the start event / the result
    double elapsed_ms = -1, first_token_ms = -1, server_time_ms = -1;

    std::string joined() const;

private:
    static void on_tokens(void *user, realm_request_t *req, const realm_token_t *t, size_t n);
    static void on_started(void *user, realm_request_t *req, const char *model);
    static void on_done(void *user, realm_request_t *req, realm_outcome_t o, const realm_result_t *r,
                        const realm_error_t *e);
    std::mutex m_;
    std::condition_variable cv_;
    std::atomic<int> terminals_{0};
};

// Client events, recorded. Declare it before the client it records: it must
// outlive the client (no callback runs after realm_client_destroy returns).
class Events {
public:
    void attach(realm_client_t *c);
    bool wait_for(realm_client_event_type_t type, int count = 1, int timeout_ms = 10000);
    int count(realm_client_event_type_t type);
    std::vector<int> close_codes();
    std::vector<std::string> errors();

private:
    static void on_event(void *user, realm_client_t *, const realm_client_event_t *ev);
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<realm_client_event_t> events_;
    std::vector<int> close_codes_;
    std::vector<std::string> errors_;
};

// Starts a generate with the given params and returns the request status.
realm_status_t generate(realm_client_t *c, Outcome &o, const std::string &prompt, int64_t max_tokens, bool stream,
                        const char *extra_json = nullptr, realm_request_t **out = nullptr,
                        uint32_t timeout_ms = 0, uint32_t idle_ms = 0);
realm_status_t health(realm_client_t *c, Outcome &o);
// A one-message chat ({"user", content}) with the given params.
realm_status_t chat(realm_client_t *c, Outcome &o, const std::string &content, int64_t max_tokens, bool stream,
                    const char *extra_json = nullptr, realm_request_t **out = nullptr, uint32_t timeout_ms = 0,
                    uint32_t idle_ms = 0);
// A client for an OpenAI dialect of `url` (model "m"), connected; `tweak`
// sets more options through realm_options_set.
ClientPtr openai_client(const std::string &url,
                        const std::vector<std::pair<std::string, std::string>> &settings = {});

// Polls the server's health (extended mode) until `pred` holds; false on timeout.
bool wait_health(realm_client_t *c, const std::function<bool(const std::string &json)> &pred, int timeout_ms = 5000);
// Reads an integer field from a flat JSON object.
long long json_int(const std::string &json, const std::string &key);

}  // namespace realm::test
