// protocol::HttpHeadParser: status lines, framing and keep-alive decisions,
// a head split at every byte, and the size cap.
#include "protocol/http_head_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace realm::protocol {
namespace {

using Status = HttpHeadParser::Status;

HttpHead parse_whole(const std::string &text, bool head_request = false) {
    HttpHeadParser p;
    EXPECT_EQ(p.feed(text, head_request), Status::Done) << p.error();
    return p.head();
}

TEST(HttpHeadParser, FramingFollowsRfc9112) {
    auto h = parse_whole("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n");
    EXPECT_EQ(h.framing, BodyFraming::Length);
    EXPECT_EQ(h.content_length, 12u);
    EXPECT_FALSE(h.connection_close);

    h = parse_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nContent-Length: 5\r\n\r\n");
    EXPECT_EQ(h.framing, BodyFraming::Chunked);
    EXPECT_TRUE(h.connection_close);  // both given: do not trust the connection

    h = parse_whole("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
    EXPECT_EQ(h.framing, BodyFraming::UntilClose);
    EXPECT_TRUE(h.connection_close);
    EXPECT_EQ(h.content_type, "text/event-stream");

    EXPECT_EQ(parse_whole("HTTP/1.1 204 No Content\r\n\r\n").framing, BodyFraming::None);
    EXPECT_EQ(parse_whole("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true).framing, BodyFraming::None);
    EXPECT_EQ(parse_whole("HTTP/1.1 103 Early Hints\r\n\r\n").status, 103);
}

TEST(HttpHeadParser, KeepAliveDecisions) {
    EXPECT_TRUE(parse_whole("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, close\r\nContent-Length: 0\r\n\r\n")
                    .connection_close);
    EXPECT_TRUE(parse_whole("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").connection_close);
    EXPECT_FALSE(parse_whole("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
                     .connection_close);
}

TEST(HttpHeadParser, SplitAtEveryByteGivesTheSameHeadAndBodyOffset) {
    const std::string text = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nbody";
    for (size_t cut = 1; cut < text.size(); ++cut) {
        HttpHeadParser p;
        Status s = p.feed(text.substr(0, cut));
        size_t offset = 0;
        if (s == Status::More) {
            s = p.feed(text.substr(cut));
            offset = cut;
        }
        ASSERT_EQ(s, Status::Done) << cut;
        EXPECT_EQ(p.head().status, 429);
        EXPECT_EQ(p.head().retry_after, "7");
        EXPECT_EQ(text.substr(offset + p.consumed()), "body") << cut;
    }
}

TEST(HttpHeadParser, BareLineFeedsAreAccepted) {
    HttpHeadParser p;
    ASSERT_EQ(p.feed("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"), Status::Done);
    EXPECT_EQ(p.head().content_length, 2u);
    EXPECT_EQ(p.consumed(), std::string("HTTP/1.1 200 OK\nContent-Length: 2\n\n").size());
}

TEST(HttpHeadParser, RejectsWhatCannotBeFramed) {
    for (const std::string &bad :
         {std::string("HTTP/2 200\r\n\r\n"), std::string("HTTP/1.1 20 OK\r\n\r\n"),
          std::string("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
          std::string("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"),
          std::string("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"),
          std::string("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n"), std::string("HTTP/1.1 200 OK\r\nA\0B: c\r\n\r\n", 27)}) {
        HttpHeadParser p;
        EXPECT_EQ(p.feed(bad), Status::Invalid) << bad;
        EXPECT_FALSE(p.error().empty());
    }
}

TEST(HttpHeadParser, CapsTheHeadSize) {
    HttpHeadParser p(1024);
    EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\n"), Status::More);
    EXPECT_EQ(p.feed("X: " + std::string(2000, 'a')), Status::Invalid);
    EXPECT_NE(p.error().find("larger than 1024"), std::string::npos) << p.error();
}

}  // namespace
}  // namespace realm::protocol
