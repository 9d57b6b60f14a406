// Internals of realm._realm, the thin CPython layer over include/realm/realm.h.
//
// Threading: the librealm event thread never enters this module. Requests use
// pull mode: their events go to one realm_queue_t per client, whose eventfd
// the consumer watches (asyncio: loop.add_reader; blocking API: poll() with
// the GIL released). The consumer drains the queue with the GIL held, on its
// own thread, and hands tokens to per-request buffers that the native
// iterators (request_types.cpp) read without any further wakeup.
//
//   module.cpp          the pybind11 module: NativeClient's methods, globals
//   native_client.cpp   NativeClient lifecycle, state, connect/disconnect
//   client_options.cpp  the options dict -> realm_options_t
//   requests.cpp        request starters: Python arguments -> C API calls
//   arguments.cpp       conversions of argument values (str, int, float, bool)
//   drain.cpp           queued events -> tokens, results, exceptions, client events
//   waits.cpp           waiting: asyncio futures, or blocking with the GIL released
//   request_types.cpp   the request objects: async/sync iterators and awaitables
//   errors.cpp          exceptions for librealm errors
//   ws_system.cpp       ws-system requests (generate with its start, models,
//                       ping) and batches (realm_batch_t)
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pybind11/pybind11.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <realm/realm.h>

namespace py = pybind11;

namespace realmpy {

// Objects the module looks up once. Strong references, never released (the
// module lives until interpreter exit).
struct Globals {
    PyObject *error_factory = nullptr;     // realm.errors._from_native, set by the package
    PyObject *result_type = nullptr;       // realm.types.GenerationResult (a dict subclass)
    PyObject *json_loads = nullptr;
    PyObject *json_dumps = nullptr;
    PyObject *get_running_loop = nullptr;  // asyncio.get_running_loop
    PyObject *s_set_result = nullptr;
    PyObject *s_create_future = nullptr;
    PyObject *s_future_blocking = nullptr;
    PyObject *s_add_reader = nullptr;
    PyObject *s_remove_reader = nullptr;
    PyObject *s_drain = nullptr;
    PyObject *k_text = nullptr, *k_tokens_generated = nullptr, *k_prompt_tokens = nullptr, *k_cost_usd = nullptr,
             *k_time_ms = nullptr;
    // Members of generation results beyond the Realm fields (chat, OpenAI
    // dialects) and GenerationResult's slots for the client-side timings.
    PyObject *k_finish_reason = nullptr, *k_completion_tokens = nullptr, *k_total_tokens = nullptr,
             *k_model = nullptr, *a_elapsed_ms = nullptr, *a_first_token_ms = nullptr, *a_streamed_tokens = nullptr,
             *a_raw_json = nullptr;
};
extern Globals G;

// Decodes text from the core (always valid UTF-8) into a str: new reference,
// or NULL with an exception set.
inline PyObject *utf8_to_str(const char *s, size_t len) {
    return PyUnicode_DecodeUTF8(s, Py_ssize_t(len), "replace");
}

// Builds the Python exception for a librealm error (new reference, never NULL
// unless memory is exhausted: then NULL with an error set).
PyObject *make_exception(const realm_error_t *err);
PyObject *make_exception(realm_status_t status, const std::string &message);
// Sets the exception for (status, err) as the current Python error and
// throws py::error_already_set. Frees err.
[[noreturn]] void raise_error(realm_status_t status, realm_error_t *err);
// The same for an error of this module's own (status plus message).
[[noreturn]] void raise_message(realm_status_t status, const std::string &message);
// Makes `exc` (an exception instance) the current Python error.
void set_exception(PyObject *exc);

// Argument conversions (arguments.cpp). `what` names the argument in errors.
// utf8_arg: the str's UTF-8 (valid while `v` lives); TypeError for a non-str,
// InvalidArgumentError for a NUL character or a lone surrogate.
const char *utf8_arg(PyObject *v, const char *what);
// int_arg: an int in [0, 2**63 - 1]; float_arg: a finite number >= 0;
// bool_arg: a bool. TypeError for another type, InvalidArgumentError out of range.
int64_t int_arg(PyObject *v, const char *what);
double float_arg(PyObject *v, const char *what);
// signed_float_arg: any finite number; signed_int_arg: an int in the int64 range.
double signed_float_arg(PyObject *v, const char *what);
int64_t signed_int_arg(PyObject *v, const char *what);
bool bool_arg(PyObject *v, const char *what);

// A new realm_options_t from realm.Client's options dict (owned by the
// caller). Raises TypeError for a wrong type or an unknown key and
// InvalidArgumentError for a value the core refuses (API keys are not echoed).
realm_options_t *new_options(const py::dict &options);

// One request (or a connect/disconnect operation) as seen from Python. Only
// touched with the GIL held.
struct ReqState {
    // kPing: the result is the round trip in seconds (realm_result_elapsed_ms).
    enum Kind : uint8_t { kGenerate, kJson, kOp, kPing };
    enum Mode : uint8_t { kUnary, kStream, kCallback };

