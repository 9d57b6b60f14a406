// Robustness of the JSON readers against damaged input: every frame of the
// protocol vectors, mutated many times over (bit flips, cut and spliced
// text, stray brackets, escapes, bad UTF-8, huge numbers), goes through the
// client's frame decoder, the client's check of user JSON and the server's
// decoder. The seed is fixed, so a failure reproduces; the sanitizer suites
// run this too, which is where memory errors would show.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "protocol/realm/realm_dialect.h"
#include "protocol/realm_wire.h"
#include "serde/server_serde.h"
#include "vector_frames.h"

namespace {

using realm::protocol::FrameKind;

std::vector<std::string> seed_frames() {
    std::vector<std::string> out;
    for (const char *dir : {"s2c", "c2s"})
        for (const auto &f : realm_test::frames(dir)) out.push_back(f.json);
    // Shapes the vectors (upstream server) do not have: the extensions.
    out.push_back(R"({"id":"r1","status":"streaming","token":"a\u00e9\ud83d\ude00","index":0,"is_final":false,"logprob":-0.5})");
    out.push_back(R"({"status":"connected","tenant_id":"t","version":"1","extensions":["a","b"]})");
    out.push_back(R"({"id":"r1","status":"error","error":{"code":"RATE_LIMIT_EXCEEDED","message":"m","retry_after_ms":100}})");
    return out;
}

class Mutator {
public:
    explicit Mutator(const std::vector<std::string> &seeds) : seeds_(seeds), rng_(20261122) {}

    std::string next() {
        std::string s = seeds_[pick(seeds_.size())];
        for (int n = 1 + int(pick(6)); n > 0; --n) mutate(s);
        return s;
    }

private:
    size_t pick(size_t n) { return n ? size_t(rng_() % n) : 0; }

    void mutate(std::string &s) {
        static const char *const pieces[] = {
            "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "\\u0000", "\\u00zz", "null",
            "true", "-", "01", "1.", "1e999", "-0", "18446744073709551616", "\t", "\xff", "\xc3", "\xe2\x82",
            "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\"id\"", "\"status\"", "\"data\"", "\"error\"", "\"streaming\"",
            "\"complete\"", "\"params\"", "\"function\""};
        size_t at = pick(s.size() + 1);
        switch (pick(8)) {
            case 0: if (at < s.size()) s[at] = char(s[at] ^ (1 << pick(8))); break;
            case 1: if (at < s.size()) s.erase(at, 1 + pick(8)); break;
            case 2: s.insert(at, pieces[pick(sizeof pieces / sizeof *pieces)]); break;
            case 3: s.resize(at); break;
            case 4: {  // a piece of another frame
                const std::string &o = seeds_[pick(seeds_.size())];
                s.insert(at, o.substr(pick(o.size() + 1), pick(40)));
                break;
            }
            case 5: if (at < s.size()) s[at] = char(pick(256)); break;
            case 6: s.insert(at, std::string(1 + pick(8), pick(2) ? '[' : '{')); break;
            case 7: s.insert(at, std::to_string(int64_t(rng_()))); break;
        }
    }

    const std::vector<std::string> &seeds_;
    std::mt19937_64 rng_;
};

TEST(Mutation, DecodersStayWellBehavedOnDamagedFrames) {
    auto seeds = seed_frames();
    ASSERT_GE(seeds.size(), 150u);
    Mutator mutator(seeds);
    auto dialect = realm::protocol::make_realm_dialect();
    realm::protocol::InboundFrame f;
    int decoded = 0, refused = 0, disagreements = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s = mutator.next();
        SCOPED_TRACE(s);
        bool json_ok = realm::protocol::is_valid_json(s);

        // The client's frame decoder: a frame kind, or Invalid saying why;
        // it only ever decodes valid JSON.
        dialect->decode(s, f);
        if (f.kind == FrameKind::Invalid) {
            ++refused;
            ASSERT_FALSE(f.problem.empty());
        } else {
            ++decoded;
            ASSERT_TRUE(json_ok);
        }

        // The client's check of user JSON refuses exactly what the server's
        // decoder refuses (the client sees only valid UTF-8: the C API checks
        // it first), so what the client sends always parses.
        realm::serde::Value v;
        std::string why;
        bool server_ok = realm::serde::decode_value(s, &v, &why);
        if (realm::wire::is_valid_utf8(s) && json_ok != server_ok) {
            ++disagreements;
            ADD_FAILURE() << "client " << json_ok << ", server " << server_ok << " (" << why << ")";
        }
        realm::serde::FunctionCall call;
        realm::serde::decode_function_call(s, &call, &why);

        // Merging as extra params: succeeds exactly for JSON objects, and
        // then gives an object the server decodes; leaves params alone otherwise.
        std::string params = R"({"prompt":"p","stream":false})";
        if (realm::protocol::merge_json_objects(params, s, &why)) {
            ASSERT_TRUE(json_ok && server_ok && v.is_object());
            ASSERT_TRUE(realm::protocol::is_valid_json(params)) << params;
            realm::serde::Value merged;
            ASSERT_TRUE(realm::serde::decode_value(params, &merged, &why)) << params << ": " << why;
            ASSERT_TRUE(merged.is_object());
        } else {
            ASSERT_EQ(params, R"({"prompt":"p","stream":false})");
            ASSERT_FALSE(why.empty());
        }
    }
    EXPECT_EQ(disagreements, 0);
    // The mutations must leave a fair share of frames decodable, or this
    // test would only be exercising the first byte of the readers.
    EXPECT_GT(decoded, 1000);
    EXPECT_GT(refused, 10000);
}

}  // namespace
