/*
 * raw_lws_client: the ceiling of the core benchmark.
 *
 * A minimal libwebsockets 4.1 client doing the same work as realm_bench with
 * nothing else: one lws context serviced on the main thread, one connection,
 * no subprotocol, rx_buffer_size 65536 (as librealm). Each message is
 * reassembled from its chunks, then scanned with memmem: its id is looked up,
 * its status recognised, the token text located (and, in workload 4, its
 * server stamp parsed), tokens counted per request and checked against the
 * terminal frame's tokens_generated.
 *
 *   raw_lws_client --port N --workload 1|2|3|4 [--streams N --tokens T (workload 2)]
 *
 * Prints one RESULT line (see bench_common.h). Exit status 0 on success.
 */
#include "bench_common.h"

#include <libwebsockets.h>

#define MAX_OUTBOX_MIN 256  /* the outbox holds at least this many, and every stream of a step */
#define REQ_BUF 512

typedef struct req {
    uint64_t tokens;
    uint64_t bytes; /* token text bytes (escaped length) */
    uint64_t t0_ns;
    int active;
} req_t;

typedef struct outmsg {
    unsigned char buf[LWS_PRE + REQ_BUF];
    size_t len;
} outmsg_t;

static struct {
    struct lws_context *ctx;
    struct lws *wsi;
    int welcomed;
    int closed;
    int failed;
    int finished;

    char *rx;
    size_t rx_len, rx_cap;

    outmsg_t *outbox;
    size_t outbox_cap;
    size_t out_head, out_tail; /* ring */

    req_t *reqs;     /* by seq: request ids are "q<seq>", seq < reqs_cap */
    size_t reqs_cap;
    unsigned next_seq;
    int pending; /* requests of the current step not yet ended */
    int stamped; /* workload 4: parse stamps */
} g;

/* Workload state */
static int g_workload;
static long g_w2_streams = W2_STREAMS, g_w2_tokens = W2_TOKENS;
static int g_phase;  /* 0 = warm-up, 1 = measuring */
static int g_rep, g_count;
static uint64_t g_t0_ns, g_cpu0, g_last_done_ns;
static double g_tok_s[W1_REPS > W2_REPS ? W1_REPS : W2_REPS];
static double g_cpu[W1_REPS > W2_REPS ? W1_REPS : W2_REPS];
static uint64_t g_rtt[W3_REQUESTS];
static uint64_t g_lat_us[W4_TOKENS];
static size_t g_lat_n;

static void fail(const char *msg) {
    fprintf(stderr, "raw_lws_client: %s\n", msg);
    g.failed = 1;
}

/* Queues one generate request; it is written on the next WRITEABLE. */
static void send_generate(uint64_t max_tokens, int stamped) {
    if (g.next_seq >= g.reqs_cap || g.out_tail - g.out_head >= g.outbox_cap) {
        fail("too many requests");
        return;
    }
    unsigned seq = g.next_seq++;
    req_t *r = &g.reqs[seq];
    r->tokens = 0;
    r->bytes = 0;
    r->active = 1;
    r->t0_ns = bench_now_ns();
    outmsg_t *m = &g.outbox[g.out_tail++ % g.outbox_cap];
    int n;
    if (stamped)
        n = snprintf((char *)m->buf + LWS_PRE, REQ_BUF,
                     "{\"id\":\"q%u\",\"function\":\"generate\",\"params\":{\"prompt\":\"" BENCH_PROMPT
                     "\",\"max_tokens\":%llu,\"stream\":true,\"delay_ms\":%d,\"stamp\":true},\"tenant_id\":\"" BENCH_TENANT
                     "\"}",
                     seq, (unsigned long long)max_tokens, W4_DELAY_MS);
    else
        n = snprintf((char *)m->buf + LWS_PRE, REQ_BUF,
                     "{\"id\":\"q%u\",\"function\":\"generate\",\"params\":{\"prompt\":\"" BENCH_PROMPT
                     "\",\"max_tokens\":%llu,\"stream\":true},\"tenant_id\":\"" BENCH_TENANT "\"}",
                     seq, (unsigned long long)max_tokens);
    m->len = (size_t)n;
    g.pending++;
    if (g.wsi) lws_callback_on_writable(g.wsi);
}

/* Starts the next unit of work of the workload (called when nothing is pending). */
static void next_step(void) {
    if (g_phase == 0) {
        /* warm-up is over */
        g_phase = 1;
        g_rep = 0;
        g_count = 0;
        if (g_workload == 3) {
            g_cpu0 = bench_cpu_us();
            g_t0_ns = bench_now_ns();
        }
    }
    switch (g_workload) {
        case 1:
            g_cpu0 = bench_cpu_us();
            g_t0_ns = bench_now_ns();
            send_generate(W1_TOKENS, 0);
            break;
        case 2:
            g_cpu0 = bench_cpu_us();
            g_t0_ns = bench_now_ns();
            for (long i = 0; i < g_w2_streams; ++i) send_generate((uint64_t)g_w2_tokens, 0);
            break;
        case 3:
            send_generate(1, 0);
            break;
        case 4:
            g.stamped = 1;
            send_generate(W4_TOKENS, 1);
            break;
    }
}

