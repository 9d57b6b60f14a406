#include "openai_ws_session.h"

#include <cstring>
#include <exception>

#include "key_store.h"
#include "openai_json.h"
#include "protocol/realm_wire.h"

namespace realm::server {
namespace {

// One lws_write per batch, as in the Realm session.
constexpr size_t kBatchTarget = 64 * 1024;
// A client that sends far faster than it reads stops being read beyond
// this many queued frames / bytes, and is read again below half of it.
constexpr size_t kMaxBacklog = 20000;
constexpr size_t kMaxQueuedBytes = 64ULL << 20;

constexpr uint16_t kClosePolicy = 1008;
constexpr uint16_t kCloseInternal = 1011;

std::string request_id_member(const std::optional<std::string> &request_id) {
    if (!request_id) return {};
    std::string out = R"(,"request_id":)";
    wire::append_json_string(out, *request_id);
    return out;
}

const char *frame_type(const cJSON *root) {
    const cJSON *t = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "type") : nullptr;
    return cJSON_IsString(t) ? t->valuestring : nullptr;
}

}  // namespace

OpenAiWsSession::OpenAiWsSession(ServerState &state, lws *wsi, OpenAiDialect dialect,
                                 std::optional<std::string> tenant, bool auth_pending)
    : state_(state), wsi_(wsi), dialect_(dialect), tenant_(std::move(tenant)), auth_pending_(auth_pending) {
    ++state_.stats.connections;
}

OpenAiWsSession::~OpenAiWsSession() {
    // Closing the socket aborts generation: the streams just go away.
    state_.stats.active_requests -= streams_.size();
    --state_.stats.connections;
}

int OpenAiWsSession::on_established() {
    if (auth_pending_) {
        uint64_t ms = state_.options.auth_timeout_ms;
        auth_timer_ = TimerHandle(&state_.timers, state_.timers.schedule_at(monotonic_ns() + ms * 1000000ULL, [this] {
            auth_timer_.release();
            if (auth_pending_) fail_auth();
        }));
    }
    return 0;
}

void OpenAiWsSession::begin_shutdown() {
    shutting_down_ = true;
    request_write();
}

void OpenAiWsSession::request_write() { lws_callback_on_writable(wsi_); }

void OpenAiWsSession::queue_text(std::string payload) {
    control_.push_back(OutItem{false, 0, std::move(payload)});
    request_write();
}

void OpenAiWsSession::queue_close(uint16_t code, std::string reason) {
    closing_ = true;
    control_.push_back(OutItem{true, code, std::move(reason)});
    request_write();
}

void OpenAiWsSession::send_error(const OpenAiError &e, const std::optional<std::string> &request_id) {
    queue_text(error_envelope(e, request_id_member(request_id)));
}

int OpenAiWsSession::on_receive(const void *in, size_t len) {
    switch (rx_.add(wsi_, in, len, state_.options.openai_max_message_size())) {
        case WsMessage::Result::Partial:
            return 0;
        case WsMessage::Result::TooBig:
            return close_with(wsi_, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too big");
        case WsMessage::Result::Complete:
            break;
    }
    std::string msg = rx_.take();
    if (!rx_.binary() && !wire::is_valid_utf8(msg))
        return close_with(wsi_, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "invalid UTF-8");
    try {
        handle_message(rx_.binary(), msg);
    } catch (const std::exception &) {
        // Out of memory and the like: say so with 1011 rather than crash.
        return close_with(wsi_, kCloseInternal, "internal error");
    }
    update_rx_pause();
    return 0;
}

void OpenAiWsSession::handle_message(bool binary, const std::string &msg) {
    if (closing_) return;
    JsonPtr root = binary ? nullptr : parse_json(msg);
    if (auth_pending_) {
        // openai-ws.md section 2: without credentials on the upgrade the
        // first frame must be a good auth frame.
        if (frame_type(root.get()) && std::strcmp(frame_type(root.get()), "auth") == 0)
            handle_auth_frame(root.get());
        else
            fail_auth();
        return;
    }
    if (const char *type = frame_type(root.get())) {
        if (std::strcmp(type, "ping") == 0) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(root.get(), "id");
            std::string id_json;
            if (id) {
                char *printed = cJSON_PrintUnformatted(id);
                if (printed) id_json = printed;
                cJSON_free(printed);
            }
            queue_text(pong_json(id_json));
            return;
        }
        if (std::strcmp(type, "auth") == 0) {
            handle_auth_frame(root.get());  // a repeated auth: silent when good
            return;
        }
        if (std::strcmp(type, "cancel") == 0 && request_id_of(root.get())) {
            cancel(root.get());
            return;
        }
    }
    if (!binary && request_id_of(root.get())) {
        serve(root.get());  // multiplexed: starts now
        return;
    }
    queued_bytes_ += msg.size();
    queue_.push_back(Queued{binary, std::move(root), msg.size()});
    run_queue();
}

