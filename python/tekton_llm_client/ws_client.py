"""``TektonLLMWebSocketClient``: the Tekton LLM client over WebSocket
(tekton.md 3, 6.7).

A shell over librealm's ``tekton-ws`` dialect (``realm._realm.NativeClient``
with the option ``dialect = "tekton-ws"``): the core opens the socket (with
the token as ``Authorization: Bearer``), sends ``REGISTER`` and waits for
``REGISTER_ACK``, writes ``GENERATE`` / ``STREAM`` / ``CHAT`` /
``CHAT_STREAM`` frames tied by ``request_id``, answers ``PING`` with
``PONG``, sends ``CANCEL``, runs the timeouts and reconnects with backoff.
This module resolves the configuration (argument > environment > default),
converts arguments and results, maps the core's errors to this package's
exceptions and calls the callbacks.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from realm import _options as _realm_options
from realm import _realm
from realm import errors as _realm_errors

from .client import OPTION_KEYS, _env, _to_message
from .exceptions import ConnectionError, InvalidRequestError, TektonLLMError
from .models import CompletionOptions, StreamingChunk
from .stream import MessageLike, _map_error, _now

__all__ = [
    "TektonLLMWebSocketClient",
    "WSChunkCallback",
    "ResponseCallback",
    "DEFAULT_RHETOR_WS_URL",
    "DEFAULT_WS_TIMEOUT",
]

logger = logging.getLogger("tekton_llm_client")

#: The WebSocket URL when neither ``rhetor_url``, ``$RHETOR_WS_URL`` nor ``$RHETOR_URL`` is set.
DEFAULT_RHETOR_WS_URL = "ws://localhost:8003/ws"
#: Seconds a request may take when its ``options`` have no ``timeout`` (tekton.md 3.2).
DEFAULT_WS_TIMEOUT = 120.0

#: ``callback`` of ``stream`` / ``chat_stream``: called with every chunk (a plain or a coroutine function).
WSChunkCallback = Callable[[StreamingChunk], Any]
#: ``callback`` of ``generate`` / ``chat``: called with the response dict.
ResponseCallback = Callable[[Dict[str, Any]], Any]


def _ws_url_of(url: str) -> str:
    """Upstream's rule for a Rhetor URL: ``http`` -> ``ws``, ``https`` ->
    ``wss``, and ``/ws`` appended unless the URL already ends with it."""
    if url.startswith("https://"):
        url = "wss://" + url[len("https://"):]
    elif url.startswith("http://"):
        url = "ws://" + url[len("http://"):]
    if not url.endswith("/ws"):
        url = url.rstrip("/") + "/ws"
    return url


def _ws_error(e: BaseException, timeout: Optional[float]) -> TektonLLMError:
    """The Tekton exception for an error of the core. A request the core
    ended as cancelled without ``cancel()`` (``disconnect()`` while it ran)
    counts as a closed connection."""
    if isinstance(e, _realm_errors.CancelledError):
        return ConnectionError(e.message or "WebSocket connection closed", core_code=e.code)
    return _map_error(e, timeout)


def _invoke(cb: Callable[..., Any], *args: Any) -> None:
    """Calls a user callback; a coroutine is scheduled, an exception logged."""
    try:
        result = cb(*args)
        if inspect.isawaitable(result):
            asyncio.ensure_future(result)
    except Exception:
        logger.exception("tekton_llm_client: callback %r raised", cb)


class _Sink:
    """The native client's event sink. It holds the user's callbacks, never
    the client: the native object (not tracked by the GC) keeps it alive."""

    def __init__(
        self,
        on_error: Optional[Callable[[Exception], Any]],
        on_close: Optional[Callable[[], Any]],
    ) -> None:
        self.on_error = on_error
        self.on_close = on_close

    def __call__(self, kind: str, payload: Any) -> None:
        if kind == "error" and self.on_error is not None:
            err = payload if isinstance(payload, BaseException) else TektonLLMError("connection error")
            _invoke(self.on_error, _ws_error(err, None))
        elif kind == "disconnected" and self.on_close is not None:
            _invoke(self.on_close)


@dataclass
class _Request:
    """One request, converted for the native layer."""

    native_options: Dict[str, Any]
    pairs: Optional[List[Tuple[str, str]]]
    timeout_ms: int
    timeout: float
    context_id: str
    provider_id: str
    model_id: str


@dataclass
class _Pending:
    """A stream started with a callback, until it ended or was cancelled."""

    native: Any
    task: "Optional[asyncio.Task[None]]" = None
    cancelled: bool = False


class TektonLLMWebSocketClient:
    """Client of a Tekton Rhetor service over WebSocket (``/ws``, tekton.md
    3), running on librealm's core (asyncio).

    ``component_id`` is sent in ``REGISTER``. ``rhetor_url``: the argument,
    else ``$RHETOR_WS_URL`` (as it is), else ``$RHETOR_URL``, else
    ``ws://localhost:8003/ws``; an ``http(s)://`` URL (the argument or
    ``$RHETOR_URL``) becomes ``ws(s)://`` with ``/ws`` appended unless it ends
    with it. ``auth_token``: the argument, else ``$RHETOR_AUTH_TOKEN``; sent
    as ``Authorization: Bearer`` on the upgrade. ``on_error(exc)`` is called
    with the Tekton exception of every connection-level error the core
    reports (a failed connect, a server ``ERROR`` that names no request of
    this client); ``on_close()`` when an established connection ends (lost,
    or ``disconnect()``); ``on_message(dict)`` with every reply of this
    client's requests, as the dicts that ``generate`` and ``stream`` hand out
    (built from what the core reports, not the raw frames).
    ``reconnect_interval`` (ms, 5000) is the first delay of the core's
    reconnection after a lost connection: librealm reconnects with
    exponential backoff (x2 per attempt, capped at 30 s, +/-20 % jitter,
    unlimited attempts; tekton.md 3.5 [LIBREALM]), not at a fixed interval,
    and registers again; requests in flight when the connection was lost
    fail with ConnectionError and are never sent again."""

    def __init__(
        self,
        component_id: str,
        rhetor_url: Optional[str] = None,
        on_message: Optional[Callable[[Dict[str, Any]], Any]] = None,
        on_error: Optional[Callable[[Exception], Any]] = None,
        on_close: Optional[Callable[[], Any]] = None,
        reconnect_interval: int = 5000,
        auth_token: Optional[str] = None,
    ) -> None:
        if not isinstance(component_id, str) or not component_id:
            raise InvalidRequestError("component_id must be a non-empty str")
        for name, cb in (("on_message", on_message), ("on_error", on_error), ("on_close", on_close)):
            if cb is not None and not callable(cb):
                raise TypeError(f"{name} must be callable")
        if isinstance(reconnect_interval, bool) or not isinstance(reconnect_interval, int) or reconnect_interval < 0:
            raise InvalidRequestError(f"reconnect_interval must be a whole number of ms >= 0, not {reconnect_interval!r}")
        self.component_id = component_id
        if rhetor_url is not None:
            url = _ws_url_of(rhetor_url)
        else:
            env_ws = _env("RHETOR_WS_URL")
            env_http = _env("RHETOR_URL")
            url = env_ws if env_ws else (_ws_url_of(env_http) if env_http else DEFAULT_RHETOR_WS_URL)
        #: The WebSocket URL in use (upstream's attribute name).
        self.ws_url: str = url
        self.rhetor_url: str = url
        self.auth_token: Optional[str] = auth_token if auth_token is not None else _env("RHETOR_AUTH_TOKEN")
        self.reconnect_interval = reconnect_interval
        self.on_message = on_message
        options: Dict[str, Any] = {
            "url": url,
            "dialect": "tekton-ws",
            "client_id": component_id,
            "api_key": self.auth_token,
            "reconnect": True,
            "backoff_base_ms": reconnect_interval,
            "backoff_max_attempts": 0,  # unlimited, as upstream (tekton.md 3.5)
            "max_retries": 0,  # tekton.md 3.5: requests in flight are never sent again
            "request_timeout_ms": int(DEFAULT_WS_TIMEOUT * 1000),
        }
        try:
            self._native = _realm.NativeClient(options)
        except (_realm_errors.RealmError, TypeError) as e:
            raise _map_error(e) from e
        self._native.set_event_sink(_Sink(on_error, on_close))
        self._pending: Dict[str, _Pending] = {}
        self._tasks: "Set[asyncio.Task[None]]" = set()  # the loop keeps only weak references
        self._connect_error: Optional[BaseException] = None

    # ---- connection --------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the socket is open and registered."""
        return bool(self._native.state() == _realm.STATE_CONNECTED)

    async def connect(self) -> bool:
        """Connects and registers (``REGISTER`` / ``REGISTER_ACK`` within the
        core's connect timeout, 10 s). True when connected (at once if it
        already was); never raises: False when it failed (``on_error`` was
        called with the reason). While the core waits to reconnect after a
        lost connection, this tries at once instead. A failed ``connect()``
        leaves the client disconnected: there is no reconnect loop until a
        connection was established again."""
        native = self._native
        try:
            state = native.state()
            if state == _realm.STATE_CONNECTED:
                return True
            if state == _realm.STATE_RECONNECTING:
                await native.disconnect()  # ends the backoff wait: one attempt now
            await native.connect()
            native.ensure_loop()  # events (on_close) arrive while nothing is awaited
        except Exception as e:
            logger.error("tekton_llm_client: failed to connect to %s: %s", self.ws_url, e)
            self._connect_error = e
            return False
        self._connect_error = None
        return True

    async def disconnect(self) -> None:
        """Closes the connection (``on_close`` is called when it was open);
        streams still running end with an error chunk. The client may
        connect again later."""
        native = self._native
        self._pending.clear()
        if not native.is_open:
            return
        try:
            await native.disconnect()
        finally:
            native.close()

    async def __aenter__(self) -> "TektonLLMWebSocketClient":
        await self._ensure_connected()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.disconnect()

    async def _ensure_connected(self) -> None:
        if await self.connect():
            return
        cause = self._connect_error
        why = f": {_ws_error(cause, None)}" if cause is not None else ""
        raise ConnectionError(f"Failed to connect to WebSocket server{why}") from cause

    # ---- requests ----------------------------------------------------------

    def _prepare(
        self,
        prompt: Optional[str],
        messages: Optional[Sequence[MessageLike]],
        stream: bool,
        context_id: str,
        system_prompt: Optional[str],
        provider_id: Optional[str],
        model_id: Optional[str],
        options: Optional[Mapping[str, Any]],
    ) -> _Request:
        if not isinstance(context_id, str):
            raise InvalidRequestError(f"context_id must be a str, not {type(context_id).__name__}")
        if system_prompt is not None and not isinstance(system_prompt, str):
            raise InvalidRequestError(f"system_prompt must be a str, not {type(system_prompt).__name__}")
        if options is not None and not isinstance(options, Mapping):
            raise InvalidRequestError(f"options must be a dict, not {type(options).__name__}")
        opts: Dict[str, Any] = dict(options or {})
        for key in opts:
            if key not in OPTION_KEYS:
                raise InvalidRequestError(f"unknown option {key!r} (known: {', '.join(sorted(OPTION_KEYS))})")
        native: Dict[str, Any] = {
            key: opts.get(key)
            for key in ("temperature", "max_tokens", "top_p", "top_k", "presence_penalty", "frequency_penalty")
        }
        native["stop"] = opts.get("stop_sequences")
        model = model_id or opts.get("model") or ""
        native["model"] = model or None
        native["stream"] = stream
        provider = provider_id or opts.get("provider") or ""
        # The core writes context_id and provider_id (and system_prompt for a
        # chat) itself; the request's extra JSON replaces them.
        extra: Dict[str, Any] = {"context_id": context_id}
        if provider:
            extra["provider_id"] = provider
        pairs: Optional[List[Tuple[str, str]]] = None
        if messages is not None:
            if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
                raise InvalidRequestError(f"messages must be a list of messages, not {type(messages).__name__}")
            msgs = [_to_message(m, i) for i, m in enumerate(messages)]
            if not msgs:  # the core refuses it before sending; the server's words (tekton.md 7.1)
                raise InvalidRequestError("messages must not be empty")
            pairs = [("system", system_prompt)] if system_prompt else []
            pairs += [(m.role_name, m.content) for m in msgs]
        else:
            if not isinstance(prompt, str):
                raise InvalidRequestError(f"prompt must be a str, not {type(prompt).__name__}")
            native["prompt"] = prompt
            if system_prompt:
                extra["system_prompt"] = system_prompt
        extra_body = opts.get("extra_body")
        if extra_body is not None:
            if not isinstance(extra_body, Mapping):
                raise InvalidRequestError(f"option 'extra_body' must be a dict, not {type(extra_body).__name__}")
            extra.update(extra_body)
        native["extra_body"] = extra
        timeout = DEFAULT_WS_TIMEOUT
        timeout_ms = 0  # the client's (DEFAULT_WS_TIMEOUT)
        if opts.get("timeout") is not None:
            try:
                timeout_ms = _realm_options.call_timeout(opts["timeout"])
            except (_realm_errors.RealmError, TypeError) as e:
                raise _map_error(e) from e
            timeout = float(opts["timeout"])
        return _Request(native, pairs, timeout_ms, timeout, context_id, provider, model)

    def _start(self, req: _Request, how: int) -> Any:
        try:
            return self._native.generate(req.native_options, how, None, req.timeout_ms, req.pairs)
        except (_realm_errors.RealmError, TypeError, ValueError) as e:
            raise _map_error(e, req.timeout) from e

    def _message(self, data: Dict[str, Any]) -> None:
        if self.on_message is not None:
            _invoke(self.on_message, data)

    async def _whole(self, req: _Request, callback: Optional[ResponseCallback]) -> Dict[str, Any]:
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable")
        await self._ensure_connected()
        call = self._start(req, 0)
        request_id: str = call.request_id or ""
        try:
            result = await call
        except _realm_errors.RealmError as e:
            err = _ws_error(e, req.timeout)
            self._message({"type": "ERROR", "request_id": request_id, "error": str(err)})
            raise err from e
        raw = result.raw
        if isinstance(raw, dict) and raw.get("type") == "RESPONSE":
            response: Dict[str, Any] = raw  # the whole frame, as tekton.md 3.3 hands it over
        else:
            response = {
                "type": "RESPONSE",
                "request_id": request_id,
                "content": result.text,
                "model": result.model or req.model_id,
                "provider": req.provider_id,
                "context_id": req.context_id,
                "timestamp": _now(),
            }
            if result.finish_reason:
                response["finish_reason"] = result.finish_reason
            usage = {k: v for k, v in result.usage.items() if isinstance(v, int)}
            if usage:
                response["usage"] = usage
        self._message(response)
        if callback is not None:
            _invoke(callback, response)
        return response

    def _chunk(self, req: _Request, text: str, *, done: bool = False, model: str = "",
               error: Optional[str] = None) -> StreamingChunk:
        return StreamingChunk(
            chunk=text,
            context_id=req.context_id,
            model=model or req.model_id,
            provider=req.provider_id,
            timestamp=_now(),
            done=done,
            error=error,
        )

    def _chunk_message(self, request_id: str, chunk: StreamingChunk) -> None:
        if self.on_message is None:
            return
        data: Dict[str, Any] = {"type": "CHUNK", "request_id": request_id, "chunk": chunk.chunk,
                                "context_id": chunk.context_id, "model": chunk.model,
                                "provider": chunk.provider, "timestamp": chunk.timestamp, "done": chunk.done}
        if chunk.error is not None:
            data["error"] = chunk.error
        self._message(data)

    async def _chunks(self, req: _Request, native: Any) -> AsyncIterator[StreamingChunk]:
        """The stream's chunks, then one ``done`` chunk; errors raise."""
        try:
            async for token in native:
                yield self._chunk(req, token)
        except _realm_errors.RealmError as e:
            raise _ws_error(e, req.timeout) from e
        finally:
            native.cancel()  # no-op once it ended
        yield self._chunk(req, "", done=True, model=native.model or "")

    async def _run_stream(self, request_id: str, req: _Request, entry: _Pending, callback: WSChunkCallback) -> None:
        async def deliver(chunk: StreamingChunk) -> None:
            self._chunk_message(request_id, chunk)
            try:
                result = callback(chunk)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("tekton_llm_client: stream callback raised")

        try:
            async for chunk in self._chunks(req, entry.native):
                if entry.cancelled:
                    return
                await deliver(chunk)
        except TektonLLMError as e:
            if not entry.cancelled:
                await deliver(self._chunk(req, "", done=True, error=str(e)))
        finally:
            if self._pending.get(request_id) is entry:
                del self._pending[request_id]

    async def _stream(self, req: _Request, callback: WSChunkCallback) -> str:
        if not callable(callback):
            raise TypeError("callback must be callable: (StreamingChunk) -> None")
        await self._ensure_connected()
        native = self._start(req, 1)
        request_id: str = native.request_id or ""
        entry = _Pending(native)
        self._pending[request_id] = entry
        task = asyncio.ensure_future(self._run_stream(request_id, req, entry, callback))
        entry.task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return request_id

    async def _iterate(self, req: _Request) -> AsyncIterator[StreamingChunk]:
        await self._ensure_connected()
        native = self._start(req, 1)
        request_id: str = native.request_id or ""
        chunks = self._chunks(req, native)
        try:
            async for chunk in chunks:
                self._chunk_message(request_id, chunk)
                yield chunk
        finally:
            native.cancel()  # left early: the core sends CANCEL (no-op once ended)

    async def generate(
        self,
        prompt: str,
        context_id: str = "default",
        system_prompt: Optional[str] = None,
        provider_id: Optional[str] = None,
        model_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
        callback: Optional[ResponseCallback] = None,
    ) -> Dict[str, Any]:
        """Sends ``GENERATE`` and returns the server's ``RESPONSE`` frame as
        a dict (``type``, ``request_id``, ``content``, ``model``,
        ``provider``, ``context_id``, ``timestamp``, ``finish_reason`` and
        ``usage`` as the server sent them; tekton.md 3.3).
        Connects first when needed (ConnectionError if that fails).
        ``options``: ``CompletionOptions`` (``timeout``: seconds, 120 by
        default, 0 = none, TimeoutError). A server ``ERROR`` raises its
        TektonLLMError (InvalidRequestError, AuthenticationError, ...).
        ``callback`` (upstream's examples pass one; its code had none) is
        called with the response dict."""
        req = self._prepare(prompt, None, False, context_id, system_prompt, provider_id, model_id, options)
        return await self._whole(req, callback)

    async def chat(
        self,
        messages: Sequence[MessageLike],
        context_id: str = "default",
        system_prompt: Optional[str] = None,
        provider_id: Optional[str] = None,
        model_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
        callback: Optional[ResponseCallback] = None,
    ) -> Dict[str, Any]:
        """Sends ``CHAT`` with ``messages`` (``{"role", "content"}`` dicts or
        ``Message``s; ``system_prompt`` goes first as a system message, which
        the core sends as ``system_prompt``) and returns the ``RESPONSE``
        dict, as ``generate``."""
        req = self._prepare(None, messages, False, context_id, system_prompt, provider_id, model_id, options)
        return await self._whole(req, callback)

    async def stream(
        self,
        prompt: str,
        callback: WSChunkCallback,
        context_id: str = "default",
        system_prompt: Optional[str] = None,
        provider_id: Optional[str] = None,
        model_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> str:
        """Sends ``STREAM`` and returns its request id once sent; then
        ``callback`` gets a ``StreamingChunk`` per token and a final chunk
        with ``done=True`` (``error`` set when the stream failed: server
        ``ERROR``, lost connection, timeout). Nothing more after
        ``cancel(request_id)``. Connects first (ConnectionError)."""
        req = self._prepare(prompt, None, True, context_id, system_prompt, provider_id, model_id, options)
        return await self._stream(req, callback)

    async def chat_stream(
        self,
        messages: Sequence[MessageLike],
        callback: WSChunkCallback,
        context_id: str = "default",
        system_prompt: Optional[str] = None,
        provider_id: Optional[str] = None,
        model_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> str:
        """Sends ``CHAT_STREAM``; as ``stream`` with ``messages`` as ``chat``."""
        req = self._prepare(None, messages, True, context_id, system_prompt, provider_id, model_id, options)
        return await self._stream(req, callback)

    def stream_iter(
        self,
        prompt: str,
        context_id: str = "default",
        system_prompt: Optional[str] = None,
        provider_id: Optional[str] = None,
        model_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> AsyncIterator[StreamingChunk]:
        """librealm: ``async for chunk in client.stream_iter(prompt)``: the
        chunks of a ``STREAM``, the last one with ``done=True``. A failure
        raises from the loop (ConnectionError, TimeoutError, the server's
        error); leaving the loop early cancels the request."""
        req = self._prepare(prompt, None, True, context_id, system_prompt, provider_id, model_id, options)
        return self._iterate(req)

    def chat_stream_iter(
        self,
        messages: Sequence[MessageLike],
        context_id: str = "default",
        system_prompt: Optional[str] = None,
        provider_id: Optional[str] = None,
        model_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> AsyncIterator[StreamingChunk]:
        """librealm: ``async for chunk in client.chat_stream_iter(messages)``,
        as ``stream_iter`` for a ``CHAT_STREAM``."""
        req = self._prepare(None, messages, True, context_id, system_prompt, provider_id, model_id, options)
        return self._iterate(req)

    async def cancel(self, request_id: str) -> bool:
        """Cancels a stream started with ``stream`` / ``chat_stream``: the
        core sends ``CANCEL`` and ends it; its callback gets nothing more.
        False when not connected or ``request_id`` is not a running stream
        of this client."""
        entry = self._pending.get(request_id)
        if entry is None or not self.connected:
            return False
        del self._pending[request_id]
        entry.cancelled = True
        entry.native.cancel()
        return True
