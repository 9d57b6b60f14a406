#include "client.h"

#include "exit_codes.h"
#include "signals.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace realm_cli {
namespace {

// Applies one option by name; on failure prints why (the library never
// quotes secret values) and returns the exit code.
int set_option(realm_options_t *opts, Printer &printer, const std::string &what, const std::string &key,
               const std::string &value) {
    realm_error_t *err = nullptr;
    realm_status_t st = realm_options_set(opts, key.c_str(), value.c_str(), &err);
    if (st == REALM_OK) return 0;
    return printer.call_error(what, st, err);
}

}  // namespace

Client::~Client() {
    realm_client_destroy(client_);  // blocks until every request has ended (into the queue)
    if (queue_) {
        realm_queue_event_t events[64];
        while (realm_queue_poll(queue_, events, 64) > 0) {}  // their DONE events, unread
    }
    realm_queue_destroy(queue_);
    realm_error_destroy(connect_error_);
    for (int fd : connect_pipe_)
        if (fd >= 0) close(fd);
}

int Client::open(bool no_default_timeout, const std::vector<std::pair<std::string, std::string>> &defaults) {
    struct OptionsDeleter {
        void operator()(realm_options_t *o) const { realm_options_destroy(o); }
    };
    std::unique_ptr<realm_options_t, OptionsDeleter> opts(realm_options_new());
    if (!opts) return printer_.call_error("options", REALM_ERR_NO_MEMORY, nullptr);
    const GlobalOptions &g = global_;
    // The tool's defaults, then the environment (REALM_TIMEOUT, REALM_DIALECT,
    // REALM_MAX_RETRIES, ...), then the flags: each wins over the one before.
    if (no_default_timeout) realm_options_set_request_timeout_ms(opts.get(), 0);
    for (const auto &[key, value] : defaults) realm_options_set(opts.get(), key.c_str(), value.c_str(), nullptr);
    realm_error_t *env_err = nullptr;
    if (realm_options_load_env(opts.get(), &env_err) != REALM_OK)
        return printer_.call_error("environment", realm_error_status(env_err), env_err);
    // Several URLs separated by spaces (from REALM_URL or --url) fail over.
    const char *url_key = g.url.find_first_of(" \t") == std::string::npos ? "url" : "urls";
    if (int rc = set_option(opts.get(), printer_, "--url", url_key, g.url)) return rc;
    if (!g.dialect.empty())
        if (int rc = set_option(opts.get(), printer_, "--dialect", "dialect", g.dialect)) return rc;
    if (g.api_key) {
        realm_status_t st = realm_options_set_api_key(opts.get(), g.api_key->c_str());
        if (st != REALM_OK) return printer_.call_error("--api-key (value not shown)", st, nullptr);
    }
    if (!g.model.empty())
        if (int rc = set_option(opts.get(), printer_, "--model", "model", g.model)) return rc;
    if (g.timeout_ms) {
        std::string ms = std::to_string(*g.timeout_ms);
        if (int rc = set_option(opts.get(), printer_, "--timeout", "request_timeout_ms", ms)) return rc;
        if (*g.timeout_ms > 0 && *g.timeout_ms <= 3600000)
            if (int rc = set_option(opts.get(), printer_, "--timeout", "connect_timeout_ms", ms)) return rc;
    }
    for (const auto &[key, value] : g.options)
        if (int rc = set_option(opts.get(), printer_, "--option " + key, key, value)) return rc;

    realm_status_t st = realm_queue_new(&queue_);
    if (st != REALM_OK) return printer_.call_error("queue", st, nullptr);
    realm_error_t *err = nullptr;
    {
        BlockSigintInNewThreads block;  // the event thread starts here: keep Ctrl-C on this thread
        st = realm_client_new(opts.get(), &client_, &err);
    }
    if (st != REALM_OK) {
        client_ = nullptr;
        return printer_.call_error("client", st, err);
    }
    return 0;
}

void Client::on_connected(void *user, realm_client_t *, realm_status_t status, const realm_error_t *error) {
    auto *self = static_cast<Client *>(user);
    {
        std::lock_guard<std::mutex> lock(self->mu_);
        self->connected_ = true;
        self->connect_status_ = status;
        self->connect_error_ = error ? realm_error_copy(error) : nullptr;
    }
    char b = 1;
    ssize_t r = write(self->connect_pipe_[1], &b, 1);
    (void)r;
}

int Client::connect() {
    if (pipe(connect_pipe_) != 0) return printer_.call_error("connect", REALM_ERR_INTERNAL, nullptr);
    realm_status_t st = realm_client_connect(client_, on_connected, this);
    if (st != REALM_OK) return printer_.call_error("connect", st, nullptr);
    bool abandoned = false;
    for (;;) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (connected_) break;
        }
        struct pollfd fds[2] = {{connect_pipe_[0], POLLIN, 0}, {sigint_fd(), POLLIN, 0}};
        int n = poll(fds, sigint_fd() >= 0 ? 2 : 1, -1);
        if (n < 0 && errno != EINTR) break;
        if (take_sigint() && !abandoned) {
            abandoned = true;
            realm_client_disconnect(client_, nullptr, nullptr);  // the connect ends as cancelled
        }
        char buf[8];
        if (fds[0].revents & POLLIN) {
            ssize_t r = read(connect_pipe_[0], buf, sizeof buf);
            (void)r;
        }
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (connect_status_ == REALM_OK) return 0;
    realm_error_t *err = connect_error_;
    connect_error_ = nullptr;
    return printer_.call_error("connect to " + global_.url, connect_status_, err);
}

realm_handler_t Client::handler(void *user) const {
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = user;
    h.queue = queue_;
    return h;
}

Wake pump(realm_queue_t *q, int timeout_ms, const std::function<void(const realm_queue_event_t &)> &fn) {
    struct pollfd fds[2] = {{realm_queue_fd(q), POLLIN, 0}, {sigint_fd(), POLLIN, 0}};
    int n = poll(fds, sigint_fd() >= 0 ? 2 : 1, timeout_ms);
    Wake wake = n == 0 ? Wake::Timeout : Wake::Events;
    if (fds[0].revents & POLLIN) {
        uint64_t v;
        ssize_t r = read(fds[0].fd, &v, sizeof v);
        (void)r;
    }
    if (take_sigint()) wake = Wake::Interrupted;
    realm_queue_event_t events[64];
    size_t got;
    do {
        got = realm_queue_poll(q, events, 64);
        for (size_t i = 0; i < got; i++) fn(events[i]);
    } while (got == 64);
    return wake;
}

}  // namespace realm_cli

namespace realm_cli {

void run_to_end(realm_queue_t *q, realm_request_t *req, const std::function<void(const realm_queue_event_t &)> &fn) {
    bool done = false;
    while (!done) {
        Wake w = pump(q, -1, [&](const realm_queue_event_t &ev) {
            if (ev.kind == REALM_QEV_DONE) done = true;
            fn(ev);
        });
        if (w == Wake::Interrupted && !done) realm_request_cancel(req);
    }
}

}  // namespace realm_cli
