#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>

#include "capi/guard.h"
#include "core/client.h"

using realm::capi::fail;
using realm::core::ClientCore;

namespace {

// Loops whose last client went away on the loop thread itself (destroy from
// a callback) cannot be stopped there; they are kept until process exit.
std::mutex g_parked_mutex;
std::vector<std::shared_ptr<realm::transport::EventLoop>> g_parked_loops;

// Shared by a blocking call and the completion callback that may outlive it.
struct Completion {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    realm_status_t status = REALM_OK;
    realm::core::Error error;
    bool has_error = false;
};

void complete_cb(void *user, realm_client_t *, realm_status_t status, const realm_error_t *error) {
    auto *holder = static_cast<std::shared_ptr<Completion> *>(user);
    {
        std::lock_guard<std::mutex> lock((*holder)->m);
        (*holder)->done = true;
        (*holder)->status = status;
        if (error) {
            (*holder)->error = *error;
            (*holder)->has_error = true;
        }
    }
    (*holder)->cv.notify_all();
    delete holder;
}

int copy_out(const std::string &s, char *buf, size_t cap) {
    if (buf && cap) {
        size_t n = s.size() < cap - 1 ? s.size() : cap - 1;
        std::memcpy(buf, s.data(), n);
        buf[n] = '\0';
    }
    return int(s.size());
}

}  // namespace

extern "C" {

REALM_API realm_status_t realm_client_new(const realm_options_t *opts, realm_client_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (!out) return fail(err, REALM_ERR_INVALID_ARGUMENT, "out must not be NULL");
    *out = nullptr;
    realm::core::Options o = opts ? opts->o : realm::core::Options();
    std::string why;
    auto dialect = realm::core::make_client_dialect(o, &why);
    if (!dialect) return fail(err, REALM_ERR_INVALID_ARGUMENT, why);
    realm::core::apply_dialect_defaults(o, dialect->capabilities());
    // The dialect holds what it needs of a private key; the client's copy
    // of the options keeps none of it.
    std::fill(o.private_key_pem.begin(), o.private_key_pem.end(), '\0');
    std::fill(o.private_key_passphrase.begin(), o.private_key_passphrase.end(), '\0');
    o.private_key_pem.clear();
    o.private_key_passphrase.clear();
    auto loop = realm::transport::EventLoop::acquire(&why);
    if (!loop) return fail(err, REALM_ERR_INTERNAL, why);
    auto handle = std::make_unique<realm_client>();
    handle->loop = loop;
    handle->core = ClientCore::create(o, std::move(dialect), *loop,
                                      std::make_shared<realm::transport::LwsConnector>(*loop), handle.get());
    *out = handle.release();
    return REALM_OK;
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_client_new failed"); })
}

REALM_API void realm_client_destroy(realm_client_t *client) {
    if (!client) return;
    try {
        bool on_loop = client->loop->in_loop_thread();
        client->core->destroy();
        if (on_loop) {
            std::lock_guard<std::mutex> lock(g_parked_mutex);
            g_parked_loops.push_back(client->loop);
        }
        client->core.reset();
        client->loop.reset();  // stops the loop thread if this was the last client
        delete client;
    } catch (...) {
        // Nothing sensible to report from a destructor-like call.
    }
}

REALM_API realm_status_t realm_client_set_event_callback(realm_client_t *client, realm_client_event_cb cb,
                                                         void *user) {
    if (!client) return REALM_ERR_INVALID_ARGUMENT;
    client->core->set_event_callback(cb, user);
    return REALM_OK;
}

REALM_API realm_status_t realm_client_set_event_queue(realm_client_t *client, realm_queue_t *q, void *user) {
    if (!client) return REALM_ERR_INVALID_ARGUMENT;
    client->core->set_event_queue(q, user);
    return REALM_OK;
}

REALM_API realm_status_t realm_client_connect(realm_client_t *client, realm_complete_cb cb, void *user) {
    REALM_GUARD_BEGIN
    if (!client) return REALM_ERR_INVALID_ARGUMENT;
    return client->core->connect(cb, user);
    REALM_GUARD_END(realm::capi::status_only)
}

REALM_API realm_status_t realm_client_connect_wait(realm_client_t *client, uint32_t timeout_ms, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (!client) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client must not be NULL");
    if (client->loop->in_loop_thread())
        return fail(err, REALM_ERR_INVALID_STATE, "blocking connect called from a librealm callback");
    auto state = std::make_shared<Completion>();
    auto *holder = new std::shared_ptr<Completion>(state);
    realm_status_t rc = client->core->connect(&complete_cb, holder);
    if (rc != REALM_OK) {
        delete holder;
        return fail(err, rc, "could not start connecting");
    }
    uint64_t wait_ms = timeout_ms ? timeout_ms : uint64_t(client->core->options().connect_timeout_ms) + 1000;
    std::unique_lock<std::mutex> lock(state->m);
    if (!state->cv.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return state->done; }))
        return fail(err, REALM_ERR_TIMEOUT, "connect did not complete within " + std::to_string(wait_ms) + " ms");
    if (state->status != REALM_OK && err)
        *err = realm::core::to_c(state->has_error ? state->error : realm::core::make_error(state->status, ""));
    return state->status;
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_client_connect_wait failed"); })
}

REALM_API realm_status_t realm_client_disconnect(realm_client_t *client, realm_complete_cb cb, void *user) {
    REALM_GUARD_BEGIN
    if (!client) return REALM_ERR_INVALID_ARGUMENT;
    return client->core->disconnect(cb, user);
    REALM_GUARD_END(realm::capi::status_only)
}

REALM_API realm_status_t realm_client_disconnect_wait(realm_client_t *client) {
    REALM_GUARD_BEGIN
    if (!client) return REALM_ERR_INVALID_ARGUMENT;
    if (client->loop->in_loop_thread()) return REALM_ERR_INVALID_STATE;
    auto state = std::make_shared<Completion>();
    auto *holder = new std::shared_ptr<Completion>(state);
    realm_status_t rc = client->core->disconnect(&complete_cb, holder);
    if (rc != REALM_OK) {
        delete holder;
        return rc;
    }
    std::unique_lock<std::mutex> lock(state->m);
    state->cv.wait(lock, [&] { return state->done; });
    return state->status;
    REALM_GUARD_END(realm::capi::status_only)
}

REALM_API realm_conn_state_t realm_client_state(const realm_client_t *client) {
    return client ? client->core->state() : REALM_STATE_CLOSED;
}

REALM_API int realm_client_tenant_id(const realm_client_t *client, char *buf, size_t cap) {
    if (!client) return -1;
    try {
        return copy_out(client->core->tenant_id(), buf, cap);
    } catch (...) {
        return -1;
    }
}

REALM_API int realm_client_server_version(const realm_client_t *client, char *buf, size_t cap) {
    if (!client) return -1;
    try {
        return copy_out(client->core->server_version(), buf, cap);
    } catch (...) {
        return -1;
    }
}

REALM_API int realm_client_has_extension(const realm_client_t *client, const char *name) {
    if (!client || !name) return 0;
    try {
        return client->core->has_extension(name) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

}  // extern "C"
