// NativeClient: one librealm client and its pull-mode queue: lifecycle,
// state, connect and disconnect. Requests are started in requests.cpp,
// delivered in drain.cpp, and waited for in waits.cpp.
#include "native.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <unordered_set>

namespace realmpy {

Globals G;

namespace {

// Every live NativeClient, for shutdown_all() at interpreter exit. GIL-guarded.
std::unordered_set<NativeClient *> g_clients;

}  // namespace

// ------------------------------------------------------------------ ReqState

ReqState::~ReqState() {
    Py_CLEAR(on_token);
    Py_CLEAR(on_started);
    Py_CLEAR(on_done);
    Py_CLEAR(value);
    Py_CLEAR(error);
    Py_CLEAR(cb_error);
    Py_CLEAR(waiter);
    if (req) realm_request_release(req);
}

PyObject *ReqState::pop_token() {
    size_t begin = head ? ends[head - 1] : 0;
    size_t end = ends[head++];
    PyObject *s = utf8_to_str(buf.data() + begin, end - begin);
    if (head == ends.size()) {
        buf.clear();
        ends.clear();
        head = 0;
    }
    return s;
}

void ReqState::append(const realm_token_t *t, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        buf.append(t[i].text, t[i].len);
        ends.push_back(uint32_t(buf.size()));
    }
}

void ReqState::cancel() {
    if (req && !done) realm_request_cancel(req);
}

// ------------------------------------------------------------------ NativeClient

NativeClient::NativeClient(const py::dict &options) : opts_(new_options(options)), ctl_(std::make_shared<Ctl>()) {
    g_clients.insert(this);
}

NativeClient::~NativeClient() {
    g_clients.erase(this);
    try {
        close(false);
    } catch (...) {
        PyErr_Clear();
    }
    Py_CLEAR(event_sink_);
    Py_CLEAR(token_sink_);
    realm_options_destroy(opts_);
}

void NativeClient::shutdown_all() {
    std::vector<NativeClient *> all(g_clients.begin(), g_clients.end());
    for (auto *c : all) {
        try {
            c->close(false);
        } catch (...) {
            PyErr_Clear();
        }
    }
}

void NativeClient::open() {
    if (client_) return;
    if (pending_finalize_) throw py::value_error("client is closing");
    realm_client_t *c = nullptr;
    realm_error_t *err = nullptr;
    realm_status_t rc;
    {
        // May start the event thread and wait for it.
        py::gil_scoped_release nogil;
        rc = realm_client_new(opts_, &c, &err);
    }
    if (rc != REALM_OK) raise_error(rc, err);
    realm_queue_t *q = nullptr;
    rc = realm_queue_new(&q);
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (rc != REALM_OK || efd < 0) {
        if (efd >= 0) ::close(efd);
        realm_queue_destroy(q);
        py::gil_scoped_release nogil;
        realm_client_destroy(c);
        throw std::bad_alloc();
    }
    realm_client_set_event_queue(c, q, nullptr);
    {
        std::lock_guard<std::mutex> lock(ctl_->mu);
        ctl_->efd = efd;
    }
    queue_ = q;
    client_ = c;
}

void NativeClient::close(bool dispatch) {
    if (!client_) return;
    detach_loop();
    // Held batch requests are not the client's yet: end them first.
    std::vector<NativeBatch *> held(batches_.begin(), batches_.end());
    for (NativeBatch *b : held) b->discard();
    realm_client_t *c = client_;
    client_ = nullptr;
    {
        // Blocks until every request ended; their DONE events land in the queue.
        py::gil_scoped_release nogil;
        realm_client_destroy(c);
    }
    dispatch_ = dispatch;
    if (in_drain_) {
        pending_finalize_ = true;  // drain() in progress up the stack finishes the job
        return;
    }
    finalize_queue();
}

