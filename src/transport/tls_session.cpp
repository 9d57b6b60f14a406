#include "tls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <algorithm>
#include <map>

#include "tls_verify.h"

namespace realm::transport {
namespace {

// Which TlsSession an SSL belongs to, for the verify callback.
int session_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

bool is_ip_literal(const std::string &host) {
    unsigned char addr[16];
    return inet_pton(AF_INET, host.c_str(), addr) == 1 || inet_pton(AF_INET6, host.c_str(), addr) == 1;
}

std::string openssl_errors() {
    std::string s;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!s.empty()) s += "; ";
        s += buf;
    }
    return s;
}

// One SSL_CTX per CA file ("" = the system's CAs only), made on first use
// and kept for the life of the process. Loop thread only.
SSL_CTX *context_for(const std::string &ca_file, std::string *error) {
    static auto *contexts = new std::map<std::string, SSL_CTX *>();
    auto it = contexts->find(ca_file);
    if (it != contexts->end()) return it->second;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        *error = "cannot set up TLS: " + openssl_errors();
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_default_verify_paths(ctx);
    if (!ca_file.empty() && SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
        ERR_clear_error();
        SSL_CTX_free(ctx);
        *error = "cannot load TLS CA file '" + ca_file + "'";
        return nullptr;
    }
    static const unsigned char kAlpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn - 1);
    contexts->emplace(ca_file, ctx);
    return ctx;
}

}  // namespace

// Runs for each certificate of the chain. tls_verify.cpp judges (and warns
// once per handshake when verification is off); a certificate is accepted
// when it leaves no error set.
int tls_session_verify_callback(int /*preverify_ok*/, X509_STORE_CTX *store) {
    SSL *ssl = static_cast<SSL *>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto *self = ssl ? static_cast<TlsSession *>(SSL_get_ex_data(ssl, session_index())) : nullptr;
    if (!self) return 0;
    verify_server_certificate(store, self->insecure_, self->host_, &self->verify_error_);
    return X509_STORE_CTX_get_error(store) == X509_V_OK ? 1 : 0;
}

std::unique_ptr<TlsSession> TlsSession::create(const std::string &host, const std::string &ca_file, bool insecure,
                                               std::string *error) {
    SSL_CTX *ctx = context_for(ca_file, error);
    if (!ctx) return nullptr;
    std::unique_ptr<TlsSession> s(new TlsSession());
    s->host_ = host;
    s->insecure_ = insecure;
    s->ssl_ = SSL_new(ctx);
    s->in_ = BIO_new(BIO_s_mem());
    s->out_ = BIO_new(BIO_s_mem());
    if (!s->ssl_ || !s->in_ || !s->out_ || session_index() < 0) {
        if (!s->ssl_) {  // the BIOs are not the SSL's yet
            BIO_free(s->in_);
            BIO_free(s->out_);
        }
        *error = "cannot set up TLS: " + openssl_errors();
        return nullptr;
    }
    BIO_set_mem_eof_return(s->in_, -1);  // "no more input yet", not end of stream
    SSL_set_bio(s->ssl_, s->in_, s->out_);
    SSL_set_ex_data(s->ssl_, session_index(), s.get());
    SSL_set_connect_state(s->ssl_);
    SSL_set_verify(s->ssl_, SSL_VERIFY_PEER, &tls_session_verify_callback);
    X509_VERIFY_PARAM *param = SSL_get0_param(s->ssl_);
    if (is_ip_literal(host)) {
        X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
        SSL_set_tlsext_host_name(s->ssl_, host.c_str());
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    }
    return s;
}

TlsSession::~TlsSession() {
    if (ssl_) SSL_free(ssl_);  // frees both BIOs
}

TlsSession::Result TlsSession::failed(const char *what) {
    if (!verify_error_.empty()) {
        certificate_rejected_ = true;
        error_ = verify_error_;
    } else {
        std::string detail = openssl_errors();
        error_ = std::string(what) + (detail.empty() ? "" : ": " + detail);
    }
    return Result::Failed;
}

TlsSession::Result TlsSession::start() { return step_handshake(); }

TlsSession::Result TlsSession::step_handshake() {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_);
    if (r == 1) {
        handshake_done_ = true;
        return Result::Ok;
    }
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Result::Ok;
    return failed("handshake failed");
}

TlsSession::Result TlsSession::on_ciphertext(std::string_view bytes, std::string *plaintext) {
    if (!bytes.empty() && BIO_write(in_, bytes.data(), int(bytes.size())) != int(bytes.size()))
        return failed("buffer write failed");
    if (!handshake_done_) {
        if (step_handshake() == Result::Failed) return Result::Failed;
        if (!handshake_done_) return Result::Ok;
    }
    char buf[16384];
    for (;;) {
        ERR_clear_error();
        int n = SSL_read(ssl_, buf, sizeof buf);
        if (n > 0) {
            plaintext->append(buf, size_t(n));
            continue;
        }
        int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Result::Ok;
        if (e == SSL_ERROR_ZERO_RETURN) return Result::Ok;  // close_notify: the TCP close follows
        return failed("read failed");
    }
}

TlsSession::Result TlsSession::write(std::string_view plaintext) {
    while (!plaintext.empty()) {
        ERR_clear_error();
        int chunk = int(std::min<size_t>(plaintext.size(), 1u << 20));
        int n = SSL_write(ssl_, plaintext.data(), chunk);
        if (n <= 0) return failed("write failed");
        plaintext.remove_prefix(size_t(n));
    }
    return Result::Ok;
}

std::string TlsSession::take_ciphertext() {
    std::string out;
    size_t pending = BIO_ctrl_pending(out_);
    if (!pending) return out;
    out.resize(pending);
    int n = BIO_read(out_, &out[0], int(pending));
    out.resize(n > 0 ? size_t(n) : 0);
    return out;
}

}  // namespace realm::transport
