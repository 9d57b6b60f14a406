#include <gtest/gtest.h>
#include <poll.h>

#include <vector>

#include "core/event_queue.h"

namespace {

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
}

realm_token_t tok(const char *s, int64_t index) { return realm_token_t{s, strlen(s), index, 0, 0}; }

TEST(EventQueue, WakesOncePerBurstAndMergesBatches) {
    realm_queue q;
    int notified = 0;
    q.notify = [](void *u) { ++*static_cast<int *>(u); };
    q.notify_user = &notified;
    auto *req = new realm_request();
    realm_token_t a[] = {tok("a", 0), tok("b", 1)}, b[] = {tok("c", 2)};
    EXPECT_FALSE(readable(q.efd));
    q.push_tokens(nullptr, req, a, 2);
    q.push_tokens(nullptr, req, b, 1);  // same request: merged
    EXPECT_TRUE(readable(q.efd));
    EXPECT_EQ(notified, 1);  // one wake for the burst
    realm_queue_event_t ev[4];
    ASSERT_EQ(q.poll(ev, 4), 1u);
    ASSERT_EQ(ev[0].kind, REALM_QEV_TOKENS);
    ASSERT_EQ(ev[0].token_count, 3u);
    EXPECT_EQ(std::string(ev[0].tokens[2].text, ev[0].tokens[2].len), "c");
    EXPECT_EQ(ev[0].tokens[1].index, 1);
    EXPECT_FALSE(readable(q.efd));  // drained: the fd was reset
    realm_result r;
    r.text = "abc";
    q.push_done(nullptr, req, REALM_OUTCOME_COMPLETE, &r, nullptr);
    EXPECT_EQ(notified, 2);
    ASSERT_EQ(q.poll(ev, 4), 1u);
    EXPECT_EQ(ev[0].kind, REALM_QEV_DONE);
    EXPECT_EQ(ev[0].result->text, "abc");
    EXPECT_EQ(q.poll(ev, 4), 0u);
    req->release();
}

// Interleaved streams: one item per stream however many tokens arrive, in
// each stream's order; a done or start item closes the stream's batch so
// nothing overtakes it; a poll starts a fresh round.
TEST(EventQueue, InterleavedStreamsMergeIntoOneItemPerStream) {
    realm_queue q;
    constexpr int kStreams = 1000, kTokens = 20;
    std::vector<realm_request_t *> reqs;
    for (int i = 0; i < kStreams; ++i) reqs.push_back(new realm_request());
    static const char *kText[] = {"t"};
    for (int t = 0; t < kTokens; ++t)
        for (auto *req : reqs) {
            realm_token_t one = tok(kText[0], t);
            q.push_tokens(nullptr, req, &one, 1);
        }
    EXPECT_EQ(q.items.size(), size_t(kStreams));  // was kStreams * kTokens before merging anywhere
    std::vector<realm_queue_event_t> ev(kStreams + 10);
    ASSERT_EQ(q.poll(ev.data(), ev.size()), size_t(kStreams));
    for (int i = 0; i < kStreams; ++i) {
        ASSERT_EQ(ev[i].token_count, size_t(kTokens));
        EXPECT_EQ(ev[i].tokens[kTokens - 1].index, kTokens - 1);
    }
    // After a poll, new tokens make new items (the polled ones are the consumer's).
    realm_token_t one = tok("u", 0);
    q.push_tokens(nullptr, reqs[0], &one, 1);
    realm_result r;
    q.push_done(nullptr, reqs[0], REALM_OUTCOME_COMPLETE, &r, nullptr);
    q.push_tokens(nullptr, reqs[1], &one, 1);
    q.push_tokens(nullptr, reqs[0], &one, 1);  // after its done: a new item, never merged before it
    EXPECT_EQ(q.items.size(), 4u);
    EXPECT_EQ(q.items[3].kind, REALM_QEV_TOKENS);
    EXPECT_EQ(q.items[3].request, reqs[0]);
    ASSERT_EQ(q.poll(ev.data(), ev.size()), 4u);
    for (auto *req : reqs) req->release();
}

TEST(EventQueue, PartialPollsDoNotRearm) {
    realm_queue q;
    auto *r1 = new realm_request();
    auto *r2 = new realm_request();
    auto *r3 = new realm_request();
    realm_token_t a[] = {tok("x", 0)};
    q.push_tokens(nullptr, r1, a, 1);
    q.push_tokens(nullptr, r2, a, 1);
    q.push_tokens(nullptr, r3, a, 1);
    realm_queue_event_t ev[2];
    EXPECT_EQ(q.poll(ev, 2), 2u);
    EXPECT_FALSE(q.armed);  // more left: the consumer must poll again
    EXPECT_EQ(q.poll(ev, 2), 1u);
    EXPECT_TRUE(q.armed);
    r1->release();
    r2->release();
    r3->release();
}

TEST(EventQueue, ClientEventsCarryCopies) {
    realm_queue q;
    realm_client_event_t ev{};
    ev.type = REALM_EVENT_DISCONNECTED;
    ev.close_code = 4001;
    std::string reason = "bye";
    ev.reason = reason.c_str();
    q.push_client_event(reinterpret_cast<void *>(7), ev);
    reason = "overwritten";
    realm_queue_event_t out[1];
    ASSERT_EQ(q.poll(out, 1), 1u);
    EXPECT_EQ(out[0].kind, REALM_QEV_CLIENT);
    EXPECT_EQ(out[0].user, reinterpret_cast<void *>(7));
    EXPECT_STREQ(out[0].client_event->reason, "bye");
    EXPECT_EQ(out[0].client_event->close_code, 4001);
}

}  // namespace
