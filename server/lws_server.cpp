#include "lws_server.h"

#include <csignal>
#include <netdb.h>
#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <sys/signalfd.h>
#include <unistd.h>

namespace realm::server {
namespace {

constexpr const char *kWsProtocol = "realm";
// Big rx chunks (fewer callbacks for large requests) and big sends (one
// batch of frames per send()).
constexpr size_t kRxBufferSize = 64 * 1024;
constexpr size_t kTxPacketSize = 256 * 1024;
// How long shutdown waits for clients to answer the 1001 close.
constexpr uint64_t kShutdownGraceNs = 1000000000ULL;

// lws takes an interface name or a numeric address: resolve host names
// ("localhost") to the first numeric address.
std::string numeric_host(const std::string &host) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo *res = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) == 0) {
        freeaddrinfo(res);
        return host;
    }
    hints.ai_flags = 0;
    hints.ai_family = AF_INET;  // prefer IPv4 for "localhost"
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) {
        hints.ai_family = AF_UNSPEC;
        if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return host;
    }
    char buf[INET6_ADDRSTRLEN] = {0};
    if (res->ai_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in *>(res->ai_addr)->sin_addr, buf, sizeof buf);
    else
        inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6 *>(res->ai_addr)->sin6_addr, buf, sizeof buf);
    freeaddrinfo(res);
    return buf[0] ? std::string(buf) : host;
}

}  // namespace

LwsServer::LwsServer(const ServerOptions &options) : state_(options) {
    std::memset(protocols_, 0, sizeof protocols_);
    // protocols_[0] serves every upgrade without a subprotocol.
    protocols_[0].name = kWsProtocol;
    protocols_[0].callback = &LwsServer::ws_callback;
    protocols_[0].per_session_data_size = sizeof(Session *);
    protocols_[0].rx_buffer_size = kRxBufferSize;
    protocols_[0].tx_packet_size = kTxPacketSize;
    protocols_[1].name = kInternalProtocol;
    protocols_[1].callback = &internal_protocol_callback;
    // Upstream never pings and has no idle timeout: push lws's validity
    // checks (default 300 s) out of reach.
    idle_policy_.secs_since_valid_ping = 65535;
    idle_policy_.secs_since_valid_hangup = 65535;
}

LwsServer::~LwsServer() {
    if (ctx_) lws_context_destroy(ctx_);
    sessions_.clear();
    if (signal_fd_ >= 0) close(signal_fd_);  // start() failed before lws took it
}

bool LwsServer::start(std::string *error) {
    const ServerOptions &opt = state_.options;
    if (!opt.api_keys_file.empty() && !state_.keys.load_file(opt.api_keys_file, error)) return false;

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0 ||
        (signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        *error = std::string("signalfd: ") + std::strerror(errno);
        return false;
    }

    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.port = opt.port;
    std::string iface = numeric_host(opt.host);
    info.iface = iface.c_str();
    info.protocols = protocols_;
    info.user = this;
    info.vhost_name = "default";
    info.retry_and_idle_policy = &idle_policy_;
    info.pt_serv_buf_size = kRxBufferSize;
    if (opt.tls()) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = opt.tls_cert.c_str();
        info.ssl_private_key_filepath = opt.tls_key.c_str();
    }
    ctx_ = lws_create_context(&info);
    if (!ctx_) {
        *error = "cannot create the server (address in use, bad --host or TLS files?)";
        return false;
    }
    vhost_ = lws_get_vhost_by_name(ctx_, "default");
    port_ = vhost_ ? lws_get_vhost_listen_port(vhost_) : -1;
    if (port_ <= 0) {
        *error = "not listening";
        return false;
    }
    int tfd = state_.timers.take_fd();
    if (tfd < 0 || !watch_fd(vhost_, tfd, &state_.timers)) {
        *error = "cannot watch the timerfd";
        return false;
    }
    signals_.fd = signal_fd_;
    signal_fd_ = -1;  // lws owns it now
    if (!watch_fd(vhost_, signals_.fd, &signals_)) {
        *error = "cannot watch the signalfd";
        return false;
    }
    state_.stats.started_ns = monotonic_ns();
    return true;
}

