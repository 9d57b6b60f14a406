"""tekton_llm_client.TektonLLMWebSocketClient (docs/tekton.md, tekton.md 3,
6.7, 7.1) against realm-server's Tekton WebSocket route (`/ws` on its usual
port): the four request types, callbacks and async iterators, cancel in the
middle of a stream (the server's cancelled_total), server ERRORs, a refused
token, a refused connection, a killed server, timeouts, the environment, the
docs and mypy --strict."""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

from conftest import SENTENCE, Server, expected_tokens

import realm
import tekton_llm_client
from tekton_llm_client import TektonLLMWebSocketClient, ws_client
from tekton_llm_client.exceptions import (
    AuthenticationError,
    ConnectionError,
    InvalidRequestError,
    TektonLLMError,
    TimeoutError,
)
from tekton_llm_client.models import Message, MessageRole, StreamingChunk

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
RHETOR_ENV = ("RHETOR_URL", "RHETOR_WS_URL", "RHETOR_AUTH_TOKEN")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in RHETOR_ENV:
        monkeypatch.delenv(name, raising=False)


def ws_url(server: Server) -> str:
    return f"ws://127.0.0.1:{server.port}/ws"


def free_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def whole_answer(prompt: str) -> str:
    return " ".join(SENTENCE.split() + [prompt.split()[0]]) + " "


class Collector:
    """A stream callback: the chunks, and an event set by the done chunk."""

    def __init__(self) -> None:
        self.chunks: List[StreamingChunk] = []
        self.done = asyncio.Event()
        self.first = asyncio.Event()

    def __call__(self, chunk: StreamingChunk) -> None:
        self.chunks.append(chunk)
        self.first.set()
        if chunk.done:
            self.done.set()

    @property
    def text(self) -> str:
        return "".join(c.chunk for c in self.chunks)

    async def wait(self) -> StreamingChunk:
        await asyncio.wait_for(self.done.wait(), 20)
        assert [c.done for c in self.chunks].count(True) == 1 and self.chunks[-1].done
        return self.chunks[-1]


class Events:
    """on_message / on_error / on_close, recorded."""

    def __init__(self) -> None:
        self.messages: List[Dict[str, Any]] = []
        self.errors: List[Exception] = []
        self.closes = 0
        self.error = asyncio.Event()
        self.closed = asyncio.Event()

    def client(self, url: str, **kw: Any) -> TektonLLMWebSocketClient:
        return TektonLLMWebSocketClient("c1", url, on_message=self.messages.append, on_error=self.on_error,
                                        on_close=self.on_close, **kw)

    def on_error(self, e: Exception) -> None:
        self.errors.append(e)
        self.error.set()

    def on_close(self) -> None:
        self.closes += 1
        self.closed.set()


# ---------------------------------------------------------------- the four request types

async def test_generate_and_chat_return_the_response(make_server: Callable[..., Server]) -> None:
    server = make_server()
    ev = Events()
    client = ev.client(ws_url(server))
    assert await client.connect() is True
    assert client.connected and await client.connect() is True  # already connected
    seen: List[Dict[str, Any]] = []
    response = await client.generate("Paris?", callback=seen.append)  # upstream README's callback=
    assert response["type"] == "RESPONSE"
    assert response["content"] == whole_answer("Paris?")
    assert response["finish_reason"] == "stop"
    assert response["usage"]["total_tokens"] > 0
    assert response["context_id"] == "default" and response["request_id"]
    assert response["timestamp"].endswith("Z")
    assert response["provider"] == "realm"  # the server's frame, as it sent it
    assert seen == [response]

    chat = await client.chat([{"role": "user", "content": "Paris?"}], context_id="ctx",
                             system_prompt="Be brief", options={"temperature": 0.2})
    assert chat["content"] == whole_answer("Paris?")
    assert chat["context_id"] == "ctx" and chat["request_id"] != response["request_id"]
    typed = await client.chat([Message(role=MessageRole.USER, content="Hello world")], options={"max_tokens": 3})
    assert typed["content"] == "".join(expected_tokens("Hello world", 3))
    assert typed["finish_reason"] == "length" and typed["usage"]["completion_tokens"] == 3
    assert [m["request_id"] for m in ev.messages] == [response["request_id"], chat["request_id"],
                                                       typed["request_id"]]
    assert ev.errors == []
    await client.disconnect()
    assert ev.closes == 1  # disconnect() of an open connection


