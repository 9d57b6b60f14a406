/*
 * raw_openai_client: workloads, chunk scanning and main (see raw_openai.h).
 *
 *   raw_openai_client --port N --workload 1|2|3|5 --dialect openai-ws|openai-ws-mux|openai-http
 *
 * Prints one RESULT line (see bench_common.h). Exit status 0 on success.
 */
#include "raw_openai.h"

static struct {
    bench_dialect_t dialect;
    int workload;
    long w1_tokens;
    int phase; /* 0 = warm-up, 1 = measuring */
    int rep, count, pending, finished, failed;
    unsigned next_seq;
    uint64_t t0_ns, cpu0, last_done_ns;
    raw_req_t reqs[RAW_MAX_REQS];
} g;

static double g_tok_s[W1_REPS > W2_REPS ? W1_REPS : W2_REPS];
static double g_cpu[W1_REPS > W2_REPS ? W1_REPS : W2_REPS];
static uint64_t g_rtt[W3_REQUESTS];
static uint64_t g_ttft[W5_REQUESTS];

int raw_closing;

void raw_fail(const char *msg) {
    if (raw_closing) return;
    fprintf(stderr, "raw_openai_client: %s\n", msg);
    g.failed = 1;
}

raw_req_t *raw_req_by_seq(unsigned seq) {
    return seq < g.next_seq && g.reqs[seq].active ? &g.reqs[seq] : NULL;
}

size_t raw_request_body(char *out, size_t cap, const raw_req_t *r, int with_request_id, int include_usage) {
    int n = snprintf(out, cap,
                     "{\"model\":\"" BENCH_MODEL "\",\"messages\":[{\"role\":\"user\",\"content\":\"" BENCH_PROMPT
                     "\"}],\"max_tokens\":%llu,\"stream\":true%s",
                     (unsigned long long)r->max_tokens,
                     include_usage ? ",\"stream_options\":{\"include_usage\":true}" : "");
    if (with_request_id) n += snprintf(out + n, cap - (size_t)n, ",\"request_id\":\"q%u\"", r->seq);
    n += snprintf(out + n, cap - (size_t)n, "}");
    return (size_t)n;
}

static void start_request(uint64_t max_tokens) {
    if (g.next_seq >= RAW_MAX_REQS) {
        raw_fail("too many requests");
        return;
    }
    raw_req_t *r = &g.reqs[g.next_seq];
    memset(r, 0, sizeof *r);
    r->seq = g.next_seq++;
    r->max_tokens = max_tokens;
    r->completion = -1;
    r->active = 1;
    r->t0_ns = bench_now_ns();
    g.pending++;
    if (g.dialect == BENCH_OPENAI_HTTP)
        raw_http_start(r);
    else
        raw_ws_start(r);
}

/* Starts the next unit of work (nothing is pending). */
static void next_step(void) {
    if (g.phase == 0) {
        g.phase = 1;
        if (g.workload == 3) {
            g.cpu0 = bench_cpu_us();
            g.t0_ns = bench_now_ns();
        }
    }
    switch (g.workload) {
        case 1:
            g.cpu0 = bench_cpu_us();
            g.t0_ns = bench_now_ns();
            start_request((uint64_t)g.w1_tokens);
            break;
        case 2:
            g.cpu0 = bench_cpu_us();
            g.t0_ns = bench_now_ns();
            for (int i = 0; i < W2_STREAMS; ++i) start_request(W2_TOKENS);
            break;
        case 3: start_request(1); break;
        case 5: start_request(W5_TOKENS); break;
    }
}

static void step_done(void) {
    if (g.phase == 0) {
        next_step();
        return;
    }
    switch (g.workload) {
        case 1:
        case 2: {
            uint64_t c1 = bench_cpu_us();
            double tokens = g.workload == 1 ? (double)g.w1_tokens : (double)W2_STREAMS * W2_TOKENS;
            g_tok_s[g.rep] = tokens * 1e9 / (double)(g.last_done_ns - g.t0_ns);
            g_cpu[g.rep] = (double)(c1 - g.cpu0) / tokens;
            if (++g.rep < (g.workload == 1 ? W1_REPS : W2_REPS))
                next_step();
            else
                g.finished = 1;
            break;
        }
        case 3:
            if (++g.count < W3_REQUESTS)
                next_step();
            else
                g.finished = 1;
            break;
        case 5:
            if (++g.count < W5_REQUESTS)
                next_step();
            else
                g.finished = 1;
            break;
    }
}

void raw_on_done(raw_req_t *r) {
    uint64_t now = bench_now_ns();
    if (!r->active) return;
    if (!r->finished || !r->length_finish || r->tokens != r->max_tokens || r->completion != (int64_t)r->tokens) {
        fprintf(stderr, "raw_openai_client: q%u: %llu tokens of %llu, completion_tokens %lld, finish %s\n", r->seq,
                (unsigned long long)r->tokens, (unsigned long long)r->max_tokens, (long long)r->completion,
                !r->finished ? "none" : r->length_finish ? "length" : "other");
        raw_fail("token count mismatch");
        return;
    }
    r->active = 0;
    g.last_done_ns = now;
    if (g.phase == 1 && g.workload == 3) g_rtt[g.count] = now - r->t0_ns;
    if (g.phase == 1 && g.workload == 5) g_ttft[g.count] = r->first_ns - r->t0_ns;
    if (--g.pending == 0) step_done();
}

