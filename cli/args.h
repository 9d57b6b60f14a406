// Command line of the `realm` tool: global options, the command and its own
// options. Pure parsing: nothing here talks to the library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace realm_cli {

struct GlobalOptions {
    std::string url;                   // --url, else REALM_URL, else ws://127.0.0.1:8080
    std::string dialect;               // --dialect ("" = auto)
    std::optional<std::string> api_key;  // --api-key, else REALM_API_KEY; never printed
    std::string model;                 // --model
    std::optional<std::string> system; // --system
    std::optional<double> temperature; // --temperature
    std::optional<int64_t> max_tokens; // --max-tokens
    std::optional<uint32_t> timeout_ms;  // --timeout (0 = none)
    bool json = false;                 // --json
    int verbose = 0;                   // -v (info), -vv (debug)
    std::vector<std::pair<std::string, std::string>> options;  // --option KEY=VALUE
};

struct CommandLine {
    GlobalOptions global;
    std::string command;               // "" when none was given
    std::vector<std::string> args;     // positional arguments after the command
    bool help = false;                 // --help / -h
    bool version = false;              // --version
    // bench
    int64_t requests = 100;            // -n
    int64_t concurrency = 10;          // -c
    // generate
    bool chat = false;                 // --chat: send the prompt as a user message
};

// Parses argv. On a usage error returns false and sets *error.
bool parse_command_line(int argc, char **argv, CommandLine *out, std::string *error);

// "30s", "500ms", "2m", "1.5" (seconds). false when malformed or out of range.
bool parse_duration_ms(const std::string &text, uint32_t *ms);

}  // namespace realm_cli
