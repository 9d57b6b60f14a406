/*
 * A ws-system client (RSA challenge-response; docs/ws-system.md): signs in
 * with a registered key, streams one generation (printing the model from the
 * server's stream_start), lists the models, and stops a second generation
 * right after starting it.
 * Usage: ws_system URL CLIENT_ID PRIVATE_KEY_FILE [prompt]
 *   (scripts/ws-keygen makes the key and the server's registry entry)
 * Exit status: 0 ok, 1 error, 2 bad arguments or key.
 */
#include <realm/realm.h>

#include <pthread.h>
#include <stdio.h>

typedef struct outcome {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    realm_outcome_t how;
} outcome_t;

static void on_started(void *user, realm_request_t *req, const char *model) {
    (void)user;
    printf("[%s started on model %s] ", realm_request_id(req), model);
    fflush(stdout);
}

static void on_tokens(void *user, realm_request_t *req, const realm_token_t *t, size_t n) {
    (void)user, (void)req;
    for (size_t i = 0; i < n; i++) fwrite(t[i].text, 1, t[i].len, stdout);
    fflush(stdout);
}

static void on_done(void *user, realm_request_t *req, realm_outcome_t how, const realm_result_t *result,
                    const realm_error_t *error) {
    outcome_t *o = user;
    if (how == REALM_OUTCOME_COMPLETE) {
        size_t len = 0;
        const char *json = realm_result_json(result, &len);
        if (json[0] == '[')
            printf("[models] %.*s\n", (int)(len > 200 ? 200 : len), json);
        else
            printf("\n[%s complete: %lld tokens, first after %.1f ms, all in %.1f ms]\n", realm_request_id(req),
                   (long long)realm_result_tokens_generated(result), realm_result_first_token_ms(result),
                   realm_result_elapsed_ms(result));
    } else {
        printf("\n[%s %s: %s] %s\n", realm_request_id(req), how == REALM_OUTCOME_CANCELLED ? "cancelled" : "error",
               realm_error_code(error), realm_error_message(error));
    }
    pthread_mutex_lock(&o->mu);
    o->done = 1;
    o->how = how;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

/* Exactly one terminal event follows an accepted request: wait for it. */
static realm_outcome_t wait_for(outcome_t *o) {
    pthread_mutex_lock(&o->mu);
    while (!o->done) pthread_cond_wait(&o->cv, &o->mu);
    pthread_mutex_unlock(&o->mu);
    return o->how;
}

static realm_handler_t handler(outcome_t *o) {
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = o;
    h.on_tokens = on_tokens;
    h.on_done = on_done;
    h.events = REALM_HANDLER_EV_STARTED;
    h.on_started = on_started;
    return h;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL CLIENT_ID PRIVATE_KEY_FILE [prompt]\n", argv[0]);
        return 2;
    }
    realm_options_t *opts = realm_options_new();
    realm_error_t *err = NULL;
    const char *settings[][2] = {
        {"url", argv[1]}, {"dialect", "ws-system"}, {"client_id", argv[2]}, {"private_key_path", argv[3]}};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (realm_options_set(opts, settings[i][0], settings[i][1], &err) != REALM_OK) {
            fprintf(stderr, "%s\n", realm_error_message(err));
            return 2;
        }
    }
    realm_client_t *client = NULL;
    if (realm_client_new(opts, &client, &err) != REALM_OK) {  /* the key is read here */
        fprintf(stderr, "%s\n", realm_error_message(err));
        return 2;
    }
    realm_options_destroy(opts);
    if (realm_client_connect_wait(client, 0, &err) != REALM_OK) {
        fprintf(stderr, "connect: [%s] %s\n", realm_error_code(err), realm_error_message(err));
        realm_error_destroy(err);
        realm_client_destroy(client);
        return 1;
    }
    int status = 0;

    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = argc > 4 ? argv[4] : "What is the capital of France?";
    p.stream = 1;
    outcome_t gen = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    realm_handler_t h = handler(&gen);
    if (realm_generate(client, &p, NULL, &h, NULL, &err) != REALM_OK || wait_for(&gen) != REALM_OUTCOME_COMPLETE)
        status = 1;

    outcome_t models = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    h = handler(&models);
    if (realm_models(client, NULL, &h, NULL, &err) != REALM_OK || wait_for(&models) != REALM_OUTCOME_COMPLETE)
        status = 1;

    /* A stop right after the generate frame is never lost (docs/ws-system.md). */
    outcome_t stopped = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    h = handler(&stopped);
    realm_request_t *req = NULL;
    if (realm_generate(client, &p, NULL, &h, &req, &err) != REALM_OK) {
        status = 1;
    } else {
        realm_request_cancel(req);
        if (wait_for(&stopped) != REALM_OUTCOME_CANCELLED) status = 1;
        realm_request_release(req);
    }
    if (err) {
        fprintf(stderr, "[%s] %s\n", realm_error_code(err), realm_error_message(err));
        realm_error_destroy(err);
    }
    realm_client_destroy(client);
    return status;
}
