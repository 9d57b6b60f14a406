#include "ws_system_crypto.h"

#include <algorithm>
#include <cctype>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/rand.h>

namespace realm::server {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int base64_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

const EVP_MD *digest_named(std::string_view algorithm) {
    std::string name(algorithm);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
    if (name.rfind("RSA-", 0) == 0) name.erase(0, 4);
    if (name.empty() || name == "SHA256") return EVP_sha256();
    if (name == "SHA384") return EVP_sha384();
    if (name == "SHA512") return EVP_sha512();
    return nullptr;
}

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};
struct DecoderDeleter {
    void operator()(OSSL_DECODER_CTX *c) const { OSSL_DECODER_CTX_free(c); }
};

}  // namespace

std::string random_hex(size_t n) {
    std::string bytes(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char *>(bytes.data()), static_cast<int>(n)) != 1) return {};
    std::string out;
    out.reserve(2 * n);
    for (unsigned char b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
    }
    return out;
}

std::string random_challenge_hex() { return random_hex(32); }

std::string base64_decode_lenient(std::string_view s) {
    std::string out;
    out.reserve(s.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : s) {
        if (c == '=') break;
        int v = base64_value(c);
        if (v < 0) continue;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;  // a dangling 6-bit group carries no whole byte: dropped
}

PublicKeyPtr parse_public_key_pem(std::string_view pem) {
    EVP_PKEY *key = nullptr;
    // No structure given: the decoder tries SubjectPublicKeyInfo and the
    // type-specific ones (PKCS#1 "RSA PUBLIC KEY") alike.
    std::unique_ptr<OSSL_DECODER_CTX, DecoderDeleter> dctx(
        OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", nullptr, nullptr, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
    if (!dctx) return nullptr;
    const auto *data = reinterpret_cast<const unsigned char *>(pem.data());
    size_t len = pem.size();
    if (!OSSL_DECODER_from_data(dctx.get(), &data, &len)) {
        EVP_PKEY_free(key);
        ERR_clear_error();  // stale errors would confuse lws's TLS error checks
        return nullptr;
    }
    return PublicKeyPtr(key);
}

bool verify_signature(EVP_PKEY *key, std::string_view algorithm, std::string_view message,
                      std::string_view signature) {
    const EVP_MD *md = digest_named(algorithm);
    if (!key || !md) return false;
    int type = EVP_PKEY_get_base_id(key);
    if (type != EVP_PKEY_RSA && type != EVP_PKEY_RSA_PSS && type != EVP_PKEY_EC) return false;
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    // RSA keys default to PKCS#1 v1.5 padding, EC keys to DER (r,s): what
    // Node's createVerify does with a plain PEM key.
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) {
        ERR_clear_error();
        return false;
    }
    int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(signature.data()), signature.size(),
                              reinterpret_cast<const unsigned char *>(message.data()), message.size());
    ERR_clear_error();  // a bad signature leaves errors on this thread's queue
    return rc == 1;
}

}  // namespace realm::server
