#include "timer_heap.h"

namespace realm::transport {

void TimerHeap::push(Entry *e, int64_t due_us) {
    e->due_us = due_us;
    e->seq = next_seq_++;
    heap_.push_back(e);
    e->index = heap_.size() - 1;
    sift_up(e->index);
}

void TimerHeap::remove(Entry *e) {
    size_t i = e->index;
    if (i == kNotQueued) return;
    e->index = kNotQueued;
    Entry *last = heap_.back();
    heap_.pop_back();
    if (last == e) return;  // it was the last slot
    place(i, last);
    // The moved entry may belong above or below its new place.
    if (i > 0 && before(last, heap_[(i - 1) / 2]))
        sift_up(i);
    else
        sift_down(i);
}

void TimerHeap::sift_up(size_t i) {
    Entry *e = heap_[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(e, heap_[parent])) break;
        place(i, heap_[parent]);
        i = parent;
    }
    place(i, e);
}

void TimerHeap::sift_down(size_t i) {
    Entry *e = heap_[i];
    const size_t n = heap_.size();
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
        if (!before(heap_[child], e)) break;
        place(i, heap_[child]);
        i = child;
    }
    place(i, e);
}

}  // namespace realm::transport