void NativeClient::finalize_queue() {
    pending_finalize_ = false;
    if (!queue_) return;
    drain_all();
    dispatch_ = true;
    bool orphans = !inflight_.empty();
    inflight_.clear();
    if (!orphans) {
        realm_queue_destroy(queue_);
    }
    // else: the event thread is gone (process exit) and requests still point
    // at the queue: leak it rather than risk a dangling pointer.
    queue_ = nullptr;
    std::lock_guard<std::mutex> lock(ctl_->mu);
    if (ctl_->efd >= 0) ::close(ctl_->efd);
    ctl_->efd = -1;
}

int NativeClient::state() const { return client_ ? int(realm_client_state(client_)) : int(REALM_STATE_DISCONNECTED); }

py::object NativeClient::tenant_id() const {
    if (!client_) return py::none();
    char buf[128];
    int n = realm_client_tenant_id(client_, buf, sizeof buf);
    if (n <= 0) return py::none();
    if (size_t(n) >= sizeof buf) {
        std::string big(size_t(n) + 1, '\0');
        realm_client_tenant_id(client_, &big[0], big.size());
        big.resize(size_t(n));
        return py::str(big);
    }
    return py::str(buf, size_t(n));
}

py::object NativeClient::server_version() const {
    if (!client_) return py::none();
    char buf[128];
    int n = realm_client_server_version(client_, buf, sizeof buf);
    if (n <= 0) return py::none();
    return py::str(buf, std::min(size_t(n), sizeof buf - 1));
}

bool NativeClient::has_extension(py::handle name) const {
    const char *s = utf8_arg(name.ptr(), "name");
    return client_ && realm_client_has_extension(client_, s);
}

int NativeClient::queue_fd() const { return queue_ ? realm_queue_fd(queue_) : -1; }

// ------------------------------------------------------------------ connect / disconnect

void NativeClient::ctl_complete(void *user, realm_client_t *, realm_status_t status, const realm_error_t *error) {
    // Event thread: no Python here. Record and wake the consumer.
    auto *tok = static_cast<CtlToken *>(user);
    {
        std::lock_guard<std::mutex> lock(tok->ctl->mu);
        tok->ctl->done.push_back({tok->id, status, error ? realm_error_copy(error) : nullptr});
        if (tok->ctl->efd >= 0) {
            uint64_t one = 1;
            ssize_t n = ::write(tok->ctl->efd, &one, sizeof one);
            (void)n;
        }
    }
    delete tok;
}

py::object NativeClient::start_op(py::handle self, bool connect) {
    if (connect) open();
    if (!client_) return py::reinterpret_steal<py::object>(new_completed(Py_None));
    auto st = std::make_shared<ReqState>(ReqState::kOp, ReqState::kUnary);
    uint64_t id = ++next_op_;
    auto *tok = new CtlToken{ctl_, id};
    ops_.emplace(id, st);
    realm_status_t rc = connect ? realm_client_connect(client_, &ctl_complete, tok)
                                : realm_client_disconnect(client_, &ctl_complete, tok);
    if (rc != REALM_OK) {
        delete tok;
        ops_.erase(id);
        raise_error(rc, nullptr);
    }
    PyObject *obj = new_req_object(&CallType, st, self);
    if (!obj) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(obj);
}

py::object NativeClient::connect(py::handle self) { return start_op(self, true); }
py::object NativeClient::disconnect(py::handle self) { return start_op(self, false); }

void NativeClient::connect_blocking() {
    open();
    realm_client_t *c = client_;
    realm_error_t *err = nullptr;
    realm_status_t rc;
    {
        py::gil_scoped_release nogil;
        rc = realm_client_connect_wait(c, 0, &err);
    }
    drain();  // deliver "connected" / "error" events
    if (rc != REALM_OK) raise_error(rc, err);
}

void NativeClient::disconnect_blocking() {
    if (!client_) return;
    realm_client_t *c = client_;
    {
        py::gil_scoped_release nogil;
        realm_client_disconnect_wait(c);
    }
    close(true);
}

}  // namespace realmpy
