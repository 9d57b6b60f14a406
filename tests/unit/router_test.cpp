// RequestRouter on its own: a fake host stands for the connections, the test
// feeds decoded frames. No sockets.
#include <gtest/gtest.h>

#include <memory>

#include "core/router.h"
#include "core_fakes.h"

namespace {

using realm::core::RequestRouter;
using realm::core::RouterConfig;
using realm::protocol::FrameKind;
using realm::protocol::InboundFrame;
using realm::protocol::RequestKind;
using realm::protocol::RequestSpec;
using realm::test::on_loop;
using realm::test::Recorded;

struct FakeHost : RequestRouter::Host {
    RequestRouter *router = nullptr;
    bool accepting = true;
    bool connecting = true;  // will_connect()
    int link_a = 0, link_b = 0;
    void *link = &link_a;  // the connection requests go out on
    std::vector<std::string> sent, abandoned, done;
    bool try_send(realm_request_t *req) override {
        if (!accepting) return false;
        sent.emplace_back(req->wire_id());
        router->mark_sent(req, link, true);
        return true;
    }
    void abandon(realm_request_t *req) override { abandoned.push_back(req->id); }
    void on_request_done(realm_request_t *req) override { done.push_back(req->id); }
    bool will_connect() const override { return connecting; }
};

struct RouterFixture : ::testing::Test {
    FakeHost host;
    std::unique_ptr<RequestRouter> router;

    void make(RouterConfig cfg = {}) {
        on_loop([&] {
            router = std::make_unique<RequestRouter>(realm::test::loop(), host, cfg);
            host.router = router.get();
        });
    }
    void TearDown() override {
        on_loop([&] { router.reset(); });
    }
    void accept(Recorded &r, bool can_wait = true) {
        on_loop([&] {
            router->queued().fetch_add(1);
            router->enqueue(r.hand_over(), can_wait);
        });
    }
    // Delivers frames in one loop turn (one batch of tokens).
    void deliver(Recorded &r, const std::vector<InboundFrame> &frames) {
        on_loop([&] {
            for (const auto &f : frames) router->deliver(r.req, f);
        });
    }
};

InboundFrame token(std::string_view text, std::string_view finish = {}) {
    InboundFrame f;
    f.kind = FrameKind::Token;
    f.text = text;
    f.has_text = true;
    f.finish_reason = finish;
    return f;
}

InboundFrame end_of_stream(std::string_view finish = {}) {
    InboundFrame f;
    f.kind = FrameKind::Complete;
    f.text_is_delta = true;
    f.finish_reason = finish;
    return f;
}

RequestSpec streaming_chat() {
    RequestSpec s;
    s.kind = RequestKind::Chat;
    s.messages = {{"user", "hi"}};
    s.sampling.stream = true;
    return s;
}

TEST_F(RouterFixture, TokensOfOnePassAreOneBatchAndTheEndIsDeliveredOnce) {
    make();
    Recorded r(streaming_chat());
    accept(r);
    ASSERT_EQ(host.sent, std::vector<std::string>{"r1"});
    deliver(r, {token("a"), token("b"), token("c")});
    ASSERT_TRUE(realm::test::eventually([&] { return r.batches == 1; }));
    InboundFrame usage;
    usage.kind = FrameKind::Token;
    usage.prompt_tokens = 1;
    usage.completion_tokens = 3;
    usage.total_tokens = 4;
    deliver(r, {token("", "stop"), usage, end_of_stream(), end_of_stream()});
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.terminals, 1);
    EXPECT_EQ(r.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_EQ(r.text, "abc");
    EXPECT_EQ(r.joined(), "abc");
    EXPECT_EQ(r.finish_reason, "stop");
    EXPECT_EQ(r.total_tokens, 4);
    EXPECT_EQ(host.done, std::vector<std::string>{"r1"});
    EXPECT_TRUE(host.abandoned.empty());
}

TEST_F(RouterFixture, CallbackHandlersGetOneBatchPerRunOfFramesForARequest) {
    // Interleaved streams: a request's tokens go out when a frame for another
    // request arrives (while its memory is still cached), not all at the end
    // of the pass; a run of frames for one request stays one batch.
    make();
    Recorded a(streaming_chat(), "r1"), b(streaming_chat(), "r2");
    accept(a);
    accept(b);
    ASSERT_EQ(host.sent, (std::vector<std::string>{"r1", "r2"}));
    int a_batches_when_b_began = -1;
    on_loop([&] {
        router->deliver(a.req, token("a1"));
        router->deliver(a.req, token("a2"));
        router->deliver(b.req, token("b1"));
        a_batches_when_b_began = a.batches;  // a's run ended when b's frame came
        router->deliver(a.req, token("a3"));
        router->deliver(b.req, token("b2"));
    });
    ASSERT_TRUE(realm::test::eventually([&] { return a.batches == 2 && b.batches == 2; }));
    EXPECT_EQ(a_batches_when_b_began, 1);
    EXPECT_EQ(a.tokens, (std::vector<std::string>{"a1", "a2", "a3"}));
    EXPECT_EQ(b.tokens, (std::vector<std::string>{"b1", "b2"}));
    deliver(a, {token("", "stop"), end_of_stream()});
    deliver(b, {token("", "stop"), end_of_stream()});
    ASSERT_TRUE(a.done() && b.done());
    EXPECT_EQ(a.text, "a1a2a3");
    EXPECT_EQ(b.text, "b1b2");
}

TEST_F(RouterFixture, AStreamWithoutAFinishReasonIsTruncated) {
    RouterConfig cfg;
    cfg.needs_finish_reason = true;
    make(cfg);
    Recorded r(streaming_chat());
    accept(r);
    deliver(r, {token("par"), end_of_stream()});
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(r.status, REALM_ERR_PROTOCOL);
    EXPECT_NE(r.message.find("truncated"), std::string::npos) << r.message;
    EXPECT_EQ(r.joined(), "par");  // what came is still delivered
}

TEST_F(RouterFixture, AbortFromTheServerIsCancelled) {
    make();
    Recorded r(streaming_chat());
    accept(r);
    deliver(r, {end_of_stream("abort")});
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.outcome, REALM_OUTCOME_CANCELLED);
    EXPECT_EQ(r.status, REALM_ERR_CANCELLED);
}

