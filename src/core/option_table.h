// Every client option by name, with its rule. The typed setters of the C API
// and the string-keyed realm_options_set() both go through set_option(), so
// the bindings get the same rules and the same reasons without restating
// them.
#pragma once

#include <string>
#include <string_view>

#include "core/options.h"
#include "realm/realm.h"

namespace realm::core {

struct OptionResult {
    realm_status_t status = REALM_OK;  // REALM_OK, REALM_ERR_INVALID_ARGUMENT or REALM_ERR_INVALID_URL
    std::string why;                   // names the key and the rule; never quotes a secret
};

// Applies option `key` from text; `value` NULL clears a string option. On
// failure `opts` is unchanged.
OptionResult set_option(Options &opts, std::string_view key, const char *value);

// Adds a request header, or removes every header `name` when `value` is NULL.
OptionResult set_header(Options &opts, const char *name, const char *value);

}  // namespace realm::core
