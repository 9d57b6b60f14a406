// The Realm dialect against every frame of the protocol test vectors
// (tests/data/realm-vectors.json, a copy of the spec's file): every server
// frame must decode to the right kind and fields, and every client frame the
// library can produce must be encoded JSON-equal to the vector.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "protocol/realm/realm_dialect.h"
#include "vector_frames.h"

namespace {

using realm::protocol::FrameKind;
using realm::protocol::InboundFrame;
using realm_test::frames;
using realm_test::Json;
using realm_test::print;
using realm_test::vectors;

bool json_equal(const std::string &a, const std::string &b) {
    Json ja(cJSON_Parse(a.c_str())), jb(cJSON_Parse(b.c_str()));
    return ja.p && jb.p && cJSON_Compare(ja.p, jb.p, 1);
}

TEST(CodecVectors, FileIsLoaded) {
    ASSERT_NE(vectors(), nullptr);
    EXPECT_GE(cJSON_GetArraySize(vectors()), 60);
    EXPECT_GE(frames("s2c").size(), 100u);
}

TEST(CodecVectors, EveryServerFrameDecodesToItsKind) {
    auto dialect = realm::protocol::make_realm_dialect();
    InboundFrame f;
    for (const auto &fr : frames("s2c")) {
        SCOPED_TRACE(fr.vector + ": " + fr.json);
        Json j(cJSON_Parse(fr.json.c_str()));
        dialect->decode(fr.json, f);
        const cJSON *type = cJSON_GetObjectItem(j.p, "type");
        const cJSON *id = cJSON_GetObjectItem(j.p, "id");
        const cJSON *status = cJSON_GetObjectItem(j.p, "status");
        const cJSON *data = cJSON_GetObjectItem(j.p, "data");
        if (type) {
            std::string t = type->valuestring;
            if (t == "auth_required") {
                EXPECT_EQ(f.kind, FrameKind::AuthRequired);
            }
            if (t == "auth_success") {
                ASSERT_EQ(f.kind, FrameKind::AuthSuccess);
                EXPECT_EQ(f.tenant_id, cJSON_GetObjectItem(j.p, "tenant_id")->valuestring);
            }
            if (t == "auth_failed") {
                ASSERT_EQ(f.kind, FrameKind::AuthFailed);
                EXPECT_EQ(f.message, cJSON_GetObjectItem(j.p, "error")->valuestring);
            }
            continue;
        }
        if (!id && status && std::string(status->valuestring) == "connected") {
            ASSERT_EQ(f.kind, FrameKind::Welcome);
            EXPECT_EQ(f.version, cJSON_GetObjectItem(j.p, "version")->valuestring);
            const cJSON *tenant = cJSON_GetObjectItem(j.p, "tenant_id");
            EXPECT_EQ(f.has_tenant, cJSON_IsString(tenant));
            EXPECT_FALSE(f.has_extensions);  // upstream announces none
            continue;
        }
        if (id && status) {
            EXPECT_EQ(f.id, id->valuestring);
            std::string s = status->valuestring;
            if (s == "streaming") {
                ASSERT_EQ(f.kind, FrameKind::Token);
                EXPECT_EQ(f.text, cJSON_GetObjectItem(data, "text")->valuestring);
                EXPECT_EQ(f.index, cJSON_GetObjectItem(data, "index")->valueint);
                EXPECT_EQ(f.is_final, cJSON_IsTrue(cJSON_GetObjectItem(data, "is_final")));
            } else if (s == "complete") {
                ASSERT_EQ(f.kind, FrameKind::Complete);
                EXPECT_TRUE(json_equal(std::string(f.data_json), print(data)));
                const cJSON *text = cJSON_GetObjectItem(data, "text");
                EXPECT_EQ(f.has_text, cJSON_IsString(text));
                if (cJSON_IsString(text)) {
                    EXPECT_EQ(f.text, text->valuestring);
                }
                const cJSON *tg = cJSON_GetObjectItem(data, "tokens_generated");
                EXPECT_EQ(f.tokens_generated, cJSON_IsNumber(tg) ? int64_t(tg->valuedouble) : -1);
                const cJSON *cost = cJSON_GetObjectItem(data, "cost_usd");
                EXPECT_EQ(f.has_cost, cJSON_IsNumber(cost));
            } else if (s == "error") {
                ASSERT_EQ(f.kind, FrameKind::Error);
                const cJSON *err = cJSON_GetObjectItem(j.p, "error");
                EXPECT_EQ(f.code, cJSON_GetObjectItem(err, "code")->valuestring);
                EXPECT_EQ(f.message, cJSON_GetObjectItem(err, "message")->valuestring);
                // Upstream never sends details.retry_after_ms; for rate limits the
                // dialect derives it from "Try again in N seconds" (at least 1 s).
                std::string code = cJSON_GetObjectItem(err, "code")->valuestring;
                std::string msg = f.message.empty() ? "" : std::string(f.message);
                if (code == "RATE_LIMIT_EXCEEDED")
                    EXPECT_EQ(f.retry_after_ms, msg.find(" 9 ") != std::string::npos ? 9000 : 1000);
                else
                    EXPECT_EQ(f.retry_after_ms, -1);
            } else {
                ADD_FAILURE() << "unexpected status in vectors";
            }
            continue;
        }
        EXPECT_EQ(f.kind, FrameKind::Notice);  // e.g. {"error":"Binary messages not supported"}
        EXPECT_EQ(f.message, cJSON_GetObjectItem(j.p, "error")->valuestring);
    }
}

TEST(CodecVectors, ClientFramesEncodeJsonEqual) {
    auto dialect = realm::protocol::make_realm_dialect();
    int checked = 0;
    for (const auto &fr : frames("c2s")) {
        SCOPED_TRACE(fr.vector + ": " + fr.json);
        Json j(cJSON_Parse(fr.json.c_str()));
        std::string out;
        const cJSON *type = cJSON_GetObjectItem(j.p, "type");
        if (type && std::string(type->valuestring) == "auth" && cJSON_GetArraySize(j.p) == 2) {
            dialect->encode_auth(out, cJSON_GetObjectItem(j.p, "api_key")->valuestring);
        } else if (cJSON_IsString(cJSON_GetObjectItem(j.p, "id")) &&
                   cJSON_IsString(cJSON_GetObjectItem(j.p, "function")) &&
                   cJSON_GetObjectItem(j.p, "params") && !cJSON_GetObjectItem(j.p, "extra")) {
            const cJSON *tenant = cJSON_GetObjectItem(j.p, "tenant_id");
            dialect->encode_call(out, cJSON_GetObjectItem(j.p, "id")->valuestring,
                                 cJSON_GetObjectItem(j.p, "function")->valuestring,
                                 print(cJSON_GetObjectItem(j.p, "params")),
                                 cJSON_IsString(tenant) ? tenant->valuestring : "");
        } else {
            continue;  // frames the library never sends (wrong type, extra keys)
        }
        EXPECT_TRUE(json_equal(out, fr.json)) << out;
        ++checked;
    }
    EXPECT_GE(checked, 40);
}

TEST(CodecVectors, RateLimitMessagesGiveRetryAfter) {
    auto dialect = realm::protocol::make_realm_dialect();
    InboundFrame f;
    int checked = 0;
    for (const auto &fr : frames("s2c")) {
        Json j(cJSON_Parse(fr.json.c_str()));
        const cJSON *err = cJSON_GetObjectItem(j.p, "error");
        if (!cJSON_IsObject(err)) continue;
        std::string code = cJSON_GetObjectItem(err, "code")->valuestring;
        std::string msg = cJSON_GetObjectItem(err, "message")->valuestring;
        dialect->decode(fr.json, f);
        ASSERT_EQ(f.kind, FrameKind::Error) << fr.json;
        auto e = realm::core::error_from_frame(f);
        if (code == "RATE_LIMIT_EXCEEDED") {
            EXPECT_EQ(e.status, REALM_ERR_RATE_LIMITED);
            EXPECT_TRUE(e.retryable);
            // "Try again in 0 seconds" -> at least 1 s (realm.md 8.2); 9 -> 9 s.
            EXPECT_EQ(e.retry_after_ms, msg.find(" 9 ") != std::string::npos ? 9000 : 1000);
            ++checked;
        } else {
            EXPECT_EQ(e.retry_after_ms, -1);
            EXPECT_EQ(e.code, code);
        }
    }
    EXPECT_EQ(checked, 2);
}

// Truncating or corrupting any vector frame must give a clean Invalid (or a
// still-valid frame), never a crash or an out-of-bounds read (ASan builds).
TEST(CodecVectors, DamagedFramesAreRejectedCleanly) {
    auto dialect = realm::protocol::make_realm_dialect();
    InboundFrame f;
    for (const auto &fr : frames("s2c")) {
        for (size_t cut = 0; cut < fr.json.size(); ++cut) {
            // A heap copy of exactly `cut` bytes so ASan sees overreads.
            std::unique_ptr<char[]> buf(new char[cut ? cut : 1]);
            std::memcpy(buf.get(), fr.json.data(), cut);
            dialect->decode(std::string_view(buf.get(), cut), f);
            EXPECT_EQ(f.kind, FrameKind::Invalid) << fr.json.substr(0, cut);
        }
        for (size_t i = 0; i < fr.json.size(); i += 3) {
            std::string bad = fr.json;
            bad[i] = "\"{}[]:,\\x\x01"[i % 10];
            dialect->decode(bad, f);  // any outcome but a crash
        }
    }
}

TEST(CodecDialect, ExtensionFramesDecode) {
    auto dialect = realm::protocol::make_realm_dialect();
    InboundFrame f;
    dialect->decode(R"({"status":"connected","tenant_id":null,"version":"0.3.0","extensions":["interleave","cancel","retry_after","terminal","future"]})", f);
    ASSERT_EQ(f.kind, FrameKind::Welcome);
    ASSERT_EQ(f.extensions.size(), 5u);
    EXPECT_EQ(f.extensions[1], "cancel");
    dialect->decode(R"({"id":"req-9","status":"error","error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Try again in 2 seconds.","details":{"retry_after_ms":1500}}})", f);
    ASSERT_EQ(f.kind, FrameKind::Error);
    EXPECT_EQ(f.retry_after_ms, 1500);
    EXPECT_EQ(realm::core::error_from_frame(f).retry_after_ms, 1500);
    dialect->decode(R"({"id":"req-3","status":"cancelled","data":{"tokens_generated":4}})", f);
    EXPECT_EQ(f.kind, FrameKind::Cancelled);
    dialect->decode(R"({"id":"a","status":"streaming","data":{"token":"hi","index":0,"is_final":false,"logprob":-0.5}})", f);
    ASSERT_EQ(f.kind, FrameKind::Token);  // `token` alias of `text`
    EXPECT_EQ(f.text, "hi");
    EXPECT_TRUE(f.has_logprob);
    EXPECT_DOUBLE_EQ(f.logprob, -0.5);
    dialect->decode(R"({"id":"a","status":"streaming","data":{"text":"caf\u00e9 \ud83d\ude00\n","index":1}})", f);
    ASSERT_EQ(f.kind, FrameKind::Token);
    EXPECT_EQ(f.text, "caf\xc3\xa9 \xf0\x9f\x98\x80\n");
}

// The token fast path must agree with the full decoder: frames that almost
// have the canonical shape fall back and still decode right.
TEST(CodecDialect, TokenFastPathAndItsFallbacks) {
    auto dialect = realm::protocol::make_realm_dialect();
    InboundFrame f;
    struct Case {
        const char *frame;
        FrameKind kind;
        const char *text;
        int64_t index;
        bool final;
    } cases[] = {
        {R"({"id":"r1","status":"streaming","data":{"index":12,"is_final":true,"text":"Paris. "}})", FrameKind::Token, "Paris. ", 12, true},
        {R"({"id":"r1","status":"streaming","data":{"index":0,"is_final":false,"text":"a\"b"}})", FrameKind::Token, "a\"b", 0, false},
        {R"({"id":"r1","status":"streaming","data":{"text":"x","index":3,"is_final":false}})", FrameKind::Token, "x", 3, false},
        {R"({"id":"r1","status":"streaming","data":{"index":1,"is_final":false,"text":"y","logprob":-1}})", FrameKind::Token, "y", 1, false},
        {R"({"id":"r1", "status":"streaming","data":{"index":4,"is_final":false,"text":"sp"}})", FrameKind::Token, "sp", 4, false},
        {R"({"id":"r1","status":"streaming","data":{"index":007,"is_final":false,"text":"z"}})", FrameKind::Invalid, "", -1, false},
        {R"({"id":"r1","status":"streaming","data":{"index":1,"is_final":maybe,"text":"z"}})", FrameKind::Invalid, "", -1, false},
        {R"({"id":"r1","status":"streaming","data":{"index":1,"is_final":false,"text":"z"}}x)", FrameKind::Invalid, "", -1, false},
        {R"({"id":"r\u0031","status":"streaming","data":{"index":2,"is_final":false,"text":"e"}})", FrameKind::Token, "e", 2, false},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.frame);
        dialect->decode(c.frame, f);
        ASSERT_EQ(f.kind, c.kind);
        if (c.kind != FrameKind::Token) continue;
        EXPECT_EQ(f.id, "r1");
        EXPECT_EQ(f.text, c.text);
        EXPECT_EQ(f.index, c.index);
        EXPECT_EQ(f.is_final, c.final);
    }
}

