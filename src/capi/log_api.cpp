#include "capi/guard.h"
#include "core/log.h"

extern "C" {

REALM_API realm_status_t realm_set_log_callback(realm_log_cb cb, void *user, realm_log_level_t max_level) {
    REALM_GUARD_BEGIN
    if (max_level < REALM_LOG_ERROR || max_level > REALM_LOG_DEBUG) return REALM_ERR_INVALID_ARGUMENT;
    realm::core::set_log_callback(cb, user, max_level);
    return REALM_OK;
    REALM_GUARD_END(realm::capi::status_only)
}

}  // extern "C"
