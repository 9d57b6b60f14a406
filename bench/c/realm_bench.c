/*
 * realm_bench: the librealm side of the core benchmark.
 *
 * Uses only the public C API (include/realm/realm.h), the way an application
 * would: a client, realm_client_connect_wait, realm_generate with a callback
 * handler whose on_tokens counts the tokens of each batch and whose on_done
 * wakes the main thread through a condition variable.
 *
 *   realm_bench --port N --workload 1|2|3|4|5 [--dialect D] [--max-connections N]
 *
 * The dialect only changes the URL (and, for openai-ws-mux, the "multiplex"
 * option); over the OpenAI dialects requests are chat completions (one user
 * message, model BENCH_MODEL) and the token count is checked against the
 * usage's completion_tokens and finish_reason "length".
 *
 * Prints one RESULT line (see bench_common.h). Exit status 0 on success.
 */
#include "bench_common.h"

#include <pthread.h>

#include "realm/realm.h"

typedef struct bench_req {
    uint64_t tokens;        /* tokens seen by on_tokens */
    uint64_t bytes;         /* their text bytes */
    int64_t generated;      /* tokens_generated of the result, -1 if absent */
    realm_outcome_t outcome;
    uint64_t done_ns;       /* CLOCK_MONOTONIC in on_done */
    uint64_t first_ns;      /* CLOCK_MONOTONIC of the first token batch, 0 before */
    int length_finish;      /* finish_reason was "length" */
} bench_req_t;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_pending;     /* requests not yet ended */
static int g_failed;
static int g_openai;      /* an OpenAI dialect: chat requests, usage-based checks */

/* Workload 4: delivery latencies, filled on the event thread. */
static uint64_t *g_lat_us;
static size_t g_lat_n, g_lat_cap;

static void on_tokens(void *user, realm_request_t *req, const realm_token_t *tokens, size_t count) {
    (void)req;
    bench_req_t *r = (bench_req_t *)user;
    if (!r->first_ns) r->first_ns = bench_now_ns();
    r->tokens += count;
    for (size_t i = 0; i < count; ++i) r->bytes += tokens[i].len;
}

static void on_tokens_stamped(void *user, realm_request_t *req, const realm_token_t *tokens, size_t count) {
    (void)req;
    uint64_t now = bench_now_us();
    bench_req_t *r = (bench_req_t *)user;
    r->tokens += count;
    for (size_t i = 0; i < count; ++i) {
        r->bytes += tokens[i].len;
        uint64_t stamp = bench_parse_stamp(tokens[i].text, tokens[i].len);
        if (stamp && g_lat_n < g_lat_cap) g_lat_us[g_lat_n++] = now >= stamp ? now - stamp : 0;
    }
}

static void on_done(void *user, realm_request_t *req, realm_outcome_t outcome, const realm_result_t *result,
                    const realm_error_t *error) {
    (void)req;
    bench_req_t *r = (bench_req_t *)user;
    r->done_ns = bench_now_ns();
    r->outcome = outcome;
    if (g_openai) {
        r->generated = result ? realm_result_completion_tokens(result) : -1;
        r->length_finish = result && !strcmp(realm_result_finish_reason(result), "length");
    } else {
        r->generated = result ? realm_result_tokens_generated(result) : -1;
        r->length_finish = 1;
    }
    pthread_mutex_lock(&g_mu);
    if (outcome != REALM_OUTCOME_COMPLETE) {
        fprintf(stderr, "realm_bench: request ended with %s: %s\n",
                realm_status_name(realm_error_status(error)), error ? realm_error_message(error) : "");
        g_failed = 1;
    }
    int last = --g_pending == 0;
    pthread_mutex_unlock(&g_mu);
    /* Signalled after unlocking, so the woken thread does not block on g_mu. */
    if (last) pthread_cond_signal(&g_cv);
}

static void die(const char *what, realm_status_t st, realm_error_t *err) {
    fprintf(stderr, "realm_bench: %s: %s (%s)\n", what, realm_status_name(st),
            err ? realm_error_message(err) : realm_strerror(st));
    realm_error_destroy(err);
    exit(1);
}

