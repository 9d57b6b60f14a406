// SseParser: the WHATWG event stream rules, the Tekton line-by-line mode, the
// size caps, and that the way a body is cut into chunks never changes what
// comes out.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "protocol/sse_parser.h"

namespace {

using realm::protocol::SseEvent;
using realm::protocol::SseParser;
using Mode = SseParser::Mode;
using Status = SseParser::Status;

struct Ev {
    std::string event, data, id;
    bool operator==(const Ev &o) const { return event == o.event && data == o.data && id == o.id; }
};

std::ostream &operator<<(std::ostream &os, const Ev &e) {
    return os << "{event=\"" << e.event << "\" data=\"" << e.data << "\" id=\"" << e.id << "\"}";
}

struct Parsed {
    std::vector<Ev> events;
    Status status = Status::Ok;
    bool cut = false;  // finish()
};

constexpr size_t kBig = 1 << 20;

// Feeds each piece from its own heap copy, destroyed right after feed(), so a
// view kept past its chunk is a use-after-free under ASan.
Parsed parse_pieces(const std::vector<std::string> &pieces, Mode mode = Mode::Events, size_t max = kBig) {
    SseParser p(max, mode);
    Parsed r;
    auto cb = [&](const SseEvent &e) {
        r.events.push_back({std::string(e.event), std::string(e.data), std::string(e.id)});
        return true;
    };
    for (const auto &piece : pieces) {
        std::unique_ptr<char[]> copy(new char[piece.size() + 1]);
        std::memcpy(copy.get(), piece.data(), piece.size());
        r.status = p.feed(std::string_view(copy.get(), piece.size()), cb);
        std::memset(copy.get(), '#', piece.size());  // stale views would now read '#'
        if (r.status != Status::Ok) break;
    }
    r.cut = p.finish();
    return r;
}

Parsed parse(const std::string &body, Mode mode = Mode::Events, size_t max = kBig) {
    return parse_pieces({body}, mode, max);
}

std::vector<std::string> datas(const Parsed &r) {
    std::vector<std::string> out;
    for (const auto &e : r.events) out.push_back(e.data);
    return out;
}

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The data directory, found from this file's path (CMake compiles it by its
// absolute path).
std::string data_dir() {
    std::string here = __FILE__;
    size_t slash = here.rfind('/');
    return (slash == std::string::npos ? std::string(".") : here.substr(0, slash)) + "/../data/";
}

// ---- The Tekton vector (tekton.md 7.2) -------------------------------------------

struct TektonVector {
    std::string body;
    std::vector<std::string> expected_chunks;
    std::string expected_text;
};

TektonVector load_tekton_vector() {
    TektonVector v;
    std::string text = read_file(data_dir() + "tekton-sse-vector.json");
    cJSON *root = cJSON_Parse(text.c_str());
    if (!root) return v;
    const cJSON *body = cJSON_GetObjectItem(root, "body");
    if (cJSON_IsString(body)) v.body = body->valuestring;
    const cJSON *chunks = cJSON_GetObjectItem(root, "expected_chunks");
    const cJSON *c = nullptr;
    cJSON_ArrayForEach(c, chunks) {
        if (cJSON_IsString(c)) v.expected_chunks.push_back(c->valuestring);
    }
    const cJSON *t = cJSON_GetObjectItem(root, "expected_text");
    if (cJSON_IsString(t)) v.expected_text = t->valuestring;
    cJSON_Delete(root);
    return v;
}

TEST(SseParser, TektonVectorDataLines) {
    TektonVector v = load_tekton_vector();
    ASSERT_FALSE(v.body.empty()) << "cannot read " << data_dir() << "tekton-sse-vector.json";

    // Every data line on its own; the consumer stops at [DONE].
    SseParser p(kBig, Mode::DataLines);
    std::vector<std::string> seen, chunks;
    std::vector<std::string> event_types;
    std::string text;
    Status st = p.feed(v.body, [&](const SseEvent &e) {
        seen.emplace_back(e.data);
        event_types.emplace_back(e.event);
        if (e.data == "[DONE]") return false;
        cJSON *j = cJSON_ParseWithLength(e.data.data(), e.data.size());
        if (!j) return true;  // not JSON: skipped, as the Tekton client does
        const cJSON *chunk = cJSON_GetObjectItem(j, "chunk");
        if (cJSON_IsString(chunk)) {
            chunks.push_back(chunk->valuestring);
            text += chunk->valuestring;
        }
        cJSON_Delete(j);
        return true;
    });
    EXPECT_EQ(st, Status::Ok);
    EXPECT_EQ(seen, (std::vector<std::string>{R"({"chunk":"A","done":false})", "not-json",
                                              R"({"chunk":"B","done":false,"error":null})", "[DONE]"}));
    EXPECT_EQ(chunks, v.expected_chunks);
    EXPECT_EQ(text, v.expected_text);
    EXPECT_EQ(text, "AB");
    // The `event: message` line names the first block's type, nothing else.
    EXPECT_EQ(event_types, (std::vector<std::string>{"message", "", "", ""}));
    // Stopped by the consumer: nothing more comes and the end is not "cut".
    int more = 0;
    EXPECT_EQ(p.feed("data: {\"chunk\":\"D\"}\n", [&](const SseEvent &) { return ++more, true; }), Status::Ok);
    EXPECT_EQ(more, 0);
    EXPECT_FALSE(p.finish());
}

TEST(SseParser, TektonVectorDataLinesWithoutStopReadsEverything) {
    TektonVector v = load_tekton_vector();
    ASSERT_FALSE(v.body.empty());
    Parsed r = parse(v.body, Mode::DataLines);
    EXPECT_EQ(datas(r), (std::vector<std::string>{R"({"chunk":"A","done":false})", "not-json",
                                                  R"({"chunk":"B","done":false,"error":null})", "[DONE]",
                                                  R"({"chunk":"C","done":false})"}));
    EXPECT_FALSE(r.cut);  // the body ends with a line end
}

TEST(SseParser, TektonVectorEventsModeIsWhatwg) {
    // The same bytes read as WHATWG says: two events; the last block (B,
    // [DONE], C) never gets its blank line, so it is not dispatched and
    // finish() reports the cut event.
    TektonVector v = load_tekton_vector();
    ASSERT_FALSE(v.body.empty());
    Parsed r = parse(v.body, Mode::Events);
    EXPECT_EQ(r.status, Status::Ok);
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0], (Ev{"message", R"({"chunk":"A","done":false})", ""}));
    EXPECT_EQ(r.events[1], (Ev{"", "not-json", ""}));
    EXPECT_TRUE(r.cut);
    // With the closing blank line the third event is the three lines joined.
    Parsed closed = parse(v.body + "\n");
    ASSERT_EQ(closed.events.size(), 3u);
    EXPECT_EQ(closed.events[2].data,
              "{\"chunk\":\"B\",\"done\":false,\"error\":null}\n[DONE]\n{\"chunk\":\"C\",\"done\":false}");
    EXPECT_FALSE(closed.cut);
}

