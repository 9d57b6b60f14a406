/*
 * raw_openai_client: the ceiling of the OpenAI-dialect benchmark
 * (scripts/bench-openai), the counterpart of raw_lws_client for the Realm
 * protocol. One lws context serviced on the main thread; the workloads of
 * bench_common.h (1, 2, 3, 5) driven by raw_openai_main.c over one of two
 * minimal transports:
 *   raw_openai_ws.c    openai-ws: a pool of connections with one request
 *                      each, or (mux) one connection with request_id tags
 *   raw_openai_http.c  openai-http: one HTTP/1.1 exchange per request (POST,
 *                      lws's HTTP client), the SSE body split at blank lines
 * Each chunk is scanned with memmem as raw_lws_client does (no JSON or UTF-8
 * validation): content text located (escape-aware), finish_reason and the
 * usage's completion_tokens read, tokens counted and checked.
 */
#ifndef REALM_BENCH_RAW_OPENAI_H
#define REALM_BENCH_RAW_OPENAI_H

#include "bench_common.h"

#include <libwebsockets.h>

#define RAW_MAX_REQS 8192 /* request ids are "q<seq>" */
#define RAW_REQ_BUF 512    /* one request body */

typedef struct raw_req {
    unsigned seq;
    uint64_t max_tokens;
    uint64_t tokens;     /* content chunks seen */
    int64_t completion;  /* usage.completion_tokens, -1 before */
    int finished;        /* a non-null finish_reason was seen */
    int length_finish;   /* ... and it was "length" */
    uint64_t t0_ns, first_ns;
    int active;
} raw_req_t;

/* The request body, the same bytes librealm sends (usage requested on HTTP). */
size_t raw_request_body(char *out, size_t cap, const raw_req_t *r, int with_request_id, int include_usage);

/* A chunk's JSON (one WebSocket message, one SSE data payload). Returns the
 * request it belongs to in mux mode (by request_id; `r` otherwise), NULL
 * after reporting a failure. Sets *final when the chunk has a finish_reason. */
raw_req_t *raw_on_chunk(raw_req_t *r, const char *m, size_t n, int *final);
/* The request ended (ws: its final chunk; http: [DONE] or the body's end). */
void raw_on_done(raw_req_t *r);
void raw_fail(const char *msg);
extern int raw_closing; /* the run is over: connections closing now are expected */
raw_req_t *raw_req_by_seq(unsigned seq);

/* Transports: start sending a request (its connection opened on demand). */
int raw_ws_init(struct lws_context *ctx, int port, int mux);
void raw_ws_start(raw_req_t *r);
int raw_http_init(struct lws_context *ctx, int port);
void raw_http_start(raw_req_t *r);
int raw_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
int raw_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

#endif
