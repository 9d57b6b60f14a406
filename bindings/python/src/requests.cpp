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

py::object NativeClient::generate(py::handle self, py::handle options, int how, py::handle on_token,
                                  uint32_t timeout_ms, py::handle messages) {
    PyObject *opts = options.ptr();
    if (!PyDict_Check(opts)) throw py::type_error("options must be a dict");
    realm_generate_params_t p = REALM_GENERATE_PARAMS_INIT;
    // Strings handed to the core point into these objects: they live until
    // realm_generate returned (it copies what it keeps).
    std::vector<realm_message_t> msgs;
    std::vector<const char *> stops;
    std::vector<std::string> names;
    py::object extra_json;
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
        else if (key_is(key, "presence_penalty")) {
            p.presence_penalty = signed_float_arg(v, "presence_penalty");
            p.set |= REALM_PARAM_PRESENCE_PENALTY;
        } else if (key_is(key, "frequency_penalty")) {
            p.frequency_penalty = signed_float_arg(v, "frequency_penalty");
            p.set |= REALM_PARAM_FREQUENCY_PENALTY;
        } else if (key_is(key, "seed")) {
            p.seed = signed_int_arg(v, "seed");
            p.set |= REALM_PARAM_SEED;
        } else if (key_is(key, "stop")) {
            if (PyUnicode_Check(v)) {
                stops.push_back(utf8_arg(v, "stop"));
            } else if (PyList_Check(v) || PyTuple_Check(v)) {
                Py_ssize_t n = PySequence_Fast_GET_SIZE(v);
                PyObject **items = PySequence_Fast_ITEMS(v);
                for (Py_ssize_t i = 0; i < n; ++i) stops.push_back(utf8_arg(items[i], "stop"));
            } else {
                throw py::type_error("stop must be a str or a list of str");
            }
        } else if (key_is(key, "extra_body")) {
            py::object body = py::reinterpret_borrow<py::object>(v);
            if (!PyDict_Check(v)) body = py::dict(body);  // any mapping
            if (PyDict_GET_SIZE(body.ptr()) == 0) continue;
            // allow_nan=False: NaN and infinities are not JSON. A value json
            // cannot write (NaN, a cycle) is an InvalidArgumentError; a type
            // it cannot write stays json's TypeError.
            try {
                extra_json = py::reinterpret_borrow<py::object>(G.json_dumps)(body, py::arg("allow_nan") = false);
            } catch (py::error_already_set &e) {
                if (!e.matches(PyExc_ValueError)) throw;
                raise_message(REALM_ERR_INVALID_ARGUMENT,
                              "extra_body cannot be sent as JSON: " + std::string(py::str(e.value())));
            }
            p.extra_params_json = utf8_arg(extra_json.ptr(), "extra_body");
        } else if (key_is(key, "timeout")) {
            continue;  // converted by realm.client into timeout_ms
        } else {
            raise_message(REALM_ERR_INVALID_ARGUMENT,
                          "unknown option '" + std::string(py::str(key)) + "': put server-specific fields in extra_body");
        }
    }
    if (!stops.empty()) {
        p.stop = stops.data();
        p.stop_count = stops.size();
    }
    if (!messages.is_none()) {
        if (!PyList_Check(messages.ptr())) throw py::type_error("messages must be a list");
        Py_ssize_t n = PyList_GET_SIZE(messages.ptr());
        msgs.reserve(size_t(n));
        names.reserve(size_t(n) * 2);
        for (Py_ssize_t i = 0; i < n; ++i) {
            PyObject *m = PyList_GET_ITEM(messages.ptr(), i);
            if (!PyTuple_Check(m) || PyTuple_GET_SIZE(m) != 2) throw py::type_error("messages must be (role, content) pairs");
            std::string at = "messages[" + std::to_string(i) + "]";
            names.push_back(at + ".role");
            const char *role = utf8_arg(PyTuple_GET_ITEM(m, 0), names.back().c_str());
            names.push_back(at + ".content");
            const char *content = utf8_arg(PyTuple_GET_ITEM(m, 1), names.back().c_str());
            msgs.push_back({role, content});
        }
        p.messages = msgs.data();
        p.message_count = msgs.size();
    }
    if (how != 0) stream = 1;
    p.stream = stream;
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
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    co.timeout_ms = timeout_ms;
    realm_request_t *req = nullptr;
    realm_error_t *err = nullptr;
    realm_status_t rc = realm_generate(client_, &p, &co, &h, &req, &err);
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

py::object NativeClient::health(py::handle self, uint32_t timeout_ms) {
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    co.timeout_ms = timeout_ms;
    return start_json_request(self, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_health(client_, &co, h, req, err);
    });
}

py::object NativeClient::metadata(py::handle self, uint32_t timeout_ms) {
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    co.timeout_ms = timeout_ms;
    return start_json_request(self, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_metadata(client_, &co, h, req, err);
    });
}

py::object NativeClient::pipeline(py::handle self, py::handle name, py::handle input_json, uint32_t timeout_ms) {
    const char *pipeline = utf8_arg(name.ptr(), "pipeline_name");
    const char *input = input_json.is_none() ? nullptr : utf8_arg(input_json.ptr(), "input_data");
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    co.timeout_ms = timeout_ms;
    return start_json_request(self, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_pipeline(client_, pipeline, input, &co, h, req, err);
    });
}

py::object NativeClient::call(py::handle self, py::handle function, py::handle params_json, py::handle batch,
                              uint32_t timeout_ms) {
    const char *name = utf8_arg(function.ptr(), "function");
    const char *params = params_json.is_none() ? nullptr : utf8_arg(params_json.ptr(), "params");
    realm_call_options_t co = REALM_CALL_OPTIONS_INIT;
    co.timeout_ms = timeout_ms;
    if (!batch.is_none()) co.batch = batch.cast<NativeBatch &>().get();
    return start_json_request(self, [&](const realm_handler_t *h, realm_request_t **req, realm_error_t **err) {
        return realm_call(client_, name, params, &co, h, req, err);
    });
}

}  // namespace realmpy
