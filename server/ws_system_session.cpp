#include "ws_system_session.h"

#include <cstring>
#include <exception>

#include "protocol/realm_wire.h"
#include "ws_system_crypto.h"
#include "ws_system_frames.h"

namespace realm::server {
namespace {

constexpr size_t kBatchTarget = 64 * 1024;
// Upstream's `ws` library takes messages up to 100 MiB.
constexpr uint64_t kDefaultMaxMessage = 100ULL << 20;
// A client that sends far faster than it reads stops being read beyond
// this many queued frames, and is read again below half of it.
constexpr size_t kMaxBacklog = 20000;
constexpr uint64_t kChallengeLifetimeNs = 600ULL * 1000000000ULL;  // 10 minutes
constexpr uint16_t kCloseInternal = 1011;

uint64_t monotonic_ms() { return monotonic_ns() / 1000000ULL; }

// Roughly V8's JSON.parse messages (upstream sends "Server error: " + the
// parser's message); clients only rely on the code and the prefix.
std::string json_parse_error(const std::string &text, size_t pos) {
    if (pos >= text.size()) return "Unexpected end of JSON input";
    std::string token(1, text[pos]);
    std::string shown = text.size() <= 32 ? text : "..." + text.substr(pos > 10 ? pos - 10 : 0, 20) + "...";
    return "Unexpected token '" + token + "', \"" + shown + "\" is not valid JSON";
}

// `${message.type}` for the "Unsupported message type" text.
std::string js_string_of(const cJSON *v) {
    if (!v) return "undefined";
    if (cJSON_IsString(v)) return v->valuestring;
    if (cJSON_IsObject(v)) return "[object Object]";
    if (cJSON_IsArray(v)) {
        std::string out;  // Array.prototype.join(","): null items are empty
        const cJSON *item = nullptr;
        cJSON_ArrayForEach(item, v) {
            if (item != v->child) out += ',';
            if (!cJSON_IsNull(item)) out += js_string_of(item);
        }
        return out;
    }
    return json_text(v);  // numbers, booleans, null
}

const char *type_of(const cJSON *msg) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(msg, "type");
    return cJSON_IsString(t) ? t->valuestring : nullptr;
}

bool is_type(const cJSON *msg, const char *type) {
    const char *t = type_of(msg);
    return t && std::strcmp(t, type) == 0;
}

// A string member as upstream interpolates it into the limiter key.
std::string member_string(const cJSON *v) { return cJSON_IsString(v) ? v->valuestring : js_string_of(v); }

}  // namespace

WsSystemSession::WsSystemSession(ServerState &state, lws *wsi, std::string ip, std::string fixed_challenge)
    : state_(state), shared_(state.ws_system), wsi_(wsi), ip_(std::move(ip)), challenge_(std::move(fixed_challenge)) {
    ++state_.stats.connections;
}

WsSystemSession::~WsSystemSession() {
    // Closing aborts every running generation; nothing is sent for them.
    for (auto &g : generations_) {
        auto it = shared_.generations.find(g.second->id_json());
        if (it != shared_.generations.end() && it->second.session == this) shared_.generations.erase(it);
    }
    state_.stats.active_requests -= generations_.size();
    --state_.stats.connections;
}

int WsSystemSession::on_established() {
    if (challenge_.empty()) challenge_ = random_challenge_hex();
    if (challenge_.empty()) return close_with(wsi_, kCloseInternal, "no random challenge");
    challenge_ns_ = monotonic_ns();
    queue_text(ws_system::challenge(challenge_));
    uint64_t ms = state_.options.ws_auth_timeout_ms();
    auth_timer_ = TimerHandle(&state_.timers, state_.timers.schedule_at(monotonic_ns() + ms * 1000000ULL, [this] {
        auth_timer_.release();
        on_auth_timeout();
    }));
    return 0;
}

void WsSystemSession::begin_shutdown() {
    shutting_down_ = true;
    request_write();
}

void WsSystemSession::on_auth_timeout() {
    if (authenticated_ || closing_) return;
    queue_text(ws_system::connection_error("Authentication timeout", "auth_timeout"));
    queue_close(OutItem::Kind::CloseNoStatus);
}

void WsSystemSession::queue_text(std::string frame) {
    out_.push_back(OutItem{OutItem::Kind::Text, std::move(frame)});
    request_write();
}

