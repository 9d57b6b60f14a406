// One running generate request: emits its token frames one at a time when
// the connection can take them (so memory stays bounded by the socket, not by
// the request), paces them, injects its faults and ends with its terminal
// frame. The Session decides when a job may write; the job decides what.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faults.h"
#include "frame_batch.h"
#include "pacer.h"
#include "ready_queue.h"
#include "timer_queue.h"
#include "upstream_feed.h"

namespace realm::server {

// How a job ends once its tokens are out.
enum class JobEnd {
    StreamComplete,  // {"status":"complete","tokens_generated":N}
    Result,          // complete frame with a prebuilt data object
    Silent,          // upstream bug: no terminal frame (compat max_tokens 0)
};

struct JobSpec {
    std::string id;
    std::string tenant;
    uint64_t tokens = 0;             // token frames to send
    std::vector<std::string> words;  // token texts, cycled
    bool stamp = false;              // token text = send time (us) instead
    uint64_t delay_ns = 0;           // pause after each token frame
    std::vector<Fault> faults;       // sorted by `after`
    JobEnd end = JobEnd::StreamComplete;
    std::string result_json;         // for JobEnd::Result
    bool terminal_always = false;    // extension "terminal" (backend errors end with BACKEND_ERROR)
    // Gateway mode: the text comes from an upstream (attach()); `end` is
    // StreamComplete (token frames) or Result (one complete frame).
    std::optional<UpstreamAsk> upstream;
};

enum class StepResult {
    Again,  // more to send right away
    Wait,   // nothing until wake_at()
    Done,   // finished (terminal frame, if any, was written)
    Drop,   // fault: drop the connection now
    Close,  // fault: close the connection with close_code()/close_reason()
};

class Job {
public:
    Job(JobSpec spec, uint64_t now_ns);
    // Gateway mode: the feed of spec.upstream.
    void attach(std::unique_ptr<UpstreamFeed> feed);

    // Writes at most one token frame (plus any fault frames due before it,
    // or the terminal frame) to `out`.
    StepResult step(FrameBatch &out, uint64_t now_ns);

    const std::string &id() const { return spec_.id; }
    const std::string &id_json() const { return id_json_; }
    const std::string &tenant() const { return spec_.tenant; }
    uint64_t emitted() const { return emitted_; }
    uint64_t wake_at() const { return wake_at_; }
    uint16_t close_code() const { return close_code_; }
    const std::string &close_reason() const { return close_reason_; }

    TimerHandle timer;  // the pending wake-up, owned by the Session
    uint64_t seq = 0;   // the Session's key for this job (start order)
    ReadyHook<Job> ready;  // links in the Session's ReadyQueue while queued

private:
    bool fire_fault(const Fault &f, FrameBatch &out, uint64_t now_ns, StepResult *result);
    void write_token(FrameBatch &out);
    void write_terminal(FrameBatch &out);
    StepResult step_upstream(FrameBatch &out);
    void write_upstream_error(FrameBatch &out);

    JobSpec spec_;
    std::string id_json_;
    std::vector<std::string> words_json_;
    uint64_t emitted_ = 0;
    size_t next_fault_ = 0;
    Pacer pacer_;
    uint64_t wake_at_ = 0;
    uint64_t oversize_next_ = 0;
    uint64_t fragment_next_ = 0;  // fragment size for the next token frame (0 = whole)
    uint16_t close_code_ = 1000;
    std::string close_reason_;
    std::unique_ptr<UpstreamFeed> feed_;
    std::string piece_;
    std::string text_;  // gateway, not streaming: the whole answer
};

}  // namespace realm::server
