#include "core/error.h"
#include "realm/realm.h"

extern "C" {

REALM_API const char *realm_version(void) { return REALM_VERSION_STRING; }
REALM_API int realm_version_num(void) { return REALM_VERSION_NUM; }

REALM_API const char *realm_status_name(realm_status_t status) {
    return realm::core::error_info(status).name;
}

REALM_API const char *realm_strerror(realm_status_t status) {
    return realm::core::error_info(status).description;
}

REALM_API const realm_error_info_t *realm_get_error_table(size_t *count) {
    return realm::core::error_table(count);
}

}  // extern "C"
