// The cryptography of ws-system authentication (ws-system.md 3.1, 3.2):
// challenges, upstream's lenient base64 and signature verification with the
// semantics of Node's crypto.createVerify(alg).verify(publicKeyPem, sig).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace realm::server {

struct EvpPkeyDeleter {
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
using PublicKeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// 32 bytes from RAND_bytes as 64 lowercase hex characters; "" if the
// generator fails (the caller must not send a guessable challenge).
std::string random_challenge_hex();

// `n` random bytes as lowercase hex (client ids of the key tool's format).
std::string random_hex(size_t n);

// Node's Buffer.from(s, "base64"): both alphabets (+/ and -_), characters
// outside them skipped, decoding stops at the first '=', missing padding
// tolerated. Never fails.
std::string base64_decode_lenient(std::string_view s);

// Any public key PEM Node's createPublicKey takes: SPKI ("PUBLIC KEY"),
// PKCS#1 ("RSA PUBLIC KEY"), EC. Null when it does not parse.
PublicKeyPtr parse_public_key_pem(std::string_view pem);

// Verifies `signature` over `message` with the registered algorithm name
// (SHA256, SHA384, SHA512 or RSA-SHA256/384/512, any case; empty = SHA256).
// RSA keys: PKCS#1 v1.5; EC keys: ECDSA with a DER signature. Any other
// algorithm name or key type (Ed25519...) never verifies, as upstream.
bool verify_signature(EVP_PKEY *key, std::string_view algorithm, std::string_view message,
                      std::string_view signature);

}  // namespace realm::server
