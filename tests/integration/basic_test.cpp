// Requests against a real realm-server: content, order and both stream
// shapes, in extended mode and in upstream-compatible mode.
#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <map>

#include "client_helpers.h"
#include "server_process.h"

namespace realm::test {
namespace {

const std::vector<std::string> kCanned = {"The ", "capital ", "of ", "France ", "is ", "Paris. ", "This ",
                                          "is ", "a ", "simulated ", "response ", "to: "};

std::string canned_word(size_t i, const std::string &first_prompt_word) {
    i %= 13;
    return i < 12 ? kCanned[i] : first_prompt_word + " ";
}

TEST(Basic, ConnectsAndReportsServerInfo) {
    Events ev;  // outlives the client
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ev.attach(c.get());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_CONNECTED);
    EXPECT_TRUE(ev.wait_for(REALM_EVENT_CONNECTED));
    char buf[128];
    EXPECT_GT(realm_client_server_version(c.get(), buf, sizeof buf), 0);
    for (const char *ext : {"interleave", "cancel", "retry_after", "terminal"})
        EXPECT_EQ(realm_client_has_extension(c.get(), ext), 1) << ext;
    // No tenant configured and none assigned: a UUIDv4 that passes the rules.
    ASSERT_EQ(realm_client_tenant_id(c.get(), buf, sizeof buf), 36);
    EXPECT_EQ(buf[14], '4');
    Outcome h;
    ASSERT_EQ(health(c.get(), h), REALM_OK);
    ASSERT_TRUE(h.wait());
    EXPECT_EQ(h.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_NE(h.json.find("\"healthy\""), std::string::npos) << h.json;
    EXPECT_EQ(server.stop(), 0);
}

TEST(Basic, NonStreamingGenerate) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "What is the capital of France?", 50, false), REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    EXPECT_EQ(o.text, "Paris");
    EXPECT_EQ(o.tokens_generated, 1);
    EXPECT_EQ(o.prompt_tokens, 6);
    EXPECT_TRUE(o.has_cost);
    EXPECT_DOUBLE_EQ(o.cost, 0.00024);
    EXPECT_TRUE(o.tokens.empty());
    EXPECT_EQ(o.terminal_count(), 1);
}

TEST(Basic, StreamingOrderAndContent) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Tell me a story", 40, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    ASSERT_EQ(o.tokens.size(), 40u);
    std::string expected;
    for (size_t i = 0; i < 40; ++i) {
        EXPECT_EQ(o.tokens[i], canned_word(i, "Tell")) << i;
        EXPECT_EQ(o.indexes[i], int64_t(i));
        expected += canned_word(i, "Tell");
    }
    EXPECT_EQ(o.text, expected);  // the result carries the concatenated stream
    EXPECT_EQ(o.tokens_generated, 40);
    EXPECT_EQ(o.streamed, 40);
}

TEST(Basic, PipelineHealthMetadata) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome p, m, bad;
    realm_handler_t hp = p.handler(), hm = m.handler(), hb = bad.handler();
    ASSERT_EQ(realm_pipeline(c.get(), "rag-pipeline", R"({"prompt":"What is the capital of France?"})", nullptr, &hp,
                             nullptr, nullptr),
              REALM_OK);
    ASSERT_EQ(realm_metadata(c.get(), nullptr, &hm, nullptr, nullptr), REALM_OK);
    ASSERT_EQ(realm_pipeline(c.get(), "no-such-pipeline", nullptr, nullptr, &hb, nullptr, nullptr), REALM_OK);
    ASSERT_TRUE(p.wait() && m.wait() && bad.wait());
    ASSERT_EQ(p.outcome, REALM_OUTCOME_COMPLETE) << p.message;
    EXPECT_NE(p.json.find("\"step\""), std::string::npos) << p.json;
    EXPECT_FALSE(p.text.empty());
    ASSERT_EQ(m.outcome, REALM_OUTCOME_COMPLETE);
    EXPECT_NE(m.json.find("\"generate\""), std::string::npos);
    EXPECT_NE(m.json.find("\"cancel\""), std::string::npos);  // extension listed
    ASSERT_EQ(bad.outcome, REALM_OUTCOME_ERROR);
    EXPECT_EQ(bad.status, REALM_ERR_DISPATCH);
    EXPECT_EQ(bad.code, "DISPATCH_ERROR");
    EXPECT_EQ(bad.message, "Pipeline not found: no-such-pipeline");
}

