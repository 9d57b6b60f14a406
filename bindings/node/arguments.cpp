#include "arguments.h"

#include <cmath>
#include <limits>

#include "errors.h"

namespace realm_node {

namespace {

// True if UTF-16 text has a surrogate without its other half.
bool HasLoneSurrogate(const std::u16string &s) {
    for (size_t i = 0; i < s.size(); ++i) {
        char16_t c = s[i];
        if (c < 0xD800 || c > 0xDFFF) continue;
        if (c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
            ++i;  // a pair
            continue;
        }
        return true;
    }
    return false;
}

}  // namespace

std::string UnicodeArg(Napi::Env env, const Napi::Value &v, const std::string &what) {
    if (!v.IsString()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, what + " must be a string");
    Napi::String js = v.As<Napi::String>();
    std::string s = js.Utf8Value();
    // V8 writes a lone surrogate as U+FFFD (EF BF BD): only text holding one
    // needs the UTF-16 look, since a real U+FFFD is rare.
    if (s.find("\xEF\xBF\xBD") != std::string::npos && HasLoneSurrogate(js.Utf16Value()))
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, what + " is not valid Unicode: it contains a lone surrogate");
    return s;
}

std::string StringArg(Napi::Env env, const Napi::Value &v, const std::string &what) {
    std::string s = UnicodeArg(env, v, what);
    if (s.find('\0') != std::string::npos)
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, what + " contains a NUL character");
    return s;
}

std::string OptString(Napi::Env env, const Napi::Value &v, const char *key, bool *present) {
    *present = IsSet(v);
    if (!*present) return {};
    return StringArg(env, v, std::string("option '") + key + "'");
}

bool OptUint(Napi::Env env, const Napi::Value &v, const char *key, double lo, double hi, double *out) {
    if (!IsSet(v)) return false;
    if (!v.IsNumber()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("option '") + key + "' must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d != std::floor(d) || d < lo || d > hi)
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT,
                   std::string("option '") + key + "' must be an integer between " + std::to_string(int64_t(lo)) +
                       " and " + std::to_string(int64_t(hi)) + ", got " + v.ToString().Utf8Value());
    *out = d;
    return true;
}

bool OptNumber(Napi::Env env, const Napi::Value &v, const char *key, double *out) {
    if (!IsSet(v)) return false;
    if (!v.IsNumber()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("option '") + key + "' must be a number");
    *out = v.As<Napi::Number>().DoubleValue();
    return true;
}

bool OptBool(Napi::Env env, const Napi::Value &v, const char *key, bool *out) {
    if (!IsSet(v)) return false;
    if (!v.IsBoolean()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("option '") + key + "' must be a boolean");
    *out = v.As<Napi::Boolean>().Value();
    return true;
}

double NonNegative(Napi::Env env, const Napi::Value &v, const char *key) {
    if (!IsSet(v)) return -1.0;
    if (!v.IsNumber()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("generate: '") + key + "' must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d < 0)
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("generate: '") + key + "' must be a finite number >= 0");
    return d;
}

uint32_t CallTimeout(Napi::Env env, const Napi::Value &v, const char *key) {
    if (!IsSet(v)) return 0;
    if (!v.IsNumber()) ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT, std::string("option '") + key + "' must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (d == 0 || d == std::numeric_limits<double>::infinity()) return UINT32_MAX;
    if (!std::isfinite(d) || d < 1 || d != std::floor(d) || d >= double(UINT32_MAX))
        ThrowRealm(env, REALM_ERR_INVALID_ARGUMENT,
                   std::string("option '") + key + "' must be a positive integer (milliseconds), 0 or Infinity");
    return uint32_t(d);
}

}  // namespace realm_node
