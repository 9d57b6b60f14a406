// Pull mode: realm_queue_t collects request and client events for a consumer
// thread (Python's event loop, Node's main thread) and wakes it at most once
// per burst through an eventfd and/or a notify callback. Producers run on the
// event thread; the consumer polls.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/request.h"
#include "realm/realm.h"

struct realm_queue {
    // What a DONE, STARTED or CLIENT event carries. TOKENS items, nearly all
    // of them, go without: an item is then ~110 bytes instead of ~640, which
    // matters because with thousands of interleaved streams the queue holds
    // one item per stream between two polls and every item is moved twice.
    struct Detail {
        realm_outcome_t outcome = REALM_OUTCOME_COMPLETE;  // DONE
        bool has_result = false;                           // DONE, STARTED (the model)
        realm_result result;
        bool has_error = false;                            // DONE, CLIENT
        realm::core::Error error;
        realm_client_event_t client_event{};               // CLIENT
        std::string reason, tenant, version;
    };
    struct Item {
        realm_queue_event_kind_t kind;
        void *user = nullptr;
        realm_request_t *request = nullptr;  // holds a reference
        // TOKENS: offsets into text
        std::string text;
        std::vector<realm::core::PendingToken> tokens;
        std::vector<realm_token_t> views;
        std::unique_ptr<Detail> detail;      // every kind but TOKENS
    };

    realm_queue();
    ~realm_queue();

    void push_tokens(void *user, realm_request_t *req, const realm_token_t *tokens, size_t count);
    void push_done(void *user, realm_request_t *req, realm_outcome_t outcome, const realm_result *result,
                   const realm::core::Error *error);
    void push_client_event(void *user, const realm_client_event_t &ev);
    void push_started(void *user, realm_request_t *req, const std::string &model);
    size_t poll(realm_queue_event_t *out, size_t max);

    int efd = -1;
    std::mutex mu;
    std::vector<Item> items;     // produced, not yet taken by the consumer
    uint64_t items_epoch = 1;    // bumped whenever `items` is taken: older indexes into it are void
    // Consumer side (poll only): `items` is taken whole, under the lock, into
    // `batch` and handed out from `batch_pos`, so that each event is moved a
    // bounded number of times however long the backlog (taking a prefix of
    // `items` and erasing it cost O(backlog) per poll: quadratic drains).
    std::vector<Item> batch;
    size_t batch_pos = 0;
    std::vector<Item> polled;    // handed out by the last poll
    bool armed = true;           // the consumer drained everything: next push wakes it
    void (*notify)(void *) = nullptr;
    void *notify_user = nullptr;

private:
    void wake_if_armed(std::unique_lock<std::mutex> &lock);
    // Records `items.back()` as the request's latest item.
    void remember_last(realm_request_t *req);
};
