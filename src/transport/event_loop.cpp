#include "event_loop.h"

#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/log.h"
#include "timer.h"

#include "ws_connection.h"

namespace realm::transport {

int ws_connection_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);
int http_connection_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

namespace {
constexpr rlim_t kMinFdLimit = 1024;
constexpr rlim_t kMaxFdLimit = 1048576;

std::mutex g_loop_mutex;              // guards g_loop and creation
std::weak_ptr<EventLoop> g_loop;
EventLoop *g_live_loop = nullptr;     // for the atexit hook; guarded by g_loop_mutex

// lws's own messages go to the library log at debug level (they can name
// peers and paths, so words with a query string are redacted), and only when
// debug logging was on when the first client started: lws's log level is
// process-global and set once.
void emit_lws_log(int level, const char *line) {
    (void)level;
    std::string text;
    std::string_view rest(line);
    while (!rest.empty()) {
        size_t sp = rest.find(' ');
        std::string_view word = rest.substr(0, sp);
        text += word.find('?') != std::string_view::npos ? core::redact_url(word) : std::string(word);
        if (sp == std::string_view::npos) break;
        text += ' ';
        rest.remove_prefix(sp + 1);
    }
    core::log(REALM_LOG_DEBUG, "libwebsockets: " + text);
}

void configure_logging_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        // OpenSSL must not clean itself up from atexit while our thread may
        // still be inside SSL_read: initialise it first without that hook.
        OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, nullptr);
        if (core::log_on(REALM_LOG_DEBUG))
            lws_set_log_level(LLL_ERR | LLL_WARN | LLL_NOTICE, emit_lws_log);
        else
            lws_set_log_level(0, nullptr);
    });
}

const lws_protocols kProtocols[] = {
    {"realm-http", &http_connection_callback, 0, 65536, 0, nullptr, 0},
    {"realm-client", &ws_connection_callback, 0, 65536, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

// No lws-level pings or idle hang-ups: the client runs its own keepalive,
// because upstream servers answer pings only between requests and a ping
// before auth fails authentication.
const uint32_t kNoRetryTable[] = {1000};
const lws_retry_bo_t kNoIdlePolicy = {
    kNoRetryTable, 1, 0, 0xffff, 0xffff, 0,
};

}  // namespace

std::shared_ptr<EventLoop> EventLoop::acquire(std::string *error) {
    std::lock_guard<std::mutex> lock(g_loop_mutex);
    if (auto existing = g_loop.lock()) return existing;
    configure_logging_once();
    std::shared_ptr<EventLoop> loop(new EventLoop());
    if (!loop->start(error)) return nullptr;
    g_loop = loop;
    g_live_loop = loop.get();
    static std::once_flag hook;
    std::call_once(hook, [] { std::atexit(&EventLoop::stop_at_exit); });
    return loop;
}

bool EventLoop::connection_fits(std::string *why) const {
    // Descriptors that are not connections: lws's wake pipe, the queues'
    // eventfds, files, stdio. Keep a margin for them.
    unsigned reserve = std::max(32u, fd_limit_ / 16);
    if (connections_ + reserve < fd_limit_) return true;
    if (why)
        *why = "too many connections in this process: " + std::to_string(connections_) +
               " are open and the descriptor limit is " + std::to_string(fd_limit_) +
               " (RLIMIT_NOFILE soft limit when the event thread started, less a reserve of " +
               std::to_string(reserve) + "); raise it with `ulimit -n` before creating the first client";
    return false;
}

bool EventLoop::start(std::string *error) {
    thread_ = std::thread([this] { run(); });
    std::unique_lock<std::mutex> lock(start_mutex_);
    start_cv_.wait(lock, [this] { return started_; });
    if (!start_error_.empty()) {
        lock.unlock();
        thread_.join();
        if (error) *error = start_error_;
        return false;
    }
    return true;
}

void EventLoop::run() {
    thread_id_ = std::this_thread::get_id();
    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = kProtocols;
    // OpenSSL is initialised once here; vhosts are explicit (see vhost_for).
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    // One lws table entry per descriptor the process may open: size it from
    // the soft RLIMIT_NOFILE (lws's own default, but clamped so an unlimited
    // or huge limit does not cost a huge table). A process that wants more
    // connections raises its limit (ulimit -n) before its first client.
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t n = rl.rlim_cur;
        if (n == RLIM_INFINITY || n > kMaxFdLimit) n = kMaxFdLimit;
        if (n < kMinFdLimit) n = kMinFdLimit;
        fd_limit_ = unsigned(n);
    }
    info.fd_limit_per_thread = fd_limit_;
    // lws 4.1 clients read the socket in pt_serv_buf_size chunks (not
    // rx_buffer_size): 64 KiB reads mean fewer passes and bigger batches.
    info.pt_serv_buf_size = 65536;
    // Response headers must fit lws's header table (default 4 KiB): hosted
    // APIs send many (rate-limit, tracing, cookies).
    info.max_http_header_data = 16384;
    info.retry_and_idle_policy = &kNoIdlePolicy;
    info.gid = -1;
    info.uid = -1;
    context_ = lws_create_context(&info);
    if (context_) {
        lws_context_creation_info vinfo;
        std::memset(&vinfo, 0, sizeof vinfo);
        vinfo.port = CONTEXT_PORT_NO_LISTEN;
        vinfo.protocols = kProtocols;
        vinfo.vhost_name = "realm-plain";
        vinfo.retry_and_idle_policy = &kNoIdlePolicy;
        plain_vhost_ = lws_create_vhost(context_, &vinfo);
        if (!plain_vhost_) {
            lws_context_destroy(context_);
            context_ = nullptr;
        }
    }
    if (context_) {
        timers_.attach(context_);
        // Accept work before acquire() can return: a client may post at once.
        std::lock_guard<std::mutex> lock(mutex_);
        accepting_ = true;
    }
    {
        std::lock_guard<std::mutex> lock(start_mutex_);
        if (!context_) start_error_ = "could not create the libwebsockets context";
        started_ = true;
    }
    start_cv_.notify_all();
    if (!context_) return;

    while (!stop_.load(std::memory_order_acquire)) {
        bool polling = busy_until_us_ != 0 && monotonic_us() < busy_until_us_;
        if (polling != spinning_.load(std::memory_order_relaxed)) {
            if (!polling) poll_budget_.charge(busy_until_us_ - busy_traffic_us_);  // ran out unused
            if (set_polling(polling)) continue;
        }
        // Polling: a request posted while this thread yielded goes out before
        // the next poll() (a caller that posts yields to us for just that).
        // Work this thread posted itself after the last drain (from the
        // after-pass work below) woke nobody, and a post from another thread
        // finding the queue non-empty does not wake the loop either: run it
        // before sleeping, or both would wait for the next timer (up to the
        // 30 s keepalive).
        if (polling || has_posted_.load(std::memory_order_acquire)) drain_posted();
        in_service_ = true;
        int rc = lws_service(context_, polling ? -1 : 0);  // -1: one pass without sleeping
        in_service_ = false;
        if (rc < 0) break;
        drain_posted();
        // Publish what this pass received. Callbacks may add more work for
        // the next pass; swap first so that is not run now.
        if (!after_pass_.empty()) {
            std::vector<std::function<void()>> work;
            work.swap(after_pass_);
            for (auto &fn : work) fn();
        }
        if (spin_requested_) {
            spin_requested_ = false;
            if (!polling) spin_for_posted_work();
        }
        if (polling) sched_yield();
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        accepting_ = false;
        posted_.clear();
    }
    if (exiting_.load()) return;  // process exit: the OS reclaims the rest
    timers_.detach();  // lws timers must be cancelled before their context goes
    lws_context_destroy(context_);
    context_ = nullptr;
}

