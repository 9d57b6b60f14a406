// estimateTokens(text): the core's offline token estimate
// (realm_estimate_tokens, tekton.md 6.5), for the Tekton client's token
// utilities (node/tekton_tokens.js). Kept in the core so that Node, Python
// and C count alike.
#pragma once

#include <napi.h>

namespace realm_node {

// estimateTokens(text: string) -> number: code points / 4 (rounded down) + 1.
// A NUL character counts as text; a non-string or a lone surrogate throws
// INVALID_ARGUMENT.
Napi::Value EstimateTokens(const Napi::CallbackInfo &info);

}  // namespace realm_node
