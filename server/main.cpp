// realm-server: the reference Realm WebSocket server that librealm's tests,
// examples and benchmarks run against. See options.cpp for the command line.
#include <cstdio>
#include <string>

#include <libwebsockets.h>

#include "lws_server.h"
#include "options.h"

int main(int argc, char **argv) {
    using namespace realm::server;
    ServerOptions options;
    std::string error;
    switch (parse_options(argc, argv, &options, &error)) {
        case ParseResult::Help:
            std::fputs(usage_text(), stdout);
            return 0;
        case ParseResult::Error:
            std::fprintf(stderr, "realm-server: %s\n%s", error.c_str(), usage_text());
            return 2;
        case ParseResult::Ok:
            break;
    }
    lws_set_log_level(options.verbose ? (LLL_ERR | LLL_WARN | LLL_NOTICE) : LLL_ERR, nullptr);

    LwsServer server(options);
    if (!server.start(&error)) {
        std::fprintf(stderr, "realm-server: %s\n", error.c_str());
        return 1;
    }
    // Contract: the first stdout line is the port, flushed at once.
    std::printf("%d\n", server.port());
    std::fflush(stdout);
    return server.run();
}
