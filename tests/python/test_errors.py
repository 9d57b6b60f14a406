"""Errors: the generated exception classes, authentication, rate limits,
lost connections, reconnection, timeouts and malformed server frames."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any, List

import pytest

import realm
from realm import (
    AuthenticationError,
    CancelledError,
    ConnectionError,
    ConnectionLostError,
    ProtocolError,
    RateLimitError,
    RealmError,
    RealmWebSocketClient,
    ServerError,
    TimeoutError,
    errors,
)

from conftest import Server, expected_tokens, wait_for_event

FAMILY = {
    "argument": errors.InvalidArgumentError,
    "connection": errors.ConnectionError,
    "timeout": errors.TimeoutError,
    "cancelled": errors.CancelledError,
    "auth": errors.AuthenticationError,
    "rate_limit": errors.RateLimitError,
    "server": errors.ServerError,
    "protocol": errors.ProtocolError,
    "internal": errors.InternalError,
}


# ---------------------------------------------------------------- classes


def test_classes_generated_from_the_core_error_table() -> None:
    rows = errors.table()
    assert len(rows) > 15
    for status, name, description, category, retryable in rows:
        if category == "none":
            continue
        cls = errors.error_class(status)
        assert issubclass(cls, FAMILY[category]), (name, cls)
        assert getattr(errors, cls.__name__) is cls
        exc = errors._from_native(status, name, "m", int(retryable), -1, 0, 0)
        assert type(exc) is cls and exc.code == name and exc.retryable == retryable
        assert exc.retry_after is None and exc.message == "m" and str(exc) == "m"
    assert errors.error_class(-14) is errors.RateLimitExceededError  # RATE_LIMIT_EXCEEDED
    assert errors.error_class(-9) is ConnectionLostError
    assert issubclass(ConnectionError, builtins.ConnectionError)
    assert issubclass(TimeoutError, builtins.TimeoutError)
    assert issubclass(errors.InvalidArgumentError, ValueError)
    assert not issubclass(CancelledError, asyncio.CancelledError)


def test_error_pickles() -> None:
    import pickle

    exc = errors._from_native(-14, "RATE_LIMIT_EXCEEDED", "slow down", 1, 1500, 0, 0)
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc) and copy.retry_after == 1.5 and copy.code == "RATE_LIMIT_EXCEEDED"


# ---------------------------------------------------------------- auth


async def test_auth_success_adopts_the_keys_tenant(make_server) -> None:
    server = make_server(auth=True)
    client = RealmWebSocketClient(url=server.url, api_key="sk_test_123")
    async with client:
        assert client.tenant_id == "tenant1"
        assert (await client.generate({"prompt": "What is the capital of France?"})).text == "Paris"
    # The configured tenant may match the key's.
    async with RealmWebSocketClient(url=server.url, api_key="sk_test_456", tenant_id="tenant2") as c2:
        assert c2.tenant_id == "tenant2"


async def test_bad_key_raises_authentication_error_without_reconnect_loop(make_server) -> None:
    server = make_server(auth=True)
    client = RealmWebSocketClient(url=server.url, api_key="sk_wrong", reconnect=True, reconnect_interval=0.01)
    reconnecting: List[Any] = []
    reconnect_seen = asyncio.Event()
    client.on("reconnecting", lambda e: (reconnecting.append(e), reconnect_seen.set()))
    with pytest.raises(AuthenticationError) as info:
        await client.connect()
    exc = info.value
    assert exc.code == "UNAUTHORIZED" and isinstance(exc, RealmError)
    assert "Invalid API key" in exc.message and "sk_wrong" not in exc.message
    assert not exc.retryable
    # Mirror of the Node test: a request round trip on another client, then many
    # reconnect intervals (10 ms) in which a reconnect attempt may not start.
    async with RealmWebSocketClient(url=server.url, api_key="sk_test_123") as probe:
        await probe.health()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(reconnect_seen.wait(), 0.3)
    # Given up for good: disconnected, not waiting to retry.
    assert realm._realm.STATE_DISCONNECTED == client._native.state()
    assert reconnecting == []
    await client.disconnect()


async def test_disabled_key_and_missing_key(make_server) -> None:
    server = make_server(auth=True)
    with pytest.raises(AuthenticationError, match="disabled"):
        await RealmWebSocketClient(url=server.url, api_key="sk_disabled").connect()
    with pytest.raises(AuthenticationError) as info:
        await RealmWebSocketClient(url=server.url).connect()
    assert info.value.code == "UNAUTHORIZED"


async def test_tenant_mismatch_is_an_authentication_error(make_server) -> None:
    server = make_server(auth=True)
    with pytest.raises(AuthenticationError, match="Tenant ID mismatch"):
        await RealmWebSocketClient(url=server.url, api_key="sk_test_123", tenant_id="someone-else").connect()


async def test_api_key_is_ignored_by_a_server_without_auth(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url, api_key="your-api-key", tenant_id="my-tenant") as c:
        assert c.tenant_id == "my-tenant"


# ---------------------------------------------------------------- rate limit


async def test_rate_limit_raises_rate_limit_error_with_retry_after(make_server) -> None:
    server = make_server(auth=True, rate_limit=(1, 2))
    async with RealmWebSocketClient(url=server.url, api_key="sk_test_123") as client:
        await client.generate({"prompt": "one"})
        await client.generate({"prompt": "two"})
        with pytest.raises(RateLimitError) as info:
            await client.generate({"prompt": "three"})
        e = info.value
        assert e.code == "RATE_LIMIT_EXCEEDED"
        assert isinstance(e.retry_after, float) and 0 < e.retry_after <= 60
        assert e.retryable
        # The documented pattern.
        try:
            await client.generate({"prompt": "four"})
        except Exception as caught:
            if hasattr(caught, "code") and caught.code == "RATE_LIMIT_EXCEEDED":
                retry_after = caught.retry_after
            else:
                raise
        assert retry_after == pytest.approx(e.retry_after, abs=1.0)


async def test_rate_limit_from_an_upstream_server_parses_the_message(make_server) -> None:
    server = make_server("--compat", "upstream", auth=True, rate_limit=(1, 1))
    async with RealmWebSocketClient(url=server.url, api_key="sk_test_123") as client:
        await client.health()
        with pytest.raises(RateLimitError) as info:
            await client.health()
        assert info.value.retry_after is not None and info.value.retry_after >= 1.0


# ---------------------------------------------------------------- connection loss


async def test_server_killed_mid_stream(make_server) -> None:
    server = make_server()
    client = RealmWebSocketClient(url=server.url, reconnect=False)
    disconnected = asyncio.Event()
    client.on("disconnected", lambda info: disconnected.set())
    await client.connect()
    stream = client.generate_stream({"prompt": "Long", "max_tokens": 100000, "extra_body": {"delay_ms": 2}})
    pending = [asyncio.ensure_future(client.generate({"prompt": f"p{i}", "max_tokens": 100000, "extra_body": {"delay_ms": 2},
                                                      "stream": True})) for i in range(5)]
    got = [await stream.__anext__() for _ in range(3)]
    assert got == expected_tokens("Long", 3)
    server.kill()
    with pytest.raises(ConnectionLostError) as info:
        async for _ in stream:
            pass
    assert info.value.code == "CONNECTION_LOST" and isinstance(info.value, ConnectionError)
    results = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 10)
    assert all(isinstance(r, ConnectionLostError) for r in results), results
    await wait_for_event(disconnected)
    assert not client.is_connected()
    with pytest.raises(ConnectionError):
        await client.generate({"prompt": "after"})
    await client.disconnect()


async def test_reconnect_after_server_restart(make_server) -> None:
    server = make_server()
    client = RealmWebSocketClient(url=server.url, reconnect=True, reconnect_interval=0.05,
                                  max_reconnect_interval=0.2)
    connected = asyncio.Event()
    events: List[str] = []
    client.on("connected", lambda: (events.append("connected"), connected.set()))
    client.on("disconnected", lambda: events.append("disconnected"))
    client.on("reconnecting", lambda info: events.append(f"reconnecting {info['attempt']}"))
    await client.connect()
    connected.clear()
    server.kill()
    server.start()  # same port
    await wait_for_event(connected, 15)
    assert client.is_connected()
    assert events[0] == "connected" and events[1] == "disconnected" and events[2] == "reconnecting 1"
    assert events[-1] == "connected"
    assert (await client.generate({"prompt": "What is the capital of France?"})).text == "Paris"
    await client.disconnect()


async def test_gives_up_after_max_reconnect_attempts(make_server) -> None:
    server = make_server()
    client = RealmWebSocketClient(url=server.url, reconnect_interval=0.01, max_reconnect_interval=0.02,
                                  max_reconnect_attempts=2)
    gave_up = asyncio.Event()
    errors_seen: List[BaseException] = []
    client.on("error", lambda e: (errors_seen.append(e), gave_up.set()))
    await client.connect()
    server.kill()
    await wait_for_event(gave_up, 15)
    assert isinstance(errors_seen[-1], ConnectionError)
    assert "gave up" in str(errors_seen[-1])
    assert not client.is_connected()
    await client.disconnect()


async def test_connect_refused() -> None:
    client = RealmWebSocketClient(url="ws://127.0.0.1:1")
    with pytest.raises(errors.ConnectFailedError) as info:
        await client.connect()
    assert isinstance(info.value, ConnectionError) and info.value.code == "CONNECT_FAILED"


# ---------------------------------------------------------------- timeouts


async def test_request_timeout(server: Server) -> None:
    async with RealmWebSocketClient(url=server.url, timeout=0.3) as client:
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(TimeoutError) as info:
            await client.generate({"prompt": "x", "stream": True, "max_tokens": 10,
                                   "extra_body": {"fault": {"type": "stall", "after": 2, "ms": 5000}}})
        assert info.value.code == "TIMEOUT" and isinstance(info.value, builtins.TimeoutError)
        assert 0.25 < loop.time() - start < 3
        assert (await client.health())["status"] == "healthy"  # the connection survives


async def test_idle_timeout(server: Server) -> None:
    async with RealmWebSocketClient(url=server.url, idle_timeout=0.2, timeout=None) as client:
        tokens = []
        with pytest.raises(errors.IdleTimeoutError) as info:
            async for t in client.generate_stream({"prompt": "Idle", "max_tokens": 10,
                                                   "extra_body": {"fault": {"type": "stall", "after": 3, "ms": 5000}}}):
                tokens.append(t)
        assert tokens == expected_tokens("Idle", 3)
        assert isinstance(info.value, TimeoutError) and info.value.code == "IDLE_TIMEOUT"


async def test_connect_timeout(server: Server) -> None:
    client = RealmWebSocketClient(url=server.url + "/?fault=no_welcome", connect_timeout=0.3)
    with pytest.raises(TimeoutError) as info:
        await client.connect()
    assert info.value.code == "TIMEOUT"


# ---------------------------------------------------------------- faults


async def _stream_with_fault(server: Server, fault: dict, **options: Any) -> tuple:
    client = RealmWebSocketClient(url=server.url, reconnect=False, **options)
    await client.connect()
    tokens: List[str] = []
    try:
        async for t in client.generate_stream({"prompt": "Fault", "max_tokens": 10, "extra_body": {"fault": fault}}):
            tokens.append(t)
    except RealmError as e:
        return e, tokens, client
    raise AssertionError("the stream did not fail")


async def test_malformed_frame_is_a_protocol_error(server: Server) -> None:
    exc, tokens, client = await _stream_with_fault(server, {"type": "malformed", "after": 3})
    assert type(exc) is ProtocolError and exc.code == "PROTOCOL_ERROR"
    assert "malformed" in exc.message
    assert tokens == expected_tokens("Fault", 3)
    assert (await client.health())["status"] == "healthy"
    await client.disconnect()


@pytest.mark.parametrize("fault, needle", [
    ({"type": "invalid_utf8", "after": 1}, "UTF-8"),
    ({"type": "wrong_types", "after": 1}, "text"),
    ({"type": "binary", "after": 1}, "binary"),
])
async def test_other_broken_frames(server: Server, fault: dict, needle: str) -> None:
    exc, _, client = await _stream_with_fault(server, fault)
    assert isinstance(exc, ProtocolError) and needle in exc.message
    await client.disconnect()


async def test_oversized_frame(server: Server) -> None:
    exc, tokens, client = await _stream_with_fault(server, {"type": "oversized", "after": 2, "bytes": 100000},
                                                   max_message_size=4096)
    assert isinstance(exc, errors.MessageTooLargeError) and isinstance(exc, ProtocolError)
    assert exc.code == "MESSAGE_TOO_LARGE" and exc.close_code == 1009
    await client.disconnect()


async def test_oversized_request_fails_alone(server: Server) -> None:
    async with RealmWebSocketClient(url=server.url, max_message_size=4096, reconnect=False) as client:
        bystander = asyncio.ensure_future(client.generate({"prompt": "Other", "max_tokens": 20, "stream": True, "extra_body": {"delay_ms": 2}}))
        with pytest.raises(errors.MessageTooLargeError) as info:
            await client.generate({"prompt": "x" * 5000, "max_tokens": 5})
        assert info.value.code == "MESSAGE_TOO_LARGE" and "4096" in info.value.message
        assert (await bystander)["tokens_generated"] == 20
        assert "Still here" in (await client.generate({"prompt": "Still here", "max_tokens": 2}))["text"]
        assert client.is_connected()


async def test_backend_error(server: Server) -> None:
    exc, tokens, client = await _stream_with_fault(server, {"type": "backend_error", "after": 4})
    assert isinstance(exc, ServerError) and exc.code == "BACKEND_ERROR"
    assert tokens == expected_tokens("Fault", 4)
    await client.disconnect()


async def test_close_with_code(server: Server) -> None:
    exc, _, client = await _stream_with_fault(server, {"type": "close", "after": 1, "code": 4001, "reason": "bye"})
    assert isinstance(exc, ConnectionLostError) and exc.close_code == 4001 and "bye" in exc.message
    await client.disconnect()


async def test_drop(server: Server) -> None:
    exc, _, client = await _stream_with_fault(server, {"type": "drop", "after": 2})
    assert isinstance(exc, ConnectionLostError) and exc.close_code == 1006
    await client.disconnect()
