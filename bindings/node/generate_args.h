// The arguments of NativeClient.generate (generate, generateStream, chat and
// chatStream in node/client.js) read into a realm_generate_params_t. The
// strings the params point to are owned here, so a GenerateArgs must outlive
// the realm_generate call that reads `params`.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "realm/realm.h"

namespace realm_node {

struct GenerateArgs {
    realm_generate_params_t params = REALM_GENERATE_PARAMS_INIT;
    std::string prompt, model, extra;
    std::vector<std::string> texts;  // chat: role, content, role, content, ...
    std::vector<realm_message_t> messages;
    std::vector<std::string> stops;
    std::vector<const char *> stop_ptrs;
};

// Positional, from info[first]:
//   prompt, model, max_tokens, temperature, top_p, top_k, repetition_penalty,
//   stream, extraJson, (timeout, idleTimeout: skipped, see CallOpts),
//   messages, stop, presencePenalty, frequencyPenalty, seed, systemPrompt.
// With `messages` (an array of { role, content }) the request is a chat and
// `prompt` is not read; `systemPrompt` then comes first as a "system"
// message. Types are checked here (throwing INVALID_ARGUMENT naming the
// option); ranges are the core's. `stream_all` forces params.stream.
void ReadGenerateArgs(const Napi::CallbackInfo &info, size_t first, bool stream_all, GenerateArgs *out);

}  // namespace realm_node
