"""Streaming: content and order, callbacks, cancellation (server-side), and
many requests at once on one client."""

from __future__ import annotations

import asyncio
import time
from typing import List

import pytest

from realm import CancelledError, RealmWebSocketClient

from conftest import Server, expected_tokens


async def server_counters(client: RealmWebSocketClient) -> dict:
    health = await client.health()
    return {"active": health["active_requests"], "cancelled": health["cancelled_total"]}


async def test_stream_content_and_order(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        tokens = [t async for t in client.generate_stream({"prompt": "Hello world", "max_tokens": 40})]
        assert tokens == expected_tokens("Hello", 40)


async def test_long_stream_is_complete_and_ordered(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        stream = client.generate_stream({"prompt": "Order", "max_tokens": 20000})
        tokens = [t async for t in stream]
        assert tokens == expected_tokens("Order", 20000)
        assert stream.done and stream.result is not None
        assert stream.result.tokens_generated == 20000
        assert stream.result.text == "".join(tokens)


async def test_stream_with_callback_returns_full_result(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        seen: List[str] = []
        result = await client.generate({"prompt": "Callback", "max_tokens": 26, "stream": True}, on_token=seen.append)
        assert seen == expected_tokens("Callback", 26)
        assert result.text == "".join(seen)
        assert result.tokens_generated == 26


async def test_paced_tokens_arrive_as_they_come(shared_server: Server) -> None:
    # Token text = the server's CLOCK_MONOTONIC (us) when it sent the token.
    async with RealmWebSocketClient(url=shared_server.url) as client:
        received, stamps = [], []
        async for token in client.generate_stream({"prompt": "Slow", "max_tokens": 10,
                                                   "extra_body": {"delay_ms": 50, "stamp": True}}):
            received.append(time.monotonic_ns() // 1000)
            stamps.append(int(token))
        assert len(stamps) == 10 and stamps == sorted(stamps)
        # Ordering on one clock, no time bound: the first token was in our hands
        # before the server sent the last (9 pauses of 50 ms later).
        assert received[0] < stamps[-1]


async def test_interleaved_streams_keep_their_own_tokens(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        prompts = [f"P{i} go" for i in range(20)]

        async def run(prompt: str) -> List[str]:
            return [t async for t in client.generate_stream({"prompt": prompt, "max_tokens": 300})]

        results = await asyncio.gather(*(run(p) for p in prompts))
        for prompt, tokens in zip(prompts, results):
            assert tokens == expected_tokens(prompt, 300)


async def test_break_cancels_server_side(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        before = await server_counters(client)
        got = []
        async for token in client.generate_stream({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5}}):
            got.append(token)
            if len(got) == 3:
                break
        # The cancel frame precedes this health call on the same connection.
        after = await server_counters(client)
        assert after["cancelled"] == before["cancelled"] + 1
        assert after["active"] == 0
        assert got == expected_tokens("Long", 3)


async def test_task_cancellation_cancels_server_side(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        before = await server_counters(client)
        first = asyncio.Event()

        async def consume() -> None:
            async for _ in client.generate_stream({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5}}):
                first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        after = await server_counters(client)
        assert after["cancelled"] == before["cancelled"] + 1 and after["active"] == 0


async def test_timeout_of_a_waiting_generate_cancels_server_side(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        before = await server_counters(client)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(
                client.generate({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5}, "stream": True}), 0.1
            )
        after = await server_counters(client)
        assert after["cancelled"] == before["cancelled"] + 1 and after["active"] == 0


async def test_stream_cancel_aclose_and_context_manager(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        before = await server_counters(client)
        stream = client.generate_stream({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5}})
        assert await stream.__anext__() == "The "
        stream.cancel()
        assert [t async for t in stream] == []  # stops at once, buffered tokens are dropped
        assert stream.cancelled

        stream = client.generate_stream({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5}})
        await stream.__anext__()
        await stream.aclose()

        async with client.generate_stream({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5}}) as s:
            await s.__anext__()

        after = await server_counters(client)
        assert after["cancelled"] == before["cancelled"] + 3 and after["active"] == 0


async def test_dropping_an_unread_stream_cancels_it(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        before = await server_counters(client)
        stream = client.generate_stream({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5}})
        await stream.__anext__()
        del stream
        after = await server_counters(client)
        assert after["cancelled"] == before["cancelled"] + 1 and after["active"] == 0


async def test_exception_in_on_token_fails_the_call_and_cancels(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        before = await server_counters(client)

        def on_token(token: str) -> None:
            raise KeyError("consumer bug")

        with pytest.raises(KeyError, match="consumer bug"):
            await client.generate({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5}, "stream": True},
                                  on_token=on_token)
        after = await server_counters(client)
        assert after["cancelled"] == before["cancelled"] + 1


async def test_disconnect_ends_pending_requests_as_cancelled(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url)
    await client.connect()
    stream = client.generate_stream({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5}})
    pending = asyncio.ensure_future(client.generate({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 5},
                                                     "stream": True}))
    await stream.__anext__()
    await client.disconnect()
    with pytest.raises(CancelledError) as info:
        async for _ in stream:
            pass
    assert info.value.code == "CANCELLED"
    with pytest.raises(CancelledError):
        await pending


async def test_thousand_concurrent_generates_on_one_client(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        prompts = [f"Q{i} what" for i in range(1000)]
        results = await asyncio.gather(*(client.generate({"prompt": p}) for p in prompts))
        assert [r.text for r in results] == [f"Simulated response to: {p}" for p in prompts]
        streams = await asyncio.gather(*(
            client.generate({"prompt": p, "max_tokens": 3, "stream": True}) for p in prompts))
        assert all(r.text == "The capital of " for r in streams)
        assert (await client.health())["active_requests"] == 0