TEST(CodecDialect, WrongTypesAreInvalidButKeepTheId) {
    auto dialect = realm::protocol::make_realm_dialect();
    InboundFrame f;
    dialect->decode(R"({"id":"r1","status":"streaming","data":{"text":42,"index":0}})", f);
    EXPECT_EQ(f.kind, FrameKind::Invalid);
    EXPECT_TRUE(f.has_id);
    EXPECT_EQ(f.id, "r1");
    dialect->decode(R"({"id":7,"status":"complete","data":{}})", f);
    EXPECT_EQ(f.kind, FrameKind::Invalid);
    EXPECT_FALSE(f.has_id);
    dialect->decode(R"({"id":"r1","status":"teleported","data":{}})", f);
    EXPECT_EQ(f.kind, FrameKind::Invalid);
    dialect->decode(R"({"id":"r1","status":"error","error":"boom"})", f);
    EXPECT_EQ(f.kind, FrameKind::Invalid);  // error frames need a code
    dialect->decode("[1,2,3]", f);
    EXPECT_EQ(f.kind, FrameKind::Invalid);
    dialect->decode(R"({"id":"r1"} trailing)", f);
    EXPECT_EQ(f.kind, FrameKind::Invalid);
    std::string deep(200, '[');
    dialect->decode(R"({"id":"r1","status":"complete","data":)" + deep, f);
    EXPECT_EQ(f.kind, FrameKind::Invalid);
}

