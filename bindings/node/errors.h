// Errors crossing into JavaScript. Failures are handed to JS as plain objects
// ({status, code, name, message, retryable, retryAfter?, httpStatus?,
// closeCode?}) that node/errors.js turns into RealmError; argument errors found
// here are thrown as Napi::Error with the same code.
#pragma once

#include <napi.h>

#include <string>

#include "realm/realm.h"

namespace realm_node {

// The object for an error the core reported.
Napi::Value ErrorObject(Napi::Env env, const realm_error_t *err);

// The object for a bare status (no realm_error_t); an empty message means the
// status's standard description.
Napi::Value StatusObject(Napi::Env env, realm_status_t st, const std::string &message);

// The object for a start call that failed with `st`; destroys `err` (may be NULL).
Napi::Value TakeError(Napi::Env env, realm_status_t st, realm_error_t *err);

// Throws a JS Error with `code` = the status name.
[[noreturn]] void ThrowRealm(Napi::Env env, realm_status_t st, const std::string &message);

// errorTable(): the core's error table, from which JS builds ErrorCodes.
Napi::Value ErrorTable(const Napi::CallbackInfo &info);

}  // namespace realm_node
