#include "nginx_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace realm::test {
namespace {

bool executable(const std::string &p) { return !p.empty() && access(p.c_str(), X_OK) == 0; }

// Ports the kernel hands out for port 0, all held open together so they
// differ, then released for nginx to bind.
std::vector<int> free_ports(size_t n) {
    std::vector<int> fds, ports;
    for (size_t i = 0; i < n; ++i) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
            getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
            if (fd >= 0) close(fd);
            break;
        }
        fds.push_back(fd);
        ports.push_back(ntohs(a.sin_port));
    }
    for (int fd : fds) close(fd);
    return ports;
}

bool accepts(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    close(fd);
    return ok;
}

std::string config(const std::string &dir, int upstream, const std::vector<NginxSite> &sites,
                   const std::vector<int> &ports) {
    std::ostringstream c;
    // As root nginx would otherwise switch to "nobody" for its temp folders.
    if (geteuid() == 0) c << "user root;\n";
    c << "daemon off;\n"
         "master_process off;\n"
         "worker_processes 1;\n"
         "pid " << dir << "/nginx.pid;\n"
         "error_log " << dir << "/error.log info;\n"
         "events { worker_connections 512; }\n"
         "http {\n"
         "  access_log off;\n"
         "  client_body_temp_path " << dir << "/body;\n"
         "  proxy_temp_path " << dir << "/proxy;\n"
         "  fastcgi_temp_path " << dir << "/fastcgi;\n"
         "  uwsgi_temp_path " << dir << "/uwsgi;\n"
         "  scgi_temp_path " << dir << "/scgi;\n"
         "  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }\n"
         "  upstream realm { server 127.0.0.1:" << upstream << "; keepalive 8; }\n";
    for (size_t i = 0; i < sites.size(); ++i) {
        c << "  server {\n"
             "    listen 127.0.0.1:" << ports[i] << " ssl;\n"
             "    server_name localhost;\n"
             "    ssl_certificate " << sites[i].cert << ";\n"
             "    ssl_certificate_key " << sites[i].key << ";\n"
             "    location / {\n"
             "      proxy_pass http://realm;\n"
             "      proxy_http_version 1.1;\n"                          // needed for upgrades and keep-alive
             "      proxy_set_header Upgrade $http_upgrade;\n"          // hop-by-hop: forward explicitly
             "      proxy_set_header Connection $connection_upgrade;\n"
             "      proxy_set_header Host $host;\n"
             "      proxy_buffering off;\n"                             // SSE: pass each event at once
             "      proxy_read_timeout 1h;\n"
             "      proxy_send_timeout 1h;\n"
             "    }\n"
             "  }\n";
    }
    c << "}\n";
    return c.str();
}

}  // namespace

std::string nginx_binary() {
    if (const char *env = std::getenv("REALM_NGINX"); env && *env) return executable(env) ? env : "";
    if (executable("/usr/sbin/nginx")) return "/usr/sbin/nginx";
    const char *path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    for (std::string d; std::getline(dirs, d, ':');)
        if (executable(d + "/nginx")) return d + "/nginx";
    return "";
}

bool NginxProcess::start(int upstream_port, const std::vector<NginxSite> &sites) {
    std::string why;
    // A port taken between free_ports() and nginx's bind: try new ones.
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (start_once(upstream_port, sites, &why)) return true;
        std::string log = error_log();
        stop();
        if (log.find("Address already in use") == std::string::npos) break;
    }
    ADD_FAILURE() << why;
    return false;
}

bool NginxProcess::start_once(int upstream_port, const std::vector<NginxSite> &sites, std::string *why) {
    std::string bin = nginx_binary();
    if (bin.empty()) {
        *why = "nginx not found (scripts/setup installs it; or set REALM_NGINX)";
        return false;
    }
    char tmpl[] = "/tmp/realm-nginx-XXXXXX";
    if (!mkdtemp(tmpl)) {
        *why = "mkdtemp failed";
        return false;
    }
    dir_ = tmpl;
    ports_ = free_ports(sites.size());
    if (ports_.size() != sites.size()) {
        *why = "no free loopback ports";
        return false;
    }
    {
        std::ofstream f(dir_ + "/nginx.conf");
        f << config(dir_, upstream_port, sites, ports_);
    }
    std::vector<std::string> args = {bin, "-p", dir_ + "/", "-c", dir_ + "/nginx.conf", "-e", dir_ + "/error.log"};
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string out_path = dir_ + "/stderr.log";

    pid_ = fork();
    if (pid_ == 0) {
        int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv.data());
        _exit(127);
    }
    if (pid_ < 0) {
        *why = "fork failed";
        return false;
    }
    // Up when every listener accepts; bounded, and a dead nginx ends the wait.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            *why = "nginx exited at startup (status " + std::to_string(status) + "):\n" + error_log();
            return false;
        }
        bool all = true;
        for (int p : ports_) all = all && accepts(p);
        if (all) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    *why = "nginx did not listen within 10 s:\n" + error_log();
    return false;
}

std::string NginxProcess::error_log() const {
    std::string text;
    for (const char *name : {"/stderr.log", "/error.log"}) {
        std::ifstream f(dir_ + name);
        std::stringstream s;
        s << f.rdbuf();
        text += s.str();
    }
    return text;
}

void NginxProcess::stop() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 500 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (waitpid(pid_, &status, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }
    if (!dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        dir_.clear();
    }
}

NginxProcess::~NginxProcess() { stop(); }

}  // namespace realm::test
