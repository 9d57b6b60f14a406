// A Tekton chat request as both transports of the reference server read it:
// the HTTP body of POST /api/v1/chat[/stream] (tekton.md 2.3) and the
// WebSocket GENERATE / STREAM / CHAT / CHAT_STREAM frames (3.2) share their
// members (messages or prompt, context_id, model_id, options, system_prompt).
#pragma once

#include <string>

#include <cjson/cJSON.h>

#include "openai_request.h"
#include "options.h"
#include "upstream_feed.h"

namespace realm::server {

struct TektonChat {
    // What the synthetic model answers (prompt, prompt_tokens, max_tokens,
    // stop) and what a gateway forwards (messages, temperature).
    OpenAiRequest req;
    std::string model;         // the model that answers
    bool model_given = false;  // model_id was sent
    std::string context_id;
};

// Where the text of a request is.
enum class TektonText {
    Messages,        // `messages` (HTTP; WebSocket CHAT / CHAT_STREAM)
    Prompt,          // `prompt` (WebSocket GENERATE / STREAM)
};

// Reads the request members of `root` (a JSON object). On the WebSocket
// (`system_prompt` true) a `system_prompt` member becomes the first message;
// the HTTP routes ignore it as they always have. Returns "" or the error
// text the server answers with (HTTP 400 / an ERROR frame).
std::string read_tekton_chat(const ServerOptions &o, const cJSON *root, TektonText text, bool system_prompt,
                             TektonChat *out);

// The members every reply of the request shares after its text, starting
// with a comma: context_id, model, provider, timestamp (now).
std::string tekton_common_members(const TektonChat &chat);

// What the gateway asks its upstream for; `dialect` names the asker in /metrics.
UpstreamAsk tekton_upstream_ask(const TektonChat &chat, const char *dialect);

}  // namespace realm::server
