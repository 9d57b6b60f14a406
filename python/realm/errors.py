"""Exceptions raised by the realm package.

One class per error family (the core's error categories) is declared here,
and one class per status of the core's error table (``realm_get_error_table``)
as a subclass of its family; at import time each status is matched to its
class (a status this module does not declare gets a generated class):

    RealmError
    ├── InvalidArgumentError (also ValueError)   InvalidUrlError, InvalidStateError,
    │                                            ArgumentTypeError (also TypeError)
    ├── ConnectionError (also builtins.ConnectionError)
    │       NotConnectedError, ConnectFailedError, TlsError, ConnectionLostError, QueueFullError,
    │       TooManyConnectionsError
    ├── TimeoutError (also builtins.TimeoutError)  IdleTimeoutError
    ├── CancelledError
    ├── AuthenticationError                        UnauthorizedError
    ├── RateLimitError                             RateLimitExceededError
    ├── ServerError                                DispatchError, ServerInternalError, BackendError,
    │                                              InvalidRequestError, NotFoundError
    ├── ProtocolError                              MessageTooLargeError
    └── InternalError                              NoMemoryError

Every instance carries ``code`` (the server's error code verbatim for server
errors, e.g. ``"RATE_LIMIT_EXCEEDED"``, otherwise the core's status name),
``message``, ``retry_after`` (seconds, or None), ``retryable``, ``status``,
``http_status`` and ``close_code``.
"""

from __future__ import annotations

import builtins
from typing import Any, Dict, List, Optional, Tuple, Type

from . import _realm

__all__ = [
    "RealmError",
    "InvalidArgumentError",
    "ConnectionError",
    "ConnectionLostError",
    "TimeoutError",
    "CancelledError",
    "AuthenticationError",
    "RateLimitError",
    "ServerError",
    "ProtocolError",
    "InternalError",
    "ArgumentTypeError",
    "InvalidUrlError",
    "InvalidStateError",
    "NoMemoryError",
    "NotConnectedError",
    "ConnectFailedError",
    "TlsError",
    "QueueFullError",
    "TooManyConnectionsError",
    "IdleTimeoutError",
    "UnauthorizedError",
    "RateLimitExceededError",
    "DispatchError",
    "ServerInternalError",
    "BackendError",
    "InvalidRequestError",
    "NotFoundError",
    "MessageTooLargeError",
    "error_class",
]


class RealmError(Exception):
    """Base class of every error raised by realm."""

    code: str
    message: str
    retry_after: Optional[float]
    retryable: bool
    status: Optional[int]
    http_status: Optional[int]
    close_code: Optional[int]

    def __init__(
        self,
        message: str = "",
        *,
        code: Optional[str] = None,
        retry_after: Optional[float] = None,
        retryable: bool = False,
        status: Optional[int] = None,
        http_status: Optional[int] = None,
        close_code: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else _default_code(type(self))
        self.retry_after = retry_after
        self.retryable = retryable
        self.status = status
        self.http_status = http_status
        self.close_code = close_code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __reduce__(self) -> Tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self._fields()))

    def _fields(self) -> Dict[str, Any]:
        return {
            "code": self.code,
            "retry_after": self.retry_after,
            "retryable": self.retryable,
            "status": self.status,
            "http_status": self.http_status,
            "close_code": self.close_code,
        }


def _rebuild(cls: Type[RealmError], message: str, fields: Dict[str, Any]) -> RealmError:
    return cls(message, **fields)


class InvalidArgumentError(RealmError, ValueError):
    """The caller passed something invalid (bad option, bad URL, missing prompt...)."""


class ConnectionError(RealmError, builtins.ConnectionError):
    """Could not connect, not connected, or the connection was lost."""


class ConnectionLostError(ConnectionError):
    """The connection dropped while the request was in flight."""


class TimeoutError(RealmError, builtins.TimeoutError):
    """A connect, request or idle timeout of the core expired."""


class CancelledError(RealmError):
    """The request was cancelled (by the caller, a disconnect or the client's destruction)."""


class AuthenticationError(RealmError):
    """Bad or disabled API key, failed auth handshake, or tenant mismatch."""


class RateLimitError(RealmError):
    """The server's rate limit was hit; ``retry_after`` says how long to wait (seconds)."""


class ServerError(RealmError):
    """The server reported an error for the request."""


class ProtocolError(RealmError):
    """The server sent something that breaks the protocol."""


class InternalError(RealmError):
    """A bug or resource exhaustion inside librealm."""


class ArgumentTypeError(InvalidArgumentError, TypeError):
    """An option or argument of the wrong type: an ``InvalidArgumentError``
    that is also a ``TypeError`` (as Python's own functions raise)."""


