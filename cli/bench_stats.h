// Statistics of `realm bench`: per-request samples in, percentiles and
// rates out. No I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace realm_cli {

struct Percentiles {
    size_t count = 0;
    double min = 0, mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;  // ms
};

// Nearest-rank percentiles of `values` (sorted in place).
Percentiles percentiles(std::vector<double> &values);

class BenchStats {
public:
    // A completed request: first token (ms, < 0 if none), latency (ms, < 0 if
    // unknown), tokens received.
    void add_ok(double first_token_ms, double latency_ms, int64_t tokens);
    void add_error(const std::string &code);
    void set_wall_seconds(double s) { wall_s_ = s; }
    // Tokens as they stream in (the live rate of the progress line).
    void add_streamed(size_t n) { streamed_ += static_cast<int64_t>(n); }
    double streamed_per_second(double elapsed_s) const { return elapsed_s > 0 ? streamed_ / elapsed_s : 0; }

    size_t ok() const { return ok_; }
    size_t errors() const { return errors_; }
    size_t done() const { return ok_ + errors_; }
    int64_t tokens() const { return tokens_; }
    double wall_seconds() const { return wall_s_; }
    double tokens_per_second(double elapsed_s) const { return elapsed_s > 0 ? tokens_ / elapsed_s : 0; }
    double requests_per_second() const { return wall_s_ > 0 ? ok_ / wall_s_ : 0; }
    const std::map<std::string, size_t> &errors_by_code() const { return by_code_; }
    // The most frequent error code ("" when none).
    std::string most_frequent_error() const;
    Percentiles first_token() const;
    Percentiles latency() const;

private:
    size_t ok_ = 0, errors_ = 0;
    int64_t tokens_ = 0, streamed_ = 0;
    double wall_s_ = 0;
    std::vector<double> first_token_ms_, latency_ms_;
    std::map<std::string, size_t> by_code_;
};

}  // namespace realm_cli
