// The two OpenAI-compatible dialects: openai-ws (the Inferneo WebSocket API,
// openai-ws.md) and openai-http (OpenAI-compatible HTTP servers streaming
// with Server-Sent Events: llama.cpp, vLLM, Ollama's /v1, OpenAI).
#pragma once

#include <memory>

#include "protocol/dialect.h"

namespace realm::protocol {

std::unique_ptr<Dialect> make_openai_ws_dialect(DialectConfig config);
std::unique_ptr<Dialect> make_openai_http_dialect(DialectConfig config);

}  // namespace realm::protocol
