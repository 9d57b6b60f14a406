#include "lws_server.h"

#include <csignal>
#include <netdb.h>
#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <sys/signalfd.h>
#include <unistd.h>

#include "http_output.h"
#include "http_request.h"
#include "openai_json.h"
#include "openai_ws_session.h"
#include "session.h"
#include "tekton_ws_session.h"
#include "ws_system_session.h"

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

// ws-system's rate-limit address (ws-system.md 3.3): the raw
// X-Forwarded-For value when the header is present, else the peer address.
std::string ws_system_client_ip(lws *wsi) {
    char buf[1024];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR) > 0 &&
        lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_X_FORWARDED_FOR) >= 0)
        return buf;
    const char *peer = lws_get_peer_simple(wsi, buf, sizeof buf);
    std::string ip = peer ? peer : "";
    // lws listens dual-stack: show IPv4 peers as upstream's IPv4 listener
    // (HOST 0.0.0.0) does, "127.0.0.1" rather than "::ffff:127.0.0.1".
    if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) ip.erase(0, 7);
    return ip;
}

}  // namespace

LwsServer::LwsServer(const ServerOptions &options) : state_(options) {
    std::memset(protocols_, 0, sizeof protocols_);
    // protocols_[0] serves every upgrade without a subprotocol.
    protocols_[0].name = kWsProtocol;
    protocols_[0].callback = &LwsServer::ws_callback;
    protocols_[0].per_session_data_size = sizeof(WsPeer *);
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
    if (opt.ws_system() && !state_.ws_system.clients.load(opt.ws_clients_file, error)) return false;

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
    if (opt.gateway()) {
        state_.upstreams = std::make_unique<UpstreamPool>(opt, state_.timers);
        if (!state_.upstreams->start(vhost_, error)) return false;
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
    for (auto &entry : exchanges_) entry.second->begin_shutdown();
    // Wake the loop at the deadline even if no client answers.
    bool expired = false;
    TimerHandle grace(&state_.timers,
                      state_.timers.schedule_at(monotonic_ns() + kShutdownGraceNs, [&expired] { expired = true; }));
    while ((!sessions_.empty() || !exchanges_.empty()) && !expired) {
        if (lws_service(ctx_, 0) < 0) break;
    }
    grace.reset();
    lws_context_destroy(ctx_);  // closes whatever is left (CLOSED callbacks)
    ctx_ = nullptr;
    sessions_.clear();
    exchanges_.clear();
    return 0;
}

int LwsServer::reject_upgrade(lws *wsi, int status, const std::string &extra_headers, const std::string &body) {
    // Written by hand: lws's header helpers answer this request as HTTP/1.0,
    // which WebSocket clients reject as a malformed response.
    std::string response =
        http_head(status, body.empty() ? "" : "application/json", body.size(), extra_headers + "Connection: close\r\n") +
        body;
    std::string buf(LWS_PRE, '\0');
    buf += response;
    lws_write(wsi, reinterpret_cast<unsigned char *>(&buf[LWS_PRE]), response.size(), LWS_WRITE_HTTP_HEADERS);
    return 1;  // refuse the upgrade
}

int LwsServer::ws_callback(lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    auto *self = static_cast<LwsServer *>(lws_context_user(lws_get_context(wsi)));
    if (!self) return lws_callback_http_dummy(wsi, reason, user, in, len);
    return self->on_ws_event(wsi, reason, user, in, len);
}

int LwsServer::confirm_upgrade(lws *wsi) {
    if (state_.options.enable_faults) {
        ConnectionFaults f = connection_faults_from_query(wsi);
        if (f.reject_upgrade) return reject_upgrade(wsi, f.reject_status, "Retry-After: 1\r\n", "");
    }
    // openai-ws.md section 2: a key presented on the upgrade (header or
    // query) must be good; none at all leaves it to an auth frame.
    if (state_.options.auth && !state_.options.ws_system() && openai_dialect_of(request_path(wsi)) &&
        request_credentials(wsi, state_.keys, true).state == Credentials::State::Invalid)
        return reject_upgrade(wsi, 401, "WWW-Authenticate: Bearer\r\n", error_envelope(invalid_api_key_error()));
    // tekton.md 4: the Bearer header is the only way in; without a good one, 401.
    if (state_.options.auth && !state_.options.ws_system() && is_tekton_ws_path(request_path(wsi)) &&
        request_credentials(wsi, state_.keys, false).state != Credentials::State::Valid)
        return reject_upgrade(wsi, 401, "WWW-Authenticate: Bearer\r\n", R"({"error":"Authentication failed"})");
    return 0;
}

int LwsServer::establish(lws *wsi, WsPeer **slot) {
    // An HTTP keep-alive connection may upgrade after a plain request.
    exchanges_.erase(wsi);
    std::unique_ptr<WsPeer> peer;
    if (state_.options.ws_system()) {
        // Upstream's WebSocketServer has no path option: any path is ws-system.
        // With --enable-faults, ?challenge=<64 hex> fixes the challenge so
        // that tests can replay the ws-system.md 7.1 signature vector.
        std::string challenge;
        if (state_.options.enable_faults) {
            std::optional<std::string> c = query_param(wsi, "challenge");
            if (c && c->size() == 64 && c->find_first_not_of("0123456789abcdef") == std::string::npos)
                challenge = *c;
        }
        peer = std::make_unique<WsSystemSession>(state_, wsi, ws_system_client_ip(wsi), std::move(challenge));
    } else if (std::optional<OpenAiDialect> dialect = openai_dialect_of(request_path(wsi))) {
        std::optional<std::string> tenant;
        bool auth_pending = false;
        if (state_.options.auth) {
            Credentials c = request_credentials(wsi, state_.keys, true);
            if (c.state == Credentials::State::Valid) tenant = c.tenant;
            auth_pending = c.state != Credentials::State::Valid;
        }
        peer = std::make_unique<OpenAiWsSession>(state_, wsi, *dialect, std::move(tenant), auth_pending);
    } else if (is_tekton_ws_path(request_path(wsi))) {
        std::optional<std::string> tenant;
        if (state_.options.auth) tenant = request_credentials(wsi, state_.keys, false).tenant;
        peer = std::make_unique<TektonWsSession>(state_, wsi, std::move(tenant));
    } else {
        ConnectionFaults faults;
        if (state_.options.enable_faults) faults = connection_faults_from_query(wsi);
        peer = std::make_unique<Session>(state_, wsi, faults);
    }
    WsPeer *raw = peer.get();
    *slot = raw;
    sessions_[wsi] = std::move(peer);
    if (stop_) raw->begin_shutdown();
    return raw->on_established();
}

int LwsServer::on_http_event(lws *wsi, enum lws_callback_reasons reason, void *in, size_t len) {
    if (reason == LWS_CALLBACK_HTTP) {
        auto &ex = exchanges_[wsi];
        if (!ex) ex = std::make_unique<HttpExchange>(state_, wsi);
        if (stop_) return -1;
        return ex->on_request();
    }
    auto it = exchanges_.find(wsi);
    if (it == exchanges_.end()) return 0;
    switch (reason) {
        case LWS_CALLBACK_HTTP_BODY:
            return it->second->on_body(in, len);
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
            return it->second->on_body_complete();
        case LWS_CALLBACK_HTTP_WRITEABLE:
            return it->second->on_writable();
        case LWS_CALLBACK_CLOSED_HTTP:
            exchanges_.erase(it);
            return 0;
        default:
            return 0;
    }
}

int LwsServer::on_ws_event(lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len) {
    auto **slot = static_cast<WsPeer **>(user);
    WsPeer *session = slot ? *slot : nullptr;
    switch (reason) {
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
            return confirm_upgrade(wsi);
        case LWS_CALLBACK_ESTABLISHED:
            if (!slot) return -1;
            return establish(wsi, slot);
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
        case LWS_CALLBACK_HTTP:
        case LWS_CALLBACK_HTTP_BODY:
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        case LWS_CALLBACK_HTTP_WRITEABLE:
        case LWS_CALLBACK_CLOSED_HTTP:
            return on_http_event(wsi, reason, in, len);
        default:
            return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

}  // namespace realm::server
