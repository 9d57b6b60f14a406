#include "tekton_ws_session.h"

#include <exception>

#include "protocol/realm_wire.h"
#include "tekton_request.h"

namespace realm::server {
namespace {

// One lws_write per batch of frames, as in the other sessions.
constexpr size_t kBatchTarget = 64 * 1024;
// A client that sends far faster than it reads is not read beyond this
// many queued replies and running requests, and is read again below half.
constexpr size_t kMaxBacklog = 20000;

constexpr uint16_t kClosePolicy = 1008;
constexpr uint16_t kCloseInternal = 1011;

constexpr const char *kRegisterAck = R"({"type":"REGISTER_ACK","status":"registered"})";
constexpr const char *kPing = R"({"type":"PING"})";

bool is_request_type(const std::string &t) {
    return t == "GENERATE" || t == "STREAM" || t == "CHAT" || t == "CHAT_STREAM";
}

// A TektonStream payload (a JSON object) as a frame of `type` for `request_id`.
std::string framed(const char *type, const std::string &request_id, const std::string &payload) {
    std::string out = "{\"type\":\"";
    out += type;
    out += "\",\"request_id\":";
    wire::append_json_string(out, request_id);
    out += ',';
    out.append(payload, 1, std::string::npos);
    return out;
}

}  // namespace

bool is_tekton_ws_path(const std::string &path) { return path == "/ws"; }

TektonWsSession::TektonWsSession(ServerState &state, lws *wsi, std::optional<std::string> tenant)
    : state_(state), wsi_(wsi), tenant_(std::move(tenant)) {
    ++state_.stats.connections;
}

TektonWsSession::~TektonWsSession() {
    // Closing the socket stops every generation: the streams just go away.
    state_.stats.active_requests -= streams_.size();
    --state_.stats.connections;
}

int TektonWsSession::on_established() { return 0; }

void TektonWsSession::begin_shutdown() {
    shutting_down_ = true;
    lws_callback_on_writable(wsi_);
}

void TektonWsSession::queue_text(std::string payload) {
    control_.push_back(std::move(payload));
    lws_callback_on_writable(wsi_);
}

void TektonWsSession::send_error(const std::string &request_id, const std::string &error) {
    std::string out = R"({"type":"ERROR","request_id":)";
    wire::append_json_string(out, request_id);
    out += R"(,"error":)";
    wire::append_json_string(out, error);
    out += '}';
    queue_text(std::move(out));
}

int TektonWsSession::on_receive(const void *in, size_t len) {
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
        handle(rx_.binary() ? std::string() : msg);
    } catch (const std::exception &) {
        return close_with(wsi_, kCloseInternal, "internal error");  // out of memory and the like
    }
    if (!rx_paused_ && control_.size() + streams_.size() > kMaxBacklog) {
        rx_paused_ = true;
        lws_rx_flow_control(wsi_, 0);
    }
    return 0;
}

void TektonWsSession::handle(const std::string &msg) {
    JsonPtr root = parse_json(msg);
    if (!root || !cJSON_IsObject(root.get())) {
        send_error("", "Invalid JSON");
        return;
    }
    const cJSON *type_member = cJSON_GetObjectItemCaseSensitive(root.get(), "type");
    std::string request_id = request_id_of(root.get()).value_or("");
    if (!cJSON_IsString(type_member)) {
        send_error(request_id, "Missing message type");
        return;
    }
    std::string type = type_member->valuestring;
    if (type == "REGISTER") {
        queue_text(kRegisterAck);
        if (!registered_ && state_.options.tekton_ping_ms) {
            uint64_t due = monotonic_ns() + state_.options.tekton_ping_ms * 1000000ULL;
            ping_timer_ = TimerHandle(&state_.timers, state_.timers.schedule_at(due, [this] { ping_tick(); }));
        }
        registered_ = true;
        return;
    }
    if (!registered_) {
        send_error(request_id, "Not registered");
        return;
    }
    if (type == "PONG") {
        ping_unanswered_ = false;
    } else if (type == "CANCEL") {
        cancel(request_id);
    } else if (is_request_type(type)) {
        start(root.get(), type, request_id);
    } else {
        send_error(request_id, "Unknown message type: " + type);
    }
}