bool LwsServer::SignalWatch::on_readable() {
    signalfd_siginfo si;
    while (read(fd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    }
    server_.stop_ = true;
    return true;
}

int LwsServer::run() {
    while (!stop_) {
        if (lws_service(ctx_, 0) < 0) break;
    }
    for (auto &entry : sessions_) entry.second->begin_shutdown();
    // Wake the loop at the deadline even if no client answers.
    bool expired = false;
    TimerHandle grace(&state_.timers,
                      state_.timers.schedule_at(monotonic_ns() + kShutdownGraceNs, [&expired] { expired = true; }));
    while (!sessions_.empty() && !expired) {
        if (lws_service(ctx_, 0) < 0) break;
    }
    grace.reset();
    lws_context_destroy(ctx_);  // closes whatever is left (CLOSED callbacks)
    ctx_ = nullptr;
    sessions_.clear();
    return 0;
}

int LwsServer::reject_upgrade(lws *wsi, int status) {
    // Written by hand: lws's header helpers answer this request as HTTP/1.0,
    // which WebSocket clients reject as a malformed response.
    const char *reason = "Error";
    switch (status) {
        case 400: reason = "Bad Request"; break;
        case 401: reason = "Unauthorized"; break;
        case 403: reason = "Forbidden"; break;
        case 404: reason = "Not Found"; break;
        case 429: reason = "Too Many Requests"; break;
        case 500: reason = "Internal Server Error"; break;
        case 502: reason = "Bad Gateway"; break;
        case 503: reason = "Service Unavailable"; break;
        default: break;
    }
    unsigned char buf[LWS_PRE + 256];
    int n = std::snprintf(reinterpret_cast<char *>(buf + LWS_PRE), sizeof buf - LWS_PRE,
                          "HTTP/1.1 %d %s\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                          status, reason);
    if (n > 0) lws_write(wsi, buf + LWS_PRE, static_cast<size_t>(n), LWS_WRITE_HTTP_HEADERS);
    return 1;  // refuse the upgrade
}

int LwsServer::ws_callback(lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    auto *self = static_cast<LwsServer *>(lws_context_user(lws_get_context(wsi)));
    if (!self) return lws_callback_http_dummy(wsi, reason, user, in, len);
    return self->on_ws_event(wsi, reason, user, in, len);
}

int LwsServer::on_ws_event(lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    auto **slot = static_cast<Session **>(user);
    Session *session = slot ? *slot : nullptr;
    switch (reason) {
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
            if (state_.options.enable_faults) {
                ConnectionFaults f = connection_faults_from_query(wsi);
                if (f.reject_upgrade) return reject_upgrade(wsi, f.reject_status);
            }
            return 0;
        case LWS_CALLBACK_ESTABLISHED: {
            if (!slot) return -1;
            ConnectionFaults faults;
            if (state_.options.enable_faults) faults = connection_faults_from_query(wsi);
            auto s = std::make_unique<Session>(state_, wsi, faults);
            *slot = s.get();
            Session *raw = s.get();
            sessions_[wsi] = std::move(s);
            if (stop_) raw->begin_shutdown();
            return raw->on_established();
        }
        case LWS_CALLBACK_RECEIVE:
            return session ? session->on_receive(in, len) : 0;
        case LWS_CALLBACK_SERVER_WRITEABLE:
            return session ? session->on_writable() : 0;
        case LWS_CALLBACK_RECEIVE_PONG:
            return session ? session->on_pong() : 0;
        case LWS_CALLBACK_CLOSED:
            if (slot) *slot = nullptr;
            sessions_.erase(wsi);
            return 0;
        default:
            return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

}  // namespace realm::server
