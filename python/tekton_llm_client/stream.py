"""``ChunkStream`` (a streamed answer) and what the client and the stream
share: the fallback hook's types, the prepared request and the mapping of the
core's errors to this package's exceptions (tekton.md 6.4)."""

from __future__ import annotations

import collections
import datetime
import inspect
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Deque, Dict, Generator, List, Mapping, Optional, Tuple, Union

from realm import errors as _realm_errors

from .exceptions import (
    AdapterError,
    AuthenticationError,
    ConnectionError,
    FallbackError,
    InvalidRequestError,
    RateLimitError,
    ServiceUnavailableError,
    TektonLLMError,
    TimeoutError,
)
from .models import Message, MessageRole, StreamingChunk

__all__ = ["ChunkStream", "ChunkCallback", "FallbackRequest", "FallbackHook", "MessageLike"]

ChunkCallback = Callable[[StreamingChunk], Any]
MessageLike = Union[Message, Mapping[str, Any]]


@dataclass
class FallbackRequest:
    """What the fallback hook is told: the request that failed and why.
    ``partial`` is the text streamed before a stream failed ("" otherwise)."""

    messages: List[Message]
    system_prompt: Optional[str]
    context_id: str
    provider_id: str
    model_id: Optional[str]
    streaming: bool
    error: TektonLLMError
    partial: str = ""


#: The fallback hook: returns the answer's text (or an awaitable of it).
FallbackHook = Callable[[FallbackRequest], Union[str, Awaitable[str]]]


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _map_error(e: BaseException, timeout: Optional[float] = None) -> TektonLLMError:
    """The Tekton exception for an error of the core (tekton.md 6.4)."""
    if isinstance(e, TektonLLMError):
        return e
    if not isinstance(e, _realm_errors.RealmError):
        if isinstance(e, (TypeError, ValueError)):
            return InvalidRequestError(str(e))
        return TektonLLMError(f"Unexpected error: {e}")
    kw: Dict[str, Any] = {"http_status": e.http_status, "retry_after": e.retry_after, "core_code": e.code}
    msg = e.message
    if isinstance(e, _realm_errors.AuthenticationError):
        return AuthenticationError(msg, **kw)
    if isinstance(e, _realm_errors.RateLimitError):
        return RateLimitError(msg, **kw)
    if isinstance(e, _realm_errors.TimeoutError):
        if timeout:
            msg = f"Request timed out after {timeout:g} seconds"
        return TimeoutError(msg, **kw)
    if isinstance(e, _realm_errors.ConnectionError):
        return ConnectionError(msg, **kw)
    if isinstance(e, (_realm_errors.InvalidArgumentError, _realm_errors.InvalidRequestError)):
        return InvalidRequestError(msg, **kw)
    if isinstance(e, _realm_errors.ServerError):
        if e.http_status == 503:
            return ServiceUnavailableError(msg, **kw)
        return AdapterError("rhetor", msg, **kw)
    return TektonLLMError(f"Unexpected error: {msg}", **kw)


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


@dataclass
class _Prepared:
    """One request, converted for the native layer."""

    messages: List[Message]
    pairs: List[Tuple[str, str]]
    native_options: Dict[str, Any]
    timeout_ms: int
    timeout: float
    context_id: str
    provider_id: str
    model_id: Optional[str]

    @property
    def system_prompt(self) -> Optional[str]:
        if self.messages and self.messages[0].role == MessageRole.SYSTEM:
            return self.messages[0].content
        return None