    ReqState(Kind k, Mode m) : kind(k), mode(m) {}
    ~ReqState();
    ReqState(const ReqState &) = delete;
    ReqState &operator=(const ReqState &) = delete;

    Kind kind;
    Mode mode;
    realm_request_t *req = nullptr;  // our reference; released with the state
    // Streamed tokens not yet handed out: text plus end offsets.
    std::string buf;
    std::vector<uint32_t> ends;
    size_t head = 0;
    bool done = false;
    bool user_cancelled = false;     // cancel(), break/dealloc, or an exception thrown in
    bool with_model = false;         // kGenerate: the result also carries "model"
    PyObject *on_token = nullptr;    // kCallback
    PyObject *on_started = nullptr;  // callable(model) on REALM_QEV_STARTED, or NULL
    PyObject *on_done = nullptr;     // callable(result, exception) once it ended, or NULL
    PyObject *value = nullptr;       // result once completed
    PyObject *error = nullptr;       // exception instance once failed/cancelled
    PyObject *cb_error = nullptr;    // exception raised by on_token
    PyObject *waiter = nullptr;      // asyncio future a task waits on

    bool has_tokens() const { return head < ends.size(); }
    PyObject *pop_token();  // new reference
    void append(const realm_token_t *t, size_t n);
    // Asks the core to cancel (idempotent, never blocks).
    void cancel();
};

class NativeClient;

// A ws-system batch (realm_batch_t) being filled: requests started with it
// are held until send() puts them on the wire as one frame; discard() (or
// dropping the object) ends them as cancelled. GIL-guarded.
class NativeBatch {
public:
    NativeBatch(NativeClient *client, py::handle client_obj, realm_batch_t *b);
    ~NativeBatch();
    NativeBatch(const NativeBatch &) = delete;
    NativeBatch &operator=(const NativeBatch &) = delete;
    void send();
    void discard();
    size_t size() const { return b_ ? realm_batch_size(b_) : 0; }
    // The batch for call options; raises if it was sent or discarded.
    realm_batch_t *get();

private:
    NativeClient *client_;
    py::object owner_;  // the NativeClient's Python object: outlives the batch
    realm_batch_t *b_;
};

// Python-visible request objects share this layout (request_types.cpp).
struct ReqObject {
    PyObject_HEAD
    std::shared_ptr<ReqState> st;
    NativeClient *client;  // valid while `owner` is referenced
    PyObject *owner;       // strong reference to the NativeClient's Python object
};

extern PyTypeObject StreamType;      // async iterator
extern PyTypeObject SyncStreamType;  // blocking iterator
extern PyTypeObject CallType;        // awaitable with a blocking wait()
extern PyTypeObject CompletedType;   // awaitable that is already done
bool ready_types(PyObject *module);
PyObject *new_req_object(PyTypeObject *type, std::shared_ptr<ReqState> st, py::handle owner);
PyObject *new_completed(PyObject *value);  // steals nothing

class NativeClient {
public:
    explicit NativeClient(const py::dict &options);
    ~NativeClient();
    NativeClient(const NativeClient &) = delete;
    NativeClient &operator=(const NativeClient &) = delete;

    // Creates the librealm client, its queue and wakeup fds if closed.
    void open();
    // Destroys the librealm client (GIL released while it blocks), then
    // delivers every remaining event. With dispatch=false (interpreter exit)
    // no Python callback runs.
    void close(bool dispatch);
    bool is_open() const { return client_ != nullptr; }

    // Any-thread-safe state readers.
    int state() const;
    py::object tenant_id() const;
    py::object server_version() const;
    bool has_extension(py::handle name) const;

    // Asynchronous connect/disconnect: awaitables completed by drain().
    py::object connect(py::handle self);
    py::object disconnect(py::handle self);
    // Blocking variants (GIL released).
    void connect_blocking();
    void disconnect_blocking();

