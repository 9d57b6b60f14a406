// realm._realm: pybind11 module over the librealm C API. Everything here
// converts types or adapts to Python's event loop; protocol behaviour, retries,
// timers and defaults stay in the core.
#include "native.h"

using realmpy::G;
using realmpy::NativeClient;

namespace {

PyObject *intern(const char *s) {
    PyObject *o = PyUnicode_InternFromString(s);
    if (!o) throw py::error_already_set();
    return o;
}

PyObject *attr(const char *module, const char *name) {
    py::object o = py::module_::import(module).attr(name);
    return o.release().ptr();
}

}  // namespace

PYBIND11_MODULE(_realm, m) {
    m.doc() = "Native core of the realm package (librealm " REALM_VERSION_STRING ").";

    G.json_loads = attr("json", "loads");
    G.json_dumps = attr("json", "dumps");
    G.get_running_loop = attr("asyncio", "get_running_loop");
    G.s_set_result = intern("set_result");
    G.s_create_future = intern("create_future");
    G.s_future_blocking = intern("_asyncio_future_blocking");
    G.s_add_reader = intern("add_reader");
    G.s_remove_reader = intern("remove_reader");
    G.s_drain = intern("_drain");
    G.k_text = intern("text");
    G.k_tokens_generated = intern("tokens_generated");
    G.k_prompt_tokens = intern("prompt_tokens");
    G.k_cost_usd = intern("cost_usd");
    G.k_time_ms = intern("time_ms");
    G.k_finish_reason = intern("finish_reason");
    G.k_completion_tokens = intern("completion_tokens");
    G.k_total_tokens = intern("total_tokens");
    G.k_model = intern("model");
    G.a_elapsed_ms = intern("_elapsed_ms");
    G.a_raw_json = intern("_raw_json");
    G.a_first_token_ms = intern("_first_token_ms");
    G.a_streamed_tokens = intern("_streamed_tokens");

    if (!realmpy::ready_types(m.ptr())) throw py::error_already_set();

    m.attr("__version__") = realm_version();
    m.def("version", [] { return std::string(realm_version()); }, "Version of the librealm core.");

    m.def(
        "estimate_tokens",
        [](py::handle text) {
            // The core's heuristic (realm_estimate_tokens, tekton.md 6.5).
            // Sized: a NUL character is text like any other here.
            if (!PyUnicode_Check(text.ptr())) throw py::type_error("text must be a str");
            Py_ssize_t len = 0;
            const char *s = PyUnicode_AsUTF8AndSize(text.ptr(), &len);
            if (!s) {
                if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) throw py::error_already_set();
                PyErr_Clear();
                realmpy::raise_message(REALM_ERR_INVALID_ARGUMENT,
                                       "text is not valid Unicode: it contains a lone surrogate");
            }
            int64_t n = realm_estimate_tokens(s, size_t(len));
            if (n < 0) realmpy::raise_message(realm_status_t(n), "text is not valid UTF-8");
            return n;
        },
        py::arg("text"), "Estimated tokens of a str: code points // 4 + 1 (realm_estimate_tokens).");

    m.def(
        "error_table",
        [] {
            size_t n = 0;
            const realm_error_info_t *t = realm_get_error_table(&n);
            py::list rows;
            for (size_t i = 0; i < n; ++i)
                rows.append(py::make_tuple(int(t[i].status), t[i].name, t[i].description, int(t[i].category),
                                           bool(t[i].retryable)));
            return rows;
        },
        "The core's error table: (status, name, description, category, retryable) rows.");

    py::dict categories;
    categories[py::int_(int(REALM_CATEGORY_ARGUMENT))] = "argument";
    categories[py::int_(int(REALM_CATEGORY_CONNECTION))] = "connection";
    categories[py::int_(int(REALM_CATEGORY_TIMEOUT))] = "timeout";
    categories[py::int_(int(REALM_CATEGORY_CANCELLED))] = "cancelled";
    categories[py::int_(int(REALM_CATEGORY_AUTH))] = "auth";
    categories[py::int_(int(REALM_CATEGORY_RATE_LIMIT))] = "rate_limit";
    categories[py::int_(int(REALM_CATEGORY_SERVER))] = "server";
    categories[py::int_(int(REALM_CATEGORY_PROTOCOL))] = "protocol";
    categories[py::int_(int(REALM_CATEGORY_INTERNAL))] = "internal";
    m.attr("ERROR_CATEGORIES") = categories;
    m.attr("STATE_DISCONNECTED") = int(REALM_STATE_DISCONNECTED);
    m.attr("STATE_CONNECTING") = int(REALM_STATE_CONNECTING);
    m.attr("STATE_CONNECTED") = int(REALM_STATE_CONNECTED);
    m.attr("STATE_RECONNECTING") = int(REALM_STATE_RECONNECTING);
    m.attr("STATE_CLOSED") = int(REALM_STATE_CLOSED);

    m.def(
        "_set_error_factory",
        [](py::object f) {
            Py_XDECREF(G.error_factory);
            G.error_factory = f.release().ptr();
        },
        "Installs the callable that turns core errors into exceptions.");
    m.def(
        "_set_result_type",
        [](py::object t) {
            Py_XDECREF(G.result_type);
            G.result_type = t.release().ptr();
        },
        "Installs the dict subclass used for generation results.");
    m.def("_shutdown_all", &NativeClient::shutdown_all,
          "Destroys every native client without running callbacks (interpreter exit).");

    py::class_<realmpy::NativeBatch>(m, "NativeBatch")
        .def("send", &realmpy::NativeBatch::send)
        .def("discard", &realmpy::NativeBatch::discard)
        .def("__len__", &realmpy::NativeBatch::size);

    py::class_<NativeClient>(m, "NativeClient")
        .def(py::init<const py::dict &>(), py::arg("options"))
        .def("open", &NativeClient::open)
        .def("close", &NativeClient::close, py::arg("dispatch") = true)
        .def_property_readonly("is_open", &NativeClient::is_open)
        .def("state", &NativeClient::state)
        .def("tenant_id", &NativeClient::tenant_id)
        .def("server_version", &NativeClient::server_version)
        .def("has_extension", &NativeClient::has_extension)
        .def("connect", [](py::handle self) { return self.cast<NativeClient &>().connect(self); })
        .def("disconnect", [](py::handle self) { return self.cast<NativeClient &>().disconnect(self); })
        .def("connect_blocking", &NativeClient::connect_blocking)
        .def("disconnect_blocking", &NativeClient::disconnect_blocking)
        .def(
            "generate",
            [](py::handle self, py::handle options, int how, py::handle on_token, uint32_t timeout_ms,
               py::handle messages) {
                return self.cast<NativeClient &>().generate(self, options, how, on_token, timeout_ms, messages);
            },
            py::arg("options"), py::arg("how") = 0, py::arg("on_token") = py::none(), py::arg("timeout_ms") = 0,
            py::arg("messages") = py::none())
        .def(
            "health",
            [](py::handle self, uint32_t timeout_ms) { return self.cast<NativeClient &>().health(self, timeout_ms); },
            py::arg("timeout_ms") = 0)
        .def(
            "metadata",
            [](py::handle self, uint32_t timeout_ms) { return self.cast<NativeClient &>().metadata(self, timeout_ms); },
            py::arg("timeout_ms") = 0)
        .def(
            "pipeline",
            [](py::handle self, py::handle name, py::handle input_json, uint32_t timeout_ms) {
                return self.cast<NativeClient &>().pipeline(self, name, input_json, timeout_ms);
            },
            py::arg("name"), py::arg("input_json") = py::none(), py::arg("timeout_ms") = 0)
        .def(
            "call",
            [](py::handle self, py::handle function, py::handle params_json, py::handle batch, uint32_t timeout_ms) {
                return self.cast<NativeClient &>().call(self, function, params_json, batch, timeout_ms);
            },
            py::arg("function"), py::arg("params_json") = py::none(), py::arg("batch") = py::none(),
            py::arg("timeout_ms") = 0)
        .def(
            "ws_generate",
            [](py::handle self, py::handle prompt, py::handle model, py::handle options_json, int how,
               py::handle on_token, py::handle on_started, py::handle on_done, py::handle batch) {
                return self.cast<NativeClient &>().ws_generate(self, prompt, model, options_json, how, on_token,
                                                               on_started, on_done, batch);
            },
            py::arg("prompt"), py::arg("model") = py::none(), py::arg("options_json") = py::none(),
            py::arg("how") = 0, py::arg("on_token") = py::none(), py::arg("on_started") = py::none(),
            py::arg("on_done") = py::none(), py::arg("batch") = py::none())
        .def("ensure_loop", [](py::handle self) { self.cast<NativeClient &>().ensure_loop(self); })
        .def(
            "models",
            [](py::handle self, py::handle batch, uint32_t timeout_ms) {
                return self.cast<NativeClient &>().models(self, batch, timeout_ms);
            },
            py::arg("batch") = py::none(), py::arg("timeout_ms") = 0)
        .def(
            "ping", [](py::handle self, py::handle batch) { return self.cast<NativeClient &>().ping(self, batch); },
            py::arg("batch") = py::none())
        .def("new_batch", [](py::handle self) { return self.cast<NativeClient &>().new_batch(self); })
        .def("_drain", &NativeClient::drain)
        .def("set_event_sink", &NativeClient::set_event_sink)
        .def("set_token_sink", &NativeClient::set_token_sink)
        .def("detach_loop", &NativeClient::detach_loop)
        .def_property_readonly("queue_fd", &NativeClient::queue_fd)
        .def_property_readonly("inflight", &NativeClient::inflight);
}
