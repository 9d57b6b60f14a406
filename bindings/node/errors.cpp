#include "errors.h"

namespace realm_node {

Napi::Value ErrorObject(Napi::Env env, const realm_error_t *err) {
    Napi::Object o = Napi::Object::New(env);
    realm_status_t st = realm_error_status(err);
    o.Set("status", Napi::Number::New(env, st));
    o.Set("code", Napi::String::New(env, realm_error_code(err)));
    o.Set("name", Napi::String::New(env, realm_status_name(st)));
    o.Set("message", Napi::String::New(env, realm_error_message(err)));
    o.Set("retryable", Napi::Boolean::New(env, realm_error_retryable(err) != 0));
    int64_t ra = realm_error_retry_after_ms(err);
    if (ra >= 0) o.Set("retryAfter", Napi::Number::New(env, double(ra)));
    int http = realm_error_http_status(err);
    if (http) o.Set("httpStatus", Napi::Number::New(env, http));
    int close = realm_error_close_code(err);
    if (close) o.Set("closeCode", Napi::Number::New(env, close));
    return o;
}

Napi::Value StatusObject(Napi::Env env, realm_status_t st, const std::string &message) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("status", Napi::Number::New(env, st));
    o.Set("code", Napi::String::New(env, realm_status_name(st)));
    o.Set("name", Napi::String::New(env, realm_status_name(st)));
    o.Set("message", Napi::String::New(env, message.empty() ? realm_strerror(st) : message));
    size_t n = 0;
    const realm_error_info_t *table = realm_get_error_table(&n);
    for (size_t i = 0; i < n; ++i)
        if (table[i].status == st) o.Set("retryable", Napi::Boolean::New(env, table[i].retryable != 0));
    return o;
}

Napi::Value TakeError(Napi::Env env, realm_status_t st, realm_error_t *err) {
    Napi::Value v = err ? ErrorObject(env, err) : StatusObject(env, st, "");
    realm_error_destroy(err);
    return v;
}

void ThrowRealm(Napi::Env env, realm_status_t st, const std::string &message) {
    Napi::Error e = Napi::Error::New(env, message);
    e.Set("code", Napi::String::New(env, realm_status_name(st)));
    e.Set("status", Napi::Number::New(env, st));
    throw e;
}

Napi::Value ErrorTable(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    size_t n = 0;
    const realm_error_info_t *t = realm_get_error_table(&n);
    Napi::Array arr = Napi::Array::New(env, n);
    static const char *const kCategories[] = {"none",      "argument", "connection", "timeout", "cancelled",
                                              "auth",      "rate_limit", "server",   "protocol", "internal"};
    for (size_t i = 0; i < n; ++i) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("status", Napi::Number::New(env, t[i].status));
        o.Set("name", Napi::String::New(env, t[i].name));
        o.Set("description", Napi::String::New(env, t[i].description));
        int c = int(t[i].category);
        o.Set("category", Napi::String::New(env, (c >= 0 && c <= 9) ? kCategories[c] : "internal"));
        o.Set("retryable", Napi::Boolean::New(env, t[i].retryable != 0));
        arr.Set(uint32_t(i), o);
    }
    return arr;
}

}  // namespace realm_node
