// One running OpenAI request, independent of the transport: it yields the
// payloads to send (chunk JSON texts, or the one completion object when not
// streaming) one step at a time, paced like a Realm job, with its timed
// faults. The WebSocket session wraps each payload in a text frame, the
// HTTP exchange in a "data:" event or a response body; both ask for the
// next payload only when the socket takes more, so memory stays bounded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "openai_backend.h"
#include "openai_json.h"
#include "openai_request.h"
#include "pacer.h"
#include "ready_queue.h"
#include "timer_queue.h"
#include "upstream_feed.h"

namespace realm::server {

// Transport choices about usage and the final chunk.
struct StreamShape {
    bool usage_on_final = false;  // WebSocket chat: "usage" member on the final chunk
    bool usage_chunk = false;     // SSE include_usage: a usage-only chunk after the final one
    bool skip_final = false;      // fault done_without_finish
};

enum class StreamStep {
    Payload,  // `out` holds a text payload to send
    Binary,   // `out` holds a payload to send as a binary frame
    Failed,   // `out` holds an error envelope; the request is over
    Wait,     // nothing before wake_at()
    Drop,     // fault: drop the connection
    Close,    // fault: close the WebSocket with close_code()/close_reason()
    Done,     // the request is over (everything was sent)
};

class OpenAiStream {
public:
    // With `feed` (gateway mode) the content comes from the upstream, as it
    // arrives, instead of the synthetic model.
    OpenAiStream(const OpenAiRequest &request, const ServerOptions &options, StreamShape shape, uint64_t now_ns,
                 std::unique_ptr<UpstreamFeed> feed = nullptr);

    StreamStep step(uint64_t now_ns, std::string &out);
    // Cancel frame: the next step sends the final chunk with "abort".
    void abort() { aborted_ = true; }

    bool streaming() const { return stream_; }
    const std::optional<std::string> &request_id() const { return request_id_; }
    const ChunkEncoder &encoder() const { return enc_; }
    uint64_t wake_at() const { return wake_at_; }
    uint16_t close_code() const { return close_code_; }
    const std::string &close_reason() const { return close_reason_; }
    Usage usage() const;
    // The HTTP status of the error envelope of the last Failed step.
    int error_status() const { return error_status_; }
    uint64_t error_retry_after_ms() const { return error_retry_after_ms_; }
    // Gateway mode, nothing sent yet: the HTTP transport holds its head until
    // the upstream answers, so that an upstream error keeps its status.
    bool upstream() const { return feed_ != nullptr; }

    TimerHandle timer;  // the pending wake-up, owned by the transport
    uint64_t seq = 0;   // the WebSocket transport's key for this stream (start order)
    ReadyHook<OpenAiStream> ready;  // links in that transport's ReadyQueue while queued

private:
    enum class Phase { Role, Content, Final, UsageChunk, Over };

    // Fires the timed faults due now; returns true with *result when one
    // ends this step.
    bool fire_faults(uint64_t now_ns, std::string &out, StreamStep *result);
    StreamStep finish(std::string &out, std::string_view reason);
    // Phase::Content in gateway mode.
    StreamStep step_upstream(std::string &out);

    ChunkEncoder enc_;
    TextPlan plan_;
    StreamShape shape_;
    bool stream_;
    std::optional<std::string> request_id_;
    uint64_t prompt_tokens_;
    std::vector<OpenAiFault> faults_;
    size_t next_fault_ = 0;
    Pacer pacer_;
    Phase phase_ = Phase::Role;
    uint64_t sent_ = 0;   // plan pieces sent (what `after` counts)
    uint64_t extra_ = 0;  // content chunks added by faults
    std::string text_json_;       // non-streaming: the text so far
    std::string pending_;         // second half of a split_utf8 fault
    bool aborted_ = false;
    bool malformed_ = false;      // non-streaming: cut the object
    bool binary_ = false;         // non-streaming: send the object as a binary frame
    uint64_t wake_at_ = 0;
    uint16_t close_code_ = 1000;
    std::string close_reason_;
    std::unique_ptr<UpstreamFeed> feed_;
    std::string piece_;            // the feed's current piece
    std::string finish_from_upstream_;
    int error_status_ = 500;
    uint64_t error_retry_after_ms_ = 0;
};

// The OpenAI error envelope of an upstream failure (openai-ws and HTTP).
OpenAiError openai_error_of(const UpstreamError &e);

// What the gateway asks its upstream for, from an OpenAI request.
UpstreamAsk upstream_ask_of(const OpenAiRequest &request, const char *dialect);

}  // namespace realm::server