TEST_F(RouterFixture, NonStreamingAnswerIsTheResultNotATokens) {
    make();
    RequestSpec s;
    s.prompt = "p";
    Recorded r(s);
    accept(r);
    InboundFrame whole = end_of_stream("length");
    whole.text = "whole answer";
    whole.has_text = true;
    deliver(r, {whole});
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.text, "whole answer");
    EXPECT_TRUE(r.tokens.empty());
    EXPECT_EQ(r.finish_reason, "length");
}

TEST_F(RouterFixture, Utf8SplitAcrossPiecesIsJoinedAndBadUtf8Fails) {
    RouterConfig cfg;
    cfg.check_token_utf8 = true;
    make(cfg);
    Recorded r(streaming_chat(), "r1");
    accept(r);
    deliver(r, {token("caf\xc3"), token("\xa9!"), token("\xf0\x9f"), token("\x98\x80"), end_of_stream("stop")});
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_EQ(r.text, "caf\xc3\xa9!\xf0\x9f\x98\x80");
    for (const auto &t : r.tokens) EXPECT_FALSE(t.empty());

    Recorded bad(streaming_chat(), "r2");
    accept(bad);
    deliver(bad, {token("ok \xc3"), token("x")});  // a lead byte followed by ASCII
    ASSERT_TRUE(bad.done());
    EXPECT_EQ(bad.status, REALM_ERR_PROTOCOL);
    EXPECT_EQ(host.abandoned, std::vector<std::string>{"r2"});

    Recorded cut(streaming_chat(), "r3");
    accept(cut);
    deliver(cut, {token("end \xe2\x82"), end_of_stream("stop")});
    ASSERT_TRUE(cut.done());
    EXPECT_EQ(cut.status, REALM_ERR_PROTOCOL);
    EXPECT_NE(cut.message.find("UTF-8"), std::string::npos);

    Recorded overlong(streaming_chat(), "r4");
    accept(overlong);
    deliver(overlong, {token("\xc0\xaf")});
    ASSERT_TRUE(overlong.done());
    EXPECT_EQ(overlong.status, REALM_ERR_PROTOCOL);
}

