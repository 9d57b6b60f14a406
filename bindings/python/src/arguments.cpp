// Conversions of Python arguments to the C API's types. Every string that
// goes to the core passes utf8_arg: the C API takes NUL-terminated UTF-8, so
// a NUL character would silently cut the value short ("k\0ey" authenticating
// as "k") and a lone surrogate has no UTF-8 at all. Both are refused, naming
// the argument, never quoting it (it may be an API key).
#include "native.h"

#include <cmath>
#include <cstring>

namespace realmpy {

const char *utf8_arg(PyObject *v, const char *what) {
    if (!PyUnicode_Check(v)) throw py::type_error(std::string(what) + " must be a str");
    Py_ssize_t len = 0;
    const char *s = PyUnicode_AsUTF8AndSize(v, &len);
    if (!s) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) throw py::error_already_set();
        PyErr_Clear();
        raise_message(REALM_ERR_INVALID_ARGUMENT,
                      std::string(what) + " is not valid Unicode: it contains a lone surrogate");
    }
    if (std::memchr(s, '\0', size_t(len)))
        raise_message(REALM_ERR_INVALID_ARGUMENT, std::string(what) + " contains a NUL character");
    return s;
}

int64_t int_arg(PyObject *v, const char *what) {
    if (PyBool_Check(v) || !PyLong_Check(v)) throw py::type_error(std::string(what) + " must be an int");
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow > 0)
        raise_message(REALM_ERR_INVALID_ARGUMENT, std::string(what) + " is too large (at most 2**63 - 1)");
    if (overflow < 0 || n < 0) raise_message(REALM_ERR_INVALID_ARGUMENT, std::string(what) + " must be >= 0");
    return n;
}

double float_arg(PyObject *v, const char *what) {
    if (PyBool_Check(v) || !(PyFloat_Check(v) || PyLong_Check(v)))
        throw py::type_error(std::string(what) + " must be a number");
    double d = PyFloat_AsDouble(v);
    if (d == -1.0 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) throw py::error_already_set();
        PyErr_Clear();
        d = HUGE_VAL;  // an int beyond a double's range
    }
    // NaN and infinities cannot be written as JSON numbers (as in Node).
    if (!std::isfinite(d) || d < 0)
        raise_message(REALM_ERR_INVALID_ARGUMENT, std::string(what) + " must be a finite number >= 0");
    return d;
}

double signed_float_arg(PyObject *v, const char *what) {
    if (PyBool_Check(v) || !(PyFloat_Check(v) || PyLong_Check(v)))
        throw py::type_error(std::string(what) + " must be a number");
    double d = PyFloat_AsDouble(v);
    if (d == -1.0 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) throw py::error_already_set();
        PyErr_Clear();
        d = HUGE_VAL;
    }
    if (!std::isfinite(d)) raise_message(REALM_ERR_INVALID_ARGUMENT, std::string(what) + " must be a finite number");
    return d;
}

int64_t signed_int_arg(PyObject *v, const char *what) {
    if (PyBool_Check(v) || !PyLong_Check(v)) throw py::type_error(std::string(what) + " must be an int");
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow)
        raise_message(REALM_ERR_INVALID_ARGUMENT, std::string(what) + " is out of range (-2**63 .. 2**63 - 1)");
    return n;
}

bool bool_arg(PyObject *v, const char *what) {
    if (!PyBool_Check(v)) throw py::type_error(std::string(what) + " must be a bool");
    return v == Py_True;
}

}  // namespace realmpy
