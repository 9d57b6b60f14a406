// NativeClient's request starters: Python arguments to the C API's
// parameters, and the request object the caller awaits or iterates.
#include "native.h"

namespace realmpy {

// ------------------------------------------------------------------ requests

namespace {

bool key_is(PyObject *key, const char *name) { return PyUnicode_CompareWithASCIIString(key, name) == 0; }

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
        else if (key_is(key, "stream")) stream = bool_arg(v, "stream");
        else {
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
py::object NativeClient::start_json_request(py::handle self, const JsonStarter &begin, ReqState::Kind kind) {
    if (!client_) raise_message(REALM_ERR_NOT_CONNECTED, "the client is not connected: call connect() first");
    auto st = std::make_shared<ReqState>(kind, ReqState::kUnary);
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

py::object NativeClient::pipeline(py::handle self, py::handle name, py::handle input_json) {
    const char *pipeline = utf8_arg(name.ptr(), "pipeline_name");
    const char *input = input_json.is_none() ? nullptr : utf8_arg(input_json.ptr(), "input_data");
    return start_json_request(self, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_pipeline(client_, pipeline, input, nullptr, h, req, err);
    });
}

py::object NativeClient::call(py::handle self, py::handle function, py::handle params_json, py::handle batch) {
    const char *name = utf8_arg(function.ptr(), "function");
    const char *params = params_json.is_none() ? nullptr : utf8_arg(params_json.ptr(), "params");
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    if (!batch.is_none()) co.batch = batch.cast<NativeBatch &>().get();
    return start_json_request(self, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_call(client_, name, params, &co, h, req, err);
    });
}

}  // namespace realmpy
