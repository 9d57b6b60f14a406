#include "session.h"

#include "dispatcher.h"
#include "protocol/realm_wire.h"
#include "serde/server_frames.h"
#include "serde/server_serde.h"

namespace realm::server {
namespace {

// Stop adding frames to a batch beyond this; one lws_write per batch.
constexpr size_t kBatchTarget = 64 * 1024;
// A client that sends faster than it reads stops being read once this many
// responses and jobs are pending, and is read again below half of it.
constexpr size_t kMaxBacklog = 20000;

std::string auth_timeout_message(uint64_t ms) {
    std::string secs = std::to_string(ms / 1000);
    if (ms % 1000) {
        std::string frac = std::to_string(ms % 1000);
        frac.insert(0, 3 - frac.size(), '0');
        while (!frac.empty() && frac.back() == '0') frac.pop_back();
        secs += "." + frac;
    }
    return "Authentication timeout (" + secs + " seconds)";
}

}  // namespace

Session::Session(ServerState &state, lws *wsi, const ConnectionFaults &faults)
    : state_(state), wsi_(wsi), faults_(faults) {
    ++state_.stats.connections;
}

Session::~Session() {
    state_.stats.active_requests -= jobs_.size();
    --state_.stats.connections;
}

void Session::queue_text(std::string payload) {
    control_.push_back(OutItem{OutItem::Kind::Text, std::move(payload), 0});
    request_write();
}

void Session::queue_close(uint16_t code, std::string reason) {
    control_.push_back(OutItem{OutItem::Kind::CloseCode, std::move(reason), code});
    request_write();
}

void Session::request_write() {
    write_requested_ = true;
    lws_callback_on_writable(wsi_);
}

int Session::on_established() {
    const ServerOptions &opt = state_.options;
    if (faults_.no_welcome) {
        phase_ = Phase::Silent;
        return 0;
    }
    if (opt.auth || faults_.refuse_auth) {
        phase_ = Phase::AwaitingAuth;
        // Written at once rather than from WRITEABLE (the socket has just
        // taken the small 101 response), so that no WRITEABLE is pending
        // afterwards and an unrequested one means "lws holds rx bytes"
        // (see probe_buffered_rx).
        batch_.reset();
        batch_.add(kOpText, frames::auth_required());
        write_requested_ = true;
        int n = lws_write(wsi_, batch_.data(), batch_.size(), LWS_WRITE_RAW);
        write_requested_ = false;
        if (n < 0) return -1;
        auth_timer_ = TimerHandle(&state_.timers,
                                  state_.timers.schedule_at(monotonic_ns() + opt.auth_timeout_ms * 1000000ULL,
                                                            [this] { on_auth_timeout(); }));
        if (!opt.tls()) {
            peek_ = std::make_unique<PreauthPeek>(wsi_, this);
            if (peek_->start())
                probe_timer_ = TimerHandle(&state_.timers,
                                           state_.timers.schedule_at(monotonic_ns(), [this] { probe_buffered_rx(); }));
            else
                peek_.reset();
        }
        return 0;
    }
    phase_ = Phase::Ready;
    send_welcome();
    return 0;
}

void Session::send_welcome() {
    queue_text(frames::welcome(tenant_, kServerVersion, state_.options.extended()));
    if (faults_.close_after_welcome) {
        phase_ = Phase::Closing;
        queue_close(faults_.close_code, "fault: close_after_welcome");
    }
}

void Session::begin_shutdown() {
    shutting_down_ = true;
    request_write();
}

void Session::on_auth_timeout() {
    auth_timer_.release();
    if (phase_ == Phase::AwaitingAuth) fail_auth(auth_timeout_message(state_.options.auth_timeout_ms));
}

void Session::stop_auth_wait() {
    auth_timer_.reset();
    probe_timer_.reset();
    if (peek_) peek_->stop();
}

void Session::on_preauth_verdict(PreauthPeek::Verdict v) {
    if (v == PreauthPeek::Verdict::NotText && phase_ == Phase::AwaitingAuth) fail_auth(kAuthNotText);
}

int Session::on_pong() {
    // A Pong before the auth frame is a non-text first frame too.
    if (phase_ == Phase::AwaitingAuth) fail_auth(kAuthNotText);
    return 0;
}

// Runs on the loop pass after ESTABLISHED, once lws has stashed any bytes
// that came with the upgrade request. Toggling rx flow control makes lws
// request a WRITEABLE iff it holds such bytes (it wants them drained), and
// on_writable() takes an unrequested WRITEABLE during auth as that signal.
void Session::probe_buffered_rx() {
    probe_timer_.release();
    if (!peek_ || !peek_->active()) return;
    lws_rx_flow_control(wsi_, 1);
    lws_rx_flow_control(wsi_, 0);
}

void Session::fail_auth(const std::string &error) {
    stop_auth_wait();
    phase_ = Phase::Closing;
    queue_text(frames::auth_failed(error));
    // Upstream closes without a status code (peers report 1005).
    control_.push_back(OutItem{OutItem::Kind::CloseNoStatus, {}, 0});
    request_write();
}

int Session::on_receive(const void *in, size_t len) {
    switch (rx_.add(wsi_, in, len, state_.options.max_message_size)) {
        case WsMessage::Result::Partial:
            return 0;
        case WsMessage::Result::TooBig:
            return close_with(wsi_, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too big");
        case WsMessage::Result::Complete:
            break;
    }
    std::string msg = rx_.take();
    if (!rx_.binary() && !wire::is_valid_utf8(msg)) {
        // Upstream's library drops the connection; extended mode says why.
        if (state_.options.extended()) return close_with(wsi_, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "invalid UTF-8");
        return -1;
    }
    return handle_message(rx_.binary(), std::move(msg));
}

int Session::handle_message(bool binary, std::string msg) {
    switch (phase_) {
        case Phase::Silent:
        case Phase::Closing:
            return 0;
        case Phase::AwaitingAuth:
            handle_auth_frame(binary, msg);
            return 0;
        case Phase::Ready:
            if (state_.options.extended()) {
                serve(binary, msg);
                update_rx_pause();
            } else {
                inbound_.emplace_back(binary, std::move(msg));
                pump_compat_queue();
            }
            return 0;
    }
    return 0;
}

void Session::handle_auth_frame(bool binary, const std::string &text) {
    if (binary) {
        fail_auth(kAuthNotText);
        return;
    }
    AuthOutcome outcome = check_auth_frame(state_.keys, text, faults_.refuse_auth);
    if (!outcome.ok) {
        fail_auth(outcome.error);
        return;
    }
    stop_auth_wait();
    tenant_ = outcome.tenant;
    phase_ = Phase::Ready;
    queue_text(frames::auth_success(outcome.tenant));
    send_welcome();
}

void Session::serve(bool binary, const std::string &msg) {
    if (binary)
        queue_text(frames::binary_not_supported());
    else
        handle_call(msg);
}

void Session::handle_call(const std::string &text) {
    serde::FunctionCall call;
    std::string err;
    if (!serde::decode_function_call(text, &call, &err)) {
        queue_text(frames::error("\"unknown\"", wire::kInternalError, "Invalid function call: " + err));
        return;
    }
    std::string id_json = frames::json_string(call.id);
    if (tenant_) {
        if (!call.tenant_id || *call.tenant_id != *tenant_) {
            queue_text(frames::error(id_json, wire::kUnauthorized, "Tenant ID mismatch"));
            return;
        }
        RateDecision d = state_.limiter.check(*tenant_, monotonic_ns());
        if (!d.allowed) {
            std::string message =
                "Rate limit exceeded. Try again in " + std::to_string(d.wait_seconds_floor) + " seconds.";
            std::string details;
            if (state_.options.extended()) details = R"({"retry_after_ms":)" + std::to_string(d.retry_after_ms) + "}";
            queue_text(frames::error(id_json, wire::kRateLimitExceeded, message, details));
            return;
        }
    }
    CallOutcome out = dispatch_call(state_, call, id_json, tenant_);
    if (out.cancel) {
        bool cancelled = cancel_job(out.cancel_target, out.cancel_tenant);
        queue_text(frames::complete(id_json, cancelled ? R"({"cancelled":true})" : R"({"cancelled":false})"));
    } else if (out.job) {
        start_job(std::move(out.job));
    } else {
        queue_text(std::move(out.frame));
    }
}

bool Session::cancel_job(const std::string &target, const std::string &tenant) {
    for (auto it = jobs_.begin(); it != jobs_.end(); ++it) {
        Job &job = *it->second;
        if (job.id() != target || job.tenant() != tenant) continue;
        // Frames the job already wrote precede this one on the wire.
        queue_text(frames::cancelled(job.id_json(), job.emitted()));
        ready_.remove(&job);
        jobs_.erase(it);
        --state_.stats.active_requests;
        ++state_.stats.cancelled_total;
        return true;
    }
    return false;
}

void Session::start_job(std::unique_ptr<JobSpec> spec) {
    uint64_t seq = next_seq_++;
    std::optional<UpstreamAsk> ask = std::move(spec->upstream);
    auto job = std::make_unique<Job>(std::move(*spec), monotonic_ns());
    if (ask && state_.upstreams) job->attach(state_.upstreams->generate(std::move(*ask)));
    job->seq = seq;
    ready_.push_back(job.get());
    jobs_.emplace(seq, std::move(job));
    ++state_.stats.active_requests;
    if (!state_.options.extended()) busy_seq_ = seq;
    request_write();
}

void Session::finish_job(Job &job) {
    uint64_t seq = job.seq;
    ready_.remove(&job);
    if (jobs_.erase(seq)) --state_.stats.active_requests;
    if (seq == busy_seq_) {
        busy_seq_ = 0;
        pump_compat_queue();
    }
}

// The job's own timer: it is cancelled when the job is destroyed, so the job
// is alive here.
void Session::on_job_due(Job &job) {
    job.timer.release();
    ready_.push_back(&job);
    request_write();
}

void Session::pump_compat_queue() {
    while (!busy_seq_ && !inbound_.empty() && phase_ == Phase::Ready) {
        auto [binary, msg] = std::move(inbound_.front());
        inbound_.pop_front();
        serve(binary, msg);
    }
    update_rx_pause();
}

void Session::update_rx_pause() {
    // Upstream does not read (so does not answer Pings) while it works on a
    // request; pausing rx in compat mode reproduces that.
    bool busy = busy_seq_ != 0;
    size_t backlog = control_.size() + jobs_.size();
    bool flooded = rx_paused_ ? backlog > kMaxBacklog / 2 : backlog > kMaxBacklog;
    set_rx_paused(busy || flooded);
}

void Session::set_rx_paused(bool paused) {
    if (paused == rx_paused_) return;
    rx_paused_ = paused;
    lws_rx_flow_control(wsi_, paused ? 0 : 1);
}

int Session::execute_pending_close() {
    if (pending_ == Pending::CloseCode) {
        lws_close_reason(wsi_, static_cast<lws_close_status>(close_code_),
                         reinterpret_cast<unsigned char *>(close_reason_.data()), close_reason_.size());
    }
    // Pending::Kill: no reason set, so lws closes the TCP connection
    // without sending a close frame of its own.
    return -1;
}

int Session::on_writable() {
    if (!write_requested_ && phase_ == Phase::AwaitingAuth && peek_ && peek_->active()) {
        // lws holds rx bytes that came with the upgrade: let it parse them.
        peek_->stop();
    }
    write_requested_ = false;
    if (shutting_down_ && pending_ == Pending::None) {
        pending_ = Pending::CloseCode;
        close_code_ = LWS_CLOSE_STATUS_GOINGAWAY;
        close_reason_ = "server shutting down";
    }
    if (pending_ != Pending::None) {
        if (lws_partial_buffered(wsi_)) {
            request_write();
            return 0;
        }
        return execute_pending_close();
    }
    batch_.reset();
    uint64_t now = monotonic_ns();
    while (batch_.size() < kBatchTarget && pending_ == Pending::None) {
        if (!control_.empty()) {
            OutItem item = std::move(control_.front());
            control_.pop_front();
            switch (item.kind) {
                case OutItem::Kind::Text:
                    batch_.add(kOpText, item.payload);
                    break;
                case OutItem::Kind::CloseNoStatus:
                    batch_.add(kOpClose, {});
                    pending_ = Pending::Kill;
                    break;
                case OutItem::Kind::CloseCode:
                    pending_ = Pending::CloseCode;
                    close_code_ = item.code;
                    close_reason_ = item.payload;
                    break;
            }
            continue;
        }
        Job *next = ready_.pop_front();
        if (!next) break;
        Job &job = *next;
        switch (job.step(batch_, now)) {
            case StepResult::Again:
                ready_.push_back(&job);
                break;
            case StepResult::Wait:
                job.timer = TimerHandle(&state_.timers,
                                        state_.timers.schedule_at(job.wake_at(), [this, &job] { on_job_due(job); }));
                break;
            case StepResult::Done:
                finish_job(job);
                break;
            case StepResult::Drop:
                pending_ = Pending::Kill;
                break;
            case StepResult::Close:
                pending_ = Pending::CloseCode;
                close_code_ = job.close_code();
                close_reason_ = job.close_reason();
                break;
        }
    }
    if (!batch_.empty()) {
        write_requested_ = true;  // lws may arm POLLOUT itself for a partial send
        int n = lws_write(wsi_, batch_.data(), batch_.size(), LWS_WRITE_RAW);
        write_requested_ = false;
        if (n < 0) return -1;
    }
    if (pending_ != Pending::None) {
        if (lws_partial_buffered(wsi_)) {
            request_write();
            return 0;
        }
        return execute_pending_close();
    }
    if (rx_paused_) update_rx_pause();
    if (!control_.empty() || !ready_.empty()) request_write();
    return 0;
}

}  // namespace realm::server