async def test_stream_and_chat_stream_callbacks(make_server: Callable[..., Server]) -> None:
    server = make_server()
    ev = Events()
    client = ev.client(ws_url(server))
    a, b = Collector(), Collector()
    # Without connect(): the request methods connect first.
    rid_a = await client.stream("Hello world", a, options={"max_tokens": 5})
    rid_b = await client.chat_stream([{"role": "user", "content": "Hello world"}], b, context_id="chat",
                                     options={"max_tokens": 4})
    assert rid_a and rid_b and rid_a != rid_b
    last_a, last_b = await a.wait(), await b.wait()
    assert a.text == "".join(expected_tokens("Hello world", 5))
    assert [c.chunk for c in a.chunks[:-1]] == expected_tokens("Hello world", 5)
    assert b.text == "".join(expected_tokens("Hello world", 4))
    assert last_a.error is None and last_a.chunk == "" and last_b.error is None
    assert {c.context_id for c in a.chunks} == {"default"} and {c.context_id for c in b.chunks} == {"chat"}
    chunk_ids = [m["request_id"] for m in ev.messages if m["type"] == "CHUNK"]
    assert chunk_ids.count(rid_a) == 6 and chunk_ids.count(rid_b) == 5
    assert await client.cancel(rid_a) is False  # ended: unknown
    await client.disconnect()


async def test_async_callbacks_and_iterators(make_server: Callable[..., Server]) -> None:
    server = make_server()
    client = TektonLLMWebSocketClient("c1", ws_url(server))
    got: List[str] = []
    done = asyncio.Event()

    async def on_chunk(chunk: StreamingChunk) -> None:
        got.append(chunk.chunk)
        if chunk.done:
            done.set()

    await client.stream("Hello world", on_chunk, options={"max_tokens": 3})
    await asyncio.wait_for(done.wait(), 20)
    assert "".join(got) == "".join(expected_tokens("Hello world", 3))

    chunks = [c async for c in client.stream_iter("Hello world", options={"max_tokens": 3})]
    assert [c.chunk for c in chunks] == expected_tokens("Hello world", 3) + [""]
    assert [c.done for c in chunks] == [False, False, False, True]
    chat = [c.chunk async for c in client.chat_stream_iter([{"role": "user", "content": "Hello world"}],
                                                           options={"max_tokens": 2})]
    assert "".join(chat) == "".join(expected_tokens("Hello world", 2))
    with pytest.raises(InvalidRequestError, match="must not be empty"):
        async for _ in client.chat_stream_iter([]):
            pass
    await client.disconnect()


# ---------------------------------------------------------------- cancel

async def cancelled_total(server: Server, want: int) -> int:
    """The server's cancelled_total (Realm health on /), polled until it
    reaches `want` with no request active (or 10 s passed)."""
    async with realm.RealmWebSocketClient(server.url) as health_client:
        for _ in range(200):
            health = await health_client.health()
            if health.get("cancelled_total") == want and health.get("active_requests") == 0:
                break
            await asyncio.sleep(0.05)
        return int(health.get("cancelled_total", -1))


async def test_cancel_mid_stream(make_server: Callable[..., Server]) -> None:
    server = make_server("--token-delay-ms", "20")
    client = TektonLLMWebSocketClient("c1", ws_url(server))
    victim = Collector()
    rid = await client.stream("Long", victim, options={"max_tokens": 100000})
    await asyncio.wait_for(victim.first.wait(), 20)
    assert await client.cancel(rid) is True
    seen = len(victim.chunks)
    assert await client.cancel(rid) is False  # no longer known
    assert await cancelled_total(server, 1) == 1  # CANCEL reached the server: it stopped
    # The socket goes on; the cancelled request's callback got nothing more.
    after = Collector()
    await client.stream("Hello world", after, options={"max_tokens": 2})
    await after.wait()
    assert len(victim.chunks) == seen and not any(c.done for c in victim.chunks)
    assert await client.cancel("nobody") is False
    running = Collector()
    rid = await client.stream("Long", running, options={"max_tokens": 100000})
    await asyncio.wait_for(running.first.wait(), 20)
    await client.disconnect()  # a running stream ends with an error chunk
    last = await running.wait()
    assert last.error == "client disconnected"
    assert await client.cancel(rid) is False  # not connected