// ---- Fields ---------------------------------------------------------------------

TEST(SseParser, MultiLineData) {
    Parsed r = parse("data: first\ndata: second\ndata:third\n\n");
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].data, "first\nsecond\nthird");
    EXPECT_EQ(r.events[0].event, "");
}

TEST(SseParser, EmptyDataLinesStillMakeAnEvent) {
    // A data line with an empty value makes the buffer "\n": the event is
    // dispatched with data "" (the trailing LF removed).
    EXPECT_EQ(datas(parse("data\n\n")), std::vector<std::string>{""});
    EXPECT_EQ(datas(parse("data:\n\n")), std::vector<std::string>{""});
    EXPECT_EQ(datas(parse("data:\ndata:\n\n")), std::vector<std::string>{"\n"});
    EXPECT_EQ(datas(parse("data: \n\n")), std::vector<std::string>{""});
}

TEST(SseParser, OneSpaceAfterColonIsRemoved) {
    EXPECT_EQ(datas(parse("data:x\n\n")), std::vector<std::string>{"x"});
    EXPECT_EQ(datas(parse("data: x\n\n")), std::vector<std::string>{"x"});
    EXPECT_EQ(datas(parse("data:  x \n\n")), std::vector<std::string>{" x "});
    EXPECT_EQ(datas(parse("data:\tx\n\n")), std::vector<std::string>{"\tx"});
    EXPECT_EQ(datas(parse("data: a: b:c\n\n")), std::vector<std::string>{"a: b:c"});
}

TEST(SseParser, EventTypeAppliesToOneEventOnly) {
    Parsed r = parse("event: delta\ndata: 1\n\ndata: 2\n\nevent:done\ndata: 3\n\n");
    ASSERT_EQ(r.events.size(), 3u);
    EXPECT_EQ(r.events[0].event, "delta");
    EXPECT_EQ(r.events[1].event, "");
    EXPECT_EQ(r.events[2].event, "done");
    // An event without data is not dispatched, but its type is still reset.
    Parsed s = parse("event: lonely\n\ndata: x\n\n");
    ASSERT_EQ(s.events.size(), 1u);
    EXPECT_EQ(s.events[0], (Ev{"", "x", ""}));
    // The last event: line wins.
    EXPECT_EQ(parse("event: a\nevent: b\ndata: x\n\n").events.at(0).event, "b");
}

