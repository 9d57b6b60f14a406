#include "client_helpers.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

namespace realm::test {

ClientPtr make_client(const std::string &url, const std::function<void(realm_options_t *)> &tweak) {
    realm_options_t *o = realm_options_new();
    EXPECT_EQ(realm_options_set_url(o, url.c_str()), REALM_OK) << url;
    realm_options_set_connect_timeout_ms(o, 5000);
    realm_options_set_request_timeout_ms(o, 15000);
    realm_options_set_backoff_base_ms(o, 50);
    realm_options_set_backoff_cap_ms(o, 500);
    // Each test of an error sees it once; the tests of retries turn them on.
    EXPECT_EQ(realm_options_set(o, "max_retries", "0", nullptr), REALM_OK);
    if (tweak) tweak(o);
    realm_client_t *c = nullptr;
    realm_error_t *err = nullptr;
    EXPECT_EQ(realm_client_new(o, &c, &err), REALM_OK);
    realm_error_destroy(err);
    realm_options_destroy(o);
    return ClientPtr(c);
}

realm_status_t connect(realm_client_t *c, std::string *message, realm_status_t *status_out) {
    realm_error_t *err = nullptr;
    realm_status_t rc = realm_client_connect_wait(c, 15000, &err);
    if (message) *message = err ? realm_error_message(err) : "";
    if (status_out) *status_out = err ? realm_error_status(err) : REALM_OK;
    realm_error_destroy(err);
    return rc;
}

realm_handler_t Outcome::handler() {
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = this;
    h.on_tokens = &Outcome::on_tokens;
    h.on_done = &Outcome::on_done;
    h.events = REALM_HANDLER_EV_STARTED;
    h.on_started = &Outcome::on_started;
    return h;
}

void Outcome::on_started(void *user, realm_request_t *, const char *model) {
    auto *self = static_cast<Outcome *>(user);
    std::lock_guard<std::mutex> lock(self->m_);
    if (self->terminals_.load()) ADD_FAILURE() << "started after the terminal event";
    if (!self->tokens.empty()) ADD_FAILURE() << "started after tokens";
    ++self->started;
    self->started_model = model;
}

void Outcome::on_tokens(void *user, realm_request_t *req, const realm_token_t *t, size_t n) {
    auto *self = static_cast<Outcome *>(user);
    std::function<void(realm_request_t *)> first;
    {
        std::lock_guard<std::mutex> lock(self->m_);
        if (self->terminals_.load()) ADD_FAILURE() << "tokens after the terminal event";
        bool was_empty = self->tokens.empty();
        for (size_t i = 0; i < n; ++i) {
            self->tokens.emplace_back(t[i].text, t[i].len);
            self->indexes.push_back(t[i].index);
        }
        ++self->batches;
        if (was_empty) first = self->on_first_tokens;
    }
    if (first) first(req);
}

void Outcome::on_done(void *user, realm_request_t *, realm_outcome_t o, const realm_result_t *r,
                      const realm_error_t *e) {
    auto *self = static_cast<Outcome *>(user);
    std::lock_guard<std::mutex> lock(self->m_);
    if (self->terminals_.fetch_add(1) != 0) ADD_FAILURE() << "second terminal event for one request";
    self->outcome = o;
    if (r) {
        self->text = realm_result_text(r, nullptr);
        self->json = realm_result_json(r, nullptr);
        self->tokens_generated = realm_result_tokens_generated(r);
        self->prompt_tokens = realm_result_prompt_tokens(r);
        self->streamed = realm_result_streamed_tokens(r);
        self->has_cost = realm_result_cost_usd(r, &self->cost) == 1;
        self->completion_tokens = realm_result_completion_tokens(r);
        self->total_tokens = realm_result_total_tokens(r);
        self->finish_reason = realm_result_finish_reason(r);
        self->model = realm_result_model(r);
        self->elapsed_ms = realm_result_elapsed_ms(r);
        self->first_token_ms = realm_result_first_token_ms(r);
        realm_result_time_ms(r, &self->server_time_ms);
    }
    if (e) {
        self->status = realm_error_status(e);
        self->code = realm_error_code(e);
        self->message = realm_error_message(e);
        self->retry_after_ms = realm_error_retry_after_ms(e);
        self->close_code = realm_error_close_code(e);
        self->http_status = realm_error_http_status(e);
        self->retryable = realm_error_retryable(e) == 1;
        self->error_type = realm_error_type(e);
        self->error_param = realm_error_param(e);
    }
    self->cv_.notify_all();
}

bool Outcome::wait(int timeout_ms) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return terminals_.load() > 0; });
}

