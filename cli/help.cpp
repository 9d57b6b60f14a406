#include "help.h"

#include "exit_codes.h"

namespace realm_cli {
namespace {

const char kGlobalOptions[] =
    "Global options (anywhere on the line; --name=value also works):\n"
    "  --url URL            server [REALM_URL, else ws://127.0.0.1:8080]; the scheme and path\n"
    "                       pick the dialect: ws://host -> realm, ws://host/v1/chat/completions\n"
    "                       -> openai-ws, http(s)://host/v1 -> openai-http\n"
    "  --dialect NAME       realm, openai-ws, openai-http, tekton, tekton-ws, ws-system [auto]\n"
    "  --api-key KEY        API key [REALM_API_KEY]; never printed or logged\n"
    "  --model NAME         model for generations\n"
    "  --system TEXT        system message (chat; generate/bench then send chat messages)\n"
    "  --temperature T      sampling temperature (>= 0)\n"
    "  --max-tokens N       most tokens per answer\n"
    "  --timeout DURATION   total time per request and for connecting: 30, 30s, 500ms, 2m;\n"
    "                       0 = none [generate, chat: none; others: the library's 30 s]\n"
    "  --option KEY=VALUE   any client option by name (realm_options_set), repeatable, e.g.\n"
    "                       -o client_id=ID -o private_key_path=key.pem (ws-system),\n"
    "                       -o header='OpenAI-Organization: org', -o tls_ca_file=ca.pem\n"
    "  --json               machine output: one JSON object per line and event\n"
    "                       ({\"event\":\"tokens\"|\"done\"|\"error\",...}); bench: one object\n"
    "  -v, -vv              the library's log on stderr (-v info, -vv debug)\n"
    "  -h, --help           help (realm COMMAND --help for a command)\n"
    "  --version            versions of the tool and of librealm\n";

}  // namespace

std::string tool_help() {
    std::string s =
        "realm: talk to LLM inference servers (Realm, OpenAI WebSocket and HTTP, Tekton, ws-system)\n"
        "\n"
        "Usage: realm [OPTIONS] COMMAND [ARGS]\n"
        "\n"
        "Commands:\n"
        "  chat                   interactive chat with streamed answers\n"
        "  generate PROMPT|-      stream one answer to stdout (- reads the prompt from stdin)\n"
        "  models                 the server's model list (OpenAI HTTP, ws-system)\n"
        "  health                 the server's health object\n"
        "  metadata               the server's function catalogue (Realm)\n"
        "  call FUNCTION [JSON]   any function (Realm) or endpoint (OpenAI HTTP) with JSON params\n"
        "  bench [PROMPT]         N requests at concurrency C: tokens/s, latency percentiles\n"
        "  help [COMMAND|exit-codes]\n"
        "\n"
        "After --, nothing is an option (realm generate -- \"-5 degrees?\").\n"
        "\n";
    s += kGlobalOptions;
    s += "\nExit status (by error category of the library; realm help exit-codes lists the codes):\n";
    s += exit_code_table();
    s += "\nExamples:\n"
         "  realm generate \"Tell me a story\" --max-tokens 50\n"
         "  echo \"Hi\" | realm --url http://127.0.0.1:8080/v1 generate -\n"
         "  realm --url http://127.0.0.1:8080/v1 models --json\n"
         "  realm bench -n 1000 -c 50 --max-tokens 32\n"
         "See docs/cli.md.\n";
    return s;
}

std::string command_help(const std::string &command) {
    std::string s;
    if (command == "chat") {
        s = "Usage: realm chat [OPTIONS]\n\n"
            "Interactive conversation. Each question is sent with the conversation so far as chat\n"
            "messages (over Realm they become one prompt; over OpenAI dialects a chat). Answers stream.\n"
            "Line editing and history (~/.realm_history, or $REALM_HISTORY; empty = none) by libedit.\n\n"
            "  /system TEXT   set the system message (/system alone removes it)\n"
            "  /reset         forget the conversation (the system message stays)\n"
            "  /history       show the conversation\n"
            "  /exit          quit (also /quit, Ctrl-D)\n"
            "  Ctrl-C         cancels the answer in progress; at the prompt, twice in a row quits\n\n";
    } else if (command == "generate") {
        s = "Usage: realm generate [OPTIONS] PROMPT|-\n\n"
            "Streams one answer to stdout; - reads the prompt from stdin. The prompt is sent as a\n"
            "completion prompt, or as a chat (system + user messages) with --system or --chat.\n"
            "Ctrl-C cancels (exit status 6). With -v the timings go to stderr.\n\n"
            "  --chat         send the prompt as a user chat message\n\n";
    } else if (command == "models") {
        s = "Usage: realm models [OPTIONS]\n\nPrints the server's model list (JSON). Dialects without one\n"
            "(realm, openai-ws) refuse it (exit status 3).\n\n";
    } else if (command == "health") {
        s = "Usage: realm health [OPTIONS]\n\nPrints the server's health object (JSON).\n\n";
    } else if (command == "metadata") {
        s = "Usage: realm metadata [OPTIONS]\n\nPrints the server's function catalogue (JSON).\n\n";
    } else if (command == "call") {
        s = "Usage: realm call [OPTIONS] FUNCTION [JSON|-]\n\n"
            "Calls any function with raw JSON params (default {}; - reads them from stdin). Realm: a\n"
            "function of the server (generate, health, ...); OpenAI HTTP: a POST of JSON to\n"
            "{base}/FUNCTION (e.g. embeddings, chat/completions). Streamed frames print as they come,\n"
            "then the final JSON.\n\n"
            "  realm call generate '{\"prompt\":\"Hi\",\"max_tokens\":5}'\n"
            "  realm --url http://127.0.0.1:8080/v1 call chat/completions '{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}'\n\n";
    } else if (command == "bench") {
        s = "Usage: realm bench [OPTIONS] [PROMPT|-]\n\n"
            "Sends N streamed generations (default prompt \"Hello\"), C at a time, over one client, and\n"
            "prints tokens/s, requests/s, time to first token and latency (p50, p90, p99, mean, min,\n"
            "max; measured by the library from the moment each request is written) and errors by code.\n"
            "A progress line (done/total, tokens/s, errors) is shown on stderr when it is a terminal.\n"
            "Pooled dialects (openai-ws, openai-http) get max_connections = C unless -o says otherwise.\n"
            "Ctrl-C stops: running requests are cancelled and the table shows what finished.\n\n"
            "  -n, --requests N       requests in all [100]\n"
            "  -c, --concurrency C    requests at a time [10]\n"
            "  --chat                 send the prompt as a user chat message\n"
            "  --json                 one JSON object with the results\n\n"
            "Exit status: 0 when every request completed, 6 when interrupted, else the code of the\n"
            "most frequent error's category.\n\n";
    } else if (command == "exit-codes") {
        return "Exit status of realm, by error category (the statuses of each category):\n" + exit_code_table();
    } else if (command == "help") {
        return "Usage: realm help [COMMAND|exit-codes]\n";
    } else {
        return "";
    }
    s += kGlobalOptions;
    return s;
}

}  // namespace realm_cli