TEST_F(RouterFixture, Utf8CarryOfOneToThreeBytesAcrossManyPieces) {
    // The carry is kept in 3 bytes of the request: a 4-byte character one
    // byte per piece, then cut 3 + 1.
    RouterConfig cfg;
    cfg.check_token_utf8 = true;
    make(cfg);
    Recorded r(streaming_chat(), "r1");
    accept(r);
    deliver(r, {token("a\xf0"), token("\x9f"), token("\x98"), token("\x80" "b"), token("\xf0\x9f\x98"),
                token("\x80"), end_of_stream("stop")});
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_EQ(r.text, "a\xf0\x9f\x98\x80" "b\xf0\x9f\x98\x80");
    for (const auto &t : r.tokens) EXPECT_FALSE(t.empty());
}

TEST_F(RouterFixture, ARunsTokensReachItsOwnRequestWhenItEndsMidRun) {
    // The run's unpublished tokens are kept by the router, not the request
    // (router.h, run_pending_): a run that ends (here: its connection fails,
    // then another completes within the pass) hands them to its own request
    // before its terminal event, and none leak into the next run's request.
    make();
    Recorded a(streaming_chat(), "r1"), b(streaming_chat(), "r2"), c(streaming_chat(), "r3");
    accept(a);
    accept(b);
    accept(c);
    int a_tokens_at_its_end = -1;
    on_loop([&] {
        router->deliver(b.req, token("b1"));
        router->deliver(a.req, token("a1"));
        router->deliver(a.req, token("a2"));  // a is the run, with two tokens unpublished
        router->fail(a.req, realm::core::make_error(REALM_ERR_CONNECTION_LOST, "gone"), false);
        a_tokens_at_its_end = int(a.tokens.size());
        router->deliver(c.req, token("c1"));
        router->deliver(c.req, token("", "stop"));
        router->deliver(c.req, end_of_stream());  // c ends as the run
        router->deliver(b.req, token("b2"));
    });
    ASSERT_TRUE(realm::test::eventually([&] { return b.tokens.size() == 2; }));
    ASSERT_TRUE(a.done() && c.done());
    EXPECT_EQ(a_tokens_at_its_end, 2);
    EXPECT_EQ(a.tokens, (std::vector<std::string>{"a1", "a2"}));
    EXPECT_EQ(a.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(a.code, "CONNECTION_LOST");
    EXPECT_EQ(c.tokens, (std::vector<std::string>{"c1"}));
    EXPECT_EQ(c.text, "c1");
    EXPECT_EQ(c.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_EQ(b.tokens, (std::vector<std::string>{"b1", "b2"}));
    deliver(b, {token("", "stop"), end_of_stream()});
    ASSERT_TRUE(b.done());
    EXPECT_EQ(b.text, "b1b2");
    EXPECT_EQ(a.terminals + b.terminals + c.terminals, 3);
}

TEST(RequestLayout, WhatAFrameTouchesIsOnTheFirstThreeCacheLines) {
    // realm_request's order is for speed (core/request.h): a frame reads
    // lines 0-2 only. A member moved or grown breaks this, not the build.
    auto req = std::make_unique<realm_request>();
    const auto *base = reinterpret_cast<const char *>(req.get());
    auto line = [&](const void *member, size_t size) {
        const auto *p = static_cast<const char *>(member);
        size_t first = size_t(p - base) / 64, last = size_t(p + size - 1 - base) / 64;
        return first == last ? int(first) : -1;  // -1: straddles two lines
    };
    EXPECT_EQ(reinterpret_cast<uintptr_t>(base) % 64, 0u);
    EXPECT_EQ(line(&req->refs, sizeof req->refs), 0);
    EXPECT_EQ(line(&req->state, sizeof req->state), 0);
    EXPECT_EQ(line(&req->streaming, sizeof req->streaming), 0);
    EXPECT_EQ(line(&req->dirty, sizeof req->dirty), 0);
    EXPECT_EQ(line(&req->started, sizeof req->started), 0);
    EXPECT_EQ(line(&req->idle_timeout_ms, sizeof req->idle_timeout_ms), 0);
    EXPECT_EQ(line(&req->retried, sizeof req->retried), 0);
    EXPECT_EQ(line(&req->utf8_carry, sizeof req->utf8_carry), 0);
    EXPECT_EQ(line(&req->streamed, sizeof req->streamed), 0);
    EXPECT_EQ(line(&req->id, sizeof req->id), 0);
    EXPECT_EQ(line(&req->text, sizeof req->text), 1);
    EXPECT_EQ(line(&req->pending, sizeof req->pending), 1);
    EXPECT_EQ(line(&req->first_token_us, sizeof req->first_token_us), 1);
    EXPECT_EQ(line(&req->handler, sizeof req->handler), 2);
}

TEST_F(RouterFixture, QueuedRequestsGoOutInOrderWhenTheHostTakesThem) {
    make();
    host.accepting = false;
    Recorded a(streaming_chat(), "a"), b(streaming_chat(), "b"), c(streaming_chat(), "c");
    accept(a);
    accept(b);
    accept(c, false);  // cannot wait: refused at once
    ASSERT_TRUE(c.done());
    EXPECT_EQ(c.status, REALM_ERR_NOT_CONNECTED);
    EXPECT_TRUE(host.sent.empty());
    on_loop([&] {
        EXPECT_TRUE(router->has_pending());
        host.accepting = true;
        router->flush_pending();
    });
    EXPECT_EQ(host.sent, (std::vector<std::string>{"a", "b"}));
    on_loop([&] { EXPECT_EQ(router->queued().load(), 0u); });
    on_loop([&] { router->fail_sent(nullptr, realm::core::make_error(REALM_ERR_CANCELLED, "done")); });
    EXPECT_TRUE(a.done() && b.done());
}

TEST_F(RouterFixture, TimeoutEndsTheRequestAndAbandonsIt) {
    make();
    Recorded r(streaming_chat(), "r1", 30);
    accept(r);
    ASSERT_TRUE(realm::test::eventually([&] { return r.done(); }));
    EXPECT_EQ(r.status, REALM_ERR_TIMEOUT);
    EXPECT_EQ(host.abandoned, std::vector<std::string>{"r1"});
    // Frames that still arrive change nothing.
    deliver(r, {token("late"), end_of_stream("stop")});
    EXPECT_EQ(r.terminals, 1);
}

TEST_F(RouterFixture, IdleTimeoutCountsSilence) {
    make();
    Recorded r(streaming_chat(), "r1");
    r.req->idle_timeout_ms = 40;
    accept(r);
    deliver(r, {token("a")});
    ASSERT_TRUE(realm::test::eventually([&] { return r.done(); }));
    EXPECT_EQ(r.status, REALM_ERR_IDLE_TIMEOUT);
    EXPECT_EQ(r.joined(), "a");
}

TEST_F(RouterFixture, FailingALinkEndsOnlyItsRequests) {
    make();
    Recorded a(streaming_chat(), "a"), b(streaming_chat(), "b");
    accept(a);
    host.link = &host.link_b;  // b goes out on another connection
    accept(b);
    on_loop([&] {
        EXPECT_EQ(router->sent_on(&host.link_a).size(), 1u);
        router->fail_sent(&host.link_a, realm::core::make_error(REALM_ERR_CONNECTION_LOST, "gone"));
    });
    ASSERT_TRUE(a.done());
    EXPECT_EQ(a.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_FALSE(b.done());
    on_loop([&] {
        EXPECT_EQ(router->find("b"), b.req);
        router->fail_sent(nullptr, realm::core::make_error(REALM_ERR_CANCELLED, "bye"));
    });
    ASSERT_TRUE(b.done());
    EXPECT_EQ(b.outcome, REALM_OUTCOME_CANCELLED);
}

TEST_F(RouterFixture, LateFramesOfEndedRequestsAreDropped) {
    make();
    on_loop([&] {
        router->add_zombie("z");
        EXPECT_TRUE(router->drop_late_frame("z", false));
        EXPECT_TRUE(router->drop_late_frame("z", true));   // its last frame
        EXPECT_FALSE(router->drop_late_frame("z", false));  // forgotten
        EXPECT_FALSE(router->drop_late_frame("never", false));
    });
}

// A client that cancels a lot: zombies whose last frame arrived are
// forgotten at once, so the bookkeeping stays at the live ones (it used to
// keep every retired id until 65,536 of them).
TEST_F(RouterFixture, RetiredZombiesDoNotAccumulate) {
    make();
    on_loop([&] {
        router->add_zombie("live");
        for (int i = 0; i < 70000; ++i) {
            std::string id = "r" + std::to_string(i);
            router->add_zombie(id);
            router->drop_late_frame(id, false);
            router->drop_late_frame(id, true);  // its last frame
        }
        EXPECT_EQ(router->zombie_entries(), 1u);
        EXPECT_TRUE(router->drop_late_frame("live", false));  // the live one is kept
    });
}

TEST_F(RouterFixture, ZombiesWhoseLastFrameNeverComesAreCapped) {
    make();
    on_loop([&] {
        for (int i = 0; i < 65536 + 10; ++i) router->add_zombie("z" + std::to_string(i));
        EXPECT_EQ(router->zombie_entries(), 65536u);
        EXPECT_FALSE(router->drop_late_frame("z9", false));     // the oldest were forgotten
        EXPECT_TRUE(router->drop_late_frame("z10", false));
        EXPECT_TRUE(router->drop_late_frame("z65545", true));
        EXPECT_EQ(router->zombie_entries(), 65535u);
    });
}

TEST_F(RouterFixture, ServerErrorKeepsItsCodeAndRetryAfter) {
    make();
    Recorded r(streaming_chat());
    accept(r);
    InboundFrame e;
    e.kind = FrameKind::Error;
    e.status = REALM_ERR_RATE_LIMITED;
    e.code = "rate_limit_exceeded";
    e.message = "slow down";
    e.retry_after_ms = 1500;
    deliver(r, {e});
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.status, REALM_ERR_RATE_LIMITED);
    EXPECT_EQ(r.code, "rate_limit_exceeded");
    EXPECT_EQ(r.retry_after_ms, 1500);
    EXPECT_TRUE(host.abandoned.empty());  // the server ended it itself
}

// ---------------------------------------------------------------- retries

InboundFrame http_error(int http_status, realm_status_t status, int64_t retry_after_ms = -1) {
    InboundFrame f;
    f.kind = FrameKind::Error;
    f.status = status;
    f.http_status = http_status;
    f.message = "try later";
    f.retry_after_ms = retry_after_ms;
    return f;
}

RouterConfig retrying(uint32_t max_retries, uint32_t base_ms = 5) {
    RouterConfig cfg;
    cfg.retry = {max_retries, base_ms, 1000};
    return cfg;
}

size_t sends(FakeHost &host) {
    size_t n = 0;
    on_loop([&] { n = host.sent.size(); });
    return n;
}

TEST_F(RouterFixture, A503BeforeAnyByteIsSentAgainUnderANewWireIdUntilRetriesRunOut) {
    make(retrying(2));
    Recorded r(streaming_chat(), "r1");
    accept(r);
    for (size_t attempt = 1; attempt <= 3; ++attempt) {
        ASSERT_TRUE(realm::test::eventually([&] { return host.sent.size() == attempt; }));
        EXPECT_FALSE(r.done());
        deliver(r, {http_error(503, REALM_ERR_SERVER)});
    }
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.terminals, 1);
    EXPECT_EQ(r.status, REALM_ERR_SERVER);
    EXPECT_EQ(host.sent, (std::vector<std::string>{"r1", "r1~1", "r1~2"}));
    on_loop([&] {
        EXPECT_EQ(router->retrying(), 0u);
        EXPECT_EQ(router->queued().load(), 0u);
    });
}

TEST_F(RouterFixture, ARetriedRequestCompletesNormally) {
    make(retrying(2));
    Recorded r(streaming_chat(), "r1");
    accept(r);
    deliver(r, {http_error(429, REALM_ERR_RATE_LIMITED)});
    ASSERT_TRUE(realm::test::eventually([&] { return host.sent.size() == 2; }));
    deliver(r, {token("ok"), end_of_stream("stop")});
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_EQ(r.joined(), "ok");
    EXPECT_EQ(r.finish_reason, "stop");
}

TEST_F(RouterFixture, NothingIsSentAgainOnceATokenArrived) {
    make(retrying(2));
    Recorded r(streaming_chat(), "r1");
    accept(r);
    deliver(r, {token("partial")});
    on_loop([&] { router->fail_sent(nullptr, realm::core::make_error(REALM_ERR_CONNECTION_LOST, "gone")); });
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_EQ(r.joined(), "partial");
    EXPECT_EQ(sends(host), 1u);
}

TEST_F(RouterFixture, OnlyPassingFailuresAreRetried) {
    make(retrying(2));
    Recorded bad(streaming_chat(), "bad"), lost(streaming_chat(), "lost");
    accept(bad);
    deliver(bad, {http_error(400, REALM_ERR_INVALID_REQUEST)});
    ASSERT_TRUE(bad.done());  // at once, not after a delay
    EXPECT_EQ(bad.status, REALM_ERR_INVALID_REQUEST);
    accept(lost);
    on_loop([&] { router->fail_sent(nullptr, realm::core::make_error(REALM_ERR_CONNECTION_LOST, "gone")); });
    EXPECT_FALSE(lost.done());
    ASSERT_TRUE(realm::test::eventually([&] { return host.sent.size() == 3; }));
    EXPECT_EQ(host.sent.back(), "lost~1");
    on_loop([&] { router->fail_sent(nullptr, realm::core::make_error(REALM_ERR_CANCELLED, "bye")); });
    ASSERT_TRUE(lost.done());
}

TEST_F(RouterFixture, RetryWaitsAtLeastTheServersRetryAfter) {
    make(retrying(1, 1));
    Recorded r(streaming_chat(), "r1");
    accept(r);
    int64_t failed_at = realm::transport::monotonic_us();
    deliver(r, {http_error(429, REALM_ERR_RATE_LIMITED, 250)});
    int64_t resent_at = 0;
    ASSERT_TRUE(realm::test::eventually([&] {
        if (host.sent.size() < 2) return false;
        resent_at = realm::transport::monotonic_us();
        return true;
    }));
    EXPECT_GE(resent_at - failed_at, 250000);
    deliver(r, {end_of_stream("stop")});
    ASSERT_TRUE(r.done());
}

TEST_F(RouterFixture, ATimeoutIsPerAttemptAndTheAbandonedAttemptsFramesCannotReachTheNext) {
    make(retrying(1));
    Recorded r(streaming_chat(), "r1", 40);
    accept(r);
    ASSERT_TRUE(realm::test::eventually([&] { return host.sent.size() == 2; }));
    EXPECT_EQ(host.abandoned, std::vector<std::string>{"r1"});  // the server was told to stop
    on_loop([&] {
        EXPECT_EQ(router->find("r1"), nullptr);  // a late frame for "r1" finds nothing
        EXPECT_EQ(router->find("r1~1"), r.req);
    });
    ASSERT_TRUE(realm::test::eventually([&] { return r.done(); }));
    EXPECT_EQ(r.status, REALM_ERR_TIMEOUT);
    EXPECT_EQ(r.terminals, 1);
    EXPECT_EQ(sends(host), 2u);
}

TEST_F(RouterFixture, CancelOrShutdownWhileWaitingEndsTheRequestOnce) {
    make(retrying(2, 60000));  // the retry would be a minute away
    Recorded a(streaming_chat(), "a"), b(streaming_chat(), "b");
    accept(a);
    accept(b);
    deliver(a, {http_error(503, REALM_ERR_SERVER)});
    deliver(b, {http_error(503, REALM_ERR_SERVER)});
    on_loop([&] {
        EXPECT_EQ(router->retrying(), 2u);
        router->fail(a.req, realm::core::make_error(REALM_ERR_CANCELLED, "by the caller"), true);
        router->fail_pending(realm::core::make_error(REALM_ERR_CANCELLED, "client disconnected"));
        EXPECT_EQ(router->retrying(), 0u);
        EXPECT_EQ(router->queued().load(), 0u);
    });
    ASSERT_TRUE(a.done() && b.done());
    EXPECT_EQ(a.terminals + b.terminals, 2);
    EXPECT_EQ(a.outcome, REALM_OUTCOME_CANCELLED);
    EXPECT_EQ(b.message, "client disconnected");
    EXPECT_EQ(sends(host), 2u);
}

TEST_F(RouterFixture, NoRetryWhenNoConnectionIsComing) {
    make(retrying(2));
    host.connecting = false;
    Recorded r(streaming_chat(), "r1");
    accept(r);
    deliver(r, {http_error(503, REALM_ERR_SERVER)});
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.status, REALM_ERR_SERVER);
    EXPECT_EQ(sends(host), 1u);
}

TEST_F(RouterFixture, ARetryThatFindsNoConnectionEndsWithTheOriginalFailure) {
    make(retrying(2, 20));
    Recorded r(streaming_chat(), "r1");
    accept(r);
    on_loop([&] {
        router->fail_sent(nullptr, realm::core::make_error(REALM_ERR_CONNECTION_LOST, "gone"));
        host.accepting = false;
        host.connecting = false;  // the client gave up reconnecting meanwhile
    });
    ASSERT_TRUE(realm::test::eventually([&] { return r.done(); }));
    EXPECT_EQ(r.status, REALM_ERR_CONNECTION_LOST);
    EXPECT_EQ(r.message, "gone");
}

}  // namespace