TEST(CodecDialect, GenerateParamsOmitUnsetFields) {
    realm::protocol::RequestSpec spec;
    spec.prompt = "say \"hi\"\n";
    auto &g = spec.sampling;
    std::string out;
    realm::protocol::encode_generate_params(out, spec);
    EXPECT_TRUE(json_equal(out, R"({"prompt":"say \"hi\"\n","stream":false})")) << out;
    g.model = "m";
    g.max_tokens = 50;
    g.temperature = 0.7;
    g.top_p = 0.9;
    g.top_k = 40;
    g.repetition_penalty = 1.1;
    g.stream = true;
    out.clear();
    realm::protocol::encode_generate_params(out, spec);
    EXPECT_TRUE(json_equal(out, R"({"prompt":"say \"hi\"\n","model":"m","max_tokens":50,"temperature":0.7,"top_p":0.9,"top_k":40,"repetition_penalty":1.1,"stream":true})")) << out;
}

TEST(CodecDialect, MergeExtraParams) {
    std::string params = R"({"prompt":"x","stream":false})";
    std::string why;
    ASSERT_TRUE(realm::protocol::merge_json_objects(params, R"({"stream":true,"delay_ms":5})", &why));
    EXPECT_TRUE(json_equal(params, R"({"prompt":"x","stream":true,"delay_ms":5})")) << params;
    EXPECT_FALSE(realm::protocol::merge_json_objects(params, "[1]", &why));
    EXPECT_FALSE(realm::protocol::merge_json_objects(params, "{", &why));
    EXPECT_TRUE(realm::protocol::is_valid_json("null"));
    EXPECT_FALSE(realm::protocol::is_valid_json("{} x"));
}

