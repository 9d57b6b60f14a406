"""``TektonLLMClient``: the Tekton LLM client over HTTP (tekton.md 2, 6.1).

A shell over librealm's ``tekton`` dialect (``realm._realm.NativeClient``
with the option ``dialect = "tekton"``): the core builds the request bodies,
does the HTTP exchange and reads the SSE stream, maps HTTP statuses to errors
and runs the timeouts. This module only resolves the configuration
(argument > environment > default), converts arguments and results, maps the
core's errors to this package's exceptions and runs the optional fallback
hook.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
from typing import Any, Awaitable, Dict, List, Literal, Mapping, Optional, Sequence, Union, overload

from realm import _options as _realm_options
from realm import _realm
from realm import errors as _realm_errors

from .exceptions import AdapterError, FallbackError, InvalidRequestError, ServiceUnavailableError, TektonLLMError
from .models import AvailableProviders, CompletionOptions, CompletionResponse, Message, MessageRole
from .stream import (
    ChunkCallback,
    ChunkStream,
    FallbackHook,
    FallbackRequest,
    MessageLike,
    _map_error,
    _maybe_await,
    _now,
    _Prepared,
)

__all__ = ["TektonLLMClient", "ChunkStream", "FallbackRequest", "FallbackHook", "ChunkCallback"]

logger = logging.getLogger("tekton_llm_client")

DEFAULT_RHETOR_URL = "http://localhost:8003"
DEFAULT_PROVIDER = "anthropic"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 3

#: Keys of ``options`` (CompletionOptions).
OPTION_KEYS = frozenset(CompletionOptions.__annotations__)


def _openai_compatible(url: str) -> bool:
    """True for the URL of an OpenAI-compatible server (its path ends with
    /v1, as llama.cpp's, vLLM's or OpenAI's do): the client then speaks that
    protocol instead of Rhetor's, with the same API."""
    path = url.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    path = path[path.find("/"):] if "/" in path else ""
    return path.rstrip("/").endswith("/v1")


def _env(name: str) -> Optional[str]:
    value = os.environ.get(name)
    return value if value else None  # unset or empty: not given


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise InvalidRequestError(f"{name} must be a number of seconds, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRequestError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or value > 86400:
        raise InvalidRequestError(f"{name} must be from 0 (no timeout) to 86400 seconds, not {value!r}")
    return float(value)


def _count(value: Any, name: str) -> int:
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise InvalidRequestError(f"{name} must be a whole number, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidRequestError(f"{name} must be a whole number >= 0, not {value!r}")
    return value


def _to_message(m: Any, i: int) -> Message:
    if isinstance(m, Message):
        return m
    if isinstance(m, Mapping):
        unknown = set(m) - {"role", "content", "name"}
        if unknown:
            raise InvalidRequestError(f"messages[{i}] has an unknown key {sorted(unknown)[0]!r}")
        if "role" not in m or "content" not in m:
            raise InvalidRequestError(f"messages[{i}] needs a 'role' and a 'content'")
        return Message(role=m["role"], content=m["content"], name=m.get("name"))
    raise InvalidRequestError(f"Invalid message format: {m!r}")


class TektonLLMClient:
    """Client of a Tekton Rhetor service over HTTP (``/api/v1/...``), running
    on librealm's core.

    Every argument left at None is taken from the environment, else from the
    default: ``rhetor_url`` ($RHETOR_URL, ``http://localhost:8003``),
    ``provider_id`` ($RHETOR_DEFAULT_PROVIDER, ``anthropic``), ``model_id``
    ($RHETOR_DEFAULT_MODEL, else the provider's ``default_model`` found by
    ``initialize()``), ``timeout`` in seconds, 0 = none ($RHETOR_TIMEOUT, 30),
    ``max_retries`` ($RHETOR_MAX_RETRIES, 3: the core sends a request again
    after a connection error, a timeout, 503 or 429 when nothing of its
    answer had arrived; see docs/tekton.md), ``auth_token`` ($RHETOR_AUTH_TOKEN; sent as
    ``Authorization: Bearer``). ``use_fallback`` and ``fallback``: when both
    are set, a failed request is answered by ``fallback(FallbackRequest)``
    (flagged ``fallback=True``); there is no built-in fallback text."""

    def __init__(
        self,
        component_id: str,
        rhetor_url: Optional[str] = None,
        provider_id: Optional[str] = None,
        model_id: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        use_fallback: bool = True,
        auth_token: Optional[str] = None,
        *,
        fallback: Optional[FallbackHook] = None,
    ) -> None:
        if not isinstance(component_id, str) or not component_id:
            raise InvalidRequestError("component_id must be a non-empty str")
        if fallback is not None and not callable(fallback):
            raise TypeError("fallback must be callable: (FallbackRequest) -> str")
        self.component_id = component_id
        self.rhetor_url: str = rhetor_url if rhetor_url is not None else (_env("RHETOR_URL") or DEFAULT_RHETOR_URL)
        self.provider_id: str = (
            provider_id if provider_id is not None else (_env("RHETOR_DEFAULT_PROVIDER") or DEFAULT_PROVIDER)
        )
        self.model_id: Optional[str] = model_id if model_id is not None else _env("RHETOR_DEFAULT_MODEL")
        if timeout is not None:
            self.timeout = _seconds(timeout, "timeout")
        else:
            env_timeout = _env("RHETOR_TIMEOUT")
            self.timeout = _seconds(env_timeout, "RHETOR_TIMEOUT") if env_timeout else DEFAULT_TIMEOUT
        if max_retries is not None:
            self.max_retries = _count(max_retries, "max_retries")
        else:
            env_retries = _env("RHETOR_MAX_RETRIES")
            self.max_retries = _count(env_retries, "RHETOR_MAX_RETRIES") if env_retries else DEFAULT_MAX_RETRIES
        self.use_fallback = bool(use_fallback)
        self.fallback = fallback
        self.auth_token: Optional[str] = auth_token if auth_token is not None else _env("RHETOR_AUTH_TOKEN")
        timeout_ms = int(round(self.timeout * 1000))
        #: True when ``rhetor_url`` names an OpenAI-compatible server (path
        #: ending in /v1): requests are chat completions, providers its models.
        self.openai_compatible = _openai_compatible(self.rhetor_url)
        options: Dict[str, Any] = {
            "url": self.rhetor_url,
            "dialect": "openai-http" if self.openai_compatible else "tekton",
            "api_key": self.auth_token,
            "reconnect": False,
            "max_retries": self.max_retries,  # tekton.md 6.3 [LIBREALM], done by the core
            "request_timeout_ms": timeout_ms,
            "connect_timeout_ms": min(timeout_ms, 3600000) if timeout_ms > 0 else None,
        }
        try:
            self._native = _realm.NativeClient(options)
        except (_realm_errors.RealmError, TypeError) as e:
            raise _map_error(e) from e
        self._available = False
        self._unavailable_reason = "initialize() was not called"
        self._providers: Optional[AvailableProviders] = None

    # ---- lifecycle ---------------------------------------------------------

    @property
    def available(self) -> bool:
        """True once ``initialize()`` found the service healthy (until ``shutdown()``)."""
        return self._available

    async def initialize(self) -> bool:
        """Checks ``GET /api/v1/health`` (through the core's connect) and, when
        no model is configured, takes the provider's ``default_model`` from
        ``GET /api/v1/providers``. Returns True when the service is healthy;
        never raises. Until it returned True, requests raise
        ServiceUnavailableError (or go to the fallback hook)."""
        try:
            await self._native.connect()
        except Exception as e:
            err = _map_error(e, self.timeout)
            self._available = False
            self._unavailable_reason = f"{type(err).__name__}: {err}"
            logger.error("tekton_llm_client: Rhetor at %s is not available: %s", self.rhetor_url, err)
            return False
        self._available = True
        if not self.model_id:
            try:
                info = (await self.get_providers()).providers.get(self.provider_id)
            except TektonLLMError as e:
                logger.warning("tekton_llm_client: could not read the providers: %s", e)
            else:
                if info is not None and info.default_model:
                    self.model_id = info.default_model
        return True

    async def shutdown(self) -> None:
        """Closes the core's client; requests in flight end as cancelled.
        ``initialize()`` may be called again afterwards."""
        self._available = False
        self._unavailable_reason = "the client was shut down"
        native = self._native
        if not native.is_open:
            return
        try:
            await native.disconnect()
        finally:
            native.close()

    async def __aenter__(self) -> "TektonLLMClient":
        await self.initialize()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.shutdown()

    # ---- requests ----------------------------------------------------------

    def _fallback_hook(self) -> Optional[FallbackHook]:
        return self.fallback if self.use_fallback else None

    def _check_available(self) -> None:
        if not self._available:
            raise ServiceUnavailableError(f"Rhetor at {self.rhetor_url} is not available ({self._unavailable_reason})")

    def _prepare(
        self,
        messages: Sequence[MessageLike],
        context_id: Optional[str],
        options: Optional[Mapping[str, Any]],
    ) -> _Prepared:
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
            raise InvalidRequestError(f"messages must be a list of messages, not {type(messages).__name__}")
        msgs = [_to_message(m, i) for i, m in enumerate(messages)]
        opts: Dict[str, Any] = dict(options or {})
        for key in opts:
            if key not in OPTION_KEYS:
                raise InvalidRequestError(f"unknown option {key!r} (known: {', '.join(sorted(OPTION_KEYS))})")
        provider_id = opts.get("provider") or self.provider_id
        model_id = opts.get("model") or self.model_id
        ctx = context_id or self.component_id
        native: Dict[str, Any] = {
            key: opts.get(key)
            for key in ("temperature", "max_tokens", "top_p", "top_k", "presence_penalty", "frequency_penalty")
        }
        native["stop"] = opts.get("stop_sequences")
        native["model"] = model_id or None
        # The core writes context_id and provider_id defaults of its own; the
        # request's extra JSON replaces them. An OpenAI-compatible server has
        # neither (OpenAI itself refuses members it does not know).
        extra: Dict[str, Any] = {} if self.openai_compatible else {"context_id": ctx, "provider_id": provider_id}
        extra_body = opts.get("extra_body")
        if extra_body is not None:
            if not isinstance(extra_body, Mapping):
                raise InvalidRequestError(f"option 'extra_body' must be a dict, not {type(extra_body).__name__}")
            extra.update(extra_body)
        native["extra_body"] = extra
        timeout = self.timeout
        timeout_ms = 0  # the client's
        if opts.get("timeout") is not None:
            try:
                timeout_ms = _realm_options.call_timeout(opts["timeout"])
            except (_realm_errors.RealmError, TypeError) as e:
                raise _map_error(e) from e
            timeout = float(opts["timeout"])
        return _Prepared(
            messages=msgs,
            pairs=[(m.role_name, m.content) for m in msgs],
            native_options=native,
            timeout_ms=timeout_ms,
            timeout=timeout,
            context_id=ctx,
            provider_id=provider_id,
            model_id=model_id,
        )

    def _start(self, prep: _Prepared, how: int) -> Any:
        """Starts the request in the core. Argument errors raise here (and
        never go to the fallback hook)."""
        try:
            return self._native.generate(prep.native_options, how, None, prep.timeout_ms, prep.pairs)
        except (_realm_errors.RealmError, TypeError, ValueError) as e:
            raise _map_error(e, prep.timeout) from e

    async def _complete(self, prep: _Prepared) -> CompletionResponse:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            self._check_available()
        except ServiceUnavailableError as primary:
            return await self._fallback_complete(primary, prep, started)
        call = self._start(prep, 0)  # argument errors raise here, without fallback
        try:
            result = await call
        except _realm_errors.RealmError as e:
            if isinstance(e, _realm_errors.ServerError) and e.http_status == 200:
                # A 200 whose body has "error": an unsuccessful response (success False).
                return CompletionResponse(
                    content="",
                    model=prep.model_id or "",
                    provider=prep.provider_id,
                    context_id=prep.context_id,
                    timestamp=_now(),
                    latency=loop.time() - started,
                    error=e.message,
                )
            err = _map_error(e, prep.timeout)
            err.__cause__ = e
            return await self._fallback_complete(err, prep, started)
        usage = {k: v for k, v in (result.usage or {}).items() if isinstance(v, int)} or None
        # The server's own provider, context_id and timestamp (tekton.md 2.3),
        # from its whole answer; the requested ones where it sent none (an
        # OpenAI-compatible server).
        raw = result.raw
        answer: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}

        def said(key: str, requested: str) -> str:
            value = answer.get(key)
            return value if isinstance(value, str) and value else requested

        return CompletionResponse(
            content=result.text,
            model=said("model", result.model or prep.model_id or ""),
            provider=said("provider", prep.provider_id),
            context_id=said("context_id", prep.context_id),
            finish_reason=result.finish_reason,
            usage=usage,
            fallback=False,
            timestamp=said("timestamp", _now()),
            latency=result.total_time if result.total_time is not None else loop.time() - started,
        )

    async def _fallback_complete(self, primary: TektonLLMError, prep: _Prepared, started: float) -> CompletionResponse:
        """Answers with the fallback hook, or raises ``primary`` without one."""
        hook = self._fallback_hook()
        if hook is None:
            raise primary
        logger.info("tekton_llm_client: using the fallback hook for %s: %s", prep.context_id, primary)
        request = FallbackRequest(
            messages=list(prep.messages),
            system_prompt=prep.system_prompt,
            context_id=prep.context_id,
            provider_id=prep.provider_id,
            model_id=prep.model_id,
            streaming=False,
            error=primary,
        )
        try:
            text = await _maybe_await(hook(request))
            if not isinstance(text, str):
                raise TypeError(f"the fallback hook returned {type(text).__name__}, not str")
        except Exception as fe:
            raise FallbackError(f"Primary error: {primary}. Fallback error: {fe}") from fe
        return CompletionResponse(
            content=text,
            model="fallback",
            provider="fallback",
            context_id=prep.context_id,
            finish_reason="fallback",
            fallback=True,
            timestamp=_now(),
            latency=asyncio.get_running_loop().time() - started,
        )

    def _stream(self, prep: _Prepared, callback: Optional[ChunkCallback]) -> ChunkStream:
        failure: Optional[TektonLLMError] = None
        native = None
        if not self._available:
            try:
                self._check_available()
            except ServiceUnavailableError as e:
                failure = e
        else:
            native = self._start(prep, 1)
        return ChunkStream(prep, native, failure, callback, self._fallback_hook())

    @overload
    def generate_text(
        self,
        prompt: str,
        system_prompt: Optional[str] = None,
        streaming: Literal[False] = False,
        callback: Optional[ChunkCallback] = None,
        context_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> Awaitable[CompletionResponse]: ...

    @overload
    def generate_text(
        self,
        prompt: str,
        system_prompt: Optional[str] = None,
        *,
        streaming: Literal[True],
        callback: Optional[ChunkCallback] = None,
        context_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> ChunkStream: ...

    @overload
    def generate_text(
        self,
        prompt: str,
        system_prompt: Optional[str],
        streaming: Literal[True],
        callback: Optional[ChunkCallback] = None,
        context_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> ChunkStream: ...

    @overload
    def generate_text(
        self,
        prompt: str,
        system_prompt: Optional[str] = None,
        streaming: bool = False,
        callback: Optional[ChunkCallback] = None,
        context_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> Union[Awaitable[CompletionResponse], ChunkStream]: ...

    def generate_text(
        self,
        prompt: str,
        system_prompt: Optional[str] = None,
        streaming: bool = False,
        callback: Optional[ChunkCallback] = None,
        context_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> Union[Awaitable[CompletionResponse], ChunkStream]:
        """Generates text for ``prompt`` (sent as one user message, after a
        system message for ``system_prompt``). ``await`` it for a
        ``CompletionResponse``; with ``streaming=True`` it returns a
        ``ChunkStream`` at once: ``async for chunk in client.generate_text(...,
        streaming=True)``. ``callback`` is called with every streamed chunk."""
        if not isinstance(prompt, str):
            raise InvalidRequestError(f"prompt must be a str, not {type(prompt).__name__}")
        messages: List[MessageLike] = [Message(role=MessageRole.USER, content=prompt)]
        if system_prompt:
            messages.insert(0, Message(role=MessageRole.SYSTEM, content=system_prompt))
        return self.generate_chat_response(
            messages, streaming=streaming, callback=callback, context_id=context_id, options=options
        )

    @overload
    def generate_chat_response(
        self,
        messages: Sequence[MessageLike],
        streaming: Literal[False] = False,
        callback: Optional[ChunkCallback] = None,
        context_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> Awaitable[CompletionResponse]: ...

    @overload
    def generate_chat_response(
        self,
        messages: Sequence[MessageLike],
        streaming: Literal[True],
        callback: Optional[ChunkCallback] = None,
        context_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> ChunkStream: ...

    @overload
    def generate_chat_response(
        self,
        messages: Sequence[MessageLike],
        streaming: bool = False,
        callback: Optional[ChunkCallback] = None,
        context_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> Union[Awaitable[CompletionResponse], ChunkStream]: ...

    def generate_chat_response(
        self,
        messages: Sequence[MessageLike],
        streaming: bool = False,
        callback: Optional[ChunkCallback] = None,
        context_id: Optional[str] = None,
        options: Optional[CompletionOptions] = None,
    ) -> Union[Awaitable[CompletionResponse], ChunkStream]:
        """A chat answer to ``messages`` (``Message``s or ``{"role",
        "content"}`` dicts; a leading system message travels as
        ``system_prompt``). ``await`` it for a ``CompletionResponse``, or
        iterate it with ``streaming=True`` (see ``generate_text``).
        ``context_id`` defaults to ``component_id``; ``options``: see
        ``CompletionOptions``. Invalid arguments raise InvalidRequestError at
        once."""
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable")
        prep = self._prepare(messages, context_id, options)
        if streaming:
            return self._stream(prep, callback)
        return self._complete(prep)

    async def get_providers(self) -> AvailableProviders:
        """``GET /api/v1/providers``, read once and cached for the client's
        life. Raises like a request (ServiceUnavailableError before a
        successful ``initialize()``)."""
        if self._providers is not None:
            return self._providers
        self._check_available()
        try:
            data = await self._native.models(None, 0)
        except _realm_errors.RealmError as e:
            raise _map_error(e, self.timeout) from e
        if not isinstance(data, Mapping):
            raise AdapterError("rhetor", "the providers answer is not a JSON object")
        if self.openai_compatible:
            data = self._provider_of_models(data)
        self._providers = AvailableProviders.from_json(data)
        return self._providers

    def _provider_of_models(self, models: Mapping[str, Any]) -> Dict[str, Any]:
        """An OpenAI-compatible server's model list (GET /v1/models) as the
        providers answer of tekton.md 2.2: one provider, ``provider_id``,
        whose default model is the server's first."""
        entries = models.get("data")
        ids = [m["id"] for m in entries if isinstance(m, Mapping) and isinstance(m.get("id"), str)] \
            if isinstance(entries, list) else []
        first = ids[0] if ids else ""
        return {
            "providers": {self.provider_id: {
                "name": self.provider_id, "available": True, "default_model": first or None,
                "description": f"OpenAI-compatible server at {self.rhetor_url}",
                "models": [{"id": i, "name": i} for i in ids],
            }},
            "default_provider": self.provider_id,
            "default_model": first,
        }
