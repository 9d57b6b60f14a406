// Reading HTTP responses: Retry-After in all its forms, media types, reason
// phrases, and error bodies of every shape a server (or a proxy in front of
// it) may send.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "protocol/http_response.h"
#include "protocol/realm_wire.h"

namespace {

using realm::protocol::HttpErrorBody;
using realm::protocol::media_type;
using realm::protocol::parse_retry_after_ms;
using realm::protocol::read_error_body;
using realm::protocol::reason_phrase;

// Sun, 06 Nov 1994 08:49:37 GMT, the RFC's example date.
constexpr std::time_t kRfcDate = 784111777;
constexpr int64_t kDayMs = 24 * 60 * 60 * 1000LL;

// ---- Retry-After -----------------------------------------------------------------

TEST(HttpResponseRetryAfter, DelaySeconds) {
    EXPECT_EQ(parse_retry_after_ms("120", 0), 120000);
    EXPECT_EQ(parse_retry_after_ms("0", 0), 0);
    EXPECT_EQ(parse_retry_after_ms("  5\t", 0), 5000);
    EXPECT_EQ(parse_retry_after_ms("007", 0), 7000);
    EXPECT_EQ(parse_retry_after_ms("86400", 0), kDayMs);
}

TEST(HttpResponseRetryAfter, HugeNumbersClampToADay) {
    EXPECT_EQ(parse_retry_after_ms("86401", 0), kDayMs);
    EXPECT_EQ(parse_retry_after_ms("9223372036854775807", 0), kDayMs);
    EXPECT_EQ(parse_retry_after_ms("99999999999999999999999999999999999999", 0), kDayMs);
    EXPECT_EQ(parse_retry_after_ms(std::string(10000, '9'), 0), kDayMs);
}

TEST(HttpResponseRetryAfter, GarbageIsMinusOne) {
    for (const char *bad : {"", "   ", "abc", "-5", "+5", "1.5", "5s", "5 s", "1e3", "0x10", "5,6", "\xE2\x82\xAC",
                            "Sun", "Sun,", "tomorrow", "Sun, 06 Nov 1994", "1994-11-06T08:49:37Z"}) {
        EXPECT_EQ(parse_retry_after_ms(bad, kRfcDate), -1) << bad;
    }
    EXPECT_EQ(parse_retry_after_ms(std::string_view("5\0", 2), 0), -1);
}

TEST(HttpResponseRetryAfter, ImfFixdate) {
    EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", kRfcDate - 30), 30000);
    EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", kRfcDate), 0);
    EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", kRfcDate + 3600), 0);  // past: 0
    EXPECT_EQ(parse_retry_after_ms("  Sun, 06 Nov 1994 08:50:37 GMT ", kRfcDate), 60000);
    EXPECT_EQ(parse_retry_after_ms("Mon, 07 Nov 1994 08:49:37 GMT", kRfcDate), kDayMs);
    EXPECT_EQ(parse_retry_after_ms("Fri, 01 Jan 2100 00:00:00 GMT", kRfcDate), kDayMs);  // clamped
    // Names in another case are accepted.
    EXPECT_EQ(parse_retry_after_ms("sun, 06 NOV 1994 08:49:38 gmt", kRfcDate), 1000);
    // A modern date, and a leap day.
    EXPECT_EQ(parse_retry_after_ms("Thu, 29 Feb 2024 00:00:10 GMT", 1709164800), 10000);
    EXPECT_EQ(parse_retry_after_ms("Thu, 01 Jan 1970 00:00:05 GMT", 0), 5000);
}

TEST(HttpResponseRetryAfter, Rfc850Date) {
    EXPECT_EQ(parse_retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", kRfcDate - 2), 2000);
    // Two-digit years: more than 50 years ahead means the past century.
    const std::time_t y2025 = 1735689600;  // 2025-01-01
    EXPECT_EQ(parse_retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", y2025), 0);  // 1994, past
    EXPECT_EQ(parse_retry_after_ms("Wednesday, 01-Jan-25 00:00:07 GMT", y2025), 7000);
    EXPECT_EQ(parse_retry_after_ms("Tuesday, 01-Jan-30 00:00:00 GMT", y2025), kDayMs);  // 2030
    EXPECT_EQ(parse_retry_after_ms("Sun, 06-Nov-94 08:49:37 GMT", kRfcDate), -1);       // short day name
}

TEST(HttpResponseRetryAfter, AsctimeDate) {
    EXPECT_EQ(parse_retry_after_ms("Sun Nov  6 08:49:37 1994", kRfcDate - 3), 3000);
    EXPECT_EQ(parse_retry_after_ms("Sun Nov 6 08:49:37 1994", kRfcDate - 3), 3000);  // lenient: one space
    EXPECT_EQ(parse_retry_after_ms("Wed Nov 16 08:49:37 1994", kRfcDate), kDayMs);
    EXPECT_EQ(parse_retry_after_ms("Sun Nov  6 08:49:37 1994 GMT", kRfcDate), -1);
}

TEST(HttpResponseRetryAfter, InvalidDates) {
    for (const char *bad : {"Sun, 31 Feb 1994 08:49:37 GMT", "Wed, 29 Feb 2023 00:00:00 GMT",
                            "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                            "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
                            "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 GMT x",
                            "Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 19945 08:49:37 GMT",
                            "Sun, 006 Nov 1994 08:49:37 GMT", "Foo, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
                            "Sun,06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT"}) {
        EXPECT_EQ(parse_retry_after_ms(bad, kRfcDate), -1) << bad;
    }
}

// ---- media_type / reason_phrase ------------------------------------------------

TEST(HttpResponse, MediaType) {
    EXPECT_EQ(media_type("Text/Event-Stream; charset=utf-8"), "text/event-stream");
    EXPECT_EQ(media_type("application/json"), "application/json");
    EXPECT_EQ(media_type("  APPLICATION/JSON  ;charset=UTF-8"), "application/json");
    EXPECT_EQ(media_type("text/html;"), "text/html");
    EXPECT_EQ(media_type(""), "");
    EXPECT_EQ(media_type(";charset=utf-8"), "");
    EXPECT_EQ(media_type("\ttext/plain\t"), "text/plain");
}

TEST(HttpResponse, ReasonPhrase) {
    EXPECT_EQ(reason_phrase(200), "OK");
    EXPECT_EQ(reason_phrase(400), "Bad Request");
    EXPECT_EQ(reason_phrase(401), "Unauthorized");
    EXPECT_EQ(reason_phrase(404), "Not Found");
    EXPECT_EQ(reason_phrase(413), "Content Too Large");
    EXPECT_EQ(reason_phrase(422), "Unprocessable Content");
    EXPECT_EQ(reason_phrase(429), "Too Many Requests");
    EXPECT_EQ(reason_phrase(500), "Internal Server Error");
    EXPECT_EQ(reason_phrase(502), "Bad Gateway");
    EXPECT_EQ(reason_phrase(503), "Service Unavailable");
    EXPECT_EQ(reason_phrase(504), "Gateway Timeout");
    EXPECT_EQ(reason_phrase(599), "");
    EXPECT_EQ(reason_phrase(0), "");
    EXPECT_EQ(reason_phrase(-1), "");
    EXPECT_EQ(reason_phrase(1000000), "");
}

// ---- Error bodies --------------------------------------------------------------

// Every message is non-empty, valid UTF-8, one line and within the bound.
void expect_clean(const HttpErrorBody &b, size_t max = 300) {
    EXPECT_FALSE(b.message.empty());
    EXPECT_LE(b.message.size(), max);
    EXPECT_TRUE(realm::wire::is_valid_utf8(b.message)) << b.message;
    for (unsigned char c : b.message) EXPECT_FALSE(c < 0x20 || c == 0x7F) << int(c);
    EXPECT_NE(b.message.front(), ' ');
    EXPECT_NE(b.message.back(), ' ');
    for (const std::string *s : {&b.code, &b.type, &b.param}) EXPECT_TRUE(realm::wire::is_valid_utf8(*s));
}

TEST(HttpResponseErrorBody, OpenAiEnvelope) {
    auto b = read_error_body(429, "application/json",
                             R"({"error":{"message":"Rate limit reached for gpt-4o","type":"requests",)"
                             R"("param":null,"code":"rate_limit_exceeded"}})");
    EXPECT_EQ(b.message, "Rate limit reached for gpt-4o");
    EXPECT_EQ(b.code, "rate_limit_exceeded");
    EXPECT_EQ(b.type, "requests");
    EXPECT_EQ(b.param, "");
    expect_clean(b);

    b = read_error_body(400, "application/json; charset=utf-8",
                        "{\n  \"error\": {\n    \"message\": \"Invalid 'messages': empty array.\",\n"
                        "    \"type\": \"invalid_request_error\",\n    \"param\": \"messages\",\n"
                        "    \"code\": \"empty_array\"\n  }\n}\n");
    EXPECT_EQ(b.message, "Invalid 'messages': empty array.");
    EXPECT_EQ(b.param, "messages");
    EXPECT_EQ(b.code, "empty_array");
    EXPECT_EQ(b.type, "invalid_request_error");
}

TEST(HttpResponseErrorBody, EnvelopeCodeShapes) {
    // A number (llama.cpp), null (falls back to the type), absent, a string.
    auto b = read_error_body(500, "application/json",
                             R"({"error":{"code":500,"message":"model crashed","type":"server_error"}})");
    EXPECT_EQ(b.code, "500");
    EXPECT_EQ(b.message, "model crashed");
    EXPECT_EQ(b.type, "server_error");
    b = read_error_body(400, "application/json", R"({"error":{"message":"m","type":"t","code":null}})");
    EXPECT_EQ(b.code, "t");
    b = read_error_body(529, "application/json",
                        R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
    EXPECT_EQ(b.code, "overloaded_error");
    EXPECT_EQ(b.message, "Overloaded");
    b = read_error_body(400, "application/json", R"({"error":{"message":"m","code":-3.5e2}})");
    EXPECT_EQ(b.code, "-3.5e2");
    EXPECT_EQ(b.type, "");
    // Fields of other types are ignored, not fatal.
    b = read_error_body(400, "application/json",
                        R"({"error":{"message":["x"],"type":{"a":1},"param":7,"code":true,"extra":[1,{"b":null}]}})");
    EXPECT_EQ(b.message, "HTTP 400 Bad Request");
    EXPECT_EQ(b.code, "");
    EXPECT_EQ(b.param, "");
    expect_clean(b);
}

TEST(HttpResponseErrorBody, EnvelopeWithoutMessageFallsBackToTheStatus) {
    auto b = read_error_body(503, "application/json", R"({"error":{"code":"unavailable"}})");
    EXPECT_EQ(b.message, "HTTP 503 Service Unavailable");
    EXPECT_EQ(b.code, "unavailable");
    b = read_error_body(418, "application/json", R"({"error":{"message":""}})");
    EXPECT_EQ(b.message, "HTTP 418");  // no standard reason phrase
}

TEST(HttpResponseErrorBody, OtherJsonShapes) {
    auto b = read_error_body(401, "application/json", R"({"error":"Authentication failed"})");
    EXPECT_EQ(b.message, "Authentication failed");
    EXPECT_EQ(b.code, "");
    EXPECT_EQ(b.type, "");
    b = read_error_body(500, "application/json", R"({"detail":"404: Context not found: my-component"})");
    EXPECT_EQ(b.message, "404: Context not found: my-component");
    b = read_error_body(422, "application/json",
                        R"({"detail":[{"loc":["body","messages"],"msg":"field required","type":"value_error.missing"},)"
                        R"({"loc":["body","model"],"msg":"str type expected","type":"type_error.str"}]})");
    EXPECT_EQ(b.message, "field required; str type expected");
    EXPECT_EQ(b.code, "");
    b = read_error_body(400, "application/json", R"({"message":"Bad things","status":400})");
    EXPECT_EQ(b.message, "Bad things");
    b = read_error_body(400, "application/json", R"({"object":"error","message":"vLLM says no","code":400})");
    EXPECT_EQ(b.message, "vLLM says no");
    b = read_error_body(400, "application/json", R"("just a string")");
    EXPECT_EQ(b.message, "just a string");
    // Valid JSON of an unknown shape: shown as it is.
    b = read_error_body(500, "application/json", R"({"status":"overloaded"})");
    EXPECT_EQ(b.message, R"({"status":"overloaded"})");
    b = read_error_body(500, "application/json", "[1, 2]");
    EXPECT_EQ(b.message, "[1, 2]");
    // Escapes are decoded; newlines and tabs become single spaces.
    b = read_error_body(400, "application/json", R"({"error":"line one\nline two\t\u00e9\ud83d\ude00 \"q\""})");
    EXPECT_EQ(b.message, "line one line two \xC3\xA9\xF0\x9F\x98\x80 \"q\"");
    expect_clean(b);
    // JSON without a JSON content type is still recognised.
    b = read_error_body(400, "text/plain", R"({"error":{"message":"typed wrong"}})");
    EXPECT_EQ(b.message, "typed wrong");
    b = read_error_body(400, "", R"(  {"detail":"no type"}  )");
    EXPECT_EQ(b.message, "no type");
}

TEST(HttpResponseErrorBody, InvalidJsonIsText) {
    auto b = read_error_body(500, "application/json", R"({"error": {"message": "unterminated)");
    EXPECT_EQ(b.message, R"({"error": {"message": "unterminated)");
    b = read_error_body(502, "application/json", "upstream connect error");
    EXPECT_EQ(b.message, "upstream connect error");
    b = read_error_body(500, "application/json", R"({"error":"x"} trailing)");
    EXPECT_EQ(b.message, R"({"error":"x"} trailing)");
    // Deep nesting is refused by the cursor without recursion trouble.
    std::string deep = R"({"error":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
    b = read_error_body(500, "application/json", deep);
    expect_clean(b);
}

TEST(HttpResponseErrorBody, Html) {
    auto b = read_error_body(502, "text/html",
                             "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                             "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
                             "</html>\r\n");
    EXPECT_EQ(b.message, "502 Bad Gateway");
    EXPECT_EQ(b.code, "");
    b = read_error_body(503, "text/html; charset=UTF-8",
                        "<!DOCTYPE html><HTML><HEAD><TITLE lang=\"en\">\n  Tom &amp; Jerry &lt;3 &quot;x&quot; "
                        "&#39;y&#39; &gt; &#x41;&#66;&nbsp;&unknown; &amp\n</TITLE></HEAD></HTML>");
    EXPECT_EQ(b.message, "Tom & Jerry <3 \"x\" 'y' > AB &unknown; &amp");
    // No title: the text without tags, scripts, styles and comments.
    b = read_error_body(500, "text/html",
                        "<html><head><style>body{color:red}</style><script>var a = '<b>';</script></head>"
                        "<body><!-- <p>hidden</p> --><h1>Internal&nbsp;Error</h1><p>Try <b>again</b> "
                        "later.</p></body></html>");
    EXPECT_EQ(b.message, "Internal Error Try again later.");
    b = read_error_body(500, "text/html", "<html><title>  </title><body>Only body</body></html>");
    EXPECT_EQ(b.message, "Only body");
    // HTML without a content type is sniffed.
    b = read_error_body(504, "", "<html><head><title>504 Gateway Time-out</title></head></html>");
    EXPECT_EQ(b.message, "504 Gateway Time-out");
    // Broken markup is survived.
    for (const char *bad : {"<html><title>unterminated", "<", "<<<>>>", "<!--", "<script>", "<title>", "&#xFFFFFFFFFF;",
                            "&#0;", "&#xD800;", "<p>&#128512;</p>"}) {
        b = read_error_body(500, "text/html", bad);
        expect_clean(b);
    }
    EXPECT_EQ(read_error_body(500, "text/html", "<p>&#128512;&#xD800;</p>").message,
              "\xF0\x9F\x98\x80\xEF\xBF\xBD");
    EXPECT_EQ(read_error_body(500, "text/html", "<html><body></body></html>").message,
              "HTTP 500 Internal Server Error");
}

TEST(HttpResponseErrorBody, PlainTextAndEmpty) {
    auto b = read_error_body(503, "text/plain", "upstream connect error or disconnect/reset before headers\n");
    EXPECT_EQ(b.message, "upstream connect error or disconnect/reset before headers");
    b = read_error_body(429, "text/plain", "");
    EXPECT_EQ(b.message, "HTTP 429 Too Many Requests");
    b = read_error_body(500, "", "  \r\n\t ");
    EXPECT_EQ(b.message, "HTTP 500 Internal Server Error");
    b = read_error_body(404, "application/json", "");
    EXPECT_EQ(b.message, "HTTP 404 Not Found");
    EXPECT_EQ(b.code, "");
    b = read_error_body(299, "", "");
    EXPECT_EQ(b.message, "HTTP 299");
    // "<3" in plain text is not HTML.
    EXPECT_EQ(read_error_body(400, "text/plain", "<3 <b>bold</b>").message, "<3 <b>bold</b>");
    // A BOM is not part of the message.
    EXPECT_EQ(read_error_body(400, "", "\xEF\xBB\xBF{\"error\":\"bom\"}").message, "bom");
}

TEST(HttpResponseErrorBody, InvalidUtf8AndControlBytes) {
    auto b = read_error_body(500, "text/plain", "bad \xFF\xFE bytes \xC3 and \xE2\x82 end \xED\xA0\x80 \xC0\xAF");
    expect_clean(b);
    EXPECT_EQ(b.message.substr(0, 4), "bad ");
    EXPECT_NE(b.message.find("\xEF\xBF\xBD"), std::string::npos);
    EXPECT_NE(b.message.find("bytes"), std::string::npos);
    EXPECT_NE(b.message.find("end"), std::string::npos);
    // NUL, other C0 controls, DEL, C1 controls and line separators.
    std::string nul = std::string("a\0b", 3) + "\x01\x1B[31mred\x7F" + "\xC2\x85next\xE2\x80\xA8sep";
    b = read_error_body(500, "text/plain", nul);
    EXPECT_EQ(b.message, "a b [31mred next sep");
    expect_clean(b);
    // Invalid UTF-8 inside JSON strings (the cursor passes raw bytes through).
    b = read_error_body(400, "application/json", "{\"error\":\"caf\xE9\"}");
    expect_clean(b);
    EXPECT_EQ(b.message, "caf\xEF\xBF\xBD");
    b = read_error_body(400, "application/json", R"({"error":"nul\u0000inside"})");
    EXPECT_EQ(b.message, "nul inside");
    // Invalid UTF-8 in the code, type and param too.
    b = read_error_body(400, "application/json", "{\"error\":{\"message\":\"m\",\"code\":\"c\xFF\",\"type\":\"t\\n2\"}}");
    EXPECT_EQ(b.code, "c\xEF\xBF\xBD");
    EXPECT_EQ(b.type, "t 2");
}

TEST(HttpResponseErrorBody, LongMessagesAreCutOnACharacterBoundary) {
    std::string euros;
    for (int i = 0; i < 200; ++i) euros += "\xE2\x82\xAC";  // 600 bytes
    auto b = read_error_body(500, "text/plain", euros);
    expect_clean(b);
    EXPECT_LE(b.message.size(), 300u);
    EXPECT_GE(b.message.size(), 295u);
    EXPECT_EQ(b.message.substr(b.message.size() - 3), "...");
    for (size_t max : {4, 5, 6, 7, 10, 50}) {
        auto c = read_error_body(500, "text/plain", euros, max);
        expect_clean(c, max);
        EXPECT_EQ(c.message.substr(c.message.size() - 3), "...") << max;
    }
    // Exactly at the bound: kept whole.
    EXPECT_EQ(read_error_body(500, "text/plain", std::string(300, 'a')).message, std::string(300, 'a'));
    EXPECT_EQ(read_error_body(500, "text/plain", std::string(301, 'a')).message, std::string(297, 'a') + "...");
    EXPECT_EQ(read_error_body(500, "text/plain", "abcdef", 5).message, "ab...");
    // Tiny bounds still give a non-empty message.
    EXPECT_FALSE(read_error_body(500, "", "", 0).message.empty());
    EXPECT_FALSE(read_error_body(500, "text/plain", "hello", 0).message.empty());
    // Spaces at the cut are trimmed before the dots.
    EXPECT_EQ(read_error_body(500, "text/plain", "abcd   efghijkl", 8).message, "abcd...");
}

TEST(HttpResponseErrorBody, HugeBodiesAreReadOnlyAt64KiB) {
    // 20 MiB of text: bounded work, bounded message.
    std::string huge(20u << 20, 'x');
    auto b = read_error_body(500, "text/plain", huge);
    EXPECT_EQ(b.message, std::string(297, 'x') + "...");
    // A JSON body cut at the scan limit: what was read before still counts.
    std::string json = R"({"error":{"message":"too big","type":"t","code":"c","junk":")" + std::string(1u << 20, 'j') +
                       R"("}})";
    b = read_error_body(400, "application/json", json);
    EXPECT_EQ(b.message, "too big");
    EXPECT_EQ(b.code, "c");
    // ... but an unfinished small body is text.
    b = read_error_body(400, "application/json", R"({"error":{"message":"small","junk":")");
    EXPECT_EQ(b.message, R"({"error":{"message":"small","junk":")");
    // A huge HTML page whose title is past 64 KiB: the text of what was read.
    std::string html = "<html><body><p>" + std::string(100000, 'z') + "</p><title>late</title></body></html>";
    b = read_error_body(500, "text/html", html);
    EXPECT_EQ(b.message, std::string(297, 'z') + "...");
}

