// Checks of values passed from JavaScript. Each throws a JS Error with code
// INVALID_ARGUMENT naming the option when the value has the wrong type or
// range; undefined and null mean "not given".
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace realm_node {

inline bool IsSet(const Napi::Value &v) { return !v.IsUndefined() && !v.IsNull(); }

// A string argument for the core, as UTF-8. The C API takes NUL-terminated
// strings, so a NUL character would cut the value short, and a lone
// surrogate would become U+FFFD: both throw INVALID_ARGUMENT naming `what`
// (e.g. "generate: 'prompt'"), as does a value that is not a string. The
// value itself is never quoted (it may be an API key).
std::string StringArg(Napi::Env env, const Napi::Value &v, const std::string &what);

// A string as UTF-8 for a sized C argument: like StringArg, but a NUL
// character is kept (the length carries it).
std::string UnicodeArg(Napi::Env env, const Napi::Value &v, const std::string &what);

// A string option; *present tells whether it was given. Checked as StringArg.
std::string OptString(Napi::Env env, const Napi::Value &v, const char *key, bool *present);

// A millisecond or count option: a finite integer in [lo, hi]. False if not given.
bool OptUint(Napi::Env env, const Napi::Value &v, const char *key, double lo, double hi, double *out);

// A number option (any finite or infinite value; ranges are the core's). False if not given.
bool OptNumber(Napi::Env env, const Napi::Value &v, const char *key, double *out);

// A boolean option. False if not given.
bool OptBool(Napi::Env env, const Napi::Value &v, const char *key, bool *out);

// A generate parameter that must be a finite number >= 0; -1 (the C API's "unset") if not given.
double NonNegative(Napi::Env env, const Napi::Value &v, const char *key);

// A per-call timeout in ms: not given = the client's default (0); 0 or
// Infinity = none (UINT32_MAX, as realm_call_options_t spells it).
uint32_t CallTimeout(Napi::Env env, const Napi::Value &v, const char *key);

}  // namespace realm_node
