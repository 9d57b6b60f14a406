#include "event_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

realm_queue::realm_queue() { efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

realm_queue::~realm_queue() {
    for (auto &it : items)
        if (it.request) it.request->release();
    for (auto &it : polled)
        if (it.request) it.request->release();
    for (size_t i = batch_pos; i < batch.size(); ++i)
        if (batch[i].request) batch[i].request->release();
    if (efd >= 0) close(efd);
}

void realm_queue::wake_if_armed(std::unique_lock<std::mutex> &lock) {
    if (!armed) return;
    armed = false;
    void (*cb)(void *) = notify;
    void *cb_user = notify_user;
    lock.unlock();
    if (efd >= 0) {
        uint64_t one = 1;
        ssize_t n = write(efd, &one, sizeof one);
        (void)n;  // EAGAIN only when the counter is saturated: already readable
    }
    if (cb) cb(cb_user);
}

void realm_queue::remember_last(realm_request_t *req) {
    req->queue_epoch = items_epoch;
    req->queue_index = items.size() - 1;
}

void realm_queue::push_tokens(void *user, realm_request_t *req, const realm_token_t *tokens, size_t count) {
    std::unique_lock<std::mutex> lock(mu);
    Item *item = nullptr;
    // Merge with the request's latest item when it is an unpolled batch of
    // tokens, wherever it sits: with thousands of interleaved streams the
    // queue then holds one item per stream, not one per token, and a
    // consumer that drains a bounded number of items per pass wakes each
    // stream once per pass instead of once per token.
    if (req->queue_epoch == items_epoch && req->queue_index < items.size()) {
        Item &latest = items[req->queue_index];
        if (latest.kind == REALM_QEV_TOKENS && latest.request == req) item = &latest;
    }
    if (!item) {
        items.emplace_back();
        item = &items.back();
        item->kind = REALM_QEV_TOKENS;
        item->user = user;
        item->request = req;
        req->retain();
        remember_last(req);
    }
    for (size_t i = 0; i < count; ++i) {
        item->tokens.push_back({item->text.size(), tokens[i].len, tokens[i].index, tokens[i].logprob, tokens[i].flags});
        item->text.append(tokens[i].text, tokens[i].len);
    }
    wake_if_armed(lock);
}

void realm_queue::push_done(void *user, realm_request_t *req, realm_outcome_t outcome,
                            const realm_result *result, const realm::core::Error *error) {
    std::unique_lock<std::mutex> lock(mu);
    items.emplace_back();
    Item &item = items.back();
    item.kind = REALM_QEV_DONE;
    item.user = user;
    item.request = req;
    req->retain();
    item.detail = std::make_unique<Detail>();
    item.detail->outcome = outcome;
    if (result) {
        item.detail->has_result = true;
        item.detail->result = *result;
    }
    if (error) {
        item.detail->has_error = true;
        item.detail->error = *error;
    }
    remember_last(req);
    wake_if_armed(lock);
}

void realm_queue::push_started(void *user, realm_request_t *req, const std::string &model) {
    std::unique_lock<std::mutex> lock(mu);
    items.emplace_back();
    Item &item = items.back();
    item.kind = REALM_QEV_STARTED;
    item.user = user;
    item.request = req;
    req->retain();
    item.detail = std::make_unique<Detail>();
    item.detail->has_result = true;
    item.detail->result.model = model;
    remember_last(req);
    wake_if_armed(lock);
}

void realm_queue::push_client_event(void *user, const realm_client_event_t &ev) {
    std::unique_lock<std::mutex> lock(mu);
    items.emplace_back();
    Item &item = items.back();
    item.kind = REALM_QEV_CLIENT;
    item.user = user;
    item.detail = std::make_unique<Detail>();
    Detail &d = *item.detail;
    d.client_event = ev;
    if (ev.reason) d.reason = ev.reason;
    if (ev.tenant_id) d.tenant = ev.tenant_id;
    if (ev.server_version) d.version = ev.server_version;
    if (ev.error) {
        d.has_error = true;
        d.error = *ev.error;
    }
    wake_if_armed(lock);
}

size_t realm_queue::poll(realm_queue_event_t *out, size_t max) {
    // The events of the last poll are void from now on. `polled` keeps its
    // capacity: a drain of thousands of items per pass reuses one block
    // instead of allocating (and faulting in) a new one per poll.
    for (auto &it : polled)
        if (it.request) it.request->release();
    polled.clear();
    size_t n = 0;
    {
        std::lock_guard<std::mutex> lock(mu);
        polled.reserve(max);
        while (n < max) {
            if (batch_pos == batch.size()) {
                // Everything taken before is handed out: take what arrived since.
                batch.clear();
                batch_pos = 0;
                if (items.empty()) break;
                batch.swap(items);
                ++items_epoch;
            }
            polled.push_back(std::move(batch[batch_pos++]));
            ++n;
        }
        if (batch_pos == batch.size() && items.empty()) {
            batch.clear();
            batch_pos = 0;
            armed = true;
            if (efd >= 0) {
                // Reset the counter so the fd is readable again only for new work.
                uint64_t v;
                ssize_t r = read(efd, &v, sizeof v);
                (void)r;
            }
        }
    }
    for (size_t i = 0; i < n; ++i) {
        Item &it = polled[i];
        realm_queue_event_t &ev = out[i];
        ev = realm_queue_event_t{};
        ev.kind = it.kind;
        ev.user = it.user;
        ev.request = it.request;
        if (it.kind == REALM_QEV_TOKENS) {
            it.views.resize(it.tokens.size());
            for (size_t k = 0; k < it.tokens.size(); ++k) {
                const auto &t = it.tokens[k];
                it.views[k] = realm_token_t{it.text.data() + t.offset, t.len, t.index, t.logprob, t.flags};
            }
            ev.tokens = it.views.data();
            ev.token_count = it.views.size();
        } else if (it.kind == REALM_QEV_STARTED) {
            ev.result = &it.detail->result;
        } else if (it.kind == REALM_QEV_DONE) {
            Detail &d = *it.detail;
            ev.outcome = d.outcome;
            ev.result = d.has_result ? &d.result : nullptr;
            ev.error = d.has_error ? &d.error : nullptr;
        } else {
            Detail &d = *it.detail;
            d.client_event.reason = d.reason.empty() ? nullptr : d.reason.c_str();
            d.client_event.tenant_id = d.tenant.empty() ? nullptr : d.tenant.c_str();
            d.client_event.server_version = d.version.empty() ? nullptr : d.version.c_str();
            d.client_event.error = d.has_error ? &d.error : nullptr;
            ev.client_event = &d.client_event;
        }
    }
    return n;
}
