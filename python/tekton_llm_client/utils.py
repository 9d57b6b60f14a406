"""Token utilities (tekton.md 6.5).

The estimate is the core's (``realm_estimate_tokens``: code points // 4 + 1),
the offline heuristic of the upstream client; no tokenizer table is
downloaded. A real tokenizer can be plugged in with ``set_tokenizer``: a
callable ``(text, model) -> int`` used by every function here instead.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar, Union, cast

from realm import _realm

from .exceptions import InvalidRequestError
from .models import Message, MessageRole

__all__ = [
    "count_tokens",
    "count_message_tokens",
    "truncate_text_to_token_limit",
    "optimize_messages_for_token_limit",
    "set_tokenizer",
    "Tokenizer",
]

#: A tokenizer: (text, model) -> number of tokens.
Tokenizer = Callable[[str, str], int]

_estimate = _realm.estimate_tokens  # the core's estimator (tekton.md 6.5)
_tokenizer: Optional[Tokenizer] = None

M = TypeVar("M", bound=Union[Message, Mapping[str, Any]])


def set_tokenizer(tokenizer: Optional[Tokenizer]) -> None:
    """Uses ``tokenizer(text, model)`` for every count from now on (process
    wide); None goes back to the core's heuristic."""
    global _tokenizer
    if tokenizer is not None and not callable(tokenizer):
        raise TypeError("tokenizer must be callable: (text, model) -> int")
    _tokenizer = tokenizer


def count_tokens(text: str, model: str = "gpt-4") -> int:
    """Tokens of ``text``: the plugged tokenizer's count, else the core's
    estimate ``len(text) // 4 + 1`` (so ``""`` is 1 and ``"abcd"`` is 2).
    ``model`` is passed to a plugged tokenizer; the heuristic ignores it."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if _tokenizer is not None:
        return int(_tokenizer(text, model))
    try:
        return _estimate(text)
    except ValueError as e:  # realm.InvalidArgumentError: a lone surrogate
        raise InvalidRequestError(str(e)) from e


def _role_and_content(message: Union[Message, Mapping[str, Any]]) -> tuple[str, str]:
    if isinstance(message, Message):
        return message.role_name, message.content
    if isinstance(message, Mapping):
        role = message.get("role", "")
        content = message.get("content", "")
        if isinstance(role, MessageRole):
            role = role.value
        if not isinstance(content, str):
            raise InvalidRequestError(f"message content must be a str, not {type(content).__name__}")
        return str(role), content
    raise InvalidRequestError(f"invalid message format: {message!r}")


def count_message_tokens(messages: Sequence[Union[Message, Mapping[str, Any]]], model: str = "gpt-4") -> Dict[str, int]:
    """Tokens of a chat: the sum of (content tokens + 4) per message, plus 3;
    returned as ``{"prompt_tokens": n, "total_tokens": n}``."""
    n = sum(count_tokens(_role_and_content(m)[1], model) + 4 for m in messages) + 3
    return {"prompt_tokens": n, "total_tokens": n}


def truncate_text_to_token_limit(text: str, max_tokens: int, model: str = "gpt-4") -> str:
    """With the heuristic: the first ``max_tokens * 4`` characters (upstream's
    offline rule). With a plugged tokenizer: the longest prefix whose count is
    at most ``max_tokens`` (the whole text when it fits)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if _tokenizer is None:
        return text[: max(0, max_tokens) * 4]
    if count_tokens(text, model) <= max_tokens:
        return text
    lo, hi = 0, len(text)  # text[:lo] fits, text[:hi] does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if count_tokens(text[:mid], model) <= max_tokens:
            lo = mid
        else:
            hi = mid
    return text[:lo]


def optimize_messages_for_token_limit(
    messages: Sequence[M],
    max_tokens: int,
    model: str = "gpt-4",
    keep_system_prompt: bool = True,
) -> List[M]:
    """The newest messages that fit in ``max_tokens`` (content tokens only).

    With ``keep_system_prompt`` the last system message is kept (first in the
    result) and the other system messages are dropped. If everything fits, the
    result is the system message followed by the others in order. Otherwise
    the budget is ``max_tokens`` minus the system message's tokens, and the
    others are taken from the newest backwards while the running sum stays
    within it, stopping at the first one that does not fit. The result keeps
    the original order (and the original objects)."""
    system: Optional[M] = None
    others: List[M] = []
    for m in messages:
        if keep_system_prompt and _role_and_content(m)[0] == "system":
            system = m  # the last one wins
        else:
            others.append(m)
    head: List[M] = [system] if system is not None else []
    system_tokens = count_tokens(_role_and_content(system)[1], model) if system is not None else 0
    counts = [count_tokens(_role_and_content(m)[1], model) for m in others]
    if sum(counts) + system_tokens <= max_tokens:
        return head + others
    budget = max_tokens - system_tokens
    kept: List[M] = []
    used = 0
    for m, n in zip(reversed(others), reversed(counts)):
        if used + n > budget:
            break
        used += n
        kept.append(m)
    kept.reverse()
    return head + kept
