#include "scripted_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace realm::test {

namespace {

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

// The socket of this process whose local address is `peer`: the client end
// of a loopback connection, owned by the code under test.
int find_local_socket(const sockaddr_in &peer) {
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) return -1;
    int found = -1;
    while (dirent *e = readdir(dir)) {
        char *end = nullptr;
        long fd = std::strtol(e->d_name, &end, 10);
        if (!end || *end || end == e->d_name) continue;
        struct stat st;
        if (fstat(int(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
        sockaddr_in local{};
        socklen_t len = sizeof local;
        if (getsockname(int(fd), reinterpret_cast<sockaddr *>(&local), &len) != 0 || local.sin_family != AF_INET)
            continue;
        if (local.sin_port == peer.sin_port && local.sin_addr.s_addr == peer.sin_addr.s_addr) {
            found = int(fd);
            break;
        }
    }
    closedir(dir);
    return found;
}

// Spins (yielding) until `done` or 10 s pass. A wait on a kernel state, not
// a sleep: it returns as soon as the state is reached.
template <typename F>
bool spin_until(F done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        sched_yield();
    }
    return true;
}

ssize_t read_some(int fd, SSL *ssl, char *buf, size_t n) {
    if (!ssl) return recv(fd, buf, n, 0);
    int r = SSL_read(ssl, buf, int(n));
    return r > 0 ? r : (SSL_get_error(ssl, r) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
}

}  // namespace

std::string ReceivedRequest::header(std::string_view name) const {
    for (const auto &h : headers)
        if (iequal(h.first, name)) return h.second;
    return {};
}

size_t ReceivedRequest::count(std::string_view name) const {
    size_t n = 0;
    for (const auto &h : headers) n += iequal(h.first, name);
    return n;
}

ScriptedServer::ScriptedServer(Script script, ServerOptions options)
    : script_(std::move(script)), options_(std::move(options)) {
    if (!options_.cert_file.empty()) {
        tls_ = SSL_CTX_new(TLS_server_method());
        if (!tls_ || SSL_CTX_use_certificate_chain_file(tls_, options_.cert_file.c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(tls_, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
            throw std::runtime_error("cannot load the test certificate");
    }
    int family = options_.ipv6 ? AF_INET6 : AF_INET;
    listen_fd_ = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket failed");
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len;
    if (options_.ipv6) {
        auto *a6 = reinterpret_cast<sockaddr_in6 *>(&ss);
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_loopback;
        len = sizeof *a6;
    } else {
        auto *a4 = reinterpret_cast<sockaddr_in *>(&ss);
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a4;
    }
    if (bind(listen_fd_, reinterpret_cast<sockaddr *>(&ss), len) != 0 || listen(listen_fd_, 1024) != 0)
        throw std::runtime_error("bind/listen failed");
    getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&ss), &len);
    port_ = ntohs(options_.ipv6 ? reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port
                                : reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

ScriptedServer::~ScriptedServer() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
        shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    }
    cv_.notify_all();
    acceptor_.join();
    for (auto &t : workers_) t.join();
    close(listen_fd_);
    if (tls_) SSL_CTX_free(tls_);
}

void ScriptedServer::open_gate(int gate) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        gates_.insert(gate);
    }
    cv_.notify_all();
}

std::vector<ReceivedRequest> ScriptedServer::wait_requests(size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return requests_.size() >= n; });
    return requests_;
}

bool ScriptedServer::wait_client_closes(size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return client_closes_ >= n; });
}

size_t ScriptedServer::accepted() {
    std::lock_guard<std::mutex> lock(mutex_);
    return accepted_;
}

void ScriptedServer::accept_loop() {
    for (;;) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) {
            if (fd >= 0) close(fd);
            return;
        }
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ++accepted_;
        open_fds_.insert(fd);
        workers_.emplace_back([this, fd] { serve(fd); });
    }
}

