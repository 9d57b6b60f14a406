// The sent requests of one router by their wire id (realm_request::wire_id()).
// Every frame that arrives is looked up here, so with thousands of streams
// interleaved on one connection this is on the hottest path there is.
//
// Why not std::unordered_map<std::string_view, realm_request_t *>: a lookup
// there reads the bucket array, the node before the match, the node and the
// key's bytes, each a cache miss once thousands of requests are in flight (at
// 10,000 streams it was ~10% of the client's time, and the reason the time
// per stream grew with the number of streams). Here a lookup reads one slot
// (the id's hash and the request) and then the request itself, which the
// frame is about to update anyway: the id is compared there.
//
// Open addressing with linear probing (Robin Hood), at most 3/4 full, and
// backward-shift deletion (no tombstones, so lookups never slow down with
// churn). The table
// grows and never shrinks, like the map it replaced. Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/request.h"

namespace realm::core {

class RequestIndex {
public:
    // Adds `req` under req->wire_id(), which must not be in the index.
    void insert(realm_request_t *req);
    // The request with this wire id, or nullptr.
    realm_request_t *find(std::string_view id) const;
    // Removes the request with this wire id; false if there was none.
    bool erase(std::string_view id);
    size_t size() const { return size_; }
    // How far the entry furthest from its home slot sits from it (0: every
    // lookup of a present id reads one slot). For tests and diagnostics:
    // reads the whole table.
    size_t max_displacement() const;

    // Calls f(realm_request_t *) for every request, in no particular order.
    template <class F>
    void for_each(F &&f) const {
        for (const Slot &s : slots_)
            if (s.req) f(s.req);
    }

    static uint64_t hash(std::string_view id);

private:
    struct Slot {
        uint64_t hash = 0;
        realm_request_t *req = nullptr;  // nullptr: empty
    };

    size_t slot_of(std::string_view id, uint64_t h) const;  // its slot, or slots_.size()
    // Starts loading the lines of `req` (may be null) that a frame touches.
    static void prefetch_lines(const realm_request_t *req);
    void place(uint64_t h, realm_request_t *req);
    void grow();

    std::vector<Slot> slots_;  // a power of two long (or empty)
    size_t size_ = 0;
};

}  // namespace realm::core