void WsSystemSession::queue_close(OutItem::Kind kind) {
    closing_ = true;
    out_.push_back(OutItem{kind, {}});
    request_write();
}

int WsSystemSession::on_receive(const void *in, size_t len) {
    uint64_t cap = state_.options.max_message_size_set ? state_.options.max_message_size : kDefaultMaxMessage;
    switch (rx_.add(wsi_, in, len, cap)) {
        case WsMessage::Result::Partial:
            return 0;
        case WsMessage::Result::TooBig:
            return close_with(wsi_, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "Max payload size exceeded");
        case WsMessage::Result::Complete:
            break;
    }
    std::string msg = rx_.take();
    // The `ws` library checks text frames (1007); binary payloads are
    // parsed as UTF-8 text by upstream all the same.
    if (!rx_.binary() && !wire::is_valid_utf8(msg))
        return close_with(wsi_, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "Invalid UTF-8 sequence");
    if (closing_) return 0;
    try {
        handle_text(msg);
    } catch (const std::exception &) {
        return close_with(wsi_, kCloseInternal, "internal error");
    }
    update_rx_pause();
    return 0;
}

void WsSystemSession::handle_text(const std::string &text) {
    const char *end = nullptr;
    JsonPtr root(cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, 0));
    size_t pos = end ? static_cast<size_t>(end - text.data()) : 0;
    if (!root) {
        queue_text(ws_system::connection_error("Server error: " + json_parse_error(text, pos), "server_error"));
        return;
    }
    while (pos < text.size() && std::strchr(" \t\r\n", text[pos])) ++pos;
    if (pos < text.size()) {
        queue_text(ws_system::connection_error(
            "Server error: Unexpected non-whitespace character after JSON at position " + std::to_string(pos),
            "server_error"));
        return;
    }
    if (cJSON_IsNull(root.get())) {
        // `message.type` on null throws inside upstream's handler.
        queue_text(ws_system::connection_error("Server error: Cannot read properties of null (reading 'type')",
                                               "server_error"));
        return;
    }
    if (authenticated_ && is_type(root.get(), "batch")) {
        start_batch(std::move(root));
        return;
    }
    dispatch(root.get());
}

uint64_t WsSystemSession::dispatch(const cJSON *msg) {
    const char *type = cJSON_IsObject(msg) ? type_of(msg) : nullptr;
    if (type && std::strcmp(type, "authenticate") == 0) {
        authenticate(msg);
        return 0;
    }
    if (!authenticated_) {
        queue_text(ws_system::connection_error("Not authenticated", "unauthorized"));
        return 0;
    }
    std::string t = type ? type : "";
    if (t == "generate") return generate(msg);
    if (t == "stop") {
        stop(msg);
    } else if (t == "models") {
        queue_text(ws_system::models_result(json_text(cJSON_GetObjectItemCaseSensitive(msg, "id")),
                                            shared_.models_json));
    } else if (t == "ping") {
        queue_text(ws_system::pong(json_text(cJSON_GetObjectItemCaseSensitive(msg, "id"))));
    } else {
        const cJSON *tv = cJSON_IsObject(msg) ? cJSON_GetObjectItemCaseSensitive(msg, "type") : nullptr;
        queue_text(ws_system::connection_error("Unsupported message type: " + js_string_of(tv), nullptr));
    }
    return 0;
}

void WsSystemSession::auth_failed(const std::string &error, const char *extra_name, uint64_t extra) {
    queue_text(ws_system::auth_failed(error, extra_name, extra));
}

