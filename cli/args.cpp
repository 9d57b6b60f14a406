#include "args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

namespace realm_cli {
namespace {

const std::set<std::string> kCommands = {"chat", "generate", "models", "health", "metadata",
                                         "call", "bench", "help"};

bool parse_int(const std::string &text, int64_t min, int64_t max, int64_t *out) {
    if (text.empty()) return false;
    errno = 0;
    char *end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

bool parse_double(const std::string &text, double *out) {
    if (text.empty()) return false;
    errno = 0;
    char *end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (errno || *end || !std::isfinite(v)) return false;
    *out = v;
    return true;
}

}  // namespace

bool parse_duration_ms(const std::string &text, uint32_t *ms) {
    std::string num = text;
    double scale = 1000.0;  // plain numbers are seconds
    auto ends_with = [&](const char *suffix) {
        std::string s(suffix);
        return num.size() > s.size() && num.compare(num.size() - s.size(), s.size(), s) == 0;
    };
    if (ends_with("ms")) {
        num.resize(num.size() - 2);
        scale = 1.0;
    } else if (ends_with("s")) {
        num.resize(num.size() - 1);
    } else if (ends_with("m")) {
        num.resize(num.size() - 1);
        scale = 60000.0;
    }
    double v;
    if (!parse_double(num, &v) || v < 0) return false;
    double total = std::round(v * scale);
    if (total > 86400000.0) return false;
    *ms = static_cast<uint32_t>(total);
    return true;
}

bool parse_command_line(int argc, char **argv, CommandLine *out, std::string *error) {
    CommandLine &cl = *out;
    if (const char *env = std::getenv("REALM_URL"); env && *env) cl.global.url = env;
    else cl.global.url = "ws://127.0.0.1:8080";
    if (const char *env = std::getenv("REALM_API_KEY"); env && *env) cl.global.api_key = env;

    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (options_done || a == "-" || a.empty() || a[0] != '-') {
            if (cl.command.empty()) {
                if (!kCommands.count(a)) {
                    *error = "unknown command '" + a + "'";
                    return false;
                }
                cl.command = a;
            } else {
                cl.args.push_back(a);
            }
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        // "--name=value" or "--name value"; short options take the next word.
        std::string name = a, value;
        bool inline_value = false;
        if (a.rfind("--", 0) == 0) {
            size_t eq = a.find('=');
            if (eq != std::string::npos) {
                name = a.substr(0, eq);
                value = a.substr(eq + 1);
                inline_value = true;
            }
        }
        auto take = [&](std::string *v) {
            if (inline_value) {
                *v = value;
                return true;
            }
            if (i + 1 >= argc) {
                *error = "option " + name + " needs a value";
                return false;
            }
            *v = argv[++i];
            return true;
        };
        auto no_value = [&]() {
            if (inline_value) {
                *error = "option " + name + " takes no value";
                return false;
            }
            return true;
        };
        GlobalOptions &g = cl.global;
        std::string v;
        if (name == "-h" || name == "--help") {
            if (!no_value()) return false;
            cl.help = true;
        } else if (name == "--version") {
            if (!no_value()) return false;
            cl.version = true;
        } else if (name == "-v" || name == "--verbose") {
            if (!no_value()) return false;
            g.verbose++;
        } else if (name == "-vv") {
            g.verbose += 2;
        } else if (name == "--json") {
            if (!no_value()) return false;
            g.json = true;
        } else if (name == "--chat") {
            if (!no_value()) return false;
            cl.chat = true;
        } else if (name == "--url") {
            if (!take(&g.url)) return false;
        } else if (name == "--dialect") {
            if (!take(&g.dialect)) return false;
        } else if (name == "--api-key") {
            if (!take(&v)) return false;
            g.api_key = v;
        } else if (name == "--model") {
            if (!take(&g.model)) return false;
        } else if (name == "--system") {
            if (!take(&v)) return false;
            g.system = v;
        } else if (name == "--temperature") {
            double d;
            if (!take(&v)) return false;
            if (!parse_double(v, &d) || d < 0) {
                *error = "--temperature: '" + v + "' is not a number >= 0";
                return false;
            }
            g.temperature = d;
        } else if (name == "--max-tokens") {
            int64_t n;
            if (!take(&v)) return false;
            if (!parse_int(v, 1, INT64_MAX, &n)) {
                *error = "--max-tokens: '" + v + "' is not an integer >= 1";
                return false;
            }
            g.max_tokens = n;
        } else if (name == "--timeout") {
            uint32_t ms;
            if (!take(&v)) return false;
            if (!parse_duration_ms(v, &ms)) {
                *error = "--timeout: '" + v + "' is not a duration (e.g. 30, 30s, 500ms, 2m; at most 24 h)";
                return false;
            }
            g.timeout_ms = ms;
        } else if (name == "--option" || name == "-o") {
            if (!take(&v)) return false;
            size_t eq = v.find('=');
            if (eq == std::string::npos || eq == 0) {
                *error = "--option: expected KEY=VALUE (the value is not shown: it may be a secret)";
                return false;
            }
            g.options.emplace_back(v.substr(0, eq), v.substr(eq + 1));
        } else if (name == "-n" || name == "--requests") {
            if (!take(&v)) return false;
            if (!parse_int(v, 1, 100000000, &cl.requests)) {
                *error = name + ": '" + v + "' is not an integer >= 1";
                return false;
            }
        } else if (name == "-c" || name == "--concurrency") {
            if (!take(&v)) return false;
            if (!parse_int(v, 1, 65536, &cl.concurrency)) {
                *error = name + ": '" + v + "' is not an integer in 1..65536";
                return false;
            }
        } else {
            *error = "unknown option '" + name + "'";
            return false;
        }
    }
    return true;
}

}  // namespace realm_cli