# ---------------------------------------------------------------- errors

async def test_server_error_raises(make_server: Callable[..., Server]) -> None:
    server = make_server("--models", "m")
    ev = Events()
    client = ev.client(ws_url(server))
    # The server's ERROR for an empty list (tekton.md 7.1): the core refuses
    # to send one, so the list is emptied on the wire through extra_body.
    with pytest.raises(InvalidRequestError, match="^messages must not be empty$") as info:
        await client.chat([{"role": "user", "content": "x"}], options={"extra_body": {"messages": []}})
    assert isinstance(info.value, TektonLLMError) and info.value.core_code == "INVALID_REQUEST"
    with pytest.raises(InvalidRequestError, match="^messages must not be empty$") as info:
        await client.chat([])  # refused before anything is sent
    assert info.value.core_code is None
    with pytest.raises(TektonLLMError, match="Unknown model: nope"):
        await client.generate("Hi", model_id="nope")
    errors = [m for m in ev.messages if m["type"] == "ERROR"]
    assert [m["error"] for m in errors] == ["messages must not be empty", "Unknown model: nope"]
    broken = Collector()
    await client.chat_stream([{"role": "user", "content": "Hi"}], broken, model_id="nope")
    last = await broken.wait()
    assert last.error == "Unknown model: nope" and broken.text == ""
    # The request's own error, not a connection error.
    assert ev.errors == [] and client.connected
    assert (await client.generate("Hello world", model_id="m", options={"max_tokens": 1}))["content"] == "The "
    with pytest.raises(InvalidRequestError, match="unknown option 'temprature'"):
        await client.generate("Hi", options={"temprature": 1})  # type: ignore[typeddict-unknown-key]
    await client.disconnect()


async def test_bad_token(make_server: Callable[..., Server]) -> None:
    server = make_server(auth=True)
    ev = Events()
    bad = ev.client(ws_url(server), auth_token="sk_wrong")
    assert await bad.connect() is False
    await asyncio.wait_for(ev.error.wait(), 10)
    assert isinstance(ev.errors[0], AuthenticationError), ev.errors
    assert "sk_wrong" not in str(ev.errors[0])
    with pytest.raises(ConnectionError) as info:
        await bad.generate("Hi")
    assert isinstance(info.value.__cause__, realm.AuthenticationError)
    assert ev.closes == 0  # never connected
    good = TektonLLMWebSocketClient("c1", ws_url(server), auth_token="sk_test_123")
    assert (await good.chat([{"role": "user", "content": "Hi"}], options={"max_tokens": 1}))["content"] == "The "
    await good.disconnect()
    await bad.disconnect()


async def test_connection_refused() -> None:
    ev = Events()
    client = ev.client(f"ws://127.0.0.1:{free_port()}/ws")
    assert await client.connect() is False
    await asyncio.wait_for(ev.error.wait(), 10)
    assert isinstance(ev.errors[0], ConnectionError)
    with pytest.raises(ConnectionError, match="Failed to connect"):
        await client.generate("Hi")
    with pytest.raises(ConnectionError):
        await client.chat([{"role": "user", "content": "Hi"}])
    with pytest.raises(ConnectionError):
        await client.stream("Hi", Collector())
    with pytest.raises(ConnectionError):
        await client.chat_stream([{"role": "user", "content": "Hi"}], Collector())
    with pytest.raises(ConnectionError):
        async for _ in client.stream_iter("Hi"):
            pass
    assert ev.closes == 0 and not client.connected
    await client.disconnect()


