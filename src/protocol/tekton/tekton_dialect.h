// tekton: the HTTP/SSE side of the Tekton LLM client contract (tekton.md 2):
// POST /api/v1/chat (one JSON answer) and /api/v1/chat/stream (SSE read line
// by line, `data: ` lines only, ending at done:true, [DONE] or EOF), GET
// /api/v1/health and /api/v1/providers. Paths are absolute: the URL's path is
// dropped. Chosen only by the dialect option "tekton", never from a URL.
#pragma once

#include <memory>

#include "protocol/dialect.h"

namespace realm::protocol {

std::unique_ptr<Dialect> make_tekton_dialect(DialectConfig config);

// tekton-ws: the WebSocket side (tekton.md 3), multiplexed by request_id,
// REGISTER / REGISTER_ACK first (component_id = the option client_id, else
// "librealm"). Chosen only by the dialect option "tekton-ws".
std::unique_ptr<Dialect> make_tekton_ws_dialect(DialectConfig config);

}  // namespace realm::protocol
