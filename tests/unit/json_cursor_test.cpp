#include <gtest/gtest.h>

#include "protocol/json_cursor.h"

namespace {
using realm::protocol::JsonCursor;

TEST(JsonCursor, StringsWithAndWithoutEscapes) {
    std::string arena;
    JsonCursor c(R"("plain" "a\"b\\c\/\u0041\t")", arena);
    std::string_view a, b;
    ASSERT_TRUE(c.read_string(&a));
    ASSERT_TRUE(c.read_string(&b));
    EXPECT_EQ(a, "plain");
    EXPECT_EQ(b, "a\"b\\c/A\t");
    EXPECT_TRUE(c.at_end());
}

TEST(JsonCursor, ViewsStayValidAcrossManyEscapedStrings) {
    std::string text, arena;
    for (int i = 0; i < 200; ++i) text += "\"x\\n" + std::to_string(i) + "\" ";
    JsonCursor c(text, arena);
    std::vector<std::string_view> views;
    std::string_view v;
    while (!c.at_end()) {
        ASSERT_TRUE(c.read_string(&v));
        views.push_back(v);
    }
    ASSERT_EQ(views.size(), 200u);
    for (int i = 0; i < 200; ++i) EXPECT_EQ(views[size_t(i)], "x\n" + std::to_string(i));
}

TEST(JsonCursor, RejectsBadStrings) {
    for (const char *bad : {"\"abc", "\"\\q\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"", "\"a\x01\"", "abc"}) {
        std::string arena;
        JsonCursor c(bad, arena);
        std::string_view v;
        EXPECT_FALSE(c.read_string(&v)) << bad;
        EXPECT_FALSE(c.error().empty());
    }
}

TEST(JsonCursor, Numbers) {
    std::string arena;
    JsonCursor c("0 -12 3.5 1e3 -0.25e-2 99999999999999999999", arena);
    double d;
    int64_t i;
    bool is_int;
    ASSERT_TRUE(c.read_number(&d, &i, &is_int));
    EXPECT_TRUE(is_int);
    EXPECT_EQ(i, 0);
    ASSERT_TRUE(c.read_number(&d, &i, &is_int));
    EXPECT_EQ(i, -12);
    ASSERT_TRUE(c.read_number(&d, &i, &is_int));
    EXPECT_FALSE(is_int);
    EXPECT_DOUBLE_EQ(d, 3.5);
    ASSERT_TRUE(c.read_number(&d, &i, &is_int));
    EXPECT_DOUBLE_EQ(d, 1000);
    ASSERT_TRUE(c.read_number(&d, &i, &is_int));
    EXPECT_DOUBLE_EQ(d, -0.0025);
    ASSERT_TRUE(c.read_number(&d, &i, &is_int));
    EXPECT_FALSE(is_int);  // overflows int64
    for (const char *bad : {"-", "01x", "1.", "1e", ".5", "+1"}) {
        JsonCursor b(bad, arena);
        bool ok = b.read_number(&d, &i, &is_int) && b.at_end();
        EXPECT_FALSE(ok) << bad;
    }
}

TEST(JsonCursor, SkipsNestedValuesAndLimitsDepth) {
    std::string arena;
    JsonCursor c(R"({"a":[1,{"b":null},"s",true,false],"c":{}} )", arena);
    EXPECT_TRUE(c.skip_value());
    EXPECT_TRUE(c.at_end());
    std::string deep(100, '[');
    deep += std::string(100, ']');
    JsonCursor d(deep, arena);
    EXPECT_FALSE(d.skip_value());
    for (const char *bad : {"[1,]", "{\"a\"}", "{\"a\":}", "[", "tru", "nul"}) {
        JsonCursor b(bad, arena);
        EXPECT_FALSE(b.skip_value() && b.at_end()) << bad;
    }
}

}  // namespace