async def test_server_killed(make_server: Callable[..., Server]) -> None:
    server = make_server("--token-delay-ms", "20")
    ev = Events()
    client = ev.client(ws_url(server), reconnect_interval=60000)
    pending = asyncio.ensure_future(client.chat([{"role": "user", "content": "Long"}],
                                                options={"max_tokens": 100000}))
    stream = Collector()
    await client.stream("Long", stream, options={"max_tokens": 100000})
    await asyncio.wait_for(stream.first.wait(), 20)  # both requests are on the wire
    server.kill()
    await asyncio.wait_for(ev.closed.wait(), 10)
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(pending, 10)
    last = await stream.wait()
    assert last.error and not client.connected
    assert ev.closes == 1
    # The core waits 60 s before reconnecting: a request tries at once and fails.
    with pytest.raises(ConnectionError):
        await client.generate("Hi")
    server.start()  # same port
    assert (await client.generate("Hello world", options={"max_tokens": 1}))["content"] == "The "
    await client.disconnect()


async def test_core_reconnects_after_a_loss(make_server: Callable[..., Server]) -> None:
    server = make_server()
    ev = Events()
    client = ev.client(ws_url(server), reconnect_interval=50)
    assert await client.connect() is True
    server.kill()
    await asyncio.wait_for(ev.closed.wait(), 10)
    assert not client.connected
    server.start()  # same port
    # No event of the upstream API says "connected again": poll the state
    # (the core retries every 50 ms, x2, +/-20 %; nothing here connects).
    for _ in range(200):
        if client.connected:
            break
        await asyncio.sleep(0.05)
    assert client.connected, "the core did not reconnect"
    assert (await client.generate("Hello world", options={"max_tokens": 1}))["content"] == "The "
    assert ev.closes == 1 and ev.errors == []
    await client.disconnect()


async def test_timeout(make_server: Callable[..., Server]) -> None:
    server = make_server("--token-delay-ms", "100")
    client = TektonLLMWebSocketClient("c1", ws_url(server))
    slow = Collector()
    await client.stream("Long", slow, options={"timeout": 0.2, "max_tokens": 50})
    last = await slow.wait()
    assert last.error == "Request timed out after 0.2 seconds"
    assert len(slow.chunks) < 10
    with pytest.raises(TimeoutError, match="Request timed out after 0.2 seconds"):
        await client.generate("Long", options={"timeout": 0.2, "max_tokens": 50})
    with pytest.raises(TimeoutError):
        async for _ in client.stream_iter("Long", options={"timeout": 0.2, "max_tokens": 50}):
            pass
    assert client.connected  # a timeout ends the request, not the connection
    ok = await client.generate("Hello world", options={"timeout": 5, "max_tokens": 2})
    assert ok["content"] == "".join(expected_tokens("Hello world", 2))
    await client.disconnect()


# ---------------------------------------------------------------- configuration

async def test_environment_precedence(make_server: Callable[..., Server], monkeypatch: pytest.MonkeyPatch) -> None:
    server = make_server(auth=True)
    dead = f"ws://127.0.0.1:{free_port()}/ws"
    assert TektonLLMWebSocketClient("c").ws_url == "ws://localhost:8003/ws"
    monkeypatch.setenv("RHETOR_URL", f"http://127.0.0.1:{server.port}")  # http -> ws, + /ws
    monkeypatch.setenv("RHETOR_AUTH_TOKEN", "sk_test_123")
    from_http = TektonLLMWebSocketClient("c")
    assert from_http.ws_url == ws_url(server) and from_http.auth_token == "sk_test_123"
    assert await from_http.connect() is True
    await from_http.disconnect()
    monkeypatch.setenv("RHETOR_WS_URL", dead)  # wins over RHETOR_URL
    assert TektonLLMWebSocketClient("c").ws_url == dead
    explicit = TektonLLMWebSocketClient("c", rhetor_url=ws_url(server))  # the argument wins (upstream did not)
    assert explicit.ws_url == ws_url(server)
    assert await explicit.connect() is True
    await explicit.disconnect()
    wrong = TektonLLMWebSocketClient("c", rhetor_url=ws_url(server), auth_token="sk_wrong")
    assert await wrong.connect() is False
    monkeypatch.setenv("RHETOR_WS_URL", "")  # empty = unset
    assert TektonLLMWebSocketClient("c").ws_url == ws_url(server)
    assert TektonLLMWebSocketClient("c", "https://h/x/").ws_url == "wss://h/x/ws"
    assert TektonLLMWebSocketClient("c", "http://h:1/ws").ws_url == "ws://h:1/ws"
    with pytest.raises(InvalidRequestError):
        TektonLLMWebSocketClient("")
    with pytest.raises(InvalidRequestError):
        TektonLLMWebSocketClient("c", reconnect_interval=-1)
    with pytest.raises(InvalidRequestError):
        TektonLLMWebSocketClient("c", rhetor_url="ftp://h/ws")


