// The tekton-ws dialect without sockets (tekton.md 3): the REGISTER /
// REGISTER_ACK handshake (PING answered, anything else a protocol error),
// the four request frames, CANCEL, and the decoding of every server frame,
// malformed ones included.
#include <gtest/gtest.h>

#include <string>

#include "protocol/registry.h"

namespace realm::protocol {
namespace {

std::unique_ptr<Dialect> tekton_ws(std::string key = "", std::string component = "") {
    DialectConfig cfg;
    cfg.api_key = std::move(key);
    cfg.client_id = std::move(component);
    auto d = make_dialect("tekton-ws", cfg);
    EXPECT_NE(d, nullptr);
    return d;
}

TEST(TektonWsDialect, RegisteredByNameOnlyWithBearerHeader) {
    Transport t;
    ASSERT_TRUE(dialect_transport("tekton-ws", &t));
    EXPECT_EQ(t, Transport::WebSocket);
    EXPECT_NE(std::string(dialect_names()).find("tekton-ws"), std::string::npos);
    EXPECT_EQ(dialect_for_url(false, "/ws"), "realm");  // never chosen from a URL
    auto d = tekton_ws("secret");
    HeaderList h = d->request_headers();
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(h[0].first, "Authorization");
    EXPECT_EQ(h[0].second, "Bearer secret");
    EXPECT_TRUE(tekton_ws()->request_headers().empty());
    const Capabilities &c = d->capabilities();
    EXPECT_EQ(c.policy, ConnectionPolicy::Multiplexed);
    EXPECT_EQ(c.correlation, Correlation::ById);
    EXPECT_EQ(c.cancel, CancelStyle::Frame);
    std::string why;
    RequestSpec models;
    models.kind = RequestKind::Models;
    EXPECT_FALSE(d->accepts(models, &why));
    EXPECT_NE(why.find("models"), std::string::npos);
}

TEST(TektonWsDialect, HandshakeRegistersAndWaitsForTheAck) {
    auto hs = tekton_ws("", "c1")->new_handshake();
    HandshakeStep s = hs->on_open();
    EXPECT_EQ(s.kind, HandshakeStep::Kind::Wait);
    EXPECT_EQ(s.send, R"({"type":"REGISTER","component_id":"c1","capabilities":["chat","stream"]})");
    EXPECT_EQ(s.timeout_ms, 0u);  // the connect timeout bounds it
    s = hs->on_message(R"({"type":"PING"})");
    EXPECT_EQ(s.kind, HandshakeStep::Kind::Wait);
    EXPECT_EQ(s.send, R"({"type":"PONG"})");
    s = hs->on_message(R"({"type":"REGISTER_ACK","status":"registered"})");
    EXPECT_EQ(s.kind, HandshakeStep::Kind::Ready);
    EXPECT_TRUE(s.send.empty());
    SessionInfo info = hs->session();
    EXPECT_TRUE(info.server_cancel);
    EXPECT_TRUE(info.interleave);

    // The component id defaults to "librealm".
    EXPECT_NE(tekton_ws()->new_handshake()->on_open().send.find(R"("component_id":"librealm")"), std::string::npos);
}

TEST(TektonWsDialect, AnythingButAckOrPingBeforeTheAckFails) {
    const char *bad[] = {R"({"type":"CHUNK","request_id":"x","chunk":"a"})", "not json", R"({"status":"registered"})",
                         R"({"type":"ERROR","request_id":"","error":"Not registered"})"};
    for (const char *frame : bad) {
        auto hs = tekton_ws()->new_handshake();
        hs->on_open();
        HandshakeStep s = hs->on_message(frame);
        EXPECT_EQ(s.kind, HandshakeStep::Kind::Fail) << frame;
        EXPECT_EQ(s.status, REALM_ERR_PROTOCOL) << frame;
        EXPECT_FALSE(s.message.empty());
    }
    auto hs = tekton_ws()->new_handshake();
    HandshakeStep s = hs->on_message(R"({"type":"ERROR","error":"Authentication failed"})");
    EXPECT_EQ(s.status, REALM_ERR_UNAUTHORIZED);
    EXPECT_NE(s.message.find("Authentication failed"), std::string::npos);
}

TEST(TektonWsDialect, EncodesTheFourRequestTypes) {
    auto d = tekton_ws();
    RequestSpec gen;
    gen.prompt = "2+2?";
    std::string out;
    d->encode_request(out, "r1", gen, SessionInfo{});
    EXPECT_EQ(out, R"({"type":"GENERATE","request_id":"r1","prompt":"2+2?","context_id":"librealm",)"
                   R"("provider_id":"realm","options":{"temperature":0.7,"fallback_provider":null,)"
                   R"("fallback_model":null}})");

    gen.sampling.stream = true;
    gen.sampling.model = "m";
    gen.sampling.max_tokens = 5;
    gen.extra_json = R"({"context_id":"poetry"})";
    out.clear();
    d->encode_request(out, "r2", gen, SessionInfo{});
    EXPECT_EQ(out, R"({"type":"STREAM","request_id":"r2","prompt":"2+2?","provider_id":"realm","model_id":"m",)"
                   R"("options":{"temperature":0.7,"fallback_provider":null,"fallback_model":null,"max_tokens":5},)"
                   R"("context_id":"poetry"})");

    RequestSpec chat;
    chat.kind = RequestKind::Chat;
    chat.messages = {{"system", "Be brief"}, {"user", "Hi"}};
    out.clear();
    d->encode_request(out, "r3", chat, SessionInfo{});
    EXPECT_EQ(out, R"({"type":"CHAT","request_id":"r3","messages":[{"role":"user","content":"Hi"}],)"
                   R"("context_id":"librealm","provider_id":"realm","system_prompt":"Be brief",)"
                   R"("options":{"temperature":0.7,"fallback_provider":null,"fallback_model":null}})");
    chat.sampling.stream = true;
    out.clear();
    d->encode_request(out, "r4", chat, SessionInfo{});
    EXPECT_EQ(out.rfind(R"({"type":"CHAT_STREAM","request_id":"r4","messages":)", 0), 0u) << out;

    out.clear();
    EXPECT_TRUE(d->encode_cancel(out, "c9", "r2", SessionInfo{}));
    EXPECT_EQ(out, R"({"type":"CANCEL","request_id":"r2"})");
}

TEST(TektonWsDialect, DecodesChunksResponsesErrorsAndPing) {
    auto d = tekton_ws();
    InboundFrame f;
    d->decode(R"({"type":"CHUNK","request_id":"c1_0","chunk":"Hel","context_id":"default","model":"m",)"
              R"("provider":"realm","timestamp":"t","done":false})",
              f);
    EXPECT_EQ(f.kind, FrameKind::Token);
    EXPECT_EQ(f.id, "c1_0");
    EXPECT_TRUE(f.has_id);
    EXPECT_EQ(f.text, "Hel");
    EXPECT_EQ(f.model, "m");
    d->decode(R"({"type":"CHUNK","request_id":"c1_0","chunk":"","done":true,"finish_reason":"stop"})", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_TRUE(f.text_is_delta);
    EXPECT_EQ(f.finish_reason, "stop");
    d->decode(R"({"type":"CHUNK","request_id":"c1_0","chunk":"","done":true,"error":"boom"})", f);
    EXPECT_EQ(f.kind, FrameKind::Error);
    EXPECT_EQ(f.message, "boom");

    const std::string response =
        R"({"type":"RESPONSE","request_id":"c1_1","content":"4","model":"m","provider":"realm",)"
        R"("context_id":"default","finish_reason":"stop","usage":{"prompt_tokens":2,"completion_tokens":1,)"
        R"("total_tokens":3},"timestamp":"2025-08-01T12:00:01Z"})";
    d->decode(response, f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_EQ(f.id, "c1_1");
    EXPECT_EQ(f.text, "4");
    EXPECT_EQ(f.finish_reason, "stop");
    EXPECT_EQ(f.total_tokens, 3);
    EXPECT_EQ(f.data_json, response);

    d->decode(R"({"type":"ERROR","request_id":"c1_3","error":"messages must not be empty"})", f);
    EXPECT_EQ(f.kind, FrameKind::Error);
    EXPECT_EQ(f.id, "c1_3");
    EXPECT_EQ(f.status, REALM_ERR_INVALID_REQUEST);
    EXPECT_EQ(f.message, "messages must not be empty");
    d->decode(R"({"type":"ERROR","request_id":"","error":"Not registered"})", f);
    EXPECT_EQ(f.kind, FrameKind::ServerError);  // the connection's, no request ends
    EXPECT_EQ(f.message, "Not registered");

    d->decode(R"({"type":"PING"})", f);
    EXPECT_EQ(f.kind, FrameKind::Ignore);
    EXPECT_EQ(f.reply, R"({"type":"PONG"})");
    d->decode(R"({"type":"STATUS","request_id":"c1_0"})", f);
    EXPECT_EQ(f.kind, FrameKind::Ignore);
    EXPECT_TRUE(f.reply.empty());  // cleared between frames
}

TEST(TektonWsDialect, MalformedFramesAreInvalidWithAReason) {
    auto d = tekton_ws();
    struct Case {
        const char *frame;
        const char *why;
        bool has_id;
    } cases[] = {
        {"not json", "not a JSON object", false},
        {"[1,2]", "not a JSON object", false},
        {R"({"type":"CHUNK","request_id":"r","chunk":"a"} trailing)", "not a JSON object", false},
        {R"({"request_id":"r","chunk":"a"})", "without type", true},
        {R"({"type":"CHUNK","request_id":"r","chunk":5})", "\"chunk\" has the wrong type", true},
        {R"({"type":"CHUNK","request_id":"r","chunk":"a","done":"yes"})", "\"done\" has the wrong type", true},
        {R"({"type":"RESPONSE","request_id":7,"content":"a"})", "\"request_id\" has the wrong type", false},
        {R"({"type":3})", "\"type\" has the wrong type", false},
        {R"({"type":"CHUNK","chunk":"a"})", "CHUNK without request_id", false},
        {R"({"type":"RESPONSE","request_id":"","content":"a"})", "RESPONSE without request_id", false},
    };
    for (const Case &c : cases) {
        InboundFrame f;
        d->decode(c.frame, f);
        EXPECT_EQ(f.kind, FrameKind::Invalid) << c.frame;
        EXPECT_NE(f.problem.find(c.why), std::string::npos) << c.frame << ": " << f.problem;
        EXPECT_EQ(f.has_id, c.has_id) << c.frame;
    }
}

}  // namespace
}  // namespace realm::protocol
