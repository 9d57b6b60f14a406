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
 *   4  W4_TOKENS tokens paced 1 ms apart, stamped by the server (Realm only:
 *      the OpenAI paths of realm-server have no `stamp`)
 *   5  time to first token on a warm client: W5_REQUESTS sequential streams
 *      of W5_TOKENS tokens, each timed from just before the request call to
 *      its first content token (librealm and the OpenAI benchmark only)
 * Every run starts with one WARMUP_TOKENS stream that is not measured.
 *
 * --dialect picks the wire protocol of the same realm-server: realm (the
 * default, ws://HOST:PORT), openai-ws (ws://HOST:PORT/v1/chat/completions,
 * one request per pooled connection), openai-ws-mux (the same URL, every
 * request on one socket, tagged by request_id) or openai-http
 * (http://HOST:PORT/v1, POST /v1/chat/completions answered with SSE).
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
#define W5_REQUESTS 200
#define W5_TOKENS 16

#define BENCH_PROMPT "Bench"
#define BENCH_TENANT "bench-tenant"
#define BENCH_MODEL "m"

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

typedef enum bench_dialect {
    BENCH_REALM = 0,
    BENCH_OPENAI_WS,      /* pool: one request per connection */
    BENCH_OPENAI_WS_MUX,  /* one connection, requests tagged with request_id */
    BENCH_OPENAI_HTTP     /* one HTTP exchange per request, SSE */
} bench_dialect_t;

static const char *const bench_dialect_names[] = {"realm", "openai-ws", "openai-ws-mux", "openai-http"};

typedef struct bench_args {
    int port;
    int workload;
    bench_dialect_t dialect;
    int max_connections; /* 0 = the client's default */
    long w1_tokens;      /* workload 1's stream length (--tokens, for profiling) [W1_TOKENS] */
    long w2_streams;     /* workload 2's concurrent streams (--streams; raw_lws_client only) [W2_STREAMS] */
    long w2_tokens;      /* workload 2's stream length (--tokens with --workload 2) [W2_TOKENS] */
} bench_args_t;

static inline void bench_usage(const char *prog) {
    fprintf(stderr,
            "usage: %s --port N --workload 1|2|3|4|5 [--dialect realm|openai-ws|openai-ws-mux|openai-http]\n"
            "       [--max-connections N] [--tokens N (workload 1 or 2)] [--streams N (workload 2)]\n"
            "       (workload 4 is Realm only)\n",
            prog);
    exit(2);
}

static inline bench_args_t bench_parse_args(int argc, char **argv) {
    bench_args_t a = {0, 0, BENCH_REALM, 0, W1_TOKENS, W2_STREAMS, W2_TOKENS};
    long tokens = 0;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            a.port = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--workload") && i + 1 < argc) {
            a.workload = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--tokens") && i + 1 < argc) {
            tokens = atol(argv[++i]);
            if (tokens < 1) bench_usage(argv[0]);
        } else if (!strcmp(argv[i], "--streams") && i + 1 < argc) {
            a.w2_streams = atol(argv[++i]);
        } else if (!strcmp(argv[i], "--max-connections") && i + 1 < argc) {
            a.max_connections = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--dialect") && i + 1 < argc) {
            const char *d = argv[++i];
            int found = 0;
            for (int k = 0; k < 4; ++k)
                if (!strcmp(d, bench_dialect_names[k])) a.dialect = (bench_dialect_t)k, found = 1;
            if (!found) bench_usage(argv[0]);
        } else {
            bench_usage(argv[0]);
        }
    }
    if (tokens) {
        if (a.workload == 2)
            a.w2_tokens = tokens;
        else
            a.w1_tokens = tokens;
    }
    if (a.port <= 0 || a.port > 65535 || a.workload < 1 || a.workload > 5 || a.max_connections < 0 ||
        a.w2_streams < 1 || a.w2_streams > 1000000 ||
        (a.workload == 4 && a.dialect != BENCH_REALM))
        bench_usage(argv[0]);
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

/* Workload 5: time to first token of each request, in ns (sorted here). */
static inline void bench_result_w5(const char *client, uint64_t *ttft_ns, size_t n) {
    qsort(ttft_ns, n, sizeof *ttft_ns, bench_cmp_u64);
    printf("RESULT client=%s workload=5 p50_us=%.1f p99_us=%.1f rss_kib=%ld\n", client,
           bench_pct_sorted(ttft_ns, n, 50) / 1000.0, bench_pct_sorted(ttft_ns, n, 99) / 1000.0, bench_maxrss_kib());
}

#endif
