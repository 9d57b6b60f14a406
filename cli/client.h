// One librealm client for a command: options from the command line, an
// interruptible connect, and a pull-mode queue that the main thread drains
// (so every printf happens on the main thread, and Ctrl-C is seen in poll()).
#pragma once

#include "args.h"
#include "output.h"

#include <realm/realm.h>

#include <functional>
#include <memory>
#include <mutex>

namespace realm_cli {

class Client {
public:
    Client(const GlobalOptions &global, Printer &printer) : global_(global), printer_(printer) {}
    ~Client();
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    // Builds the options and the client. `no_default_timeout`: without
    // --timeout, requests have no total timeout (streamed commands the user
    // can interrupt). `defaults` are set before --option, which may override
    // them; a default the dialect refuses is skipped. Returns 0 or an exit code.
    int open(bool no_default_timeout, const std::vector<std::pair<std::string, std::string>> &defaults = {});
    // Connects; Ctrl-C abandons. Returns 0 or an exit code (error printed).
    int connect();

    realm_client_t *get() const { return client_; }
    realm_queue_t *queue() const { return queue_; }
    // A pull-mode handler reporting to this client's queue with `user`.
    realm_handler_t handler(void *user) const;

private:
    static void on_connected(void *user, realm_client_t *, realm_status_t status, const realm_error_t *error);

    const GlobalOptions &global_;
    Printer &printer_;
    realm_client_t *client_ = nullptr;
    realm_queue_t *queue_ = nullptr;
    // Connect completion, written on the event thread.
    std::mutex mu_;
    bool connected_ = false;
    realm_status_t connect_status_ = REALM_OK;
    realm_error_t *connect_error_ = nullptr;
    int connect_pipe_[2] = {-1, -1};
};

enum class Wake { Events, Interrupted, Timeout };

// Waits up to timeout_ms (-1: no limit) for events on `q` or Ctrl-C, then
// hands every queued event to `fn` (also after Ctrl-C or a timeout).
Wake pump(realm_queue_t *q, int timeout_ms, const std::function<void(const realm_queue_event_t &)> &fn);

}  // namespace realm_cli

namespace realm_cli {

// Drives one accepted request (the only one on q) to its terminal event,
// handing every event to `fn`; Ctrl-C cancels the request (realm_request_cancel).
void run_to_end(realm_queue_t *q, realm_request_t *req, const std::function<void(const realm_queue_event_t &)> &fn);

}  // namespace realm_cli
