// The RealmWebSocketClient constructor's options, mapped onto realm_options_t.
#pragma once

#include <napi.h>

#include "realm/realm.h"

namespace realm_node {

// Sets every option present in `o` (camelCase names, milliseconds) on `opts`.
// Throws a JS Error (code INVALID_ARGUMENT, or the setter's status) naming the
// first option that is wrong. Only one default is applied here:
// reconnectInterval, documented by the Node SDK as 5000 ms. Returns the
// busy-poll window in microseconds (busyPollUs), which the addon applies to
// the JS thread too.
uint32_t ApplyClientOptions(Napi::Env env, const Napi::Object &o, realm_options_t *opts);

// Sets options by the core's own names (realm_options_set): `pairs` is an
// array of [key, value] string pairs, applied in order, with no default of
// its own. Throws a JS Error with the core's message (which names the key) on
// the first one refused. Returns the busy-poll window (busy_poll_us, else the
// core's default). Used by WSClient (node/ws_client.js).
uint32_t ApplyCoreOptions(Napi::Env env, const Napi::Value &pairs, realm_options_t *opts);

}  // namespace realm_node