/* Called when every request of the current step has ended. */
static void step_done(void) {
    if (g_phase == 0) {
        next_step();
        return;
    }
    switch (g_workload) {
        case 1:
        case 2: {
            uint64_t c1 = bench_cpu_us();
            double tokens = g_workload == 1 ? (double)W1_TOKENS : (double)g_w2_streams * (double)g_w2_tokens;
            g_tok_s[g_rep] = tokens * 1e9 / (double)(g_last_done_ns - g_t0_ns);
            g_cpu[g_rep] = (double)(c1 - g_cpu0) / tokens;
            if (++g_rep < (g_workload == 1 ? W1_REPS : W2_REPS))
                next_step();
            else
                g.finished = 1;
            break;
        }
        case 3:
            if (++g_count < W3_REQUESTS)
                next_step();
            else
                g.finished = 1;
            break;
        case 4:
            g.finished = 1;
            break;
    }
}

/* Finds `"key":` in [p, end) and returns the position after it, or NULL. */
static const char *find_key(const char *p, const char *end, const char *key, size_t klen) {
    const char *k = memmem(p, (size_t)(end - p), key, klen);
    return k ? k + klen : NULL;
}

/* Scans a JSON string body starting after its opening quote; returns the closing quote or NULL. */
static const char *string_end(const char *p, const char *end) {
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) return NULL;
        /* count the backslashes right before the quote */
        const char *b = q;
        while (b > p && b[-1] == '\\') --b;
        if (((q - b) & 1) == 0) return q;
        p = q + 1;
    }
    return NULL;
}

static void on_message(const char *m, size_t n) {
    const char *end = m + n;
    uint64_t now_ns = bench_now_ns();
    if (!g.welcomed) {
        if (find_key(m, end, "\"status\":\"connected\"", 20)) {
            g.welcomed = 1;
            g_phase = 0;
            send_generate(WARMUP_TOKENS, 0); /* warm-up, not measured */
        } else {
            fail("unexpected first frame");
        }
        return;
    }
    /* id: "q<seq>" */
    const char *id = find_key(m, end, "\"id\":\"", 6);
    const char *id_end = id ? string_end(id, end) : NULL;
    if (!id_end || id_end - id < 2 || id[0] != 'q') {
        fail("frame without a known id");
        return;
    }
    unsigned seq = 0;
    for (const char *p = id + 1; p < id_end; ++p) {
        if (*p < '0' || *p > '9') {
            fail("bad id");
            return;
        }
        seq = seq * 10u + (unsigned)(*p - '0');
    }
    if (seq >= g.next_seq || !g.reqs[seq].active) {
        fail("frame for an unknown request");
        return;
    }
    req_t *r = &g.reqs[seq];
    const char *st = find_key(m, end, "\"status\":\"", 10);
    if (!st) {
        fail("frame without status");
        return;
    }
    if ((size_t)(end - st) >= 10 && !memcmp(st, "streaming\"", 10)) {
        const char *t = find_key(st, end, "\"text\":\"", 8);
        const char *t_end = t ? string_end(t, end) : NULL;
        if (!t_end) {
            fail("token frame without text");
            return;
        }
        r->tokens++;
        r->bytes += (uint64_t)(t_end - t);
        if (g.stamped) {
            uint64_t stamp = bench_parse_stamp(t, (size_t)(t_end - t));
            uint64_t now_us = now_ns / 1000u;
            if (stamp && g_lat_n < W4_TOKENS) g_lat_us[g_lat_n++] = now_us >= stamp ? now_us - stamp : 0;
        }
    } else if ((size_t)(end - st) >= 9 && !memcmp(st, "complete\"", 9)) {
        const char *tg = find_key(st, end, "\"tokens_generated\":", 19);
        if (!tg) {
            fail("complete frame without tokens_generated");
            return;
        }
        uint64_t generated = strtoull(tg, NULL, 10);
        if (generated != r->tokens) {
            fail("token count mismatch");
            return;
        }
        r->active = 0;
        g_last_done_ns = now_ns;
        if (g_phase == 1 && g_workload == 3) g_rtt[g_count] = now_ns - r->t0_ns;
        if (--g.pending == 0) step_done();
    } else {
        fprintf(stderr, "raw_lws_client: %.*s\n", (int)(n > 300 ? 300 : n), m);
        fail("request failed");
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)user;
    switch (reason) {
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            fprintf(stderr, "raw_lws_client: connect error: %s\n", in ? (const char *)in : "(null)");
            g.failed = 1;
            g.wsi = NULL;
            break;
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            break;
        case LWS_CALLBACK_CLIENT_RECEIVE: {
            int whole = lws_is_first_fragment(wsi) && lws_is_final_fragment(wsi) &&
                        !lws_remaining_packet_payload(wsi) && g.rx_len == 0;
            if (whole) {
                on_message((const char *)in, len); /* the common case: no copy */
                break;
            }
            if (g.rx_len + len > g.rx_cap) {
                size_t cap = g.rx_cap ? g.rx_cap : 65536;
                while (cap < g.rx_len + len) cap *= 2;
                char *nb = realloc(g.rx, cap);
                if (!nb) {
                    fail("out of memory");
                    break;
                }
                g.rx = nb;
                g.rx_cap = cap;
            }
            memcpy(g.rx + g.rx_len, in, len);
            g.rx_len += len;
            if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
                on_message(g.rx, g.rx_len);
                g.rx_len = 0;
            }
            break;
        }
        case LWS_CALLBACK_CLIENT_WRITEABLE:
            while (g.out_head != g.out_tail) {
                outmsg_t *m = &g.outbox[g.out_head % g.outbox_cap];
                if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len) {
                    fail("write failed");
                    return -1;
                }
                g.out_head++;
                if (g.out_head != g.out_tail && lws_send_pipe_choked(wsi)) {
                    lws_callback_on_writable(wsi);
                    break;
                }
            }
            break;
        case LWS_CALLBACK_CLIENT_CLOSED:
            g.closed = 1;
            g.wsi = NULL;
            break;
        default:
            break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"raw-bench", callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

