"""RealmWebSocketClient: every method and event against a real realm-server."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any, List

import pytest

import realm
from realm import (
    ConnectionError,
    GenerationResult,
    InvalidArgumentError,
    RealmError,
    RealmWebSocketClient,
    ServerError,
)
from realm.errors import DispatchError, InvalidUrlError, NotConnectedError

from conftest import Server, wait_for_event


async def test_connect_generate_disconnect(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url)
    assert not client.is_connected()
    await client.connect()
    assert client.is_connected()
    result = await client.generate({"prompt": "What is the capital of France?", "max_tokens": 50})
    assert isinstance(result, GenerationResult) and isinstance(result, dict)
    assert result["text"] == "Paris" and result.text == "Paris"
    assert result.tokens_generated == 1 and result["tokens_generated"] == 1
    assert result.prompt_tokens == 6
    assert result.cost_usd == pytest.approx(0.00024)
    assert result.time_ms == 150
    await client.disconnect()
    assert not client.is_connected()


async def test_generate_accepts_every_documented_option(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url, model="default-model") as client:
        result = await client.generate({
            "prompt": "Tell me about the capital and France",
            "max_tokens": 20,
            "temperature": 0.5,
            "top_p": 0.9,
            "top_k": 40,
            "repetition_penalty": 1.1,
            "model": "m1",
            "stream": False,
        })
        assert result.text == "The capital of France is Paris."
        # Non-dict mappings work too; None means "not given".
        from types import MappingProxyType
        result = await client.generate(MappingProxyType({"prompt": "hello", "temperature": None}))
        assert result.text == "Simulated response to: hello"


async def test_generate_argument_errors(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        with pytest.raises(InvalidArgumentError) as info:
            await client.generate({"max_tokens": 5})
        assert info.value.code == "INVALID_ARGUMENT" and isinstance(info.value, ValueError)
        with pytest.raises(TypeError):
            await client.generate({"prompt": "x", "max_tokens": "five"})
        with pytest.raises(TypeError):
            await client.generate("just a string")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError):
            await client.generate({"prompt": "x", "max_tokens": -1})
        # Values JSON cannot carry: the wrong type is a TypeError (as json's
        # own), a bad value an InvalidArgumentError naming what was sent.
        cycle: dict = {}
        cycle["self"] = cycle
        for bad in ({"x": float("nan")}, {"x": cycle}):
            with pytest.raises(InvalidArgumentError) as info:
                await client.generate({"prompt": "x", "extra_body": bad})
            assert info.value.message.startswith("extra_body cannot be sent as JSON: "), info.value.message
        for call in (lambda: client.execute_pipeline("p", [float("inf")]), lambda: client.call("f", cycle)):
            with pytest.raises(InvalidArgumentError) as info:
                await call()
            assert "cannot be sent as JSON" in info.value.message
        with pytest.raises(TypeError):
            await client.generate({"prompt": "x", "extra_body": {"x": object()}})
        # Unknown keys are refused; extra_body reaches the server as extra
        # params (here: a bad type it rejects).
        with pytest.raises(InvalidArgumentError, match="stamp"):
            await client.generate({"prompt": "x", "stamp": True})  # type: ignore[typeddict-unknown-key]
        with pytest.raises(DispatchError) as err:
            await client.generate({"prompt": "x", "extra_body": {"stamp": "not-a-bool"}, "stream": True})
        assert err.value.code == "DISPATCH_ERROR" and isinstance(err.value, ServerError)


async def test_health_and_metadata(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        health = await client.health()
        assert health["status"] == "healthy"
        assert "active_requests" in health and "cancelled_total" in health
        meta = await client.metadata()
        names = {f["name"] for f in meta["functions"]}
        assert {"generate", "health", "metadata", "pipeline"} <= names
        assert client.server_version == meta["version"]
        assert client.has_extension("cancel") and client.has_extension("interleave")
        assert not client.has_extension("no-such-extension")


async def test_execute_pipeline(make_server) -> None:
    server = make_server("--pipeline", "simple-chat:m1,m2")
    async with RealmWebSocketClient(url=server.url) as client:
        result = await client.execute_pipeline("simple-chat", {"prompt": "Hello, how are you?"})
        assert isinstance(result, dict) and "text" in result
        with pytest.raises(ServerError) as info:
            await client.execute_pipeline("missing", {"prompt": "x"})
        assert info.value.code == "DISPATCH_ERROR"
        assert "missing" in info.value.message


async def test_call_any_function(shared_server: Server) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        assert (await client.call("health"))["status"] == "healthy"
        with pytest.raises(DispatchError, match="Unknown function"):
            await client.call("embed", {"text": "x"})


async def test_tenant_in_effect(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url, tenant_id="my-tenant")
    assert client.tenant_id == "my-tenant"
    async with client:
        assert client.tenant_id == "my-tenant" == client.get_tenant_id()
    anonymous = RealmWebSocketClient(url=shared_server.url)
    assert anonymous.tenant_id is None
    async with anonymous:
        tenant = uuid.UUID(anonymous.tenant_id)  # the core assigns a random UUID
        assert tenant.version == 4 and tenant.variant == uuid.RFC_4122
        assert str(tenant) == anonymous.tenant_id


async def test_async_with_connects_and_disconnects(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url)
    async with client as entered:
        assert entered is client and client.is_connected()
    assert not client.is_connected()


async def test_connected_and_disconnected_events_zero_or_one_argument(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url, tenant_id="events-tenant")
    seen: List[Any] = []
    client.on("connected", lambda: seen.append("connected()"))
    client.on("connected", lambda info: seen.append(("connected", info["tenant_id"])))
    client.on("disconnected", lambda: seen.append("disconnected()"))
    client.on("disconnected", lambda info: seen.append(("disconnected", info["code"])))

    def removed() -> None:
        seen.append("removed")

    client.on("connected", removed)
    client.off("connected", removed)
    await client.connect()
    assert seen == ["connected()", ("connected", "events-tenant")]
    await client.disconnect()
    assert seen[2:] == ["disconnected()", ("disconnected", 1000)]


async def test_listener_may_be_a_coroutine_and_may_raise(shared_server: Server, caplog) -> None:
    client = RealmWebSocketClient(url=shared_server.url)
    fired = asyncio.Event()

    async def on_connected() -> None:
        fired.set()

    def broken() -> None:
        raise ValueError("listener bug")

    client.on("connected", broken)
    client.on("connected", on_connected)
    async with client:
        await wait_for_event(fired)
    assert "listener bug" in caplog.text


async def test_unknown_event_name_rejected(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url)
    with pytest.raises(ValueError):
        client.on("conected", lambda: None)


async def test_error_event_on_connect_failure() -> None:
    client = RealmWebSocketClient(url="ws://127.0.0.1:1", reconnect=False)
    errors: List[BaseException] = []
    seen = asyncio.Event()
    client.on_error(lambda e: (errors.append(e), seen.set()))
    with pytest.raises(ConnectionError) as info:
        await client.connect()
    assert info.value.code == "CONNECT_FAILED"
    await wait_for_event(seen)
    assert len(errors) == 1 and errors[0].code == "CONNECT_FAILED"  # type: ignore[attr-defined]
    await client.disconnect()  # harmless after a failed connect


async def test_token_event(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url)
    tokens: List[str] = []
    client.on("token", tokens.append)
    async with client:
        result = await client.generate({"prompt": "Hello", "max_tokens": 5, "stream": True})
        assert "".join(tokens) == result.text == "The capital of France is "
        client.off("token", tokens.append)
        await client.generate({"prompt": "Hello", "max_tokens": 5, "stream": True})
        assert len(tokens) == 5


async def test_requests_before_connect_fail_clearly(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url)
    with pytest.raises(NotConnectedError) as info:
        await client.generate({"prompt": "x"})
    assert isinstance(info.value, ConnectionError) and info.value.code == "NOT_CONNECTED"
    with pytest.raises(NotConnectedError):
        client.generate_stream({"prompt": "x"})
    with pytest.raises(NotConnectedError):
        await client.health()


async def test_reconnect_uses_new_connection_after_disconnect(make_server) -> None:
    server = make_server()
    # An observer connection reads the server's count of open connections.
    async with RealmWebSocketClient(url=server.url) as observer:

        async def server_connections(want: int) -> int:
            seen = -1
            for _ in range(200):  # closes reach the server asynchronously
                seen = (await observer.health())["connections"]
                if seen == want:
                    break
                await asyncio.sleep(0.02)
            return seen

        client = RealmWebSocketClient(url=server.url)
        for _ in range(3):
            await client.connect()
            assert await server_connections(2) == 2  # the observer and a fresh connection
            assert (await client.generate({"prompt": "What is the capital of France?"})).text == "Paris"
            await client.disconnect()
            assert await server_connections(1) == 1  # the old connection is really closed


async def test_connect_twice_is_harmless(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url)
    await client.connect()
    await client.connect()
    assert client.is_connected()
    await client.disconnect()
    await client.disconnect()


def test_constructor_options_and_validation() -> None:
    RealmWebSocketClient(
        url="ws://127.0.0.1:9", api_key="k", tenant_id="t-1", reconnect=False, reconnect_interval=0.5,
        timeout=None, model="m", connect_timeout=2, idle_timeout=1.5, max_reconnect_interval=10,
        max_reconnect_attempts=3, reconnect_jitter=10, ping_interval=0, tls_ca_file=None,
        tls_insecure=False, max_message_size=1 << 20, max_queued_requests=100, busy_poll=0.0002,
    )
    with pytest.raises(InvalidUrlError):
        RealmWebSocketClient(url="ftp://example.com")
    with pytest.raises(InvalidUrlError):
        RealmWebSocketClient(url="ws://user:secret@host")
    with pytest.raises(InvalidArgumentError) as info:
        RealmWebSocketClient(url="ws://h:1", tenant_id="x")  # too short
    assert "tenant_id" in str(info.value)
    with pytest.raises(InvalidArgumentError):
        RealmWebSocketClient(url="ws://h:1", timeout=-1)
    with pytest.raises(InvalidArgumentError):
        RealmWebSocketClient(url="ws://h:1", reconnect_jitter=101)
    with pytest.raises(InvalidArgumentError):
        RealmWebSocketClient(url="ws://h:1", max_message_size=10)
    with pytest.raises(InvalidArgumentError) as info:
        RealmWebSocketClient(url="ws://h:1", busy_poll=2)  # over 1 s
    assert "busy_poll" in str(info.value)
    with pytest.raises(TypeError):
        RealmWebSocketClient(url="ws://h:1", timeout="30")  # type: ignore[arg-type]
    # The key never appears in an error.
    with pytest.raises(InvalidArgumentError) as info:
        RealmWebSocketClient(url="ws://h:1", api_key="sk_live_SECRET", tenant_id="!!")
    assert "SECRET" not in repr(info.value) and "SECRET" not in str(info.value)


def test_package_surface() -> None:
    assert realm.core_version == "0.1.0"
    assert issubclass(realm.RateLimitError, RealmError)
    assert realm.Client is not None and realm.TokenStream is realm._realm.Stream
    from realm.exceptions import AuthenticationError, RateLimitError  # documented import path

    assert AuthenticationError is realm.AuthenticationError and RateLimitError is realm.RateLimitError
    assert re.fullmatch(r"\d+\.\d+\.\d+", realm.__version__)