void OpenAiWsSession::handle_auth_frame(const cJSON *root) {
    if (!state_.options.auth) {
        auth_pending_ = false;  // nothing to check: accepted silently
        return;
    }
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(root, "api_key");
    std::optional<std::string> tenant;
    if (cJSON_IsString(key)) tenant = tenant_of_key(state_.keys, key->valuestring);
    if (!tenant) {
        fail_auth();
        return;
    }
    // A good auth frame gets no reply: the docs' clients send their request
    // right after it without waiting.
    tenant_ = std::move(tenant);
    auth_pending_ = false;
    auth_timer_.reset();
}

void OpenAiWsSession::fail_auth() {
    auth_timer_.reset();
    auth_pending_ = false;
    queue_text(error_envelope(invalid_api_key_error()));
    queue_close(kClosePolicy, "invalid API key");
}

void OpenAiWsSession::cancel(const cJSON *root) {
    // Unknown or finished ids are ignored: the request may have ended while
    // the cancel was on its way.
    auto it = by_request_id_.find(*request_id_of(root));
    if (it == by_request_id_.end()) return;
    auto s = streams_.find(it->second);
    if (s == streams_.end()) return;
    s->second->abort();
    // A waiting stream sends its abort chunk now, not at its next token.
    if (s->second->timer.armed()) {
        s->second->timer.reset();
        ready_.push_back(s->second.get());
    }
    request_write();
}

void OpenAiWsSession::run_queue() {
    while (!in_order_seq_ && !queue_.empty() && !closing_) {
        Queued q = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= q.bytes;
        if (q.binary)
            send_error(invalid_param_error("", "binary frames are not supported"), std::nullopt);
        else if (!q.root)
            send_error(invalid_json_error(), std::nullopt);
        else
            serve(q.root.get());
    }
}

void OpenAiWsSession::serve(const cJSON *root) {
    if (const char *type = frame_type(root)) {  // requests have no "type"
        std::string t = type;
        send_error(t == "cancel" ? invalid_param_error("request_id", "cancel needs a request_id")
                                 : invalid_param_error("type", "unknown frame type `" + t + "`"),
                   request_id_of(root));
        return;
    }
    OpenAiRequest req;
    OpenAiError err;
    if (!validate_openai_request(root, dialect_, OpenAiTransport::WebSocket, state_.options, &req, &err)) {
        if (err.param && err.param->empty()) err.param.reset();
        send_error(err, request_id_of(root));
        return;
    }
    if (req.request_id && by_request_id_.count(*req.request_id)) {
        send_error(invalid_param_error("request_id", "request_id `" + *req.request_id + "` is already in use"),
                   req.request_id);
        return;
    }
    if (tenant_) {
        RateDecision d = state_.limiter.check(*tenant_, monotonic_ns());
        if (!d.allowed) {
            send_error(rate_limit_error(d), req.request_id);
            return;
        }
    }
    StreamShape shape;
    shape.usage_on_final = dialect_ == OpenAiDialect::Chat;  // as in the section 10 vectors
    uint64_t seq = next_seq_++;
    std::unique_ptr<UpstreamFeed> feed;
    if (state_.upstreams) feed = state_.upstreams->generate(upstream_ask_of(req, "openai-ws"));
    auto stream = std::make_unique<OpenAiStream>(req, state_.options, shape, monotonic_ns(), std::move(feed));
    stream->seq = seq;
    ready_.push_back(stream.get());
    streams_.emplace(seq, std::move(stream));
    ++state_.stats.active_requests;
    if (req.request_id)
        by_request_id_.emplace(*req.request_id, seq);
    else
        in_order_seq_ = seq;
    request_write();
}

