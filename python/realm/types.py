"""Types of the realm package."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple, TypedDict, Union

__all__ = [
    "ChatMessage",
    "Dialect",
    "SamplingOptions",
    "GenerationOptions",
    "ChatOptions",
    "Usage",
    "ModelInfo",
    "ModelList",
    "GenerationResult",
    "PipelineInput",
    "HealthStatus",
    "ParamMetadata",
    "FunctionMetadata",
    "RuntimeMetadata",
    "ConnectionStatus",
    "TokenEvent",
    "GenerationStartEvent",
    "GenerationEndEvent",
    "ErrorEvent",
]


class ChatMessage(TypedDict):
    """One message of a chat: ``{"role": "user", "content": "Hello"}``. Roles
    are the server's (``system``, ``user``, ``assistant``, ...)."""

    role: str
    content: str


class SamplingOptions(TypedDict, total=False):
    """Options every generate and chat request takes. Keys left out (or None)
    are not sent, so the server's defaults apply. Any other key raises
    ``InvalidArgumentError``: server-specific fields go in ``extra_body``."""

    max_tokens: int
    temperature: float
    top_p: float
    top_k: int
    repetition_penalty: float
    presence_penalty: float
    frequency_penalty: float
    seed: int
    stop: Union[str, List[str], Tuple[str, ...]]
    model: str
    extra_body: Mapping[str, Any]
    timeout: float


class _Prompt(TypedDict):
    prompt: str


class GenerationOptions(_Prompt, SamplingOptions, total=False):
    """Options of ``generate`` and ``generate_stream``: ``prompt`` (required),
    the sampling options and ``stream`` (``generate`` with ``on_token``)."""

    stream: bool


class ChatOptions(SamplingOptions, total=False):
    """Keyword options of ``chat`` and ``chat_stream``: the sampling options
    and ``system_prompt`` (sent as a first ``system`` message)."""

    system_prompt: str


class Usage(TypedDict):
    """Token counts of a request; None where the server did not report one."""

    prompt_tokens: Optional[int]
    completion_tokens: Optional[int]
    total_tokens: Optional[int]


def _seconds(ms: Any) -> Optional[float]:
    return None if not isinstance(ms, float) or ms < 0 else ms / 1000.0


#: The protocols a client speaks (its ``dialect`` option; "auto": from the URL).
Dialect = Literal["auto", "realm", "openai-ws", "openai-http", "tekton", "tekton-ws", "ws-system"]


