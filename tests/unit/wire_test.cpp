#include <gtest/gtest.h>

#include "protocol/realm_wire.h"

namespace {
using namespace realm::wire;

TEST(Wire, TenantRulesMatchTheServer) {
    EXPECT_EQ(tenant_id_problem("ab"), "Tenant ID must be between 3 and 64 characters, got 2");
    EXPECT_EQ(tenant_id_problem(std::string(65, 'a')), "Tenant ID must be between 3 and 64 characters, got 65");
    EXPECT_EQ(tenant_id_problem("bad tenant!"),
              "Tenant ID must contain only alphanumeric characters, hyphens, and underscores");
    EXPECT_EQ(tenant_id_problem("acme_corp-01"), "");
    EXPECT_EQ(tenant_id_problem("3f2b8a1e-6c1d-4d0e-9a51-2b7f6c9e0d11"), "");
    EXPECT_EQ(tenant_id_problem(std::string(64, 'z')), "");
    EXPECT_EQ(tenant_id_problem("caf\xc3\xa9_01"), "");          // non-ASCII letters pass
    EXPECT_EQ(tenant_id_problem("\xe6\x9d\xb1\xe4\xba\xac"), "");  // 2 CJK chars = 6 bytes
    EXPECT_NE(tenant_id_problem("a\xff" "bc"), "");                // invalid UTF-8
    EXPECT_NE(tenant_id_problem("abc.def"), "");
}

TEST(Wire, JsonStringEscaping) {
    std::string out;
    append_json_string(out, std::string("a\"b\\c\n\x01\x1f", 8));
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\u001f\"");
    out.clear();
    append_json_string(out, "caf\xc3\xa9");
    EXPECT_EQ(out, "\"caf\xc3\xa9\"");
}

TEST(Wire, Utf8Validation) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii text that is longer than eight bytes"));
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
    EXPECT_FALSE(is_valid_utf8("abcdefgh\xff"));
}

TEST(Wire, RetryAfterSeconds) {
    EXPECT_EQ(parse_retry_after_seconds("Rate limit exceeded. Try again in 9 seconds."), 9);
    EXPECT_EQ(parse_retry_after_seconds("Rate limit exceeded. Try again in 0 seconds."), 0);
    EXPECT_EQ(parse_retry_after_seconds("Try again later"), -1);
    EXPECT_EQ(parse_retry_after_seconds("Try again in x seconds"), -1);
}

}  // namespace
