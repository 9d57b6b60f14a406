// Rendering `realm bench` results: the live progress line, the final table
// and the --json object.
#pragma once

#include "bench_stats.h"

#include <string>

namespace realm_cli {

struct BenchSetup {
    std::string url, dialect, prompt;
    int64_t requests = 0, concurrency = 0;
    bool interrupted = false;
};

// "  37/100 done   1234.5 tok/s   0 errors" (no newline).
std::string bench_progress_line(const BenchStats &s, int64_t total, double elapsed_s);
std::string bench_table(const BenchSetup &setup, const BenchStats &s);
std::string bench_json(const BenchSetup &setup, const BenchStats &s);

}  // namespace realm_cli
