// wss:// against realm-server with a test certificate: verification is on by
// default, a wrong CA or host name fails clearly, the insecure switch is
// explicit.
#include <gtest/gtest.h>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

class Tls : public ::testing::Test {
protected:
    void SetUp() override {
        certs = make_test_certs();
        ASSERT_FALSE(certs.empty()) << "scripts/make-test-certs failed";
        ASSERT_TRUE(server.start({"--tls-cert", certs + "/server.pem", "--tls-key", certs + "/server.key"}));
    }
    std::string certs;
    ServerProcess server;
};

TEST_F(Tls, VerifiedConnectionWithTheRightCa) {
    auto c = make_client(server.wss_url("localhost"),
                         [&](realm_options_t *o) { realm_options_set_tls_ca_file(o, (certs + "/ca.pem").c_str()); });
    std::string msg;
    ASSERT_EQ(connect(c.get(), &msg), REALM_OK) << msg;
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Secure", 20, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    EXPECT_EQ(o.tokens.size(), 20u);
}

TEST_F(Tls, UnknownCaFails) {
    for (const char *ca : {"", "/other-ca.pem"}) {
        auto c = make_client(server.wss_url("localhost"), [&](realm_options_t *o) {
            if (*ca) realm_options_set_tls_ca_file(o, (certs + ca).c_str());
        });
        std::string msg;
        realm_status_t st;
        EXPECT_EQ(connect(c.get(), &msg, &st), REALM_ERR_TLS) << msg;
        EXPECT_EQ(st, REALM_ERR_TLS) << "the error object carries the same code: " << msg;
        EXPECT_NE(msg.find("certificate"), std::string::npos) << msg;
    }
}

TEST_F(Tls, HostNameMismatchFails) {
    // The certificate names only "localhost".
    auto c = make_client(server.wss_url("127.0.0.1"),
                         [&](realm_options_t *o) { realm_options_set_tls_ca_file(o, (certs + "/ca.pem").c_str()); });
    std::string msg;
    EXPECT_EQ(connect(c.get(), &msg), REALM_ERR_TLS) << msg;
    EXPECT_NE(msg.find("mismatch"), std::string::npos) << msg;
}

TEST_F(Tls, InsecureSwitchIsExplicit) {
    auto c = make_client(server.wss_url("127.0.0.1"), [](realm_options_t *o) { realm_options_set_tls_insecure(o, 1); });
    std::string msg;
    EXPECT_EQ(connect(c.get(), &msg), REALM_OK) << msg;
}

TEST_F(Tls, MissingCaFileIsAClearError) {
    auto c = make_client(server.wss_url("localhost"),
                         [](realm_options_t *o) { realm_options_set_tls_ca_file(o, "/nonexistent/ca.pem"); });
    std::string msg;
    EXPECT_EQ(connect(c.get(), &msg), REALM_ERR_CONNECT_FAILED);
    EXPECT_NE(msg.find("/nonexistent/ca.pem"), std::string::npos) << msg;
}

}  // namespace
}  // namespace realm::test
