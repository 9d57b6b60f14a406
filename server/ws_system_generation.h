// One ws-system generate (ws-system.md 4.1, 4.2): the request's fields as
// upstream reads them, and the synthetic answer as a paced sequence of
// frames: stream_start (sent by the session at once), stream_token per word
// of the backend's stream (backend.h; the `tokens` option repeats the words
// up to that count), then stream_end, or the
// generation_error frame when the "backend" fails (unknown model, fault).
//
// Pacing: token k is due at start + (k+1) * delay (the first one a delay
// after stream_start, like a model's time to first token), so a stop sent
// right after stream_start deterministically lands before the first token.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <cjson/cJSON.h>

#include "options.h"
#include "pacer.h"
#include "timer_queue.h"
#include "upstream_feed.h"
#include "ws_system_state.h"

namespace realm::server {

struct WsGenerateRequest {
    std::string id_json;     // the generate id, raw JSON
    std::string model_json;  // echoed in stream_start
    std::string prompt;
    uint64_t delay_ms = 0;
    std::optional<uint64_t> tokens;      // extension: stream this many tokens (words repeated)
    std::optional<uint64_t> drop_after;  // fault: drop the connection after N tokens
    std::string failure;                 // non-empty: the backend fails with this text
    std::string model;                   // the model's name (gateway: sent upstream)
};

// JS truthiness of a member value (upstream checks `if (!message.id ...)`).
bool json_truthy(const cJSON *v);
// The JSON text of `v` ("" for null pointers).
std::string json_text(const cJSON *v);

// Reads a generate frame. False when id or prompt is missing or falsy
// (the caller answers "Missing required fields").
bool parse_generate(const cJSON *msg, const ServerOptions &options, const WsSystemShared &shared,
                    WsGenerateRequest *out);

class WsGeneration {
public:
    WsGeneration(WsGenerateRequest req, const ServerOptions &options, uint64_t now_ns);
    // Gateway mode: the tokens come from this feed instead.
    void attach(std::unique_ptr<UpstreamFeed> feed);
    // What the gateway asks its upstream for.
    UpstreamAsk upstream_ask() const;

    enum class Step {
        Token,   // *frame is a stream_token; call again
        Wait,    // nothing before wake_at()
        End,     // *frame is the terminal frame (stream_end or error)
        Drop,    // fault: drop the TCP connection now
    };
    Step step(uint64_t now_ns, std::string *frame);
    uint64_t wake_at() const { return wake_at_; }

    // The terminal frame after an accepted stop: rule (a) before any token,
    // rule (b) once one was sent.
    std::string cancelled_frame() const;
    const std::string &id_json() const { return req_.id_json; }
    // The request was refused before it ran (bad option, disabled fault).
    bool failed() const { return !req_.failure.empty(); }

    TimerHandle timer;

private:
    WsGenerateRequest req_;
    std::vector<std::string> words_;  // one pass of the backend's words
    uint64_t count_ = 0;              // tokens to stream (words_ repeated)
    uint64_t sent_ = 0;
    uint64_t started_ns_;
    Pacer pacer_;
    uint64_t wake_at_ = 0;
    std::unique_ptr<UpstreamFeed> feed_;
    std::string piece_;
};

}  // namespace realm::server
