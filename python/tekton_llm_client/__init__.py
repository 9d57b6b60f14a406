"""Tekton LLM client (``tekton_llm_client``) on librealm.

The Python API of Tekton's ``tekton-llm-client`` package (``TektonLLMClient``
over HTTP, ``TektonLLMWebSocketClient`` over WebSocket, its models, exceptions
and token utilities), as a thin layer over librealm's ``tekton`` and
``tekton-ws`` dialects: the native core speaks the protocols, runs the
timeouts and reconnection and maps the errors. See docs/tekton.md.
"""

from __future__ import annotations

from . import exceptions, models, stream, utils, ws_client
from .client import TektonLLMClient
from .ws_client import ResponseCallback, TektonLLMWebSocketClient, WSChunkCallback
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
    "TektonLLMWebSocketClient",
    "WSChunkCallback",
    "ResponseCallback",
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
    "ws_client",
]
