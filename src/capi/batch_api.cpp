// realm_batch_*: see realm.h ("Batches").
#include <memory>

#include "capi/batch.h"
#include "capi/guard.h"
#include "core/client.h"

using realm::capi::fail;

extern "C" {

REALM_API realm_status_t realm_batch_new(realm_client_t *client, realm_batch_t **out, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (!out) return fail(err, REALM_ERR_INVALID_ARGUMENT, "out must not be NULL");
    *out = nullptr;
    if (!client) return fail(err, REALM_ERR_INVALID_ARGUMENT, "client must not be NULL");
    const auto &dialect = client->core->dialect();
    if (!dialect.capabilities().batch)
        return fail(err, REALM_ERR_INVALID_ARGUMENT,
                    std::string(dialect.name()) + " has no batch frame (ws-system has one)");
    auto batch = std::make_unique<realm_batch>();
    batch->client = client;
    *out = batch.release();
    return REALM_OK;
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_batch_new failed"); })
}

REALM_API size_t realm_batch_size(const realm_batch_t *batch) {
    if (!batch) return 0;
    auto *b = const_cast<realm_batch_t *>(batch);
    std::lock_guard<std::mutex> lock(b->mu);
    return b->held.size();
}

REALM_API realm_status_t realm_batch_send(realm_batch_t *batch, realm_error_t **err) {
    REALM_GUARD_BEGIN
    if (!batch) return fail(err, REALM_ERR_INVALID_ARGUMENT, "batch must not be NULL");
    std::unique_ptr<realm_batch_t> owned(batch);
    std::vector<realm_request_t *> reqs;
    {
        std::lock_guard<std::mutex> lock(batch->mu);
        reqs.swap(batch->held);
    }
    if (reqs.empty()) return fail(err, REALM_ERR_INVALID_ARGUMENT, "the batch is empty");
    batch->client->core->submit_batch(std::move(reqs), false);
    return REALM_OK;
    REALM_GUARD_END([&](realm_status_t s) { return fail(err, s, "realm_batch_send failed"); })
}

REALM_API void realm_batch_discard(realm_batch_t *batch) {
    if (!batch) return;
    std::unique_ptr<realm_batch_t> owned(batch);
    std::vector<realm_request_t *> reqs;
    {
        std::lock_guard<std::mutex> lock(batch->mu);
        reqs.swap(batch->held);
    }
    try {
        if (!reqs.empty()) batch->client->core->submit_batch(std::move(reqs), true);
    } catch (...) {
        // Out of memory while handing them over: nothing more can be done.
    }
}

}  // extern "C"
