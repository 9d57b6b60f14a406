"""Clients of the realm package: ``RealmWebSocketClient`` (asyncio) and
``Client`` (blocking). Both are thin shells over the librealm core
(``realm._realm``): connection handling, authentication, timeouts,
reconnection and the protocol itself all live in the core.
"""

from __future__ import annotations

import asyncio
import atexit
import inspect
import json
import logging
import math
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from . import _options
from . import _realm
from . import errors as _errors  # noqa: F401  (installs the error factory)
from .types import (
    ChatMessage,
    ChatOptions,
    Dialect,
    GenerationOptions,
    GenerationResult,
    HealthStatus,
    ModelList,
    PipelineInput,
    RuntimeMetadata,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["RealmWebSocketClient", "Client", "TokenStream", "SyncTokenStream", "EVENTS"]

logger = logging.getLogger("realm")

_realm._set_result_type(GenerationResult)
# A client nobody disconnected must not keep the process from exiting: destroy
# every native client (GIL released, no callbacks) before the interpreter ends.
atexit.register(_realm._shutdown_all)

#: Event names accepted by ``on``/``off``.
EVENTS = ("connected", "disconnected", "reconnecting", "error", "token")

TokenStream = _realm.Stream
SyncTokenStream = _realm.SyncStream

Listener = Callable[..., Any]


def _seconds_to(unit_per_second: int, seconds: Optional[float], name: str) -> Optional[int]:
    """Seconds (the Python API's unit) to the core's integer unit."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{name} must be a number of seconds")
    # Checked before converting: NaN and infinities have no integer value, a
    # negative one could round to 0 ("none"), and the core's unit is 32 bits.
    if (isinstance(seconds, float) and not math.isfinite(seconds)) or seconds < 0:
        raise _errors.InvalidArgumentError(f"{name} must be a finite number of seconds >= 0")
    value = int(round(seconds * unit_per_second))
    if value > 0xFFFFFFFF:
        raise _errors.InvalidArgumentError(f"{name} is too large")
    return value


def _ms(seconds: Optional[float], name: str) -> Optional[int]:
    return _seconds_to(1000, seconds, name)


def _us(seconds: Optional[float], name: str) -> Optional[int]:
    return _seconds_to(1000000, seconds, name)


class _NotGiven:
    """The default of ``timeout``: ``$REALM_TIMEOUT`` when set, else the
    core's (30 s). Distinct from None, which means no timeout."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()


def _core_options(
    url: Optional[str],
    urls: Optional[Sequence[str]],
    dialect: Optional[str],
    max_retries: Optional[int],
    retry_base: Optional[float],
    api_key: Optional[str],
    tenant_id: Optional[str],
    reconnect: bool,
    reconnect_interval: Optional[float],
    timeout: Optional[float],
    model: Optional[str],
    connect_timeout: Optional[float],
    idle_timeout: Optional[float],
    max_reconnect_interval: Optional[float],
    max_reconnect_attempts: Optional[int],
    reconnect_jitter: Optional[int],
    ping_interval: Optional[float],
    tls_ca_file: Optional[str],
    tls_insecure: Optional[bool],
    max_message_size: Optional[int],
    max_queued_requests: Optional[int],
    busy_poll: Optional[float],
    max_connections: Optional[int],
    multiplex: Optional[bool],
) -> Dict[str, Any]:
    # None = not given: the environment (REALM_URL, REALM_API_KEY,
    # REALM_DIALECT, REALM_TIMEOUT, REALM_MAX_RETRIES, read by the core), else
    # the core's default applies (timeout=None means none).
    if url is not None and urls is not None:
        raise _errors.InvalidArgumentError("give url or urls, not both")
    if isinstance(urls, str):
        raise _errors.ArgumentTypeError("urls must be a list of str, not a str")
    if timeout is NOT_GIVEN:
        timeout_ms: Optional[int] = None
    else:
        timeout_ms = 0 if timeout is None else _ms(timeout, "timeout")
    return {
        "env": True,
        "url": url,
        "urls": None if urls is None else list(urls),
        "dialect": dialect,
        "max_retries": max_retries,
        "retry_base_ms": _ms(retry_base, "retry_base"),
        "api_key": api_key,
        "tenant_id": tenant_id,
        "model": model,
        "reconnect": reconnect,
        "backoff_base_ms": _ms(reconnect_interval, "reconnect_interval"),
        "request_timeout_ms": timeout_ms,
        "connect_timeout_ms": _ms(connect_timeout, "connect_timeout"),
        "idle_timeout_ms": _ms(idle_timeout, "idle_timeout"),
        "backoff_cap_ms": _ms(max_reconnect_interval, "max_reconnect_interval"),
        "backoff_max_attempts": max_reconnect_attempts,
        "backoff_jitter_percent": reconnect_jitter,
        "ping_interval_ms": _ms(ping_interval, "ping_interval"),
        "tls_ca_file": tls_ca_file,
        "tls_insecure": tls_insecure,
        "max_message_size": max_message_size,
        "max_queued_requests": max_queued_requests,
        "busy_poll_us": _us(busy_poll, "busy_poll"),
        "max_connections": max_connections,
        "multiplex": multiplex,
    }


def _as_dict(options: Any) -> Dict[str, Any]:
    if type(options) is dict:
        return options
    if isinstance(options, Mapping):
        return dict(options)
    raise _errors.ArgumentTypeError("options must be a dict, e.g. {'prompt': 'Hello'}")


def _takes_argument(cb: Listener) -> bool:
    try:
        params = inspect.signature(cb).parameters.values()
    except (TypeError, ValueError):
        return True  # builtins without a signature: assume print-like
    return any(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in params
    )



def _json_arg(value: Any, what: str) -> str:
    """JSON text of a value sent to the server. NaN and infinities are not
    JSON; a value json cannot write (those, a cycle) is an
    InvalidArgumentError, a type it cannot write stays json's TypeError."""
    try:
        return json.dumps(value, allow_nan=False)
    except ValueError as e:
        raise _errors.InvalidArgumentError(f"{what} cannot be sent as JSON: {e}") from None

class _Events:
    """Listeners of one client. Runs on the thread that drains the client:
    the event loop's thread (asyncio) or the caller's (blocking client)."""

    def __init__(self) -> None:
        self._listeners: Dict[str, List[Tuple[Listener, bool]]] = {}

    def add(self, event: str, cb: Listener) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}; expected one of {', '.join(EVENTS)}")
        if not callable(cb):
            raise TypeError("callback must be callable")
        self._listeners.setdefault(event, []).append((cb, _takes_argument(cb)))

    def remove(self, event: str, cb: Listener) -> None:
        listeners = self._listeners.get(event, [])
        for i, (registered, _) in enumerate(listeners):
            if registered == cb:
                del listeners[i]
                break

    def has(self, event: str) -> bool:
        return bool(self._listeners.get(event))

    def emit(self, event: str, payload: Any) -> None:
        for cb, takes_arg in list(self._listeners.get(event, ())):
            try:
                result = cb(payload) if takes_arg else cb()
                if inspect.isawaitable(result):
                    try:
                        asyncio.get_running_loop()
                    except RuntimeError:
                        if inspect.iscoroutine(result):
                            result.close()
                        logger.warning("realm: async %r listener ignored outside an event loop", event)
                    else:
                        asyncio.ensure_future(result)
            except Exception:  # a listener's bug must not break delivery
                logger.exception("realm: %r listener raised", event)

    def emit_token(self, token: str) -> None:
        self.emit("token", token)


