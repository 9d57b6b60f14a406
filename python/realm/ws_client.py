"""``WSClient``: the ws-system client (challenge-response authentication with
an RSA or EC key; ws-system.md) with the upstream seed client's API in
snake_case, on asyncio.

It is a shell over the librealm core (``realm._realm``) like
``RealmWebSocketClient``: the handshake and signature, request ids, ``stop``,
keepalive pings, timeouts and reconnection all run in the core; this module
only names options, converts values and turns the core's events into the
upstream client's callbacks. The callbacks' bookkeeping (listeners, status,
per-generation events) is in ``_ws_events``.
"""

from __future__ import annotations

import asyncio
import os
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Generator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from . import _realm
from . import errors as _errors
from ._ws_events import (
    _AUTH_FAILED_CODES,
    Unsubscribe,
    _consume_exception,
    _Generation,
    _Listeners,
    _seconds,
    _watch_call,
)
from .client import _json_arg, _ms
from .types import (
    ConnectionStatus,
    ErrorEvent,
    GenerationEndEvent,
    GenerationResult,
    GenerationStartEvent,
    TokenEvent,
)

__all__ = ["WSClient", "GenerationStream", "BatchItem", "STATUSES"]

#: The values of ``WSClient.get_status()`` (the upstream client's seven).
STATUSES = (
    "disconnected",
    "connecting",
    "connected",
    "authenticated",
    "auth_failed",
    "reconnecting",
    "reconnect_failed",
)

Options = Optional[Mapping[str, Any]]


class BatchItem:
    """One message of ``send_batch``: its request ``id``, its ``type``, and
    ``await item`` for its result (a generation's final result dict, the
    models list, or the ping round trip in seconds). Generate items also
    report through the client's callbacks, as ``generate`` does."""

    __slots__ = ("id", "type", "_future")

    def __init__(self, request_id: str, type_: str, future: "asyncio.Future[Any]") -> None:
        self.id = request_id
        self.type = type_
        self._future = future

    def __await__(self) -> Generator[Any, None, Any]:
        return self._future.__await__()

    def done(self) -> bool:
        """True once the item's result (or error) is in: ``await item`` then
        returns (or raises) at once."""
        return self._future.done()

    def __repr__(self) -> str:
        return f"BatchItem(id={self.id!r}, type={self.type!r})"


class GenerationStream:
    """Tokens of one generation as an async iterator (``async for token in
    client.generate_stream(...)``). Leaving the loop early, ``aclose()``,
    ``cancel()`` or cancelling the task stops the generation on the server.
    Once it completed: ``text``, ``total_tokens``, ``elapsed_time`` (server
    time, seconds) and ``model``; they stay None when it was stopped or
    failed."""

    def __init__(self, client: "WSClient", prompt: str, model: Optional[str], options_json: Optional[str]) -> None:
        self._client = client
        self._args = (prompt, model, options_json)
        self._stream: Optional[_realm.Stream] = None
        self._cancelled = False
        if client._native.is_open and client._native.state() != _realm.STATE_DISCONNECTED:
            self._start()

    def _start(self) -> _realm.Stream:
        prompt, model, options_json = self._args
        self._stream = self._client._native.ws_generate(prompt, model, options_json, 1)
        return self._stream

    def __aiter__(self) -> AsyncIterator[str]:
        # Started: the native iterator itself (no Python frame per token).
        if self._stream is not None:
            return self._stream
        return self

    async def __anext__(self) -> str:
        if self._stream is None:
            if self._cancelled:
                raise StopAsyncIteration
            await self._client._ensure_connected()
            self._start()
        assert self._stream is not None
        return await self._stream.__anext__()

    @property
    def id(self) -> Optional[str]:
        """The generation's id (None until it started)."""
        return None if self._stream is None else self._stream.request_id

    @property
    def done(self) -> bool:
        """True once the generation ended (completed, stopped or failed)."""
        return self._stream is not None and self._stream.done

    @property
    def result(self) -> Optional[GenerationResult]:
        """The final ``GenerationResult`` once the generation completed; None
        before, and when it was stopped or failed."""
        return None if self._stream is None else self._stream.result

    @property
    def text(self) -> Optional[str]:
        """The whole generated text once completed, else None."""
        r = self.result
        return None if r is None else r.text

    @property
    def total_tokens(self) -> Optional[int]:
        """The number of tokens the server generated, once completed; else None."""
        r = self.result
        return None if r is None else r.tokens_generated

    @property
    def elapsed_time(self) -> Optional[float]:
        """The server's generation time in seconds once completed, else None."""
        r = self.result
        return None if r is None else _seconds(r.time_ms)

    @property
    def model(self) -> Optional[str]:
        """The model the server ran the generation on, once completed; else None."""
        r = self.result
        return None if r is None else r.get("model")

    def cancel(self) -> None:
        """Stops the generation; the iteration then ends."""
        self._cancelled = True
        if self._stream is not None:
            self._stream.cancel()

    async def aclose(self) -> None:
        """Same as ``cancel()`` (the async-generator protocol's name, used by
        ``contextlib.aclosing``)."""
        self.cancel()

    async def __aenter__(self) -> "GenerationStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if not self.done:
            self.cancel()


