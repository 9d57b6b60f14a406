// ws-system requests for realm.WSClient: generate with its start event
// (REALM_HANDLER_EV_STARTED), models, ping, and batches (realm_batch_t).
// Conversions only: the frames, ids, stop, timers and reconnection are the
// core's.
#include "native.h"

namespace realmpy {

// ------------------------------------------------------------------ batches

NativeBatch::NativeBatch(NativeClient *client, py::handle client_obj, realm_batch_t *b)
    : client_(client), owner_(py::reinterpret_borrow<py::object>(client_obj)), b_(b) {
    client_->batches_.insert(this);
}

NativeBatch::~NativeBatch() { discard(); }

realm_batch_t *NativeBatch::get() {
    if (!b_) raise_message(REALM_ERR_INVALID_STATE, "the batch was already sent or discarded");
    return b_;
}

void NativeBatch::send() {
    realm_batch_t *b = get();
    b_ = nullptr;
    client_->batches_.erase(this);
    realm_error_t *err = nullptr;
    realm_status_t rc = realm_batch_send(b, &err);  // frees b, also on failure
    if (rc != REALM_OK) raise_error(rc, err);
}

void NativeBatch::discard() {
    if (!b_) return;
    realm_batch_t *b = b_;
    b_ = nullptr;
    client_->batches_.erase(this);
    realm_batch_discard(b);
}

py::object NativeClient::new_batch(py::handle self) {
    if (!client_) raise_message(REALM_ERR_NOT_CONNECTED, "the client is not connected: call connect() first");
    realm_batch_t *b = nullptr;
    realm_error_t *err = nullptr;
    realm_status_t rc = realm_batch_new(client_, &b, &err);
    if (rc != REALM_OK) raise_error(rc, err);
    return py::cast(new NativeBatch(this, self, b), py::return_value_policy::take_ownership);
}

// ------------------------------------------------------------------ requests

namespace {

realm_call_options_t call_options(py::handle batch) {
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    if (!batch.is_none()) co.batch = batch.cast<NativeBatch &>().get();
    return co;
}

}  // namespace

py::object NativeClient::ws_generate(py::handle self, py::handle prompt, py::handle model, py::handle options_json,
                                     int how, py::handle on_token, py::handle on_started, py::handle on_done,
                                     py::handle batch) {
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    p.prompt = utf8_arg(prompt.ptr(), "prompt");
    if (!model.is_none()) p.model = utf8_arg(model.ptr(), "model");
    if (!options_json.is_none()) p.extra_params_json = utf8_arg(options_json.ptr(), "options");
    p.stream = 1;  // ws-system always streams
    realm_call_options_t co = call_options(batch);
    ReqState::Mode mode = how != 0 ? ReqState::kStream : !on_token.is_none() ? ReqState::kCallback : ReqState::kUnary;
    if (!client_) raise_message(REALM_ERR_NOT_CONNECTED, "the client is not connected: call connect() first");
    auto st = std::make_shared<ReqState>(ReqState::kGenerate, mode);
    st->with_model = true;
    if (mode == ReqState::kCallback) {
        Py_INCREF(on_token.ptr());
        st->on_token = on_token.ptr();
    }
    realm_handler_t h = REALM_HANDLER_INIT;
    h.user = st.get();
    h.queue = queue_;
    if (!on_started.is_none()) {
        Py_INCREF(on_started.ptr());
        st->on_started = on_started.ptr();
        h.events = REALM_HANDLER_EV_STARTED;
    }
    if (!on_done.is_none()) {
        Py_INCREF(on_done.ptr());
        st->on_done = on_done.ptr();
    }
    realm_request_t *req = nullptr;
    realm_error_t *err = nullptr;
    realm_status_t rc = realm_generate(client_, &p, &co, &h, &req, &err);
    return start(self, std::move(st), rc, req, err, how);
}

void NativeClient::ensure_loop(py::handle self) {
    PyObject *loop = PyObject_CallNoArgs(G.get_running_loop);
    if (!loop) throw py::error_already_set();
    py::object guard = py::reinterpret_steal<py::object>(loop);
    if (loop != loop_ && queue_) attach_loop(loop, self.ptr());
}

py::object NativeClient::models(py::handle self, py::handle batch, uint32_t timeout_ms) {
    realm_call_options_t co = call_options(batch);
    co.timeout_ms = timeout_ms;
    return start_json_request(self, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_models(client_, &co, h, req, err);
    });
}

py::object NativeClient::ping(py::handle self, py::handle batch) {
    realm_call_options_t co = call_options(batch);
    return start_json_request(
        self,
        [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
            return realm_call(client_, "ping", "{}", &co, h, req, err);
        },
        ReqState::kPing);
}

}  // namespace realmpy