class _Base:
    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        tenant_id: Optional[str] = None,
        reconnect: bool = True,
        reconnect_interval: float = 5.0,
        timeout: Optional[float] = NOT_GIVEN,
        model: Optional[str] = None,
        *,
        urls: Optional[Sequence[str]] = None,
        dialect: Optional[Dialect] = None,
        max_retries: Optional[int] = None,
        retry_base: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        idle_timeout: Optional[float] = None,
        max_reconnect_interval: Optional[float] = None,
        max_reconnect_attempts: Optional[int] = None,
        reconnect_jitter: Optional[int] = None,
        ping_interval: Optional[float] = None,
        tls_ca_file: Optional[str] = None,
        tls_insecure: Optional[bool] = None,
        max_message_size: Optional[int] = None,
        max_queued_requests: Optional[int] = None,
        busy_poll: Optional[float] = None,
        max_connections: Optional[int] = None,
        multiplex: Optional[bool] = None,
    ) -> None:
        self._native = _realm.NativeClient(
            _core_options(
                url, urls, dialect, max_retries, retry_base, api_key, tenant_id, reconnect,
                reconnect_interval, timeout, model, connect_timeout, idle_timeout, max_reconnect_interval,
                max_reconnect_attempts, reconnect_jitter, ping_interval, tls_ca_file, tls_insecure, max_message_size,
                max_queued_requests, busy_poll, max_connections, multiplex,
            )
        )
        #: The URL given (``urls[0]`` for a list), else None: ``$REALM_URL`` or
        #: the core's default is in use.
        self.url: Optional[str] = url if url is not None or not urls else urls[0]
        self.model = model
        self._configured_tenant = tenant_id
        # The native client holds the listeners, never the other way round:
        # no reference cycle through the (non-GC) native object.
        self._events = _Events()
        self._native.set_event_sink(self._events.emit)

    # ---- state -------------------------------------------------------------

    def is_connected(self) -> bool:
        """True while the connection is ready (welcome received, auth done)."""
        return bool(self._native.state() == _realm.STATE_CONNECTED)

    @property
    def tenant_id(self) -> Optional[str]:
        """The tenant in effect: the one the server authenticated (or the
        configured or assigned one) once connected, else the configured one."""
        current = self._native.tenant_id()
        return current if current is not None else self._configured_tenant

    @property
    def server_version(self) -> Optional[str]:
        """The server's version string from its last welcome."""
        return self._native.server_version()

    def get_tenant_id(self) -> Optional[str]:
        """Same as the ``tenant_id`` property (the earlier Realm SDKs' name)."""
        return self.tenant_id

    def get_model(self) -> Optional[str]:
        """The default model given to the constructor (``model``), or None."""
        return self.model

    def has_extension(self, name: str) -> bool:
        """True if the server announced protocol extension ``name``."""
        return bool(self._native.has_extension(name))

    # ---- events ------------------------------------------------------------

    def on(self, event: str, callback: Listener) -> None:
        """Registers ``callback`` for ``event`` (connected, disconnected,
        reconnecting, error, token). It may take no argument or one: the
        event's payload (a dict for connected/disconnected/reconnecting, the
        exception for error, the token text for token)."""
        self._events.add(event, callback)
        if event == "token":
            self._native.set_token_sink(self._events.emit_token)

    def off(self, event: str, callback: Listener) -> None:
        """Removes a callback registered with ``on``."""
        self._events.remove(event, callback)
        if event == "token" and not self._events.has("token"):
            self._native.set_token_sink(None)

    def on_error(self, callback: Listener) -> None:
        """Same as ``on("error", callback)``."""
        self.on("error", callback)

    # ---- request starters (checked arguments to the native layer) ----------

    def _generate(self, options: GenerationOptions, how: int, on_token: Optional[Callable[[str], Any]]) -> Any:
        opts = _as_dict(options)
        _options.check(opts, _options.GENERATE, "generate")
        timeout = opts.get("timeout")
        timeout_ms = 0 if timeout is None else _options.call_timeout(timeout)
        return self._native.generate(opts, how, on_token, timeout_ms)

    def _chat(self, messages: Sequence[ChatMessage], options: Mapping[str, Any], how: int) -> Any:
        opts = dict(options)
        _options.check(opts, _options.CHAT, "chat")
        pairs = _options.chat_messages(messages, opts.pop("system_prompt", None))
        timeout_ms = _options.call_timeout(opts.pop("timeout", None))
        return self._native.generate(opts, how, None, timeout_ms, pairs)

    def _pipeline(self, pipeline_name: str, input_data: PipelineInput, timeout: Optional[float]) -> Any:
        payload = None if input_data is None else _json_arg(input_data, "input_data")
        return self._native.pipeline(pipeline_name, payload, _options.call_timeout(timeout))

    def _call(self, function: str, params: Any, timeout: Optional[float]) -> Any:
        payload = None if params is None else _json_arg(params, "params")
        return self._native.call(function, payload, None, _options.call_timeout(timeout))


