#include "protocol/ws_system/challenge_signer.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace realm::protocol::ws_system {
namespace {

// Node's createSign() names (ws-system.md 3.2); nullptr for an unknown one.
const EVP_MD *digest_for(std::string_view name) {
    std::string n;
    for (char c : name) n += char(std::toupper(static_cast<unsigned char>(c)));
    if (n.rfind("RSA-", 0) == 0) n.erase(0, 4);
    if (n.empty() || n == "SHA256") return EVP_sha256();
    if (n == "SHA384") return EVP_sha384();
    if (n == "SHA512") return EVP_sha512();
    return nullptr;
}

// Drops OpenSSL's queued errors: their text could describe the key.
void clear_openssl_errors() { ERR_clear_error(); }

int passphrase_cb(char *buf, int size, int, void *user) {
    auto *pass = static_cast<const std::string *>(user);
    if (!pass || pass->empty()) return 0;  // no passphrase: an encrypted key fails to load
    int n = int(std::min<size_t>(pass->size(), size_t(size)));
    std::memcpy(buf, pass->data(), size_t(n));
    return n;
}

}  // namespace

struct ChallengeSigner::Key {
    EVP_PKEY *pkey = nullptr;
    const EVP_MD *md = nullptr;
    ~Key() { EVP_PKEY_free(pkey); }
};

ChallengeSigner::ChallengeSigner(std::unique_ptr<Key> key) : key_(std::move(key)) {}
ChallengeSigner::~ChallengeSigner() = default;

bool ChallengeSigner::known_algorithm(std::string_view name) { return digest_for(name) != nullptr; }

std::unique_ptr<ChallengeSigner> ChallengeSigner::from_pem(std::string_view pem, std::string_view passphrase,
                                                           std::string_view algorithm, std::string *error) {
    const EVP_MD *md = digest_for(algorithm);
    if (!md) {
        *error = "unsupported signature algorithm (use SHA256, SHA384 or SHA512)";
        return nullptr;
    }
    if (pem.find("-----BEGIN") == std::string_view::npos) {
        *error = "the private key is not PEM (no -----BEGIN line)";
        return nullptr;
    }
    if (pem.find("PUBLIC KEY-----") != std::string_view::npos && pem.find("PRIVATE KEY-----") == std::string_view::npos) {
        *error = "the key is a public key; the client needs its private key";
        return nullptr;
    }
    BIO *bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
    if (!bio) {
        *error = "out of memory reading the private key";
        return nullptr;
    }
    std::string pass(passphrase);
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, nullptr, &passphrase_cb, &pass);
    BIO_free(bio);
    clear_openssl_errors();
    std::fill(pass.begin(), pass.end(), '\0');
    if (!pkey) {
        bool encrypted = pem.find("ENCRYPTED") != std::string_view::npos;
        *error = encrypted ? (passphrase.empty() ? "the private key is encrypted and no passphrase was given"
                                                 : "the private key could not be decrypted with the passphrase")
                           : "the private key PEM could not be parsed";
        return nullptr;
    }
    int type = EVP_PKEY_base_id(pkey);
    if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
        EVP_PKEY_free(pkey);
        // Ed25519/Ed448 never verify on the server (ws-system.md 3.2).
        *error = "the private key must be RSA or EC (the server cannot verify other key types)";
        return nullptr;
    }
    auto key = std::make_unique<Key>();
    key->pkey = pkey;
    key->md = md;
    return std::unique_ptr<ChallengeSigner>(new ChallengeSigner(std::move(key)));
}

std::unique_ptr<ChallengeSigner> ChallengeSigner::from_file(const std::string &path, std::string_view passphrase,
                                                            std::string_view algorithm, std::string *error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = "cannot read the private key file '" + path + "': " + std::strerror(errno);
        return nullptr;
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string pem = text.str();
    std::string why;
    auto signer = from_pem(pem, passphrase, algorithm, &why);
    std::fill(pem.begin(), pem.end(), '\0');
    if (!signer) *error = "private key file '" + path + "': " + why;
    return signer;
}

bool ChallengeSigner::sign(std::string_view challenge, std::string *base64, std::string *error) const {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        *error = "out of memory signing the challenge";
        return false;
    }
    size_t len = 0;
    std::string sig;
    bool ok = EVP_DigestSignInit(ctx, nullptr, key_->md, nullptr, key_->pkey) == 1 &&
              EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char *>(challenge.data()),
                             challenge.size()) == 1;
    if (ok) {
        sig.resize(len);
        ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(&sig[0]), &len,
                            reinterpret_cast<const unsigned char *>(challenge.data()), challenge.size()) == 1;
        sig.resize(len);
    }
    EVP_MD_CTX_free(ctx);
    clear_openssl_errors();
    if (!ok) {
        *error = "signing the challenge failed";
        return false;
    }
    // Canonical base64: standard alphabet, padded, no line breaks.
    std::string out(4 * ((sig.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(&out[0]),
                            reinterpret_cast<const unsigned char *>(sig.data()), int(sig.size()));
    out.resize(size_t(n));
    *base64 = std::move(out);
    return true;
}

}  // namespace realm::protocol::ws_system
