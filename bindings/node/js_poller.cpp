#include "js_poller.h"

#include <time.h>

namespace realm_node {
namespace {

int64_t MonotonicUs() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace

JsPoller::JsPoller(napi_env env, uint32_t window_us, Turn turn, void *owner) {
    if (window_us == 0) return;
    uv_loop_t *loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) return;  // polling is an optimisation only
    auto *s = new State;
    if (uv_idle_init(loop, &s->idle) != 0) {
        delete s;
        return;
    }
    s->idle.data = s;
    s->turn = turn;
    s->owner = owner;
    uv_unref(reinterpret_cast<uv_handle_t *>(&s->idle));  // never keeps the process alive
    // At environment teardown (worker exit, process exit) the handle must be
    // closed before Node closes the loop; Node waits for async cleanup hooks.
    if (napi_add_async_cleanup_hook(env, &JsPoller::OnEnvCleanup, s, &s->hook) != napi_ok) s->hook = nullptr;
    state_ = s;
    window_us_ = window_us;
}

JsPoller::~JsPoller() { Close(); }

bool JsPoller::Extend() {
    if (!state_ || state_->closing) return false;
    int64_t now = MonotonicUs();
    bool active = uv_is_active(reinterpret_cast<uv_handle_t *>(&state_->idle));
    if (!active && !state_->budget.allows(now)) return false;
    state_->extended_us = now;
    state_->until_us = now + window_us_;
    if (!active) uv_idle_start(&state_->idle, &JsPoller::OnIdle);
    return true;
}

bool JsPoller::Expired() const { return !state_ || MonotonicUs() >= state_->until_us; }

void JsPoller::Stop() {
    if (!state_ || state_->closing || !uv_is_active(reinterpret_cast<uv_handle_t *>(&state_->idle))) return;
    if (Expired()) state_->budget.charge(state_->until_us - state_->extended_us);
    uv_idle_stop(&state_->idle);
}

void JsPoller::Close() {
    if (!state_) return;
    BeginClose(state_);
    Release(state_);
    state_ = nullptr;
}

// Runs once per event-loop turn while the window is open. Closing stops the
// handle first, so the owner is alive whenever this runs.
void JsPoller::OnIdle(uv_idle_t *idle) {
    auto *s = static_cast<State *>(idle->data);
    s->turn(s->owner);
}

void JsPoller::OnEnvCleanup(napi_async_cleanup_hook_handle, void *arg) { BeginClose(static_cast<State *>(arg)); }

void JsPoller::BeginClose(State *s) {
    if (s->closing) return;
    s->closing = true;
    uv_idle_stop(&s->idle);
    uv_close(reinterpret_cast<uv_handle_t *>(&s->idle), [](uv_handle_t *h) {
        auto *st = static_cast<State *>(h->data);
        if (st->hook) napi_remove_async_cleanup_hook(st->hook);  // tells Node this client's cleanup is done
        st->hook = nullptr;
        Release(st);
    });
}

void JsPoller::Release(State *s) {
    if (--s->refs == 0) delete s;
}

}  // namespace realm_node
