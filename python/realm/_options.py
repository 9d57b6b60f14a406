"""Checks of the per-request options of ``generate`` and ``chat``, and the
conversions the native layer takes (timeouts in ms, messages as pairs).

Only types and names are checked here: values out of range (a NaN
temperature, a negative max_tokens, a NUL in a string) are refused by the
native layer and the core, which know the rules. Nothing here has a default.
"""

from __future__ import annotations

import difflib
import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .errors import ArgumentTypeError, InvalidArgumentError

Rule = Tuple[Callable[[Any], bool], str]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_stop(v: Any) -> bool:
    return isinstance(v, str) or (isinstance(v, (list, tuple)) and all(isinstance(s, str) for s in v))


def _is_mapping(v: Any) -> bool:
    return isinstance(v, Mapping)


_INT: Rule = (_is_int, "an int")
_NUMBER: Rule = (_is_number, "a number")
_STR: Rule = (_is_str, "a str")

#: Options of every generate and chat request (types.SamplingOptions).
SAMPLING: Dict[str, Rule] = {
    "max_tokens": _INT,
    "temperature": _NUMBER,
    "top_p": _NUMBER,
    "top_k": _INT,
    "repetition_penalty": _NUMBER,
    "presence_penalty": _NUMBER,
    "frequency_penalty": _NUMBER,
    "seed": _INT,
    "stop": (_is_stop, "a str or a list of str"),
    "model": _STR,
    "extra_body": (_is_mapping, "a dict"),
    "timeout": (_is_number, "a number of seconds"),
}
#: generate / generate_stream (types.GenerationOptions).
GENERATE: Dict[str, Rule] = {"prompt": _STR, **SAMPLING, "stream": (_is_bool, "a bool")}
#: chat / chat_stream keyword options (types.ChatOptions).
CHAT: Dict[str, Rule] = {**SAMPLING, "system_prompt": _STR}


def _unknown(key: Any, known: Dict[str, Rule], what: str) -> InvalidArgumentError:
    if not isinstance(key, str):
        return ArgumentTypeError(f"{what} option names must be str, not {type(key).__name__}")
    hint = difflib.get_close_matches(key, list(known), n=1)
    also = f" (did you mean '{hint[0]}'?)" if hint else ""
    return InvalidArgumentError(
        f"unknown option '{key}' of {what}{also}; fields the server takes beyond "
        f"{', '.join(known)} go in extra_body"
    )


def check(options: Mapping[Any, Any], known: Dict[str, Rule], what: str) -> None:
    """Raises InvalidArgumentError for an unknown key and ArgumentTypeError
    (an InvalidArgumentError and a TypeError) for a value of the wrong type,
    naming the option. None values mean "not given" and pass."""
    for key, value in options.items():
        if value is None:
            continue
        rule = known.get(key) if isinstance(key, str) else None
        if rule is None:
            raise _unknown(key, known, what)
        if not rule[0](value):
            raise ArgumentTypeError(f"option '{key}' of {what} must be {rule[1]}, not {type(value).__name__}")


_NO_TIMEOUT = 0xFFFFFFFF  # realm_call_options_t.timeout_ms: none


def call_timeout(seconds: Any, name: str = "timeout") -> int:
    """A per-call timeout in seconds to realm_call_options_t.timeout_ms:
    None = the client's timeout (0), 0 = no timeout (UINT32_MAX), else at
    least 1 ms. NaN, infinities and negative values are refused."""
    if seconds is None:
        return 0
    if not _is_number(seconds):
        raise ArgumentTypeError(f"{name} must be a number of seconds, not {type(seconds).__name__}")
    if (isinstance(seconds, float) and not math.isfinite(seconds)) or seconds < 0:
        raise InvalidArgumentError(f"{name} must be a finite number of seconds >= 0 (0 = no timeout)")
    if seconds == 0:
        return _NO_TIMEOUT
    ms = max(1, int(round(seconds * 1000)))
    if ms >= _NO_TIMEOUT:
        raise InvalidArgumentError(f"{name} is too large (at most {(_NO_TIMEOUT - 1) / 1000:.0f} s)")
    return ms


def chat_messages(messages: Any, system_prompt: Optional[str]) -> List[Tuple[str, str]]:
    """``[{"role", "content"}, ...]`` (plus a first system message for
    ``system_prompt``) as (role, content) pairs; the native layer checks the
    strings' UTF-8."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, (list, tuple)):
        raise ArgumentTypeError(
            f"messages must be a list of {{'role', 'content'}} dicts, not {type(messages).__name__}"
        )
    pairs: List[Tuple[str, str]] = []
    if system_prompt is not None:
        pairs.append(("system", system_prompt))
    for i, m in enumerate(messages):
        if not isinstance(m, Mapping):
            raise ArgumentTypeError(f"messages[{i}] must be a dict with 'role' and 'content', not {type(m).__name__}")
        for key in m:
            if key not in ("role", "content"):
                raise InvalidArgumentError(f"messages[{i}] has an unknown key {key!r} (a message has 'role' and 'content')")
        for key in ("role", "content"):
            if key not in m:
                raise InvalidArgumentError(f"messages[{i}] has no '{key}'")
            if not isinstance(m[key], str):
                raise ArgumentTypeError(f"messages[{i}]['{key}'] must be a str, not {type(m[key]).__name__}")
        pairs.append((m["role"], m["content"]))
    if not pairs:
        raise InvalidArgumentError("messages is empty: a chat needs at least one message")
    return pairs