// disconnect(); isConnected() in the SDK documents: false as soon as the
// call returns, not once the event thread got round to it.
TEST(Basic, DisconnectIsVisibleWhenItReturns) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--token-delay-ms", "20"}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome running;
    ASSERT_EQ(generate(c.get(), running, "x", 50, true), REALM_OK);
    ASSERT_EQ(realm_client_disconnect(c.get(), nullptr, nullptr), REALM_OK);
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_DISCONNECTED);
    Outcome late;
    EXPECT_EQ(generate(c.get(), late, "x", 5, true), REALM_ERR_NOT_CONNECTED);
    ASSERT_TRUE(running.wait());
    EXPECT_EQ(running.outcome, REALM_OUTCOME_CANCELLED);
    // And it can connect again.
    ASSERT_EQ(connect(c.get()), REALM_OK);
    EXPECT_EQ(realm_client_state(c.get()), REALM_STATE_CONNECTED);
}

// The SDK documents' usage: rag-pipeline with a query and a context answers
// from that context (it used to fail with "Could not extract prompt").
TEST(Basic, RagPipelineTakesAQueryAndAContext) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    realm_handler_t h = o.handler();
    ASSERT_EQ(realm_pipeline(c.get(), "rag-pipeline",
                             R"({"query":"What is machine learning?","context":"Machine learning is..."})", nullptr,
                             &h, nullptr, nullptr),
              REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.code << ": " << o.message;
    EXPECT_NE(o.text.find("Context: Machine learning is...\nQuestion: What is machine learning?"), std::string::npos)
        << o.text;
}

TEST(Basic, ServerErrorsMapToCodes) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome unknown, badparam;
    realm_handler_t h1 = unknown.handler(), h2 = badparam.handler();
    ASSERT_EQ(realm_call(c.get(), "embed", R"({"text":"hi"})", nullptr, &h1, nullptr, nullptr), REALM_OK);
    ASSERT_EQ(realm_call(c.get(), "generate", R"({"prompt":"x","max_tokens":"5"})", nullptr, &h2, nullptr, nullptr),
              REALM_OK);
    ASSERT_TRUE(unknown.wait() && badparam.wait());
    EXPECT_EQ(unknown.code, "DISPATCH_ERROR");
    EXPECT_EQ(unknown.message, "Unknown function: embed");
    EXPECT_EQ(badparam.status, REALM_ERR_DISPATCH);
    EXPECT_EQ(badparam.message, "invalid type: string \"5\", expected usize");
}