void EventLoop::drain_posted() {
    for (;;) {
        std::deque<std::function<void()>> batch;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (posted_.empty()) return;
            batch.swap(posted_);
            has_posted_.store(false, std::memory_order_relaxed);
        }
        for (auto &fn : batch) fn();
    }
}

void EventLoop::busy_poll_for(uint32_t us) {
    if (us == 0) return;
    int64_t now = monotonic_us();
    bool open = now < busy_until_us_;
    if (!open && !poll_budget_.allows(now)) return;
    busy_traffic_us_ = now;
    if (now + us > busy_until_us_) busy_until_us_ = now + us;
}

// Enters or leaves the busy-poll window. While polling, spinning_ tells
// post() that no wake-up is needed: every pass drains the posted work.
// Returns true if work posted meanwhile was run on leaving the window: the
// caller then re-evaluates before sleeping (that work may have sent a request
// and opened a new window).
bool EventLoop::set_polling(bool polling) {
    bool pending;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        spinning_.store(polling, std::memory_order_release);
        pending = !posted_.empty();
    }
    if (polling || !pending) return false;
    drain_posted();
    return true;
}

void EventLoop::spin_for_posted_work() {
    // Bounded: 20 us of watching, giving up the core at every step. A caller
    // that shares the core (pinned with the loop, or a busy machine) runs at
    // once and posts its next request; one on a core of its own is seen within
    // one sched_yield() (well under a microsecond). Pausing between yields
    // only burnt a shared core: yielding at every step measured +4% Python
    // round trips and a lower C p50 (docs/benchmarks-python.md).
    constexpr int64_t kSpinUs = 20;
    // Self-limiting: after 8 spins in a row that found nothing (callers that
    // do not answer a completion with a new request right away), only every
    // 64th completion spins, to notice when the pattern changes.
    if (fruitless_spins_ >= 8 && (++skipped_spins_ % 64) != 0) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!posted_.empty()) return;  // the next pass drains it
        spinning_.store(true, std::memory_order_release);
    }
    int64_t deadline = monotonic_us() + kSpinUs;
    while (!has_posted_.load(std::memory_order_acquire) && monotonic_us() < deadline) sched_yield();
    bool found = has_posted_.load(std::memory_order_acquire);
    fruitless_spins_ = found ? 0 : fruitless_spins_ + 1;
    {
        // Under the mutex: post() either saw spinning_ (and skipped the
        // wake-up, so its work is drained right here) or sees it cleared.
        std::lock_guard<std::mutex> lock(mutex_);
        spinning_.store(false, std::memory_order_release);
    }
    drain_posted();
}

