// What the event thread hands to the JS thread. The core's callbacks append
// records to a Burst under the client's mutex; the JS thread swaps the whole
// Burst out and delivers it in one call (client_delivery.cpp, Client::Drain). Nothing
// here touches JavaScript, so it is safe on the event thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "realm/realm.h"

namespace realm_node {

// Event words written to the shared Int32Array; keep in step with node/client.js.
enum EventWord : int32_t {
    W_TOKENS = 1,    // [1, id, count, utf16len x count]          text: the burst's joined token text
    W_COMPLETE = 2,  // [2, id]                                    vals: result (array, JSON text or token count)
    W_FAILED = 3,    // [3, id, outcome]                           vals: error object
    W_CLIENT = 4,    // [4, type, closeCode, attempt, delayMs]     vals: info object
    W_OP_DONE = 5,   // [5, token, status]                         vals: error object or null
    W_STARTED = 6,   // [6, id]                                    vals: the model the server named
};

// How a request's completion is handed to JS.
enum Mode : int32_t {
    // generate/chat (MODE_TEXT) and generateStream/chatStream (MODE_STREAM,
    // tokens delivered as they come) complete with the same array:
    // [text, tokens_generated, prompt_tokens, cost_usd, time_ms, finish_reason,
    //  completion_tokens, total_tokens, model, elapsed_ms, first_token_ms,
    //  streamed_tokens]
    MODE_TEXT = 0,
    MODE_STREAM = 1,
    MODE_JSON = 2,    // health, metadata, pipeline, call: the raw JSON of `data`
    // ws-system (WSClient): tokens always delivered, the server's start
    // reported (W_STARTED); the completion is
    // [json, tokens_generated, time_ms?, model, elapsed_ms, text?]
    MODE_WS = 3,
    MODE_WS_TEXT = 4,  // as MODE_WS, with the generated text
};

inline bool IsWsMode(int32_t mode) { return mode == MODE_WS || mode == MODE_WS_TEXT; }

// One event produced on the event thread.
struct Rec {
    int32_t kind = 0;  // W_*
    int32_t id = 0;    // request id, op token, or client event type
    int32_t a = 0, b = 0, c = 0;
    // TOKENS: a = index of the first length in Burst::lens, b = count
    // COMPLETE: a = mode; FAILED: a = outcome; OP_DONE: a = status
    // CLIENT: a = close code, b = attempt, c = delay
    int64_t tokens_generated = -1, prompt_tokens = -1;
    bool has_cost = false, has_time = false;
    double cost = 0, time = 0;
    double elapsed = -1;           // COMPLETE: realm_result_elapsed_ms (-1 = never sent)
    double first_token = -1;       // COMPLETE (text modes): realm_result_first_token_ms (-1 = none)
    int64_t completion_tokens = -1, total_tokens = -1;  // COMPLETE (text modes): usage, -1 = unreported
    int64_t streamed = 0;          // COMPLETE (text modes): realm_result_streamed_tokens
    std::string s1, s2, s3;        // COMPLETE: text or JSON (text modes: text, finish_reason, model;
                                   // ws modes: JSON, model, text);
                                   // CLIENT: reason, tenant, version; STARTED: model
    bool has_s1 = false, has_s2 = false, has_s3 = false;
    realm_error_t *err = nullptr;  // owned copy
};

// Everything produced since the last drain. Cleared, not freed, between
// bursts, so steady-state delivery allocates nothing.
struct Burst {
    std::vector<Rec> recs;
    std::vector<int32_t> lens;  // UTF-16 length of every token, in order
    std::string text;           // UTF-8 text of every token, in order
    bool ascii = true;          // text is all ASCII (JS can take it as Latin-1)

    void clear();
};

// Appends `count` tokens of request `id`, merged into the last record when
// that holds tokens of the same request.
void AppendTokens(Burst &b, int32_t id, const realm_token_t *tokens, size_t count);

// Appends the terminal event of request `id` (copies what `mode` needs).
void AppendDone(Burst &b, int32_t id, int32_t mode, realm_outcome_t outcome, const realm_result_t *result,
                const realm_error_t *error);

void AppendClientEvent(Burst &b, const realm_client_event_t *ev);

// Appends the server's start of request `id` (ws-system stream_start).
void AppendStarted(Burst &b, int32_t id, const char *model);

// Appends the completion of connect/disconnect number `token`.
void AppendOpDone(Burst &b, int32_t token, realm_status_t status, const realm_error_t *error);

}  // namespace realm_node
