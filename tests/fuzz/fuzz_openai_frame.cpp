// The openai-ws / SSE chunk decoder (src/protocol/openai/openai_codec.cpp).
// One input holds several messages separated by '\n' (a stream: the decoder
// keeps the last content chunk as a template for the next ones).
// Invariants:
//  - the template hot path agrees with the full decoder: each message decodes
//    the same with the stream's decoder and with a fresh one;
//  - a valid UTF-8 message never yields invalid UTF-8 strings when accepted;
//  - the openai-ws dialect (which wraps the decoder) takes any message, with
//    the same UTF-8 rule.
#include "fuzz_support.h"
#include "protocol/openai/openai_codec.h"
#include "protocol/openai/openai_dialects.h"

using namespace realm;
using namespace realm::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    openai::Decoder stream;
    static DialectConfig cfg = [] {
        DialectConfig c;
        c.path = "/v1/chat/completions";
        c.multiplex = true;
        return c;
    }();
    static auto ws = make_openai_ws_dialect(cfg);
    for (std::string_view msg : fuzz::split(in, '\n')) {
        // Each message from its own heap copy: a view kept into an earlier
        // message is then a use-after-free.
        std::string copy(msg);
        InboundFrame a, b;
        stream.decode(copy, a);
        openai::Decoder fresh;
        fresh.decode(copy, b);
        const std::string da = fuzz::describe(a), db = fuzz::describe(b);
        FUZZ_CHECK(da == db, "template path and full decoder differ:\n " + da + "\n " + db);
        if (fuzz::utf8(copy)) fuzz::check_strings_utf8(a, "openai decode");

        InboundFrame w;
        ws->decode(copy, w);
        if (fuzz::utf8(copy)) fuzz::check_strings_utf8(w, "openai-ws dialect");
    }
    return 0;
}
