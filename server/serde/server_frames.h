// Encoders for every frame the reference server sends. Key order follows
// upstream (envelope: id, status, data|error; nested objects sorted), so a
// byte-level diff against upstream output stays small. `id_json` arguments
// are already-encoded JSON string literals (see wire::append_json_string):
// a request's id is escaped once and reused for all of its frames.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace realm::frames {

std::string json_string(std::string_view s);  // quoted + escaped literal

// Welcome: {"status":"connected","tenant_id":…,"version":…[,"extensions":[…]]}
std::string welcome(const std::optional<std::string> &tenant, std::string_view version, bool with_extensions);
std::string auth_required();
std::string auth_success(std::string_view tenant);
std::string auth_failed(std::string_view error);
std::string binary_not_supported();

// {"id":…,"status":"complete","data":<data_json>}
std::string complete(std::string_view id_json, std::string_view data_json);
// {"id":…,"status":"error","error":{"code":…,"message":…[,"details":<details_json>]}}
std::string error(std::string_view id_json, std::string_view code, std::string_view message,
                  std::string_view details_json = {});
// {"id":…,"status":"cancelled","data":{"tokens_generated":N}}
std::string cancelled(std::string_view id_json, uint64_t tokens_generated);
// {"id":…,"status":"complete","data":{"status":"complete","tokens_generated":N}}
std::string stream_complete(std::string_view id_json, uint64_t tokens_generated);

// Hot path: appends {"id":…,"status":"streaming","data":{"index":N,"is_final":B,"text":<text_json>}}
// to `out` without allocating when `out` has capacity.
void append_token(std::string &out, std::string_view id_json, uint64_t index, bool is_final,
                  std::string_view text_json);

void append_uint(std::string &out, uint64_t v);

}  // namespace realm::frames
