// The openai-ws / SSE chunk decoder (src/protocol/openai/openai_codec.cpp).
// One input holds several messages separated by '\n' (a stream: the decoder
// keeps the last content chunk as a template for the next ones).
// Invariants:
//  - the template hot path agrees with the full decoder: each message decodes
//    the same with the stream's decoder and with a fresh one;
//  - a valid UTF-8 message never yields invalid UTF-8 strings when accepted;
//  - the openai-ws dialect (which wraps the decoder) takes any message, with
//    the same UTF-8 rule.
// Cost: the two decodes are compared field by field (bit for bit for the
// doubles) and fuzz::describe() (35 snprintf/to_string calls per frame, most
// of the time of this harness before) runs only when a field differs: then
// the two descriptions decide, as before. Each message is checked for UTF-8
// once. The three frames live for the whole input (every decode begins with
// InboundFrame::clear(), which resets every field). The "fresh" decoder is
// replaced by a new one after any message it did not refuse: a decoder that
// has returned only Invalid frames has learnt no template (the template is
// learnt from Token frames only; the full decoder resets its other state) and
// so decodes like a new one, without a new arena allocation per message.
#include <optional>

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
    // One frame per decoder for the whole input: every decode starts with
    // InboundFrame::clear(), which resets every field.
    InboundFrame a, b, w;
    std::optional<openai::Decoder> fresh;
    for (std::string_view msg : fuzz::split(in, '\n')) {
        // Each message from its own heap copy: a view kept into an earlier
        // message is then a use-after-free.
        std::string copy(msg);
        stream.decode(copy, a);
        if (!fresh) fresh.emplace();
        fresh->decode(copy, b);
        if (!fuzz::same(a, b)) {
            const std::string da = fuzz::describe(a), db = fuzz::describe(b);
            FUZZ_CHECK(da == db, "template path and full decoder differ:\n " + da + "\n " + db);
        }
        const bool utf8 = fuzz::utf8(copy);
        if (utf8) fuzz::check_strings_utf8(a, "openai decode");

        ws->decode(copy, w);
        if (utf8) fuzz::check_strings_utf8(w, "openai-ws dialect");
        // It may have learnt a template: the next message gets a new decoder
        // (only now, b's views may point into its arena).
        if (b.kind != FrameKind::Invalid) fresh.reset();
    }
    return 0;
}
