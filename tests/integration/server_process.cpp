#include "server_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace realm::test {

std::string server_binary() { return REALM_SERVER_BINARY; }

bool ServerProcess::start(const std::vector<std::string> &args, int port) {
    int out[2];
    if (pipe(out) != 0) {
        ADD_FAILURE() << "pipe failed";
        return false;
    }
    std::vector<std::string> argv_s = {server_binary(), "--host", "127.0.0.1", "--port", std::to_string(port)};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        std::vector<char *> argv;
        for (auto &a : argv_s) argv.push_back(const_cast<char *>(a.c_str()));
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    // The first stdout line is the port: wait for it (bounded).
    std::string line;
    pollfd p{out[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos) {
        if (poll(&p, 1, 10000) != 1) break;
        char buf[64];
        ssize_t n = read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        line.append(buf, size_t(n));
    }
    close(out[0]);  // later output (if any) goes nowhere; the server ignores SIGPIPE on stdout? see below
    port_ = std::atoi(line.c_str());
    if (port_ <= 0) {
        ADD_FAILURE() << "realm-server did not print its port (got '" << line << "')";
        kill_hard();
        return false;
    }
    return true;
}

int ServerProcess::stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::kill_hard() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

ServerProcess::~ServerProcess() { kill_hard(); }

std::string ServerProcess::url(const std::string &path) const {
    return "ws://127.0.0.1:" + std::to_string(port_) + path;
}

std::string ServerProcess::http_url(const std::string &path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string ServerProcess::wss_url(const std::string &host, const std::string &path) const {
    return "wss://" + host + ":" + std::to_string(port_) + path;
}

std::string write_api_keys_file() {
    char path[] = "/tmp/realm-keys-XXXXXX";
    int fd = mkstemp(path);
    const char *keys = R"([
      {"key":"sk_test_123","tenant_id":"tenant1","name":"test","enabled":true,"rate_limit":null,"created_at":0,"last_used":null},
      {"key":"sk_disabled","tenant_id":"tenant2","name":"off","enabled":false,"rate_limit":null,"created_at":0,"last_used":null}
    ])";
    ssize_t n = write(fd, keys, strlen(keys));
    (void)n;
    close(fd);
    return path;
}

std::string make_test_certs() {
    static std::string dir = [] {
        char tmpl[] = "/tmp/realm-certs-XXXXXX";
        std::string d = mkdtemp(tmpl);
        std::string cmd = std::string(REALM_SOURCE_DIR) + "/scripts/make-test-certs " + d + " >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) return std::string();
        return d;
    }();
    return dir;
}

}  // namespace realm::test
