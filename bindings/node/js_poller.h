// Busy polling on the JavaScript thread: while a window is open, Node's event
// loop checks for I/O without sleeping in epoll_wait() and calls the owner's
// `turn` function once per loop turn (an unreferenced libuv idle handle: an
// active idle handle makes libuv poll with a zero timeout). The owner looks
// for delivered events there itself, so the event thread needs no wake-up at
// all; waking a sleeping thread costs tens of microseconds on a virtual
// machine. The mirror of the core's busy polling
// (realm_options_set_busy_poll_us); opened by the same traffic, bounded by
// the same window.
#pragma once

#include <node_api.h>
#include <uv.h>

#include <cstdint>

#include "poll_budget.h"  // src/transport: the core's rule for wasted polling

namespace realm_node {

class JsPoller {
public:
    using Turn = void (*)(void *owner);
    // JS thread. window_us == 0 disables polling (nothing is allocated).
    // `turn(owner)` runs on the JS thread once per event-loop turn while the
    // window is open; it should yield the CPU when it finds nothing to do.
    JsPoller(napi_env env, uint32_t window_us, Turn turn, void *owner);
    ~JsPoller();
    JsPoller(const JsPoller &) = delete;
    JsPoller &operator=(const JsPoller &) = delete;

    bool Enabled() const { return state_ != nullptr; }
    // JS thread: poll until window_us from now (extends an open window).
    // False if polling is off, or the window was closed and the budget for
    // wasted polling is spent: then the caller must rely on wake-ups.
    bool Extend();
    // JS thread: whether the window has ended.
    bool Expired() const;
    // JS thread: close the window now. A window that ran out (Expired()) is
    // charged to the budget as wasted since its last Extend().
    void Stop();
    // JS thread: release the libuv handle (also done by the destructor).
    void Close();

private:
    // Shared by the owner and libuv: freed when both let go, so that either
    // the owner or the environment's teardown may close the handle first.
    struct State {
        uv_idle_t idle;
        int64_t until_us = 0;
        int64_t extended_us = 0;
        realm::transport::PollBudget budget;
        Turn turn = nullptr;
        void *owner = nullptr;
        napi_async_cleanup_hook_handle hook = nullptr;
        bool closing = false;
        int refs = 2;  // the owner + the open handle
    };
    static void OnIdle(uv_idle_t *idle);
    static void OnEnvCleanup(napi_async_cleanup_hook_handle, void *arg);
    static void BeginClose(State *s);
    static void Release(State *s);

    State *state_ = nullptr;
    uint32_t window_us_ = 0;
};

}  // namespace realm_node
