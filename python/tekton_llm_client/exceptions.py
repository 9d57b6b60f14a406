"""Exceptions of the Tekton LLM client (tekton.md 6.4).

    TektonLLMError
    ├── ConnectionError          (also builtins.ConnectionError)   code CONNECTION
    ├── TimeoutError             (also builtins.TimeoutError)      code TIMEOUT
    ├── AuthenticationError                                        code AUTHENTICATION
    ├── ServiceUnavailableError                                    code SERVICE_UNAVAILABLE
    ├── RateLimitError                                             code RATE_LIMITED
    ├── InvalidRequestError                                        code INVALID_REQUEST
    ├── AdapterError(adapter_id, message)                          code ADAPTER
    └── FallbackError                                              code FALLBACK_FAILED

They are made from the errors of librealm's core (``realm.RealmError``), which
does the HTTP exchange and maps the status: 400 -> InvalidRequestError, 401 ->
AuthenticationError, 429 -> RateLimitError, 503 -> ServiceUnavailableError, any
other status -> AdapterError("rhetor", "HTTP error <status>: <text>"). The core's
error is the exception's ``__cause__``; ``core_code`` is its status name.
"""

from __future__ import annotations

import builtins
from typing import Optional

__all__ = [
    "TektonLLMError",
    "ConnectionError",
    "TimeoutError",
    "AuthenticationError",
    "ServiceUnavailableError",
    "RateLimitError",
    "InvalidRequestError",
    "AdapterError",
    "FallbackError",
]


class TektonLLMError(Exception):
    """Base class of every error of the Tekton LLM client.

    ``code``: the Tekton error code (``CONNECTION``, ``TIMEOUT``, ...);
    ``message``: the text; ``http_status``: the server's HTTP status, or None;
    ``retry_after``: seconds the server asked to wait (429), or None;
    ``core_code``: the librealm status name (``"UNAUTHORIZED"``, ...), or None
    for errors raised by this package itself."""

    code: str = "TEKTON_LLM_ERROR"

    def __init__(
        self,
        message: str = "",
        *,
        http_status: Optional[int] = None,
        retry_after: Optional[float] = None,
        core_code: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.retry_after = retry_after
        self.core_code = core_code

    def __str__(self) -> str:
        return self.message


class ConnectionError(TektonLLMError, builtins.ConnectionError):
    """Rhetor could not be reached, or the connection broke."""

    code = "CONNECTION"


class TimeoutError(TektonLLMError, builtins.TimeoutError):
    """The request did not end within its timeout."""

    code = "TIMEOUT"


class AuthenticationError(TektonLLMError):
    """Rhetor refused the credentials (HTTP 401)."""

    code = "AUTHENTICATION"


class ServiceUnavailableError(TektonLLMError):
    """Rhetor is unavailable: HTTP 503, or ``initialize()`` was not called or
    did not find the service healthy."""

    code = "SERVICE_UNAVAILABLE"


class RateLimitError(TektonLLMError):
    """Rhetor asked to slow down (HTTP 429); ``retry_after`` in seconds."""

    code = "RATE_LIMITED"


class InvalidRequestError(TektonLLMError):
    """The request was refused (HTTP 400) or its arguments are invalid."""

    code = "INVALID_REQUEST"


class AdapterError(TektonLLMError):
    """Any other error of an adapter: ``Adapter '<id>' error: <message>``."""

    code = "ADAPTER"

    def __init__(
        self,
        adapter_id: str,
        message: str,
        *,
        http_status: Optional[int] = None,
        retry_after: Optional[float] = None,
        core_code: Optional[str] = None,
    ) -> None:
        super().__init__(
            f"Adapter '{adapter_id}' error: {message}",
            http_status=http_status,
            retry_after=retry_after,
            core_code=core_code,
        )
        self.adapter_id = adapter_id


class FallbackError(TektonLLMError):
    """The primary request failed and so did the fallback hook:
    ``Primary error: ... Fallback error: ...``."""

    code = "FALLBACK_FAILED"
