/*
 * librealm C example: connect (with and without an API key), generate, stream
 * tokens to stdout, run a pipeline, health, metadata, and handle a rate-limit
 * error.
 *
 *   basic ws://127.0.0.1:8080 [api-key]
 *
 * Without an API key it connects anonymously; with one it authenticates and
 * also provokes a rate-limit error (the server must be started with a small
 * --rate-limit-burst for that part to trigger).
 *
 * The blocking helpers below wait for the callbacks with a mutex and a
 * condition variable: librealm calls back on its own event thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <realm/realm.h>

/* ---- a tiny "wait for the terminal event" helper ------------------------ */

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    realm_outcome_t outcome;
    char *text;      /* result text (copied) */
    char *json;      /* result JSON (copied) */
    int64_t tokens_generated;
    realm_error_t *error; /* copied error, or NULL */
    int print_tokens;
} waiter_t;

static void waiter_init(waiter_t *w, int print_tokens) {
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->print_tokens = print_tokens;
}

static void waiter_free(waiter_t *w) {
    free(w->text);
    free(w->json);
    realm_error_destroy(w->error);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}

/* Event thread: a batch of streamed tokens. */
static void on_tokens(void *user, realm_request_t *req, const realm_token_t *tokens, size_t count) {
    waiter_t *w = user;
    (void)req;
    if (!w->print_tokens) return;
    for (size_t i = 0; i < count; i++) fwrite(tokens[i].text, 1, tokens[i].len, stdout);
    fflush(stdout);
}

