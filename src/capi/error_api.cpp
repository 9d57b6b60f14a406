#include <new>

#include "core/error.h"
#include "realm/realm.h"

extern "C" {

REALM_API void realm_error_destroy(realm_error_t *err) { delete err; }

REALM_API realm_error_t *realm_error_copy(const realm_error_t *err) {
    if (!err) return nullptr;
    try {
        return new realm_error(*err);
    } catch (...) {
        return nullptr;
    }
}

REALM_API realm_status_t realm_error_status(const realm_error_t *err) {
    return err ? err->status : REALM_ERR_INVALID_ARGUMENT;
}
REALM_API const char *realm_error_code(const realm_error_t *err) { return err ? err->code.c_str() : ""; }
REALM_API const char *realm_error_message(const realm_error_t *err) { return err ? err->message.c_str() : ""; }
REALM_API int realm_error_retryable(const realm_error_t *err) { return err && err->retryable ? 1 : 0; }
REALM_API int64_t realm_error_retry_after_ms(const realm_error_t *err) { return err ? err->retry_after_ms : -1; }
REALM_API int realm_error_http_status(const realm_error_t *err) { return err ? err->http_status : 0; }
REALM_API int realm_error_close_code(const realm_error_t *err) { return err ? err->close_code : 0; }
REALM_API const char *realm_error_type(const realm_error_t *err) { return err ? err->type.c_str() : ""; }
REALM_API const char *realm_error_param(const realm_error_t *err) { return err ? err->param.c_str() : ""; }

}  // extern "C"