TEST(SseParser, IdPersistsAcrossEvents) {
    Parsed r = parse("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n");
    ASSERT_EQ(r.events.size(), 4u);
    EXPECT_EQ(r.events[0].id, "1");
    EXPECT_EQ(r.events[1].id, "1");  // the last event ID buffer is not reset by a dispatch
    EXPECT_EQ(r.events[2].id, "2");
    EXPECT_EQ(r.events[3].id, "");  // "id" with no value sets it to ""
    // An id on an event without data still updates the buffer.
    EXPECT_EQ(parse("id: 9\n\ndata: x\n\n").events.at(0).id, "9");
}

TEST(SseParser, IdWithNulIsIgnored) {
    std::string body = "id: ok\ndata: a\n\nid: bad";
    body += '\0';
    body += "id\ndata: b\n\n";
    Parsed r = parse(body);
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[1].id, "ok");
    // NUL elsewhere is just a byte.
    std::string nul_data = std::string("data: a") + '\0' + "b\n\n";
    EXPECT_EQ(datas(parse(nul_data)), std::vector<std::string>{std::string("a") + '\0' + "b"});
}

TEST(SseParser, RetryAndUnknownFieldsAreIgnored) {
    Parsed r = parse("retry: 3000\nfoo: bar\nDATA: upper case is another field\nData: x\ndata : y\nbaz\ndata: z\n\n");
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0], (Ev{"", "z", ""}));
    // retry alone dispatches nothing.
    EXPECT_TRUE(parse("retry: 10\n\n").events.empty());
}

TEST(SseParser, Comments) {
    Parsed r = parse(": this is a comment\n:\n: keep-alive\n\ndata: a\n: inside an event\ndata: b\n\n");
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].data, "a\nb");
    EXPECT_TRUE(parse(":ping\n\n:ping\n\n").events.empty());
}

// ---- Line ends -------------------------------------------------------------------

TEST(SseParser, LineEnds) {
    const std::vector<std::string> want{"a\nb", "c"};
    EXPECT_EQ(datas(parse("data: a\ndata: b\n\ndata: c\n\n")), want);
    EXPECT_EQ(datas(parse("data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n")), want);
    EXPECT_EQ(datas(parse("data: a\rdata: b\r\rdata: c\r\r")), want);
    EXPECT_EQ(datas(parse("data: a\r\ndata: b\r\rdata: c\n\r\n")), want);
    // "\n\r" is two line ends (LF, then CR), not one.
    EXPECT_EQ(datas(parse("data: a\n\rdata: c\n\n")), (std::vector<std::string>{"a", "c"}));
}

TEST(SseParser, CrAtChunkEndAndLfAtNextStartAreOneLineEnd) {
    Parsed r = parse_pieces({"data: a\r", "\ndata: b\r", "\n\r", "\n"});
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].data, "a\nb");
    // ... but CR then CR is a blank line.
    EXPECT_EQ(datas(parse_pieces({"data: a\r", "\rdata: b\n\n"})), (std::vector<std::string>{"a", "b"}));
    // An empty feed in between does not forget the CR.
    EXPECT_EQ(datas(parse_pieces({"data: a\r", "", "\n", "\n"})), std::vector<std::string>{"a"});
}

TEST(SseParser, EventIsDispatchedInTheFeedThatEndsIt) {
    SseParser p(kBig);
    int n = 0;
    auto cb = [&](const SseEvent &) { return ++n, true; };
    p.feed("data: a\n", cb);
    EXPECT_EQ(n, 0);
    p.feed("\r", cb);  // the CR alone ends the blank line: no waiting for a possible LF
    EXPECT_EQ(n, 1);
    p.feed("\n", cb);  // that LF belongs to the CR
    p.feed("data: b\n\n", cb);
    EXPECT_EQ(n, 2);
    EXPECT_FALSE(p.finish());
}

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
    const std::vector<std::string> want{"{\"t\":\"h\xC3\xA9llo\"}", "line one", "line two",
                                        "\xE2\x82\xAC and \xF0\x9F\x98\x80", "[DONE]", "multi", "", "end"};
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

// ---- BOM -----------------------------------------------------------------------

