// Exit status of the `realm` tool: one code per error category of the C API
// (realm_error_category_t, read from realm_get_error_table), documented in
// `realm help exit-codes` and docs/cli.md.
#pragma once

#include <realm/realm.h>

#include <string>

namespace realm_cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // something outside the library failed (stdin, terminal)
constexpr int kExitUsage = 2;    // bad command line

// 2 + category: ARGUMENT 3, CONNECTION 4, TIMEOUT 5, CANCELLED 6, AUTH 7,
// RATE_LIMIT 8, SERVER 9, PROTOCOL 10, INTERNAL 11.
int exit_code_for_category(realm_error_category_t category);
int exit_code_for_status(realm_status_t status);
realm_error_category_t category_of(realm_status_t status);
const char *category_name(realm_error_category_t category);  // "connection", ...

// The table printed by `realm help exit-codes`: every category with its
// code and the statuses of the library's error table that fall in it.
std::string exit_code_table();

}  // namespace realm_cli
