"""Tekton LLM client (``tekton_llm_client``) on librealm.

The Python API of Tekton's ``tekton-llm-client`` package (``TektonLLMClient``
over HTTP, its models, exceptions and token utilities), as a thin layer over
librealm's ``tekton`` dialect: the native core speaks the HTTP/SSE protocol,
runs the timeouts and maps the errors. See docs/tekton.md.
"""

from __future__ import annotations

from . import exceptions, models, stream, utils
from .client import TektonLLMClient
from .stream import ChunkCallback, ChunkStream, FallbackHook, FallbackRequest
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
from .models import (
    AvailableProviders,
    CompletionOptions,
    CompletionResponse,
    Message,
    MessageRole,
    ModelInfo,
    ProviderInfo,
    StreamingChunk,
)
from .utils import (
    count_message_tokens,
    count_tokens,
    optimize_messages_for_token_limit,
    set_tokenizer,
    truncate_text_to_token_limit,
)

__version__ = "0.2.0"

__all__ = [
    "TektonLLMClient",
    "ChunkStream",
    "ChunkCallback",
    "FallbackHook",
    "FallbackRequest",
    "Message",
    "MessageRole",
    "CompletionOptions",
    "CompletionResponse",
    "StreamingChunk",
    "ModelInfo",
    "ProviderInfo",
    "AvailableProviders",
    "TektonLLMError",
    "ConnectionError",
    "TimeoutError",
    "AuthenticationError",
    "ServiceUnavailableError",
    "RateLimitError",
    "InvalidRequestError",
    "AdapterError",
    "FallbackError",
    "count_tokens",
    "count_message_tokens",
    "truncate_text_to_token_limit",
    "optimize_messages_for_token_limit",
    "set_tokenizer",
    "exceptions",
    "models",
    "stream",
    "utils",
]
