// Shared helpers of the extern "C" shims: exception barrier and error output.
#pragma once

#include <cstddef>
#include <new>
#include <string>

#include "core/error.h"
#include "realm/realm.h"

namespace realm::capi {

// Stores a new error in *err when err is non-NULL; returns the status.
inline realm_status_t fail(realm_error_t **err, realm_status_t status, std::string message) {
    if (err) *err = core::to_c(core::make_error(status, std::move(message)));
    return status;
}

inline realm_status_t status_only(realm_status_t s) { return s; }

// True when a caller's struct (first member struct_size) contains `field`.
#define REALM_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)nullptr)->field))

}  // namespace realm::capi

// Every shim body runs inside this barrier: nothing escapes as an exception.
#define REALM_GUARD_BEGIN try {
// `on_error` maps the status to the function's return value.
#define REALM_GUARD_END(on_error)                 \
    }                                             \
    catch (const std::bad_alloc &) {              \
        return (on_error)(REALM_ERR_NO_MEMORY);   \
    }                                             \
    catch (...) {                                 \
        return (on_error)(REALM_ERR_INTERNAL);    \
    }
