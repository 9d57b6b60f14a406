// The Tekton reply reader (src/protocol/tekton/tekton_codec.cpp) through the
// tekton-ws dialect, its REGISTER handshake, and the HTTP tekton dialect that
// shares the reader. One input holds several messages separated by '\n'.
// Invariants:
//  - the same message decodes the same with a dialect that decoded other
//    messages before (arena reuse) and with a fresh one;
//  - a valid UTF-8 message never yields invalid UTF-8 strings;
//  - Invalid always says why; a reply (PONG) only answers a PING; request
//    frames (Token / Complete / Error) always name their request;
//  - the handshake takes any sequence: never Ready on a request frame, and
//    a failure always has a reason.
// Cost (as in fuzz_openai_frame): the frames live for the whole input (every
// decode begins with InboundFrame::clear()), and the "fresh" dialect is
// replaced by a new one only after a message it did not refuse. The dialect
// learns nothing from a message; its only history is the arena, which every
// decode clears before use (JsonCursor), so a dialect that has only refused
// messages decodes like a new one, without a heap allocation per message.
#include <memory>

#include "fuzz_support.h"
#include "protocol/tekton/tekton_dialect.h"

using namespace realm;
using namespace realm::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    static auto stream = make_tekton_ws_dialect(DialectConfig{});
    static auto http = make_tekton_dialect(DialectConfig{});
    auto handshake = stream->new_handshake();
    handshake->on_open();
    bool handshaking = true;
    InboundFrame a, b, h;
    std::unique_ptr<Dialect> fresh;
    for (std::string_view msg : fuzz::split(in, '\n')) {
        // Each message from its own heap copy: a view kept into an earlier
        // message is then a use-after-free.
        std::string copy(msg);
        const bool utf8 = fuzz::utf8(copy);
        stream->decode(copy, a);
        if (!fresh) fresh = make_tekton_ws_dialect(DialectConfig{});
        fresh->decode(copy, b);
        if (!fuzz::same(a, b)) {
            const std::string da = fuzz::describe(a), db = fuzz::describe(b);
            FUZZ_CHECK(da == db, "a dialect with history and a fresh one differ:\n " + da + "\n " + db);
        }
        FUZZ_CHECK(a.reply == b.reply, "the reply depends on history");
        if (utf8) fuzz::check_strings_utf8(a, "tekton-ws decode");
        if (a.kind == FrameKind::Invalid) FUZZ_CHECK(!a.problem.empty(), "Invalid without a reason");
        if (!a.reply.empty())
            FUZZ_CHECK(a.kind == FrameKind::Ignore && a.reply == "{\"type\":\"PONG\"}",
                       "a reply to something other than PING: " + copy);
        if (a.kind == FrameKind::Token || a.kind == FrameKind::Complete || a.kind == FrameKind::Error)
            FUZZ_CHECK(a.has_id && !a.id.empty(), "a request frame without request_id: " + copy);

        http->decode(copy, h);
        if (utf8) fuzz::check_strings_utf8(h, "tekton (HTTP) decode");

        if (handshaking && utf8) {
            HandshakeStep s = handshake->on_message(copy);
            if (s.kind == HandshakeStep::Kind::Ready)
                FUZZ_CHECK(a.kind == FrameKind::Ignore || a.kind == FrameKind::Invalid,
                           "Ready on a request frame: " + copy);
            if (s.kind == HandshakeStep::Kind::Fail) FUZZ_CHECK(!s.message.empty(), "a failure without a reason");
            handshaking = s.kind == HandshakeStep::Kind::Wait;
        }
        // Only now: b's views may point into the fresh dialect's arena.
        if (b.kind != FrameKind::Invalid) fresh.reset();
    }
    return 0;
}