# One class per status of the core's error table. They are declared here so
# that type checkers and ``from realm import ...`` see them; _generate()
# checks each against the table (and adds any status this list misses).
class InvalidUrlError(InvalidArgumentError):
    """Invalid URL."""


class InvalidStateError(InvalidArgumentError):
    """Operation not allowed in the current state."""


class NoMemoryError(InternalError):
    """Out of memory."""


class NotConnectedError(ConnectionError):
    """Client is not connected."""


class ConnectFailedError(ConnectionError):
    """Could not connect to the server."""


class TlsError(ConnectionError):
    """TLS handshake or certificate verification failed."""


class QueueFullError(ConnectionError):
    """Too many requests waiting for a connection or active on the client."""


class TooManyConnectionsError(ConnectionError):
    """The process cannot hold more connections (descriptor limit)."""


class IdleTimeoutError(TimeoutError):
    """No data from the server within the idle timeout."""


class UnauthorizedError(AuthenticationError):
    """Not authorized."""


class RateLimitExceededError(RateLimitError):
    """Rate limit exceeded."""


class DispatchError(ServerError):
    """Server could not execute the function."""


class ServerInternalError(ServerError):
    """Server internal error."""


class BackendError(ServerError):
    """Model backend failed."""


class InvalidRequestError(ServerError):
    """The server rejected the request as invalid."""


class NotFoundError(ServerError):
    """The model or endpoint does not exist on the server."""


class MessageTooLargeError(ProtocolError):
    """Message exceeds the size limit."""


_FAMILIES: Dict[str, Type[RealmError]] = {
    "argument": InvalidArgumentError,
    "connection": ConnectionError,
    "timeout": TimeoutError,
    "cancelled": CancelledError,
    "auth": AuthenticationError,
    "rate_limit": RateLimitError,
    "server": ServerError,
    "protocol": ProtocolError,
    "internal": InternalError,
}

_BY_STATUS: Dict[int, Type[RealmError]] = {}
_CODE_OF: Dict[Type[RealmError], str] = {}


def _class_name(status_name: str) -> str:
    stem = status_name[: -len("_ERROR")] if status_name.endswith("_ERROR") else status_name
    return "".join(part.capitalize() for part in stem.split("_")) + "Error"


def _generate() -> None:
    for status, name, description, category, retryable in _realm.error_table():
        family = _FAMILIES.get(_realm.ERROR_CATEGORIES.get(category, ""))
        if family is None:  # REALM_OK
            continue
        cls_name = _class_name(name)
        existing = globals().get(cls_name)
        cls: Optional[Type[RealmError]] = None
        if isinstance(existing, type) and issubclass(existing, RealmError):
            if issubclass(existing, family):
                cls = existing  # the family class itself, or a declared subclass
            else:
                cls_name = family.__name__[: -len("Error")] + cls_name  # e.g. ServerInternalError
                renamed = globals().get(cls_name)
                if isinstance(renamed, type) and issubclass(renamed, family):
                    cls = renamed
        if cls is None:
            cls = type(cls_name, (family,), {"__doc__": description[:1].upper() + description[1:] + ".",
                                             "__module__": __name__})
            globals()[cls_name] = cls
            __all__.append(cls_name)
        _BY_STATUS[status] = cls
        _CODE_OF.setdefault(cls, name)


def _default_code(cls: type) -> str:
    for klass in cls.__mro__:
        code = _CODE_OF.get(klass)
        if code is not None:
            return code
    return "UNKNOWN"


def error_class(status: int) -> Type[RealmError]:
    """The exception class for a core status code (``realm_status_t``)."""
    return _BY_STATUS.get(status, RealmError)


def _from_native(
    status: int,
    code: str,
    message: str,
    retryable: int,
    retry_after_ms: int,
    http_status: int,
    close_code: int,
) -> RealmError:
    return error_class(status)(
        message,
        code=code,
        retry_after=None if retry_after_ms < 0 else retry_after_ms / 1000.0,
        retryable=bool(retryable),
        status=status,
        http_status=http_status or None,
        close_code=close_code or None,
    )


def table() -> List[Tuple[int, str, str, str, bool]]:
    """The core's error table: (status, name, description, category, retryable)."""
    return [
        (status, name, description, _realm.ERROR_CATEGORIES.get(category, "none"), retryable)
        for status, name, description, category, retryable in _realm.error_table()
    ]


_generate()
_realm._set_error_factory(_from_native)


def __getattr__(name: str) -> Type[RealmError]:  # for type checkers: generated classes
    raise AttributeError(name)
