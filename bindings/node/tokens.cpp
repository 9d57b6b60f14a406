#include "tokens.h"

#include "arguments.h"
#include "errors.h"
#include "realm/realm.h"

namespace realm_node {

Napi::Value EstimateTokens(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    // Sized, unlike StringArg: the C function takes a length, so a NUL
    // character is counted like any other rather than refused.
    std::string s = UnicodeArg(env, info[0], "countTokens: 'text'");
    int64_t n = realm_estimate_tokens(s.data(), s.size());
    if (n < 0) ThrowRealm(env, realm_status_t(n), "countTokens: 'text' is not valid UTF-8");
    return Napi::Number::New(env, double(n));
}

}  // namespace realm_node
