// Raw lws client sockets for HTTP/1.1 exchanges, and the pool of idle
// kept-alive ones. What lws 4.1.6 does for a raw client, read from its source
// (Debian's 4.1.6 tarball) and checked by tests/transport:
//
// - Connect with method "RAW": RAW_CONNECTED once the TCP connect succeeded;
//   a failure before it is CLIENT_CONNECTION_ERROR, or a NULL return from
//   the connect call with no callback at all (DNS). lws's own TLS cannot be
//   used for a raw client (it starts the handshake before the socket
//   exists), so TLS is a TlsSession of ours over the plaintext socket.
// - Then RAW_WRITEABLE after lws_callback_on_writable, RAW_RX with the bytes
//   read, RAW_CLOSE when the socket closes, and WSI_DESTROY last, to
//   protocols[0] ("realm-http", which passes WebSocket connections on to
//   ws_connection_callback).
// - lws times out the TCP connect (timeout_secs, 5 s) and nothing after
//   that: we time the TLS handshake and a stalled request upload; request
//   timeouts belong to the core.
// - lws_write(LWS_WRITE_RAW) takes all it is given, keeping what the socket
//   did not take on a heap list (lws_partial_buffered) until it drains.
#include "http_socket.h"

#include <libwebsockets.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "event_loop.h"
#include "http_exchange.h"

