// What the gateway counts, served as Prometheus text on GET /metrics:
// requests by dialect, tokens, errors by code, time to first token and
// upstream latency histograms, and each upstream's state. Service thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace realm::server {

class Histogram {
public:
    void observe(double seconds);
    // Appends the _bucket/_sum/_count lines of metric `name`.
    void render(std::string &out, const std::string &name) const;

private:
    static constexpr std::array<double, 12> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                       0.5,   1,    2.5,   5,    10,  30};
    std::array<uint64_t, kBounds.size()> counts_{};  // not cumulative; summed when rendered
    uint64_t count_ = 0;
    double sum_ = 0;
};

struct UpstreamGauge {
    std::string label;  // "0", "1", ... (never the URL: it may carry credentials)
    bool up = true;
    uint64_t outstanding = 0;
};

class GatewayMetrics {
public:
    void request(const std::string &dialect) { ++requests_[dialect]; }
    void tokens(uint64_t n) { tokens_ += n; }
    void error(const std::string &code) { ++errors_[code]; }
    void first_token(double seconds) { ttft_.observe(seconds); }
    void upstream_latency(double seconds) { latency_.observe(seconds); }
    void retried() { ++retries_; }

    std::string render(const std::vector<UpstreamGauge> &upstreams) const;

private:
    std::map<std::string, uint64_t> requests_;
    std::map<std::string, uint64_t> errors_;
    uint64_t tokens_ = 0;
    uint64_t retries_ = 0;
    Histogram ttft_;
    Histogram latency_;
};

}  // namespace realm::server
