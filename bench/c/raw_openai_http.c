/*
 * raw_openai_client, openai-http transport: one lws HTTP/1.1 client
 * connection per request, as librealm does (lws 4.1 has no keep-alive reuse
 * that does not serialise concurrent exchanges; see
 * src/transport/http_connection.cpp). POST /v1/chat/completions with the same
 * body as librealm (stream_options.include_usage, so the token count can be
 * checked); the body arrives de-chunked by lws and is split into SSE events
 * at "\n\n"; an event's "data: " line is a chunk, "[DONE]" ends the request.
 * Minimal on purpose: no multi-line data, no "\r\n" line ends, no event names.
 */
#include "raw_openai.h"

#define MAX_XCHG 256
#define SSE_CAP 65536

typedef struct xchg {
    int in_use;
    struct lws *wsi;
    raw_req_t *req;
    int done;      /* [DONE] seen */
    int completed; /* lws reported the body complete */
    size_t body_len;
    unsigned char body[LWS_PRE + RAW_REQ_BUF];
    char sse[SSE_CAP]; /* an incomplete event carried over between reads */
    size_t sse_len;
} xchg_t;

static struct {
    struct lws_context *ctx;
    int port;
    char host[32];
    xchg_t x[MAX_XCHG];
} h;

static char g_rx[LWS_PRE + 65536];

int raw_http_init(struct lws_context *ctx, int port) {
    h.ctx = ctx;
    h.port = port;
    snprintf(h.host, sizeof h.host, "127.0.0.1:%d", port);
    return 0;
}

void raw_http_start(raw_req_t *r) {
    xchg_t *x = NULL;
    for (int i = 0; i < MAX_XCHG && !x; ++i)
        if (!h.x[i].in_use) x = &h.x[i];
    if (!x) {
        raw_fail("too many exchanges");
        return;
    }
    x->in_use = 1;
    x->req = r;
    x->done = x->completed = 0;
    x->sse_len = 0;
    x->body_len = raw_request_body((char *)x->body + LWS_PRE, RAW_REQ_BUF, r, 0, 1);

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = h.ctx;
    ci.address = "127.0.0.1";
    ci.port = h.port;
    ci.path = "/v1/chat/completions";
    ci.host = h.host;
    ci.origin = h.host;
    ci.method = "POST";
    ci.alpn = "http/1.1";
    ci.local_protocol_name = "raw-openai";
    ci.opaque_user_data = x;
    ci.pwsi = &x->wsi;
    if (!lws_client_connect_via_info(&ci)) raw_fail("connect failed");
}

static void sse_event(xchg_t *x, const char *ev, size_t n) {
    if (n < 5 || memcmp(ev, "data:", 5)) return; /* comments, other fields */
    ev += 5, n -= 5;
    if (n && *ev == ' ') ++ev, --n;
    if (n == 6 && !memcmp(ev, "[DONE]", 6)) {
        x->done = 1;
        raw_on_done(x->req);
        return;
    }
    int final;
    raw_on_chunk(x->req, ev, n, &final);
}

/* Handles the complete events in [p, p+n) and returns the bytes used. */
static size_t sse_events(xchg_t *x, const char *p, size_t n) {
    size_t off = 0;
    size_t from = off;
    while (from < n && !x->done) {
        /* an event ends at "\n\n": one memchr per line (an event is one data line) */
        const char *e = memchr(p + from, '\n', n - from);
        if (!e || e + 1 == p + n) break;
        if (e[1] != '\n') {
            from = (size_t)(e - p) + 1;
            continue;
        }
        sse_event(x, p + off, (size_t)(e - (p + off)));
        off = from = (size_t)(e - p) + 2;
    }
    return off;
}

/* Adds bytes to the carried-over partial event; 0 if it does not fit. */
static int sse_keep(xchg_t *x, const char *p, size_t n) {
    if (x->sse_len + n > SSE_CAP) {
        raw_fail("SSE event too large");
        return 0;
    }
    memcpy(x->sse + x->sse_len, p, n);
    x->sse_len += n;
    return 1;
}

/* Body bytes: only the event cut by a read boundary is copied. */
static void sse_feed(xchg_t *x, const char *p, size_t n) {
    if (x->sse_len) {
        size_t end; /* bytes of p up to and including the event's "\n\n" */
        if (x->sse[x->sse_len - 1] == '\n' && n && p[0] == '\n') {
            end = 1;
        } else {
            const char *e = memmem(p, n, "\n\n", 2);
            if (!e) {
                sse_keep(x, p, n);
                return;
            }
            end = (size_t)(e - p) + 2;
        }
        if (!sse_keep(x, p, end)) return;
        sse_event(x, x->sse, x->sse_len - 2);
        x->sse_len = 0;
        p += end, n -= end;
    }
    size_t used = sse_events(x, p, n);
    if (used < n && !x->done) sse_keep(x, p + used, n - used);
}

int raw_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)user;
    xchg_t *x = wsi ? (xchg_t *)lws_get_opaque_user_data(wsi) : NULL;
    if (!x) return 0;
    switch (reason) {
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
            unsigned char **p = (unsigned char **)in, *end = *p + len;
            char clen[24];
            int n = snprintf(clen, sizeof clen, "%zu", x->body_len);
            if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, (const unsigned char *)"application/json",
                                             16, p, end) ||
                lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, (const unsigned char *)clen, n, p,
                                             end) ||
                lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_ACCEPT, (const unsigned char *)"text/event-stream", 17,
                                             p, end))
                return -1;
            lws_client_http_body_pending(wsi, 1);
            lws_callback_on_writable(wsi);
            return 0;
        }
        case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
            if (lws_write(wsi, x->body + LWS_PRE, x->body_len, LWS_WRITE_HTTP_FINAL) < (int)x->body_len) {
                raw_fail("write failed");
                return -1;
            }
            lws_client_http_body_pending(wsi, 0);
            return 0;
        case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
            if (lws_http_client_http_response(wsi) != 200) {
                fprintf(stderr, "raw_openai_client: HTTP %u\n", lws_http_client_http_response(wsi));
                raw_fail("HTTP error");
            }
            return 0;
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
            char *px = g_rx + LWS_PRE;
            int lenx = (int)sizeof g_rx - LWS_PRE;
            if (lws_http_client_read(wsi, &px, &lenx) < 0) return -1;
            return x->completed ? -1 : 0; /* the body is over: close now */
        }
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
            sse_feed(x, (const char *)in, len);
            return 0;
        case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
            x->completed = 1;
            if (!x->done) raw_fail("body ended before [DONE]");
            return 0;
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            fprintf(stderr, "raw_openai_client: connect error: %s\n", in ? (const char *)in : "(null)");
            raw_fail("connect error");
            return 0;
        case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
            if (!x->done) raw_fail("connection closed before [DONE]");
            return 0;
        case LWS_CALLBACK_WSI_DESTROY:
            lws_set_opaque_user_data(wsi, NULL);
            x->in_use = 0;
            x->wsi = NULL;
            return 0;
        default:
            return 0;
    }
}