// ws-system.md 3.3, in this exact order.
void WsSystemSession::authenticate(const cJSON *msg) {
    const cJSON *client_id = cJSON_GetObjectItemCaseSensitive(msg, "clientId");
    const cJSON *signature = cJSON_GetObjectItemCaseSensitive(msg, "signature");
    if (!json_truthy(client_id) || !json_truthy(signature)) {
        auth_failed("Invalid authentication data");  // the challenge is kept
        return;
    }
    std::string id = member_string(client_id);
    std::string key = ip_ + ":" + id;
    uint64_t now_ms = monotonic_ms();
    if (uint64_t wait_s = shared_.limiter.blocked_for_s(key, now_ms)) {
        auth_failed("Too many authentication attempts. Please try again in " + std::to_string(wait_s) + " seconds.",
                    "retryAfter", wait_s);
        return;
    }
    if (challenge_.empty() || monotonic_ns() - challenge_ns_ > kChallengeLifetimeNs) {
        challenge_.clear();
        auth_failed("Challenge expired or invalid");
        return;
    }
    std::string challenge;
    challenge.swap(challenge_);  // consumed before the check: one try per connection
    const WsClient *client = shared_.clients.find(id);
    std::string sig = base64_decode_lenient(member_string(signature));
    if (client && verify_signature(client->key.get(), client->algorithm, challenge, sig)) {
        // (Step 6's "revoked meanwhile" cannot happen: the registry is
        // loaded once and never shrinks.)
        authenticated_ = true;
        auth_timer_.reset();
        shared_.limiter.record_success(key);
        shared_.clients.record_login(id, ip_);
        queue_text(ws_system::auth_ok());
        return;
    }
    AuthFailureLimiter::Failure f = shared_.limiter.record_failure(key, now_ms);
    if (f.retry_after_s) {
        auth_failed("Too many authentication attempts. Please try again in " + std::to_string(f.retry_after_s) +
                        " seconds.",
                    "retryAfter", f.retry_after_s);
    } else {
        auth_failed("Invalid signature", "remainingAttempts", f.remaining_attempts);
    }
}

uint64_t WsSystemSession::generate(const cJSON *msg) {
    WsGenerateRequest req;
    if (!parse_generate(msg, state_.options, shared_, &req)) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
        queue_text(ws_system::request_error(id ? json_text(id) : "", "Missing required fields"));
        return 0;
    }
    uint64_t seq = next_seq_++;
    queue_text(ws_system::stream_start(req.id_json, req.model_json));
    // Registered now, while the frame is handled, so that a stop right
    // behind it finds the generation (section 6.5). A running generation
    // with the same id loses its entry, as in upstream's Map.
    shared_.generations[req.id_json] = WsGenerationOwner{this, seq};
    uint64_t now = monotonic_ns();
    auto &g = generations_[seq] = std::make_unique<WsGeneration>(std::move(req), state_.options, now);
    if (state_.upstreams && !g->failed()) g->attach(state_.upstreams->generate(g->upstream_ask()));
    ++state_.stats.active_requests;
    // The first step runs on the next loop pass: a generation never ends
    // inside the call that started it (the batch runner relies on it).
    g->timer = TimerHandle(&state_.timers, state_.timers.schedule_at(now, [this, seq] { on_generation_due(seq); }));
    return seq;
}

void WsSystemSession::on_generation_due(uint64_t seq) {
    auto it = generations_.find(seq);
    if (it == generations_.end()) return;
    WsGeneration &g = *it->second;
    g.timer.release();
    if (closing_) return;
    std::string frame;
    uint64_t now = monotonic_ns();
    for (;;) {
        switch (g.step(now, &frame)) {
            case WsGeneration::Step::Token:
                queue_text(std::move(frame));
                continue;
            case WsGeneration::Step::Wait:
                g.timer = TimerHandle(&state_.timers,
                                      state_.timers.schedule_at(g.wake_at(), [this, seq] { on_generation_due(seq); }));
                return;
            case WsGeneration::Step::End:
                queue_text(std::move(frame));
                finish_generation(seq);
                return;
            case WsGeneration::Step::Drop:
                queue_close(OutItem::Kind::Drop);
                return;
        }
    }
}

void WsSystemSession::finish_generation(uint64_t seq) {
    auto it = generations_.find(seq);
    if (it == generations_.end()) return;
    auto owner = shared_.generations.find(it->second->id_json());
    if (owner != shared_.generations.end() && owner->second.session == this && owner->second.seq == seq)
        shared_.generations.erase(owner);
    generations_.erase(it);
    --state_.stats.active_requests;
    for (auto &b : batches_) {
        if (b.second.waiting == seq) {
            b.second.waiting = 0;
            run_batch(b.first);  // its next item, after this generation's terminal frame
            break;
        }
    }
}

