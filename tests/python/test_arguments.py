"""Argument checks of the Python SDK: strings the core cannot take intact
(a NUL character would cut them short, a lone surrogate has no UTF-8),
numbers out of range, non-bool flags, and bad timeouts. Each raises before
anything is sent, naming the argument."""

from __future__ import annotations

import asyncio
import math
from typing import Any, Callable, Dict, List

import pytest

from realm import AuthenticationError, Client, InvalidArgumentError, RealmWebSocketClient

URL = "ws://127.0.0.1:9"

# (argument named in the error, what to do with a bad string `s`)
STRING_ARGUMENTS: List[Any] = [
    ("url", lambda s: Client(url="ws://127.0.0.1" + s + ":80")),
    ("api_key", lambda s: Client(url=URL, api_key=s)),
    ("tenant_id", lambda s: Client(url=URL, tenant_id="tenant" + s)),
    ("model", lambda s: Client(url=URL, model=s)),
    ("tls_ca_file", lambda s: Client(url=URL, tls_ca_file="/tmp/ca" + s + ".pem")),
    ("prompt", lambda s: Client(url=URL).generate({"prompt": s})),
    ("prompt", lambda s: Client(url=URL).generate_stream({"prompt": s})),
    ("model", lambda s: Client(url=URL).generate({"prompt": "hi", "model": s})),
    ("function", lambda s: Client(url=URL).call("health" + s)),
    ("pipeline_name", lambda s: Client(url=URL).execute_pipeline("p" + s)),
    ("name", lambda s: Client(url=URL).has_extension("cancel" + s)),
]
BAD_STRINGS = {"nul": "a\0b", "lone_surrogate": "a\ud800b"}


@pytest.mark.parametrize("kind", sorted(BAD_STRINGS))
@pytest.mark.parametrize("name,use", STRING_ARGUMENTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(STRING_ARGUMENTS)])
def test_string_the_core_cannot_take_is_rejected_naming_it(name: str, use: Callable[[str], Any], kind: str) -> None:
    bad = BAD_STRINGS[kind]
    with pytest.raises(InvalidArgumentError) as info:
        use(bad)
    message = str(info.value)
    assert name in message
    assert ("NUL" if kind == "nul" else "surrogate") in message
    assert bad not in message  # never echoed: it may be a key


async def test_async_client_rejects_the_same(shared_server: Any) -> None:
    async with RealmWebSocketClient(url=shared_server.url) as client:
        with pytest.raises(InvalidArgumentError, match="prompt"):
            await client.generate({"prompt": "a\0b c"})
        with pytest.raises(InvalidArgumentError, match="function"):
            await client.call("health\0junk")
        with pytest.raises(InvalidArgumentError, match="pipeline_name"):
            await client.execute_pipeline("p\0q")
        # The client is still fine.
        assert "status" in await client.health()


def test_max_tokens_out_of_range_says_so() -> None:
    client = Client(url=URL)
    with pytest.raises(InvalidArgumentError, match="max_tokens is too large"):
        client.generate({"prompt": "hi", "max_tokens": 2**70})
    with pytest.raises(InvalidArgumentError, match="max_tokens must be >= 0"):
        client.generate({"prompt": "hi", "max_tokens": -(2**70)})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, 10**400])
def test_non_finite_sampling_numbers_are_rejected(value: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="temperature"):
        Client(url=URL).generate({"prompt": "hi", "temperature": value})


@pytest.mark.parametrize(
    "name,use",
    [
        ("stream", lambda v: Client(url=URL).generate({"prompt": "hi", "stream": v})),
        ("reconnect", lambda v: Client(url=URL, reconnect=v)),
        ("tls_insecure", lambda v: Client(url=URL, tls_insecure=v)),
    ],
)
@pytest.mark.parametrize("value", ["yes", 1, "false"])
def test_flags_must_be_bool(name: str, use: Callable[[Any], Any], value: Any) -> None:
    with pytest.raises(TypeError, match=name):
        use(value)


@pytest.mark.parametrize("option", ["timeout", "connect_timeout", "idle_timeout", "reconnect_interval", "busy_poll"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), -1, -0.0001, 1e10])
def test_bad_durations_are_invalid_arguments_naming_the_option(option: str, value: float) -> None:
    kwargs: Dict[str, Any] = {option: value}
    with pytest.raises(InvalidArgumentError) as info:
        Client(url=URL, **kwargs)
    assert option in str(info.value)
    assert not math.isnan(value) or "finite" in str(info.value)


async def test_auth_failure_reports_the_servers_close_code(make_server: Any) -> None:
    # realm-server closes a failed authentication without a status code,
    # which WebSocket peers report as 1005 (realm.md 4).
    server = make_server(auth=True)
    client = RealmWebSocketClient(url=server.url, api_key="sk_wrong", reconnect=False)
    errors: List[Any] = []
    client.on("error", errors.append)
    with pytest.raises(AuthenticationError) as info:
        await client.connect()
    assert info.value.code == "UNAUTHORIZED"
    assert info.value.close_code == 1005
    for _ in range(200):  # the error event may be delivered after connect() raised
        if errors:
            break
        await asyncio.sleep(0.01)
    assert [e.close_code for e in errors] == [1005]
    await client.disconnect()