class RealmWebSocketClient(_Base):
    """Asyncio client for a Realm server, running on the librealm core.

    ``url``, ``api_key``, ``tenant_id``, ``reconnect``, ``reconnect_interval``
    (first reconnect delay, seconds), ``timeout`` (per request attempt,
    seconds; None = none) and ``model`` (default model for generate) are the
    documented options; ``url``, ``api_key`` and ``timeout`` default to
    ``$REALM_URL``, ``$REALM_API_KEY`` and ``$REALM_TIMEOUT``. Keyword-only:
    ``urls`` (several servers, failed over in order; instead of ``url``),
    ``dialect`` (the protocol when the URL does not say it; ``$REALM_DIALECT``),
    ``max_retries`` (sends of a request that failed before any of its answer
    arrived; ``$REALM_MAX_RETRIES``, else 2), ``retry_base`` (the first
    retry's delay, seconds; 1 by default, doubling, capped at 30, +/-15%, never
    sooner than a Retry-After). The other keyword-only options
    expose the core's other settings:
    ``connect_timeout``, ``idle_timeout`` (max silence within a request),
    ``max_reconnect_interval`` (backoff cap), ``max_reconnect_attempts``
    (0 = unlimited), ``reconnect_jitter`` (percent), ``ping_interval``
    (0 = off), ``tls_ca_file``, ``tls_insecure``, ``max_message_size``
    (bytes), ``max_queued_requests``, ``busy_poll`` (how long the event
    thread keeps polling without sleeping after traffic; 0 = never),
    ``max_connections`` (openai-ws pool and HTTP: connections at once; the
    dialect's default 4 / 32) and ``multiplex`` (openai-ws: requests share
    one socket by request_id); times are in seconds. Options left at None
    keep the core's defaults.
    """

    async def connect(self) -> None:
        """Connects (and authenticates when the server asks for it). Raises
        ConnectionError, AuthenticationError, TimeoutError or ProtocolError."""
        await self._native.connect()

    async def disconnect(self) -> None:
        """Closes the connection; pending requests end as cancelled. Frees the
        native client (and the core's thread when it was the last client).
        The client may connect again later."""
        native = self._native
        if not native.is_open:
            return
        try:
            await native.disconnect()
        finally:
            native.close()

    async def close(self) -> None:
        """Same as ``disconnect``."""
        await self.disconnect()

    async def generate(
        self, options: GenerationOptions, on_token: Optional[Callable[[str], Any]] = None
    ) -> GenerationResult:
        """Generates text. With ``"stream": True`` and ``on_token``, every
        token is passed to ``on_token`` as it arrives; the result still has
        the full text. Options: see ``GenerationOptions``; an unknown key or
        a wrong type raises InvalidArgumentError naming it."""
        return await self._generate(options, 0, on_token)  # type: ignore[no-any-return]

    def generate_stream(self, options: GenerationOptions) -> TokenStream:
        """Starts a streaming generation: ``async for token in
        client.generate_stream({...})``. Leaving the loop early (break, an
        exception, task cancellation) cancels the request."""
        return self._generate(options, 1, None)  # type: ignore[no-any-return]

    async def chat(self, messages: Sequence[ChatMessage], **options: Unpack[ChatOptions]) -> GenerationResult:
        """A chat completion of ``messages`` (``[{"role": "user", "content":
        "Hi"}]``). Options: see ``ChatOptions`` (``system_prompt`` is sent as a
        first system message)."""
        return await self._chat(messages, options, 0)  # type: ignore[no-any-return]

    def chat_stream(self, messages: Sequence[ChatMessage], **options: Unpack[ChatOptions]) -> TokenStream:
        """Streams a chat completion: ``async for token in
        client.chat_stream(messages)``; the stream's ``text``,
        ``finish_reason``, ``usage`` and timings are set once it ended."""
        return self._chat(messages, options, 1)  # type: ignore[no-any-return]

    async def execute_pipeline(
        self, pipeline_name: str, input_data: PipelineInput = None, *, timeout: Optional[float] = None
    ) -> Any:
        """Runs a server pipeline with ``input_data`` (any JSON value)."""
        return await self._pipeline(pipeline_name, input_data, timeout)

    async def health(self, *, timeout: Optional[float] = None) -> HealthStatus:
        """The server's health object."""
        return await self._native.health(_options.call_timeout(timeout))  # type: ignore[no-any-return]

    async def metadata(self, *, timeout: Optional[float] = None) -> RuntimeMetadata:
        """The server's function catalogue (Realm protocol only)."""
        return await self._native.metadata(_options.call_timeout(timeout))  # type: ignore[no-any-return]

    async def models(self, *, timeout: Optional[float] = None) -> ModelList:
        """The server's model list, as it sent it (OpenAI HTTP dialect: GET
        /models). Other dialects have none: InvalidArgumentError."""
        return await self._native.models(None, _options.call_timeout(timeout))  # type: ignore[no-any-return]

    async def call(self, function: str, params: Any = None, *, timeout: Optional[float] = None) -> Any:
        """Calls any server function by name with JSON-serialisable params."""
        return await self._call(function, params, timeout)

    async def __aenter__(self) -> "RealmWebSocketClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.disconnect()


