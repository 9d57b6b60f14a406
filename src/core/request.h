// The request object behind realm_request_t. Shared by the caller (through
// its handle), the client core (until the terminal event) and pull-mode queue
// events; freed with the last reference.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "protocol/request_spec.h"
#include "realm/realm.h"
#include "transport/timer.h"

namespace realm::core {
class ClientCore;

// A token waiting to be published: offsets into Request::text.
struct PendingToken {
    size_t offset;
    size_t len;
    int64_t index;
    double logprob;
    uint32_t flags;
};
}  // namespace realm::core

namespace realm::core {
// Requests sent as one frame (realm_batch_send): their payloads are
// collected as each is sent, and the frame goes out with the last one.
struct BatchGroup {
    size_t expected = 0;             // members that may still be sent
    std::vector<std::string> items;  // payloads, in send order
    std::string first_id;
};

// An incomplete UTF-8 sequence that ended the last piece of a stream (at
// most 3 bytes: a sequence is at most 4 long).
struct Utf8Carry {
    char bytes[3];
    uint8_t len = 0;
    bool empty() const { return len == 0; }
    std::string_view view() const { return {bytes, len}; }
};
}  // namespace realm::core

// Aligned to a cache line so that the members below fall on lines as laid out.
struct alignas(64) realm_request {
    enum class State : uint8_t { Created, Queued, Sent, Done };

    // The order of the members matters for speed: with thousands of streams
    // interleaved on one connection every frame is for another request, so
    // every line a frame touches is a cache miss. A frame reads or writes only
    // the first three lines: line 0 what the lookup compares and the
    // counters, line 1 the text and the tokens not yet published, line 2 the
    // handler they are published to. The heap blocks of `text` and (with a
    // pull-queue handler) `pending` are the only other memory of the request
    // a frame touches.

    // ---- line 0
    std::atomic<int> refs{1};
    State state = State::Created;          // loop thread only, as is the rest of lines 0-2
    bool streaming = false;                // (set at creation)
    bool dirty = false;                    // queued for the end-of-pass flush
    bool started = false;                  // the server's start was reported
    uint32_t idle_timeout_ms = 0;          // 0 = none (set at creation)
    bool idle_clock_running = false;
    bool retried = false;                  // retry_id is the wire id (set_retry_id)
    realm::core::Utf8Carry utf8_carry;
    int64_t streamed = 0;                  // tokens received
    std::string id;

    // ---- line 1
    std::string text;                      // every streamed token, concatenated
    // Not yet published (pull-queue handlers; a callback handler's tokens
    // are in the router's run_pending_, see router.h).
    std::vector<realm::core::PendingToken> pending;
    int64_t first_token_us = 0;            // first token arrived (0 = none yet)

    // ---- line 2
    realm_handler_t handler{};             // (set at creation)

    // ---- read once per request, or only with options that are off by default
    std::atomic<bool> done{false};
    int64_t last_frame_us = 0;             // with an idle timeout
    std::string finish_reason;             // from the frames so far ("" = none yet)
    // The id on the wire of a retry ("<id>~<n>"), so that late frames of an
    // abandoned attempt cannot reach the next one. Loop thread.
    std::string retry_id;
    uint64_t seq = 0;                      // send order, for FIFO attribution
    std::weak_ptr<realm::core::ClientCore> client;

    // Set at creation, read on the loop thread.
    realm::protocol::RequestSpec spec;     // what to send, before a dialect encodes it
    uint32_t timeout_ms = 0;               // 0 = none
    bool internal = false;                 // made by the core itself (e.g. a connect probe)

    // Loop thread only.
    void *link = nullptr;                  // the connection it was sent on (the client core's)
    bool has_deadline = false;             // in the router's DeadlineQueue (total timeout)
    std::multimap<int64_t, realm_request *>::iterator deadline;
    uint32_t retries = 0;                  // times it was sent again (core/retry_policy.h)
    bool waiting_retry = false;            // in the router's retry queue (`deadline` is its entry there)
    std::unique_ptr<realm_error> retry_cause;  // the failure that is being retried
    std::unique_ptr<realm::transport::Timer> idle_timer;
    int64_t prompt_tokens = -1, completion_tokens = -1, total_tokens = -1;  // usage so far
    int64_t sent_us = 0;                   // written to the connection (0 = not yet)
    std::string model;                     // as the server named it
    std::shared_ptr<realm::core::BatchGroup> batch;  // set while it waits to go out in a batch
    // Its latest item in its pull-mode queue (guarded by that queue's mutex):
    // new tokens merge into it while it is an unpolled TOKENS item.
    uint64_t queue_epoch = 0;
    size_t queue_index = 0;

    std::string_view wire_id() const { return retried ? std::string_view(retry_id) : std::string_view(id); }
    void set_retry_id(std::string wire) {
        retry_id = std::move(wire);
        retried = !retry_id.empty();
    }

    void retain() { refs.fetch_add(1, std::memory_order_relaxed); }
    void release() {
        if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }
};

// The result behind realm_result_t.
struct realm_result {
    std::string text;
    std::string json = "null";
    int64_t tokens_generated = -1;
    int64_t prompt_tokens = -1;
    int64_t completion_tokens = -1;
    int64_t total_tokens = -1;
    std::string finish_reason;
    int64_t streamed = 0;
    bool has_cost = false;
    double cost_usd = 0;
    bool has_time = false;
    double time_ms = 0;
    std::string model;
    double elapsed_ms = -1;                // client-measured, from the write
    double first_token_ms = -1;
};
