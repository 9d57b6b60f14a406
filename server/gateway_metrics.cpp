#include "gateway_metrics.h"

#include <cstdio>

namespace realm::server {
namespace {

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

void header(std::string &out, const char *name, const char *type, const char *help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

// Label values here are our own names (dialects, error codes, indexes), but
// escape anyway: the exposition format forbids raw quotes and backslashes.
std::string label(const std::string &v) {
    std::string out;
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

void Histogram::observe(double seconds) {
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    if (i < kBounds.size()) ++counts_[i];
    ++count_;
    sum_ += seconds;
}

void Histogram::render(std::string &out, const std::string &name) const {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBounds.size(); ++i) {
        cumulative += counts_[i];
        out += name + "_bucket{le=\"" + number(kBounds[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
    out += name + "_sum " + number(sum_) + "\n";
    out += name + "_count " + std::to_string(count_) + "\n";
}

std::string GatewayMetrics::render(const std::vector<UpstreamGauge> &upstreams) const {
    std::string out;
    header(out, "realm_gateway_requests_total", "counter", "Generations started, by the client's dialect.");
    for (const auto &[dialect, n] : requests_)
        out += "realm_gateway_requests_total{dialect=\"" + label(dialect) + "\"} " + std::to_string(n) + "\n";
    header(out, "realm_gateway_tokens_total", "counter", "Text pieces received from upstreams.");
    out += "realm_gateway_tokens_total " + std::to_string(tokens_) + "\n";
    header(out, "realm_gateway_errors_total", "counter", "Generations that ended with an error, by code.");
    for (const auto &[code, n] : errors_)
        out += "realm_gateway_errors_total{code=\"" + label(code) + "\"} " + std::to_string(n) + "\n";
    header(out, "realm_gateway_retries_total", "counter",
           "Upstream requests sent again before their first token (connection failure, 503 loading).");
    out += "realm_gateway_retries_total " + std::to_string(retries_) + "\n";
    header(out, "realm_gateway_time_to_first_token_seconds", "histogram",
           "From the upstream request to its first text piece.");
    ttft_.render(out, "realm_gateway_time_to_first_token_seconds");
    header(out, "realm_gateway_upstream_latency_seconds", "histogram",
           "From the upstream request to its end (complete or error).");
    latency_.render(out, "realm_gateway_upstream_latency_seconds");
    header(out, "realm_gateway_upstream_up", "gauge", "1 when the upstream takes requests, 0 while it is probed.");
    for (const UpstreamGauge &u : upstreams)
        out += "realm_gateway_upstream_up{upstream=\"" + label(u.label) + "\"} " + (u.up ? "1" : "0") + "\n";
    header(out, "realm_gateway_upstream_outstanding", "gauge", "Requests in flight on each upstream.");
    for (const UpstreamGauge &u : upstreams)
        out += "realm_gateway_upstream_outstanding{upstream=\"" + label(u.label) + "\"} " +
               std::to_string(u.outstanding) + "\n";
    return out;
}

}  // namespace realm::server
