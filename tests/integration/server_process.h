// Starts a real realm-server on 127.0.0.1 with --port 0, reads the port it
// prints, and stops it by PID. Used by every integration test.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace realm::test {

class ServerProcess {
public:
    // Starts realm-server with `args` (plus --port, --host). Fails the
    // current test (ADD_FAILURE) and returns false when it cannot start.
    bool start(const std::vector<std::string> &args, int port = 0);
    // SIGTERM and wait; returns the exit status (0 = clean shutdown).
    int stop();
    // SIGKILL and wait: a server that dies without closing anything.
    void kill_hard();
    ~ServerProcess();

    int port() const { return port_; }
    pid_t pid() const { return pid_; }
    std::string url(const std::string &path = "") const;
    std::string http_url(const std::string &path = "") const;
    std::string wss_url(const std::string &host, const std::string &path = "") const;

private:
    pid_t pid_ = -1;
    int port_ = 0;
};

// Path of the realm-server binary (set by CMake).
std::string server_binary();
// Writes the key store used by the auth tests (sk_test_123 -> tenant1,
// sk_disabled disabled) to a temp file and returns its path.
std::string write_api_keys_file();
// Creates test certificates with scripts/make-test-certs; returns the folder.
std::string make_test_certs();

}  // namespace realm::test