void TektonWsSession::start(const cJSON *root, const std::string &type, const std::string &request_id) {
    if (request_id.empty()) {
        send_error("", type + " needs a request_id");
        return;
    }
    if (streams_.count(request_id)) {
        send_error(request_id, "request_id " + request_id + " is already in use");
        return;
    }
    const ServerOptions &o = state_.options;
    bool prompt = type == "GENERATE" || type == "STREAM";
    TektonChat chat;
    std::string problem =
        read_tekton_chat(o, root, prompt ? TektonText::Prompt : TektonText::Messages, true, &chat);
    if (!problem.empty()) {
        send_error(request_id, problem);
        return;
    }
    if (tenant_ && !state_.limiter.check(*tenant_, monotonic_ns()).allowed) {
        send_error(request_id, "Rate limit exceeded");
        return;
    }
    bool stream = type == "STREAM" || type == "CHAT_STREAM";
    std::string common = tekton_common_members(chat);
    std::unique_ptr<TektonStream> s;
    if (state_.upstreams)
        s = std::make_unique<TektonStream>(state_.upstreams->generate(tekton_upstream_ask(chat, "tekton-ws")), stream,
                                           std::move(common), chat.req.prompt_tokens);
    else
        s = std::make_unique<TektonStream>(chat.req, o.max_tokens, o.effective_token_delay_ms() * 1000000ULL,
                                           monotonic_ns(), stream, std::move(common));
    streams_.emplace(request_id, std::move(s));
    ++state_.stats.active_requests;
    ready_.push_back(request_id);
    lws_callback_on_writable(wsi_);
}

void TektonWsSession::cancel(const std::string &request_id) {
    // tekton.md 3.4: unknown or finished ids are ignored silently; a known
    // one stops generating (its upstream request too) and sends nothing more.
    if (streams_.erase(request_id) == 0) return;
    --state_.stats.active_requests;
    ++state_.stats.cancelled_total;
}

void TektonWsSession::finish(const std::string &request_id) {
    if (streams_.erase(request_id)) --state_.stats.active_requests;
}

void TektonWsSession::ping_tick() {
    ping_timer_.release();
    if (ping_unanswered_) {
        close_pending_ = true;
        lws_callback_on_writable(wsi_);
        return;
    }
    ping_unanswered_ = true;
    queue_text(kPing);
    uint64_t due = monotonic_ns() + state_.options.tekton_ping_ms * 1000000ULL;
    ping_timer_ = TimerHandle(&state_.timers, state_.timers.schedule_at(due, [this] { ping_tick(); }));
}

int TektonWsSession::on_writable() {
    if (shutting_down_) return close_with(wsi_, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
    if (close_pending_) return close_with(wsi_, kClosePolicy, "no PONG");
    batch_.reset();
    while (batch_.size() < kBatchTarget) {
        if (!control_.empty()) {
            batch_.add(kOpText, control_.front());
            control_.pop_front();
            continue;
        }
        if (ready_.empty()) break;
        std::string id = std::move(ready_.front());
        ready_.pop_front();
        auto it = streams_.find(id);
        if (it == streams_.end()) continue;  // cancelled or finished meanwhile
        TektonStream &s = *it->second;
        switch (s.step(payload_)) {
            case TektonStream::Step::Event:
                if (payload_ != "[DONE]") batch_.add(kOpText, framed("CHUNK", id, payload_));  // [DONE] is SSE's
                ready_.push_back(std::move(id));  // round robin
                break;
            case TektonStream::Step::Body:
                batch_.add(kOpText, framed("RESPONSE", id, payload_));
                finish(id);
                break;
            case TektonStream::Step::Failed:
                batch_.add(kOpText, framed("ERROR", id, payload_));
                finish(id);
                break;
            case TektonStream::Step::Wait:
                s.timer = TimerHandle(&state_.timers, state_.timers.schedule_at(s.wake_at(), [this, id] {
                    auto due = streams_.find(id);
                    if (due == streams_.end()) return;
                    due->second->timer.release();
                    ready_.push_back(id);
                    lws_callback_on_writable(wsi_);
                }));
                break;
            case TektonStream::Step::Done:
                finish(id);
                break;
        }
    }
    if (!batch_.empty() && lws_write(wsi_, batch_.data(), batch_.size(), LWS_WRITE_RAW) < 0) return -1;
    if (rx_paused_ && control_.size() + streams_.size() <= kMaxBacklog / 2) {
        rx_paused_ = false;
        lws_rx_flow_control(wsi_, 1);
    }
    if (!control_.empty() || !ready_.empty()) lws_callback_on_writable(wsi_);
    return 0;
}

}  // namespace realm::server
