// The certificate check both transports run in lws's
// OPENSSL_PERFORM_SERVER_CERT_VERIFICATION callback. lws 4.1.6 takes the
// certificate name from connect_info.host cut at the first ':', so an IPv6
// literal host gets no name check at all: for those the certificate's IP
// address is checked here.
#pragma once

#include <string>

typedef struct x509_store_ctx_st X509_STORE_CTX;

namespace realm::transport {

// `host` as given by the user (no brackets). Returns what the lws callback
// returns; on a failure *error (if empty) receives the reason.
int verify_server_certificate(X509_STORE_CTX *store, bool insecure, const std::string &host, std::string *error);

// True for an IPv6 literal ("::1").
bool is_ipv6_literal(const std::string &host);

}  // namespace realm::transport
