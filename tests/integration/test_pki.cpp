#include "test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace realm::test {
namespace {

struct KeyFree {
    void operator()(EVP_PKEY *k) const { EVP_PKEY_free(k); }
};
struct CertFree {
    void operator()(X509 *x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

constexpr long kDay = 24L * 3600;

Key new_key() {
    Key k(EVP_EC_gen("P-256"));
    if (!k) throw std::runtime_error("EC key generation failed");
    return k;
}

void add_ext(X509 *x, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext || X509_add_ext(x, ext, -1) != 1) {
        X509_EXTENSION_free(ext);
        throw std::runtime_error(std::string("cannot add extension ") + OBJ_nid2sn(nid) + "=" + value);
    }
    X509_EXTENSION_free(ext);
}

enum class Kind { Ca, Leaf, SelfSigned };

// issuer/issuer_key null: self-signed with `key`.
Cert new_cert(Kind kind, const std::string &cn, const char *dns, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
              long not_before_s, long not_after_s) {
    static long serial = 1;
    Cert x(X509_new());
    if (!x) throw std::runtime_error("X509_new failed");
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), not_before_s);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), not_after_s);
    X509_set_pubkey(x.get(), key);
    X509_NAME *name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(cn.c_str()), -1,
                               -1, 0);
    X509 *signer = issuer ? issuer : x.get();
    X509_set_issuer_name(x.get(), X509_get_subject_name(signer));
    add_ext(x.get(), signer, NID_subject_key_identifier, "hash");
    add_ext(x.get(), signer, NID_authority_key_identifier, "keyid:always");
    switch (kind) {
        case Kind::Ca:
            add_ext(x.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
            add_ext(x.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
            break;
        case Kind::Leaf:
            add_ext(x.get(), signer, NID_basic_constraints, "CA:FALSE");
            add_ext(x.get(), signer, NID_key_usage, "critical,digitalSignature");
            add_ext(x.get(), signer, NID_ext_key_usage, "serverAuth");
            break;
        case Kind::SelfSigned:  // as `openssl req -x509` makes them
            add_ext(x.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
            break;
    }
    if (dns) add_ext(x.get(), signer, NID_subject_alt_name, (std::string("DNS:") + dns).c_str());
    if (X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256()) <= 0)
        throw std::runtime_error("signing " + cn + " failed");
    return x;
}

std::string pem(X509 *x) {
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string s(data, size_t(n));
    BIO_free(b);
    return s;
}

std::string pem(EVP_PKEY *k) {
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
    char *data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string s(data, size_t(n));
    BIO_free(b);
    return s;
}

std::string write(const std::string &dir, const std::string &name, const std::string &text) {
    std::string path = dir + "/" + name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) throw std::runtime_error("cannot write " + path);
    chmod(path.c_str(), 0600);
    return path;
}

TestPki make(std::string *error) {
    TestPki p;
    char tmpl[] = "/tmp/realm-pki-XXXXXX";
    if (!mkdtemp(tmpl)) {
        *error = "mkdtemp failed";
        return p;
    }
    std::string dir = tmpl;
    try {
        Key ca_key = new_key(), other_key = new_key();
        Cert ca = new_cert(Kind::Ca, "librealm proxy test CA", nullptr, ca_key.get(), nullptr, nullptr, -kDay,
                           30 * kDay);
        Cert other = new_cert(Kind::Ca, "librealm unrelated CA", nullptr, other_key.get(), nullptr, nullptr, -kDay,
                              30 * kDay);
        p.ca = write(dir, "ca.pem", pem(ca.get()));
        p.other_ca = write(dir, "other-ca.pem", pem(other.get()));
        p.bundle = write(dir, "bundle.pem", pem(other.get()) + pem(ca.get()));

        auto leaf = [&](const std::string &name, Kind kind, const char *dns, X509 *issuer, EVP_PKEY *issuer_key,
                        long nb, long na) {
            Key k = new_key();
            Cert c = new_cert(kind, dns ? dns : name, dns, k.get(), issuer, issuer_key, nb, na);
            return TestPki::Pair{write(dir, name + ".pem", pem(c.get())), write(dir, name + ".key", pem(k.get()))};
        };
        p.good = leaf("good", Kind::Leaf, "localhost", ca.get(), ca_key.get(), -kDay, 30 * kDay);
        p.wrong_host = leaf("wrong-host", Kind::Leaf, "wrong.example", ca.get(), ca_key.get(), -kDay, 30 * kDay);
        p.expired = leaf("expired", Kind::Leaf, "localhost", ca.get(), ca_key.get(), -30 * kDay, -kDay);
        p.self_signed = leaf("self-signed", Kind::SelfSigned, "localhost", nullptr, nullptr, -kDay, 30 * kDay);
        p.unknown_ca = leaf("unknown-ca", Kind::Leaf, "localhost", other.get(), other_key.get(), -kDay, 30 * kDay);
    } catch (const std::exception &e) {
        *error = e.what();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        return TestPki{};
    }
    p.dir = dir;
    return p;
}

// Removes the folder at exit.
struct Holder {
    TestPki pki;
    std::string error;
    Holder() { pki = make(&error); }
    ~Holder() {
        std::error_code ec;
        if (!pki.dir.empty()) std::filesystem::remove_all(pki.dir, ec);
    }
};

}  // namespace

const TestPki &test_pki(std::string *error) {
    static Holder h;
    if (error) *error = h.error;
    return h.pki;
}

}  // namespace realm::test
