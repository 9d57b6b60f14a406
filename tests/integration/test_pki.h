// A private PKI made at test time with the OpenSSL API (keys are never
// committed): a CA, an unrelated CA, and server certificates that are good,
// for another host name, expired, self-signed, or issued by the unrelated CA.
#pragma once

#include <string>

namespace realm::test {

struct TestPki {
    std::string dir;            // all files below live here
    std::string ca;             // ca.pem: the CA clients are told to trust
    std::string other_ca;       // other-ca.pem: a CA nobody trusts
    std::string bundle;         // bundle.pem: other-ca.pem then ca.pem
    // Server certificate + key pairs (PEM), all with P-256 keys.
    struct Pair {
        std::string cert, key;
    };
    Pair good;         // DNS:localhost, signed by ca
    Pair wrong_host;   // DNS:wrong.example, signed by ca
    Pair expired;      // DNS:localhost, signed by ca, expired yesterday
    Pair self_signed;  // DNS:localhost, its own issuer
    Pair unknown_ca;   // DNS:localhost, signed by other_ca
};

// Creates the files in a new temp folder (once per process) and returns
// them; on failure `dir` is empty and *error says why.
const TestPki &test_pki(std::string *error = nullptr);

}  // namespace realm::test
