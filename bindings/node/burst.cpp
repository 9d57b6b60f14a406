#include "burst.h"

namespace realm_node {
namespace {

// Length in UTF-16 code units of valid UTF-8 (the core delivers only valid
// UTF-8); sets *ascii. JS slices the joined text by these lengths.
size_t Utf16Length(const char *s, size_t n, bool *ascii) {
    size_t units = 0;
    bool only_ascii = true;
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++units;
        } else {
            only_ascii = false;
            if ((c & 0xC0) != 0x80) units += (c >= 0xF0) ? 2 : 1;  // lead byte; 4-byte = surrogate pair
        }
    }
    *ascii = only_ascii;
    return units;
}

}  // namespace

void Burst::clear() {
    for (auto &r : recs) realm_error_destroy(r.err);
    recs.clear();
    lens.clear();
    text.clear();
    ascii = true;
}

void AppendTokens(Burst &b, int32_t id, const realm_token_t *tokens, size_t count) {
    Rec *r = b.recs.empty() ? nullptr : &b.recs.back();
    if (!r || r->kind != W_TOKENS || r->id != id) {
        r = &b.recs.emplace_back();
        r->kind = W_TOKENS;
        r->id = id;
        r->a = int32_t(b.lens.size());
        r->b = 0;
    }
    for (size_t k = 0; k < count; ++k) {
        bool ascii;
        b.lens.push_back(int32_t(Utf16Length(tokens[k].text, tokens[k].len, &ascii)));
        if (!ascii) b.ascii = false;
        b.text.append(tokens[k].text, tokens[k].len);
    }
    r->b += int32_t(count);
}

void AppendDone(Burst &b, int32_t id, int32_t mode, realm_outcome_t outcome, const realm_result_t *result,
                const realm_error_t *error) {
    Rec &r = b.recs.emplace_back();
    r.id = id;
    if (outcome != REALM_OUTCOME_COMPLETE || !result) {
        r.kind = W_FAILED;
        r.a = outcome == REALM_OUTCOME_COMPLETE ? int32_t(REALM_OUTCOME_ERROR) : int32_t(outcome);
        r.err = error ? realm_error_copy(error) : nullptr;
        return;
    }
    r.kind = W_COMPLETE;
    r.a = mode;
    r.tokens_generated = realm_result_tokens_generated(result);
    if (r.tokens_generated < 0) r.tokens_generated = realm_result_streamed_tokens(result);
    size_t len = 0;
    if (mode == MODE_TEXT || mode == MODE_STREAM) {
        const char *text = realm_result_text(result, &len);
        r.s1.assign(text, len);
        r.has_s1 = true;
        r.prompt_tokens = realm_result_prompt_tokens(result);
        r.has_cost = realm_result_cost_usd(result, &r.cost) != 0;
        r.has_time = realm_result_time_ms(result, &r.time) != 0;
        r.s2 = realm_result_finish_reason(result);
        r.s3 = realm_result_model(result);
        r.completion_tokens = realm_result_completion_tokens(result);
        r.streamed = realm_result_streamed_tokens(result);
        r.total_tokens = realm_result_total_tokens(result);
        r.elapsed = realm_result_elapsed_ms(result);
        r.first_token = realm_result_first_token_ms(result);
    } else if (mode == MODE_JSON) {
        const char *json = realm_result_json(result, &len);
        r.s1.assign(json, len);
        r.has_s1 = true;
    } else if (IsWsMode(mode)) {
        const char *json = realm_result_json(result, &len);
        r.s1.assign(json, len);
        r.has_s1 = true;
        r.s2 = realm_result_model(result);
        r.has_time = realm_result_time_ms(result, &r.time) != 0;
        r.elapsed = realm_result_elapsed_ms(result);
        if (mode == MODE_WS_TEXT) {
            const char *text = realm_result_text(result, &len);
            r.s3.assign(text, len);
            r.has_s3 = true;
        }
    }
}

void AppendStarted(Burst &b, int32_t id, const char *model) {
    Rec &r = b.recs.emplace_back();
    r.kind = W_STARTED;
    r.id = id;
    r.s1 = model ? model : "";
}

void AppendClientEvent(Burst &b, const realm_client_event_t *ev) {
    Rec &r = b.recs.emplace_back();
    r.kind = W_CLIENT;
    r.id = int32_t(ev->type);
    r.a = ev->close_code;
    r.b = int32_t(ev->attempt);
    r.c = int32_t(ev->delay_ms);
    if (ev->reason) r.s1 = ev->reason, r.has_s1 = true;
    if (ev->tenant_id) r.s2 = ev->tenant_id, r.has_s2 = true;
    if (ev->server_version) r.s3 = ev->server_version, r.has_s3 = true;
    r.err = ev->error ? realm_error_copy(ev->error) : nullptr;
}

void AppendOpDone(Burst &b, int32_t token, realm_status_t status, const realm_error_t *error) {
    Rec &r = b.recs.emplace_back();
    r.kind = W_OP_DONE;
    r.id = token;
    r.a = int32_t(status);
    r.err = error ? realm_error_copy(error) : nullptr;
}

}  // namespace realm_node
