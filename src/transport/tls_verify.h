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
// returns; on a failure *error (if empty) receives the reason: OpenSSL's text
// ("certificate has expired", "hostname mismatch", ...) plus the server, the
// certificate's subject and the detail of that failure (expiry date, the names
// it holds, its issuer). With `insecure` every error is cleared and the first
// call of each handshake logs a warning (REALM_LOG_WARN) naming the server.
// Also runs for plain OpenSSL sessions (tls_session.cpp): it only needs the
// SSL that owns `store`.
int verify_server_certificate(X509_STORE_CTX *store, bool insecure, const std::string &host, std::string *error);

// True for an IPv6 literal ("::1").
bool is_ipv6_literal(const std::string &host);

}  // namespace realm::transport
