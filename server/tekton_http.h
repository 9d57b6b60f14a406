// The Tekton HTTP routes (tekton.md 2 and 4, HTTP part): health, providers,
// chat as one JSON object or as an SSE body. Answers are built whole (no
// pacing): Tekton streams are for the protocol tests, not for benchmarks.
//
//   GET  /api/v1/health        {"status":"healthy"} (no key needed)
//   GET  /api/v1/providers     the fixed provider "realm" with the server's models
//   POST /api/v1/chat          {"content","model","provider","finish_reason","usage",...}
//   POST /api/v1/chat/stream   data: {"chunk",...,"done":false} ... final done:true chunk, data: [DONE]
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http_request.h"
#include "http_router.h"
#include "server_state.h"
#include "upstream_feed.h"

namespace realm::server {

struct TektonAnswer {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string extra_headers;  // "Name: value\r\n" lines
    // Gateway mode: no body yet; the exchange runs a TektonStream with this.
    struct Upstream {
        UpstreamAsk ask;
        bool stream = false;
        std::string common;  // the members after the text (see TektonStream)
        uint64_t prompt_tokens = 0;
    };
    std::optional<Upstream> upstream;
};

// True for the routes served here.
bool is_tekton_route(HttpRoute route);

// The whole answer to one Tekton request. `body_too_big`: the body was over
// the size limit and dropped.
TektonAnswer tekton_answer(ServerState &state, HttpRoute route, const Credentials &credentials,
                           std::string_view body, bool body_too_big);

}  // namespace realm::server
