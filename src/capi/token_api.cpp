// realm_estimate_tokens: the Tekton client's offline token heuristic
// (tekton.md 6.5), shared by every binding.
#include "capi/guard.h"
#include "core/token_estimate.h"

extern "C" {

REALM_API int64_t realm_estimate_tokens(const char *text, size_t len) {
    REALM_GUARD_BEGIN
    if (!text && len) return REALM_ERR_INVALID_ARGUMENT;
    int64_t n = realm::core::estimate_tokens(std::string_view(text ? text : "", text ? len : 0));
    return n < 0 ? int64_t(REALM_ERR_INVALID_ARGUMENT) : n;
    REALM_GUARD_END([](realm_status_t s) { return int64_t(s); })
}

}  // extern "C"
