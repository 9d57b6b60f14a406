// ws-system on the client side: the signature vector of ws-system.md 7.1,
// key loading errors, the handshake state machine and frame decoding.
#include <gtest/gtest.h>

#include <cjson/cJSON.h>

#include <fstream>
#include <sstream>

#include "protocol/registry.h"
#include "protocol/ws_system/challenge_signer.h"
#include "protocol/ws_system/ws_system_dialect.h"

namespace {

using namespace realm::protocol;
using ws_system::ChallengeSigner;

struct Vector {
    std::string challenge, client_id, private_pem, public_pem, signature;
};

const Vector &vector71() {
    static Vector v = [] {
        std::ifstream in(REALM_WS_SYSTEM_VECTORS_FILE);
        std::stringstream ss;
        ss << in.rdbuf();
        cJSON *root = cJSON_Parse(ss.str().c_str());
        cJSON *sig = cJSON_GetObjectItem(root, "signature");
        auto text = [&](const char *k) { return std::string(cJSON_GetObjectItem(sig, k)->valuestring); };
        Vector out{text("challenge"), text("client_id"), text("private_key_pkcs8_pem"), text("public_key_spki_pem"),
                   text("signature_base64")};
        cJSON_Delete(root);
        return out;
    }();
    return v;
}

std::unique_ptr<Dialect> dialect_with_key(const std::string &pem, std::string *why = nullptr) {
    DialectConfig cfg;
    cfg.client_id = vector71().client_id;
    cfg.private_key_pem = pem;
    std::string ignored;
    return make_dialect("ws-system", cfg, why ? why : &ignored);
}

TEST(WsSystemSigner, SignsTheSection71VectorExactly) {
    std::string why, sig;
    auto signer = ChallengeSigner::from_pem(vector71().private_pem, "", "SHA256", &why);
    ASSERT_TRUE(signer) << why;
    ASSERT_TRUE(signer->sign(vector71().challenge, &sig, &why)) << why;
    EXPECT_EQ(sig, vector71().signature);
    // RSA-SHA256 is the same algorithm under Node's other name.
    auto alias = ChallengeSigner::from_pem(vector71().private_pem, "", "rsa-sha256", &why);
    ASSERT_TRUE(alias);
    ASSERT_TRUE(alias->sign(vector71().challenge, &sig, &why));
    EXPECT_EQ(sig, vector71().signature);
}

TEST(WsSystemSigner, OneChangedHexDigitOrTheDecodedBytesGiveAnotherSignature) {
    std::string why, sig;
    auto signer = ChallengeSigner::from_pem(vector71().private_pem, "", "SHA256", &why);
    ASSERT_TRUE(signer);
    std::string changed = vector71().challenge;
    changed[10] = changed[10] == '0' ? '1' : '0';
    ASSERT_TRUE(signer->sign(changed, &sig, &why));
    EXPECT_NE(sig, vector71().signature);
    std::string decoded;
    for (size_t i = 0; i < vector71().challenge.size(); i += 2)
        decoded += char(std::stoi(vector71().challenge.substr(i, 2), nullptr, 16));
    ASSERT_TRUE(signer->sign(decoded, &sig, &why));
    EXPECT_NE(sig, vector71().signature);
}

TEST(WsSystemSigner, Sha512SignsDifferentlyAndUnknownAlgorithmsAreRefused) {
    std::string why, sig;
    auto signer = ChallengeSigner::from_pem(vector71().private_pem, "", "SHA512", &why);
    ASSERT_TRUE(signer);
    ASSERT_TRUE(signer->sign(vector71().challenge, &sig, &why));
    EXPECT_NE(sig, vector71().signature);
    EXPECT_EQ(sig.size(), vector71().signature.size());  // same key size
    EXPECT_FALSE(ChallengeSigner::from_pem(vector71().private_pem, "", "MD5", &why));
    EXPECT_NE(why.find("algorithm"), std::string::npos);
    EXPECT_FALSE(ChallengeSigner::known_algorithm("SHA1"));
    EXPECT_TRUE(ChallengeSigner::known_algorithm("RSA-SHA512"));
}

TEST(WsSystemSigner, BadKeysAreClearErrorsThatNeverQuoteTheKey) {
    std::string why;
    EXPECT_FALSE(ChallengeSigner::from_pem("not a key", "", "", &why));
    EXPECT_NE(why.find("PEM"), std::string::npos);
    EXPECT_FALSE(ChallengeSigner::from_pem(vector71().public_pem, "", "", &why));
    EXPECT_NE(why.find("public key"), std::string::npos);
    std::string broken = vector71().private_pem;
    broken[100] = broken[100] == 'A' ? 'B' : 'A';
    broken.erase(200, 40);
    EXPECT_FALSE(ChallengeSigner::from_pem(broken, "", "", &why));
    EXPECT_EQ(why.find(vector71().private_pem.substr(40, 20)), std::string::npos);
    EXPECT_FALSE(ChallengeSigner::from_file("/nonexistent/key.pem", "", "", &why));
    EXPECT_NE(why.find("/nonexistent/key.pem"), std::string::npos);
}

TEST(WsSystemDialect, NeedsAClientIdAndExactlyOneKey) {
    std::string why;
    DialectConfig cfg;
    cfg.private_key_pem = vector71().private_pem;
    EXPECT_FALSE(make_dialect("ws-system", cfg, &why));
    EXPECT_NE(why.find("client_id"), std::string::npos);
    cfg.client_id = "c";
    cfg.private_key_pem.clear();
    EXPECT_FALSE(make_dialect("ws-system", cfg, &why));
    EXPECT_NE(why.find("private key"), std::string::npos);
    cfg.private_key_pem = vector71().private_pem;
    cfg.private_key_path = "/x";
    EXPECT_FALSE(make_dialect("ws-system", cfg, &why));
    EXPECT_TRUE(dialect_with_key(vector71().private_pem));
}

TEST(WsSystemDialect, HandshakeSignsTheChallengeAndWaitsForAuthResult) {
    auto d = dialect_with_key(vector71().private_pem);
    ASSERT_TRUE(d);
    auto hs = d->new_handshake();
    HandshakeStep s = hs->on_open();
    EXPECT_EQ(s.kind, HandshakeStep::Kind::Wait);
    EXPECT_EQ(s.timeout_ms, 10000u);
    EXPECT_EQ(s.timeout_code, "auth_challenge_timeout");
    s = hs->on_message("{\"type\":\"challenge\",\"challenge\":\"" + vector71().challenge + "\",\"timestamp\":1}");
    ASSERT_EQ(s.kind, HandshakeStep::Kind::Wait);
    cJSON *auth = cJSON_Parse(s.send.c_str());
    ASSERT_TRUE(auth);
    EXPECT_STREQ(cJSON_GetObjectItem(auth, "type")->valuestring, "authenticate");
    EXPECT_EQ(cJSON_GetObjectItem(auth, "clientId")->valuestring, vector71().client_id);
    EXPECT_EQ(cJSON_GetObjectItem(auth, "signature")->valuestring, vector71().signature);
    EXPECT_TRUE(cJSON_IsNumber(cJSON_GetObjectItem(auth, "timestamp")));
    cJSON_Delete(auth);
    s = hs->on_message("{\"type\":\"auth_result\",\"success\":true,\"timestamp\":2}");
    EXPECT_EQ(s.kind, HandshakeStep::Kind::Ready);
    EXPECT_TRUE(hs->session().interleave);
    EXPECT_TRUE(hs->session().server_cancel);
}

TEST(WsSystemDialect, AuthFailureIsTerminalAndRateLimitCarriesRetryAfter) {
    auto d = dialect_with_key(vector71().private_pem);
    std::string challenge = "{\"type\":\"challenge\",\"challenge\":\"abc\"}";
    auto hs = d->new_handshake();
    hs->on_message(challenge);
    HandshakeStep s = hs->on_message(
        "{\"type\":\"auth_result\",\"success\":false,\"error\":\"Invalid signature\",\"remainingAttempts\":4}");
    EXPECT_EQ(s.kind, HandshakeStep::Kind::Fail);
    EXPECT_EQ(s.status, REALM_ERR_UNAUTHORIZED);
    EXPECT_EQ(s.code, "invalid_auth");
    EXPECT_FALSE(s.retryable);
    EXPECT_NE(s.message.find("Invalid signature"), std::string::npos);

    hs = d->new_handshake();
    hs->on_message(challenge);
    s = hs->on_message("{\"type\":\"auth_result\",\"success\":false,\"error\":\"Too many authentication attempts. "
                       "Please try again in 16 seconds.\",\"retryAfter\":16}");
    EXPECT_EQ(s.status, REALM_ERR_RATE_LIMITED);
    EXPECT_EQ(s.code, "rate_limited");
    EXPECT_EQ(s.retry_after_ms, 16000);
    EXPECT_TRUE(s.retryable);

    hs = d->new_handshake();
    s = hs->on_message("{\"type\":\"error\",\"error\":\"Authentication timeout\",\"code\":\"auth_timeout\"}");
    EXPECT_EQ(s.kind, HandshakeStep::Kind::Fail);
    EXPECT_EQ(s.code, "auth_timeout");
    hs = d->new_handshake();
    s = hs->on_message("{not json");
    EXPECT_EQ(s.kind, HandshakeStep::Kind::Fail);
    EXPECT_EQ(s.status, REALM_ERR_PROTOCOL);
}

TEST(WsSystemDialect, EncodesGenerateModelsStopAndKeepalivePing) {
    auto d = dialect_with_key(vector71().private_pem);
    RequestSpec g;
    g.prompt = "Say \"hi\"";
    g.sampling.model = "llama2";
    g.sampling.temperature = 0.5;
    g.extra_json = "{\"system\":\"be brief\",\"temperature\":0.25}";
    std::string out;
    d->encode_request(out, "r1", g, {});
    cJSON *j = cJSON_Parse(out.c_str());
    ASSERT_TRUE(j) << out;
    EXPECT_STREQ(cJSON_GetObjectItem(j, "type")->valuestring, "generate");
    EXPECT_STREQ(cJSON_GetObjectItem(j, "id")->valuestring, "r1");
    EXPECT_STREQ(cJSON_GetObjectItem(j, "prompt")->valuestring, "Say \"hi\"");
    EXPECT_STREQ(cJSON_GetObjectItem(j, "model")->valuestring, "llama2");
    cJSON *opts = cJSON_GetObjectItem(j, "options");
    EXPECT_STREQ(cJSON_GetObjectItem(opts, "system")->valuestring, "be brief");
    EXPECT_EQ(cJSON_GetObjectItem(opts, "temperature")->valuedouble, 0.25);  // the caller's options win
    cJSON_Delete(j);

    RequestSpec plain;
    plain.prompt = "x";
    out.clear();
    d->encode_request(out, "r2", plain, {});
    EXPECT_EQ(out.find("options"), std::string::npos) << out;
    EXPECT_EQ(out.find("model"), std::string::npos) << out;

    out.clear();
    ASSERT_TRUE(d->encode_cancel(out, "c1", "r1", {}));
    j = cJSON_Parse(out.c_str());
    EXPECT_STREQ(cJSON_GetObjectItem(j, "type")->valuestring, "stop");
    EXPECT_STREQ(cJSON_GetObjectItem(j, "id")->valuestring, "c1");
    EXPECT_STREQ(cJSON_GetObjectItem(j, "requestId")->valuestring, "r1");
    cJSON_Delete(j);

    out.clear();
    d->encode_ping(out);
    EXPECT_NE(out.find("\"id\":\"keepalive_"), std::string::npos) << out;
    InboundFrame f;
    std::string pong = "{\"id\":\"keepalive_1\",\"type\":\"pong\",\"timestamp\":5}";
    d->decode(pong, f);
    EXPECT_EQ(f.kind, FrameKind::Pong);

    RequestSpec chat;
    chat.kind = RequestKind::Chat;
    std::string why;
    EXPECT_FALSE(d->accepts(chat, &why));
    RequestSpec health;
    health.kind = RequestKind::Health;
    EXPECT_FALSE(d->accepts(health, &why));
    RequestSpec call;
    call.kind = RequestKind::Call;
    call.name = "ping";
    EXPECT_TRUE(d->accepts(call, &why));
    call.name = "batch";
    EXPECT_FALSE(d->accepts(call, &why));
}

TEST(WsSystemDialect, DecodesEveryServerFrame) {
    auto d = dialect_with_key(vector71().private_pem);
    InboundFrame f;
    d->decode("{\"id\":\"g1\",\"type\":\"stream_start\",\"model\":\"llama2\",\"timestamp\":1}", f);
    EXPECT_EQ(f.kind, FrameKind::Started);
    EXPECT_EQ(f.id, "g1");
    EXPECT_EQ(f.model, "llama2");
    d->decode("{\"id\":\"g1\",\"type\":\"stream_token\",\"token\":\"Hel\\n\",\"timestamp\":1}", f);
    EXPECT_EQ(f.kind, FrameKind::Token);
    EXPECT_EQ(f.text, "Hel\n");
    d->decode("{\"id\":\"g1\",\"type\":\"stream_end\",\"totalTokens\":2,\"elapsedTime\":37,\"timestamp\":1}", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_EQ(f.tokens_generated, 2);
    EXPECT_TRUE(f.has_time);
    EXPECT_EQ(f.time_ms, 37);
    d->decode("{\"id\":\"g1\",\"type\":\"stream_end\",\"elapsedTime\":null}", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_FALSE(f.has_time);
    d->decode("{\"id\":\"g3\",\"type\":\"stream_end\",\"isCancelled\":true,\"timestamp\":1}", f);
    EXPECT_EQ(f.kind, FrameKind::Cancelled);
    d->decode("{\"id\":\"g2\",\"type\":\"error\",\"error\":\"Generation failed: The user aborted a request.\","
              "\"code\":\"generation_error\"}",
              f);
    EXPECT_EQ(f.kind, FrameKind::Error);
    EXPECT_EQ(f.status, REALM_ERR_BACKEND);
    EXPECT_EQ(f.code, "generation_error");
    d->decode("{\"id\":\"g4\",\"type\":\"error\",\"error\":\"Generation failed: Ollama API error: 404 "
              "{\\\"error\\\":\\\"model 'nope' not found\\\"}\",\"code\":\"generation_error\"}",
              f);
    EXPECT_EQ(f.status, REALM_ERR_NOT_FOUND);
    EXPECT_EQ(f.code, "model_not_found");
    d->decode("{\"id\":\"s3\",\"type\":\"error\",\"error\":\"No active generation with that ID\"}", f);
    EXPECT_EQ(f.kind, FrameKind::Error);
    EXPECT_EQ(f.status, REALM_ERR_SERVER);
    EXPECT_EQ(f.code, "server_error");
    d->decode("{\"type\":\"error\",\"error\":\"Unsupported message type: hello\",\"timestamp\":1}", f);
    EXPECT_EQ(f.kind, FrameKind::ServerError);
    EXPECT_EQ(f.message, "Unsupported message type: hello");
    d->decode("{\"id\":\"x\",\"type\":\"error\",\"error\":{\"message\":\"inner\",\"n\":1}}", f);
    EXPECT_EQ(f.message, "inner");
    d->decode("{\"id\":\"x\",\"type\":\"error\",\"error\":{\"n\":1}}", f);
    EXPECT_EQ(f.message, "{\"n\":1}");
    d->decode("{\"id\":\"m1\",\"type\":\"models_result\",\"models\":[{\"name\":\"llama2:latest\"}]}", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_EQ(f.data_json, "[{\"name\":\"llama2:latest\"}]");
    d->decode("{\"id\":\"s1\",\"type\":\"ack\",\"requestId\":\"g2\",\"action\":\"stop\"}", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    EXPECT_EQ(f.id, "s1");
    d->decode("{\"id\":\"p1\",\"type\":\"pong\",\"timestamp\":9}", f);
    EXPECT_EQ(f.kind, FrameKind::Complete);
    d->decode("{\"type\":\"something_new\",\"id\":\"z\"}", f);
    EXPECT_EQ(f.kind, FrameKind::Ignore);
    for (const char *bad : {"[]", "{\"type\":1}", "{\"type\":\"stream_token\"", "{\"id\":\"g\"}", "",
                            "{\"type\":\"x\"} trailing"}) {
        d->decode(bad, f);
        EXPECT_EQ(f.kind, FrameKind::Invalid) << bad;
        EXPECT_FALSE(f.problem.empty()) << bad;
    }
}

}  // namespace
