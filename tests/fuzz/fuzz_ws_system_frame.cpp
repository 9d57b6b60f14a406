// The ws-system frame reader and dialect (src/protocol/ws_system/). One input
// holds several messages separated by '\n', read in turn by one dialect
// (which reuses its arena) and by a fresh handshake each.
// Invariants:
//  - decoding never crashes, leaks or reads out of bounds (ASan);
//  - a message decodes the same after different histories (arena reuse);
//  - a valid UTF-8 message never yields invalid UTF-8 strings when accepted;
//  - the handshake answers any sequence with steps, and a Fail always says why.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "fuzz_support.h"
#include "protocol/registry.h"

using namespace realm;
using namespace realm::protocol;

namespace {

// One key for the whole run (signing only happens for "challenge" frames).
const std::string &key_pem() {
    static std::string pem = [] {
        EVP_PKEY *k = EVP_EC_gen("P-256");  // signs faster than RSA: more runs per second
        BIO *b = BIO_new(BIO_s_mem());
        PEM_write_bio_PKCS8PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
        char *data = nullptr;
        long n = BIO_get_mem_data(b, &data);
        std::string out(data, size_t(n));
        BIO_free(b);
        EVP_PKEY_free(k);
        return out;
    }();
    return pem;
}

std::unique_ptr<Dialect> make() {
    DialectConfig c;
    c.client_id = "fuzz";
    c.private_key_pem = key_pem();
    return make_dialect("ws-system", c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    static auto dialect = make();
    static auto other = make();  // parsing a key per message would be most of the run
    for (std::string_view msg : fuzz::split(in, '\n')) {
        std::string copy(msg);  // its own heap copy: a view kept into an earlier message is a use-after-free
        InboundFrame a, b;
        dialect->decode(copy, a);
        // The same message after a different history.
        other->decode("{\"type\":\"stream_token\",\"id\":\"\\u00e9\",\"token\":\"x\"}", b);
        other->decode(copy, b);
        if (!fuzz::same(a, b)) {
            const std::string da = fuzz::describe(a), db = fuzz::describe(b);
            FUZZ_CHECK(da == db, "long-lived and fresh dialect differ:\n " + da + "\n " + db);
        }
        if (fuzz::utf8(copy)) fuzz::check_strings_utf8(a, "ws-system decode");

    }
    // The handshake, fed the messages in order (it signs at most once).
    auto hs = other->new_handshake();
    for (std::string_view msg : fuzz::split(in, '\n')) {
        HandshakeStep step = hs->on_message(std::string(msg));
        if (step.kind == HandshakeStep::Kind::Fail) {
            FUZZ_CHECK(!step.message.empty(), "a handshake failure without a reason");
            break;
        }
        if (step.kind == HandshakeStep::Kind::Ready) break;
    }
    return 0;
}
