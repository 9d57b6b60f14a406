// The client core under test with fake connections (core_fakes.h): options
// by name, client events and connect completions recorded. Shared by the
// connection and retry tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/client.h"
#include "core/error.h"
#include "core/option_table.h"
#include "core_fakes.h"

namespace realm::test {

using realm::core::ClientCore;
using realm::core::Options;
using realm::protocol::RequestKind;
using realm::protocol::RequestSpec;

struct Events {
    std::mutex m;
    std::vector<realm_client_event_type_t> types;
    std::vector<uint32_t> reconnect_delays_ms;
    std::vector<std::string> error_codes;
    static void cb(void *user, realm_client_t *, const realm_client_event_t *ev) {
        auto *e = static_cast<Events *>(user);
        std::lock_guard<std::mutex> lock(e->m);
        e->types.push_back(ev->type);
        if (ev->type == REALM_EVENT_RECONNECTING) e->reconnect_delays_ms.push_back(ev->delay_ms);
        if (ev->error) e->error_codes.push_back(ev->error->code);
    }
    int count(realm_client_event_type_t t) {
        std::lock_guard<std::mutex> lock(m);
        return int(std::count(types.begin(), types.end(), t));
    }
};

struct Connect {
    std::mutex m;
    bool done = false;
    realm_status_t status = REALM_OK;
    std::string message, code;
    static void cb(void *user, realm_client_t *, realm_status_t s, const realm_error_t *e) {
        auto *c = static_cast<Connect *>(user);
        std::lock_guard<std::mutex> lock(c->m);
        c->done = true;
        c->status = s;
        if (e) c->message = e->message, c->code = e->code;
    }
    bool finished() {
        std::lock_guard<std::mutex> lock(m);
        return done;
    }
};

struct ClientFixture : ::testing::Test {
    std::shared_ptr<FakeConnector> net = std::make_shared<FakeConnector>();
    std::shared_ptr<ClientCore> core;
    Events events;

    void make(const std::vector<std::pair<const char *, const char *>> &settings) {
        Options o;
        o.busy_poll_us = 0;
        o.max_retries = 0;  // the tests of retries turn them on (client_retry_test.cpp)
        for (auto [k, v] : settings) ASSERT_EQ(realm::core::set_option(o, k, v).status, REALM_OK) << k;
        std::string why;
        auto dialect = realm::core::make_client_dialect(o, &why);
        ASSERT_TRUE(dialect) << why;
        core = ClientCore::create(o, std::move(dialect), realm::test::loop(), net, nullptr);
        core->set_event_callback(&Events::cb, &events);
    }
    void TearDown() override {
        if (core) core->destroy();
    }
    realm::test::FakeWs &socket(size_t i) { return *net->sockets.at(i); }
    size_t sockets() {
        size_t n = 0;
        on_loop([&] { n = net->sockets.size(); });
        return n;
    }
    void submit(Recorded &r) {
        std::string why;
        ASSERT_EQ(core->submit(r.req, &why), REALM_OK) << why;  // submit takes its own reference
    }
    // Connects through the first socket, which the test then opens with `frames`.
    void connect_ws(Connect &c, const std::vector<std::string> &frames = {}) {
        ASSERT_EQ(core->connect(&Connect::cb, &c), REALM_OK);
        ASSERT_TRUE(eventually([&] { return !net->sockets.empty(); }));
        on_loop([&] {
            socket(0).open();
            for (auto &f : frames) socket(0).receive(f);
        });
    }
};

inline RequestSpec chat(bool stream = true) {
    RequestSpec s;
    s.kind = RequestKind::Chat;
    s.messages = {{"user", "hi"}};
    s.sampling.stream = stream;
    return s;
}

inline const char *kWelcome = R"({"status":"connected","tenant_id":null,"version":"9.9","extensions":["interleave","cancel"]})";

}  // namespace realm::test