bool ScriptedServer::read_request(int fd, SSL *ssl, ReceivedRequest *req) {
    std::string buf;
    char tmp[65536];
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = read_some(fd, ssl, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        buf.append(tmp, size_t(n));
    }
    req->raw_head = buf.substr(0, head_end + 4);
    std::string_view head(req->raw_head);
    size_t line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return false;
    req->method = std::string(line.substr(0, sp1));
    req->target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    req->version = std::string(line.substr(sp2 + 1));
    size_t pos = line_end + 2;
    while (pos < head_end) {
        size_t eol = head.find("\r\n", pos);
        std::string_view field = head.substr(pos, eol - pos);
        size_t colon = field.find(':');
        if (colon != std::string_view::npos)
            req->headers.emplace_back(std::string(field.substr(0, colon)), trim(field.substr(colon + 1)));
        pos = eol + 2;
    }
    size_t length = std::strtoull(req->header("content-length").c_str(), nullptr, 10);
    req->body = buf.substr(head_end + 4);
    while (req->body.size() < length) {
        ssize_t n = read_some(fd, ssl, tmp, std::min(sizeof tmp, length - req->body.size()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        req->body.append(tmp, size_t(n));
    }
    return true;
}

bool ScriptedServer::send_all(int fd, SSL *ssl, const char *p, size_t n) {
    while (n) {
        ssize_t w = ssl ? SSL_write(ssl, p, int(n)) : send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= size_t(w);
    }
    return true;
}

// One byte per send(), and the next only once the client has read the last:
// the byte is acknowledged (so it is in the client socket's receive queue)
// and that queue is empty again. Every split point of `data` is then a
// separate read on the client side.
bool ScriptedServer::send_bytewise(int fd, const std::string &data) {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &len);
    int client_fd = find_local_socket(peer);
    for (char c : data) {
        if (!send_all(fd, nullptr, &c, 1)) return false;
        if (!spin_until([&] {
                int unacked = 0;
                return ioctl(fd, SIOCOUTQ, &unacked) != 0 || unacked == 0;
            }))
            return false;
        if (client_fd >= 0 && !spin_until([&] {
                int unread = 0;
                return ioctl(client_fd, FIONREAD, &unread) != 0 || unread == 0;
            }))
            return false;
    }
    return true;
}

void ScriptedServer::serve(int fd) {
    SSL *ssl = nullptr;
    if (tls_) {
        ssl = SSL_new(tls_);
        SSL_set_fd(ssl, fd);
    }
    ReceivedRequest req;
    bool ok = (!ssl || SSL_accept(ssl) == 1) && read_request(fd, ssl, &req);
    for (int on_connection = 0; ok; ++on_connection) {
        req.on_connection = on_connection;
        std::vector<Step> steps = script_(req);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            requests_.push_back(req);
        }
        cv_.notify_all();
        bool next = false;
        for (const Step &s : steps) {
            if (!ok || next) break;
            switch (s.kind) {
                case Step::kWrite:
                    ok = send_all(fd, ssl, s.data.data(), s.data.size());
                    break;
                case Step::kWriteBytewise:
                    ok = !ssl && send_bytewise(fd, s.data);  // plain TCP only
                    break;
                case Step::kGate: {
                    std::unique_lock<std::mutex> lock(mutex_);
                    cv_.wait(lock, [&] { return stopping_ || gates_.count(s.gate) > 0; });
                    ok = !stopping_;
                    break;
                }
                case Step::kPause: {
                    std::unique_lock<std::mutex> lock(mutex_);
                    cv_.wait_for(lock, std::chrono::milliseconds(s.ms), [&] { return stopping_; });
                    ok = !stopping_;
                    break;
                }
                case Step::kAwaitClientClose: {
                    char tmp[4096];
                    for (;;) {
                        ssize_t n = read_some(fd, ssl, tmp, sizeof tmp);
                        if (n < 0 && errno == EINTR) continue;
                        if (n <= 0) break;
                    }
                    {
                        std::lock_guard<std::mutex> lock(mutex_);
                        if (!stopping_) ++client_closes_;
                    }
                    cv_.notify_all();
                    ok = false;  // nothing more to do on this connection
                    break;
                }
                case Step::kClose:
                    ok = false;
                    break;
                case Step::kNextRequest:
                    next = true;
                    break;
            }
        }
        if (!ok || !next) break;
        req = ReceivedRequest();
        ok = read_request(fd, ssl, &req);
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        open_fds_.erase(fd);
    }
    if (ssl) SSL_free(ssl);
    close(fd);
}

}  // namespace realm::test
