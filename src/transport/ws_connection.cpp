#include "ws_connection.h"

#include <libwebsockets.h>

#include <cerrno>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstring>

#include "event_loop.h"
#include "tls_verify.h"

namespace realm::transport {

const size_t kSendHeadroom = LWS_PRE;

std::string make_frame_buffer(size_t payload_hint) {
    std::string buf;
    buf.reserve(LWS_PRE + payload_hint);
    buf.assign(LWS_PRE, '\0');
    return buf;
}

namespace {
// Upper bound of frames written per WRITEABLE callback: lws 4.1 does not
// enforce one write per callback, and a bound keeps other sockets serviced.
constexpr int kMaxWritesPerCallback = 64;
}  // namespace

WsConnection *WsConnection::open(EventLoop &loop, const ConnectSpec &spec, Handler *handler,
                                 std::string *error) {
    lws_vhost *vhost = loop.vhost_for(spec.tls, spec.ca_file, error);
    if (!vhost) return nullptr;

    auto *conn = new WsConnection(loop, handler, spec.max_message_size);
    conn->tls_insecure_ = spec.tls_insecure;
    conn->headers_ = spec.headers;
    conn->host_ = spec.host;
    bool v6 = spec.host.find(':') != std::string::npos;
    conn->target_ = (v6 ? "[" + spec.host + "]" : spec.host) + ":" + std::to_string(spec.port);

    lws_client_connect_info i;
    std::memset(&i, 0, sizeof i);
    i.context = loop.context();
    i.vhost = vhost;
    i.address = spec.host.c_str();
    i.port = spec.port;
    i.path = spec.path.c_str();
    i.host = spec.host.c_str();  // Host header, SNI and certificate name check
    i.origin = nullptr;
    i.protocol = nullptr;  // no subprotocol: upstream never echoes one
    i.local_protocol_name = "realm-client";
    i.ietf_version_or_minus_one = -1;
    i.opaque_user_data = conn;
    if (spec.tls) {
        i.ssl_connection = LCCSCF_USE_SSL;
        if (spec.tls_insecure)
            i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                                LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
    }

    conn->in_open_call_ = true;
    errno = 0;
    lws *wsi = lws_client_connect_via_info(&i);
    int connect_errno = errno;
    conn->in_open_call_ = false;

    if ((conn->finished_ || !wsi) && (connect_errno == EMFILE || connect_errno == ENFILE)) {
        // The system's descriptor limit, below our own cap.
        loop.note_out_of_descriptors();
        conn->peer_close_reason_ = "could not connect to " + conn->target_ +
                                   ": no file descriptor left for a new connection (" + std::strerror(connect_errno) +
                                   "); raise `ulimit -n` or use fewer connections";
        if (!wsi && !conn->finished_) {
            if (error) *error = conn->peer_close_reason_;
            delete conn;
            return nullptr;
        }
    }
    if (conn->finished_) {
        // Failed synchronously inside connect: report it as an immediate error.
        if (error) *error = conn->peer_close_reason_.empty() ? "connection failed" : conn->peer_close_reason_;
        if (conn->destroyed_in_open_ || !wsi) {
            delete conn;
        } else {
            conn->handler_ = nullptr;  // lws will destroy the wsi and us later
        }
        return nullptr;
    }
    if (!wsi) {
        std::string target = conn->target_;
        delete conn;  // no callback ran: nothing else refers to it
        if (error) *error = "could not connect to " + target + " (host name resolution or socket failure)";
        return nullptr;
    }
    conn->wsi_ = wsi;
    return conn;
}

void WsConnection::request_write() {
    if (wsi_ && opened_) lws_callback_on_writable(wsi_);
}

void WsConnection::send_text(std::string frame) {
    // Fast path for request frames posted by callers: outside lws_service()
    // (no lws callback is running), with nothing queued or partially sent
    // ahead, write at once instead of asking for WRITEABLE, which costs a
    // poll() and a service pass per request (docs/BENCHMARKS.md). lws keeps
    // any unsent rest in its own buffer; while such a partial is pending it
    // forbids further writes, so then the frame takes the queue.
    if (opened_ && wsi_ && out_.empty() && !ping_pending_ && !close_pending_ && !rx_discarding_ &&
        !loop_.in_service() && !lws_partial_buffered(wsi_)) {
        size_t len = frame.size() - LWS_PRE;
        auto *p = reinterpret_cast<unsigned char *>(&frame[0]) + LWS_PRE;
        if (lws_write(wsi_, p, len, LWS_WRITE_TEXT) < static_cast<int>(len))
            lws_set_timeout(wsi_, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);  // broken: close it
        return;
    }
    out_.push_back(std::move(frame));
    request_write();
}

void WsConnection::send_ping() {
    ping_pending_ = true;
    request_write();
}

void WsConnection::close(int code, std::string_view reason) {
    close_pending_ = true;
    close_code_ = code;
    close_reason_.assign(reason.substr(0, 120));
    if (opened_)
        request_write();
    else if (wsi_)
        lws_set_timeout(wsi_, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void WsConnection::detach() {
    handler_ = nullptr;
    finished_ = true;
    out_.clear();
    close(1000, "");
}

void WsConnection::finish(CloseInfo info) {
    if (finished_) return;
    finished_ = true;
    if (in_open_call_) {
        peer_close_reason_ = info.reason;  // reported by open()
        return;
    }
    if (Handler *h = handler_) {
        handler_ = nullptr;
        h->on_closed(info);
    }
}

void WsConnection::on_receive(const char *in, size_t len) {
    bool first = lws_is_first_fragment(wsi_);
    bool last = lws_is_final_fragment(wsi_) && !lws_remaining_packet_payload(wsi_);
    if (first) {
        rx_binary_ = lws_frame_is_binary(wsi_);
        if (!rx_discarding_) rx_.clear();
    }
    if (rx_discarding_) return;  // closing with 1009; ignore the rest
    if (first && last) {
        // Whole message in one chunk: hand it over without copying.
        if (len > max_message_size_) {
            rx_discarding_ = true;
            request_write();
            return;
        }
        if (handler_) handler_->on_message(std::string_view(in, len), rx_binary_);
        return;
    }
    if (rx_.size() + len > max_message_size_) {
        // Never return non-zero from RECEIVE mid-message (lws 4.1 heap bug,
        // see notes): drop the message and close from WRITEABLE instead.
        rx_discarding_ = true;
        rx_.clear();
        rx_.shrink_to_fit();
        request_write();
        return;
    }
    rx_.append(in, len);
    if (last && handler_) {
        handler_->on_message(rx_, rx_binary_);
        rx_.clear();
    }
}

// Adds the caller's headers (Authorization, ...) to the upgrade request.
// Values are never logged. Returns -1 (fails the connect) if they do not fit.
int WsConnection::append_headers(unsigned char **p, unsigned char *end) {
    for (const auto &[name, value] : headers_) {
        std::string n = name + ":";
        if (lws_add_http_header_by_name(wsi_, reinterpret_cast<const unsigned char *>(n.c_str()),
                                        reinterpret_cast<const unsigned char *>(value.data()), int(value.size()), p,
                                        end))
            return -1;
    }
    return 0;
}

int WsConnection::on_writable() {
    if (rx_discarding_) {
        static const char kReason[] = "message too large";
        lws_close_reason(wsi_, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         reinterpret_cast<unsigned char *>(const_cast<char *>(kReason)), sizeof kReason - 1);
        return -1;
    }
    if (ping_pending_) {
        unsigned char buf[LWS_PRE + 2];
        buf[LWS_PRE] = 'k';
        buf[LWS_PRE + 1] = 'a';
        ping_pending_ = false;
        if (lws_write(wsi_, buf + LWS_PRE, 2, LWS_WRITE_PING) < 0) return -1;
    }
    for (int n = 0; !out_.empty() && n < kMaxWritesPerCallback; ++n) {
        std::string &f = out_.front();
        size_t len = f.size() - LWS_PRE;
        auto *p = reinterpret_cast<unsigned char *>(&f[0]) + LWS_PRE;
        if (lws_write(wsi_, p, len, LWS_WRITE_TEXT) < static_cast<int>(len)) return -1;
        out_.pop_front();
        // Each choke check is a poll(); skip it when nothing is left to send.
        if (!out_.empty() && lws_send_pipe_choked(wsi_)) break;
    }
    if (!out_.empty()) {
        lws_callback_on_writable(wsi_);
        return 0;
    }
    if (close_pending_) {
        lws_close_reason(wsi_, static_cast<lws_close_status>(close_code_),
                         reinterpret_cast<unsigned char *>(&close_reason_[0]), close_reason_.size());
        return -1;
    }
    return 0;
}

int WsConnection::lws_callback(struct lws *wsi, int reason_int, void *user, void *in, size_t len) {
    auto reason = static_cast<lws_callback_reasons>(reason_int);
    auto *self = static_cast<WsConnection *>(lws_get_opaque_user_data(wsi));
    if (!self) return 0;  // context/vhost-level callbacks, e.g. EVENT_WAIT_CANCELLED

    switch (reason) {
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            self->wsi_ = wsi;
            self->opened_ = true;
            if (self->close_pending_) {
                lws_callback_on_writable(wsi);
                return 0;
            }
            if (self->handler_) self->handler_->on_open();
            if (!self->out_.empty() || self->ping_pending_) lws_callback_on_writable(wsi);
            return 0;

        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
            CloseInfo info;
            info.connect_failed = true;
            std::string what = in && len ? std::string(static_cast<const char *>(in), strnlen(static_cast<const char *>(in), len))
                                         : std::string(in ? static_cast<const char *>(in) : "");
            if (what.empty()) what = "connection failed";
            info.http_status = static_cast<int>(lws_http_client_http_response(wsi));
            if (!self->tls_error_.empty()) {
                info.tls_failure = true;
                info.reason = "TLS certificate verification failed: " + self->tls_error_;
            } else if (what.find("SSL") != std::string::npos || what.find("ssl") != std::string::npos ||
                       what.find("tls") != std::string::npos || what.find("TLS") != std::string::npos) {
                info.tls_failure = true;
                info.reason = "TLS handshake failed: " + what;
            } else if (info.http_status && info.http_status != 101) {
                info.reason = "WebSocket upgrade rejected with HTTP status " + std::to_string(info.http_status);
                char ra[64];
                int n = lws_hdr_copy(wsi, ra, sizeof ra, WSI_TOKEN_HTTP_RETRY_AFTER);
                if (n > 0) info.retry_after.assign(ra, size_t(n));
            } else {
                info.reason = "could not connect to " + self->target_ + ": " + what;
            }
            self->finish(std::move(info));
            return 0;
        }

        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
            self->wsi_ = wsi;
            auto **p = static_cast<unsigned char **>(in);
            return self->append_headers(p, *p + len);
        }

        case LWS_CALLBACK_CLIENT_RECEIVE:
            self->wsi_ = wsi;
            self->on_receive(static_cast<const char *>(in), len);
            return 0;

        case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
            if (self->handler_) self->handler_->on_pong();
            return 0;

        case LWS_CALLBACK_CLIENT_WRITEABLE:
            self->wsi_ = wsi;
            if (self->finished_ && !self->close_pending_) return -1;  // detached
            return self->on_writable();

        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
            const auto *p = static_cast<const unsigned char *>(in);
            if (p && len >= 2) {
                self->peer_close_code_ = (p[0] << 8) | p[1];
                self->peer_close_reason_.assign(reinterpret_cast<const char *>(p + 2), len - 2);
            } else {
                self->peer_close_code_ = 1005;  // close frame without a status code
            }
            return 0;  // echo the close
        }

        case LWS_CALLBACK_CLIENT_CLOSED: {
            CloseInfo info;
            if (self->rx_discarding_) {
                info.message_too_large = true;
                info.close_code = 1009;
                info.reason = "inbound message exceeded the size limit";
            } else if (self->peer_close_code_) {
                info.close_code = self->peer_close_code_;
                info.reason = self->peer_close_reason_;
            } else if (self->close_pending_) {
                info.close_code = self->close_code_;
                info.reason = self->close_reason_;
            } else {
                info.close_code = 1006;
                info.reason = "connection closed abnormally";
            }
            self->finish(std::move(info));
            return 0;
        }

        case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
            return verify_server_certificate(static_cast<X509_STORE_CTX *>(user), self->tls_insecure_, self->host_,
                                             &self->tls_error_);

        case LWS_CALLBACK_WSI_DESTROY:
            lws_set_opaque_user_data(wsi, nullptr);
            if (!self->finished_) {
                CloseInfo info;
                info.connect_failed = !self->opened_;
                info.reason = "connection closed";
                self->finish(std::move(info));
            }
            if (self->in_open_call_) {
                self->destroyed_in_open_ = true;
                return 0;
            }
            delete self;
            return 0;

        default:
            return 0;
    }
}

// Entry point registered in the lws protocol table (event_loop.cpp).
int ws_connection_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    return WsConnection::lws_callback(wsi, int(reason), user, in, len);
}

}  // namespace realm::transport
