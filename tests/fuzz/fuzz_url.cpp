// URL parsing (src/core/options.cpp parse_url: ws://, wss://, http://,
// https://). One input is one URL.
// Invariants:
//  - an accepted URL has a host, a port in 1..65535 and a path that starts
//    with '/' and holds no '#', no spaces, controls or non-ASCII bytes;
//  - the scheme is case-insensitive: the URL with its scheme upper-cased
//    parses the same;
//  - display_url() of an accepted URL parses back to the same URL (when no
//    secret in its query was redacted).
#include <cctype>

#include "core/log.h"
#include "core/options.h"
#include "fuzz_support.h"

using namespace realm::core;

namespace {

std::string show(const ServerUrl &u) {
    return std::to_string(u.http) + std::to_string(u.tls) + " host=" + u.host + " port=" + std::to_string(u.port) +
           " path=" + u.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string url(reinterpret_cast<const char *>(data), size);
    ServerUrl u;
    std::string why = parse_url(url, &u);

    std::string upper = url;
    for (size_t i = 0; i < upper.size() && i < 8 && upper[i] != ':'; ++i)
        upper[i] = char(std::toupper(static_cast<unsigned char>(upper[i])));
    ServerUrl v;
    std::string why_upper = parse_url(upper, &v);
    FUZZ_CHECK(why == why_upper, "scheme case changes the verdict: '" + why + "' vs '" + why_upper + "'");
    if (!why.empty()) return 0;
    FUZZ_CHECK(show(u) == show(v), "scheme case changes the URL");

    FUZZ_CHECK(!u.host.empty(), "no host");
    FUZZ_CHECK(u.port >= 1 && u.port <= 65535, "port out of range");
    FUZZ_CHECK(!u.path.empty() && u.path[0] == '/', "path does not start with '/'");
    FUZZ_CHECK(u.path.find('#') == std::string::npos, "path keeps the fragment");
    for (unsigned char c : u.host + u.path) FUZZ_CHECK(c > 0x20 && c < 0x7f, "space, control or non-ASCII byte");

    std::string shown = display_url(u);
    if (redact_url(u.path) == u.path) {
        ServerUrl w;
        std::string again = parse_url(shown, &w);
        FUZZ_CHECK(again.empty(), "display_url does not parse: " + shown + ": " + again);
        FUZZ_CHECK(show(w) == show(u), "display_url round trip: " + show(w) + " vs " + show(u));
    }
    return 0;
}
