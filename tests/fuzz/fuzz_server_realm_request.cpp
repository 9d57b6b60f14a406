// realm-server's decoder of client frames (server/serde: the emulation of
// upstream's serde_json), as Session and the dispatcher use it: the auth
// frame, the function call, then the generate params. One input is one
// client text frame.
// Invariants:
//  - decode_value accepts exactly what protocol::is_valid_json accepts (the
//    client checks extra JSON with the server's rules);
//  - an accepted value written back as JSON (append_json) is valid JSON and
//    decodes to the same text again;
//  - a frame that decodes as a function call or auth message is a JSON value;
//    their strings are valid UTF-8 when the frame is (the session refuses
//    invalid UTF-8 before decoding);
//  - every refusal has a message.
#include "fuzz_support.h"
#include "serde/server_params.h"
#include "serde/server_serde.h"

using namespace realm;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    const bool in_utf8 = fuzz::utf8(in);
    std::string err;

    serde::Value v;
    const bool is_value = serde::decode_value(in, &v, &err);
    std::string why;
    const bool valid = protocol::is_valid_json(in, &why);
    FUZZ_CHECK(is_value == valid, "serde decode_value (" + std::to_string(is_value) + ": " + err +
                                      ") and is_valid_json (" + std::to_string(valid) + ": " + why + ") disagree");
    if (!is_value) FUZZ_CHECK(!err.empty(), "decode_value refused without a message");
    if (is_value) {
        std::string text;
        v.append_json(text);
        FUZZ_CHECK(protocol::is_valid_json(text), "append_json wrote invalid JSON: " + text);
        serde::Value w;
        std::string err2;
        FUZZ_CHECK(serde::decode_value(text, &w, &err2), "append_json output does not decode: " + err2);
        std::string text2;
        w.append_json(text2);
        FUZZ_CHECK(text2 == text, "JSON round trip is not stable:\n " + text + "\n " + text2);
    }

    serde::AuthMessage auth;
    err.clear();
    if (serde::decode_auth_message(in, &auth, &err)) {
        FUZZ_CHECK(is_value, "an auth message that is not a JSON value");
        FUZZ_CHECK(!in_utf8 || (fuzz::utf8(auth.type) && fuzz::utf8(auth.api_key)), "auth strings not valid UTF-8");
    } else {
        FUZZ_CHECK(!err.empty(), "decode_auth_message refused without a message");
    }

    serde::FunctionCall call;
    err.clear();
    if (!serde::decode_function_call(in, &call, &err)) {
        FUZZ_CHECK(!err.empty(), "decode_function_call refused without a message");
        return 0;
    }
    FUZZ_CHECK(is_value, "a function call that is not a JSON value");
    FUZZ_CHECK(!in_utf8 || (fuzz::utf8(call.id) && fuzz::utf8(call.function)), "call strings not valid UTF-8");
    if (call.tenant_id) {
        FUZZ_CHECK(!in_utf8 || fuzz::utf8(*call.tenant_id), "tenant not valid UTF-8");
        (void)wire::tenant_id_problem(*call.tenant_id);
    }
    serde::GenerateOptions g;
    std::string gerr = serde::decode_generate_options(call.params, &g);
    if (gerr.empty() && in_utf8) FUZZ_CHECK(fuzz::utf8(g.prompt), "prompt not valid UTF-8");
    if (const serde::Value *d = call.params.get("delay_ms")) {
        uint64_t ms;
        (void)serde::value_to_unsigned(*d, "u64", 3600000, &ms);
    }
    if (const serde::Value *s = call.params.get("stamp")) {
        bool b;
        (void)serde::value_to_bool(*s, &b);
    }
    if (const serde::Value *p = call.params.get("pipeline")) {
        std::string name;
        (void)serde::value_to_string(*p, &name);
    }
    return 0;
}