TEST(Basic, UpstreamCompatModeStreamsFifo) {
    ServerProcess server;
    ASSERT_TRUE(server.start({"--compat", "upstream", "--token-delay-ms", "1"}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    EXPECT_EQ(realm_client_has_extension(c.get(), "interleave"), 0);
    Outcome s1, s2, h;
    ASSERT_EQ(generate(c.get(), s1, "Go", 100, true), REALM_OK);
    ASSERT_EQ(generate(c.get(), s2, "Stop", 3, true), REALM_OK);
    ASSERT_EQ(health(c.get(), h), REALM_OK);
    ASSERT_TRUE(s1.wait() && s2.wait() && h.wait());
    ASSERT_EQ(s1.outcome, REALM_OUTCOME_COMPLETE) << s1.message;
    EXPECT_EQ(s1.tokens.size(), 13u);  // upstream stops after the 13 canned words
    EXPECT_EQ(s1.tokens.back(), "Go ");
    EXPECT_EQ(s2.joined(), "The capital of ");
    EXPECT_EQ(h.outcome, REALM_OUTCOME_COMPLETE);
}

TEST(Basic, SingleCompleteStreamShape) {
    // The cli variant answers stream:true with one complete frame: stream
    // consumers still receive the text, as one token.
    ServerProcess server;
    ASSERT_TRUE(server.start({"--compat", "upstream-cli"}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    Outcome o;
    ASSERT_EQ(generate(c.get(), o, "Tell me a story", 50, true), REALM_OK);
    ASSERT_TRUE(o.wait());
    ASSERT_EQ(o.outcome, REALM_OUTCOME_COMPLETE) << o.message;
    ASSERT_EQ(o.tokens.size(), 1u);
    EXPECT_EQ(o.tokens[0], o.text);
    EXPECT_FALSE(o.text.empty());
    EXPECT_EQ(o.tokens_generated, 50);
}

TEST(Basic, RequestsBeforeConnectAreRefusedAndWhileConnectingAreQueued) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    Outcome early;
    realm_error_t *err = nullptr;
    realm_handler_t h = early.handler();
    EXPECT_EQ(realm_health(c.get(), nullptr, &h, nullptr, &err), REALM_ERR_NOT_CONNECTED);
    EXPECT_EQ(realm_error_status(err), REALM_ERR_NOT_CONNECTED);
    realm_error_destroy(err);
    // connect() returns at once; a request made right after waits for it.
    ASSERT_EQ(realm_client_connect(c.get(), nullptr, nullptr), REALM_OK);
    Outcome queued;
    ASSERT_EQ(generate(c.get(), queued, "What is the capital of France?", 5, false), REALM_OK);
    ASSERT_TRUE(queued.wait());
    EXPECT_EQ(queued.outcome, REALM_OUTCOME_COMPLETE) << queued.message;
    EXPECT_EQ(queued.text, "Paris");
}

TEST(Basic, PullModeQueueDeliversBatchesThroughTheFd) {
    ServerProcess server;
    ASSERT_TRUE(server.start({}));
    auto c = make_client(server.url());
    ASSERT_EQ(connect(c.get()), REALM_OK);
    realm_queue_t *q = nullptr;
    ASSERT_EQ(realm_queue_new(&q), REALM_OK);
    realm_handler_t h = REALM_HANDLER_INIT;
    h.queue = q;
    int tag_a = 1, tag_b = 2;
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = "Alpha";
    p.max_tokens = 500;
    p.stream = 1;
    h.user = &tag_a;
    ASSERT_EQ(realm_generate(c.get(), &p, nullptr, &h, nullptr, nullptr), REALM_OK);
    p.prompt = "Beta";
    h.user = &tag_b;
    ASSERT_EQ(realm_generate(c.get(), &p, nullptr, &h, nullptr, nullptr), REALM_OK);
    std::map<void *, std::string> text;
    std::map<void *, int> done;
    int wakeups = 0;
    size_t token_events = 0, tokens = 0, largest_batch = 0;
    while (done.size() < 2) {
        pollfd pf{realm_queue_fd(q), POLLIN, 0};
        ASSERT_EQ(poll(&pf, 1, 10000), 1) << "queue fd never became readable";
        ++wakeups;
        realm_queue_event_t ev[64];
        size_t n;
        while ((n = realm_queue_poll(q, ev, 64)) > 0) {
            for (size_t i = 0; i < n; ++i) {
                if (ev[i].kind == REALM_QEV_TOKENS) {
                    ++token_events;
                    tokens += ev[i].token_count;
                    largest_batch = std::max(largest_batch, ev[i].token_count);
                    for (size_t k = 0; k < ev[i].token_count; ++k)
                        text[ev[i].user].append(ev[i].tokens[k].text, ev[i].tokens[k].len);
                }
                if (ev[i].kind == REALM_QEV_DONE) {
                    EXPECT_EQ(ev[i].outcome, REALM_OUTCOME_COMPLETE);
                    EXPECT_EQ(std::string(realm_result_text(ev[i].result, nullptr)), text[ev[i].user]);
                    ++done[ev[i].user];
                }
            }
            if (n < 64) break;
        }
    }
    EXPECT_EQ(done[&tag_a], 1);
    EXPECT_EQ(done[&tag_b], 1);
    EXPECT_EQ(tokens, 1000u);
    // Batches: some event carried several tokens, and the consumer woke up far
    // less often than once per token (the server writes up to 64 KiB at a time).
    EXPECT_GT(largest_batch, 1u) << token_events << " token events";
    EXPECT_LT(size_t(wakeups) * 4, tokens) << wakeups << " wakeups, " << token_events << " token events";
    EXPECT_EQ(text[&tag_a].substr(0, 4), "The ");
    c.reset();
    realm_queue_destroy(q);
}

}  // namespace
}  // namespace realm::test
