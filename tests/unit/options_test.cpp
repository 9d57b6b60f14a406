#include <gtest/gtest.h>

#include "core/option_table.h"
#include "core/options.h"
#include "protocol/realm_wire.h"

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

// Found by tests/fuzz/fuzz_url: "ws://[6,]" was accepted with host "6,", and
// display_url() then wrote "ws://6,:80/", which does not parse.
TEST(Url, FuzzRegressionIpv6LiteralIsChecked) {
    ServerUrl u;
    for (const char *bad : {"ws://[6,]", "ws://[]", "ws://[abc]", "ws://[::1%eth0]", "http://[a:b\"]:80"})
        EXPECT_NE(parse_url(bad, &u), "") << bad;
    for (const char *good : {"ws://[::1]", "wss://[fe80::1]:8443/x", "http://[::ffff:127.0.0.1]:80", "ws://[2001:DB8::A]"}) {
        ASSERT_EQ(parse_url(good, &u), "") << good;
        ServerUrl again;
        EXPECT_EQ(parse_url(realm::core::display_url(u), &again), "") << good;
        EXPECT_EQ(again.host, u.host);
    }
}

// Found by tests/fuzz/fuzz_options: the unknown-key message kept the first
// 64 bytes of the key and could cut a UTF-8 character in two.
TEST(Options, FuzzRegressionUnknownKeyMessageStaysUtf8) {
    realm::core::Options o;
    std::string key = std::string(63, 'g') + "\xcf\x82" + "tail";  // U+03C2 across byte 64
    realm::core::OptionResult r = realm::core::set_option(o, key, "1");
    EXPECT_EQ(r.status, REALM_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(realm::wire::is_valid_utf8(r.why)) << r.why;
    EXPECT_NE(r.why.find("unknown option '" + std::string(63, 'g') + "'"), std::string::npos) << r.why;
}