TEST(SseParser, BomAtTheStartIsSkipped) {
    EXPECT_EQ(datas(parse("\xEF\xBB\xBF" "data: x\n\n")), std::vector<std::string>{"x"});
    EXPECT_EQ(datas(parse_pieces({"\xEF", "\xBB", "\xBF", "data: x\n\n"})), std::vector<std::string>{"x"});
    EXPECT_EQ(datas(parse_pieces({"\xEF\xBB", "\xBF" "data: x\n\n"})), std::vector<std::string>{"x"});
    // Only one, and only at the very start: a second BOM makes the field
    // name "\uFEFFdata", an unknown field.
    EXPECT_EQ(datas(parse("\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\ndata: y\n\n")), std::vector<std::string>{"y"});
    EXPECT_EQ(datas(parse("data: x\n\n\xEF\xBB\xBF" "data: y\n\n")), std::vector<std::string>{"x"});
    // A BOM inside a value is kept.
    EXPECT_EQ(datas(parse("data: \xEF\xBB\xBF\n\n")), std::vector<std::string>{"\xEF\xBB\xBF"});
}

TEST(SseParser, PartialBomThatIsNotABomIsText) {
    // "\xEF\xBB" then "x": the two bytes start the first line ("\xEF\xBBx:..."
    // is an unknown field), nothing is lost or invented.
    Parsed r = parse_pieces({"\xEF\xBB", "data: x\n\ndata: y\n\n"});
    EXPECT_EQ(datas(r), std::vector<std::string>{"y"});
    Parsed s = parse_pieces({"\xEF", "\n" "data: y\n\n"});
    EXPECT_EQ(datas(s), std::vector<std::string>{"y"});
    // A body that is only a BOM prefix ends cut.
    EXPECT_TRUE(parse("\xEF\xBB").cut);
    EXPECT_FALSE(parse("\xEF\xBB\xBF").cut);
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

// ---- finish() and early stop ---------------------------------------------------

TEST(SseParser, FinishReportsPartialEvents) {
    EXPECT_FALSE(parse("").cut);
    EXPECT_FALSE(parse("data: a\n\n").cut);
    EXPECT_FALSE(parse(": only a comment\n").cut);
    EXPECT_FALSE(parse("event: x\n").cut);  // no data: nothing would have been dispatched
    Parsed r = parse("data: a\n\ndata: b\n");
    EXPECT_EQ(datas(r), std::vector<std::string>{"a"});  // b is never dispatched
    EXPECT_TRUE(r.cut);
    EXPECT_TRUE(parse("data: a\n\ndata: b").cut);  // a partial line
    EXPECT_TRUE(parse("data: a\n\n: comm").cut);
    EXPECT_EQ(datas(parse("data: a\n\ndata: b")), std::vector<std::string>{"a"});
    // DataLines: a complete data line was delivered, a partial one is cut.
    EXPECT_FALSE(parse("data: a\n", Mode::DataLines).cut);
    Parsed d = parse("data: a\ndata: [DONE]", Mode::DataLines);
    EXPECT_EQ(datas(d), std::vector<std::string>{"a"});
    EXPECT_TRUE(d.cut);
    // A final CR is a whole line end.
    EXPECT_FALSE(parse("data: a\r\r").cut);
}

TEST(SseParser, FinishResetsForANewBody) {
    SseParser p(kBig);
    std::vector<Ev> got;
    auto cb = [&](const SseEvent &e) {
        got.push_back({std::string(e.event), std::string(e.data), std::string(e.id)});
        return true;
    };
    p.feed("id: 5\nevent: e\ndata: half", cb);
    EXPECT_TRUE(p.finish());
    p.feed("\xEF\xBB\xBF" "data: fresh\n\n", cb);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], (Ev{"", "fresh", ""}));
    EXPECT_FALSE(p.finish());
}

TEST(SseParser, EarlyStop) {
    SseParser p(kBig);
    std::vector<std::string> got;
    Status st = p.feed("data: 1\n\ndata: 2\n\ndata: 3\n\n", [&](const SseEvent &e) {
        got.emplace_back(e.data);
        return got.size() < 2;
    });
    EXPECT_EQ(st, Status::Ok);
    EXPECT_EQ(got, (std::vector<std::string>{"1", "2"}));
    st = p.feed("data: 4\n\n", [&](const SseEvent &e) {
        got.emplace_back(e.data);
        return true;
    });
    EXPECT_EQ(st, Status::Ok);
    EXPECT_EQ(got.size(), 2u);
    EXPECT_FALSE(p.finish());
    // In the line that completes a split line, too.
    SseParser q(kBig, Mode::DataLines);
    int n = 0;
    auto stop = [&](const SseEvent &) { return ++n, false; };
    q.feed("data: [DO", stop);
    EXPECT_EQ(q.feed("NE]\ndata: more\n", stop), Status::Ok);
    EXPECT_EQ(n, 1);
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
