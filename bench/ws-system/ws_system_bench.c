/*
 * ws_system_bench: the C API column of the ws-system benchmark
 * (scripts/bench-ws-system). The same workloads as workload.mjs, through the
 * public C API only: dialect "ws-system" with client_id and private_key_path
 * set by realm_options_set, realm_generate with a handler whose on_tokens
 * counts each batch and whose on_done wakes the main thread through a
 * condition variable; ping is realm_call(c, "ping", "{}").
 *
 *   ws_system_bench --url URL --client-id ID --key FILE --workload W
 *   W = stream | concurrent | roundtrip | ping | connect
 *
 * Prints one JSON line like workload.mjs ({"client":"c",...}); exit 0 on success.
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "realm/realm.h"

#define WARM_STREAM 2000
#define WARM_ROUND_TRIPS 2000
#define WARM_PINGS 500
#define STREAM_TOKENS 100000
#define STREAMS 100
#define STREAM_TOKENS_EACH 1000
#define REQUESTS 2000
#define CONNECTS 20

typedef struct req {
    uint64_t tokens;    /* tokens seen by on_tokens */
    int64_t generated;  /* totalTokens of the result */
    uint64_t done_ns;
} req_t;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_pending;
static int g_failed;
static const char *g_url, *g_client_id, *g_key;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_us(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
           (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

static double max_rss_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The same percentile as workload.mjs: sorted[floor(p/100 * n)]. */
static uint64_t pct(uint64_t *v, size_t n, double p) {
    size_t i = (size_t)(p / 100.0 * (double)n);
    return v[i < n ? i : n - 1];
}

static void die(const char *what, realm_status_t st, realm_error_t *err) {
    fprintf(stderr, "ws_system_bench: %s: %s (%s)\n", what, realm_status_name(st),
            err ? realm_error_message(err) : realm_strerror(st));
    realm_error_destroy(err);
    exit(1);
}

static void on_tokens(void *user, realm_request_t *rq, const realm_token_t *tokens, size_t count) {
    (void)rq;
    (void)tokens;
    ((req_t *)user)->tokens += count;
}

static void on_done(void *user, realm_request_t *rq, realm_outcome_t outcome, const realm_result_t *result,
                    const realm_error_t *error) {
    (void)rq;
    req_t *r = (req_t *)user;
    r->done_ns = now_ns();
    r->generated = result ? realm_result_tokens_generated(result) : -1;
    pthread_mutex_lock(&g_mu);
    if (outcome != REALM_OUTCOME_COMPLETE) {
        fprintf(stderr, "ws_system_bench: request ended with %s: %s\n", realm_status_name(realm_error_status(error)),
                error ? realm_error_message(error) : "");
        g_failed = 1;
    }
    int last = --g_pending == 0;
    pthread_mutex_unlock(&g_mu);
    if (last) pthread_cond_signal(&g_cv);
}

static void set_pending(int n) {
    pthread_mutex_lock(&g_mu);
    g_pending = n;
    pthread_mutex_unlock(&g_mu);
}

static void wait_all(void) {
    pthread_mutex_lock(&g_mu);
    while (g_pending > 0) pthread_cond_wait(&g_cv, &g_mu);
    int failed = g_failed;
    pthread_mutex_unlock(&g_mu);
    if (failed) exit(1);
}

/* Starts one generate of n tokens (realm-server's `tokens` option). */
static void start(realm_client_t *c, req_t *r, long n) {
    char extra[48];
    snprintf(extra, sizeof extra, "{\"tokens\":%ld}", n);
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = "Tell me a story";
    p.stream = 1;
    p.extra_params_json = extra;
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = r;
    h.on_tokens = on_tokens;
    h.on_done = on_done;
    memset(r, 0, sizeof *r);
    realm_error_t *err = NULL;
    realm_status_t st = realm_generate(c, &p, NULL, &h, NULL, &err);
    if (st != REALM_OK) die("realm_generate", st, err);
}

static void check(const req_t *r, long n) {
    if (r->tokens != (uint64_t)n || r->generated != n) {
        fprintf(stderr, "ws_system_bench: expected %ld tokens, got %llu (totalTokens %lld)\n", n,
                (unsigned long long)r->tokens, (long long)r->generated);
        exit(1);
    }
}

static uint64_t run_one(realm_client_t *c, long n) {
    req_t r;
    set_pending(1);
    uint64_t t0 = now_ns();
    start(c, &r, n);
    wait_all();
    check(&r, n);
    return r.done_ns - t0;
}

static uint64_t ping(realm_client_t *c) {
    req_t r;
    memset(&r, 0, sizeof r);
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = &r;
    h.on_done = on_done;
    set_pending(1);
    uint64_t t0 = now_ns();
    realm_error_t *err = NULL;
    realm_status_t st = realm_call(c, "ping", "{}", NULL, &h, NULL, &err);
    if (st != REALM_OK) die("realm_call ping", st, err);
    wait_all();
    return r.done_ns - t0;
}

static realm_client_t *connect_client(void) {
    realm_options_t *o = realm_options_new();
    realm_error_t *err = NULL;
    if (!o) die("realm_options_new", REALM_ERR_NO_MEMORY, NULL);
    const char *kv[][2] = {{"url", g_url},           {"dialect", "ws-system"}, {"client_id", g_client_id},
                           {"private_key_path", g_key}, {"ping_interval_ms", "0"}, {"reconnect", "false"},
                           {"request_timeout_ms", "0"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; ++i) {
        realm_status_t st = realm_options_set(o, kv[i][0], kv[i][1], &err);
        if (st != REALM_OK) die(kv[i][0], st, err);
    }
    realm_client_t *c = NULL;
    realm_status_t st = realm_client_new(o, &c, &err);
    realm_options_destroy(o);
    if (st != REALM_OK) die("realm_client_new", st, err);
    st = realm_client_connect_wait(c, 10000, &err);
    if (st != REALM_OK) die("realm_client_connect_wait", st, err);
    return c;
}

static void usage(void) {
    fprintf(stderr,
            "usage: ws_system_bench --url URL --client-id ID --key FILE --workload "
            "stream|concurrent|roundtrip|ping|connect\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *w = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--url")) g_url = argv[i + 1];
        else if (!strcmp(argv[i], "--client-id")) g_client_id = argv[i + 1];
        else if (!strcmp(argv[i], "--key")) g_key = argv[i + 1];
        else if (!strcmp(argv[i], "--workload")) w = argv[i + 1];
        else usage();
    }
    if (!g_url || !g_client_id || !g_key || !w || (argc - 1) % 2) usage();
    static uint64_t lat[REQUESTS];

    if (!strcmp(w, "connect")) {
        realm_client_destroy(connect_client()); /* warm-up */
        for (int i = 0; i < CONNECTS; ++i) {
            uint64_t t0 = now_ns();
            realm_client_t *c = connect_client();
            lat[i] = now_ns() - t0;
            realm_client_destroy(c);
        }
        qsort(lat, CONNECTS, sizeof lat[0], cmp_u64);
        printf("{\"client\":\"c\",\"workload\":\"connect\",\"p50_us\":%.0f,\"p99_us\":%.0f,\"max_rss_mb\":%.2f}\n",
               pct(lat, CONNECTS, 50) / 1e3, pct(lat, CONNECTS, 99) / 1e3, max_rss_mb());
        return 0;
    }

    realm_client_t *c = connect_client();
    run_one(c, WARM_STREAM);
    for (int i = 0; i < WARM_ROUND_TRIPS; ++i) run_one(c, 1);
    for (int i = 0; i < WARM_PINGS; ++i) ping(c);

    if (!strcmp(w, "stream")) {
        uint64_t c0 = cpu_us();
        uint64_t ns = run_one(c, STREAM_TOKENS);
        uint64_t cpu = cpu_us() - c0;
        printf("{\"client\":\"c\",\"workload\":\"stream\",\"tokens_per_s\":%.0f,\"cpu_us_per_token\":%.4f,",
               STREAM_TOKENS * 1e9 / (double)ns, (double)cpu / STREAM_TOKENS);
    } else if (!strcmp(w, "concurrent")) {
        static req_t rs[STREAMS];
        set_pending(STREAMS);
        uint64_t c0 = cpu_us();
        uint64_t t0 = now_ns();
        for (int i = 0; i < STREAMS; ++i) start(c, &rs[i], STREAM_TOKENS_EACH);
        wait_all();
        uint64_t last = 0;
        for (int i = 0; i < STREAMS; ++i) {
            check(&rs[i], STREAM_TOKENS_EACH);
            if (rs[i].done_ns > last) last = rs[i].done_ns;
        }
        uint64_t cpu = cpu_us() - c0;
        double total = (double)STREAMS * STREAM_TOKENS_EACH;
        printf("{\"client\":\"c\",\"workload\":\"concurrent\",\"tokens_per_s\":%.0f,\"cpu_us_per_token\":%.4f,",
               total * 1e9 / (double)(last - t0), (double)cpu / total);
    } else if (!strcmp(w, "roundtrip") || !strcmp(w, "ping")) {
        int is_ping = !strcmp(w, "ping");
        uint64_t c0 = cpu_us();
        uint64_t t0 = now_ns();
        for (int i = 0; i < REQUESTS; ++i) lat[i] = is_ping ? ping(c) : run_one(c, 1);
        uint64_t elapsed = now_ns() - t0;
        uint64_t cpu = cpu_us() - c0;
        qsort(lat, REQUESTS, sizeof lat[0], cmp_u64);
        printf("{\"client\":\"c\",\"workload\":\"%s\",\"req_per_s\":%.0f,\"cpu_us_per_req\":%.2f,"
               "\"p50_us\":%.0f,\"p99_us\":%.0f,",
               w, REQUESTS * 1e9 / (double)elapsed, (double)cpu / REQUESTS, pct(lat, REQUESTS, 50) / 1e3,
               pct(lat, REQUESTS, 99) / 1e3);
    } else {
        usage();
    }
    printf("\"max_rss_mb\":%.2f}\n", max_rss_mb());
    fflush(stdout);
    realm_client_destroy(c);
    return 0;
}
