// HttpExchange over TLS: verified exchanges by name, IPv4 and IPv6 address
// (lws cannot check an IPv6 literal itself), untrusted and mismatched
// certificates, and the insecure mode. Certificates are made per run.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>
#include <utility>

#include "http_test_support.h"

namespace realm::test {
namespace {

using transport::CloseInfo;
using transport::HttpRequestSpec;

struct TestCert {
    std::string cert, key;  // PEM files; the certificate is self-signed (its own CA)
};

// A self-signed P-256 certificate with the given subjectAltName, written to
// files that live as long as the test program.
TestCert make_cert(const std::string &tag, const std::string &san) {
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(std::hash<std::string>()(tag) & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("realm test"), -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, san},
                              {NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
    }
    X509_sign(x, key, EVP_sha256());
    std::string base = "/tmp/realm-transport-test-" + std::to_string(getpid()) + "-" + tag;
    TestCert out{base + "-cert.pem", base + "-key.pem"};
    FILE *f = std::fopen(out.cert.c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
    f = std::fopen(out.key.c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(x);
    EVP_PKEY_free(key);
    return out;
}

const TestCert &cert_for_loopback() {  // localhost, 127.0.0.1 and ::1
    static TestCert c = make_cert("loopback", "DNS:localhost,IP:127.0.0.1,IP:::1");
    return c;
}

const TestCert &cert_for_localhost_only() {
    static TestCert c = make_cert("localhost", "DNS:localhost");
    return c;
}

struct TlsOutcome {
    Recorder rec;
    std::string open_error;
};

// One TLS exchange; the server answers 200 "secure".
void tls_exchange(const TestCert &served, const std::string &host, bool ipv6, const std::string &ca_file,
                  bool insecure, TlsOutcome *out) {
    ServerOptions options;
    options.ipv6 = ipv6;
    options.cert_file = served.cert;
    options.key_file = served.key;
    ScriptedServer server(reply({Step::write(with_length(200, "text/plain", "secure"))}), options);
    HttpRequestSpec spec;
    spec.method = "GET";
    spec.host = host;
    spec.port = server.port();
    spec.tls = true;
    spec.ca_file = ca_file;
    spec.tls_insecure = insecure;
    auto s = start(spec, &out->rec);
    if (!s.conn) {
        out->open_error = s.error;
        return;
    }
    EXPECT_TRUE(out->rec.wait_closed());
}

TEST(HttpExchangeTls, VerifiedExchanges) {
    const TestCert &cert = cert_for_loopback();
    for (auto [host, ipv6] : {std::pair<const char *, bool>{"localhost", false}, {"127.0.0.1", false}, {"::1", true}}) {
        SCOPED_TRACE(host);
        TlsOutcome out;
        tls_exchange(cert, host, ipv6, cert.cert, false, &out);
        EXPECT_EQ(out.open_error, "");
        EXPECT_EQ(out.rec.head().status, 200);
        EXPECT_EQ(out.rec.body(), "secure");
        EXPECT_TRUE(out.rec.info().body_complete) << out.rec.info().reason;
    }
}

TEST(HttpExchangeTls, UntrustedCertificateFails) {
    TlsOutcome out;
    tls_exchange(cert_for_loopback(), "localhost", false, "", false, &out);  // system CAs only
    ASSERT_EQ(out.open_error, "");
    CloseInfo info = out.rec.info();
    EXPECT_TRUE(info.connect_failed);
    EXPECT_TRUE(info.tls_failure);
    EXPECT_FALSE(info.body_complete);
    EXPECT_NE(info.reason.find("TLS certificate verification failed: "), std::string::npos) << info.reason;
    EXPECT_EQ(out.rec.heads(), 0);
}

TEST(HttpExchangeTls, NameOrAddressMismatchFails) {
    const TestCert &cert = cert_for_localhost_only();
    for (auto [host, ipv6] : {std::pair<const char *, bool>{"127.0.0.1", false}, {"::1", true}}) {
        SCOPED_TRACE(host);
        TlsOutcome out;
        tls_exchange(cert, host, ipv6, cert.cert, false, &out);
        ASSERT_EQ(out.open_error, "");
        CloseInfo info = out.rec.info();
        EXPECT_TRUE(info.tls_failure);
        EXPECT_TRUE(info.connect_failed);
        EXPECT_NE(info.reason.find("TLS certificate verification failed: "), std::string::npos) << info.reason;
        EXPECT_EQ(out.rec.heads(), 0);
    }
}

TEST(HttpExchangeTls, InsecureSkipsTheChecks) {
    TlsOutcome out;
    tls_exchange(cert_for_localhost_only(), "127.0.0.1", false, "", true, &out);
    EXPECT_EQ(out.open_error, "");
    EXPECT_EQ(out.rec.body(), "secure");
    EXPECT_TRUE(out.rec.info().body_complete) << out.rec.info().reason;
}

}  // namespace
}  // namespace realm::test
