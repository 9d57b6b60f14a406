#include "tls_verify.h"

#include <arpa/inet.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace realm::transport {

bool is_ipv6_literal(const std::string &host) {
    in6_addr a;
    return inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

int verify_server_certificate(X509_STORE_CTX *store, bool insecure, const std::string &host, std::string *error) {
    if (!store) return 0;
    int err = X509_STORE_CTX_get_error(store);
    if (insecure) {  // the user explicitly opted out of verification
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
        if (error->empty()) *error = "certificate does not match IP address " + host;
        X509_STORE_CTX_set_error(store, X509_V_ERR_IP_ADDRESS_MISMATCH);
        return 1;  // lws fails the handshake
    }
    if (err != X509_V_OK && error->empty()) *error = X509_verify_cert_error_string(err);
    return 0;  // lws fails the handshake on an error left set
}

}  // namespace realm::transport
