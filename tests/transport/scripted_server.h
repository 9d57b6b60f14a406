// An in-process HTTP/1.1 server for transport tests: one listening socket on
// 127.0.0.1 (port 0), a thread per accepted connection that reads one request
// (head and Content-Length body) and then plays a script of steps chosen for
// that request (which may end by reading the next request on the same
// connection: keep-alive): writes, writes of one byte at a time, gates the test opens,
// timed pauses, waiting for the client to close. Optionally over TLS and/or
// on ::1.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

struct ssl_st;
struct ssl_ctx_st;

namespace realm::test {

struct ReceivedRequest {
    std::string method, target, version;
    std::vector<std::pair<std::string, std::string>> headers;  // in order, as received
    std::string raw_head;                                      // up to and including the empty line
    std::string body;
    int on_connection = 0;                                     // requests read before it on its connection
    // First value of a header (name compared case-insensitively), "" if absent.
    std::string header(std::string_view name) const;
    size_t count(std::string_view name) const;
};

struct Step {
    enum Kind {
        kWrite,             // write `data` in one send()
        kWriteBytewise,     // one byte per send(); each is read by the client before the next
        kGate,              // wait until the test calls open_gate(gate)
        kPause,             // wait `ms` milliseconds (a quiet period on the wire)
        kAwaitClientClose,  // read until the client closes (counted by wait_client_closes)
        kClose,             // close the connection now
        kNextRequest,       // read the next request on this connection and play its script
    };
    Kind kind;
    std::string data;
    int gate = 0;
    int ms = 0;

    static Step write(std::string d) { return {kWrite, std::move(d), 0, 0}; }
    static Step bytewise(std::string d) { return {kWriteBytewise, std::move(d), 0, 0}; }
    static Step wait_gate(int g) { return {kGate, {}, g, 0}; }
    static Step pause(int ms) { return {kPause, {}, 0, ms}; }
    static Step await_client_close() { return {kAwaitClientClose, {}, 0, 0}; }
    static Step close() { return {kClose, {}, 0, 0}; }
    static Step next_request() { return {kNextRequest, {}, 0, 0}; }
};

struct ServerOptions {
    bool ipv6 = false;       // listen on ::1 instead of 127.0.0.1
    std::string cert_file;   // TLS when set (PEM certificate and key)
    std::string key_file;
};

class ScriptedServer {
public:
    using Script = std::function<std::vector<Step>(const ReceivedRequest &)>;

    explicit ScriptedServer(Script script, ServerOptions options = {});
    ~ScriptedServer();
    ScriptedServer(const ScriptedServer &) = delete;
    ScriptedServer &operator=(const ScriptedServer &) = delete;

    int port() const { return port_; }

    // Lets every connection waiting at Step::wait_gate(gate) go on.
    void open_gate(int gate);
    // Waits (up to 30 s) until `n` requests have been read; returns them all.
    std::vector<ReceivedRequest> wait_requests(size_t n);
    // Waits (up to 30 s) until `n` kAwaitClientClose steps saw the client close.
    bool wait_client_closes(size_t n);
    size_t accepted();

private:
    void accept_loop();
    void serve(int fd);
    bool send_all(int fd, ssl_st *ssl, const char *p, size_t n);
    bool send_bytewise(int fd, const std::string &data);
    bool read_request(int fd, ssl_st *ssl, ReceivedRequest *req);

    Script script_;
    ServerOptions options_;
    ssl_ctx_st *tls_ = nullptr;
    int listen_fd_ = -1;
    int port_ = 0;
    std::thread acceptor_;

    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::set<int> gates_;
    std::set<int> open_fds_;
    std::vector<std::thread> workers_;
    std::vector<ReceivedRequest> requests_;
    size_t accepted_ = 0;
    size_t client_closes_ = 0;
};

}  // namespace realm::test
