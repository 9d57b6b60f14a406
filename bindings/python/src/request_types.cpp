// Native request objects, written against the CPython C-API so that handing
// a buffered token to `async for` costs one am_send call and no Future:
//   Stream      async iterator: `async for token in stream`
//   SyncStream  blocking iterator: `for token in stream`
//   Call        awaitable result (`await call`) with a blocking wait()
//   Completed   an awaitable that is already done
// Each object is its own awaitable iterator. When nothing is buffered it
// yields one asyncio future (the task parks on it); drain() resolves it.
#include "native.h"

#include <cstring>

namespace realmpy {

PyTypeObject StreamType = {PyVarObject_HEAD_INIT(nullptr, 0)};
PyTypeObject SyncStreamType = {PyVarObject_HEAD_INIT(nullptr, 0)};
PyTypeObject CallType = {PyVarObject_HEAD_INIT(nullptr, 0)};
PyTypeObject CompletedType = {PyVarObject_HEAD_INIT(nullptr, 0)};

namespace {

ReqObject *as_req(PyObject *o) { return reinterpret_cast<ReqObject *>(o); }

void set_exception(PyObject *exc) { PyErr_SetObject(reinterpret_cast<PyObject *>(Py_TYPE(exc)), exc); }

// StopIteration carrying `value` (which may itself be a tuple or exception).
void set_stop_iteration(PyObject *value) {
    PyObject *e = PyObject_CallOneArg(PyExc_StopIteration, value);
    if (!e) return;
    PyErr_SetObject(PyExc_StopIteration, e);
    Py_DECREF(e);
}

void raise_state_error(ReqState *st) {
    if (st->error) set_exception(st->error);
    else PyErr_SetString(PyExc_RuntimeError, "request ended without a result");
}

// Ends the request on the caller's behalf (break, cancel(), exception thrown in).
void user_cancel(ReqState *st) {
    st->user_cancelled = true;
    st->cancel();
}

// ---------------------------------------------------------------- shared

void req_dealloc(PyObject *o) {
    ReqObject *self = as_req(o);
    if (self->st) {
        if (!self->st->done) user_cancel(self->st.get());
        Py_CLEAR(self->st->waiter);
    }
    self->st.~shared_ptr<ReqState>();
    Py_XDECREF(self->owner);
    Py_TYPE(o)->tp_free(o);
}

PyObject *req_self(PyObject *o) {
    Py_INCREF(o);
    return o;
}

PyObject *req_self_noargs(PyObject *o, PyObject *) { return req_self(o); }

PyObject *req_cancel(PyObject *o, PyObject *) {
    user_cancel(as_req(o)->st.get());
    Py_RETURN_NONE;
}

// coroutine.throw() delegates here while a task awaits us (task cancelled,
// timeout, or an explicit throw): the request is abandoned, so cancel it.
PyObject *req_throw(PyObject *o, PyObject *args) {
    PyObject *typ, *val = nullptr, *tb = nullptr;
    if (!PyArg_UnpackTuple(args, "throw", 1, 3, &typ, &val, &tb)) return nullptr;
    ReqState *st = as_req(o)->st.get();
    user_cancel(st);
    Py_CLEAR(st->waiter);
    if (tb == Py_None) tb = nullptr;
    if (PyExceptionInstance_Check(typ)) {
        if (val && val != Py_None) {
            PyErr_SetString(PyExc_TypeError, "instance exception may not have a separate value");
            return nullptr;
        }
        Py_INCREF(typ);
        Py_XINCREF(tb);
        PyErr_Restore(reinterpret_cast<PyObject *>(Py_TYPE(typ)), typ, tb);
        Py_INCREF(Py_TYPE(typ));
        return nullptr;
    }
    if (!PyExceptionClass_Check(typ)) {
        PyErr_SetString(PyExc_TypeError, "exceptions must be classes or instances deriving from BaseException");
        return nullptr;
    }
    Py_INCREF(typ);
    Py_XINCREF(val);
    Py_XINCREF(tb);
    PyErr_Restore(typ, val, tb);
    return nullptr;
}

PyObject *req_close(PyObject *o, PyObject *) {
    ReqState *st = as_req(o)->st.get();
    if (!st->done) user_cancel(st);
    Py_CLEAR(st->waiter);
    Py_RETURN_NONE;
}

PyObject *get_request_id(PyObject *o, void *) {
    ReqState *st = as_req(o)->st.get();
    if (!st->req) Py_RETURN_NONE;
    return PyUnicode_FromString(realm_request_id(st->req));
}

PyObject *get_done(PyObject *o, void *) { return PyBool_FromLong(as_req(o)->st->done); }

PyObject *get_result(PyObject *o, void *) {
    ReqState *st = as_req(o)->st.get();
    PyObject *v = st->value ? st->value : Py_None;
    Py_INCREF(v);
    return v;
}

PyObject *get_cancelled(PyObject *o, void *) { return PyBool_FromLong(as_req(o)->st->user_cancelled); }

// Parks the current task: yields a new future that drain() resolves.
PySendResult park(ReqObject *self, PyObject **result) {
    PyObject *fut = self->client->new_waiter(self->owner);
    if (!fut) {
        *result = nullptr;
        return PYGEN_ERROR;
    }
    Py_INCREF(fut);
    Py_XSETREF(self->st->waiter, fut);
    *result = fut;
    return PYGEN_NEXT;
}

// Generic tp_iternext / send() on top of an am_send implementation.
PyObject *iternext_via(PySendResult (*send)(PyObject *, PyObject *, PyObject **), PyObject *o) {
    PyObject *res = nullptr;
    PySendResult r = send(o, Py_None, &res);
    if (r == PYGEN_NEXT) return res;
    if (r == PYGEN_RETURN) {
        set_stop_iteration(res);
        Py_DECREF(res);
    }
    return nullptr;
}

// ---------------------------------------------------------------- Stream

PySendResult stream_send(PyObject *o, PyObject *, PyObject **result) {
    ReqObject *self = as_req(o);
    ReqState *st = self->st.get();
    if (st->has_tokens() && !st->user_cancelled) {
        *result = st->pop_token();
        return *result ? PYGEN_RETURN : PYGEN_ERROR;
    }
    if (st->done || st->user_cancelled) {
        // After cancel() the iteration stops at once; buffered tokens are dropped.
        *result = nullptr;
        if (st->user_cancelled || !st->error) PyErr_SetNone(PyExc_StopAsyncIteration);
        else set_exception(st->error);
        return PYGEN_ERROR;
    }
    return park(self, result);
}

PyObject *stream_iternext(PyObject *o) { return iternext_via(stream_send, o); }

PyObject *stream_send_method(PyObject *o, PyObject *) { return stream_iternext(o); }

PyObject *stream_aclose(PyObject *o, PyObject *) {
    ReqState *st = as_req(o)->st.get();
    if (!st->done) user_cancel(st);
    return new_completed(Py_None);
}

PyObject *stream_aenter(PyObject *o, PyObject *) { return new_completed(o); }

PyObject *stream_aexit(PyObject *o, PyObject *) {
    ReqState *st = as_req(o)->st.get();
    if (!st->done) user_cancel(st);
    return new_completed(Py_False);
}

PyMethodDef stream_methods[] = {
    {"send", stream_send_method, METH_O, nullptr},
    {"throw", req_throw, METH_VARARGS, nullptr},
    {"close", req_close, METH_NOARGS, "Cancel the request (same as cancel())."},
    {"cancel", req_cancel, METH_NOARGS, "Cancel the request; the iteration then stops."},
    {"aclose", stream_aclose, METH_NOARGS, "Cancel the request (awaitable)."},
    {"__aenter__", stream_aenter, METH_NOARGS, nullptr},
    {"__aexit__", stream_aexit, METH_VARARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef req_getset[] = {
    {"request_id", get_request_id, nullptr, "Wire id of the request.", nullptr},
    {"done", get_done, nullptr, "True once the request ended.", nullptr},
    {"result", get_result, nullptr, "Final result once completed, else None.", nullptr},
    {"cancelled", get_cancelled, nullptr, "True once the caller cancelled or abandoned the request.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

// A stream's summary once it ended: the attribute `name` of its
// GenerationResult (text, finish_reason, usage, timings); None before.
PyObject *get_result_attr(PyObject *o, void *name) {
    ReqState *st = as_req(o)->st.get();
    if (!st->value || st->value == Py_None) Py_RETURN_NONE;
    return PyObject_GetAttrString(st->value, static_cast<const char *>(name));
}

#define REALM_RESULT_ATTR(name, doc) \
    {name, get_result_attr, nullptr, doc, const_cast<char *>(name)}

PyGetSetDef stream_getset[] = {
    {"request_id", get_request_id, nullptr, "Wire id of the request.", nullptr},
    {"done", get_done, nullptr, "True once the request ended.", nullptr},
    {"result", get_result, nullptr, "Final result once completed, else None.", nullptr},
    {"cancelled", get_cancelled, nullptr, "True once the caller cancelled or abandoned the request.", nullptr},
    REALM_RESULT_ATTR("text", "The whole text once completed, else None."),
    REALM_RESULT_ATTR("finish_reason", "Why generation stopped, as the server said, once completed; else None."),
    REALM_RESULT_ATTR("usage", "Token usage once completed ({prompt_tokens, completion_tokens, total_tokens}), "
                               "else None."),
    REALM_RESULT_ATTR("model", "The model the server said it used, once completed; else None."),
    REALM_RESULT_ATTR("time_to_first_token", "Seconds from sending to the first token (client-measured), else None."),
    REALM_RESULT_ATTR("total_time", "Seconds from sending to the end (client-measured), else None."),
    REALM_RESULT_ATTR("tokens_per_second", "Tokens received per second of total_time, else None."),
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

#undef REALM_RESULT_ATTR

PyAsyncMethods stream_async = {req_self, req_self, req_self, stream_send};

// ---------------------------------------------------------------- SyncStream

PyObject *sync_next(PyObject *o) {
    ReqObject *self = as_req(o);
    ReqState *st = self->st.get();
    if (st->user_cancelled) return nullptr;  // StopIteration
    if (!st->has_tokens() && !st->done) {
        if (!self->client->wait_blocking(st, true)) return nullptr;
    }
    if (st->has_tokens() && !st->user_cancelled) return st->pop_token();
    if (st->user_cancelled || !st->error) return nullptr;  // StopIteration
    set_exception(st->error);
    return nullptr;
}

PyObject *sync_exit(PyObject *o, PyObject *) {
    ReqState *st = as_req(o)->st.get();
    if (!st->done) user_cancel(st);
    Py_RETURN_FALSE;
}

PyMethodDef sync_methods[] = {
    {"cancel", req_cancel, METH_NOARGS, "Cancel the request; the iteration then stops."},
    {"close", req_close, METH_NOARGS, "Cancel the request (same as cancel())."},
    {"__enter__", req_self_noargs, METH_NOARGS, nullptr},
    {"__exit__", sync_exit, METH_VARARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

// ---------------------------------------------------------------- Call

PySendResult call_send(PyObject *o, PyObject *, PyObject **result) {
    ReqObject *self = as_req(o);
    ReqState *st = self->st.get();
    if (st->done) {
        if (st->value) {
            Py_INCREF(st->value);
            *result = st->value;
            return PYGEN_RETURN;
        }
        raise_state_error(st);
        *result = nullptr;
        return PYGEN_ERROR;
    }
    return park(self, result);
}

PyObject *call_iternext(PyObject *o) { return iternext_via(call_send, o); }

PyObject *call_send_method(PyObject *o, PyObject *) { return call_iternext(o); }

PyObject *call_wait(PyObject *o, PyObject *) {
    ReqObject *self = as_req(o);
    ReqState *st = self->st.get();
    if (!st->done && !self->client->wait_blocking(st, false)) return nullptr;
    if (st->value) {
        Py_INCREF(st->value);
        return st->value;
    }
    raise_state_error(st);
    return nullptr;
}

PyMethodDef call_methods[] = {
    {"send", call_send_method, METH_O, nullptr},
    {"throw", req_throw, METH_VARARGS, nullptr},
    {"close", req_close, METH_NOARGS, nullptr},
    {"cancel", req_cancel, METH_NOARGS, "Cancel the request."},
    {"wait", call_wait, METH_NOARGS, "Block (GIL released) until the request ends; return its result."},
    {nullptr, nullptr, 0, nullptr},
};

PyAsyncMethods call_async = {req_self, nullptr, nullptr, call_send};

// ---------------------------------------------------------------- Completed

struct CompletedObject {
    PyObject_HEAD
    PyObject *value;
};

void completed_dealloc(PyObject *o) {
    Py_XDECREF(reinterpret_cast<CompletedObject *>(o)->value);
    Py_TYPE(o)->tp_free(o);
}

PySendResult completed_send(PyObject *o, PyObject *, PyObject **result) {
    PyObject *v = reinterpret_cast<CompletedObject *>(o)->value;
    Py_INCREF(v);
    *result = v;
    return PYGEN_RETURN;
}

PyObject *completed_iternext(PyObject *o) { return iternext_via(completed_send, o); }

PyObject *completed_send_method(PyObject *o, PyObject *) { return completed_iternext(o); }

PyObject *completed_throw(PyObject *, PyObject *args) {
    PyObject *typ, *val = nullptr, *tb = nullptr;
    if (!PyArg_UnpackTuple(args, "throw", 1, 3, &typ, &val, &tb)) return nullptr;
    if (PyExceptionInstance_Check(typ)) set_exception(typ);
    else PyErr_SetObject(typ, val);
    return nullptr;
}

PyObject *completed_close(PyObject *, PyObject *) { Py_RETURN_NONE; }

PyMethodDef completed_methods[] = {
    {"send", completed_send_method, METH_O, nullptr},
    {"throw", completed_throw, METH_VARARGS, nullptr},
    {"close", completed_close, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr},
};

PyAsyncMethods completed_async = {req_self, nullptr, nullptr, completed_send};

}  // namespace

PyObject *new_completed(PyObject *value) {
    CompletedObject *o = PyObject_New(CompletedObject, &CompletedType);
    if (!o) return nullptr;
    Py_INCREF(value);
    o->value = value;
    return reinterpret_cast<PyObject *>(o);
}

PyObject *new_req_object(PyTypeObject *type, std::shared_ptr<ReqState> st, py::handle owner) {
    ReqObject *o = PyObject_New(ReqObject, type);
    if (!o) return nullptr;
    new (&o->st) std::shared_ptr<ReqState>(std::move(st));
    o->client = owner.cast<NativeClient *>();
    o->owner = owner.ptr();
    Py_INCREF(o->owner);
    return reinterpret_cast<PyObject *>(o);
}

bool ready_types(PyObject *module) {
    auto base = [](PyTypeObject &t, const char *name, const char *doc) {
        t.tp_name = name;
        t.tp_basicsize = sizeof(ReqObject);
        t.tp_dealloc = req_dealloc;
        t.tp_flags = Py_TPFLAGS_DEFAULT;
        t.tp_doc = doc;
        t.tp_getset = req_getset;
    };
    base(StreamType, "realm._realm.Stream",
         "Tokens of a streaming request, as an async iterator. Breaking out of the loop or dropping the "
         "object cancels the request.");
    StreamType.tp_as_async = &stream_async;
    StreamType.tp_iternext = stream_iternext;
    StreamType.tp_methods = stream_methods;
    StreamType.tp_getset = stream_getset;

    base(SyncStreamType, "realm._realm.SyncStream",
         "Tokens of a streaming request, as a blocking iterator. Dropping it cancels the request.");
    SyncStreamType.tp_iter = req_self;
    SyncStreamType.tp_iternext = sync_next;
    SyncStreamType.tp_methods = sync_methods;
    SyncStreamType.tp_getset = stream_getset;

    base(CallType, "realm._realm.Call", "A request's result: await it, or wait() for it.");
    CallType.tp_as_async = &call_async;
    CallType.tp_iternext = call_iternext;
    CallType.tp_methods = call_methods;

    CompletedType.tp_name = "realm._realm.Completed";
    CompletedType.tp_basicsize = sizeof(CompletedObject);
    CompletedType.tp_dealloc = completed_dealloc;
    CompletedType.tp_flags = Py_TPFLAGS_DEFAULT;
    CompletedType.tp_as_async = &completed_async;
    CompletedType.tp_iternext = completed_iternext;
    CompletedType.tp_methods = completed_methods;

    for (PyTypeObject *t : {&StreamType, &SyncStreamType, &CallType, &CompletedType}) {
        if (PyType_Ready(t) < 0) return false;
        const char *dot = std::strrchr(t->tp_name, '.');
        Py_INCREF(t);
        if (PyModule_AddObject(module, dot + 1, reinterpret_cast<PyObject *>(t)) < 0) {
            Py_DECREF(t);
            return false;
        }
    }
    return true;
}

}  // namespace realmpy
