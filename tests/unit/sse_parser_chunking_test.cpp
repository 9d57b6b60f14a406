// SseParser: the way a body is cut into chunks never changes what comes out,
// the size caps hold wherever the cut falls, and a printed speed figure.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sse_test_support.h"

namespace realm::protocol::sse_test {
namespace {

using Mode = SseParser::Mode;
using Status = SseParser::Status;

// ---- Chunking ------------------------------------------------------------------

// A body using every feature, with multi-byte UTF-8 and every line end.
std::string rich_body() {
    std::string b = "\xEF\xBB\xBF";  // BOM
    b += ": comment\r\n";
    b += "event: delta\r\nid: 1\r\ndata: {\"t\":\"h\xC3\xA9llo\"}\r\n\r\n";
    b += "data: line one\rdata:line two\r\r";
    b += "retry: 5\nunknown\ndata: \xE2\x82\xAC and \xF0\x9F\x98\x80\n\n";
    b += "event: x\n\n";  // no data: not dispatched
    b += "id: 2\nevent: done\ndata: [DONE]\r\n\n";
    b += "data: multi\r\ndata:\ndata: end\r\r\n";
    return b;
}

const std::vector<Ev> &rich_events() {
    static const std::vector<Ev> want{
        {"delta", "{\"t\":\"h\xC3\xA9llo\"}", "1"},
        {"", "line one\nline two", "1"},
        {"", "\xE2\x82\xAC and \xF0\x9F\x98\x80", "1"},
        {"done", "[DONE]", "2"},
        {"", "multi\n\nend", "2"},
    };
    return want;
}

TEST(SseParserSplits, WholeBody) {
    Parsed r = parse(rich_body());
    EXPECT_EQ(r.status, Status::Ok);
    EXPECT_EQ(r.events, rich_events());
    EXPECT_FALSE(r.cut);
}

TEST(SseParserSplits, EveryTwoWaySplit) {
    const std::string body = rich_body();
    for (size_t i = 0; i <= body.size(); ++i) {
        Parsed r = parse_pieces({body.substr(0, i), body.substr(i)});
        ASSERT_EQ(r.events, rich_events()) << "split at " << i;
        ASSERT_FALSE(r.cut) << i;
    }
}

TEST(SseParserSplits, EveryThreeWaySplit) {
    const std::string body = rich_body();
    for (size_t i = 0; i <= body.size(); ++i) {
        for (size_t j = i; j <= body.size(); ++j) {
            Parsed r = parse_pieces({body.substr(0, i), body.substr(i, j - i), body.substr(j)});
            ASSERT_EQ(r.events, rich_events()) << "split at " << i << ", " << j;
            ASSERT_FALSE(r.cut);
        }
    }
}

TEST(SseParserSplits, ByteByByte) {
    const std::string body = rich_body();
    std::vector<std::string> bytes;
    for (char c : body) bytes.emplace_back(1, c);
    Parsed r = parse_pieces(bytes);
    EXPECT_EQ(r.events, rich_events());
    EXPECT_FALSE(r.cut);
}

TEST(SseParserSplits, DataLinesModeEveryTwoWaySplit) {
    const std::string body = rich_body();
    // "data:line two" and "data:" lack the space the Tekton client wants.
    const std::vector<std::string> want{"{\"t\":\"h\xC3\xA9llo\"}", "line one", "\xE2\x82\xAC and \xF0\x9F\x98\x80",
                                        "[DONE]", "multi", "end"};
    EXPECT_EQ(datas(parse(body, Mode::DataLines)), want);
    for (size_t i = 0; i <= body.size(); ++i) {
        Parsed r = parse_pieces({body.substr(0, i), body.substr(i)}, Mode::DataLines);
        ASSERT_EQ(datas(r), want) << "split at " << i;
    }
    std::vector<std::string> bytes;
    for (char c : body) bytes.emplace_back(1, c);
    EXPECT_EQ(datas(parse_pieces(bytes, Mode::DataLines)), want);
}

TEST(SseParserSplits, RandomBodiesAndRandomCuts) {
    // Bodies made of SSE-ish atoms; each is parsed whole, then cut at random
    // places: the events must be the same.
    static const char *atoms[] = {"data", "data:", "data: ", "event: e", "id: 7", "id", ":", "x", "\xC3\xA9",
                                  "\n",   "\r",    "\r\n",   " ",        ":c",    "retry: 1", "\xEF\xBB\xBF"};
    std::mt19937 rng(12345);
    for (int round = 0; round < 400; ++round) {
        std::string body;
        int n = int(rng() % 60);
        for (int k = 0; k < n; ++k) body += atoms[rng() % (sizeof atoms / sizeof *atoms)];
        for (Mode mode : {Mode::Events, Mode::DataLines}) {
            Parsed whole = parse(body, mode);
            for (int cut = 0; cut < 8; ++cut) {
                std::vector<std::string> pieces;
                size_t at = 0;
                while (at < body.size()) {
                    size_t len = 1 + rng() % 7;
                    pieces.push_back(body.substr(at, len));
                    at += len;
                }
                Parsed r = parse_pieces(pieces, mode);
                ASSERT_EQ(r.events, whole.events) << "body " << round;
                ASSERT_EQ(r.cut, whole.cut) << "body " << round;
            }
        }
    }
}

TEST(SseParserSplits, Utf8CharacterSplitAcrossFeeds) {
    const std::string body = "data: a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z\n\n";
    for (size_t i = 7; i < 17; ++i) {
        Parsed r = parse_pieces({body.substr(0, i), body.substr(i)});
        ASSERT_EQ(datas(r), std::vector<std::string>{"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"}) << i;
    }
}

TEST(SseParserSplits, ViewsPointIntoTheChunkWhenTheEventIsInside) {
    const std::string chunk = "data: one\n\nevent: e\ndata: two\n\n";
    SseParser p(kBig);
    int n = 0;
    p.feed(chunk, [&](const SseEvent &e) {
        ++n;
        EXPECT_GE(e.data.data(), chunk.data());
        EXPECT_LE(e.data.data() + e.data.size(), chunk.data() + chunk.size());
        return true;
    });
    EXPECT_EQ(n, 2);
    // An event spread over chunks comes from the parser's own buffer.
    const std::string first = "data: spl", second = "it\n\n";
    p.feed(first, [](const SseEvent &) { return true; });
    p.feed(second, [&](const SseEvent &e) {
        ++n;
        EXPECT_EQ(e.data, "split");
        bool in_second = e.data.data() >= second.data() && e.data.data() < second.data() + second.size();
        EXPECT_FALSE(in_second);
        return true;
    });
    EXPECT_EQ(n, 3);
}

// ---- Size caps -----------------------------------------------------------------

TEST(SseParserLimits, LineTooLong) {
    // Limit 16: "data: 0123456789" is 16 bytes (fine), one more is too long.
    EXPECT_EQ(parse("data: 0123456789\n\n", Mode::Events, 16).status, Status::Ok);
    EXPECT_EQ(datas(parse("data: 0123456789\n\n", Mode::Events, 16)), std::vector<std::string>{"0123456789"});
    Parsed r = parse("data: ok\n\ndata: 0123456789A\n\ndata: never\n\n", Mode::Events, 16);
    EXPECT_EQ(r.status, Status::LineTooLong);
    EXPECT_EQ(datas(r), std::vector<std::string>{"ok"});  // what came before is delivered
    EXPECT_TRUE(r.cut);
    // Comments count too: the cap bounds memory, whatever the line is.
    EXPECT_EQ(parse(": a long comment line\n", Mode::Events, 16).status, Status::LineTooLong);
    EXPECT_EQ(parse("data: 0123456789A\n", Mode::DataLines, 16).status, Status::LineTooLong);
    // Split anywhere, the same answer.
    const std::string body = "data: 0123456789A\n\n";
    for (size_t i = 0; i <= body.size(); ++i)
        EXPECT_EQ(parse_pieces({body.substr(0, i), body.substr(i)}, Mode::Events, 16).status, Status::LineTooLong)
            << i;
}

TEST(SseParserLimits, ParserStaysFailed) {
    SseParser p(16);
    int n = 0;
    auto cb = [&](const SseEvent &) { return ++n, true; };
    EXPECT_EQ(p.feed("data: 0123456789ABCDEF\n", cb), Status::LineTooLong);
    EXPECT_EQ(p.feed("data: x\n\n", cb), Status::LineTooLong);
    EXPECT_EQ(p.feed("", cb), Status::LineTooLong);
    EXPECT_EQ(n, 0);
    EXPECT_TRUE(p.finish());  // the body was not read to its end
    // finish() starts a new body.
    EXPECT_EQ(p.feed("data: x\n\n", cb), Status::Ok);
    EXPECT_EQ(n, 1);
}

TEST(SseParserLimits, EventTooLarge) {
    // Lines of 16 bytes each are fine, but three joined values exceed 16.
    Parsed r = parse("data: 01234\ndata: 56789\ndata: abcde\n\n", Mode::Events, 16);
    EXPECT_EQ(r.status, Status::EventTooLarge);
    EXPECT_TRUE(r.events.empty());
    // Exactly at the cap: "01234\n56789" is 11 bytes, "+\nabcd" makes 16.
    Parsed ok = parse("data: 01234\ndata: 56789\ndata: abcd\n\n", Mode::Events, 16);
    EXPECT_EQ(ok.status, Status::Ok);
    EXPECT_EQ(datas(ok), std::vector<std::string>{"01234\n56789\nabcd"});
    // DataLines never joins, so many lines are fine.
    EXPECT_EQ(parse("data: 01234\ndata: 56789\ndata: abcde\n\n", Mode::DataLines, 16).status, Status::Ok);
    // Many small lines in one event, fed byte by byte.
    std::string body;
    for (int i = 0; i < 100; ++i) body += "data: xxxxxxxxxx\n";
    body += "\n";
    std::vector<std::string> bytes;
    for (char c : body) bytes.emplace_back(1, c);
    EXPECT_EQ(parse_pieces(bytes, Mode::Events, 500).status, Status::EventTooLarge);
    EXPECT_EQ(parse_pieces(bytes, Mode::Events, 2000).status, Status::Ok);
}

TEST(SseParserLimits, EndlessLineIsCaughtAsSoonAsItPassesTheCap) {
    const size_t mib = size_t(1) << 20;
    const std::string piece(mib, 'x');
    for (Mode mode : {Mode::Events, Mode::DataLines}) {
        SseParser p(4 * mib + 100, mode);
        auto cb = [](const SseEvent &) { return true; };
        ASSERT_EQ(p.feed("data: ", cb), Status::Ok);
        int fed = 0;
        Status st = Status::Ok;
        while (st == Status::Ok && fed < 64) {
            st = p.feed(piece, cb);
            ++fed;
        }
        EXPECT_EQ(st, Status::LineTooLong);
        EXPECT_EQ(fed, 5);  // 4 MiB + 6 bytes fit, the 5th MiB does not
        EXPECT_EQ(p.feed("\n\n", cb), Status::LineTooLong);
    }
    // One huge chunk with no line end fails in that very call.
    SseParser p(mib);
    EXPECT_EQ(p.feed(std::string(2 * mib, 'y'), [](const SseEvent &) { return true; }), Status::LineTooLong);
}

// ---- Speed (a printed figure, never an assertion) -------------------------------

TEST(SseParserSpeed, HundredThousandEvents) {
    std::string body;
    const std::string payload =
        R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
        R"("choices":[{"index":0,"delta":{"content":"tok"},"finish_reason":null}]})";
    const int kEvents = 100000;
    for (int i = 0; i < kEvents; ++i) body += "data: " + payload + "\n\n";
    body += "data: [DONE]\n\n";
    for (Mode mode : {Mode::Events, Mode::DataLines}) {
        SseParser p(1 << 16, mode);
        size_t events = 0, bytes = 0;
        auto cb = [&](const SseEvent &e) {
            ++events;
            bytes += e.data.size();
            return true;
        };
        auto t0 = std::chrono::steady_clock::now();
        const size_t chunk = 16 * 1024;  // a typical socket read
        for (size_t at = 0; at < body.size(); at += chunk)
            ASSERT_EQ(p.feed(std::string_view(body).substr(at, chunk), cb), Status::Ok);
        auto t1 = std::chrono::steady_clock::now();
        EXPECT_FALSE(p.finish());
        EXPECT_EQ(events, size_t(kEvents) + 1);
        EXPECT_EQ(bytes, size_t(kEvents) * payload.size() + 6);
        double s = std::chrono::duration<double>(t1 - t0).count();
        std::printf("[ figure ] SseParser %s: %zu events, %.1f MB in %.2f ms = %.2f M events/s\n",
                    mode == Mode::Events ? "Events" : "DataLines", events, double(body.size()) / 1e6, s * 1e3,
                    double(events) / s / 1e6);
    }
}

}  // namespace
}  // namespace realm::protocol::sse_test
