// The event loop's pending timers, ordered by due time: a binary min-heap
// whose entries know their own position, so that scheduling, cancelling and
// taking the earliest each cost O(log n) whatever the number of timers.
//
// Why not one lws timer per Timer: lws 4.1 keeps its timers in one sorted
// linked list and inserts by walking it from the head. A client has several
// timers (connect, handshake step, keepalive, request deadlines), so with
// thousands of connections every insert walked thousands of entries: 5,000
// clients opening at once spent about 70% of their CPU (about 10 s) in
// lws_dll2_add_sorted. The loop now keeps one lws timer for all of ours
// (TimerQueue in timer.cpp).
//
// Pure data structure: no lws, no clock, one thread (the loop's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace realm::transport {

class TimerHeap {
public:
    static constexpr size_t kNotQueued = size_t(-1);

    // A timer's place in the heap. The owner keeps it alive while queued.
    struct Entry {
        int64_t due_us = 0;
        uint64_t seq = 0;            // ties: first scheduled, first due
        size_t index = kNotQueued;   // position in the heap, kNotQueued if not in it
    };

    // Adds `e` (not queued) due at `due_us`.
    void push(Entry *e, int64_t due_us);
    // Removes `e` if queued; no-op otherwise.
    void remove(Entry *e);
    // The earliest entry, nullptr if empty.
    Entry *top() const { return heap_.empty() ? nullptr : heap_.front(); }
    bool empty() const { return heap_.empty(); }
    size_t size() const { return heap_.size(); }

private:
    static bool before(const Entry *a, const Entry *b) {
        return a->due_us < b->due_us || (a->due_us == b->due_us && a->seq < b->seq);
    }
    void place(size_t i, Entry *e) {
        heap_[i] = e;
        e->index = i;
    }
    void sift_up(size_t i);
    void sift_down(size_t i);

    std::vector<Entry *> heap_;
    uint64_t next_seq_ = 0;
};

}  // namespace realm::transport
