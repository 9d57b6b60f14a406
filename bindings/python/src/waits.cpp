// How a consumer waits for a request: asyncio (the queue's fds registered
// with the running loop, one future per parked task) or blocking (one thread
// polls and drains, the others wait on a condition variable).
#include "native.h"

#include <poll.h>

#include <chrono>

namespace realmpy {

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
