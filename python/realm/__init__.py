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
    AuthenticationError,
    CancelledError,
    ConnectionError,
    ConnectionLostError,
    InternalError,
    InvalidArgumentError,
    ProtocolError,
    RateLimitError,
    RealmError,
    ServerError,
    TimeoutError,
)
from .types import (
    FunctionMetadata,
    GenerationOptions,
    GenerationResult,
    HealthStatus,
    ParamMetadata,
    PipelineInput,
    RuntimeMetadata,
    ConnectionStatus,
    TokenEvent,
    GenerationStartEvent,
    GenerationEndEvent,
    ErrorEvent,
)

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
    "ConnectionError",
    "ConnectionLostError",
    "TimeoutError",
    "CancelledError",
    "AuthenticationError",
    "RateLimitError",
    "ServerError",
    "ProtocolError",
    "InternalError",
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
    "__version__",
    "core_version",
]