# ---------------------------------------------------------------- docs and types

def test_exported_and_documented() -> None:
    assert tekton_llm_client.TektonLLMWebSocketClient is ws_client.TektonLLMWebSocketClient
    assert "TektonLLMWebSocketClient" in tekton_llm_client.__all__
    docs = (ROOT / "docs" / "tekton.md").read_text()
    names = list(ws_client.__all__)
    cls = ws_client.TektonLLMWebSocketClient
    names += [n for n, v in vars(cls).items() if not n.startswith("_") and (callable(v) or isinstance(v, property))]
    for name in names:
        obj = getattr(cls, name, None) or getattr(ws_client, name)
        if inspect.isfunction(obj) or inspect.isclass(obj) or isinstance(obj, property):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
        assert re.search(rf"\b{re.escape(name)}\b", docs), f"{name} is not in docs/tekton.md"


TYPED_USAGE = '''
from __future__ import annotations

import asyncio
from typing import Any, Dict

from tekton_llm_client import StreamingChunk, TektonLLMWebSocketClient
from tekton_llm_client.exceptions import TektonLLMError


def on_chunk(chunk: StreamingChunk) -> None:
    print(chunk.chunk, chunk.done, chunk.error)


async def main(url: str) -> None:
    client = TektonLLMWebSocketClient("typed", url, on_error=print, on_close=lambda: None,
                                      reconnect_interval=1000, auth_token=None)
    ok: bool = await client.connect()
    try:
        response: Dict[str, Any] = await client.generate("Hi", context_id="c", options={"timeout": 5})
        print(ok, response["content"])
        request_id: str = await client.stream("Hi", on_chunk, options={"max_tokens": 3})
        cancelled: bool = await client.cancel(request_id)
        print(cancelled, await client.chat([{"role": "user", "content": "Hi"}]))
        await client.chat_stream([{"role": "user", "content": "Hi"}], on_chunk)
        async for chunk in client.stream_iter("Hi"):
            print(chunk.chunk)
    except TektonLLMError as e:
        print(e.code)
    await client.disconnect()


asyncio.run(main("ws://127.0.0.1:1/ws"))
'''

TYPED_MISTAKES = '''
import asyncio
from tekton_llm_client import TektonLLMWebSocketClient


async def main() -> None:
    client = TektonLLMWebSocketClient("typed")
    await client.generate("Hi", options={"temprature": 0.5})
    ok: int = await client.stream("Hi", print)
    await client.chat("Hi", reconnect=True)
'''


@pytest.mark.timeout(600)
def test_mypy_strict(tmp_path: Path) -> None:
    """mypy --strict passes on the package and on typed usage of the
    WebSocket client, and reports each line of TYPED_MISTAKES from its 8th."""
    if subprocess.run([sys.executable, "-c", "import mypy"], capture_output=True).returncode != 0:
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "mypy"],
                             capture_output=True, text=True, timeout=600)
        assert pip.returncode == 0, pip.stdout + pip.stderr
    (tmp_path / "usage.py").write_text(TYPED_USAGE)
    (tmp_path / "mistakes.py").write_text(TYPED_MISTAKES)

    def mypy(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--show-error-codes",
                               "--cache-dir", str(tmp_path / "cache"), *args],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)

    run = mypy("-p", "tekton_llm_client")
    assert run.returncode == 0, run.stdout + run.stderr
    run = mypy("usage.py")
    assert run.returncode == 0, run.stdout + run.stderr
    run = mypy("mistakes.py")
    assert run.returncode == 1, run.stdout + run.stderr
    lines = sorted({int(l.split(":")[1]) for l in run.stdout.splitlines() if ": error:" in l})
    assert lines == [8, 9, 10], run.stdout
