// Realm frames (src/protocol/realm/realm_decode.cpp): one input is one
// server text frame.
// Invariants:
//  - decoding is a function of the frame: a dialect that decoded the
//    previous inputs and one that just decoded another frame (arena reuse)
//    give the same result;
//  - the token hot path agrees with the full decoder: "{ " + the rest (which
//    the hot path refuses) decodes to the same frame (problem text aside);
//  - a valid UTF-8 frame never yields invalid UTF-8 strings when accepted;
//  - the handshake state machine takes any frame without crashing.
#include "fuzz_support.h"
#include "protocol/realm/realm_dialect.h"

using namespace realm;
using namespace realm::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    // Dialects live across inputs (making one draws a random tenant UUID).
    static auto first = make_realm_dialect();
    static auto reused = make_realm_dialect();
    static std::unique_ptr<RealmDialect> keyed[2] = {make_realm_dialect(), [] {
                                                          DialectConfig cfg;
                                                          cfg.api_key = "sk-test";
                                                          return make_realm_dialect(cfg);
                                                      }()};
    InboundFrame a;
    first->decode(in, a);
    const std::string da = fuzz::describe(a);
    if (fuzz::utf8(in)) fuzz::check_strings_utf8(a, "realm decode");

    InboundFrame b;
    reused->decode(R"({"id":"r1","status":"error","error":{"code":"RATE_LIMIT_EXCEEDED","message":"Try again in 7 seconds \u00e9"}})", b);
    reused->decode(in, b);
    FUZZ_CHECK(fuzz::describe(b) == da, "reused dialect differs:\n " + fuzz::describe(b) + "\n " + da);

    if (!in.empty() && in[0] == '{') {
        std::string spaced = "{ " + std::string(in.substr(1));
        InboundFrame c;
        reused->decode(spaced, c);
        // data_json is the result payload of Complete frames; the hot path
        // leaves it empty in token frames, the full decoder does not.
        if (a.kind == FrameKind::Token && c.kind == FrameKind::Token) a.data_json = c.data_json = {};
        const std::string da = fuzz::describe(a);
        if (a.kind == FrameKind::Invalid || c.kind == FrameKind::Invalid) {
            FUZZ_CHECK(a.kind == c.kind, "hot path and full decoder disagree on validity:\n " + fuzz::describe(c) +
                                             "\n " + da);
        } else {
            FUZZ_CHECK(fuzz::describe(c) == da, "hot path and full decoder differ:\n " + fuzz::describe(c) + "\n " + da);
        }
    }

    for (auto &d : keyed) {
        auto hs = d->new_handshake();
        hs->on_open();
        HandshakeStep step = hs->on_message(in);
        if (step.kind == HandshakeStep::Kind::Ready) (void)hs->session();
        if (step.kind == HandshakeStep::Kind::Fail) FUZZ_CHECK(step.status != REALM_OK, "a failed handshake has status OK");
    }
    return 0;
}
