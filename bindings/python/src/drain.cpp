// Draining: the consumer thread (GIL held) takes the queued events of a
// NativeClient and turns them into Python objects: tokens into the request's
// buffer, results and exceptions, client events for the event sink.
#include "native.h"

#include <unistd.h>

#include <cmath>
#include <cstring>

namespace realmpy {
namespace {

// Reports the pending Python error (a callback raised inside drain) without
// propagating it: one consumer bug must not stop the delivery of other events.
void report_unraisable(PyObject *where) {
    if (PyErr_Occurred()) PyErr_WriteUnraisable(where);
}

struct DrainGuard {
    bool &flag;
    explicit DrainGuard(bool &f) : flag(f) { flag = true; }
    ~DrainGuard() { flag = false; }
};


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

// Sets d[k] to the string s when it is non-empty (or always, with `always`).
int set_opt_str(PyObject *d, PyObject *k, const char *s, bool always) {
    size_t len = std::strlen(s);
    if (!len && !always) return 0;
    PyObject *o = utf8_to_str(s, len);
    if (!o) return -1;
    int rc = PyDict_SetItem(d, k, o);
    Py_DECREF(o);
    return rc;
}

// Sets attribute `name` of `obj` to `v` (a new reference, stolen; NULL = error).
int set_attr(PyObject *obj, PyObject *name, PyObject *v) {
    if (!v) return -1;
    int rc = PyObject_SetAttr(obj, name, v);
    Py_DECREF(v);
    return rc;
}

PyObject *build_result(ReqState::Kind kind, bool with_model, const realm_result_t *r) {
    if (kind == ReqState::kOp) Py_RETURN_NONE;
    if (kind == ReqState::kPing) {
        double ms = realm_result_elapsed_ms(r);
        return PyFloat_FromDouble(ms < 0 ? 0.0 : ms / 1000.0);
    }
    if (kind == ReqState::kJson) {
        size_t len = 0;
        const char *json = realm_result_json(r, &len);
        PyObject *s = utf8_to_str(json, len);
        if (!s) return nullptr;
        PyObject *v = PyObject_CallOneArg(G.json_loads, s);
        Py_DECREF(s);
        return v;
    }
    PyObject *d = G.result_type ? PyObject_CallNoArgs(G.result_type) : PyDict_New();
    if (!d) return nullptr;
    size_t len = 0;
    const char *text = realm_result_text(r, &len);
    PyObject *t = utf8_to_str(text, len);
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
    n = realm_result_completion_tokens(r);
    if (n >= 0 && set_opt_int(d, G.k_completion_tokens, n) < 0) goto fail;
    n = realm_result_total_tokens(r);
    if (n >= 0 && set_opt_int(d, G.k_total_tokens, n) < 0) goto fail;
    if (set_opt_str(d, G.k_finish_reason, realm_result_finish_reason(r), false) < 0) goto fail;
    // ws-system results always carry "model" (WSClient's API); others when the server named one.
    if (set_opt_str(d, G.k_model, realm_result_model(r), with_model) < 0) goto fail;
    if (G.result_type) {
        // The client's own measurements, in GenerationResult's slots.
        if (set_attr(d, G.a_elapsed_ms, PyFloat_FromDouble(realm_result_elapsed_ms(r))) < 0 ||
            set_attr(d, G.a_first_token_ms, PyFloat_FromDouble(realm_result_first_token_ms(r))) < 0 ||
            set_attr(d, G.a_streamed_tokens, PyLong_FromLongLong(realm_result_streamed_tokens(r))) < 0)
            goto fail;
        // The server's answer as it sent it, as text: decoded only when
        // GenerationResult.raw is read (a json.loads per result would cost
        // more than the rest of the result).
        size_t json_len = 0;
        const char *json = realm_result_json(r, &json_len);
        if (json && !(json_len == 4 && std::memcmp(json, "null", 4) == 0) &&
            set_attr(d, G.a_raw_json, utf8_to_str(json, json_len)) < 0)
            goto fail;
    }
    return d;
fail:
    Py_DECREF(d);
    return nullptr;
}


}  // namespace

void NativeClient::emit_token(const char *text, size_t len) {
    PyObject *s = utf8_to_str(text, len);
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
        st->value = build_result(st->kind, st->with_model, ev.result);
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
    Py_CLEAR(st->on_started);
    if (PyObject *cb = st->on_done) {
        st->on_done = nullptr;
        if (dispatch_) {
            PyObject *r = PyObject_CallFunctionObjArgs(cb, st->value ? st->value : Py_None,
                                                       st->error ? st->error : Py_None, nullptr);
            if (r) Py_DECREF(r);
            else report_unraisable(cb);
        }
        Py_DECREF(cb);
    }
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
                PyObject *s = utf8_to_str(ev.tokens[i].text, ev.tokens[i].len);
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
    if (ev.kind == REALM_QEV_STARTED) {
        // Only handlers that asked for it (on_started set) get this event.
        if (st->on_started && dispatch_) {
            const char *model = realm_result_model(ev.result);
            PyObject *m = utf8_to_str(model, std::strlen(model));
            PyObject *r = m ? PyObject_CallOneArg(st->on_started, m) : nullptr;
            Py_XDECREF(m);
            if (r) Py_DECREF(r);
            else report_unraisable(st->on_started);
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
            return py::reinterpret_steal<py::object>(utf8_to_str(s, std::strlen(s)));
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

void NativeClient::drain_all(size_t budget) {
    DrainGuard guard(in_drain_);
    drain_thread_ = PyThread_get_thread_ident();
    realm_queue_event_t evs[64];
    for (size_t taken = 0; budget == 0 || taken < budget;) {
        size_t n = realm_queue_poll(queue_, evs, 64);
        for (size_t i = 0; i < n; ++i) dispatch(evs[i]);
        if (n < 64) break;
        taken += n;
    }
    drain_ctl();
}

void NativeClient::drain() {
    if (in_drain_ || !queue_) return;
    // Bounded: with thousands of busy streams the event thread may refill the
    // queue as fast as it is drained; an unbounded drain then never gives the
    // loop back to the tasks that consume the tokens. What is left keeps the
    // queue fd readable (the queue re-arms only once empty), so the loop
    // calls drain() again on its next pass, after the woken tasks ran.
    drain_all(kDrainBudget);
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

}  // namespace realmpy
