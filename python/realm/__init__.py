"""realm: Python SDK for Realm inference servers, running on librealm.

    import asyncio
    from realm import RealmWebSocketClient

    async def main():
        async with RealmWebSocketClient(url="ws://localhost:8080") as client:
            result = await client.generate({"prompt": "What is the capital of France?"})
            print(result["text"])

    asyncio.run(main())
"""

from . import _realm
from .client import EVENTS, Client, RealmWebSocketClient, SyncTokenStream, TokenStream
from .ws_client import STATUSES, BatchItem, GenerationStream, WSClient
from .errors import (
    RealmError,
    InvalidArgumentError,
    ArgumentTypeError,
    InvalidUrlError,
    InvalidStateError,
    ConnectionError,
    NotConnectedError,
    ConnectFailedError,
    TlsError,
    ConnectionLostError,
    QueueFullError,
    TooManyConnectionsError,
    TimeoutError,
    IdleTimeoutError,
    CancelledError,
    AuthenticationError,
    UnauthorizedError,
    RateLimitError,
    RateLimitExceededError,
    ServerError,
    DispatchError,
    ServerInternalError,
    BackendError,
    InvalidRequestError,
    NotFoundError,
    ProtocolError,
    MessageTooLargeError,
    InternalError,
    NoMemoryError,
)
from .types import (
    ChatMessage,
    Dialect,
    SamplingOptions,
    GenerationOptions,
    ChatOptions,
    GenerationResult,
    Usage,
    PipelineInput,
    HealthStatus,
    ParamMetadata,
    FunctionMetadata,
    RuntimeMetadata,
    ModelInfo,
    ModelList,
    ConnectionStatus,
    TokenEvent,
    GenerationStartEvent,
    GenerationEndEvent,
    ErrorEvent,
)

#: Version of this package: the librealm release it is built from (scripts/sync-version
#: keeps it in step with include/realm/realm.h).
__version__ = "0.1.0"
#: Version of the librealm core compiled into this package.
core_version: str = _realm.version()

__all__ = [
    "RealmWebSocketClient",
    "Client",
    "TokenStream",
    "SyncTokenStream",
    "EVENTS",
    "WSClient",
    "GenerationStream",
    "BatchItem",
    "STATUSES",
    "RealmError",
    "InvalidArgumentError",
    "ArgumentTypeError",
    "InvalidUrlError",
    "InvalidStateError",
    "ConnectionError",
    "NotConnectedError",
    "ConnectFailedError",
    "TlsError",
    "ConnectionLostError",
    "QueueFullError",
    "TooManyConnectionsError",
    "TimeoutError",
    "IdleTimeoutError",
    "CancelledError",
    "AuthenticationError",
    "UnauthorizedError",
    "RateLimitError",
    "RateLimitExceededError",
    "ServerError",
    "DispatchError",
    "ServerInternalError",
    "BackendError",
    "InvalidRequestError",
    "NotFoundError",
    "ProtocolError",
    "MessageTooLargeError",
    "InternalError",
    "NoMemoryError",
    "ChatMessage",
    "Dialect",
    "SamplingOptions",
    "GenerationOptions",
    "ChatOptions",
    "GenerationResult",
    "Usage",
    "PipelineInput",
    "HealthStatus",
    "ParamMetadata",
    "FunctionMetadata",
    "RuntimeMetadata",
    "ModelInfo",
    "ModelList",
    "ConnectionStatus",
    "TokenEvent",
    "GenerationStartEvent",
    "GenerationEndEvent",
    "ErrorEvent",
    "__version__",
    "core_version",
]
