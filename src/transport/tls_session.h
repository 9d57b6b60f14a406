// A TLS client session over memory buffers, for HTTP connections: lws 4.1.6
// cannot start TLS on a raw client socket (it tries the handshake before the
// TCP connect exists and fails; lib/core-net/connect.c), so HttpSocket
// connects in plaintext and runs TLS itself with OpenSSL: ciphertext read
// from the socket goes in with on_ciphertext(), what must be written to it
// comes out of take_ciphertext().
//
// Verification is on unless the user opted out: the system's CAs plus an
// optional CA file, the chain, the validity dates, and the host name or IP
// address (SNI is sent for names). Failures are explained by tls_verify.cpp.
// Loop thread only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct bio_st BIO;
typedef struct x509_store_ctx_st X509_STORE_CTX;

namespace realm::transport {

class TlsSession {
public:
    // nullptr and *error when the CA file cannot be loaded or OpenSSL fails.
    static std::unique_ptr<TlsSession> create(const std::string &host, const std::string &ca_file, bool insecure,
                                              std::string *error);
    ~TlsSession();
    TlsSession(const TlsSession &) = delete;
    TlsSession &operator=(const TlsSession &) = delete;

    enum class Result { Ok, Failed };

    // Starts the handshake (the ClientHello is then in take_ciphertext()).
    Result start();
    // Bytes read from the socket. Decrypted application data is appended to
    // *plaintext. Failed: error() says why (a certificate problem in words).
    Result on_ciphertext(std::string_view bytes, std::string *plaintext);
    // Encrypts application data (only once handshake_done()).
    Result write(std::string_view plaintext);
    // Everything to write to the socket now (handshake records, encrypted
    // data, alerts).
    std::string take_ciphertext();

    bool handshake_done() const { return handshake_done_; }
    // After Failed: the server's certificate was rejected (error() says why),
    // or else TLS itself failed (error() has OpenSSL's words).
    bool certificate_rejected() const { return certificate_rejected_; }
    const std::string &error() const { return error_; }

private:
    TlsSession() = default;
    Result step_handshake();
    Result failed(const char *what);

    SSL *ssl_ = nullptr;
    BIO *in_ = nullptr;   // owned by ssl_
    BIO *out_ = nullptr;  // owned by ssl_
    std::string host_;
    bool insecure_ = false;
    bool handshake_done_ = false;
    bool certificate_rejected_ = false;
    std::string verify_error_;  // filled by the verify callback
    std::string error_;

    friend int tls_session_verify_callback(int preverify_ok, X509_STORE_CTX *store);
};

}  // namespace realm::transport
