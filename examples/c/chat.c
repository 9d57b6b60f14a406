/*
 * Streams one chat completion from any server librealm speaks; the URL picks
 * the dialect:
 *   chat http://127.0.0.1:8080/v1                   OpenAI-compatible HTTP (llama.cpp, vLLM, Ollama, OpenAI)
 *   chat ws://127.0.0.1:8080/v1/chat/completions    openai-ws
 *   chat ws://127.0.0.1:8080                        Realm
 * Usage: chat URL [question] [model]   (the key comes from REALM_API_KEY)
 * Exit status: 0 complete, 1 error.
 */
#include <realm/realm.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The callbacks run on librealm's event thread: main waits on a condition. */
typedef struct outcome {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int status; /* -1 running, 0 complete, 1 error */
} outcome_t;

static void on_tokens(void *user, realm_request_t *req, const realm_token_t *t, size_t n) {
    (void)user, (void)req;
    for (size_t i = 0; i < n; i++) fwrite(t[i].text, 1, t[i].len, stdout);
    fflush(stdout);
}

static void on_done(void *user, realm_request_t *req, realm_outcome_t outcome, const realm_result_t *result,
                    const realm_error_t *error) {
    (void)req;
    outcome_t *o = user;
    int status;
    if (outcome == REALM_OUTCOME_COMPLETE) {
        const char *finish = realm_result_finish_reason(result);
        printf("\n[finish_reason: %s, usage: %lld prompt + %lld completion = %lld tokens]\n",
               *finish ? finish : "(none)", (long long)realm_result_prompt_tokens(result),
               (long long)realm_result_completion_tokens(result), (long long)realm_result_total_tokens(result));
        status = 0;
    } else {
        printf("\n[%s] %s\n", realm_error_code(error), realm_error_message(error));
        status = 1;
    }
    pthread_mutex_lock(&o->mu);
    o->status = status;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s URL [question] [model]\n", argv[0]);
        return 2;
    }
    const char *question = argc > 2 ? argv[2] : "What is the capital of France?";
    realm_options_t *opts = realm_options_new();
    realm_error_t *err = NULL;
    if (realm_options_set(opts, "url", argv[1], &err) != REALM_OK) {
        fprintf(stderr, "%s\n", realm_error_message(err));
        return 2;
    }
    realm_options_set_api_key(opts, getenv("REALM_API_KEY")); /* NULL: none */
    if (argc > 3) realm_options_set_model(opts, argv[3]);

    realm_client_t *client = NULL;
    if (realm_client_new(opts, &client, &err) != REALM_OK) {
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

    realm_message_t messages[] = {
        {"system", "You are a helpful assistant. Answer in one sentence."},
        {"user", question},
    };
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.messages = messages;
    p.message_count = 2;
    p.max_tokens = 64;
    p.stream = 1;
    outcome_t o = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, -1};
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = &o;
    h.on_tokens = on_tokens;
    h.on_done = on_done;
    if (realm_generate(client, &p, NULL, &h, NULL, &err) != REALM_OK) {
        fprintf(stderr, "chat: [%s] %s\n", realm_error_code(err), realm_error_message(err));
        realm_error_destroy(err);
        realm_client_destroy(client);
        return 1;
    }
    /* Exactly one terminal event follows an accepted request. */
    pthread_mutex_lock(&o.mu);
    while (o.status < 0) pthread_cond_wait(&o.cv, &o.mu);
    pthread_mutex_unlock(&o.mu);
    realm_client_destroy(client);
    return o.status;
}