namespace realm::transport {

int ws_connection_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

namespace {

constexpr size_t kWritePiece = 65536;
constexpr int kMaxPiecesPerCallback = 16;  // then let other sockets have the loop
constexpr int kUploadStallSecs = 60;
constexpr int kTlsHandshakeSecs = 10;

// Live sockets, to tell our wsis from WebSocket ones in callbacks lws sends
// to protocols[0], and idle ones by server. Loop thread only. Never
// destroyed: the loop may still close connections while static destructors
// run at exit.
std::unordered_set<const void *> &live_sockets() {
    static auto *live = new std::unordered_set<const void *>();
    return *live;
}
std::unordered_map<std::string, std::vector<HttpSocket *>> &idle_sockets() {
    static auto *idle = new std::unordered_map<std::string, std::vector<HttpSocket *>>();
    return *idle;
}


}  // namespace

// Counted against the loop's descriptor capacity, as WebSockets are.
HttpSocket::HttpSocket(EventLoop &loop, std::string key, HttpExchange *x)
    : loop_(loop), key_(std::move(key)), exchange_(x) {
    loop_.connection_opened();
}

HttpSocket::~HttpSocket() { loop_.connection_closed(); }

HttpSocket *HttpSocket::connect(EventLoop &loop, const HttpRequestSpec &target, const std::string &host_header,
                                const std::string &key, HttpExchange *x, std::string *error) {
    if (!loop.connection_fits(error)) {
        loop.note_out_of_descriptors();
        return nullptr;
    }
    lws_vhost *vhost = loop.vhost_for(false, std::string(), error);
    if (!vhost) return nullptr;
    std::unique_ptr<TlsSession> tls;
    if (target.tls) {
        tls = TlsSession::create(target.host, target.ca_file, target.tls_insecure, error);
        if (!tls) return nullptr;
    }

    bool v6 = target.host.find(':') != std::string::npos;
    auto *s = new HttpSocket(loop, key, x);
    s->tls_ = std::move(tls);
    s->target_ = (v6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
    live_sockets().insert(s);

    lws_client_connect_info i;
    std::memset(&i, 0, sizeof i);
    i.context = loop.context();
    i.vhost = vhost;
    i.address = target.host.c_str();
    i.port = target.port;
    i.path = "/";
    i.host = host_header.c_str();
    i.method = "RAW";
    i.local_protocol_name = "realm-http";
    i.opaque_user_data = s;

    s->in_open_call_ = true;
    errno = 0;
    lws *wsi = lws_client_connect_via_info(&i);
    int connect_errno = errno;
    s->in_open_call_ = false;
    if (wsi && !s->destroyed_in_open_ && s->open_error_.empty()) {
        s->wsi_ = wsi;
        return s;
    }
    // Failed inside the connect call. A wsi that lws already destroyed took
    // us off its books; one it still holds deletes us on WSI_DESTROY.
    std::string why = s->open_error_;
    if (connect_errno == EMFILE || connect_errno == ENFILE) {
        // The system's limit, below our own cap (other descriptors in use).
        loop.note_out_of_descriptors();
        why = "could not connect to " + s->target_ + ": no file descriptor left for a new connection (" +
              std::strerror(connect_errno) + "); raise `ulimit -n` or use fewer connections";
    } else if (why.empty()) {
        unsigned char addr[16];
        bool numeric = inet_pton(AF_INET, target.host.c_str(), addr) == 1 ||
                       inet_pton(AF_INET6, target.host.c_str(), addr) == 1;
        why = "could not connect to " + s->target_ +
              (numeric ? ": connection failed" : ": could not resolve host name '" + target.host + "'");
    }
    if (s->destroyed_in_open_ || !wsi) {
        live_sockets().erase(s);
        delete s;
    } else {
        s->exchange_ = nullptr;
        s->closing_ = true;
    }
    if (error) *error = std::move(why);
    return nullptr;
}

HttpSocket *HttpSocket::take_idle(const std::string &key, HttpExchange *x) {
    auto it = idle_sockets().find(key);
    if (it == idle_sockets().end() || it->second.empty()) return nullptr;
    HttpSocket *s = it->second.back();  // the most recently used: the least likely to have timed out
    it->second.pop_back();
    if (it->second.empty()) idle_sockets().erase(it);
    s->idle_ = false;
    s->exchange_ = x;
    s->sent_ = 0;
    s->request_sent_ = false;
    s->request_encrypted_ = false;
    lws_set_timer_usecs(s->wsi_, LWS_SET_TIMER_USEC_CANCEL);
    lws_callback_on_writable(s->wsi_);
    return s;
}

void HttpSocket::release(bool reusable) {
    exchange_ = nullptr;
    if (!reusable || closing_ || !connected_ || !request_sent_ || lws_partial_buffered(wsi_)) {
        kill();
        return;
    }
    auto &idle = idle_sockets()[key_];
    if (idle.size() >= kMaxIdlePerServer) {
        kill();
        return;
    }
    idle.push_back(this);
    idle_ = true;
    lws_set_timer_usecs(wsi_, lws_usec_t(kIdleSeconds) * LWS_US_PER_SEC);
}

void HttpSocket::leave_pool() {
    if (!idle_) return;
    idle_ = false;
    auto it = idle_sockets().find(key_);
    if (it == idle_sockets().end()) return;
    auto &v = it->second;
    v.erase(std::remove(v.begin(), v.end(), this), v.end());
    if (v.empty()) idle_sockets().erase(it);
}

void HttpSocket::kill() {
    // Closes the socket on the next service pass, from any context.
    leave_pool();
    closing_ = true;
    if (wsi_) lws_set_timeout(wsi_, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void HttpSocket::on_connected() {
    tcp_connected_ = true;
    if (tls_) {
        if (tls_->start() == TlsSession::Result::Failed) {
            tls_failed_ = true;
            kill();
            return;
        }
        lws_set_timeout(wsi_, PENDING_TIMEOUT_SSL_ACCEPT, kTlsHandshakeSecs);
        lws_callback_on_writable(wsi_);  // the ClientHello
        return;
    }
    connected_ = true;
    if (exchange_) lws_callback_on_writable(wsi_);
}

// Writes buf (kSendHeadroom bytes, then data) from `sent` on, in pieces.
// True when all of it is out; false when WRITEABLE must come again.
bool HttpSocket::write_out(std::string &buf, size_t &sent) {
    size_t total = buf.size() - kSendHeadroom;
    for (int n = 0; sent < total;) {
        size_t len = std::min(kWritePiece, total - sent);
        // In place: lws may use the LWS_PRE bytes in front, which are
        // headroom or bytes already sent.
        auto *p = reinterpret_cast<unsigned char *>(&buf[kSendHeadroom + sent]);
        if (lws_write(wsi_, p, len, LWS_WRITE_RAW) < static_cast<int>(len)) {
            closing_ = true;  // lost() follows
            return false;
        }
        sent += len;
        if (++n == kMaxPiecesPerCallback || lws_partial_buffered(wsi_) ||
            (sent < total && lws_send_pipe_choked(wsi_)))
            break;
    }
    if (sent < total) {
        lws_set_timeout(wsi_, PENDING_TIMEOUT_CLIENT_ISSUE_PAYLOAD, kUploadStallSecs);
        lws_callback_on_writable(wsi_);
        return false;
    }
    return true;
}

// Moves what TLS has to send into wire_. True if there was anything.
bool HttpSocket::queue_ciphertext() {
    std::string more = tls_->take_ciphertext();
    if (more.empty()) return false;
    if (wire_.empty() || wire_sent_ == wire_.size() - kSendHeadroom) {
        wire_ = make_frame_buffer(more.size());
        wire_sent_ = 0;
    }
    wire_.append(more);
    return true;
}

int HttpSocket::on_writable() {
    if (closing_) return -1;
    if (!tls_) {
        if (!exchange_ || request_sent_) return 0;
        if (!write_out(exchange_->request_bytes(), sent_)) return closing_ ? -1 : 0;
        request_sent_ = true;
        lws_set_timeout(wsi_, NO_PENDING_TIMEOUT, 0);
        return 0;
    }
    if (tls_->handshake_done() && exchange_ && !request_encrypted_) {
        const std::string &req = exchange_->request_bytes();
        if (tls_->write(std::string_view(req).substr(kSendHeadroom)) == TlsSession::Result::Failed) {
            tls_failed_ = true;
            return -1;
        }
        request_encrypted_ = true;
    }
    queue_ciphertext();
    if (wire_.size() > kSendHeadroom && !write_out(wire_, wire_sent_)) return closing_ ? -1 : 0;
    if (request_encrypted_ && !request_sent_) {
        request_sent_ = true;
        lws_set_timeout(wsi_, NO_PENDING_TIMEOUT, 0);
    }
    return 0;
}

int HttpSocket::on_read(std::string_view bytes) {
    if (closing_) return -1;
    if (tls_) {
        std::string plain;
        bool was_done = tls_->handshake_done();
        if (tls_->on_ciphertext(bytes, &plain) == TlsSession::Result::Failed) {
            tls_failed_ = true;
            return -1;  // RAW_CLOSE: lost() reports it
        }
        if (!was_done && tls_->handshake_done()) {
            connected_ = true;
            lws_set_timeout(wsi_, NO_PENDING_TIMEOUT, 0);
            if (exchange_) lws_callback_on_writable(wsi_);
        }
        if (queue_ciphertext()) lws_callback_on_writable(wsi_);  // handshake records, alerts, key updates
        if (plain.empty()) return 0;
        if (!exchange_) return -1;  // bytes on an idle connection: nothing may follow a complete answer
        exchange_->on_bytes(plain);
        return 0;
    }
    if (!exchange_) return -1;
    exchange_->on_bytes(bytes);
    return 0;
}

CloseInfo HttpSocket::failure(std::string what) const {
    CloseInfo info;
    if (what.empty()) what = "connection failed";
    info.connect_failed = !connected_;
    if (tls_ && tls_failed_ && tls_->certificate_rejected()) {
        info.tls_failure = true;
        info.reason = "TLS certificate verification failed: " + tls_->error();
    } else if (tls_ && tls_failed_ && !connected_) {
        info.tls_failure = true;
        info.reason = "TLS handshake with " + target_ + " failed: " + tls_->error();
    } else if (tls_ && tcp_connected_ && !connected_) {
        info.tls_failure = true;
        info.reason = "TLS handshake with " + target_ + " failed: " + what;
    } else if (!connected_) {
        info.reason = "could not connect to " + target_ + ": " + what;
    } else {
        info.reason = "connection closed before the response was complete (" + what + ")";
    }
    return info;
}

void HttpSocket::lost(const std::string &what) {
    leave_pool();
    closing_ = true;
    if (HttpExchange *x = exchange_) {
        exchange_ = nullptr;
        x->on_connection_lost(failure(what));
    }
}

int HttpSocket::lws_callback(struct lws *wsi, int reason_int, void *user, void *in, size_t len) {
    auto reason = static_cast<lws_callback_reasons>(reason_int);
    void *opaque = wsi ? lws_get_opaque_user_data(wsi) : nullptr;
    if (!opaque) return 0;  // context/vhost-level callbacks, e.g. EVENT_WAIT_CANCELLED
    // We are protocols[0]: lws sends WSI_DESTROY, the certificate check and
    // poll bookkeeping of every connection here. WebSocket ones go on.
    const lws_protocols *bound = lws_get_protocol(wsi);
    if ((bound && bound->callback == &ws_connection_callback) || !live_sockets().count(opaque))
        return ws_connection_callback(wsi, reason, user, in, len);
    auto *self = static_cast<HttpSocket *>(opaque);

    switch (reason) {
        case LWS_CALLBACK_RAW_CONNECTED:
            self->wsi_ = wsi;
            self->on_connected();
            return 0;

        case LWS_CALLBACK_RAW_WRITEABLE:
            self->wsi_ = wsi;
            return self->on_writable();

        case LWS_CALLBACK_RAW_RX:
            return self->on_read(std::string_view(static_cast<const char *>(in), len));

        case LWS_CALLBACK_TIMER:  // idle for kIdleSeconds
            if (self->idle_) self->kill();
            return 0;

        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
            const char *text = static_cast<const char *>(in);
            std::string what = text ? std::string(text, len ? strnlen(text, len) : std::strlen(text)) : std::string();
            if (self->in_open_call_) {
                self->open_error_ = self->failure(what).reason;
                self->exchange_ = nullptr;
                self->closing_ = true;
                return 0;
            }
            self->lost(what);
            return 0;
        }

        case LWS_CALLBACK_RAW_CLOSE:
            self->lost("connection closed");
            return 0;

        case LWS_CALLBACK_WSI_DESTROY:
            lws_set_opaque_user_data(wsi, nullptr);
            if (self->in_open_call_) {
                if (self->open_error_.empty()) self->open_error_ = self->failure("connection failed").reason;
                self->exchange_ = nullptr;
                self->destroyed_in_open_ = true;
                return 0;
            }
            self->lost(self->connected_ ? "connection lost" : "connection failed");
            live_sockets().erase(self);
            delete self;
            return 0;

        default:
            return 0;
    }
}

// Entry point registered in the lws protocol table as protocols[0]
// (event_loop.cpp).
int http_connection_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    return HttpSocket::lws_callback(wsi, int(reason), user, in, len);
}

}  // namespace realm::transport
