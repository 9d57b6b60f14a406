// Names and rules of the Realm wire protocol (../docs/protocol.md, realm.md
// upstream) shared by the client codec and the reference server, so that both
// sides spell every field, status and code the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace realm::wire {

// Envelope fields.
inline constexpr std::string_view kId = "id";
inline constexpr std::string_view kFunction = "function";
inline constexpr std::string_view kParams = "params";
inline constexpr std::string_view kTenantId = "tenant_id";
inline constexpr std::string_view kStatus = "status";
inline constexpr std::string_view kData = "data";
inline constexpr std::string_view kError = "error";

// Response statuses.
inline constexpr std::string_view kStreaming = "streaming";
inline constexpr std::string_view kComplete = "complete";
inline constexpr std::string_view kErrorStatus = "error";
inline constexpr std::string_view kCancelled = "cancelled";
inline constexpr std::string_view kConnected = "connected";  // welcome

// Handshake frame types.
inline constexpr std::string_view kAuth = "auth";
inline constexpr std::string_view kAuthRequired = "auth_required";
inline constexpr std::string_view kAuthSuccess = "auth_success";
inline constexpr std::string_view kAuthFailed = "auth_failed";

// Functions.
inline constexpr std::string_view kGenerate = "generate";
inline constexpr std::string_view kPipeline = "pipeline";
inline constexpr std::string_view kHealth = "health";
inline constexpr std::string_view kMetadata = "metadata";
inline constexpr std::string_view kCancel = "cancel";  // extension "cancel"

// Error codes the server emits.
inline constexpr std::string_view kUnauthorized = "UNAUTHORIZED";
inline constexpr std::string_view kRateLimitExceeded = "RATE_LIMIT_EXCEEDED";
inline constexpr std::string_view kDispatchError = "DISPATCH_ERROR";
inline constexpr std::string_view kInternalError = "INTERNAL_ERROR";
inline constexpr std::string_view kBackendError = "BACKEND_ERROR";  // extension "terminal"

// Extensions announced in the welcome's "extensions" array.
inline constexpr std::string_view kExtInterleave = "interleave";
inline constexpr std::string_view kExtCancel = "cancel";
inline constexpr std::string_view kExtRetryAfter = "retry_after";
inline constexpr std::string_view kExtTerminal = "terminal";

// Tenant id rules of realm.md section 8.1: 3..64 bytes of Unicode
// alphanumerics, '-' or '_'. Returns "" when valid, else the server's message.
std::string tenant_id_problem(std::string_view tenant);

// Appends `s` to `out` as a JSON string literal (with quotes). Control
// characters, '"' and '\\' are escaped; other bytes are copied (the input is
// expected to be valid UTF-8).
void append_json_string(std::string &out, std::string_view s);

// Appends code point `cp` (<= U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string &out, uint32_t cp);
// Value of a hexadecimal digit, or -1.
int hex_digit_value(unsigned char c);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Parses "Try again in N seconds" out of a rate-limit message; returns N or -1.
long long parse_retry_after_seconds(std::string_view message);

}  // namespace realm::wire