    // Request starters. `how`: 0 awaitable result, 1 async stream, 2 blocking stream.
    // `timeout_ms` is realm_call_options_t.timeout_ms (0 = the client's
    // timeout, UINT32_MAX = none). `messages`: None, or a list of (role,
    // content) str pairs for a chat (realm.client checked their types).
    py::object generate(py::handle self, py::handle options, int how, py::handle on_token, uint32_t timeout_ms,
                        py::handle messages);
    py::object health(py::handle self, uint32_t timeout_ms);
    py::object metadata(py::handle self, uint32_t timeout_ms);
    py::object pipeline(py::handle self, py::handle name, py::handle input_json, uint32_t timeout_ms);
    py::object call(py::handle self, py::handle function, py::handle params_json, py::handle batch,
                    uint32_t timeout_ms);
    // ws-system (ws_system.cpp). `options_json` is passed through as the
    // generate frame's `options`; `on_started(model)` runs on stream_start;
    // `batch` is None or a NativeBatch of this client.
    // `on_done(result, exception)` runs when it ended, in the same drain pass
    // as its last tokens (so callbacks keep the wire order).
    py::object ws_generate(py::handle self, py::handle prompt, py::handle model, py::handle options_json, int how,
                           py::handle on_token, py::handle on_started, py::handle on_done, py::handle batch);
    // Registers the queue with the running loop (requests nobody awaits).
    void ensure_loop(py::handle self);
    py::object models(py::handle self, py::handle batch, uint32_t timeout_ms);
    py::object ping(py::handle self, py::handle batch);
    py::object new_batch(py::handle self);

    // Delivers queued events (GIL held, consumer thread). Safe to call any time.
    void drain();
    void set_event_sink(py::object sink);
    void set_token_sink(py::object sink);
    void detach_loop();
    int queue_fd() const;
    int ctl_fd() const { return ctl_->efd; }
    size_t inflight() const { return inflight_.size(); }

    // For request objects (GIL held).
    // Returns a new future the current task may wait on (new reference), or
    // NULL with an exception set (no running loop).
    PyObject *new_waiter(PyObject *owner);
    // Blocks (GIL released) until `st` has a token (want_token) or is done.
    // Returns false with a Python error set (KeyboardInterrupt, closed client).
    bool wait_blocking(ReqState *st, bool want_token);

    static void shutdown_all();

    // Batches not yet sent: discarded before the librealm client is destroyed.
    std::unordered_set<NativeBatch *> batches_;

private:
    struct CtlDone {
        uint64_t id;
        realm_status_t status;
        realm_error_t *error;
    };
    // Completions of connect/disconnect, written on the event thread.
    struct Ctl {
        std::mutex mu;
        std::vector<CtlDone> done;
        int efd = -1;
    };
    struct CtlToken {
        std::shared_ptr<Ctl> ctl;
        uint64_t id;
    };
    static void ctl_complete(void *user, realm_client_t *, realm_status_t status, const realm_error_t *error);

    using JsonStarter = std::function<realm_status_t(const realm_handler_t *, realm_request_t **, realm_error_t **)>;
    py::object start_json_request(py::handle self, const JsonStarter &begin,
                                  ReqState::Kind kind = ReqState::kJson);
    py::object start(py::handle self, std::shared_ptr<ReqState> st, realm_status_t rc, realm_request_t *req,
                     realm_error_t *err, int how);
    py::object start_op(py::handle self, bool connect);
    void dispatch(const realm_queue_event_t &ev);
    void dispatch_client_event(const realm_client_event_t &ev);
    void finish(ReqState *st, const realm_queue_event_t &ev);
    void drain_ctl();
    // Delivers up to `budget` queued events (0 = until the queue is empty).
    void drain_all(size_t budget = 0);
    static constexpr size_t kDrainBudget = 16384;
    void finalize_queue();
    void attach_loop(PyObject *loop, PyObject *owner);
    void emit_token(const char *text, size_t len);

    realm_options_t *opts_ = nullptr;
    realm_client_t *client_ = nullptr;
    realm_queue_t *queue_ = nullptr;
    std::shared_ptr<Ctl> ctl_;
    std::unordered_map<ReqState *, std::shared_ptr<ReqState>> inflight_;
    std::unordered_map<uint64_t, std::shared_ptr<ReqState>> ops_;
    uint64_t next_op_ = 0;
    PyObject *loop_ = nullptr;        // loop our fds are registered with
    PyObject *event_sink_ = nullptr;  // callable(kind, payload)
    PyObject *token_sink_ = nullptr;  // callable(token)
    bool in_drain_ = false;
    unsigned long drain_thread_ = 0;  // thread running drain_all() while in_drain_
    bool dispatch_ = true;
    bool pending_finalize_ = false;
    // Blocking consumers: one leader polls and drains, the others wait.
    std::mutex wmu_;
    std::condition_variable wcv_;
    bool leader_ = false;
    uint64_t drain_gen_ = 0;
};

}  // namespace realmpy
