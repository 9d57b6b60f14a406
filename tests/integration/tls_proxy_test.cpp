// TLS through a real proxy: nginx terminates TLS in front of a plain
// realm-server, with a private PKI made at test time. Every dialect (Realm
// and openai-ws over wss://, OpenAI HTTP/SSE over https://) streams end to
// end, verified by default; a wrong host name, an expired certificate, a
// self-signed one and an unknown CA each fail with REALM_ERR_TLS and the
// reason; the insecure switch works only when set and is logged; a custom
// CA bundle works; nginx passes WebSocket frames and SSE events on at once
// (no buffering), shown without timing: the first token arrives while the
// server holds the rest of the stream back.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "client_helpers.h"
#include "nginx_process.h"
#include "server_process.h"
#include "test_pki.h"

namespace realm::test {
namespace {

enum class Dialect { Realm, OpenAiWs, OpenAiHttp };
const Dialect kDialects[] = {Dialect::Realm, Dialect::OpenAiWs, Dialect::OpenAiHttp};

const char *name(Dialect d) {
    switch (d) {
        case Dialect::Realm: return "realm wss://";
        case Dialect::OpenAiWs: return "openai-ws wss://";
        default: return "openai-http https://";
    }
}

// Listener order in the nginx config.
enum Site : size_t { kGood, kWrongHost, kExpired, kSelfSigned, kUnknownCa, kSiteCount };

// Log lines delivered through realm_set_log_callback while it lives.
class LogCapture {
public:
    LogCapture() { realm_set_log_callback(&LogCapture::on_log, this, REALM_LOG_WARN); }
    ~LogCapture() { realm_set_log_callback(nullptr, nullptr, REALM_LOG_WARN); }
    std::vector<std::string> warnings_with(const std::string &needle) {
        std::lock_guard<std::mutex> lock(m_);
        std::vector<std::string> out;
        for (const auto &[level, text] : lines_)
            if (level == REALM_LOG_WARN && text.find(needle) != std::string::npos) out.push_back(text);
        return out;
    }

private:
    static void on_log(void *user, realm_log_level_t level, const char *message) {
        auto *self = static_cast<LogCapture *>(user);
        std::lock_guard<std::mutex> lock(self->m_);
        self->lines_.emplace_back(level, message);
    }
    std::mutex m_;
    std::vector<std::pair<realm_log_level_t, std::string>> lines_;
};

class TlsProxy : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        pki = &test_pki(&why);
        ASSERT_FALSE(pki->dir.empty()) << "test PKI: " << why;
        ASSERT_TRUE(server.start({"--enable-faults"}));
        std::vector<NginxSite> sites(kSiteCount);
        sites[kGood] = {pki->good.cert, pki->good.key};
        sites[kWrongHost] = {pki->wrong_host.cert, pki->wrong_host.key};
        sites[kExpired] = {pki->expired.cert, pki->expired.key};
        sites[kSelfSigned] = {pki->self_signed.cert, pki->self_signed.key};
        sites[kUnknownCa] = {pki->unknown_ca.cert, pki->unknown_ca.key};
        ASSERT_TRUE(nginx.start(server.port(), sites));
    }

    std::string url(Dialect d, Site s) const {
        std::string hp = "localhost:" + std::to_string(nginx.port(s));
        switch (d) {
            case Dialect::Realm: return "wss://" + hp;
            case Dialect::OpenAiWs: return "wss://" + hp + "/v1/chat/completions";
            default: return "https://" + hp + "/v1";
        }
    }

    // A client of nginx's site `s` (not connected). ca_file "" = system CAs.
    ClientPtr client(Dialect d, Site s, const std::string &ca_file, bool insecure = false) {
        return make_client(url(d, s), [&](realm_options_t *o) {
            if (d != Dialect::Realm) realm_options_set_model(o, "m");
            if (!ca_file.empty()) {
                EXPECT_EQ(realm_options_set_tls_ca_file(o, ca_file.c_str()), REALM_OK);
            }
            if (insecure) {
                EXPECT_EQ(realm_options_set_tls_insecure(o, 1), REALM_OK);
            }
        });
    }

    // One streamed generation (Realm: a prompt; OpenAI: a chat).
    static realm_status_t stream(Dialect d, realm_client_t *c, Outcome &o, int64_t n, const char *extra = nullptr,
                                 realm_request_t **req = nullptr) {
        return d == Dialect::Realm ? generate(c, o, "Through the proxy", n, true, extra, req)
                                   : chat(c, o, "Through the proxy", n, true, extra, req);
    }

    // Connects and streams 20 tokens to completion.
    void expect_streams(Dialect d, realm_client_t *c) {
        std::string msg;
        ASSERT_EQ(connect(c, &msg), REALM_OK) << msg;
        Outcome o;
        ASSERT_EQ(stream(d, c, o, 20), REALM_OK);
        ASSERT_TRUE(o.wait(15000));
        EXPECT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
        EXPECT_EQ(o.tokens.size(), 20u);
        EXPECT_EQ(o.terminal_count(), 1);
    }

    const TestPki *pki = nullptr;
    ServerProcess server;
    NginxProcess nginx;
};

TEST_F(TlsProxy, EveryDialectStreamsVerifiedThroughNginx) {
    for (Dialect d : kDialects) {
        SCOPED_TRACE(name(d));
        auto c = client(d, kGood, pki->ca);
        expect_streams(d, c.get());
    }
}