std::string Outcome::joined() const {
    std::string s;
    for (const auto &t : tokens) s += t;
    return s;
}

void Events::attach(realm_client_t *c) { realm_client_set_event_callback(c, &Events::on_event, this); }

std::vector<int> Events::close_codes() {
    std::lock_guard<std::mutex> lock(m_);
    return close_codes_;
}

std::vector<std::string> Events::errors() {
    std::lock_guard<std::mutex> lock(m_);
    return errors_;
}

void Events::on_event(void *user, realm_client_t *, const realm_client_event_t *ev) {
    auto *self = static_cast<Events *>(user);
    std::lock_guard<std::mutex> lock(self->m_);
    realm_client_event_t copy = *ev;
    copy.reason = nullptr;
    copy.tenant_id = nullptr;
    copy.server_version = nullptr;
    copy.error = nullptr;
    self->events_.push_back(copy);
    if (ev->type == REALM_EVENT_DISCONNECTED) self->close_codes_.push_back(ev->close_code);
    if (ev->error) self->errors_.push_back(realm_error_message(ev->error));
    self->cv_.notify_all();
}

int Events::count(realm_client_event_type_t type) {
    std::lock_guard<std::mutex> lock(m_);
    int n = 0;
    for (auto &e : events_) n += e.type == type;
    return n;
}

bool Events::wait_for(realm_client_event_type_t type, int count, int timeout_ms) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
        int n = 0;
        for (auto &e : events_) n += e.type == type;
        return n >= count;
    });
}

realm_status_t generate(realm_client_t *c, Outcome &o, const std::string &prompt, int64_t max_tokens, bool stream,
                        const char *extra_json, realm_request_t **out, uint32_t timeout_ms, uint32_t idle_ms) {
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = prompt.c_str();
    p.max_tokens = max_tokens;
    p.stream = stream ? 1 : 0;
    p.extra_params_json = extra_json;
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    co.timeout_ms = timeout_ms;
    co.idle_timeout_ms = idle_ms;
    realm_handler_t h = o.handler();
    return realm_generate(c, &p, &co, &h, out, nullptr);
}

realm_status_t chat(realm_client_t *c, Outcome &o, const std::string &content, int64_t max_tokens, bool stream,
                    const char *extra_json, realm_request_t **out, uint32_t timeout_ms, uint32_t idle_ms) {
    realm_message_t msg = {"user", content.c_str()};
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.messages = &msg;
    p.message_count = 1;
    p.max_tokens = max_tokens;
    p.stream = stream ? 1 : 0;
    p.extra_params_json = extra_json;
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    co.timeout_ms = timeout_ms;
    co.idle_timeout_ms = idle_ms;
    realm_handler_t h = o.handler();
    return realm_generate(c, &p, &co, &h, out, nullptr);
}

ClientPtr openai_client(const std::string &url, const std::vector<std::pair<std::string, std::string>> &settings) {
    auto c = make_client(url, [&](realm_options_t *o) {
        realm_options_set_model(o, "m");
        for (const auto &[k, v] : settings) {
            realm_error_t *err = nullptr;
            EXPECT_EQ(realm_options_set(o, k.c_str(), v.c_str(), &err), REALM_OK)
                << k << ": " << (err ? realm_error_message(err) : "");
            realm_error_destroy(err);
        }
    });
    return c;
}

realm_status_t health(realm_client_t *c, Outcome &o) {
    realm_handler_t h = o.handler();
    return realm_health(c, nullptr, &h, nullptr, nullptr);
}

long long json_int(const std::string &json, const std::string &key) {
    size_t at = json.find("\"" + key + "\"");
    if (at == std::string::npos) return -1;
    at = json.find(':', at);
    return std::atoll(json.c_str() + at + 1);
}

bool wait_health(realm_client_t *c, const std::function<bool(const std::string &json)> &pred, int timeout_ms) {
    // The server's counters are only visible through health round trips; each
    // iteration is a real round trip, bounded by the deadline.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        Outcome o;
        if (health(c, o) != REALM_OK || !o.wait(timeout_ms)) return false;
        if (o.outcome == REALM_OUTCOME_COMPLETE && pred(o.json)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // pace the polling of another process
    }
    return false;
}

}  // namespace realm::test
