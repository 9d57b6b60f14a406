"""Typed usage of the realm package: must pass `mypy --strict` (see
test_typing.py, which also runs it against realm-server)."""

from __future__ import annotations

from typing import List, Optional

import realm
from realm import (
    ChatMessage,
    ChatOptions,
    Client,
    GenerationOptions,
    GenerationResult,
    HealthStatus,
    InvalidArgumentError,
    ModelList,
    NotFoundError,
    RealmError,
    RealmWebSocketClient,
    TimeoutError,
    Usage,
)

MESSAGES: List[ChatMessage] = [{"role": "user", "content": "Tell me about France"}]


def describe(result: GenerationResult) -> str:
    usage: Usage = result.usage
    completion: Optional[int] = usage["completion_tokens"]
    reason: Optional[str] = result.finish_reason
    return f"{result.text!r} finish_reason={reason} completion_tokens={completion}"


async def run_async(url: str, model: str) -> List[str]:
    out: List[str] = []
    async with RealmWebSocketClient(url=url, model=model, dialect="auto", max_retries=1, retry_base=0.5) as client:
        options: GenerationOptions = {
            "prompt": "Hello world",
            "max_tokens": 4,
            "temperature": 0.7,
            "top_p": 0.9,
            "top_k": 40,
            "presence_penalty": -0.5,
            "frequency_penalty": 0.5,
            "seed": 42,
            "stop": ["zzz"],
            "timeout": 30.0,
            "extra_body": {"delay_ms": 0},
        }
        out.append(describe(await client.generate(options)))
        out.append(describe(await client.chat(MESSAGES, max_tokens=3, system_prompt="Be brief.", stop="zzz")))
        chat_options: ChatOptions = {"max_tokens": 3, "seed": 1}
        stream = client.chat_stream(MESSAGES, **chat_options)
        tokens = [token async for token in stream]
        text: Optional[str] = stream.text
        ttft: Optional[float] = stream.time_to_first_token
        total: Optional[float] = stream.total_time
        tps: Optional[float] = stream.tokens_per_second
        stream_usage: Optional[Usage] = stream.usage
        out.append(f"{len(tokens)} {text!r} {stream.finish_reason} {ttft} {total} {tps} {stream_usage}")
        async for token in client.generate_stream({"prompt": "Hi", "max_tokens": 2}):
            out.append(token)
        try:
            health: HealthStatus = await client.health(timeout=5)
            out.append(health.get("status", "?"))
            models: ModelList = await client.models(timeout=5)
            out.extend(m.get("id", "?") for m in models.get("data", []))
        except InvalidArgumentError as e:  # a dialect without it
            out.append(e.code)
    return out


def run_sync(url: str, model: str) -> List[str]:
    out: List[str] = []
    with Client(url=url, model=model) as client:
        out.append(describe(client.chat(MESSAGES, max_tokens=2, timeout=10)))
        stream = client.chat_stream(MESSAGES, max_tokens=2)
        out.extend(stream)
        out.append(str(stream.usage))
        try:
            client.chat(MESSAGES, model="no-such-model")
        except (NotFoundError, TimeoutError, realm.ServerError) as e:
            out.append(e.code)
        except RealmError as e:
            out.append(type(e).__name__)
    return out
