// ChunkedDecoder: the framing cases an HTTP server can send, checked without
// a socket (tests/transport covers the decoder behind a real connection).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/chunked_decoder.h"

namespace {

using realm::protocol::ChunkedDecoder;
using realm::protocol::ends_with_chunked;
using Status = ChunkedDecoder::Status;

struct Decoded {
    std::string data;
    Status status = Status::More;
};

// Feeds the pieces in order; stops at the first End or Invalid.
Decoded decode_pieces(const std::vector<std::string> &pieces) {
    ChunkedDecoder d;
    Decoded r;
    for (const auto &piece : pieces) {
        r.status = d.feed(piece, [&](std::string_view data) {
            r.data.append(data);
            return true;
        });
        if (r.status != Status::More) break;
    }
    return r;
}

Decoded decode(const std::string &body) { return decode_pieces({body}); }

// Sizes in both cases, an extension with a quoted value, an empty-looking
// data byte sequence ("\r\n" inside data) and two trailer fields.
const std::string kBody =
    "5;name=\"va;lue\"\r\nhello\r\n"
    "A\r\n wor\r\nld!!\r\n"
    "1 ; ext\r\n\n\r\n"
    "0;last\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n";
const std::string kData = "hello wor\r\nld!!\n";

TEST(ChunkedDecoder, WholeBody) {
    Decoded r = decode(kBody);
    EXPECT_EQ(r.status, Status::End);
    EXPECT_EQ(r.data, kData);
    EXPECT_EQ(decode("0\r\n\r\n").status, Status::End);
    EXPECT_EQ(decode("0\r\n\r\n").data, "");
}

TEST(ChunkedDecoder, EveryTwoAndThreeWaySplit) {
    for (size_t i = 0; i <= kBody.size(); ++i) {
        for (size_t j = i; j <= kBody.size(); ++j) {
            Decoded r = decode_pieces({kBody.substr(0, i), kBody.substr(i, j - i), kBody.substr(j)});
            ASSERT_EQ(r.status, Status::End) << "split at " << i << ", " << j;
            ASSERT_EQ(r.data, kData) << "split at " << i << ", " << j;
        }
    }
}

TEST(ChunkedDecoder, ByteByByte) {
    std::vector<std::string> bytes;
    for (char c : kBody) bytes.emplace_back(1, c);
    Decoded r = decode_pieces(bytes);
    EXPECT_EQ(r.status, Status::End);
    EXPECT_EQ(r.data, kData);
}

TEST(ChunkedDecoder, DataComesInRunsNotBytes) {
    ChunkedDecoder d;
    std::vector<std::string> runs;
    auto keep = [&](std::string_view data) {
        runs.emplace_back(data);
        return true;
    };
    EXPECT_EQ(d.feed("10\r\n0123456789", keep), Status::More);
    EXPECT_EQ(d.feed("abcdef\r\n0\r\n\r\n", keep), Status::End);
    EXPECT_EQ(runs, (std::vector<std::string>{"0123456789", "abcdef"}));
}

TEST(ChunkedDecoder, ExtensionsAndTrailersAreSkipped) {
    EXPECT_EQ(decode("3;a=1;b=\"x y\"\r\nabc\r\n0\r\n\r\n").data, "abc");
    EXPECT_EQ(decode("3\t;a\r\nabc\r\n0\r\n\r\n").data, "abc");
    Decoded r = decode("3\r\nabc\r\n0\r\nA: 1\r\nB: 2\r\n\r\n");
    EXPECT_EQ(r.status, Status::End);
    EXPECT_EQ(r.data, "abc");
    // Upper- and lower-case hex digits, leading zeros.
    EXPECT_EQ(decode("00b\r\nhello world\r\n0\r\n\r\n").data, "hello world");
    EXPECT_EQ(decode("B\r\nhello world\r\n0000\r\n\r\n").data, "hello world");
}

TEST(ChunkedDecoder, BadFramingIsInvalid) {
    for (const std::string &body : {
             std::string("g\r\n"),                         // not a hex digit
             std::string("-1\r\nx\r\n"),                   // no sign allowed
             std::string("3\rabc\r\n"),                    // CR without LF after the size
             std::string("3\nabc\r\n"),                    // LF alone after the size
             std::string("3\r\nabcd\r\n"),                 // data longer than its size
             std::string("3\r\nabc\n0\r\n\r\n"),           // no CR after the data
             std::string("3\r\nabc\rx"),                   // no LF after that CR
             std::string("0\r\n\rx"),                      // the final empty line is broken
             std::string("ffffffffffffffffff\r\n"),        // far too large
         }) {
        SCOPED_TRACE(body);
        EXPECT_EQ(decode(body).status, Status::Invalid);
    }
    // Data that came before the error was delivered.
    Decoded r = decode("2\r\nok\r\nz\r\n");
    EXPECT_EQ(r.status, Status::Invalid);
    EXPECT_EQ(r.data, "ok");
}

TEST(ChunkedDecoder, SizeHasAtMostSixtyBits) {
    // A digit is refused once the size has 57 bits or more, so fifteen hex
    // digits always fit and a sixteenth significant one never does.
    auto none = [](std::string_view) { return true; };
    ChunkedDecoder d;
    EXPECT_EQ(d.feed("fffffffffffffff\r\nabc", none), Status::More);
    ChunkedDecoder leading_zeros;
    EXPECT_EQ(leading_zeros.feed("00000000000000000000001\r\na\r\n", none), Status::More);
    ChunkedDecoder too_big;
    EXPECT_EQ(too_big.feed("1000000000000000\r\n", none), Status::Invalid);
}

TEST(ChunkedDecoder, TruncatedBodyNeverEnds) {
    // Cut anywhere before the final empty line: still waiting for more.
    for (size_t i = 0; i < kBody.size(); ++i) {
        Decoded r = decode(kBody.substr(0, i));
        ASSERT_EQ(r.status, Status::More) << "cut at " << i;
        ASSERT_EQ(r.data, kData.substr(0, r.data.size())) << "cut at " << i;
    }
}

TEST(ChunkedDecoder, EndAndInvalidAreFinal) {
    ChunkedDecoder d;
    std::string data;
    auto keep = [&](std::string_view piece) {
        data.append(piece);
        return true;
    };
    // Bytes after the end (in the same feed or later) are ignored.
    EXPECT_EQ(d.feed("1\r\na\r\n0\r\n\r\n1\r\nb\r\n", keep), Status::End);
    EXPECT_EQ(d.feed("1\r\nc\r\n", keep), Status::End);
    EXPECT_EQ(data, "a");
    ChunkedDecoder bad;
    EXPECT_EQ(bad.feed("x", keep), Status::Invalid);
    EXPECT_EQ(bad.feed("1\r\nd\r\n0\r\n\r\n", keep), Status::Invalid);
    EXPECT_EQ(data, "a");
}

TEST(ChunkedDecoder, ConsumerStopEndsTheFeed) {
    ChunkedDecoder d;
    int calls = 0;
    auto stop = [&](std::string_view) { return ++calls, false; };
    EXPECT_EQ(d.feed("1\r\na\r\n1\r\nb\r\n", stop), Status::More);
    EXPECT_EQ(calls, 1);
}

TEST(ChunkedDecoder, WhichTransferEncodingsAreChunked) {
    for (const char *te : {"chunked", "Chunked", "CHUNKED", "gzip, chunked", "gzip,chunked", " chunked\t", "x,\tChunked "})
        EXPECT_TRUE(ends_with_chunked(te)) << te;
    for (const char *te : {"", "gzip", "chunked, gzip", "chunkedx", "chunk", "gzip chunked", "chunked;q=1"})
        EXPECT_FALSE(ends_with_chunked(te)) << te;
}

}  // namespace