/* Starts one generate; the caller has already counted it in g_pending. */
static void start(realm_client_t *c, bench_req_t *r, int64_t max_tokens, const char *extra, realm_tokens_cb tcb) {
    static const realm_message_t msg = {"user", BENCH_PROMPT};
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    if (g_openai) {
        p.model = BENCH_MODEL;
        p.messages = &msg;
        p.message_count = 1;
    } else {
        p.prompt = BENCH_PROMPT;
    }
    p.max_tokens = max_tokens;
    p.stream = 1;
    p.extra_params_json = extra;
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = r;
    h.on_tokens = tcb;
    h.on_done = on_done;
    memset(r, 0, sizeof *r);
    realm_error_t *err = NULL;
    realm_status_t st = realm_generate(c, &p, NULL, &h, NULL, &err);
    if (st != REALM_OK) die("realm_generate", st, err);
}

static void wait_all(void) {
    pthread_mutex_lock(&g_mu);
    while (g_pending > 0) pthread_cond_wait(&g_cv, &g_mu);
    int failed = g_failed;
    pthread_mutex_unlock(&g_mu);
    if (failed) exit(1);
}

static void set_pending(int n) {
    pthread_mutex_lock(&g_mu);
    g_pending = n;
    pthread_mutex_unlock(&g_mu);
}

static void check(const bench_req_t *r, uint64_t expect) {
    if (r->tokens != expect || r->generated != (int64_t)expect || !r->length_finish) {
        fprintf(stderr, "realm_bench: expected %llu tokens, got %llu (%s %lld, finish %s)\n",
                (unsigned long long)expect, (unsigned long long)r->tokens,
                g_openai ? "completion_tokens" : "tokens_generated", (long long)r->generated,
                r->length_finish ? "length" : "other");
        exit(1);
    }
}

/* One request, waited for on this thread. Returns the round trip (start to on_done). */
static uint64_t run_one(realm_client_t *c, bench_req_t *r, int64_t max_tokens, const char *extra,
                        realm_tokens_cb tcb) {
    set_pending(1);
    uint64_t t0 = bench_now_ns();
    start(c, r, max_tokens, extra, tcb);
    wait_all();
    check(r, (uint64_t)max_tokens);
    return r->done_ns - t0;
}

/* Options for the dialect under test (see bench_common.h for the URLs). */
static realm_options_t *make_options(const bench_args_t *a) {
    realm_options_t *o = realm_options_new();
    char url[96];
    static const char *const fmt[] = {"ws://127.0.0.1:%d", "ws://127.0.0.1:%d/v1/chat/completions",
                                      "ws://127.0.0.1:%d/v1/chat/completions", "http://127.0.0.1:%d/v1"};
    snprintf(url, sizeof url, fmt[a->dialect], a->port);
    if (!o || realm_options_set_url(o, url) != REALM_OK || realm_options_set_request_timeout_ms(o, 0) != REALM_OK ||
        realm_options_set_reconnect(o, 0) != REALM_OK)
        return NULL;
    if (a->dialect == BENCH_REALM && realm_options_set_tenant_id(o, BENCH_TENANT) != REALM_OK) return NULL;
    realm_error_t *err = NULL;
    char n[16];
    snprintf(n, sizeof n, "%d", a->max_connections);
    if ((a->dialect == BENCH_OPENAI_WS_MUX && realm_options_set(o, "multiplex", "true", &err) != REALM_OK) ||
        (a->max_connections > 0 && realm_options_set(o, "max_connections", n, &err) != REALM_OK)) {
        fprintf(stderr, "realm_bench: %s\n", realm_error_message(err));
        realm_error_destroy(err);
        return NULL;
    }
    return o;
}

