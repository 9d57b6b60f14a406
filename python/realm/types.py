"""Types of the realm package."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict

__all__ = [
    "GenerationOptions",
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


class GenerationOptions(TypedDict, total=False):
    """Options of ``generate``. Keys left out (or None) are not sent, so the
    server's defaults apply. Other keys are passed to the server as extra
    generate params."""

    prompt: str
    max_tokens: int
    temperature: float
    top_p: float
    top_k: int
    repetition_penalty: float
    model: str
    stream: bool


class GenerationResult(Dict[str, Any]):
    """Result of ``generate``: a dict (``result["text"]``) with typed accessors.

    Keys are present only where the server gave them, except ``text`` which
    is always there (for streams: every token, concatenated).
    """

    __slots__ = ()

    @property
    def text(self) -> str:
        return self["text"]  # type: ignore[no-any-return]

    @property
    def tokens_generated(self) -> Optional[int]:
        return self.get("tokens_generated")

    @property
    def prompt_tokens(self) -> Optional[int]:
        return self.get("prompt_tokens")

    @property
    def cost_usd(self) -> Optional[float]:
        return self.get("cost_usd")

    @property
    def time_ms(self) -> Optional[float]:
        return self.get("time_ms")

    def __repr__(self) -> str:
        return f"GenerationResult({dict.__repr__(self)})"


PipelineInput = Any
"""Any JSON-serialisable value."""


class HealthStatus(TypedDict, total=False):
    status: str
    version: str
    uptime_seconds: int


class ParamMetadata(TypedDict, total=False):
    name: str
    type: str
    description: str
    required: bool
    default: Any


class FunctionMetadata(TypedDict, total=False):
    name: str
    description: str
    params: List[ParamMetadata]
    returns: str
    streaming: bool


class RuntimeMetadata(TypedDict, total=False):
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
