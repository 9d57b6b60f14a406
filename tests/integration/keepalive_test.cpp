// Keepalive pings and large-message reassembly.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

// Counts the library's keepalive log lines (REALM_LOG_DEBUG) while it lives.
class KeepaliveLog {
public:
    KeepaliveLog() { realm_set_log_callback(&KeepaliveLog::on_log, this, REALM_LOG_DEBUG); }
    ~KeepaliveLog() { realm_set_log_callback(nullptr, nullptr, REALM_LOG_WARN); }
    int pings() const { return pings_.load(); }
    int pongs() const { return pongs_.load(); }
    // Waits until `n` pongs arrived or `ms` passed.
    bool wait_pongs(int n, int ms) const {
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (pongs() < n && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return pongs() >= n;
    }

private:
    static void on_log(void *user, realm_log_level_t, const char *message) {
        auto *self = static_cast<KeepaliveLog *>(user);
        if (std::strcmp(message, "keepalive: ping sent") == 0) ++self->pings_;
        if (std::strcmp(message, "keepalive: pong received") == 0) ++self->pongs_;
    }
    std::atomic<int> pings_{0};
    std::atomic<int> pongs_{0};
};

TEST(Keepalive, IdleConnectionStaysUpWhilePongsArrive) {
    KeepaliveLog log;  // outlives the client
    Events ev;         // outlives the client
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url(), [](realm_options_t *o) { realm_options_set_ping_interval_ms(o, 150); });
    ev.attach(c.get());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    // Several ping intervals with no traffic but pings and pongs: no disconnect.
    // The deadline only bounds a failure; the test ends when three pongs arrived.
    EXPECT_TRUE(log.wait_pongs(3, 20000)) << "pings " << log.pings() << ", pongs " << log.pongs();
    EXPECT_GE(log.pings(), 3);
    EXPECT_EQ(ev.count(REALM_EVENT_DISCONNECTED), 0) << (ev.errors().empty() ? "" : ev.errors()[0]);
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_CONNECTED);
}

TEST(Keepalive, FrozenServerIsDetectedAsDead) {
    Events ev;  // outlives the client
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url(), [](realm_options_t *o) {
        realm_options_set_ping_interval_ms(o, 100);
        realm_options_set_reconnect(o, 0);
    });
    ev.attach(c.get());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    // SIGSTOP keeps the TCP connection open but nothing answers any more.
    ASSERT_EQ(kill(server.pid(), SIGSTOP), 0);
    auto start = std::chrono::steady_clock::now();
    bool dead = ev.wait_for(REALM_EVENT_DISCONNECTED, 1, 5000);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    kill(server.pid(), SIGCONT);
    ASSERT_TRUE(dead) << "a frozen server was never detected";
    EXPECT_GE(took.count(), 90);  // a ping, then one interval without an answer
    ASSERT_FALSE(ev.errors().empty());
    EXPECT_NE(ev.errors().back().find("no pong"), std::string::npos) << ev.errors().back();
}

TEST(Reassembly, LargeTokenSpanningManyReadsArrivesWhole) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--enable-faults"}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    // The "oversized" fault sends one 300 kB token frame: well under the
    // client's 16 MiB default, so it must arrive intact after reassembly of
    // the many socket reads it spans.
    ASSERT_EQ(generate(c.get(), o, "Big", 5, true, R"({"fault":{"type":"oversized","after":1,"bytes":300000}})"),
              REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    size_t biggest = 0;
    for (auto &t : o.tokens) biggest = std::max(biggest, t.size());
    EXPECT_GE(biggest, 300000u);
}

TEST(Reassembly, FragmentedMessagesAreJoined) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--enable-faults"}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    // Token 2 arrives as a text frame plus continuation frames of 3 bytes.
    ASSERT_EQ(generate(c.get(), o, "Frag", 6, true, R"({"fault":{"type":"fragmented","after":2,"bytes":3}})"),
              REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    EXPECT_EQ(o.joined(), "The capital of France is Paris. ");
}

}  // namespace
}  // namespace realm::test