int main(int argc, char **argv) {
    bench_args_t a = bench_parse_args(argc, argv);
    const char *name = "librealm";
    g_openai = a.dialect != BENCH_REALM;

    realm_options_t *o = make_options(&a);
    if (!o) {
        fprintf(stderr, "realm_bench: options\n");
        return 1;
    }
    /* REALM_BENCH_BUSY_POLL_US=N: compare busy-poll windows (default: the library's). */
    const char *busy = getenv("REALM_BENCH_BUSY_POLL_US");
    if (busy && realm_options_set_busy_poll_us(o, (uint32_t)strtoul(busy, NULL, 10)) != REALM_OK) {
        fprintf(stderr, "realm_bench: REALM_BENCH_BUSY_POLL_US out of range\n");
        return 1;
    }
    realm_client_t *c = NULL;
    realm_error_t *err = NULL;
    realm_status_t st = realm_client_new(o, &c, &err);
    realm_options_destroy(o);
    if (st != REALM_OK) die("realm_client_new", st, err);
    st = realm_client_connect_wait(c, 10000, &err);
    if (st != REALM_OK) die("realm_client_connect_wait", st, err);

    bench_req_t warm;
    run_one(c, &warm, WARMUP_TOKENS, NULL, on_tokens);

    switch (a.workload) {
        case 1: {
            double tok_s[W1_REPS], cpu[W1_REPS];
            for (int rep = 0; rep < W1_REPS; ++rep) {
                bench_req_t r;
                uint64_t c0 = bench_cpu_us();
                uint64_t ns = run_one(c, &r, a.w1_tokens, NULL, on_tokens);
                uint64_t c1 = bench_cpu_us();
                tok_s[rep] = (double)a.w1_tokens * 1e9 / (double)ns;
                cpu[rep] = (double)(c1 - c0) / (double)a.w1_tokens;
            }
            bench_result_w1(name, tok_s, cpu, W1_REPS);
            break;
        }
        case 2: {
            static bench_req_t rs[W2_STREAMS];
            double tok_s[W2_REPS], cpu[W2_REPS];
            for (int rep = 0; rep < W2_REPS; ++rep) {
                set_pending(W2_STREAMS);
                uint64_t c0 = bench_cpu_us();
                uint64_t t0 = bench_now_ns();
                for (int i = 0; i < W2_STREAMS; ++i) start(c, &rs[i], W2_TOKENS, NULL, on_tokens);
                wait_all();
                uint64_t last = 0;
                for (int i = 0; i < W2_STREAMS; ++i) {
                    check(&rs[i], W2_TOKENS);
                    if (rs[i].done_ns > last) last = rs[i].done_ns;
                }
                uint64_t c1 = bench_cpu_us();
                tok_s[rep] = (double)W2_STREAMS * W2_TOKENS * 1e9 / (double)(last - t0);
                cpu[rep] = (double)(c1 - c0) / ((double)W2_STREAMS * W2_TOKENS);
            }
            bench_result_w2(name, tok_s, cpu, W2_REPS);
            break;
        }
        case 3: {
            static uint64_t rtt[W3_REQUESTS];
            uint64_t c0 = bench_cpu_us();
            uint64_t t0 = bench_now_ns();
            bench_req_t r;
            for (int i = 0; i < W3_REQUESTS; ++i) rtt[i] = run_one(c, &r, 1, NULL, on_tokens);
            uint64_t elapsed = r.done_ns - t0;
            bench_result_w3(name, rtt, W3_REQUESTS, elapsed, bench_cpu_us() - c0);
            break;
        }
        case 4: {
            g_lat_cap = W4_TOKENS;
            g_lat_us = calloc(g_lat_cap, sizeof *g_lat_us);
            if (!g_lat_us) return 1;
            char extra[64];
            snprintf(extra, sizeof extra, "{\"delay_ms\":%d,\"stamp\":true}", W4_DELAY_MS);
            bench_req_t r;
            run_one(c, &r, W4_TOKENS, extra, on_tokens_stamped);
            bench_result_w4(name, g_lat_us, g_lat_n);
            free(g_lat_us);
            break;
        }
        case 5: {
            static uint64_t ttft[W5_REQUESTS];
            bench_req_t r;
            for (int i = 0; i < W5_REQUESTS; ++i) {
                set_pending(1);
                uint64_t t0 = bench_now_ns();
                start(c, &r, W5_TOKENS, NULL, on_tokens);
                wait_all();
                check(&r, W5_TOKENS);
                ttft[i] = r.first_ns - t0;
            }
            bench_result_w5(name, ttft, W5_REQUESTS);
            break;
        }
    }
    fflush(stdout);
    realm_client_destroy(c);
    return 0;
}
