// The offline token estimate of the Tekton client (tekton.md 6.5, 7.3):
// len(text) // 4 + 1, where len counts Unicode code points (Python str
// length). A real tokenizer is the caller's business.
#pragma once

#include <cstdint>
#include <string_view>

namespace realm::core {

// The estimate for UTF-8 `text`, or -1 when `text` is not valid UTF-8.
int64_t estimate_tokens(std::string_view text);

}  // namespace realm::core
