// Small JSON text helpers: quoting a string, numbers, re-indenting a JSON
// document the server sent (no tree is built).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace realm_cli {

// "text" with JSON escapes; UTF-8 passes through as is.
std::string json_quote(std::string_view text);
// A measured time in ms with 3 decimals, or null when negative (absent).
std::string json_ms(double ms);
// An integer, or null when negative (absent).
std::string json_count(int64_t n);
// Re-indents valid JSON with two spaces per level.
std::string json_pretty(std::string_view json);

}  // namespace realm_cli