int main(int argc, char **argv) {
    bench_args_t a = bench_parse_args(argc, argv);
    if (a.dialect != BENCH_REALM || a.workload > 4) {
        fprintf(stderr, "raw_lws_client: Realm workloads 1-4 only (OpenAI dialects: raw_openai_client)\n");
        return 2;
    }
    g_workload = a.workload;
    g_w2_streams = a.w2_streams;
    g_w2_tokens = a.w2_tokens;
    /* Every request of the run has its own slot (warm-up step + measured steps
       + slack); the outbox holds a whole step. */
    long per_step = g_workload == 2 ? g_w2_streams : 1;
    long steps = 2 + (g_workload == 1 ? W1_REPS : g_workload == 2 ? W2_REPS : g_workload == 3 ? W3_REQUESTS : 1);
    g.reqs_cap = (size_t)(per_step * steps + 1024);
    g.outbox_cap = (size_t)(per_step > MAX_OUTBOX_MIN ? per_step : MAX_OUTBOX_MIN);
    g.reqs = calloc(g.reqs_cap, sizeof *g.reqs);
    g.outbox = calloc(g.outbox_cap, sizeof *g.outbox);
    if (!g.reqs || !g.outbox) {
        fprintf(stderr, "raw_lws_client: out of memory\n");
        return 1;
    }
    lws_set_log_level(LLL_ERR, NULL);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.fd_limit_per_thread = 64;
    info.gid = -1;
    info.uid = -1;
    g.ctx = lws_create_context(&info);
    if (!g.ctx) {
        fprintf(stderr, "raw_lws_client: lws_create_context failed\n");
        return 1;
    }

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = g.ctx;
    ci.address = "127.0.0.1";
    ci.port = a.port;
    ci.path = "/";
    ci.host = "127.0.0.1";
    ci.origin = "127.0.0.1";
    ci.protocol = NULL;
    ci.local_protocol_name = "raw-bench";
    ci.pwsi = &g.wsi;
    if (!lws_client_connect_via_info(&ci)) {
        fprintf(stderr, "raw_lws_client: connect failed\n");
        lws_context_destroy(g.ctx);
        return 1;
    }

    /* The warm-up starts on the welcome (on_message); phase 0 until it ends. */
    while (!g.finished && !g.failed && !g.closed) {
        if (lws_service(g.ctx, 0) < 0) break;
    }
    int ok = g.finished && !g.failed;
    if (ok) {
        switch (g_workload) {
            case 1: bench_result_w1("raw-lws", g_tok_s, g_cpu, W1_REPS); break;
            case 2: bench_result_w2("raw-lws", g_tok_s, g_cpu, W2_REPS); break;
            case 3:
                bench_result_w3("raw-lws", g_rtt, W3_REQUESTS, g_last_done_ns - g_t0_ns, bench_cpu_us() - g_cpu0);
                break;
            case 4: bench_result_w4("raw-lws", g_lat_us, g_lat_n); break;
        }
    } else if (!g.failed) {
        fprintf(stderr, "raw_lws_client: connection closed early\n");
    }
    fflush(stdout);
    lws_context_destroy(g.ctx);
    free(g.rx);
    free(g.reqs);
    free(g.outbox);
    return ok ? 0 : 1;
}