TEST_F(TlsProxy, VerificationIsOnByDefault) {
    // No CA file: the system store does not know the private CA.
    for (Dialect d : kDialects) {
        SCOPED_TRACE(name(d));
        auto c = client(d, kGood, "");
        std::string msg;
        realm_status_t st = REALM_OK;
        EXPECT_EQ(connect(c.get(), &msg, &st), REALM_ERR_TLS) << msg;
        EXPECT_EQ(st, REALM_ERR_TLS);
        EXPECT_NE(msg.find("unable to get local issuer certificate"), std::string::npos) << msg;
    }
}

TEST_F(TlsProxy, EachBadCertificateFailsWithItsReason) {
    struct Case {
        Site site;
        const char *reason;  // OpenSSL's X509_verify_cert_error_string
    } cases[] = {
        {kWrongHost, "hostname mismatch"},
        {kExpired, "certificate has expired"},
        {kSelfSigned, "self-signed certificate"},
        {kUnknownCa, "unable to get local issuer certificate"},
    };
    for (const auto &k : cases) {
        for (Dialect d : kDialects) {
            SCOPED_TRACE(std::string(name(d)) + " " + k.reason);
            auto c = client(d, k.site, pki->ca);
            std::string msg;
            realm_status_t st = REALM_OK;
            EXPECT_EQ(connect(c.get(), &msg, &st), REALM_ERR_TLS) << msg;
            EXPECT_EQ(st, REALM_ERR_TLS);
            EXPECT_NE(msg.find("TLS certificate verification failed"), std::string::npos) << msg;
            EXPECT_NE(msg.find(k.reason), std::string::npos) << msg;
            EXPECT_NE(msg.find("(server localhost"), std::string::npos) << msg;  // which server
        }
    }
}

TEST_F(TlsProxy, CustomCaBundleWorks) {
    // A bundle whose first certificate is an unrelated CA.
    for (Dialect d : kDialects) {
        SCOPED_TRACE(name(d));
        auto c = client(d, kGood, pki->bundle);
        expect_streams(d, c.get());
    }
}

TEST_F(TlsProxy, InsecureSwitchIsExplicitAndLogged) {
    LogCapture log;
    {  // a verified connection logs no such warning
        auto c = client(Dialect::Realm, kGood, pki->ca);
        std::string msg;
        ASSERT_EQ(connect(c.get(), &msg), REALM_OK) << msg;
    }
    EXPECT_TRUE(log.warnings_with("tls_insecure").empty());

    for (Site s : {kExpired, kSelfSigned, kWrongHost}) {
        for (Dialect d : kDialects) {
            SCOPED_TRACE(std::string(name(d)) + " site " + std::to_string(s));
            auto c = client(d, s, "", /*insecure=*/true);
            expect_streams(d, c.get());
        }
    }
    auto warned = log.warnings_with("tls_insecure");
    ASSERT_FALSE(warned.empty());
    std::string all;
    for (const auto &w : warned) all += w + "\n";
    // A warning per insecure TLS handshake, naming the server and what it
    // presented: 3 sites x 3 dialects, the HTTP dialect probing first.
    EXPECT_GE(warned.size(), 9u) << all;
    EXPECT_NE(all.find("is not verified"), std::string::npos) << all;
    for (Site s : {kExpired, kSelfSigned, kWrongHost})
        EXPECT_NE(all.find("localhost:" + std::to_string(nginx.port(s))), std::string::npos) << all;
    EXPECT_NE(all.find("wrong.example"), std::string::npos) << all;
}

TEST_F(TlsProxy, FramesAndEventsAreNotBuffered) {
    // The server sends one token, then holds the stream for 60 s. Receiving
    // that token while the request is still open proves that nginx passed it
    // on without waiting for more (proxy_buffering off for SSE; WebSocket
    // frames after an upgrade). The test then cancels: it never waits 60 s.
    const char *hold = R"({"fault":{"type":"stall","after":1,"ms":60000}})";
    for (Dialect d : kDialects) {
        SCOPED_TRACE(name(d));
        auto c = client(d, kGood, pki->ca);
        std::string msg;
        ASSERT_EQ(connect(c.get(), &msg), REALM_OK) << msg;

        std::mutex m;
        std::condition_variable cv;
        bool first = false;
        int terminals_at_first = -1;
        Outcome o;
        o.on_first_tokens = [&](realm_request_t *) {
            std::lock_guard<std::mutex> lock(m);
            first = true;
            terminals_at_first = o.terminal_count();
            cv.notify_all();
        };
        realm_request_t *req = nullptr;
        ASSERT_EQ(stream(d, c.get(), o, 10, hold, &req), REALM_OK);
        {
            std::unique_lock<std::mutex> lock(m);
            // Bounded well below the 60 s hold: a buffering proxy fails here.
            EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return first; }))
                << "no token while the stream was open: the proxy buffers";
            EXPECT_EQ(terminals_at_first, 0);
        }
        EXPECT_EQ(o.terminal_count(), 0);  // still held by the server
        realm_request_cancel(req);
        ASSERT_TRUE(o.wait(15000));
        EXPECT_EQ(o.outcome, REALM_OUTCOME_CANCELLED) << o.message;
        EXPECT_EQ(o.tokens.size(), 1u);
        realm_request_release(req);
    }
}

}  // namespace
}  // namespace realm::test