// User-supplied JSON goes to the server verbatim, whose decoder (serde_json)
// follows RFC 8259 to the letter and answers anything else with an envelope
// error that names no request. So the client must refuse exactly what that
// decoder refuses, before sending.
TEST(CodecDialect, UserJsonIsCheckedToTheLetter) {
    for (const char *bad : {"{\"a\":\"x\ty\"}", "{\"a\":01}", "{\"a\":-01}", "{\"a\":1.}", "{\"a\":\"\\u00zz\"}",
                            "{\"a\":1e999}", "{\"a\":-1e400}", "{\"a\":\"\\ud800\"}", "{\"a\":1,}", "[1,]", "{\"a\":NaN}",
                            "{'a':1}", "{\"a\":1}}", "", "  "}) {
        EXPECT_FALSE(realm::protocol::is_valid_json(bad)) << bad;
        std::string params = R"({"prompt":"x"})", why;
        EXPECT_FALSE(realm::protocol::merge_json_objects(params, bad, &why)) << bad;
        EXPECT_EQ(params, R"({"prompt":"x"})");
        EXPECT_FALSE(why.empty());
    }
    std::string deep(200, '[');
    deep += std::string(200, ']');
    EXPECT_FALSE(realm::protocol::is_valid_json(deep));
    for (const char *good : {"0", "-0", "-0.5e-3", "1E+2", "\"\\ud83d\\ude00\"", " {\"a\" : [ 1 , {} , [] ] } ",
                             "18446744073709551616", "\"\\u0000\"", "[true,false,null]"}) {
        EXPECT_TRUE(realm::protocol::is_valid_json(good)) << good;
    }
}

TEST(CodecDialect, MergeKeepsExtraValuesAsWritten) {
    std::string params = R"({"prompt":"x","stream":false,"max_tokens":5})";
    std::string why;
    // Integers beyond 2^53 and number spellings go through untouched (a
    // round trip through double would change them); an escaped key still
    // replaces its plain twin; of duplicate keys the last wins.
    ASSERT_TRUE(realm::protocol::merge_json_objects(
        params, R"({"seed":12345678901234567891,"\u0073tream":true,"t":1.50,"t":2.0E1,"o":{"k":[1, 2]}})", &why))
        << why;
    EXPECT_EQ(params, R"({"prompt":"x","max_tokens":5,"seed":12345678901234567891,"\u0073tream":true,"t":2.0E1,"o":{"k":[1, 2]}})");
    params = R"({"prompt":"x"})";
    ASSERT_TRUE(realm::protocol::merge_json_objects(params, " { } ", &why));
    EXPECT_EQ(params, R"({"prompt":"x"})");
}

}  // namespace
