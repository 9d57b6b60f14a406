// Client options from the environment, as users of OpenAI's SDKs expect:
// REALM_URL, REALM_API_KEY, REALM_DIALECT, REALM_TIMEOUT, REALM_MAX_RETRIES.
// Read only when asked (realm_options_load_env): the SDKs and the realm tool
// ask before applying their explicit arguments, so an argument wins over the
// environment, which wins over the defaults. A process that embeds librealm
// for its own purposes (realm-server's gateway) is not steered by them.
// REALM_LOG and REALM_DEBUG (core/log.cpp) set the default log instead.
#pragma once

#include "core/option_table.h"

namespace realm::core {

// Applies the variables that are set and not empty. All or nothing: on a bad
// value `opts` is unchanged and the result names the variable (never quoting
// REALM_API_KEY).
OptionResult load_env(Options &opts);

}  // namespace realm::core
