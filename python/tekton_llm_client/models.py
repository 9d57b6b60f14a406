"""Data types of the Tekton LLM client (tekton.md 6.1, 2.2).

Plain dataclasses (the upstream package used Pydantic models with the same
fields); ``CompletionOptions`` is a ``TypedDict`` of the per-call options so
that type checkers catch a misspelt key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Mapping, Optional, TypedDict, Union

from .exceptions import InvalidRequestError

__all__ = [
    "MessageRole",
    "Message",
    "CompletionOptions",
    "CompletionResponse",
    "StreamingChunk",
    "ModelInfo",
    "ProviderInfo",
    "AvailableProviders",
]


class MessageRole(str, Enum):
    """Role of a chat message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    FUNCTION = "function"


@dataclass
class Message:
    """One chat message. ``role`` may be given as a ``MessageRole`` or its
    string value (``"user"``); it is stored as a ``MessageRole``. ``name`` is
    kept on the object but not sent: librealm's chat messages carry a role and
    a content only."""

    role: Union[MessageRole, str]
    content: str
    name: Optional[str] = None

    def __post_init__(self) -> None:
        if not isinstance(self.role, MessageRole):
            try:
                self.role = MessageRole(self.role)
            except ValueError:
                roles = ", ".join(r.value for r in MessageRole)
                raise InvalidRequestError(f"invalid message role {self.role!r} (expected one of {roles})") from None
        if not isinstance(self.content, str):
            raise InvalidRequestError(f"message content must be a str, not {type(self.content).__name__}")

    @property
    def role_name(self) -> str:
        """The role as its string value (``"user"``)."""
        return self.role.value if isinstance(self.role, MessageRole) else str(self.role)

    def to_dict(self) -> Dict[str, str]:
        d = {"role": self.role_name, "content": self.content}
        if self.name is not None:
            d["name"] = self.name
        return d


class CompletionOptions(TypedDict, total=False):
    """Per-call ``options`` of ``generate_text`` / ``generate_chat_response``
    (tekton.md 6.1). Left out = the core's (or the server's) default."""

    temperature: float
    max_tokens: int
    stop_sequences: List[str]
    top_p: float
    top_k: int
    presence_penalty: float
    frequency_penalty: float
    fallback_provider: Optional[str]
    fallback_model: Optional[str]
    timeout: float
    retry_count: int
    retry_delay: int
    provider: str
    model: str
    extra_body: Dict[str, Any]  # librealm: members added to the request body as they are


@dataclass
class CompletionResponse:
    """A whole answer. ``latency`` is in seconds, measured by the core's clock
    from writing the request to its end. ``fallback`` is True when the
    fallback hook produced it. ``success`` is False when ``error`` is set."""

    content: str
    model: str
    provider: str
    context_id: str
    finish_reason: Optional[str] = None
    usage: Optional[Dict[str, int]] = None
    fallback: bool = False
    timestamp: str = ""
    latency: float = 0.0
    error: Optional[str] = None

    @property
    def success(self) -> bool:
        return self.error is None


@dataclass
class StreamingChunk:
    """One piece of a streamed answer; the last one has ``done=True`` (and
    ``error`` set when the stream failed)."""

    chunk: str
    context_id: str
    model: str
    provider: str
    timestamp: str = ""
    done: bool = False
    fallback: bool = False
    error: Optional[str] = None


@dataclass
class ModelInfo:
    id: str
    name: str
    context_length: Optional[int] = None
    description: Optional[str] = None
    pricing: Optional[Dict[str, float]] = None
    capabilities: List[str] = field(default_factory=list)


@dataclass
class ProviderInfo:
    name: str
    available: bool
    models: List[ModelInfo] = field(default_factory=list)
    default_model: Optional[str] = None
    description: Optional[str] = None


@dataclass
class AvailableProviders:
    """The answer of ``GET /api/v1/providers`` (tekton.md 2.2)."""

    providers: Dict[str, ProviderInfo]
    default_provider: str
    default_model: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "AvailableProviders":
        """From the decoded JSON object; fields of the wrong type are left at
        their defaults rather than failing."""

        def opt_str(v: Any) -> Optional[str]:
            return v if isinstance(v, str) else None

        providers: Dict[str, ProviderInfo] = {}
        raw = data.get("providers")
        if isinstance(raw, Mapping):
            for pid, p in raw.items():
                if not isinstance(p, Mapping):
                    continue
                models: List[ModelInfo] = []
                for m in p.get("models") or []:
                    if not isinstance(m, Mapping) or not isinstance(m.get("id"), str):
                        continue
                    ctx = m.get("context_length")
                    caps = m.get("capabilities")
                    pricing = m.get("pricing")
                    models.append(
                        ModelInfo(
                            id=m["id"],
                            name=opt_str(m.get("name")) or m["id"],
                            context_length=ctx if isinstance(ctx, int) and not isinstance(ctx, bool) else None,
                            description=opt_str(m.get("description")),
                            pricing=dict(pricing) if isinstance(pricing, Mapping) else None,
                            capabilities=[c for c in caps if isinstance(c, str)] if isinstance(caps, list) else [],
                        )
                    )
                providers[str(pid)] = ProviderInfo(
                    name=opt_str(p.get("name")) or str(pid),
                    available=p.get("available") is True,
                    models=models,
                    default_model=opt_str(p.get("default_model")),
                    description=opt_str(p.get("description")),
                )
        return cls(
            providers=providers,
            default_provider=opt_str(data.get("default_provider")) or "",
            default_model=opt_str(data.get("default_model")) or "",
        )