class GenerationResult(Dict[str, Any]):
    """Result of ``generate`` and ``chat``: a dict (``result["text"]``) with
    typed accessors.

    Keys are present only where the server gave them, except ``text`` which
    is always there (for streams: every token, concatenated). The timings
    (``total_time``, ``time_to_first_token``, ``tokens_per_second``) are the
    client's own measurements, not dict keys.
    """

    __slots__ = ("_elapsed_ms", "_first_token_ms", "_streamed_tokens", "_raw_json")

    @property
    def text(self) -> str:
        """The generated text (for streams: every token, concatenated); always present."""
        return self["text"]  # type: ignore[no-any-return]

    @property
    def tokens_generated(self) -> Optional[int]:
        """The server's ``tokens_generated`` count, or None when it sent none."""
        return self.get("tokens_generated")

    @property
    def prompt_tokens(self) -> Optional[int]:
        """The server's prompt token count (``usage.prompt_tokens``), or None."""
        return self.get("prompt_tokens")

    @property
    def completion_tokens(self) -> Optional[int]:
        """The server's completion token count (``usage.completion_tokens``;
        over the Realm protocol its ``tokens_generated``)."""
        n = self.get("completion_tokens")
        return n if n is not None else self.get("tokens_generated")

    @property
    def total_tokens(self) -> Optional[int]:
        """The server's total token count (``usage.total_tokens``), or None."""
        return self.get("total_tokens")

    @property
    def usage(self) -> Usage:
        """``{"prompt_tokens", "completion_tokens", "total_tokens"}``, None
        where the server did not report one."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }

    @property
    def finish_reason(self) -> Optional[str]:
        """Why generation stopped, as the server said (``"stop"``,
        ``"length"``, ...); None when it did not say."""
        return self.get("finish_reason")

    @property
    def model(self) -> Optional[str]:
        """The model the server said it used, or None."""
        return self.get("model")

    @property
    def cost_usd(self) -> Optional[float]:
        """The cost in US dollars the server reported (``cost_usd``), or None."""
        return self.get("cost_usd")

    @property
    def time_ms(self) -> Optional[float]:
        """The server's own processing time in milliseconds (``time_ms``), or
        None. The client's measurements are ``total_time`` and
        ``time_to_first_token``."""
        return self.get("time_ms")

    @property
    def total_time(self) -> Optional[float]:
        """Seconds from writing the request to its end, measured by the
        client; None if it was never sent."""
        return _seconds(getattr(self, "_elapsed_ms", None))

    @property
    def time_to_first_token(self) -> Optional[float]:
        """Seconds from writing the request to its first streamed token,
        measured by the client; None when no token was streamed (a
        non-streaming request)."""
        return _seconds(getattr(self, "_first_token_ms", None))

    @property
    def tokens_per_second(self) -> Optional[float]:
        """Tokens per second of ``total_time``: the tokens the client received
        for a stream, else the server's completion token count. None when
        either is unknown or zero."""
        total = self.total_time
        streamed = getattr(self, "_streamed_tokens", 0)
        n = streamed if streamed else self.completion_tokens
        if not n or not total:
            return None
        return float(n) / total

    @property
    def raw(self) -> Any:
        """The server's answer as it sent it, decoded from JSON: the Realm
        complete frame's ``data``, an OpenAI completion object (non-streaming),
        the Tekton ``RESPONSE`` frame; None when it sent none (streams of
        pieces)."""
        text = getattr(self, "_raw_json", None)
        return None if text is None else json.loads(text)

    def __repr__(self) -> str:
        return f"GenerationResult({dict.__repr__(self)})"


PipelineInput = Any
"""Any JSON-serialisable value."""


class HealthStatus(TypedDict, total=False):
    """``health()``: the server's health object, as it sent it (realm-server:
    all of these; OpenAI-compatible servers over HTTP: ``status``)."""

    status: str
    version: str
    uptime_seconds: int
    active_requests: int
    cancelled_total: int
    connections: int


class ModelInfo(TypedDict, total=False):
    """One model of ``models()`` (OpenAI's model object)."""

    id: str
    object: str
    created: int
    owned_by: str


class ModelList(TypedDict, total=False):
    """``models()``: the server's answer as sent (OpenAI:
    ``{"object": "list", "data": [...]}``)."""

    object: str
    data: List[ModelInfo]


class ParamMetadata(TypedDict, total=False):
    """One parameter of a ``FunctionMetadata``, as the server describes it."""

    name: str
    type: str
    description: str
    required: bool
    default: Any


class FunctionMetadata(TypedDict, total=False):
    """One server function of ``RuntimeMetadata.functions``: its name,
    description, parameters, what it returns and whether it streams."""

    name: str
    description: str
    params: List[ParamMetadata]
    returns: str
    streaming: bool


class RuntimeMetadata(TypedDict, total=False):
    """``metadata()``: the server's version and function catalogue (Realm
    protocol only)."""

    version: str
    functions: List[FunctionMetadata]


# ---- realm.WSClient (ws-system) ------------------------------------------

ConnectionStatus = Literal[
    "disconnected", "connecting", "connected", "authenticated", "auth_failed", "reconnecting", "reconnect_failed"
]
"""``WSClient.get_status()`` and the argument of ``on_connection_change`` callbacks."""


class TokenEvent(TypedDict):
    """``on_token``: one token of generation ``id``."""

    id: str
    token: str


class GenerationStartEvent(TypedDict):
    """``on_generation_start``: the server started generation ``id`` with ``model``."""

    id: str
    model: str


class GenerationEndEvent(TypedDict):
    """``on_generation_end``. ``total_tokens``: the server's count (the tokens
    received when stopped); ``elapsed_time``: the server's, in seconds (None
    when stopped)."""

    id: str
    total_tokens: int
    elapsed_time: Optional[float]
    is_cancelled: bool


class ErrorEvent(TypedDict):
    """``on_error``: ``code`` is the error's code (``invalid_auth``,
    ``rate_limited``, ``connection_lost``, ``generation_error``,
    ``model_not_found``, ...), ``id`` the request's id (None for connection
    errors), ``error`` the exception."""

    message: str
    code: str
    description: str
    id: Optional[str]
    error: BaseException
