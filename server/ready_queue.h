// The work items of one connection that have something to write, oldest
// first: the output pump takes one, lets it write one frame and, if it has
// more, puts it back at the end (round robin).
//
// Intrusive: each item carries its own links (a ReadyHook member), so the
// pump reaches the next item without looking it up. The queue once held ids
// and each frame looked its job up in the connection's std::map: at 10,000
// streams on one connection those lookups (a dozen tree nodes, the deep ones
// cache misses) made the server's CPU per stream double from 1,000 streams.
// An item also leaves from the middle in O(1) (a cancelled request).
//
// Not thread-safe (the server's loop thread); the queue does not own its
// items: an item must be removed before it is destroyed.
#pragma once

namespace realm::server {

template <class T>
struct ReadyHook {
    T *prev = nullptr;
    T *next = nullptr;
    bool queued = false;
};

template <class T, ReadyHook<T> T::*Hook>
class ReadyQueue {
public:
    bool empty() const { return head_ == nullptr; }

    // Appends `item`; an item already queued keeps its place (relinking it
    // would corrupt the list).
    void push_back(T *item) {
        ReadyHook<T> &h = item->*Hook;
        if (h.queued) return;
        h.prev = tail_;
        h.next = nullptr;
        h.queued = true;
        if (tail_) (tail_->*Hook).next = item;
        else head_ = item;
        tail_ = item;
    }

    // Takes the oldest item out; nullptr when empty.
    T *pop_front() {
        T *item = head_;
        if (item) remove(item);
        return item;
    }

    // Takes `item` out wherever it is; nothing if it is not queued.
    void remove(T *item) {
        ReadyHook<T> &h = item->*Hook;
        if (!h.queued) return;
        if (h.prev) (h.prev->*Hook).next = h.next;
        else head_ = h.next;
        if (h.next) (h.next->*Hook).prev = h.prev;
        else tail_ = h.prev;
        h = ReadyHook<T>{};
    }

private:
    T *head_ = nullptr;
    T *tail_ = nullptr;
};

}  // namespace realm::server
