// realm-server's decoder of OpenAI request bodies (server/openai_request.cpp,
// cJSON), the same JSON for an openai-ws frame and an HTTP POST body. One
// input is one frame / body, validated for both endpoints and transports,
// with faults on and off.
// Invariants:
//  - parse_json accepts only valid UTF-8;
//  - an accepted request has valid UTF-8 strings (model, prompt, stop,
//    request_id) and non-empty stop strings;
//  - a refusal has a message and a 4xx status.
#include "fuzz_support.h"
#include "openai_request.h"

using namespace realm;
using namespace realm::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    JsonPtr root = parse_json(in);
    if (!root) return 0;
    FUZZ_CHECK(fuzz::utf8(in), "parse_json accepted invalid UTF-8");
    if (auto id = request_id_of(root.get())) FUZZ_CHECK(fuzz::utf8(*id), "request_id not valid UTF-8");

    for (bool faults : {false, true}) {
        ServerOptions options;
        options.enable_faults = faults;
        for (OpenAiDialect dialect : {OpenAiDialect::Chat, OpenAiDialect::Completions}) {
            for (OpenAiTransport transport : {OpenAiTransport::WebSocket, OpenAiTransport::Http}) {
                OpenAiRequest req;
                OpenAiError err;
                if (!validate_openai_request(root.get(), dialect, transport, options, &req, &err)) {
                    FUZZ_CHECK(!err.message.empty(), "refusal without a message");
                    FUZZ_CHECK(err.http_status >= 400 && err.http_status < 500,
                               "refusal with status " + std::to_string(err.http_status));
                    continue;
                }
                FUZZ_CHECK(fuzz::utf8(req.model) && fuzz::utf8(req.prompt), "model or prompt not valid UTF-8");
                for (auto &s : req.stop) FUZZ_CHECK(fuzz::utf8(s) && !s.empty(), "bad stop string");
                if (req.request_id) FUZZ_CHECK(fuzz::utf8(*req.request_id), "request_id not valid UTF-8");
            }
        }
    }
    return 0;
}
