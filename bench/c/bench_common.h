/*
 * Shared helpers of the two benchmark clients (realm_bench.c, raw_lws_client.c):
 * command line, clocks, rusage, percentiles, and the one-line result format
 * that scripts/bench parses.
 *
 * Workloads (identical in both clients):
 *   1  one stream of W1_TOKENS tokens, repeated W1_REPS times (median reported)
 *   2  W2_STREAMS concurrent streams x W2_TOKENS tokens on one connection,
 *      repeated W2_REPS times (median reported)
 *   3  W3_REQUESTS sequential one-token requests (stream, max_tokens 1)
 *   4  W4_TOKENS tokens paced 1 ms apart, stamped by the server
 * Every run starts with one WARMUP_TOKENS stream that is not measured.
 */
#ifndef REALM_BENCH_COMMON_H
#define REALM_BENCH_COMMON_H

#define _GNU_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define WARMUP_TOKENS 2000
#define W1_TOKENS 100000
#define W1_REPS 3
#define W2_STREAMS 100
#define W2_TOKENS 1000
#define W2_REPS 3
#define W3_REQUESTS 2000
#define W4_TOKENS 2000
#define W4_DELAY_MS 1

#define BENCH_PROMPT "Bench"
#define BENCH_TENANT "bench-tenant"

static inline uint64_t bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_now_us(void) { return bench_now_ns() / 1000u; }

/* user + sys CPU time of the whole process (all threads), in microseconds */
static inline uint64_t bench_cpu_us(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
           (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

static inline long bench_maxrss_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int bench_cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int bench_cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values (p in 0..100). */
static inline uint64_t bench_pct_sorted(const uint64_t *v, size_t n, double p) {
    if (n == 0) return 0;
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return v[rank - 1];
}

static inline double bench_median(double *v, size_t n) {
    qsort(v, n, sizeof *v, bench_cmp_dbl);
    return n ? v[n / 2] : 0.0;
}

/*
 * Parses a server stamp: decimal microseconds at the start of the token text
 * (the rest, a space, is ignored). Returns 0 if there are no digits.
 */
static inline uint64_t bench_parse_stamp(const char *s, size_t len) {
    uint64_t v = 0;
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') v = v * 10u + (uint64_t)(s[i++] - '0');
    return i ? v : 0;
}

typedef struct bench_args {
    int port;
    int workload;
} bench_args_t;

static inline void bench_usage(const char *prog) {
    fprintf(stderr, "usage: %s --port N --workload 1|2|3|4\n", prog);
    exit(2);
}

static inline bench_args_t bench_parse_args(int argc, char **argv) {
    bench_args_t a = {0, 0};
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc)
            a.port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--workload") && i + 1 < argc)
            a.workload = atoi(argv[++i]);
        else
            bench_usage(argv[0]);
    }
    if (a.port <= 0 || a.port > 65535 || a.workload < 1 || a.workload > 4) bench_usage(argv[0]);
    return a;
}

/*
 * Result line read by scripts/bench:
 *   RESULT client=<name> workload=<n> key=value ...
 * Always ends with rss_kib (peak RSS of this process, which ran only this
 * workload plus the warm-up).
 */
static inline void bench_result_w1(const char *client, double *tok_s, double *cpu, size_t reps) {
    printf("RESULT client=%s workload=1 tok_s=%.0f cpu_us_tok=%.3f rss_kib=%ld\n", client,
           bench_median(tok_s, reps), bench_median(cpu, reps), bench_maxrss_kib());
}

static inline void bench_result_w2(const char *client, double *tok_s, double *cpu, size_t reps) {
    printf("RESULT client=%s workload=2 tok_s=%.0f cpu_us_tok=%.3f rss_kib=%ld\n", client,
           bench_median(tok_s, reps), bench_median(cpu, reps), bench_maxrss_kib());
}

static inline void bench_result_w3(const char *client, uint64_t *rtt_ns, size_t n, uint64_t elapsed_ns,
                                   uint64_t cpu_us) {
    qsort(rtt_ns, n, sizeof *rtt_ns, bench_cmp_u64);
    printf("RESULT client=%s workload=3 req_s=%.0f p50_us=%.1f p99_us=%.1f cpu_us_req=%.2f rss_kib=%ld\n",
           client, (double)n * 1e9 / (double)elapsed_ns, bench_pct_sorted(rtt_ns, n, 50) / 1000.0,
           bench_pct_sorted(rtt_ns, n, 99) / 1000.0, (double)cpu_us / (double)n, bench_maxrss_kib());
}

static inline void bench_result_w4(const char *client, uint64_t *lat_us, size_t n) {
    qsort(lat_us, n, sizeof *lat_us, bench_cmp_u64);
    printf("RESULT client=%s workload=4 tokens=%zu p50_us=%llu p99_us=%llu max_us=%llu rss_kib=%ld\n", client, n,
           (unsigned long long)bench_pct_sorted(lat_us, n, 50),
           (unsigned long long)bench_pct_sorted(lat_us, n, 99),
           (unsigned long long)(n ? lat_us[n - 1] : 0), bench_maxrss_kib());
}

#endif
