#include "bench_report.h"

#include "json_text.h"

#include <cstdio>

namespace realm_cli {
namespace {

std::string fmt(const char *format, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, a);
    return buf;
}

std::string row(const char *name, const Percentiles &p) {
    if (p.count == 0) return std::string("  ") + name + "  (no samples)\n";
    char buf[200];
    std::snprintf(buf, sizeof buf, "  %-14s %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f\n", name, p.p50, p.p90, p.p99,
                  p.mean, p.min, p.max);
    return buf;
}

std::string json_percentiles(const Percentiles &p) {
    if (p.count == 0) return "null";
    return "{\"p50\":" + json_ms(p.p50) + ",\"p90\":" + json_ms(p.p90) + ",\"p99\":" + json_ms(p.p99) +
           ",\"mean\":" + json_ms(p.mean) + ",\"min\":" + json_ms(p.min) + ",\"max\":" + json_ms(p.max) +
           ",\"count\":" + std::to_string(p.count) + "}";
}

}  // namespace

std::string bench_progress_line(const BenchStats &s, int64_t total, double elapsed_s) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "  %zu/%lld done   %.1f tok/s   %zu error%s", s.done(),
                  static_cast<long long>(total), s.streamed_per_second(elapsed_s), s.errors(),
                  s.errors() == 1 ? "" : "s");
    return buf;
}

std::string bench_table(const BenchSetup &setup, const BenchStats &s) {
    std::string out;
    char buf[300];
    std::snprintf(buf, sizeof buf, "realm bench: %lld requests, concurrency %lld, %s (dialect %s)%s\n",
                  static_cast<long long>(setup.requests), static_cast<long long>(setup.concurrency), setup.url.c_str(),
                  setup.dialect.c_str(), setup.interrupted ? ", interrupted" : "");
    out += buf;
    std::snprintf(buf, sizeof buf, "  completed      %zu\n  errors         %zu\n", s.ok(), s.errors());
    out += buf;
    out += "  wall time      " + fmt("%.3f s", s.wall_seconds()) + "\n";
    out += "  requests/s     " + fmt("%.1f", s.requests_per_second()) + "\n";
    std::snprintf(buf, sizeof buf, "  tokens/s       %.1f   (%lld tokens)\n", s.tokens_per_second(s.wall_seconds()),
                  static_cast<long long>(s.tokens()));
    out += buf;
    std::snprintf(buf, sizeof buf, "  %-14s %10s %10s %10s %10s %10s %10s\n", "ms", "p50", "p90", "p99", "mean", "min",
                  "max");
    out += buf;
    out += row("first token", s.first_token());
    out += row("latency", s.latency());
    if (!s.errors_by_code().empty()) {
        out += "  errors by code:\n";
        for (const auto &[code, n] : s.errors_by_code()) {
            std::snprintf(buf, sizeof buf, "    %-28s %zu\n", code.c_str(), n);
            out += buf;
        }
    }
    return out;
}

std::string bench_json(const BenchSetup &setup, const BenchStats &s) {
    std::string out = "{\"url\":" + json_quote(setup.url) + ",\"dialect\":" + json_quote(setup.dialect);
    out += ",\"requests\":" + std::to_string(setup.requests);
    out += ",\"concurrency\":" + std::to_string(setup.concurrency);
    out += std::string(",\"interrupted\":") + (setup.interrupted ? "true" : "false");
    out += ",\"completed\":" + std::to_string(s.ok()) + ",\"errors\":" + std::to_string(s.errors());
    out += ",\"wall_s\":" + fmt("%.6f", s.wall_seconds());
    out += ",\"requests_per_s\":" + fmt("%.3f", s.requests_per_second());
    out += ",\"tokens\":" + std::to_string(s.tokens());
    out += ",\"tokens_per_s\":" + fmt("%.3f", s.tokens_per_second(s.wall_seconds()));
    out += ",\"first_token_ms\":" + json_percentiles(s.first_token());
    out += ",\"latency_ms\":" + json_percentiles(s.latency());
    out += ",\"errors_by_code\":{";
    bool first = true;
    for (const auto &[code, n] : s.errors_by_code()) {
        if (!first) out += ",";
        first = false;
        out += json_quote(code) + ":" + std::to_string(n);
    }
    out += "}}";
    return out;
}

}  // namespace realm_cli