/* Event thread: exactly once per request. Copy what we need; pointers die. */
static void on_done(void *user, realm_request_t *req, realm_outcome_t outcome, const realm_result_t *result,
                    const realm_error_t *error) {
    waiter_t *w = user;
    (void)req;
    pthread_mutex_lock(&w->mu);
    w->outcome = outcome;
    if (result) {
        w->text = strdup(realm_result_text(result, NULL));
        w->json = strdup(realm_result_json(result, NULL));
        w->tokens_generated = realm_result_tokens_generated(result);
    }
    if (error) w->error = realm_error_copy(error);
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void wait_for(waiter_t *w) {
    pthread_mutex_lock(&w->mu);
    while (!w->done) pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static realm_handler_t handler_for(waiter_t *w) {
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = w;
    h.on_tokens = on_tokens;
    h.on_done = on_done;
    return h;
}

static int report_failure(const char *what, waiter_t *w) {
    if (w->outcome == REALM_OUTCOME_COMPLETE) return 0;
    fprintf(stderr, "%s failed: [%s] %s\n", what, realm_error_code(w->error), realm_error_message(w->error));
    return 1;
}

/* ---- the example --------------------------------------------------------- */

static void on_event(void *user, realm_client_t *client, const realm_client_event_t *ev) {
    (void)user;
    (void)client;
    switch (ev->type) {
        case REALM_EVENT_CONNECTED:
            fprintf(stderr, "[event] connected (tenant %s, server %s)\n", ev->tenant_id, ev->server_version);
            break;
        case REALM_EVENT_DISCONNECTED:
            fprintf(stderr, "[event] disconnected (code %d)\n", ev->close_code);
            break;
        case REALM_EVENT_RECONNECTING:
            fprintf(stderr, "[event] reconnecting (attempt %u in %u ms)\n", ev->attempt, ev->delay_ms);
            break;
        case REALM_EVENT_ERROR:
            fprintf(stderr, "[event] error: %s\n", realm_error_message(ev->error));
            break;
    }
}

static realm_client_t *connect_client(const char *url, const char *api_key) {
    realm_options_t *opts = realm_options_new();
    realm_error_t *err = NULL;
    realm_client_t *client = NULL;
    if (realm_options_set_url(opts, url) != REALM_OK) {
        fprintf(stderr, "bad URL: %s\n", url);
        realm_options_destroy(opts);
        return NULL;
    }
    if (api_key) realm_options_set_api_key(opts, api_key);
    realm_options_set_request_timeout_ms(opts, 10000);
    /* The core sends a rate-limited request again after its retry-after
     * (max_retries, default 2); this example shows the error itself. */
    realm_options_set(opts, "max_retries", "0", NULL);
    if (realm_client_new(opts, &client, &err) != REALM_OK) {
        fprintf(stderr, "client: %s\n", realm_error_message(err));
        realm_error_destroy(err);
        realm_options_destroy(opts);
        return NULL;
    }
    realm_options_destroy(opts);  /* the client keeps its own copy */
    realm_client_set_event_callback(client, on_event, NULL);
    if (realm_client_connect_wait(client, 0, &err) != REALM_OK) {
        fprintf(stderr, "connect failed: [%s] %s\n", realm_error_code(err), realm_error_message(err));
        realm_error_destroy(err);
        realm_client_destroy(client);
        return NULL;
    }
    char tenant[80];
    realm_client_tenant_id(client, tenant, sizeof tenant);
    printf("connected to %s as tenant %s\n", url, tenant);
    return client;
}

static int run_generate(realm_client_t *client, const char *prompt, int stream) {
    waiter_t w;
    waiter_init(&w, stream);
    realm_handler_t h = handler_for(&w);
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = prompt;
    p.max_tokens = 50;
    p.stream = stream;
    realm_error_t *err = NULL;
    if (realm_generate(client, &p, NULL, &h, NULL, &err) != REALM_OK) {
        fprintf(stderr, "generate refused: %s\n", realm_error_message(err));
        realm_error_destroy(err);
        waiter_free(&w);
        return 1;
    }
    wait_for(&w);
    int rc = report_failure("generate", &w);
    if (!rc) {
        if (stream) printf("\n");
        printf("%s: \"%s\" (%lld tokens)\n", stream ? "stream result" : "generate", w.text,
               (long long)w.tokens_generated);
    }
    waiter_free(&w);
    return rc;
}

typedef realm_status_t (*simple_call_fn)(realm_client_t *, const realm_call_options_t *, const realm_handler_t *,
                                         realm_request_t **, realm_error_t **);

static int run_json_call(realm_client_t *client, const char *name, simple_call_fn fn) {
    waiter_t w;
    waiter_init(&w, 0);
    realm_handler_t h = handler_for(&w);
    if (fn(client, NULL, &h, NULL, NULL) != REALM_OK) {
        waiter_free(&w);
        return 1;
    }
    wait_for(&w);
    int rc = report_failure(name, &w);
    if (!rc) printf("%s: %.200s%s\n", name, w.json, strlen(w.json) > 200 ? "..." : "");
    waiter_free(&w);
    return rc;
}

static int run_pipeline(realm_client_t *client) {
    waiter_t w;
    waiter_init(&w, 0);
    realm_handler_t h = handler_for(&w);
    if (realm_pipeline(client, "rag-pipeline", "{\"prompt\":\"What is the capital of France?\"}", NULL, &h, NULL,
                       NULL) != REALM_OK) {
        waiter_free(&w);
        return 1;
    }
    wait_for(&w);
    int rc = report_failure("pipeline", &w);
    if (!rc) printf("pipeline: %s\n", w.json);
    waiter_free(&w);
    return rc;
}

/* Sends health calls until the server's rate limiter says no, then shows the
 * documented handling: check the code and wait retry-after (what the core
 * does by itself when max_retries is not 0). */
static int provoke_rate_limit(realm_client_t *client) {
    for (int i = 0; i < 500; i++) {
        waiter_t w;
        waiter_init(&w, 0);
        realm_handler_t h = handler_for(&w);
        if (realm_health(client, NULL, &h, NULL, NULL) != REALM_OK) {
            waiter_free(&w);
            return 1;
        }
        wait_for(&w);
        if (w.outcome == REALM_OUTCOME_ERROR && strcmp(realm_error_code(w.error), "RATE_LIMIT_EXCEEDED") == 0) {
            printf("rate limited after %d calls: %s (retry after %lld ms)\n", i, realm_error_message(w.error),
                   (long long)realm_error_retry_after_ms(w.error));
            waiter_free(&w);
            return 0;
        }
        int failed = report_failure("health", &w);
        waiter_free(&w);
        if (failed) return 1;
    }
    printf("no rate limit hit (server burst is large)\n");
    return 0;
}

int main(int argc, char **argv) {
    const char *url = argc > 1 ? argv[1] : "ws://127.0.0.1:8080";
    const char *api_key = argc > 2 ? argv[2] : NULL;
    printf("librealm %s\n", realm_version());

    realm_client_t *client = connect_client(url, api_key);
    if (!client) return 1;
    int failures = 0;
    failures += run_generate(client, "What is the capital of France?", 0);
    failures += run_generate(client, "Tell me a story", 1);
    failures += run_pipeline(client);
    failures += run_json_call(client, "health", realm_health);
    failures += run_json_call(client, "metadata", realm_metadata);
    if (api_key) failures += provoke_rate_limit(client);
    realm_client_disconnect_wait(client);
    realm_client_destroy(client);
    printf("%s\n", failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
