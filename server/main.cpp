// realm-server: the reference Realm WebSocket server that librealm's tests,
// examples and benchmarks run against. See options.cpp for the command line.
#include <sys/resource.h>

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
    // A server is the one to hold many connections: raise the soft descriptor
    // limit to the hard one before lws sizes its tables from it.
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

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