class ChunkStream:
    """A streamed answer: ``async for chunk in stream`` yields
    ``StreamingChunk``s, the last one with ``done=True`` (and ``error`` set
    when the stream failed without a fallback). ``await stream`` returns the
    stream itself, so ``async for c in await client.generate_text(...,
    streaming=True)`` (the upstream form) works too.

    Leaving the loop early and dropping the stream, ``cancel()``, ``aclose()``
    or an ``async with`` block cancels the request. Once ended: ``text`` (all
    chunk text, fallback included), ``error`` (the exception, or None),
    ``finish_reason``, ``usage`` and ``fallback``."""

    def __init__(
        self,
        prep: _Prepared,
        native: Any,
        failure: Optional[TektonLLMError],
        callback: Optional[ChunkCallback],
        fallback: Optional[FallbackHook],
    ) -> None:
        self._prep = prep
        self._hook = fallback
        self._native = native
        self._failure = failure
        self._callback = callback
        self._pending: Deque[StreamingChunk] = collections.deque()
        self._finished = False
        self._parts: List[str] = []
        self.error: Optional[TektonLLMError] = None
        self.finish_reason: Optional[str] = None
        self.usage: Optional[Dict[str, int]] = None
        self.fallback = False

    @property
    def text(self) -> str:
        return "".join(self._parts)

    @property
    def done(self) -> bool:
        return self._finished and not self._pending

    def _chunk(self, text: str, *, done: bool = False, fallback: bool = False, error: Optional[str] = None) -> StreamingChunk:
        model = self._prep.model_id or ""
        if fallback:
            model = "fallback"
        return StreamingChunk(
            chunk=text,
            context_id=self._prep.context_id,
            model=model,
            provider="fallback" if fallback else self._prep.provider_id,
            timestamp=_now(),
            done=done,
            fallback=fallback,
            error=error,
        )

    def __aiter__(self) -> "ChunkStream":
        return self

    def __await__(self) -> Generator[Any, None, "ChunkStream"]:
        return self._self().__await__()

    async def _self(self) -> "ChunkStream":
        return self

    async def __anext__(self) -> StreamingChunk:
        chunk = await self._next()
        if self._callback is not None:
            try:
                await _maybe_await(self._callback(chunk))
            except BaseException:
                self.cancel()
                raise
        return chunk

    async def _next(self) -> StreamingChunk:
        if self._pending:
            return self._pending.popleft()
        if self._finished:
            raise StopAsyncIteration
        if self._failure is not None:
            failure, self._failure = self._failure, None
            return await self._fail(failure)
        native = self._native
        try:
            token: str = await native.__anext__()
        except StopAsyncIteration:
            self._native = None
            self._finished = True
            self.finish_reason = native.finish_reason
            usage = native.usage
            if usage:
                self.usage = {k: v for k, v in usage.items() if isinstance(v, int)} or None
            return self._chunk("", done=True)
        except _realm_errors.RealmError as e:
            self._native = None
            return await self._fail(_map_error(e, self._prep.timeout))
        self._parts.append(token)
        return self._chunk(token)

    async def _fail(self, err: TektonLLMError) -> StreamingChunk:
        self.error = err
        self._finished = True
        hook = self._hook
        if hook is None:
            return self._chunk("", done=True, error=str(err))
        request = FallbackRequest(
            messages=list(self._prep.messages),
            system_prompt=self._prep.system_prompt,
            context_id=self._prep.context_id,
            provider_id=self._prep.provider_id,
            model_id=self._prep.model_id,
            streaming=True,
            error=err,
            partial=self.text,
        )
        try:
            text = await _maybe_await(hook(request))
            if not isinstance(text, str):
                raise TypeError(f"the fallback hook returned {type(text).__name__}, not str")
        except Exception as fe:
            self.error = FallbackError(f"Primary error: {err}. Fallback error: {fe}")
            return self._chunk("", done=True, error=str(self.error))
        self.fallback = True
        self.finish_reason = "fallback"
        self._parts.append(text)
        self._pending.append(self._chunk("", done=True, fallback=True))
        return self._chunk(text, fallback=True)

    def cancel(self) -> None:
        """Cancels the request (idempotent); the stream then ends."""
        native, self._native = self._native, None
        self._failure = None
        self._finished = True
        if native is not None:
            native.cancel()

    async def aclose(self) -> None:
        self.cancel()

    async def __aenter__(self) -> "ChunkStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.cancel()
