// Signs ws-system authentication challenges (ws-system.md 3.2): the challenge
// string exactly as received, RSASSA-PKCS1-v1_5 (or ECDSA with a DER
// signature for an EC key) over SHA-256 / SHA-384 / SHA-512, as canonical
// base64. The private key is parsed once and kept only in memory; nothing
// here ever logs it or puts it in an error message.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace realm::protocol::ws_system {

class ChallengeSigner {
public:
    // Parses a PEM private key (PKCS#8, traditional PKCS#1 RSA or SEC1 EC;
    // encrypted PEM with `passphrase`) and an algorithm name (SHA256,
    // SHA384, SHA512 or the RSA-SHA* aliases, any case; "" = SHA256).
    // Returns nullptr and says why in *error (never quoting the key).
    static std::unique_ptr<ChallengeSigner> from_pem(std::string_view pem, std::string_view passphrase,
                                                     std::string_view algorithm, std::string *error);
    // Reads the PEM file at `path` once and parses it as from_pem does.
    static std::unique_ptr<ChallengeSigner> from_file(const std::string &path, std::string_view passphrase,
                                                      std::string_view algorithm, std::string *error);
    // True when `name` is an algorithm from_pem accepts.
    static bool known_algorithm(std::string_view name);

    ~ChallengeSigner();
    ChallengeSigner(const ChallengeSigner &) = delete;
    ChallengeSigner &operator=(const ChallengeSigner &) = delete;

    // The base64 signature of `challenge`; false (and *error) if signing failed.
    bool sign(std::string_view challenge, std::string *base64, std::string *error) const;

private:
    struct Key;
    explicit ChallengeSigner(std::unique_ptr<Key> key);
    std::unique_ptr<Key> key_;
};

}  // namespace realm::protocol::ws_system
