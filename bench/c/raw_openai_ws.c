/*
 * raw_openai_client, openai-ws transport: WebSocket connections to
 * /v1/chat/completions. Pool mode: a request goes to an idle open connection,
 * else to a new one (no limit; workload 2 opens 100, as librealm with
 * max_connections 100); the chunks of a connection belong to its request.
 * Mux mode: one connection, every request tagged with request_id "q<seq>".
 * Messages are reassembled from their fragments (no copy for the common
 * single-fragment message).
 */
#include "raw_openai.h"

#define MAX_CONNS 256
#define MUX_OUTBOX 256 /* requests waiting to be written: many in mux mode, */
#define POOL_OUTBOX 2  /* one at a time on a pooled connection */

typedef struct outmsg {
    unsigned char buf[LWS_PRE + RAW_REQ_BUF];
    size_t len;
} outmsg_t;

typedef struct conn {
    struct lws *wsi;
    int open;        /* established */
    raw_req_t *req;  /* pool mode: the request of this connection, NULL = idle */
    char *rx;
    size_t rx_len, rx_cap;
    outmsg_t *outbox; /* ring of out_cap */
    size_t out_cap, out_head, out_tail;
} conn_t;

static struct {
    struct lws_context *ctx;
    int port, mux;
    conn_t conns[MAX_CONNS];
    int nconns;
} w;

static conn_t *open_conn(void) {
    if (w.nconns >= MAX_CONNS) {
        raw_fail("too many connections");
        return NULL;
    }
    conn_t *c = &w.conns[w.nconns++];
    memset(c, 0, sizeof *c);
    c->out_cap = w.mux ? MUX_OUTBOX : POOL_OUTBOX;
    c->outbox = malloc(c->out_cap * sizeof *c->outbox);
    if (!c->outbox) {
        raw_fail("out of memory");
        return NULL;
    }
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = w.ctx;
    ci.address = "127.0.0.1";
    ci.port = w.port;
    ci.path = "/v1/chat/completions";
    ci.host = "127.0.0.1";
    ci.origin = "127.0.0.1";
    ci.local_protocol_name = "raw-openai";
    ci.opaque_user_data = c;
    ci.pwsi = &c->wsi;
    if (!lws_client_connect_via_info(&ci)) {
        raw_fail("connect failed");
        return NULL;
    }
    return c;
}

int raw_ws_init(struct lws_context *ctx, int port, int mux) {
    w.ctx = ctx;
    w.port = port;
    w.mux = mux;
    return 0;
}

void raw_ws_start(raw_req_t *r) {
    conn_t *c = NULL;
    if (w.mux) {
        c = w.nconns ? &w.conns[0] : open_conn();
    } else {
        for (int i = 0; i < w.nconns && !c; ++i)
            if (!w.conns[i].req && w.conns[i].wsi) c = &w.conns[i];
        if (!c) c = open_conn();
        if (c) c->req = r;
    }
    if (!c) return;
    if (c->out_tail - c->out_head >= c->out_cap) {
        raw_fail("outbox full");
        return;
    }
    outmsg_t *m = &c->outbox[c->out_tail++ % c->out_cap];
    m->len = raw_request_body((char *)m->buf + LWS_PRE, RAW_REQ_BUF, r, w.mux, 0);
    if (c->open) lws_callback_on_writable(c->wsi);
}

static void on_message(conn_t *c, const char *m, size_t n) {
    raw_req_t *r = c->req;
    if (!w.mux && !r) {
        raw_fail("chunk on an idle connection");
        return;
    }
    int final;
    r = raw_on_chunk(r, m, n, &final);
    if (r && final) {
        if (!w.mux) c->req = NULL; /* idle again before the next request may pick it */
        raw_on_done(r);
    }
}

int raw_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    (void)user;
    conn_t *c = wsi ? (conn_t *)lws_get_opaque_user_data(wsi) : NULL;
    if (!c) return 0; /* context and vhost callbacks */
    switch (reason) {
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            fprintf(stderr, "raw_openai_client: connect error: %s\n", in ? (const char *)in : "(null)");
            raw_fail("connect error");
            c->wsi = NULL;
            break;
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            c->open = 1;
            if (c->out_head != c->out_tail) lws_callback_on_writable(wsi);
            break;
        case LWS_CALLBACK_CLIENT_RECEIVE: {
            int whole = lws_is_first_fragment(wsi) && lws_is_final_fragment(wsi) &&
                        !lws_remaining_packet_payload(wsi) && c->rx_len == 0;
            if (whole) {
                on_message(c, (const char *)in, len);
                break;
            }
            if (c->rx_len + len > c->rx_cap) {
                size_t cap = c->rx_cap ? c->rx_cap : 65536;
                while (cap < c->rx_len + len) cap *= 2;
                char *nb = realloc(c->rx, cap);
                if (!nb) {
                    raw_fail("out of memory");
                    break;
                }
                c->rx = nb;
                c->rx_cap = cap;
            }
            memcpy(c->rx + c->rx_len, in, len);
            c->rx_len += len;
            if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
                size_t total = c->rx_len;
                c->rx_len = 0;
                on_message(c, c->rx, total);
            }
            break;
        }
        case LWS_CALLBACK_CLIENT_WRITEABLE:
            while (c->out_head != c->out_tail) {
                outmsg_t *m = &c->outbox[c->out_head % c->out_cap];
                if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len) {
                    raw_fail("write failed");
                    return -1;
                }
                c->out_head++;
                if (c->out_head != c->out_tail && lws_send_pipe_choked(wsi)) {
                    lws_callback_on_writable(wsi);
                    break;
                }
            }
            break;
        case LWS_CALLBACK_CLIENT_CLOSED:
            c->open = 0;
            c->wsi = NULL;
            if (c->req || w.mux) raw_fail("connection closed");
            break;
        default:
            break;
    }
    return 0;
}
