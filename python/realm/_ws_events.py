"""Event bookkeeping of ``WSClient`` (ws_client.py): its callbacks and
connection status (``_Listeners``, the native client's event sink), the
per-generation callbacks handed to the core (``_Generation``), the error
events, and the watch of batch items.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Callable, Dict, List, Optional, Set

from . import _realm
from . import errors as _errors
from .types import ConnectionStatus, ErrorEvent, GenerationResult

logger = logging.getLogger("realm")

# Error codes (the core's realm_error_code) that end a connect for good.
_AUTH_FAILED_CODES = frozenset({"invalid_auth", "rate_limited", "unauthorized", "UNAUTHORIZED", "RATE_LIMITED"})

Unsubscribe = Callable[[], None]


def _description(exc: _errors.RealmError) -> str:
    """The core's description of the error's status (its error table)."""
    global _DESCRIPTIONS
    if _DESCRIPTIONS is None:
        _DESCRIPTIONS = {status: description for status, _, description, _, _ in _errors.table()}
    return _DESCRIPTIONS.get(exc.status if exc.status is not None else 0, "")


_DESCRIPTIONS: Optional[Dict[int, str]] = None


def _error_event(exc: BaseException, request_id: Optional[str]) -> ErrorEvent:
    if isinstance(exc, _errors.RealmError):
        return {"message": exc.message, "code": exc.code, "description": _description(exc), "id": request_id,
                "error": exc}
    return {"message": str(exc), "code": "INTERNAL", "description": type(exc).__name__, "id": request_id,
            "error": exc}


class _Listeners:
    """The client's callbacks and its status. Holds no reference to the
    native client (which holds this object's event sink): no cycle through
    the native object, which the garbage collector does not see."""

    def __init__(self) -> None:
        self.by_event: Dict[str, List[Callable[[Any], Any]]] = {
            "connection_change": [], "token": [], "generation_start": [], "generation_end": [], "error": []}
        self.status: ConnectionStatus = "disconnected"
        # What a not-connected client reports: disconnected, auth_failed or reconnect_failed.
        self.idle_status: ConnectionStatus = "disconnected"
        self.generations: Dict[str, _realm.Call] = {}
        self.tasks: Set["asyncio.Task[None]"] = set()

    def add(self, event: str, cb: Callable[[Any], Any]) -> Unsubscribe:
        if not callable(cb):
            raise TypeError("callback must be callable")
        self.by_event[event].append(cb)

        def unsubscribe() -> None:
            try:
                self.by_event[event].remove(cb)
            except ValueError:
                pass

        return unsubscribe

    def emit(self, event: str, payload: Any) -> None:
        for cb in list(self.by_event[event]):
            try:
                result = cb(payload)
                if inspect.isawaitable(result):
                    asyncio.ensure_future(result)
            except Exception:  # a listener's bug must not break delivery
                logger.exception("realm: %s callback raised", event)

    def set_status(self, status: ConnectionStatus) -> None:
        if status in ("disconnected", "auth_failed", "reconnect_failed"):
            self.idle_status = status
        if status != self.status:
            self.status = status
            self.emit("connection_change", status)

    # The native client's event sink (connection events of the core).
    def on_native_event(self, kind: str, payload: Any) -> None:
        if kind == "connected":
            self.set_status("authenticated")
        elif kind == "reconnecting":
            self.set_status("reconnecting")
        elif kind == "disconnected":
            self.set_status("disconnected")
        elif kind == "error":
            if isinstance(payload, BaseException):
                code = getattr(payload, "code", "")
                if code == "reconnect_failed":
                    self.set_status("reconnect_failed")
                elif code in _AUTH_FAILED_CODES:
                    self.set_status("auth_failed")
                self.emit("error", _error_event(payload, None))


class _Generation:
    """Per-generation callbacks handed to the core: tokens, start and end,
    all called from the drain in the order the events arrived."""

    __slots__ = ("id", "listeners", "count", "future")

    def __init__(self, listeners: _Listeners, future: "asyncio.Future[Any]") -> None:
        self.id = ""
        self.listeners = listeners
        self.count = 0
        self.future = future

    def token(self, text: str) -> None:
        self.count += 1
        if self.listeners.by_event["token"]:
            self.listeners.emit("token", {"id": self.id, "token": text})

    def started(self, model: str) -> None:
        self.listeners.emit("generation_start", {"id": self.id, "model": model})

    def done(self, result: Optional[GenerationResult], error: Optional[BaseException]) -> None:
        """Exactly once: one generation_end (completed or cancelled) or one error."""
        listeners = self.listeners
        listeners.generations.pop(self.id, None)
        if error is None and result is not None:
            total = result.tokens_generated
            listeners.emit("generation_end", {"id": self.id, "total_tokens": self.count if total is None else total,
                                              "elapsed_time": _seconds(result.time_ms), "is_cancelled": False})
        elif isinstance(error, _errors.CancelledError):
            listeners.emit("generation_end", {"id": self.id, "total_tokens": self.count, "elapsed_time": None,
                                              "is_cancelled": True})
        else:
            listeners.emit("error", _error_event(error or RuntimeError("generation ended without a result"), self.id))
        future = self.future
        if not future.done() and not future.get_loop().is_closed():
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)


def _seconds(ms: Any) -> Optional[float]:
    return None if ms is None else float(ms) / 1000.0



def _consume_exception(future: "asyncio.Future[Any]") -> None:
    # A batch item nobody awaited must not log "exception was never retrieved":
    # its error was reported through on_error already.
    if not future.cancelled():
        future.exception()


async def _watch_call(listeners: _Listeners, request_id: str, call: _realm.Call,
                      future: "asyncio.Future[Any]") -> None:
    try:
        result = await call
    except _errors.RealmError as e:
        listeners.emit("error", _error_event(e, request_id))
        if not future.done():
            future.set_exception(e)
    except asyncio.CancelledError:
        future.cancel()
        raise
    else:
        if not future.done():
            future.set_result(result)