class Client(_Base):
    """Blocking client with the same methods as ``RealmWebSocketClient``, for
    scripts without asyncio. Calls release the GIL while they wait. Event
    listeners run on the calling thread, while a call of this client waits."""

    def connect(self) -> None:
        """Connects (and authenticates when the server asks for it); blocks
        until ready. Raises ConnectionError, AuthenticationError,
        TimeoutError or ProtocolError."""
        self._native.connect_blocking()

    def disconnect(self) -> None:
        """Closes the connection; pending requests end as cancelled. Blocks
        until closed. The client may connect again later."""
        self._native.disconnect_blocking()

    def close(self) -> None:
        """Same as ``disconnect``."""
        self.disconnect()

    def generate(
        self, options: GenerationOptions, on_token: Optional[Callable[[str], Any]] = None
    ) -> GenerationResult:
        """Generates text and returns the result; ``on_token`` (with
        ``"stream": True``) runs on this thread for every token. Options: see
        ``GenerationOptions``."""
        return self._generate(options, 0, on_token).wait()  # type: ignore[no-any-return]

    def generate_stream(self, options: GenerationOptions) -> SyncTokenStream:
        """``for token in client.generate_stream({...})``; leaving the loop
        early and dropping the stream cancels the request."""
        return self._generate(options, 2, None)  # type: ignore[no-any-return]

    def chat(self, messages: Sequence[ChatMessage], **options: Unpack[ChatOptions]) -> GenerationResult:
        """A chat completion of ``messages``. Options: see ``ChatOptions``."""
        return self._chat(messages, options, 0).wait()  # type: ignore[no-any-return]

    def chat_stream(self, messages: Sequence[ChatMessage], **options: Unpack[ChatOptions]) -> SyncTokenStream:
        """``for token in client.chat_stream(messages)``; the stream's
        ``text``, ``finish_reason``, ``usage`` and timings are set once it ended."""
        return self._chat(messages, options, 2)  # type: ignore[no-any-return]

    def execute_pipeline(
        self, pipeline_name: str, input_data: PipelineInput = None, *, timeout: Optional[float] = None
    ) -> Any:
        """Runs a server pipeline with ``input_data`` (any JSON value)."""
        return self._pipeline(pipeline_name, input_data, timeout).wait()

    def health(self, *, timeout: Optional[float] = None) -> HealthStatus:
        """The server's health object."""
        return self._native.health(_options.call_timeout(timeout)).wait()  # type: ignore[no-any-return]

    def metadata(self, *, timeout: Optional[float] = None) -> RuntimeMetadata:
        """The server's function catalogue (Realm protocol only)."""
        return self._native.metadata(_options.call_timeout(timeout)).wait()  # type: ignore[no-any-return]

    def models(self, *, timeout: Optional[float] = None) -> ModelList:
        """The server's model list, as it sent it (OpenAI HTTP dialect only)."""
        return self._native.models(None, _options.call_timeout(timeout)).wait()  # type: ignore[no-any-return]

    def call(self, function: str, params: Any = None, *, timeout: Optional[float] = None) -> Any:
        """Calls any server function by name with JSON-serialisable params."""
        return self._call(function, params, timeout).wait()

    def __enter__(self) -> "Client":
        self.connect()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.disconnect()
