#include <gtest/gtest.h>

#include "core/options.h"

namespace {
using realm::core::parse_url;
using realm::core::ServerUrl;

TEST(Url, ParsesWsAndWss) {
    ServerUrl u;
    ASSERT_EQ(parse_url("ws://localhost:8080", &u), "");
    EXPECT_FALSE(u.tls);
    EXPECT_EQ(u.host, "localhost");
    EXPECT_EQ(u.port, 8080);
    EXPECT_EQ(u.path, "/");
    ASSERT_EQ(parse_url("wss://api.example.com/v1/ws?x=1#frag", &u), "");
    EXPECT_TRUE(u.tls);
    EXPECT_EQ(u.port, 443);
    EXPECT_EQ(u.path, "/v1/ws?x=1");
    ASSERT_EQ(parse_url("ws://[::1]:9000", &u), "");
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, 9000);
    ASSERT_EQ(parse_url("ws://127.0.0.1?fault=x", &u), "");
    EXPECT_EQ(u.path, "/?fault=x");
    // Schemes are case-insensitive (RFC 3986 3.1).
    ASSERT_EQ(parse_url("WSS://Example.com", &u), "");
    EXPECT_TRUE(u.tls);
    EXPECT_EQ(u.host, "Example.com");
    ASSERT_EQ(parse_url("Ws://h:81", &u), "");
    EXPECT_FALSE(u.tls);
    EXPECT_EQ(u.port, 81);
}

TEST(Url, RejectsBadUrls) {
    ServerUrl u;
    for (const char *bad : {"", "ftp://x", "http//x", "ws://", "ws://:80", "ws://host:", "ws://host:0", "ws://host:65536",
                            "ws://host:12ab", "ws://user:secret@host", "ws://ho st", "ws://[::1", "ws://h\xc3\xa9",
                            "wss://host:123456", "ws://a/b c"}) {
        EXPECT_NE(parse_url(bad, &u), "") << bad;
    }
}

TEST(Url, UserInfoErrorNeverEchoesTheSecret) {
    ServerUrl u;
    std::string why = parse_url("ws://user:sk_live_secret@host", &u);
    EXPECT_EQ(why.find("sk_live_secret"), std::string::npos);
}

}  // namespace
