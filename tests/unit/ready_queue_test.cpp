// realm-server's ReadyQueue (server/ready_queue.h): the round-robin order of
// the output pump, and removal from anywhere, checked against a std::list
// model over many random operations.
#include <gtest/gtest.h>

#include <algorithm>
#include <list>
#include <random>
#include <vector>

#include "ready_queue.h"

namespace {

using realm::server::ReadyHook;
using realm::server::ReadyQueue;

struct Item {
    int id = 0;
    ReadyHook<Item> hook;
};
using Queue = ReadyQueue<Item, &Item::hook>;

// Numbers items 0..n-1 and queues them in that order.
void queue_all(Item *items, int n, Queue &q) {
    for (int i = 0; i < n; ++i) {
        items[i].id = i;
        q.push_back(&items[i]);
    }
}

std::vector<int> drain(Queue &q) {
    std::vector<int> out;
    while (Item *i = q.pop_front()) out.push_back(i->id);
    return out;
}

TEST(ReadyQueue, PopsInTheOrderPushed) {
    Item items[4];
    Queue q;
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.pop_front(), nullptr);
    queue_all(items, 4, q);
    EXPECT_FALSE(q.empty());
    // Round robin: the first goes to the back after its turn.
    Item *first = q.pop_front();
    ASSERT_EQ(first, &items[0]);
    EXPECT_FALSE(first->hook.queued);
    q.push_back(first);
    EXPECT_EQ(drain(q), (std::vector<int>{1, 2, 3, 0}));
    EXPECT_TRUE(q.empty());
}

TEST(ReadyQueue, RemovesFromHeadMiddleTailAndIgnoresUnqueued) {
    Item items[5];
    Queue q;
    queue_all(items, 5, q);
    q.remove(&items[2]);  // middle
    q.remove(&items[0]);  // head
    q.remove(&items[4]);  // tail
    q.remove(&items[4]);  // not queued any more: nothing
    EXPECT_FALSE(items[2].hook.queued);
    EXPECT_EQ(items[2].hook.next, nullptr);
    q.push_back(&items[2]);  // a removed item can come back
    EXPECT_EQ(drain(q), (std::vector<int>{1, 3, 2}));
}

TEST(ReadyQueue, PushingAQueuedItemKeepsItsPlace) {
    Item items[3];
    Queue q;
    queue_all(items, 3, q);
    q.push_back(&items[0]);
    EXPECT_EQ(drain(q), (std::vector<int>{0, 1, 2}));
}

TEST(ReadyQueue, MatchesAListUnderRandomOperations) {
    constexpr int kItems = 64;
    std::vector<Item> items(kItems);
    for (int i = 0; i < kItems; ++i) items[i].id = i;
    Queue q;
    std::list<int> model;
    std::mt19937 rng(12345);
    for (int step = 0; step < 200000; ++step) {
        int i = int(rng() % kItems);
        bool queued = std::find(model.begin(), model.end(), i) != model.end();
        ASSERT_EQ(items[i].hook.queued, queued);
        switch (rng() % 3) {
            case 0:
                q.push_back(&items[i]);
                if (!queued) model.push_back(i);
                break;
            case 1: {
                Item *got = q.pop_front();
                if (model.empty()) {
                    ASSERT_EQ(got, nullptr);
                } else {
                    ASSERT_NE(got, nullptr);
                    ASSERT_EQ(got->id, model.front());
                    model.pop_front();
                }
                break;
            }
            default:
                q.remove(&items[i]);
                model.remove(i);
                break;
        }
        ASSERT_EQ(q.empty(), model.empty());
    }
    std::vector<int> rest(model.begin(), model.end());
    EXPECT_EQ(drain(q), rest);
}

}  // namespace
