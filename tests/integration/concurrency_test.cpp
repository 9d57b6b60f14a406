// Many requests on one connection, from many threads: nothing lost, nothing
// duplicated, every request ends exactly once. Also run under ThreadSanitizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <random>
#include <thread>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

TEST(Concurrency, ThousandConcurrentRequestsOnOneConnection) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    constexpr int kN = 1000;
    std::vector<std::unique_ptr<Outcome>> outcomes;
    for (int i = 0; i < kN; ++i) {
        outcomes.push_back(std::make_unique<Outcome>());
        bool stream = i % 2 == 0;
        std::string prompt = "P" + std::to_string(i) + " tail";
        ASSERT_EQ(generate(c.get(), *outcomes.back(), prompt, stream ? 20 : 5, stream), REALM_OK) << i;
    }
    for (int i = 0; i < kN; ++i) {
        Outcome &o = *outcomes[size_t(i)];
        ASSERT_TRUE(o.wait(30000)) << "request " << i << " never ended";
        ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << i << ": " << o.message;
        EXPECT_EQ(o.terminal_count(), 1);
        if (i % 2 == 0) {
            ASSERT_EQ(o.tokens.size(), 20u) << i;
            // Token 12 is the first word of this request's own prompt: no
            // cross-talk between interleaved streams.
            EXPECT_EQ(o.tokens[12], "P" + std::to_string(i) + " ");
        } else {
            EXPECT_EQ(o.text, "Simulated response to: P" + std::to_string(i) + " tail");
        }
    }
}

TEST(Concurrency, ThreadsSubmitAndCancelConcurrently) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    constexpr int kThreads = 4, kPerThread = 100;
    std::vector<std::unique_ptr<Outcome>> outcomes(kThreads * kPerThread);
    for (auto &o : outcomes) o = std::make_unique<Outcome>();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                Outcome &o = *outcomes[size_t(t * kPerThread + i)];
                realm_request_t *req = nullptr;
                ASSERT_EQ(generate(c.get(), o, "Thread", 200, true, R"({"delay_ms":1})", &req), REALM_OK);
                if (i % 3 == 0) {
                    realm_request_cancel(req);
                    realm_request_cancel(req);  // idempotent
                }
                realm_request_release(req);
            }
        });
    }
    for (auto &th : threads) th.join();
    int cancelled = 0, complete = 0;
    for (auto &o : outcomes) {
        ASSERT_TRUE(o->wait(60000));
        EXPECT_EQ(o->terminal_count(), 1);
        cancelled += o->outcome == REALM_OUTCOME_CANCELLED;
        complete += o->outcome == REALM_OUTCOME_COMPLETE;
        if (o->outcome == REALM_OUTCOME_CANCELLED) {
            EXPECT_EQ(o->status, REALM_ERR_CANCELLED);
        }
    }
    EXPECT_GE(cancelled, kThreads * kPerThread / 3 - 5);
    EXPECT_EQ(cancelled + complete, kThreads * kPerThread);
}

// Busy polling: the event thread leaves its polling window (where callers
// post without waking it) and goes back to sleeping constantly with windows
// of a few microseconds. Requests posted from other threads around those
// transitions must never be left unserved; long windows and none at all
// must serve the same.
TEST(Concurrency, BusyPollWindowsLoseNoRequest) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    for (uint32_t window_us : {0u, 1u, 3u, 20u, 1000000u}) {
        auto c = make_client(server.url(), [&](realm_options_t *o) {
            ASSERT_EQ(realm_options_set_busy_poll_us(o, window_us), REALM_OK);
        });
        ASSERT_EQ(connect(c.get()), REALM_OK);
        constexpr int kThreads = 3, kPerThread = 150;
        std::vector<std::thread> threads;
        std::atomic<int> complete{0};
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kPerThread; ++i) {  // sequential round trips per thread
                    Outcome o;
                    std::string prompt = "W" + std::to_string(t) + "-" + std::to_string(i);
                    ASSERT_EQ(generate(c.get(), o, prompt, 1, true), REALM_OK);
                    ASSERT_TRUE(o.wait(10000)) << "window " << window_us << " us: request " << prompt << " never ended";
                    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
                    ASSERT_EQ(o.terminal_count(), 1);
                    complete.fetch_add(1);
                }
            });
        }
        for (auto &th : threads) th.join();
        EXPECT_EQ(complete.load(), kThreads * kPerThread) << "window " << window_us << " us";
    }
}

TEST(Concurrency, ManyClientsShareOneEventLoop) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    std::vector<ClientPtr> clients;
    for (int i = 0; i < 20; ++i) {
        clients.push_back(make_client(server.url()));
        ASSERT_EQ(realm_client_connect(clients.back().get(), nullptr, nullptr), REALM_OK);
    }
    std::vector<std::unique_ptr<Outcome>> outcomes;
    for (auto &c : clients) {
        outcomes.push_back(std::make_unique<Outcome>());
        ASSERT_EQ(generate(c.get(), *outcomes.back(), "Multi", 50, true), REALM_OK);
    }
    for (auto &o : outcomes) {
        ASSERT_TRUE(o->wait());
        EXPECT_EQ(o->tokens.size(), 50u);
    }
    // Destroying clients in any order leaves the others working: a shuffled
    // order (first, last and middle ones alike), checking every survivor after
    // each destruction.
    std::vector<size_t> order(clients.size());
    std::iota(order.begin(), order.end(), size_t(0));
    unsigned seed = std::random_device{}();
    std::shuffle(order.begin(), order.end(), std::mt19937(seed));
    order.resize(15);
    for (size_t victim : order) {
        clients[victim].reset();
        for (size_t i = 0; i < clients.size(); ++i) {
            if (!clients[i].get()) continue;
            Outcome h;
            ASSERT_EQ(health(clients[i].get(), h), REALM_OK) << "seed " << seed << ", client " << i;
            ASSERT_TRUE(h.wait()) << "seed " << seed << ", client " << i;
            EXPECT_EQ(h.outcome, REALM_OUTCOME_COMPLETE) << "seed " << seed << ", client " << i;
        }
    }
}

}  // namespace
}  // namespace realm::test
