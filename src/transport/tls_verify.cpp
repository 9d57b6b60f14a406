#include "tls_verify.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include "core/log.h"

namespace realm::transport {
namespace {

std::string bio_text(BIO *b) {
    char *data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string s = n > 0 ? std::string(data, size_t(n)) : std::string();
    BIO_free(b);
    return s;
}

std::string name_text(const X509_NAME *name) {
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return "?";
    X509_NAME_print_ex(b, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
    return bio_text(b);
}

std::string time_text(const ASN1_TIME *t) {
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !t) {
        BIO_free(b);
        return "?";
    }
    ASN1_TIME_print(b, t);
    return bio_text(b);
}

// "DNS:a, IP Address:1.2.3.4", or "no subjectAltName".
std::string alt_names(X509 *cert) {
    auto *names = static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return "no subjectAltName";
    BIO *b = BIO_new(BIO_s_mem());
    std::string s;
    if (b) {
        for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
            if (i) BIO_puts(b, ", ");
            GENERAL_NAME_print(b, sk_GENERAL_NAME_value(names, i));
        }
        s = bio_text(b);
    }
    GENERAL_NAMES_free(names);
    return s;
}

SSL *ssl_of(X509_STORE_CTX *store) {
    return static_cast<SSL *>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
}

// "host:port" with the port the socket is connected to (the host as given,
// IPv6 in brackets); just the host when the socket says nothing.
std::string server_text(X509_STORE_CTX *store, const std::string &host) {
    std::string h = is_ipv6_literal(host) ? "[" + host + "]" : host;
    SSL *ssl = ssl_of(store);
    int fd = ssl ? SSL_get_fd(ssl) : -1;
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (fd < 0 || getpeername(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) return h;
    int port = a.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6 *>(&a)->sin6_port)
               : a.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in *>(&a)->sin_port)
                                        : 0;
    return port ? h + ":" + std::to_string(port) : h;
}

// The OpenSSL reason plus what the user needs to act on it: which server,
// which certificate, and the detail of this kind of failure.
std::string describe(X509_STORE_CTX *store, int err, const std::string &host) {
    std::string s = X509_verify_cert_error_string(err);
    s += " (server " + server_text(store, host);
    X509 *cert = X509_STORE_CTX_get_current_cert(store);
    if (cert) {
        int depth = X509_STORE_CTX_get_error_depth(store);
        s += depth == 0 ? ", certificate '" : ", CA certificate at depth " + std::to_string(depth) + " '";
        s += name_text(X509_get_subject_name(cert)) + "'";
        switch (err) {
            case X509_V_ERR_HOSTNAME_MISMATCH:
            case X509_V_ERR_IP_ADDRESS_MISMATCH:
                s += " is for " + alt_names(cert) + ", not " + host;
                break;
            case X509_V_ERR_CERT_HAS_EXPIRED:
                s += " expired " + time_text(X509_get0_notAfter(cert));
                break;
            case X509_V_ERR_CERT_NOT_YET_VALID:
                s += " is valid only from " + time_text(X509_get0_notBefore(cert));
                break;
            case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
                s += " is self-signed and not trusted; to trust it, name it with tls_ca_file";
                break;
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
                s += " is issued by '" + name_text(X509_get_issuer_name(cert)) +
                     "', not a trusted CA; to trust it, name it with tls_ca_file";
                break;
            default:
                break;
        }
    }
    return s + ")";
}

// Index of a per-SSL flag: the tls_insecure warning of this handshake is out.
int warned_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// One warning per insecure handshake. lws forgives the errors its ALLOW
// flags cover before calling us, so name the certificate rather than them.
void warn_insecure(X509_STORE_CTX *store, const std::string &host) {
    SSL *ssl = ssl_of(store);
    if (!ssl || warned_index() < 0 || SSL_get_ex_data(ssl, warned_index())) return;
    SSL_set_ex_data(ssl, warned_index(), ssl);
    if (!core::log_on(REALM_LOG_WARN)) return;
    std::string msg = "tls_insecure is set: the TLS certificate of " + server_text(store, host) +
                      " is not verified (issuer, expiry and host name are not checked)";
    if (X509 *leaf = X509_STORE_CTX_get0_cert(store))
        msg += "; it presented '" + name_text(X509_get_subject_name(leaf)) + "' issued by '" +
               name_text(X509_get_issuer_name(leaf)) + "'";
    core::log(REALM_LOG_WARN, msg);
}

}  // namespace

bool is_ipv6_literal(const std::string &host) {
    in6_addr a;
    return inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

int verify_server_certificate(X509_STORE_CTX *store, bool insecure, const std::string &host, std::string *error) {
    if (!store) return 0;
    int err = X509_STORE_CTX_get_error(store);
    if (insecure) {  // the user explicitly opted out of verification
        warn_insecure(store, host);
        if (err != X509_V_OK) X509_STORE_CTX_set_error(store, X509_V_OK);
        return 0;
    }
    if (is_ipv6_literal(host) && X509_STORE_CTX_get_error_depth(store) == 0 &&
        (err == X509_V_OK || err == X509_V_ERR_HOSTNAME_MISMATCH)) {
        X509 *cert = X509_STORE_CTX_get_current_cert(store);
        if (cert && X509_check_ip_asc(cert, host.c_str(), 0) == 1) {
            if (err != X509_V_OK) X509_STORE_CTX_set_error(store, X509_V_OK);
            return 0;
        }
        if (error->empty())
            *error = "certificate does not match IP address " + host + " (server " + server_text(store, host) +
                     (cert ? ", certificate is for " + alt_names(cert) : std::string()) + ")";
        X509_STORE_CTX_set_error(store, X509_V_ERR_IP_ADDRESS_MISMATCH);
        return 1;  // lws fails the handshake
    }
    if (err != X509_V_OK && error->empty()) *error = describe(store, err, host);
    return 0;  // lws fails the handshake on an error left set
}

}  // namespace realm::transport
