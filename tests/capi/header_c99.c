/* Compiled as strict C99 (-pedantic -Werror): uses every type and macro of
 * the public header from C. */
#include <realm/realm.h>

static void on_tokens(void *user, realm_request_t *req, const realm_token_t *tokens, size_t count) {
    (void)user; (void)req; (void)tokens; (void)count;
}
static void on_done(void *user, realm_request_t *req, realm_outcome_t outcome, const realm_result_t *result,
                    const realm_error_t *error) {
    (void)user; (void)req; (void)outcome; (void)result; (void)error;
}

int realm_header_c99_check(void) {
    realm_handler_t h = REALM_HANDLER_INIT;
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    realm_call_options_t c = REALM_CALL_OPTIONS_INIT;
    realm_token_t t;
    realm_queue_event_t qe;
    realm_client_event_t ce;
    realm_error_info_t info;
    size_t n = 0;
    h.on_tokens = on_tokens;
    h.on_done = on_done;
    t.flags = REALM_TOKEN_FINAL | REALM_TOKEN_HAS_LOGPROB;
    qe.kind = REALM_QEV_TOKENS;
    ce.type = REALM_EVENT_CONNECTED;
    info = realm_get_error_table(&n)[0];
    (void)t; (void)qe; (void)ce; (void)info;
    return (int)(h.struct_size == sizeof(realm_handler_t)) + (int)(p.max_tokens == -1) +
           (int)(c.timeout_ms == 0) + (int)(REALM_VERSION_NUM == realm_version_num()) + (int)(n > 0);
}