TEST(HttpResponseErrorBody, RandomBytesNeverBreakIt) {
    std::mt19937 rng(777);
    static const char *types[] = {"", "application/json", "text/html", "text/plain", "application/problem+json"};
    static const char *atoms[] = {"{", "}", "[", "]", "\"", ":", ",", "error", "detail", "message", "msg", "<",
                                  ">", "title", "/", "&amp;", "&#", ";", "\\", "u", "\xFF", "\xC3", "\xA9", " ",
                                  "\n", "null", "1", "script", "!--", "&#x1F600;"};
    for (int i = 0; i < 3000; ++i) {
        std::string body;
        int n = int(rng() % 40);
        for (int k = 0; k < n; ++k) {
            if (rng() % 4 == 0) body += char(rng() % 256);
            else body += atoms[rng() % (sizeof atoms / sizeof *atoms)];
        }
        size_t max = 4 + rng() % 60;
        auto b = read_error_body(int(rng() % 600), types[rng() % 5], body, max);
        expect_clean(b, max);
        if (HasFailure()) {
            ADD_FAILURE() << "body #" << i;
            break;
        }
    }
}

TEST(HttpResponseErrorBody, StatusLineFallbackUsesTheStatusOnly) {
    // Nothing but the status and its phrase: no header or body content leaks in.
    auto b = read_error_body(401, "application/json; charset=utf-8; x-api-key=sk-secret", "");
    EXPECT_EQ(b.message, "HTTP 401 Unauthorized");
    EXPECT_EQ(b.message.find("sk-"), std::string::npos);
}

}  // namespace
