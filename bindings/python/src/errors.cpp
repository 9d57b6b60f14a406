// Python exceptions for librealm errors. The realm package registers
// realm.errors._from_native as G.error_factory; it picks the exception class
// from the core's error code, so Python and the core share one error table.
#include "native.h"

#include <cstring>

namespace realmpy {
namespace {

PyObject *exception_via_factory(long status, const char *code, const char *message, int retryable,
                                long long retry_after_ms, int http_status, int close_code) {
    if (!G.error_factory) return PyObject_CallFunction(PyExc_RuntimeError, "s", message);
    PyObject *args = Py_BuildValue("(iNNiLii)", int(status), utf8_to_str(code, std::strlen(code)),
                                   utf8_to_str(message, std::strlen(message)), retryable, retry_after_ms, http_status,
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

}  // namespace

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

void raise_message(realm_status_t status, const std::string &message) {
    PyObject *exc = make_exception(status, message);
    if (exc) {
        set_exception(exc);
        Py_DECREF(exc);
    }
    throw py::error_already_set();
}

void set_exception(PyObject *exc) { PyErr_SetObject(reinterpret_cast<PyObject *>(Py_TYPE(exc)), exc); }

}  // namespace realmpy