void WsSystemSession::stop(const cJSON *msg) {
    std::string id_json = json_text(cJSON_GetObjectItemCaseSensitive(msg, "id"));
    const cJSON *request_id = cJSON_GetObjectItemCaseSensitive(msg, "requestId");
    if (!json_truthy(request_id)) {
        queue_text(ws_system::request_error(id_json, "Missing requestId"));
        return;
    }
    std::string key = json_text(request_id);
    auto owner = shared_.generations.find(key);
    if (owner == shared_.generations.end()) {
        queue_text(ws_system::request_error(id_json, "No active generation with that ID"));
        return;
    }
    if (owner->second.session != this) {
        queue_text(ws_system::request_error(id_json, "Not authorized to stop this generation"));
        return;
    }
    uint64_t seq = owner->second.seq;
    auto it = generations_.find(seq);
    if (it == generations_.end()) return;  // cannot happen: entries leave with their generation
    queue_text(ws_system::ack_stop(id_json, key));
    queue_text(it->second->cancelled_frame());  // always after the ack (section 4.2)
    finish_generation(seq);
}

void WsSystemSession::start_batch(JsonPtr root) {
    const cJSON *messages = cJSON_GetObjectItemCaseSensitive(root.get(), "messages");
    if (!cJSON_IsArray(messages)) return;  // silently ignored, as upstream
    uint64_t id = next_batch_++;
    BatchRun &b = batches_[id];
    b.next.push_back(messages->child);
    b.root = std::move(root);
    run_batch(id);
}

void WsSystemSession::run_batch(uint64_t batch_id) {
    for (;;) {
        auto it = batches_.find(batch_id);
        if (it == batches_.end() || closing_) return;
        BatchRun &b = it->second;
        if (b.waiting) return;
        if (b.next.empty()) {
            batches_.erase(it);  // done: no batch-level reply
            return;
        }
        const cJSON *item = b.next.back();
        if (!item) {
            b.next.pop_back();  // end of a (nested) messages array
            continue;
        }
        b.next.back() = item->next;
        if (cJSON_IsObject(item) && is_type(item, "batch")) {
            const cJSON *nested = cJSON_GetObjectItemCaseSensitive(item, "messages");
            if (cJSON_IsArray(nested)) b.next.push_back(nested->child);
            continue;
        }
        if (cJSON_IsNull(item)) {
            queue_text(ws_system::connection_error("Server error: Cannot read properties of null (reading 'type')",
                                                   "server_error"));
            continue;
        }
        // dispatch() may finish generations and so resume other batches,
        // which may add to batches_: look this one up again next turn.
        uint64_t seq = dispatch(item);
        if (seq) {
            auto again = batches_.find(batch_id);
            if (again != batches_.end()) again->second.waiting = seq;
            return;
        }
    }
}

void WsSystemSession::update_rx_pause() {
    bool flooded = rx_paused_ ? out_.size() > kMaxBacklog / 2 : out_.size() > kMaxBacklog;
    if (flooded == rx_paused_) return;
    rx_paused_ = flooded;
    lws_rx_flow_control(wsi_, flooded ? 0 : 1);
}

int WsSystemSession::on_writable() {
    if (shutting_down_ && pending_ == Pending::None) pending_ = Pending::Shutdown;
    if (pending_ != Pending::None) {
        if (lws_partial_buffered(wsi_)) {
            request_write();
            return 0;
        }
        if (pending_ == Pending::Shutdown) return close_with(wsi_, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
        // Kill: no close reason set, so lws drops the TCP connection
        // without a close frame of its own.
        return -1;
    }
    batch_.reset();
    while (batch_.size() < kBatchTarget && !out_.empty() && pending_ == Pending::None) {
        OutItem item = std::move(out_.front());
        out_.pop_front();
        switch (item.kind) {
            case OutItem::Kind::Text:
                batch_.add(kOpText, item.text);
                break;
            case OutItem::Kind::CloseNoStatus:
                // Upstream's ws.close() without a code: an empty close frame
                // (peers report 1005), then the connection goes.
                batch_.add(kOpClose, {});
                pending_ = Pending::Kill;
                break;
            case OutItem::Kind::Drop:
                pending_ = Pending::Kill;
                break;
        }
    }
    if (!batch_.empty() && lws_write(wsi_, batch_.data(), batch_.size(), LWS_WRITE_RAW) < 0) return -1;
    if (pending_ != Pending::None) {
        if (lws_partial_buffered(wsi_)) {
            request_write();
            return 0;
        }
        return -1;
    }
    if (rx_paused_) update_rx_pause();
    if (!out_.empty()) request_write();
    return 0;
}

}  // namespace realm::server
