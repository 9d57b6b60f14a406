#include "core/link.h"

#include <ctime>

#include "core/log.h"
#include "protocol/http_response.h"
#include "protocol/realm_wire.h"
#include "transport/event_loop.h"

namespace realm::core {
namespace {
// How long a failed handshake waits for the server's announced close.
constexpr uint32_t kFailingCloseWaitMs = 1000;
}  // namespace

Link::Link(const LinkEnv &env, LinkOwner &owner)
    : env_(env), owner_(owner), connect_timer_(env.loop), step_timer_(env.loop), ping_timer_(env.loop) {}

Link::~Link() {
    if (conn_) conn_->detach();
}

void Link::open() {
    const Options &o = env_.opts;
    transport::ConnectSpec spec;
    spec.host = env_.server->host;
    spec.port = env_.server->port;
    spec.path = env_.server->path;
    spec.tls = env_.server->tls;
    spec.ca_file = o.tls_ca_file;
    spec.tls_insecure = o.tls_insecure;
    spec.max_message_size = o.max_message_size;
    spec.headers = env_.dialect.request_headers();
    handshake_ = env_.dialect.new_handshake();
    phase_ = Phase::Opening;

    std::string why;
    conn_ = env_.connector.open_websocket(spec, this, &why);
    if (!conn_) {
        fail(make_error(env_.connector.last_open_at_capacity() ? REALM_ERR_TOO_MANY_CONNECTIONS
                                                               : REALM_ERR_CONNECT_FAILED,
                        why),
             true);
        return;
    }
    connect_timer_.schedule_ms(o.connect_timeout_ms, [this] {
        Error e = make_error(REALM_ERR_TIMEOUT, "connecting to the server timed out after " +
                                                    std::to_string(env_.opts.connect_timeout_ms) + " ms");
        if (const char *code = env_.dialect.capabilities().code_connect_timeout) e.code = code;
        fail(e, true);
    });
}

void Link::send(std::string frame) {
    if (conn_) conn_->send_text(std::move(frame));
}

void Link::send_payload(const std::string &payload) {
    std::string frame = transport::make_frame_buffer(payload.size());
    frame += payload;
    conn_->send_text(std::move(frame));
}

void Link::close(int code, std::string_view reason) {
    connect_timer_.cancel();
    step_timer_.cancel();
    ping_timer_.cancel();
    phase_ = Phase::Closed;
    if (conn_) {
        conn_->close(code, reason);
        conn_->detach();
        conn_ = nullptr;
    }
}

// Ends the attempt: the owner may destroy this link during the call.
void Link::fail(const Error &err, bool retryable) {
    connect_timer_.cancel();
    step_timer_.cancel();
    ping_timer_.cancel();
    phase_ = Phase::Closed;
    if (conn_) {
        conn_->detach();
        conn_ = nullptr;
    }
    owner_.on_link_failed(*this, err, retryable);
}

void Link::lost(const Error &err, int close_code, const std::string &reason) {
    ping_timer_.cancel();
    phase_ = Phase::Closed;
    if (conn_) {
        conn_->detach();
        conn_ = nullptr;
    }
    owner_.on_link_lost(*this, err, close_code, reason);
}

void Link::apply(protocol::HandshakeStep step) {
    using Kind = protocol::HandshakeStep::Kind;
    step_timer_.cancel();
    if (step.kind == Kind::Fail) {
        Error e = make_error(step.status, step.message);
        if (!step.code.empty()) e.code = step.code;
        e.retry_after_ms = step.retry_after_ms;
        if (step.server_closes && conn_) {
            // Wait briefly for the server's close so that the error carries
            // its close code, as a close during the handshake does.
            phase_ = Phase::Failing;
            failing_ = e;
            connect_timer_.schedule_ms(kFailingCloseWaitMs, [this] { fail(failing_, false); });
            return;
        }
        fail(e, step.retryable);
        return;
    }
    if (!step.send.empty()) send_payload(step.send);
    if (step.kind == Kind::Wait) {
        if (step.timeout_ms) {
            Error e = make_error(step.timeout_status, step.timeout_message);
            if (!step.timeout_code.empty()) e.code = step.timeout_code;
            step_timer_.schedule_ms(step.timeout_ms, [this, e] { fail(e, true); });
        }
        return;
    }
    connect_timer_.cancel();
    phase_ = Phase::Ready;
    session_ = handshake_->session();
    handshake_.reset();
    last_rx_us_ = transport::monotonic_us();
    ping_sent_us_ = 0;
    if (env_.opts.ping_interval_ms && env_.dialect.capabilities().keepalive != protocol::Keepalive::None)
        ping_timer_.schedule_ms(env_.opts.ping_interval_ms, [this] { keepalive_tick(); });
    owner_.on_link_ready(*this);
}

void Link::keepalive_tick() {
    if (phase_ != Phase::Ready || !conn_) return;
    int64_t interval_us = int64_t(env_.opts.ping_interval_ms) * 1000;
    int64_t now = transport::monotonic_us();
    bool ping_unanswered = ping_sent_us_ > 0 && last_rx_us_ < ping_sent_us_;
    if (ping_unanswered) {
        // A server without "interleave" answers pings only between requests,
        // so a late pong while it serves one is not a dead connection
        // (realm.md 2.1); request timeouts cover that case.
        if (now - ping_sent_us_ >= interval_us && (session_.interleave || !owner_.link_busy(*this))) {
            Error e = make_error(REALM_ERR_CONNECTION_LOST, "no pong or data from the server for " +
                                                                std::to_string((now - last_rx_us_) / 1000) + " ms");
            if (const char *code = env_.dialect.capabilities().code_connection_lost) e.code = code;
            lost(e, 1006, "keepalive timeout");
            return;
        }
    } else if (now - last_rx_us_ >= interval_us / 2) {
        // Quiet for a while: ask for a sign of life. Any frame or the pong
        // answers it.
        if (env_.dialect.capabilities().keepalive == protocol::Keepalive::JsonPing) {
            std::string ping;
            env_.dialect.encode_ping(ping);
            send_payload(ping);
        } else {
            conn_->send_ping();
        }
        ping_sent_us_ = now;
        if (log_on(REALM_LOG_DEBUG)) log(REALM_LOG_DEBUG, "keepalive: ping sent");
    }
    ping_timer_.schedule_ms(env_.opts.ping_interval_ms, [this] { keepalive_tick(); });
}

// ---------------------------------------------------------------- transport callbacks

void Link::on_open() {
    phase_ = Phase::Handshake;
    apply(handshake_->on_open());
}

void Link::on_pong() {
    last_rx_us_ = transport::monotonic_us();
    if (log_on(REALM_LOG_DEBUG)) log(REALM_LOG_DEBUG, "keepalive: pong received");
}

void Link::on_message(std::string_view payload, bool binary) {
    if (env_.opts.ping_interval_ms) last_rx_us_ = transport::monotonic_us();
    env_.loop.busy_poll_for(env_.opts.busy_poll_us);  // more frames usually follow
    bool text_ok = !binary && wire::is_valid_utf8(payload);
    if (phase_ == Phase::Handshake) {
        if (!text_ok) {
            fail(make_error(REALM_ERR_PROTOCOL, "server sent a non-text frame during the handshake"), false);
            return;
        }
        apply(handshake_->on_message(payload));
        return;
    }
    if (phase_ != Phase::Ready) return;
    if (binary) owner_.on_link_bad_message(*this, "server sent a binary frame");
    else if (!text_ok) owner_.on_link_bad_message(*this, "server sent a text frame that is not valid UTF-8");
    else owner_.on_link_message(*this, payload);
}

void Link::on_closed(const transport::CloseInfo &info) {
    conn_ = nullptr;
    if (phase_ == Phase::Failing) {
        Error e = failing_;
        e.close_code = info.close_code;
        fail(e, false);
        return;
    }
    if (phase_ != Phase::Ready) {
        if (phase_ == Phase::Closed) return;
        Error e;
        bool retryable = true;
        if (info.connect_failed && info.tls_failure) {
            e = make_error(REALM_ERR_TLS, info.reason);
            retryable = false;
        } else if (info.connect_failed) {
            e = make_error(REALM_ERR_CONNECT_FAILED, info.reason);
            e.http_status = info.http_status;
            if (info.http_status == 401 || info.http_status == 403) {
                e = make_error(REALM_ERR_UNAUTHORIZED, info.reason);
                retryable = false;
            } else if (info.http_status == 429) {
                e = make_error(REALM_ERR_RATE_LIMITED, info.reason);
            }
            e.http_status = info.http_status;
            if (!info.retry_after.empty())
                e.retry_after_ms = protocol::parse_retry_after_ms(info.retry_after, std::time(nullptr));
        } else {
            e = make_error(REALM_ERR_CONNECT_FAILED,
                           "server closed the connection during the handshake (close code " +
                               std::to_string(info.close_code) + (info.reason.empty() ? "" : ": " + info.reason) + ")");
            e.close_code = info.close_code;
            if (info.close_code == 1008) {  // policy violation: openai-ws's bad credentials
                e.status = REALM_ERR_UNAUTHORIZED;
                e.code = error_info(REALM_ERR_UNAUTHORIZED).name;
                e.retryable = false;
                retryable = false;
            }
        }
        fail(e, retryable);
        return;
    }
    Error e;
    if (info.message_too_large) {
        e = make_error(REALM_ERR_MESSAGE_TOO_LARGE, "a message from the server exceeded the limit of " +
                                                        std::to_string(env_.opts.max_message_size) + " bytes");
    } else {
        std::string why = "connection lost (close code " + std::to_string(info.close_code);
        if (!info.reason.empty()) why += ": " + info.reason;
        why += ")";
        e = make_error(REALM_ERR_CONNECTION_LOST, why);
        if (const char *code = env_.dialect.capabilities().code_connection_lost) e.code = code;
    }
    e.close_code = info.close_code;
    lost(e, info.close_code, info.reason);
}

}  // namespace realm::core