bool EventLoop::post(std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!accepting_) return false;
    bool was_empty = posted_.empty();
    posted_.push_back(std::move(fn));
    has_posted_.store(true, std::memory_order_release);
    // lws_cancel_service touches the context: only while accepting_ (checked
    // under the same mutex the loop takes before destroying it). A spinning
    // loop needs no wake-up, nor does the loop thread outside lws_service (it
    // drains before it sleeps again). Inside lws_service it does: a timer
    // callback runs there before the poll() of the same call, which would
    // otherwise sleep on this work until the next timer (up to the 30 s
    // keepalive).
    if (was_empty && !spinning_.load(std::memory_order_relaxed) && (!in_loop_thread() || in_service_))
        lws_cancel_service(context_);
    return true;
}

void EventLoop::yield_to_spinning_loop() {
    // The loop is spinning, waiting for just this work: hand it the core at
    // once, so the request is on the wire while this thread goes on to wait
    // for the answer. Without this, a caller sharing the loop's core (the SDK
    // benchmarks pin both to one) runs on until it blocks before the loop
    // sends: Python round trips +8% (docs/benchmarks-python.md). With a core
    // of its own the loop is already running and sched_yield() returns at once.
    // Once per burst: a caller submitting many requests in a row (a loop of
    // generate() calls) would otherwise hand the core over for every one of
    // them and send each with its own write; requests that follow within
    // kBurstGapUs queue up and go out together on the loop's next pass.
    if (!spinning_.load(std::memory_order_acquire) || in_loop_thread()) return;
    constexpr int64_t kBurstGapUs = 20;
    int64_t now = monotonic_us();
    int64_t last = last_submit_yield_us_.exchange(now, std::memory_order_relaxed);
    if (now - last >= kBurstGapUs) sched_yield();
}

lws_vhost *EventLoop::vhost_for(bool tls, const std::string &ca_file, std::string *error) {
    if (!tls) return plain_vhost_;
    auto it = tls_vhosts_.find(ca_file);
    if (it != tls_vhosts_.end()) return it->second;
    if (!ca_file.empty()) {
        // lws only logs a bad CA path; check it ourselves for a clear error.
        if (FILE *f = std::fopen(ca_file.c_str(), "rb")) {
            std::fclose(f);
        } else {
            if (error) *error = "cannot read TLS CA file '" + ca_file + "'";
            return nullptr;
        }
    }
    std::string name = "realm-tls-" + std::to_string(++vhost_seq_);
    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = kProtocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;  // gives the vhost a client SSL_CTX
    info.vhost_name = name.c_str();
    info.client_ssl_ca_filepath = ca_file.empty() ? nullptr : ca_file.c_str();
    info.retry_and_idle_policy = &kNoIdlePolicy;
    lws_vhost *vh = lws_create_vhost(context_, &info);
    if (!vh) {
        if (error) *error = ca_file.empty() ? "cannot set up TLS" : "cannot load TLS CA file '" + ca_file + "'";
        return nullptr;
    }
    tls_vhosts_.emplace(ca_file, vh);
    return vh;
}

EventLoop::~EventLoop() {
    {
        std::lock_guard<std::mutex> lock(g_loop_mutex);
        if (g_live_loop == this) g_live_loop = nullptr;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_.store(true, std::memory_order_release);
        if (accepting_) lws_cancel_service(context_);
    }
    if (thread_.joinable()) {
        if (std::this_thread::get_id() == thread_.get_id())
            thread_.detach();  // cannot join ourselves; see Client::destroy
        else
            thread_.join();
    }
}

// atexit: stop servicing before static destructors and library clean-up run,
// so a client the application never destroyed cannot crash the exit. The
// context is deliberately leaked.
void EventLoop::stop_at_exit() {
    std::lock_guard<std::mutex> lock(g_loop_mutex);
    EventLoop *loop = g_live_loop;
    if (!loop || loop->in_loop_thread()) return;
    loop->exiting_.store(true);
    {
        std::lock_guard<std::mutex> l2(loop->mutex_);
        loop->stop_.store(true, std::memory_order_release);
        if (loop->accepting_) lws_cancel_service(loop->context_);
    }
    if (loop->thread_.joinable()) loop->thread_.join();
}

}  // namespace realm::transport
