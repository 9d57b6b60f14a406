// NativeClient: one librealm client, its pull-mode queue and the code that
// drains that queue into Python objects on the consumer thread.
#include "native.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <unordered_set>

namespace realmpy {

Globals G;

namespace {

// Every live NativeClient, for shutdown_all() at interpreter exit. GIL-guarded.
std::unordered_set<NativeClient *> g_clients;

// Reports the pending Python error (a callback raised inside drain) without
// propagating it: one consumer bug must not stop the delivery of other events.
void report_unraisable(PyObject *where) {
    if (PyErr_Occurred()) PyErr_WriteUnraisable(where);
}

PyObject *decode(const char *s, size_t len) { return PyUnicode_DecodeUTF8(s, Py_ssize_t(len), "replace"); }

// Raises `exc` (an exception instance) as the current error.
void set_exception(PyObject *exc) { PyErr_SetObject(reinterpret_cast<PyObject *>(Py_TYPE(exc)), exc); }

PyObject *exception_via_factory(long status, const char *code, const char *message, int retryable,
                                long long retry_after_ms, int http_status, int close_code) {
    if (!G.error_factory) return PyObject_CallFunction(PyExc_RuntimeError, "s", message);
    PyObject *args = Py_BuildValue("(iNNiLii)", int(status), decode(code, std::strlen(code)),
                                   decode(message, std::strlen(message)), retryable, retry_after_ms, http_status,
                                   close_code);
    if (!args) return nullptr;
    PyObject *exc = PyObject_Call(G.error_factory, args, nullptr);
    Py_DECREF(args);
    if (!exc) {
        // The factory itself failed: report that rather than lose the error.
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        Py_XDECREF(type);
        Py_XDECREF(tb);
        return value;
    }
    return exc;
}

struct DrainGuard {
    bool &flag;
    explicit DrainGuard(bool &f) : flag(f) { flag = true; }
    ~DrainGuard() { flag = false; }
};

}  // namespace

// ------------------------------------------------------------------ errors

PyObject *make_exception(const realm_error_t *err) {
    if (!err) return make_exception(REALM_ERR_INTERNAL, "unknown error");
    return exception_via_factory(long(realm_error_status(err)), realm_error_code(err), realm_error_message(err),
                                 realm_error_retryable(err), (long long)realm_error_retry_after_ms(err),
                                 realm_error_http_status(err), realm_error_close_code(err));
}

PyObject *make_exception(realm_status_t status, const std::string &message) {
    size_t n = 0;
    const realm_error_info_t *table = realm_get_error_table(&n);
    int retryable = 0;
    for (size_t i = 0; i < n; ++i)
        if (table[i].status == status) retryable = table[i].retryable;
    return exception_via_factory(long(status), realm_status_name(status),
                                 message.empty() ? realm_strerror(status) : message.c_str(), retryable, -1, 0, 0);
}

void raise_error(realm_status_t status, realm_error_t *err) {
    PyObject *exc = err ? make_exception(err) : make_exception(status, "");
    realm_error_destroy(err);
    if (exc) {
        set_exception(exc);
        Py_DECREF(exc);
    }
    throw py::error_already_set();
}

namespace {
[[noreturn]] void raise_message(realm_status_t status, const std::string &message) {
    PyObject *exc = make_exception(status, message);
    if (exc) {
        set_exception(exc);
        Py_DECREF(exc);
    }
    throw py::error_already_set();
}

uint32_t to_u32(py::handle v, const std::string &key) {
    if (PyBool_Check(v.ptr()) || !PyLong_Check(v.ptr()))
        throw py::type_error("option '" + key + "' must be an int");
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
    if (overflow || n < 0 || n > (long long)UINT32_MAX)
        raise_message(REALM_ERR_INVALID_ARGUMENT, "invalid value for option '" + key + "': " + std::string(py::repr(v)));
    return uint32_t(n);
}
}  // namespace

// ------------------------------------------------------------------ ReqState

ReqState::~ReqState() {
    Py_CLEAR(on_token);
    Py_CLEAR(value);
    Py_CLEAR(error);
    Py_CLEAR(cb_error);
    Py_CLEAR(waiter);
    if (req) realm_request_release(req);
}

PyObject *ReqState::pop_token() {
    size_t begin = head ? ends[head - 1] : 0;
    size_t end = ends[head++];
    PyObject *s = decode(buf.data() + begin, end - begin);
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

NativeClient::NativeClient(const py::dict &options) : ctl_(std::make_shared<Ctl>()) {
    opts_ = realm_options_new();
    if (!opts_) throw std::bad_alloc();
    try {
        for (auto item : options) {
            std::string key = py::str(item.first);
            py::handle v = item.second;
            realm_status_t rc = REALM_OK;
            auto text = [&](realm_status_t (*setter)(realm_options_t *, const char *)) {
                if (v.is_none()) return setter(opts_, nullptr);
                if (!PyUnicode_Check(v.ptr())) throw py::type_error("option '" + key + "' must be a str");
                return setter(opts_, py::cast<std::string>(v).c_str());
            };
            auto flag = [&](realm_status_t (*setter)(realm_options_t *, int)) {
                return setter(opts_, PyObject_IsTrue(v.ptr()) ? 1 : 0);
            };
            if (v.is_none() && key != "api_key" && key != "tenant_id" && key != "model" && key != "tls_ca_file")
                continue;  // not given: the core's default applies
            if (key == "url") rc = text(realm_options_set_url);
            else if (key == "api_key") rc = text(realm_options_set_api_key);
            else if (key == "tenant_id") rc = text(realm_options_set_tenant_id);
            else if (key == "model") rc = text(realm_options_set_model);
            else if (key == "tls_ca_file") rc = text(realm_options_set_tls_ca_file);
            else if (key == "reconnect") rc = flag(realm_options_set_reconnect);
            else if (key == "tls_insecure") rc = flag(realm_options_set_tls_insecure);
            else if (key == "connect_timeout_ms") rc = realm_options_set_connect_timeout_ms(opts_, to_u32(v, key));
            else if (key == "request_timeout_ms") rc = realm_options_set_request_timeout_ms(opts_, to_u32(v, key));
            else if (key == "idle_timeout_ms") rc = realm_options_set_idle_timeout_ms(opts_, to_u32(v, key));
            else if (key == "backoff_base_ms") rc = realm_options_set_backoff_base_ms(opts_, to_u32(v, key));
            else if (key == "backoff_cap_ms") rc = realm_options_set_backoff_cap_ms(opts_, to_u32(v, key));
            else if (key == "backoff_max_attempts") rc = realm_options_set_backoff_max_attempts(opts_, to_u32(v, key));
            else if (key == "backoff_jitter_percent")
                rc = realm_options_set_backoff_jitter_percent(opts_, to_u32(v, key));
            else if (key == "ping_interval_ms") rc = realm_options_set_ping_interval_ms(opts_, to_u32(v, key));
            else if (key == "max_queued_requests") rc = realm_options_set_max_queued_requests(opts_, to_u32(v, key));
            else if (key == "max_message_size") rc = realm_options_set_max_message_size(opts_, to_u32(v, key));
            else throw py::type_error("unknown option '" + key + "'");
            if (rc != REALM_OK) {
                std::string why = "invalid value for option '" + key + "'";
                if (key != "api_key") why += ": " + std::string(py::repr(v));
                raise_message(rc, why);
            }
        }
    } catch (...) {
        realm_options_destroy(opts_);
        opts_ = nullptr;
        throw;
    }
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

bool NativeClient::has_extension(const std::string &name) const {
    return client_ && realm_client_has_extension(client_, name.c_str());
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

// ------------------------------------------------------------------ requests

namespace {

bool key_is(PyObject *key, const char *name) { return PyUnicode_CompareWithASCIIString(key, name) == 0; }

const char *utf8_arg(PyObject *v, const char *what) {
    if (!PyUnicode_Check(v)) throw py::type_error(std::string(what) + " must be a str");
    Py_ssize_t len = 0;
    const char *s = PyUnicode_AsUTF8AndSize(v, &len);
    if (!s) throw py::error_already_set();
    if (std::strlen(s) != size_t(len)) raise_message(REALM_ERR_INVALID_ARGUMENT, std::string(what) + " contains a NUL character");
    return s;
}

int64_t int_arg(PyObject *v, const char *what) {
    if (PyBool_Check(v) || !PyLong_Check(v)) throw py::type_error(std::string(what) + " must be an int");
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow || n < 0) raise_message(REALM_ERR_INVALID_ARGUMENT, std::string(what) + " must be >= 0");
    return n;
}

double float_arg(PyObject *v, const char *what) {
    if (PyBool_Check(v) || !(PyFloat_Check(v) || PyLong_Check(v)))
        throw py::type_error(std::string(what) + " must be a number");
    double d = PyFloat_AsDouble(v);
    if (d == -1.0 && PyErr_Occurred()) throw py::error_already_set();
    if (d < 0) raise_message(REALM_ERR_INVALID_ARGUMENT, std::string(what) + " must be >= 0");
    return d;
}

}  // namespace

py::object NativeClient::start(py::handle self, std::shared_ptr<ReqState> st, realm_status_t rc, realm_request_t *req,
                               realm_error_t *err, int how) {
    if (rc != REALM_OK) raise_error(rc, err);
    st->req = req;
    inflight_.emplace(st.get(), st);
    PyTypeObject *type = how == 1 ? &StreamType : how == 2 ? &SyncStreamType : &CallType;
    PyObject *obj = new_req_object(type, std::move(st), self);
    if (!obj) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(obj);
}

py::object NativeClient::generate(py::handle self, py::handle options, int how, py::handle on_token) {
    PyObject *opts = options.ptr();
    if (!PyDict_Check(opts)) throw py::type_error("options must be a dict");
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    py::object extra;  // dict of the other keys, sent as extra params
    PyObject *key, *v;
    Py_ssize_t pos = 0;
    int stream = 0;
    while (PyDict_Next(opts, &pos, &key, &v)) {
        if (!PyUnicode_Check(key)) throw py::type_error("option names must be str");
        if (v == Py_None) continue;  // absent
        if (key_is(key, "prompt")) p.prompt = utf8_arg(v, "prompt");
        else if (key_is(key, "max_tokens")) p.max_tokens = int_arg(v, "max_tokens");
        else if (key_is(key, "temperature")) p.temperature = float_arg(v, "temperature");
        else if (key_is(key, "top_p")) p.top_p = float_arg(v, "top_p");
        else if (key_is(key, "top_k")) p.top_k = int_arg(v, "top_k");
        else if (key_is(key, "repetition_penalty")) p.repetition_penalty = float_arg(v, "repetition_penalty");
        else if (key_is(key, "model")) p.model = utf8_arg(v, "model");
        else if (key_is(key, "stream")) {
            int t = PyObject_IsTrue(v);
            if (t < 0) throw py::error_already_set();
            stream = t;
        } else {
            if (!extra) extra = py::dict();
            if (PyDict_SetItem(extra.ptr(), key, v) < 0) throw py::error_already_set();
        }
    }
    if (how != 0) stream = 1;
    p.stream = stream;
    py::object extra_json;
    if (extra) {
        // allow_nan=False: NaN and infinities are not JSON (the core would
        // refuse them, naming a C parameter). A value json cannot write
        // (NaN, a cycle) is an InvalidArgumentError; a type it cannot write
        // stays json's TypeError, as for the other options.
        try {
            extra_json = py::reinterpret_borrow<py::object>(G.json_dumps)(extra, py::arg("allow_nan") = false);
        } catch (py::error_already_set &e) {
            if (!e.matches(PyExc_ValueError)) throw;
            raise_message(REALM_ERR_INVALID_ARGUMENT, "extra options cannot be sent as JSON: " + std::string(py::str(e.value())));
        }
        p.extra_params_json = utf8_arg(extra_json.ptr(), "extra options");
    }
    ReqState::Mode mode = how != 0                          ? ReqState::kStream
                          : (stream && !on_token.is_none()) ? ReqState::kCallback
                                                            : ReqState::kUnary;
    if (!client_) raise_message(REALM_ERR_NOT_CONNECTED, "the client is not connected: call connect() first");
    auto st = std::make_shared<ReqState>(ReqState::kGenerate, mode);
    if (mode == ReqState::kCallback) {
        Py_INCREF(on_token.ptr());
        st->on_token = on_token.ptr();
    }
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = st.get();
    h.queue = queue_;
    realm_request_t *req = nullptr;
    realm_error_t *err = nullptr;
    realm_status_t rc = realm_generate(client_, &p, nullptr, &h, &req, &err);
    return start(self, std::move(st), rc, req, err, how);
}

// health, metadata, pipeline and call: one JSON result, no tokens.
py::object NativeClient::start_json_request(py::handle self, const JsonStarter &begin) {
    if (!client_) raise_message(REALM_ERR_NOT_CONNECTED, "the client is not connected: call connect() first");
    auto st = std::make_shared<ReqState>(ReqState::kJson, ReqState::kUnary);
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = st.get();
    h.queue = queue_;
    realm_request_t *req = nullptr;
    realm_error_t *err = nullptr;
    realm_status_t rc = begin(&h, &req, &err);
    return start(self, std::move(st), rc, req, err, 0);
}

py::object NativeClient::health(py::handle self) {
    return start_json_request(self, [this](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_health(client_, nullptr, h, req, err);
    });
}

py::object NativeClient::metadata(py::handle self) {
    return start_json_request(self, [this](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_metadata(client_, nullptr, h, req, err);
    });
}

py::object NativeClient::pipeline(py::handle self, const std::string &name, py::handle input_json) {
    const char *input = input_json.is_none() ? nullptr : utf8_arg(input_json.ptr(), "pipeline input");
    return start_json_request(self, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_pipeline(client_, name.c_str(), input, nullptr, h, req, err);
    });
}

py::object NativeClient::call(py::handle self, const std::string &function, py::handle params_json) {
    const char *params = params_json.is_none() ? nullptr : utf8_arg(params_json.ptr(), "params");
    return start_json_request(self, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_call(client_, function.c_str(), params, nullptr, h, req, err);
    });
}

// ------------------------------------------------------------------ draining

namespace {

void wake(ReqState *st) {
    PyObject *w = st->waiter;
    if (!w) return;
    st->waiter = nullptr;
    // A cancelled future refuses a result (InvalidStateError): ignore.
    PyObject *r = PyObject_CallMethodOneArg(w, G.s_set_result, Py_None);
    if (r) Py_DECREF(r);
    else PyErr_Clear();
    Py_DECREF(w);
}

int set_opt_int(PyObject *d, PyObject *k, long long v) {
    PyObject *o = PyLong_FromLongLong(v);
    if (!o) return -1;
    int rc = PyDict_SetItem(d, k, o);
    Py_DECREF(o);
    return rc;
}

int set_number(PyObject *d, PyObject *k, double v) {
    // Whole numbers (the server's time_ms, for instance) stay ints.
    PyObject *o = (std::floor(v) == v && std::fabs(v) < 9007199254740992.0) ? PyLong_FromLongLong((long long)v)
                                                                            : PyFloat_FromDouble(v);
    if (!o) return -1;
    int rc = PyDict_SetItem(d, k, o);
    Py_DECREF(o);
    return rc;
}

PyObject *build_result(ReqState::Kind kind, const realm_result_t *r) {
    if (kind == ReqState::kOp) Py_RETURN_NONE;
    if (kind == ReqState::kJson) {
        size_t len = 0;
        const char *json = realm_result_json(r, &len);
        PyObject *s = decode(json, len);
        if (!s) return nullptr;
        PyObject *v = PyObject_CallOneArg(G.json_loads, s);
        Py_DECREF(s);
        return v;
    }
    PyObject *d = G.result_type ? PyObject_CallNoArgs(G.result_type) : PyDict_New();
    if (!d) return nullptr;
    size_t len = 0;
    const char *text = realm_result_text(r, &len);
    PyObject *t = decode(text, len);
    if (!t || PyDict_SetItem(d, G.k_text, t) < 0) {
        Py_XDECREF(t);
        Py_DECREF(d);
        return nullptr;
    }
    Py_DECREF(t);
    int64_t n = realm_result_tokens_generated(r);
    if (n >= 0 && set_opt_int(d, G.k_tokens_generated, n) < 0) goto fail;
    n = realm_result_prompt_tokens(r);
    if (n >= 0 && set_opt_int(d, G.k_prompt_tokens, n) < 0) goto fail;
    {
        double x;
        if (realm_result_cost_usd(r, &x)) {
            PyObject *o = PyFloat_FromDouble(x);
            if (!o || PyDict_SetItem(d, G.k_cost_usd, o) < 0) {
                Py_XDECREF(o);
                goto fail;
            }
            Py_DECREF(o);
        }
        if (realm_result_time_ms(r, &x) && set_number(d, G.k_time_ms, x) < 0) goto fail;
    }
    return d;
fail:
    Py_DECREF(d);
    return nullptr;
}

}  // namespace

void NativeClient::emit_token(const char *text, size_t len) {
    PyObject *s = decode(text, len);
    PyObject *r = s ? PyObject_CallOneArg(token_sink_, s) : nullptr;
    Py_XDECREF(s);
    if (r) Py_DECREF(r);
    else report_unraisable(token_sink_);
}

void NativeClient::finish(ReqState *st, const realm_queue_event_t &ev) {
    st->done = true;
    if (st->cb_error) {
        st->error = st->cb_error;  // on_token raised: that is what the caller sees
        st->cb_error = nullptr;
    } else if (ev.outcome == REALM_OUTCOME_COMPLETE) {
        st->value = build_result(st->kind, ev.result);
        if (!st->value) {
            PyObject *type, *value, *tb;
            PyErr_Fetch(&type, &value, &tb);
            PyErr_NormalizeException(&type, &value, &tb);
            Py_XDECREF(type);
            Py_XDECREF(tb);
            st->error = value;
        }
    } else {
        st->error = make_exception(ev.error);
        if (!st->error) PyErr_Clear();
    }
    Py_CLEAR(st->on_token);
    wake(st);
}

void NativeClient::dispatch(const realm_queue_event_t &ev) {
    if (ev.kind == REALM_QEV_CLIENT) {
        if (ev.client_event && dispatch_) dispatch_client_event(*ev.client_event);
        return;
    }
    auto *st = static_cast<ReqState *>(ev.user);
    if (ev.kind == REALM_QEV_TOKENS) {
        if (token_sink_ && dispatch_)
            for (size_t i = 0; i < ev.token_count; ++i) emit_token(ev.tokens[i].text, ev.tokens[i].len);
        if (st->mode == ReqState::kStream) {
            if (!st->user_cancelled) {
                st->append(ev.tokens, ev.token_count);
                wake(st);
            }
        } else if (st->mode == ReqState::kCallback && st->on_token && !st->cb_error && dispatch_) {
            for (size_t i = 0; i < ev.token_count; ++i) {
                PyObject *s = decode(ev.tokens[i].text, ev.tokens[i].len);
                PyObject *r = s ? PyObject_CallOneArg(st->on_token, s) : nullptr;
                Py_XDECREF(s);
                if (r) {
                    Py_DECREF(r);
                    continue;
                }
                PyObject *type, *value, *tb;
                PyErr_Fetch(&type, &value, &tb);
                PyErr_NormalizeException(&type, &value, &tb);
                if (tb && value) PyException_SetTraceback(value, tb);
                Py_XDECREF(type);
                Py_XDECREF(tb);
                st->cb_error = value;
                st->cancel();
                break;
            }
        }
        return;
    }
    if (ev.kind == REALM_QEV_DONE) {
        finish(st, ev);
        inflight_.erase(st);  // may free st
    }
}

void NativeClient::dispatch_client_event(const realm_client_event_t &ev) {
    if (!event_sink_) return;
    PyObject *sink = event_sink_;
    Py_INCREF(sink);  // a callback may replace the sink
    try {
        py::object payload;
        const char *kind = "error";
        auto exc_or_none = [](const realm_error_t *e) -> py::object {
            if (!e) return py::none();
            PyObject *x = make_exception(e);
            if (!x) throw py::error_already_set();
            return py::reinterpret_steal<py::object>(x);
        };
        auto str_or_none = [](const char *s) -> py::object {
            if (!s) return py::none();
            return py::reinterpret_steal<py::object>(decode(s, std::strlen(s)));
        };
        switch (ev.type) {
            case REALM_EVENT_CONNECTED: {
                kind = "connected";
                py::dict d;
                d["tenant_id"] = str_or_none(ev.tenant_id);
                d["server_version"] = str_or_none(ev.server_version);
                payload = d;
                break;
            }
            case REALM_EVENT_DISCONNECTED: {
                kind = "disconnected";
                py::dict d;
                d["code"] = ev.close_code;
                d["reason"] = str_or_none(ev.reason);
                d["error"] = exc_or_none(ev.error);
                payload = d;
                break;
            }
            case REALM_EVENT_RECONNECTING: {
                kind = "reconnecting";
                py::dict d;
                d["attempt"] = ev.attempt;
                d["delay"] = double(ev.delay_ms) / 1000.0;
                d["error"] = exc_or_none(ev.error);
                payload = d;
                break;
            }
            case REALM_EVENT_ERROR:
            default:
                payload = exc_or_none(ev.error);
                break;
        }
        py::handle h(sink);
        h(kind, payload);
    } catch (py::error_already_set &e) {
        e.restore();
        report_unraisable(sink);
    }
    Py_DECREF(sink);
}

void NativeClient::drain_ctl() {
    std::vector<CtlDone> done;
    {
        // The fd is written under this lock together with `done`, so it is
        // readable exactly when `done` is non-empty: no read otherwise.
        std::lock_guard<std::mutex> lock(ctl_->mu);
        if (ctl_->done.empty()) return;
        if (ctl_->efd >= 0) {
            uint64_t v;
            ssize_t n = ::read(ctl_->efd, &v, sizeof v);
            (void)n;
        }
        done.swap(ctl_->done);
    }
    for (auto &d : done) {
        auto it = ops_.find(d.id);
        if (it == ops_.end()) {
            realm_error_destroy(d.error);
            continue;
        }
        std::shared_ptr<ReqState> st = it->second;
        ops_.erase(it);
        st->done = true;
        if (d.status == REALM_OK) {
            Py_INCREF(Py_None);
            st->value = Py_None;
        } else {
            st->error = d.error ? make_exception(d.error) : make_exception(d.status, "");
            if (!st->error) PyErr_Clear();
        }
        realm_error_destroy(d.error);
        wake(st.get());
    }
}

void NativeClient::drain_all() {
    DrainGuard guard(in_drain_);
    drain_thread_ = PyThread_get_thread_ident();
    realm_queue_event_t evs[64];
    for (;;) {
        size_t n = realm_queue_poll(queue_, evs, 64);
        for (size_t i = 0; i < n; ++i) dispatch(evs[i]);
        if (n < 64) break;
    }
    drain_ctl();
}

void NativeClient::drain() {
    if (in_drain_ || !queue_) return;
    drain_all();
    if (pending_finalize_) finalize_queue();
}

void NativeClient::set_event_sink(py::object sink) {
    PyObject *old = event_sink_;
    event_sink_ = sink.is_none() ? nullptr : sink.release().ptr();
    Py_XDECREF(old);
}

void NativeClient::set_token_sink(py::object sink) {
    PyObject *old = token_sink_;
    token_sink_ = sink.is_none() ? nullptr : sink.release().ptr();
    Py_XDECREF(old);
}

// ------------------------------------------------------------------ asyncio

void NativeClient::attach_loop(PyObject *loop, PyObject *owner) {
    detach_loop();
    PyObject *cb = PyObject_GetAttr(owner, G.s_drain);
    if (!cb) throw py::error_already_set();
    py::object guard = py::reinterpret_steal<py::object>(cb);
    int fds[2] = {realm_queue_fd(queue_), ctl_->efd};
    for (int fd : fds) {
        PyObject *r = PyObject_CallMethod(loop, "add_reader", "iO", fd, cb);
        if (!r) throw py::error_already_set();
        Py_DECREF(r);
    }
    Py_INCREF(loop);
    loop_ = loop;
}

void NativeClient::detach_loop() {
    if (!loop_) return;
    PyObject *loop = loop_;
    loop_ = nullptr;
    int fds[2] = {queue_ ? realm_queue_fd(queue_) : -1, ctl_->efd};
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    for (int fd : fds) {
        if (fd < 0) continue;
        // A closed loop answers False; any other failure is not ours to raise.
        PyObject *r = PyObject_CallMethod(loop, "remove_reader", "i", fd);
        if (r) Py_DECREF(r);
        else PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
    Py_DECREF(loop);
}

PyObject *NativeClient::new_waiter(PyObject *owner) {
    PyObject *loop = PyObject_CallNoArgs(G.get_running_loop);
    if (!loop) return nullptr;
    if (loop != loop_) {
        if (!queue_) {
            Py_DECREF(loop);
            PyObject *exc = make_exception(REALM_ERR_NOT_CONNECTED, "the client is closed");
            if (exc) {
                set_exception(exc);
                Py_DECREF(exc);
            }
            return nullptr;
        }
        try {
            attach_loop(loop, owner);
        } catch (py::error_already_set &e) {
            Py_DECREF(loop);
            e.restore();
            return nullptr;
        }
    }
    PyObject *fut = PyObject_CallMethodNoArgs(loop, G.s_create_future);
    Py_DECREF(loop);
    if (!fut) return nullptr;
    if (PyObject_SetAttr(fut, G.s_future_blocking, Py_True) < 0) {
        Py_DECREF(fut);
        return nullptr;
    }
    return fut;
}

// ------------------------------------------------------------------ blocking waits

bool NativeClient::wait_blocking(ReqState *st, bool want_token) {
    auto ready = [&] { return st->done || (want_token && (st->has_tokens() || st->user_cancelled)); };
    while (!ready()) {
        if (!queue_) {
            PyObject *exc = make_exception(REALM_ERR_NOT_CONNECTED, "the client is closed");
            if (exc) {
                set_exception(exc);
                Py_DECREF(exc);
            }
            return false;
        }
        if (in_drain_ && drain_thread_ == PyThread_get_thread_ident()) {
            PyErr_SetString(PyExc_RuntimeError, "a blocking realm call cannot run inside a realm callback");
            return false;
        }
        bool lead = false;
        uint64_t gen;
        {
            std::lock_guard<std::mutex> lock(wmu_);
            if (!leader_) leader_ = lead = true;
            gen = drain_gen_;
        }
        if (lead) {
            struct pollfd pfd = {realm_queue_fd(queue_), POLLIN, 0};
            Py_BEGIN_ALLOW_THREADS
            // Bounded only so that Ctrl-C is noticed; wakeups come from the fd.
            ::poll(&pfd, 1, 200);
            Py_END_ALLOW_THREADS
            // Still the leader while draining: a Python callback inside may
            // let other threads run, and they must wait, not poll.
            drain();
            {
                std::lock_guard<std::mutex> lock(wmu_);
                leader_ = false;
                ++drain_gen_;
            }
            wcv_.notify_all();
        } else {
            Py_BEGIN_ALLOW_THREADS
            {
                // Released before the GIL is taken back (else: lock-order deadlock).
                std::unique_lock<std::mutex> lock(wmu_);
                wcv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return drain_gen_ != gen || !leader_; });
            }
            Py_END_ALLOW_THREADS
        }
        if (PyErr_CheckSignals() < 0) {
            st->user_cancelled = true;
            st->cancel();
            return false;
        }
    }
    return true;
}

}  // namespace realmpy