class WSClient:
    """Asyncio client for a ws-system server (the upstream seed client's API).

    ``server_url`` (``ws://`` or ``wss://``), ``client_id`` (the id the server
    registered) and ``private_key_path`` (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC)
    are required; the key is read here, and a missing, unreadable or
    malformed key raises ``InvalidArgumentError`` at once.
    ``signature_algorithm``: SHA256, SHA384, SHA512 or RSA-SHA256/384/512.
    Times are in seconds, as everywhere in this package; None keeps the
    core's default (in brackets): ``reconnect_delay`` (first reconnect delay,
    doubling up to ``max_reconnect_delay``) [1.0], ``ping_interval``
    (app-level pings, 0 = off) [30.0], ``request_timeout`` [30.0],
    ``connect_timeout`` [10.0], ``max_reconnect_delay`` [30.0],
    ``max_reconnect_attempts`` [10], ``reconnect_jitter`` (percent) [20].
    ``auto_connect=True`` starts connecting at once when an event loop is
    running (else the first request connects).
    """

    def __init__(
        self,
        server_url: str,
        client_id: str,
        private_key_path: Union[str, "os.PathLike[str]"],
        signature_algorithm: str = "SHA256",
        auto_reconnect: bool = True,
        reconnect_delay: Optional[float] = None,
        ping_interval: Optional[float] = None,
        request_timeout: Optional[float] = None,
        auto_connect: bool = False,
        *,
        connect_timeout: Optional[float] = None,
        max_reconnect_delay: Optional[float] = None,
        max_reconnect_attempts: Optional[int] = None,
        reconnect_jitter: Optional[int] = None,
        private_key_passphrase: Optional[str] = None,
        tls_ca_file: Optional[str] = None,
        tls_insecure: Optional[bool] = None,
    ) -> None:
        if not isinstance(private_key_path, str):
            private_key_path = os.fspath(private_key_path)
        options: Dict[str, Any] = {
            "url": server_url,
            "dialect": "ws-system",
            "client_id": client_id,
            "private_key_path": private_key_path,
            "private_key_passphrase": private_key_passphrase,
            "signature_algorithm": signature_algorithm,
            "reconnect": auto_reconnect,
            "backoff_base_ms": _ms(reconnect_delay, "reconnect_delay"),
            "ping_interval_ms": _ms(ping_interval, "ping_interval"),
            "request_timeout_ms": _ms(request_timeout, "request_timeout"),
            "connect_timeout_ms": _ms(connect_timeout, "connect_timeout"),
            "backoff_cap_ms": _ms(max_reconnect_delay, "max_reconnect_delay"),
            "backoff_max_attempts": max_reconnect_attempts,
            "backoff_jitter_percent": reconnect_jitter,
            "tls_ca_file": tls_ca_file,
            "tls_insecure": tls_insecure,
        }
        self.server_url = server_url
        self.client_id = client_id
        self._native = _realm.NativeClient(options)
        self._listeners = _Listeners()
        self._native.set_event_sink(self._listeners.on_native_event)
        # Reads and checks the key now (realm_client_new), as upstream does.
        self._native.open()
        if auto_connect:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                self._track(loop.create_task(self._auto_connect()))

    # ---- connection --------------------------------------------------------

    async def _auto_connect(self) -> None:
        try:
            await self.connect()
        except _errors.RealmError:
            pass  # reported through on_error and the status

    def _track(self, task: "asyncio.Task[None]") -> None:
        self._listeners.tasks.add(task)
        task.add_done_callback(self._listeners.tasks.discard)

    async def connect(self) -> None:
        """Connects and authenticates. Returns at once when already
        authenticated. Raises ``AuthenticationError`` (code ``invalid_auth``:
        bad signature or unknown client; not retried), ``RateLimitError``
        (``rate_limited``, ``retry_after`` in seconds), ``TimeoutError``
        (``auth_challenge_timeout``, ``connection_timeout``) or
        ``ConnectionError``."""
        native = self._native
        if native.is_open and native.state() == _realm.STATE_CONNECTED:
            return
        self._listeners.set_status("connecting")
        try:
            await native.connect()
        except _errors.RealmError as e:
            self._listeners.set_status("auth_failed" if e.code in _AUTH_FAILED_CODES else "disconnected")
            raise
        self._listeners.set_status("authenticated")

    async def disconnect(self) -> None:
        """Closes the connection (no reconnect afterwards). Generations in
        flight end as cancelled (``on_generation_end`` with
        ``is_cancelled=True``), other pending requests raise
        ``CancelledError``. The client may connect again."""
        native = self._native
        if native.is_open:
            try:
                await native.disconnect()
            finally:
                native.close()
        self._listeners.set_status("disconnected")

    async def close(self) -> None:
        """Same as ``disconnect``."""
        await self.disconnect()

    async def _ensure_connected(self) -> None:
        native = self._native
        if not native.is_open or native.state() == _realm.STATE_DISCONNECTED:
            await self.connect()

    def get_status(self) -> ConnectionStatus:
        """One of ``STATUSES``. ``connected`` (socket open, not yet
        authenticated) is not reported: the core reports the handshake as
        ``connecting`` until authentication succeeded."""
        native = self._native
        state = native.state() if native.is_open else _realm.STATE_DISCONNECTED
        if state == _realm.STATE_CONNECTED:
            return "authenticated"
        if state == _realm.STATE_CONNECTING:
            return "connecting"
        if state == _realm.STATE_RECONNECTING:
            return "reconnecting"
        return self._listeners.idle_status

    def is_ready(self) -> bool:
        """True while connected and authenticated."""
        return self._native.is_open and self._native.state() == _realm.STATE_CONNECTED

    # ---- requests ----------------------------------------------------------

    def _start_generation(self, prompt: str, model: Optional[str], options: Options,
                          batch: Optional[_realm.NativeBatch] = None) -> "Tuple[str, asyncio.Future[Any]]":
        listeners = self._listeners
        options_json = None if options is None else _json_arg(dict(options), "options")
        future: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        future.add_done_callback(_consume_exception)
        gen = _Generation(listeners, future)
        native = self._native
        # Nobody awaits the request: its events must reach this loop anyway.
        native.ensure_loop()
        call = native.ws_generate(prompt, model, options_json, 0, gen.token, gen.started, gen.done, batch)
        gen.id = call.request_id or ""
        listeners.generations[gen.id] = call
        return gen.id, future

    async def generate(self, prompt: str, model: Optional[str] = None, options: Options = None) -> str:
        """Starts a generation and returns its id at once; tokens arrive
        through ``on_token``, then exactly one of ``on_generation_end``
        (completed, or ``is_cancelled``) or ``on_error`` (with this ``id``).
        ``options`` goes to the server as the frame's ``options`` object,
        unchanged. Connects first when not connected."""
        await self._ensure_connected()
        return self._start_generation(prompt, model, options)[0]

    def generate_stream(self, prompt: str, model: Optional[str] = None, options: Options = None) -> GenerationStream:
        """Starts a generation read as ``async for token in ...``. Its tokens
        go to the iterator only (not to ``on_token`` and the other
        callbacks)."""
        options_json = None if options is None else _json_arg(dict(options), "options")
        return GenerationStream(self, prompt, model, options_json)

    async def stop_generation(self, generation_id: str) -> None:
        """Stops a generation of this client (also before the server started
        it). It then ends with ``on_generation_end(is_cancelled=True)``.
        Unknown or finished ids are ignored."""
        call = self._listeners.generations.get(generation_id)
        if call is not None:
            call.cancel()

    async def list_models(self) -> List[Dict[str, Any]]:
        """The server's models (Ollama's ``/api/tags`` objects, as sent)."""
        await self._ensure_connected()
        return await self._native.models()  # type: ignore[no-any-return]

    async def ping(self) -> float:
        """Sends a ``ping`` and returns the round trip in seconds (measured
        by the core from the moment the frame was written)."""
        await self._ensure_connected()
        return await self._native.ping()  # type: ignore[no-any-return]

    async def send_batch(self, messages: Sequence[Mapping[str, Any]]) -> List[BatchItem]:
        """Sends ``messages`` as one ``batch`` frame; the server runs them in
        order (a generation to its end before the next item). Each message is
        ``{"type": "generate", "prompt": ..., "model"?: ..., "options"?: ...}``
        or ``{"type": "models"}`` / ``{"type": "ping"}`` /
        ``{"type": "stop", "requestId": ...}``; the core gives every item its
        own id. Returns one ``BatchItem`` per message, in order."""
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
            raise TypeError("messages must be a list of dicts")
        for m in messages:  # all checked before any is started
            if not isinstance(m, Mapping):
                raise TypeError("every batch message must be a dict")
            if not isinstance(m.get("type"), str):
                raise TypeError("every batch message needs a 'type' str")
            if m["type"] == "generate" and not isinstance(m.get("prompt"), str):
                raise TypeError("a generate message needs a 'prompt' str")
        await self._ensure_connected()
        native = self._native
        loop = asyncio.get_running_loop()
        batch = native.new_batch()
        items: List[BatchItem] = []
        try:
            for m in messages:
                kind: str = m["type"]
                if kind == "generate":
                    gid, future = self._start_generation(m["prompt"], m.get("model"), m.get("options"), batch)
                    items.append(BatchItem(gid, "generate", future))
                    continue
                if kind == "models":
                    call = native.models(batch)
                elif kind == "ping":
                    call = native.ping(batch)
                else:
                    params = {k: v for k, v in m.items() if k not in ("type", "id", "timestamp")}
                    call = native.call(kind, _json_arg(params, "batch message"), batch)
                future = loop.create_future()
                future.add_done_callback(_consume_exception)
                rid = call.request_id or ""
                self._track(asyncio.ensure_future(_watch_call(self._listeners, rid, call, future)))
                items.append(BatchItem(rid, kind, future))
            batch.send()
        finally:
            batch.discard()  # no-op once sent; else its requests end as cancelled
        return items

    # ---- callbacks ---------------------------------------------------------

    def on_connection_change(self, callback: Callable[[ConnectionStatus], Any]) -> Unsubscribe:
        """``callback(status)`` on every status change; returns an unsubscribe function."""
        return self._listeners.add("connection_change", callback)

    def on_token(self, callback: Callable[[TokenEvent], Any]) -> Unsubscribe:
        """``callback({"id", "token"})`` for every token of ``generate``."""
        return self._listeners.add("token", callback)

    def on_generation_start(self, callback: Callable[[GenerationStartEvent], Any]) -> Unsubscribe:
        """``callback({"id", "model"})`` when the server starts a generation."""
        return self._listeners.add("generation_start", callback)

    def on_generation_end(self, callback: Callable[[GenerationEndEvent], Any]) -> Unsubscribe:
        """``callback({"id", "total_tokens", "elapsed_time", "is_cancelled"})``:
        ``elapsed_time`` is the server's, in seconds (None when stopped)."""
        return self._listeners.add("generation_end", callback)

    def on_error(self, callback: Callable[[ErrorEvent], Any]) -> Unsubscribe:
        """``callback({"message", "code", "description", "id", "error"})``:
        ``id`` is the generation's (or request's) id, None for connection
        errors; ``error`` is the exception."""
        return self._listeners.add("error", callback)

    async def __aenter__(self) -> "WSClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.disconnect()
