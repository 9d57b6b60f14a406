"""Retries, failover and configuration from the environment, through the
Python SDK on the core: server-side counts prove what was sent, and a
generation that started is never sent twice."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Awaitable, Callable, List, Optional

import pytest

import realm
from conftest import Server

pytestmark = pytest.mark.asyncio

COMPLETION = json.dumps({"id": "c", "object": "chat.completion", "model": "m", "choices": [
    {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}]}).encode()


def http(status: int, body: bytes = b"{}", headers: str = "") -> bytes:
    return (f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{headers}"
            "Connection: close\r\n\r\n").encode() + body


Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]


def raw(data: bytes) -> Answer:
    async def write(w: asyncio.StreamWriter) -> None:
        w.write(data)
        await w.drain()
    return write


def one_token_then_cut() -> Answer:
    async def write(w: asyncio.StreamWriter) -> None:
        chunk = {"choices": [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": None}]}
        event = b"data: " + json.dumps(chunk).encode() + b"\n\n"
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                + f"{len(event):x}\r\n".encode() + event + b"\r\n")
        await w.drain()
        await asyncio.sleep(0.05)
        w.transport.abort()  # the connection is cut (a reset), not ended
    return write


class ScriptedServer:
    """An OpenAI-compatible HTTP server playing a script: the n-th POST gets
    answers[n] (the last one repeats); GET /v1/models (the connect probe)
    gets a model list. `posts` counts what the client sent."""

    def __init__(self, answers: List[Answer]) -> None:
        self.answers = answers
        self.posts = 0
        self.server: Optional[asyncio.AbstractServer] = None

    async def __aenter__(self) -> "ScriptedServer":
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/v1"

    async def _serve(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            head = (await r.readuntil(b"\r\n\r\n")).decode()
            length = 0
            for line in head.split("\r\n")[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            await r.readexactly(length)
            if head.startswith("GET"):
                await raw(http(200, b'{"object":"list","data":[]}'))(w)
            else:
                answer = self.answers[min(self.posts, len(self.answers) - 1)]
                self.posts += 1
                await answer(w)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            w.close()


def client(url: str, **kw: object) -> realm.RealmWebSocketClient:
    return realm.RealmWebSocketClient(url=url, model="m", retry_base=0.01, **kw)  # type: ignore[arg-type]


async def test_a_503_is_sent_again_until_the_server_answers() -> None:
    async with ScriptedServer([raw(http(503, b'{"error":{"message":"Loading model"}}')),
                               raw(http(503)), raw(http(200, COMPLETION))]) as s:
        async with client(s.url, max_retries=2) as c:
            result = await c.chat([{"role": "user", "content": "hi"}])
        assert result.text == "ok"
        assert s.posts == 3


async def test_retries_run_out_and_the_last_failure_is_reported() -> None:
    async with ScriptedServer([raw(http(503, b'{"error":{"message":"busy"}}'))]) as s:
        async with client(s.url, max_retries=1) as c:
            with pytest.raises(realm.RealmError) as info:
                await c.chat([{"role": "user", "content": "hi"}])
        assert info.value.http_status == 503
        assert s.posts == 2


async def test_the_default_is_two_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REALM_MAX_RETRIES")
    async with ScriptedServer([raw(http(503))]) as s:
        async with client(s.url) as c:
            with pytest.raises(realm.RealmError):
                await c.chat([{"role": "user", "content": "hi"}])
        assert s.posts == 3


async def test_a_429_waits_for_its_retry_after() -> None:
    async with ScriptedServer([raw(http(429, b'{"error":{"message":"slow down"}}', "Retry-After: 1\r\n")),
                               raw(http(200, COMPLETION))]) as s:
        async with client(s.url, max_retries=1) as c:
            started = time.monotonic()
            result = await c.chat([{"role": "user", "content": "hi"}])
            waited = time.monotonic() - started
        assert result.text == "ok" and s.posts == 2
        assert waited >= 1.0  # a lower bound: the server asked for a second


async def test_a_stream_that_delivered_a_token_is_never_sent_again() -> None:
    async with ScriptedServer([one_token_then_cut(), raw(http(200, COMPLETION))]) as s:
        async with client(s.url, max_retries=2) as c:
            stream = c.chat_stream([{"role": "user", "content": "hi"}])
            tokens = []
            with pytest.raises(realm.ConnectionError):
                async for t in stream:
                    tokens.append(t)
        assert tokens == ["Hel"]
        assert s.posts == 1


async def test_errors_that_will_not_pass_are_not_retried() -> None:
    async with ScriptedServer([raw(http(400, b'{"error":{"message":"bad","type":"invalid_request_error"}}'))]) as s:
        async with client(s.url, max_retries=2) as c:
            with pytest.raises(realm.InvalidRequestError):
                await c.chat([{"role": "user", "content": "hi"}])
        assert s.posts == 1


async def test_the_environment_configures_the_client_and_arguments_win(
        monkeypatch: pytest.MonkeyPatch, make_server: Callable[..., Server]) -> None:
    server = make_server(auth=True)
    monkeypatch.setenv("REALM_URL", f"http://127.0.0.1:{server.port}/v1")
    monkeypatch.setenv("REALM_API_KEY", "sk_test_123")
    monkeypatch.setenv("REALM_TIMEOUT", "7.5")
    async with realm.RealmWebSocketClient(model="realm-sim") as c:  # no url, no key: both from the environment
        result = await c.chat([{"role": "user", "content": "Hello"}], max_tokens=2)
        assert result.text
    monkeypatch.setenv("REALM_API_KEY", "sk_wrong")
    with pytest.raises(realm.AuthenticationError):
        async with realm.RealmWebSocketClient(model="realm-sim"):
            pass
    async with realm.RealmWebSocketClient(model="realm-sim", api_key="sk_test_123") as c:  # the argument wins
        assert (await c.chat([{"role": "user", "content": "Hi"}], max_tokens=1)).text
    monkeypatch.setenv("REALM_DIALECT", "realm")  # the Realm protocol on an http:// URL cannot work
    with pytest.raises(realm.InvalidArgumentError, match="dialect"):
        async with realm.RealmWebSocketClient(model="realm-sim"):
            pass
    monkeypatch.delenv("REALM_DIALECT")
    monkeypatch.setenv("REALM_TIMEOUT", "soon")
    with pytest.raises(realm.InvalidArgumentError, match="REALM_TIMEOUT"):
        realm.RealmWebSocketClient(model="realm-sim")


async def test_a_refused_environment_key_is_never_quoted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REALM_API_KEY", "sk-secret\u0001\u00ff")
    monkeypatch.setenv("REALM_URL", "ws://127.0.0.1:1")
    try:
        realm.RealmWebSocketClient()
    except realm.RealmError as e:
        assert "sk-secret" not in str(e)


async def test_urls_connect_to_the_first_that_answers_and_fail_over_on_loss(
        make_server: Callable[..., Server]) -> None:
    from conftest import free_port  # a port nobody listens on

    first, second = make_server(), make_server()
    dead = f"ws://127.0.0.1:{free_port()}"
    async with realm.RealmWebSocketClient(urls=[dead, first.url, second.url], model="m", reconnect_interval=0.05) as c:
        assert c.is_connected()
        stream = c.generate_stream({"prompt": "Hello there", "max_tokens": 200, "extra_body": {"delay_ms": 20}})
        tokens = []
        with pytest.raises(realm.ConnectionError):
            async for t in stream:
                tokens.append(t)
                if len(tokens) == 2:
                    first.kill()  # the server in use goes away mid-generation
        assert len(tokens) >= 2  # it had started: it ends, it is not sent to the next server
        # New requests go to the next server once the client reconnected there.
        for _ in range(200):
            if c.is_connected():
                break
            await asyncio.sleep(0.01)
        result = await c.generate({"prompt": "Hello again", "max_tokens": 3})
        assert "Hello again" in result.text  # answered by the second server: the first is gone


async def test_urls_are_checked() -> None:
    with pytest.raises(realm.InvalidArgumentError, match="url or urls"):
        realm.RealmWebSocketClient(url="ws://a:1", urls=["ws://b:2"])
    with pytest.raises(realm.InvalidArgumentError, match="urls"):
        realm.RealmWebSocketClient(urls=["ws://a:1/x", "http://b:2/x"])
    with pytest.raises(TypeError, match="list"):
        realm.RealmWebSocketClient(urls="ws://a:1")  # type: ignore[arg-type]