void OpenAiWsSession::finish(OpenAiStream &s) {
    uint64_t seq = s.seq;
    ready_.remove(&s);
    if (s.request_id()) by_request_id_.erase(*s.request_id());
    streams_.erase(seq);  // destroys s
    --state_.stats.active_requests;
    if (seq == in_order_seq_) {
        in_order_seq_ = 0;
        run_queue();  // the next in-order frame, after this request's last frame
    }
}

// The stream's own timer: it is cancelled when the stream is destroyed, so
// the stream is alive here.
void OpenAiWsSession::on_due(OpenAiStream &s) {
    s.timer.release();
    ready_.push_back(&s);
    request_write();
}

void OpenAiWsSession::update_rx_pause() {
    size_t backlog = queue_.size() + control_.size();
    bool flooded = rx_paused_ ? (backlog > kMaxBacklog / 2 || queued_bytes_ > kMaxQueuedBytes / 2)
                              : (backlog > kMaxBacklog || queued_bytes_ > kMaxQueuedBytes);
    if (flooded == rx_paused_) return;
    rx_paused_ = flooded;
    lws_rx_flow_control(wsi_, flooded ? 0 : 1);
}

int OpenAiWsSession::execute_close() {
    if (pending_ == Pending::Close) return close_with(wsi_, close_code_, close_reason_);
    return -1;  // Kill: no reason set, so lws drops TCP without a close frame
}

int OpenAiWsSession::on_writable() {
    if (shutting_down_ && pending_ == Pending::None) {
        pending_ = Pending::Close;
        close_code_ = LWS_CLOSE_STATUS_GOINGAWAY;
        close_reason_ = "server shutting down";
    }
    if (pending_ != Pending::None) {
        if (lws_partial_buffered(wsi_)) {
            request_write();
            return 0;
        }
        return execute_close();
    }
    batch_.reset();
    uint64_t now = monotonic_ns();
    while (batch_.size() < kBatchTarget && pending_ == Pending::None) {
        if (!control_.empty()) {
            OutItem item = std::move(control_.front());
            control_.pop_front();
            if (item.close) {
                pending_ = Pending::Close;
                close_code_ = item.code;
                close_reason_ = std::move(item.text);
            } else {
                batch_.add(kOpText, item.text);
            }
            continue;
        }
        OpenAiStream *next = ready_.pop_front();
        if (!next) break;
        OpenAiStream &s = *next;
        switch (s.step(now, payload_)) {
            case StreamStep::Payload:
                batch_.add(kOpText, payload_);
                ready_.push_back(&s);  // round robin
                break;
            case StreamStep::Binary:
                batch_.add(kOpBinary, payload_);
                ready_.push_back(&s);
                break;
            case StreamStep::Failed:
                batch_.add(kOpText, payload_);
                finish(s);
                break;
            case StreamStep::Wait:
                s.timer = TimerHandle(&state_.timers, state_.timers.schedule_at(s.wake_at(), [this, &s] { on_due(s); }));
                break;
            case StreamStep::Done:
                finish(s);
                break;
            case StreamStep::Drop:
                pending_ = Pending::Kill;
                break;
            case StreamStep::Close:
                pending_ = Pending::Close;
                close_code_ = s.close_code();
                close_reason_ = s.close_reason();
                break;
        }
    }
    if (!batch_.empty() && lws_write(wsi_, batch_.data(), batch_.size(), LWS_WRITE_RAW) < 0) return -1;
    if (pending_ != Pending::None) {
        if (lws_partial_buffered(wsi_)) {
            request_write();
            return 0;
        }
        return execute_close();
    }
    update_rx_pause();
    if (!control_.empty() || !ready_.empty()) request_write();
    return 0;
}

}  // namespace realm::server
