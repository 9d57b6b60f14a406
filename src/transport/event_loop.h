// The process-wide event loop: one thread that owns the libwebsockets context
// and runs every connection of every client (see docs/DESIGN.md: a shared
// context is what lws 4.1 handles safely; per-client contexts race on TLS
// ex-data and cost ~0.8 MiB each).
//
// Other threads never touch lws: they post closures with post(), which wakes
// the loop with lws_cancel_service(). Everything else here runs on the loop
// thread only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "poll_budget.h"
#include "timer.h"

struct lws_context;
struct lws_vhost;

namespace realm::transport {

class EventLoop {
public:
    // Returns the shared loop, starting it if needed. Reference-counted: the
    // loop stops when the last shared_ptr is dropped. nullptr + *error if the
    // lws context cannot be created.
    static std::shared_ptr<EventLoop> acquire(std::string *error);

    ~EventLoop();
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;

    // Any thread: runs `fn` on the loop thread soon, in posting order.
    // Returns false (and drops fn) once the loop is shutting down.
    bool post(std::function<void()> fn);

    // Any thread, after posting a request: if the loop thread is spinning for
    // work (see expect_work_soon), sched_yield() once so that it runs now.
    void yield_to_spinning_loop();

    // True on the loop thread.
    bool in_loop_thread() const { return std::this_thread::get_id() == thread_id_; }

    // Loop thread: `fn` runs once after the current service pass, before the
    // loop sleeps again. Used to publish everything a pass received as one
    // batch per request.
    void after_pass(std::function<void()> fn) { after_pass_.push_back(std::move(fn)); }

    // Loop thread: true while lws_service() runs (inside lws callbacks and
    // timers), false while posted work and after-pass work run.
    bool in_service() const { return in_service_; }

    // Loop thread: the vhost for a connection. Plain ws:// shares one vhost
    // without TLS state; wss:// vhosts (system CAs, plus `ca_file` if given)
    // are created on first use, so a process that never uses TLS never loads
    // the CA store (~4 MiB). nullptr + *error if a CA file cannot be loaded.
    lws_vhost *vhost_for(bool tls, const std::string &ca_file, std::string *error);

    lws_context *context() const { return context_; }

    // Loop thread: every Timer on this loop (see timer.h).
    TimerQueue &timers() { return timers_; }

    // Loop thread: after this pass, watch briefly for new posted work before
    // sleeping in poll(). Called when a request ends: the caller's next
    // request usually follows within microseconds, and catching it here saves
    // two thread wake-ups per round trip (see docs/BENCHMARKS.md).
    void expect_work_soon() { spin_requested_ = true; }

    // Loop thread: keep polling without sleeping for `us` microseconds from
    // now (busy polling). Called on traffic: a response or the next frame
    // that arrives within the window is read without waking a sleeping
    // thread (on a VM, waking a halted vCPU costs tens of microseconds).
    // Each idle pass yields the CPU, so threads sharing the core still run.
    // Windows that end without traffic are charged to a PollBudget; while it
    // is spent, no new window opens.
    void busy_poll_for(uint32_t us);

    // Descriptor capacity of the shared context: the soft RLIMIT_NOFILE when
    // the loop started (clamped to 1024..1048576; the process's limits are
    // never changed). lws keeps one table entry per descriptor (~16 bytes).
    unsigned fd_limit() const { return fd_limit_; }
    // Loop thread: client connections (WebSockets and HTTP sockets) open on
    // this loop, and whether one more fits. When it does not, *why says
    // which limit.
    void connection_opened() { ++connections_; }
    void connection_closed() { --connections_; }
    bool connection_fits(std::string *why) const;
    // Loop thread: set when an opening was refused for want of descriptors
    // (our cap, or EMFILE/ENFILE from the system), so that the caller can
    // tell that apart from an unreachable server.
    void note_out_of_descriptors() { out_of_descriptors_ = true; }
    bool take_out_of_descriptors() {
        bool was = out_of_descriptors_;
        out_of_descriptors_ = false;
        return was;
    }

private:
    EventLoop() = default;
    bool start(std::string *error);
    void run();
    void drain_posted();
    void spin_for_posted_work();
    bool set_polling(bool polling);
    static void stop_at_exit();

    lws_context *context_ = nullptr;
    TimerQueue timers_;              // loop thread only
    unsigned fd_limit_ = 1024;
    unsigned connections_ = 0;
    bool out_of_descriptors_ = false;
    std::thread thread_;
    std::thread::id thread_id_;

    std::mutex mutex_;               // guards posted_, accepting_
    std::deque<std::function<void()>> posted_;
    bool accepting_ = false;         // false once stopping: lws_cancel_service is then unsafe
    std::atomic<bool> spinning_{false};  // the loop is watching posted_ without sleeping (set under mutex_)
    std::atomic<bool> has_posted_{false};
    std::atomic<int64_t> last_submit_yield_us_{0};  // see yield_to_spinning_loop
    bool spin_requested_ = false;    // loop thread only
    int64_t busy_until_us_ = 0;      // loop thread only: end of the busy-poll window
    int64_t busy_traffic_us_ = 0;    // loop thread only: when the window was last extended
    PollBudget poll_budget_;         // loop thread only
    bool in_service_ = false;        // loop thread only
    unsigned fruitless_spins_ = 0;   // consecutive spins that found no work
    unsigned skipped_spins_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<bool> exiting_{false};  // process exit: leave the context alone

    std::vector<std::function<void()>> after_pass_;
    lws_vhost *plain_vhost_ = nullptr;
    std::unordered_map<std::string, lws_vhost *> tls_vhosts_;  // by CA file ("" = system CAs)
    unsigned vhost_seq_ = 0;

    // Start-up handshake between acquire() and the loop thread.
    std::mutex start_mutex_;
    std::condition_variable start_cv_;
    bool started_ = false;
    std::string start_error_;
};

}  // namespace realm::transport