/* Finds `key` in [p, end) and returns the position after it, or NULL. */
static const char *after(const char *p, const char *end, const char *key, size_t klen) {
    if (!p || p >= end) return NULL;
    const char *k = memmem(p, (size_t)(end - p), key, klen);
    return k ? k + klen : NULL;
}
#define AFTER(p, end, lit) after((p), (end), (lit), sizeof(lit) - 1)

/* Scans a JSON string body from after its opening quote; returns the closing quote or NULL. */
static const char *string_end(const char *p, const char *end) {
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) return NULL;
        const char *b = q;
        while (b > p && b[-1] == '\\') --b;
        if (((q - b) & 1) == 0) return q;
        p = q + 1;
    }
    return NULL;
}

static uint64_t read_uint(const char *p, const char *end) {
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') v = v * 10u + (uint64_t)(*p++ - '0');
    return v;
}

raw_req_t *raw_on_chunk(raw_req_t *r, const char *m, size_t n, int *final) {
    const char *end = m + n;
    uint64_t now = bench_now_ns();
    *final = 0;
    if (n >= 9 && !memcmp(m, "{\"error\":", 9)) {
        fprintf(stderr, "raw_openai_client: %.*s\n", (int)(n > 300 ? 300 : n), m);
        raw_fail("request failed");
        return NULL;
    }
    const char *ch = AFTER(m, end, "\"choices\":[");
    if (!ch || ch >= end) {
        raw_fail("chunk without choices");
        return NULL;
    }
    const char *p = ch;
    int content = 0;
    if (*ch == ']') {  /* the usage-only chunk (HTTP, stream_options.include_usage) */
        p = ch + 1;
    } else {
        const char *c = AFTER(ch, end, "\"delta\":{");
        if (!c) {
            raw_fail("chunk without delta");
            return NULL;
        }
        if ((size_t)(end - c) > 11 && !memcmp(c, "\"content\":\"", 11)) {
            const char *t = c + 11, *t_end = string_end(t, end);
            if (!t_end) {
                raw_fail("unterminated content");
                return NULL;
            }
            content = t_end > t;
            p = t_end + 1;
        } else {
            p = c;
        }
        const char *f = AFTER(p, end, "\"finish_reason\":");
        if (!f) {
            raw_fail("chunk without finish_reason");
            return NULL;
        }
        if (*f == '"') {
            *final = 1;
            p = f;
        }
    }
    if (g.dialect == BENCH_OPENAI_WS_MUX) {
        const char *id = AFTER(p, end, "\"request_id\":\"q");
        r = id ? raw_req_by_seq((unsigned)read_uint(id, end)) : NULL;
        if (!r) {
            raw_fail("chunk for an unknown request_id");
            return NULL;
        }
    }
    if (content) {
        if (!r->first_ns) r->first_ns = now;
        r->tokens++;
    }
    if (*final) {
        r->finished = 1;
        r->length_finish = (size_t)(end - p) >= 8 && !memcmp(p, "\"length\"", 8);
    }
    if (*final || *ch == ']') {
        const char *u = AFTER(p, end, "\"completion_tokens\":");
        if (u) r->completion = (int64_t)read_uint(u, end);
    }
    return r;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    if (g.dialect == BENCH_OPENAI_HTTP) return raw_http_callback(wsi, reason, user, in, len);
    return raw_ws_callback(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"raw-openai", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int main(int argc, char **argv) {
    bench_args_t a = bench_parse_args(argc, argv);
    if (a.dialect == BENCH_REALM || a.workload == 4) {
        fprintf(stderr, "raw_openai_client: OpenAI dialects, workloads 1, 2, 3 and 5 only\n");
        return 2;
    }
    g.dialect = a.dialect;
    g.workload = a.workload;
    g.w1_tokens = a.w1_tokens;
    lws_set_log_level(LLL_ERR, NULL);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.fd_limit_per_thread = 1024;
    info.pt_serv_buf_size = 65536; /* 64 KiB socket reads, as librealm */
    info.gid = -1;
    info.uid = -1;
    struct lws_context *ctx = lws_create_context(&info);
    if (!ctx) {
        fprintf(stderr, "raw_openai_client: lws_create_context failed\n");
        return 1;
    }
    int rc = a.dialect == BENCH_OPENAI_HTTP ? raw_http_init(ctx, a.port)
                                            : raw_ws_init(ctx, a.port, a.dialect == BENCH_OPENAI_WS_MUX);
    if (rc != 0) {
        lws_context_destroy(ctx);
        return 1;
    }
    start_request(WARMUP_TOKENS); /* warm-up, not measured; phase 0 until it ends */
    while (!g.finished && !g.failed)
        if (lws_service(ctx, 0) < 0) break;
    int ok = g.finished && !g.failed;
    if (ok) {
        const char *name = "raw-lws";
        switch (g.workload) {
            case 1: bench_result_w1(name, g_tok_s, g_cpu, W1_REPS); break;
            case 2: bench_result_w2(name, g_tok_s, g_cpu, W2_REPS); break;
            case 3: bench_result_w3(name, g_rtt, W3_REQUESTS, g.last_done_ns - g.t0_ns, bench_cpu_us() - g.cpu0); break;
            case 5: bench_result_w5(name, g_ttft, W5_REQUESTS); break;
        }
    }
    fflush(stdout);
    raw_closing = 1;
    lws_context_destroy(ctx);
    return ok ? 0 : 1;
}
