// realm.node: the Node addon behind @realm-ai/ws-client.
//
// A thin node-addon-api wrapper of include/realm/realm.h. It converts types
// and moves events from the librealm event thread to the JavaScript thread;
// protocol, timers, retries and reconnection all stay in the core.
//
//   addon.cpp           module entry: NativeClient, errorTable(), version
//   client.{h,cpp}      NativeClient: one realm_client_t, its requests and event delivery
//                       (also what node/ws_client.js needs for ws-system: the server's
//                       start of a generation, models, wire ids, batches)
//   burst.{h,cpp}       the records the event thread appends for the JS thread
//   js_poller.{h,cpp}   busy polling on the JS thread (busyPollUs)
//   client_options.*    constructor options -> realm_options_t
//   arguments.*         type and range checks of values from JS
//   errors.*            error objects for JS (node/errors.js makes RealmError of them)
//   tokens.*            estimateTokens(): the core's token estimate (Tekton token utilities)
//
// Event path (see docs/benchmarks-node.md for the measurements behind it):
//   * the core's callbacks (token batches, request completion, connection
//     events, connect/disconnect completion) run on the event thread; each
//     appends one record to the client's burst buffer under a mutex (token
//     text is appended to one shared byte buffer, consecutive batches of one
//     request are merged) and never calls JavaScript;
//   * the first record after the JS thread drained the buffer ("armed")
//     makes ONE non-blocking thread-safe-function call; later records of the
//     same burst only append, so there is at most one call per burst;
//   * except while the JS thread busy-polls (for busyPollUs after a request
//     starts or a burst arrives, while requests are in flight): then no call
//     is made at all, and Client::PollTurn, run once per turn of Node's loop,
//     sees the burst and drains it in a callback scope;
//   * on the JS thread, Client::Drain swaps the buffer (double buffering, no
//     allocation in steady state) and hands everything to JS in ONE call: a
//     flat Int32Array of event words (shared, reused), ONE string holding the
//     text of every token of the burst, and an array of the other values
//     (results, errors). JS slices tokens out of the string.
// This replaced a first version on the core's pull-mode realm_queue_t: same
// wake-up rule, but the queue also writes and reads its own eventfd and
// allocates per event; the buffer here costs less per burst and per event.
//
// The thread-safe function is unreferenced unless JS asks (it references it
// while a connect, disconnect or request is pending), so an idle client never
// keeps the process alive. Native clients are destroyed by the GC finalizer or
// the environment cleanup hook at exit, whichever comes first.
#include <napi.h>

#include "client.h"
#include "errors.h"
#include "realm/realm.h"
#include "tokens.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    exports.Set("NativeClient", realm_node::Client::Init(env));
    exports.Set("errorTable", Napi::Function::New(env, realm_node::ErrorTable));
    exports.Set("estimateTokens", Napi::Function::New(env, realm_node::EstimateTokens));
    exports.Set("version", Napi::String::New(env, realm_version()));
    return exports;
}

}  // namespace

NODE_API_MODULE(realm, Init)
