// Reading an HTTP request (plain or WebSocket upgrade) from lws while its
// headers are still attached: method, path, query parameters, the Bearer
// key, and which OpenAI dialect (if any) a path selects.
#pragma once

#include <optional>
#include <string>

#include <libwebsockets.h>

#include "key_store.h"
#include "openai_request.h"

namespace realm::server {

enum class HttpMethod { Get, Post, Other };

HttpMethod request_method(lws *wsi);
std::string method_name(lws *wsi);  // "GET", "DELETE", ...
// The path without the query string ("" if unknown).
std::string request_path(lws *wsi);
// The URL-decoded value of query parameter `name`, if present.
std::optional<std::string> query_param(lws *wsi, const char *name);
// The key of an "Authorization: Bearer <key>" header, if present ("" for a
// header that is not a Bearer one, so that it counts as a bad credential).
std::optional<std::string> bearer_key(lws *wsi);

// /v1/chat/completions and /v1/completions select the OpenAI dialects; every
// other path is the Realm protocol (WebSocket) or the HTTP router's business.
std::optional<OpenAiDialect> openai_dialect_of(const std::string &path);

// Credentials presented on a request (openai-ws.md section 2).
struct Credentials {
    enum class State { None, Valid, Invalid } state = State::None;
    std::string tenant;  // when Valid
};
// Checks the Bearer header and, when `allow_query`, the `token` query
// parameter (WebSocket only: keys in URLs end up in logs). A present but bad
// one wins over a good one: the request is refused.
Credentials request_credentials(lws *wsi, const KeyStore &keys, bool allow_query);

}  // namespace realm::server
