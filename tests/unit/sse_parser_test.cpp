// SseParser: the WHATWG event stream rules (fields, line ends, BOM, the end
// of a body, early stop) and the Tekton line-by-line mode. How a body is cut
// into chunks and the size caps are in sse_parser_chunking_test.cpp.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sse_test_support.h"

namespace realm::protocol::sse_test {
namespace {

using Mode = SseParser::Mode;
using Status = SseParser::Status;

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
    // The Tekton client reads no event types: `event: message` is skipped.
    EXPECT_EQ(event_types, (std::vector<std::string>{"", "", "", ""}));
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

// tekton.md 2.4: the client strips each line and keeps only those that
// start with "data: "; its line reader also yields a last line that has no
// line end.
TEST(SseParser, DataLinesFollowTheTektonClientsLineRules) {
    EXPECT_EQ(datas(parse("data:x\ndata: y\n  data: z  \n\tdata: w\r\n", Mode::DataLines)),
              (std::vector<std::string>{"y", "z", "w"}));
    EXPECT_EQ(datas(parse("DATA: a\nid: 1\n: c\nevent: e\ndata: b\n", Mode::DataLines)),
              (std::vector<std::string>{"b"}));
    // The last line without a line end: read when finish() is given the callback.
    SseParser p(kBig, Mode::DataLines);
    std::vector<std::string> got;
    std::function<bool(const SseEvent &)> cb = [&](const SseEvent &e) {
        got.emplace_back(e.data);
        return true;
    };
    EXPECT_EQ(p.feed("data: a\ndata: {\"chunk\":\"b\"}", cb), Status::Ok);
    EXPECT_EQ(got, std::vector<std::string>{"a"});
    EXPECT_FALSE(p.finish(&cb));
    EXPECT_EQ(got, (std::vector<std::string>{"a", "{\"chunk\":\"b\"}"}));
    // Without a callback it is reported as cut, as before.
    EXPECT_TRUE(parse("data: a\ndata: b", Mode::DataLines).cut);
    // Not after the consumer stopped.
    SseParser q(kBig, Mode::DataLines);
    got.clear();
    std::function<bool(const SseEvent &)> stop = [&](const SseEvent &e) {
        got.emplace_back(e.data);
        return false;
    };
    q.feed("data: [DONE]\ndata: more", stop);
    q.finish(&stop);
    EXPECT_EQ(got, std::vector<std::string>{"[DONE]"});
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

}  // namespace
}  // namespace realm::protocol::sse_test
