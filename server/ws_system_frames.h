// Encoders of ws-system's server frames (ws-system.md 3, 4), built without
// a JSON tree in the member order upstream's object literals give them
// (JSON.stringify keeps insertion order and drops undefined members, so an
// absent id is simply left out). `*_json` arguments are JSON texts, echoed
// raw: a client id may be any JSON value, and upstream echoes it unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace realm::server::ws_system {

// Milliseconds since the Unix epoch: every frame's "timestamp".
uint64_t wall_ms();

std::string challenge(std::string_view challenge_hex);
std::string auth_ok();
// `extra_name` ("remainingAttempts", "retryAfter" or null) with `extra`.
std::string auth_failed(std::string_view error, const char *extra_name, uint64_t extra);

// {"type":"error","error",["code"],"timestamp"}: connection-level errors
// (unauthorized, auth_timeout, server_error, unsupported type). `code` may be null.
std::string connection_error(std::string_view error, const char *code);
// {"type":"error",["id"],"error","timestamp"}: generate field errors and
// stop errors (no code).
std::string request_error(std::string_view id_json, std::string_view error);
// {"id","type":"error","error","code":"generation_error","timestamp"}.
std::string generation_error(std::string_view id_json, std::string_view error);

std::string stream_start(std::string_view id_json, std::string_view model_json);
std::string stream_token(std::string_view id_json, std::string_view token);
std::string stream_end(std::string_view id_json, uint64_t total_tokens, uint64_t elapsed_ms);
std::string stream_cancelled(std::string_view id_json);  // isCancelled:true, rule (a)
std::string ack_stop(std::string_view id_json, std::string_view request_id_json);
std::string pong(std::string_view id_json);
std::string models_result(std::string_view id_json, std::string_view models_array_json);

}  // namespace realm::server::ws_system
