#include "bench_stats.h"

#include <algorithm>
#include <cmath>

namespace realm_cli {

Percentiles percentiles(std::vector<double> &v) {
    Percentiles p;
    p.count = v.size();
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    auto rank = [&](double q) {  // nearest rank: the smallest value with at least q of the samples at or below it
        size_t r = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
        return v[std::min(v.size(), std::max<size_t>(r, 1)) - 1];
    };
    double sum = 0;
    for (double x : v) sum += x;
    p.min = v.front();
    p.max = v.back();
    p.mean = sum / static_cast<double>(v.size());
    p.p50 = rank(0.50);
    p.p90 = rank(0.90);
    p.p99 = rank(0.99);
    return p;
}

void BenchStats::add_ok(double first_token_ms, double latency_ms, int64_t tokens) {
    ok_++;
    if (tokens > 0) tokens_ += tokens;
    if (first_token_ms >= 0) first_token_ms_.push_back(first_token_ms);
    if (latency_ms >= 0) latency_ms_.push_back(latency_ms);
}

void BenchStats::add_error(const std::string &code) {
    errors_++;
    by_code_[code]++;
}

std::string BenchStats::most_frequent_error() const {
    std::string best;
    size_t n = 0;
    for (const auto &[code, count] : by_code_)
        if (count > n) best = code, n = count;
    return best;
}

Percentiles BenchStats::first_token() const {
    std::vector<double> v = first_token_ms_;
    return percentiles(v);
}

Percentiles BenchStats::latency() const {
    std::vector<double> v = latency_ms_;
    return percentiles(v);
}

}  // namespace realm_cli
