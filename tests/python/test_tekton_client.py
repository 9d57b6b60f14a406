"""tekton_llm_client (docs/tekton.md, tekton.md 1, 2, 6, 7) against realm-server's
Tekton HTTP routes (/api/v1/health, /providers, /chat, /chat/stream on the
same port as everything else), plus a small recording HTTP stub where the test
must see the request bytes or a server that never answers. The README examples
and typing: test_tekton_client_docs.py."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

from conftest import Server, expected_tokens, free_port, http_url

import tekton_llm_client
from realm import _realm
from tekton_llm_client import TektonLLMClient
from tekton_llm_client.exceptions import (
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
from tekton_llm_client.models import CompletionResponse, Message, MessageRole, StreamingChunk
from tekton_llm_client.utils import (
    count_message_tokens,
    count_tokens,
    optimize_messages_for_token_limit,
    set_tokenizer,
    truncate_text_to_token_limit,
)

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("clean_rhetor_env")]


class Stub:
    """A recording HTTP/1.1 server: answers GET /api/v1/health with 200 and
    every other request with `reply(path, body)` -> (status, content_type,
    body), or never answers when reply returns None."""

    def __init__(self, reply: Callable[[str, bytes], Optional[Tuple[int, str, bytes]]]) -> None:
        self.reply = reply
        self.requests: List[Tuple[str, str, Dict[str, str], bytes]] = []
        self.server: Optional[asyncio.AbstractServer] = None
        self.port = 0

    async def start(self) -> "Stub":
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append((method, path, headers, body))
            answer = (200, "application/json", b'{"status":"healthy"}') if path == "/api/v1/health" \
                else self.reply(path, body)
            if answer is None:
                await reader.read()  # until the client gives up and closes
                return
            status, ctype, payload = answer
            writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"
                         f"Connection: close\r\n\r\n".encode() + payload)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()



# ---------------------------------------------------------------- requests and results

async def test_generate_text_awaited_and_streamed(shared_server: Server) -> None:
    client = TektonLLMClient("comp", rhetor_url=http_url(shared_server), provider_id="realm")
    assert await client.initialize() is True
    assert client.available
    assert client.model_id == "realm-sim"  # the provider's default_model (no model configured)
    response = await client.generate_text("Hello world", options={"max_tokens": 5})
    assert isinstance(response, CompletionResponse)
    assert response.content == "".join(expected_tokens("Hello world", 5))
    assert (response.model, response.provider, response.context_id) == ("realm-sim", "realm", "comp")
    assert response.finish_reason == "length"
    assert response.usage == {"prompt_tokens": 2, "completion_tokens": 5, "total_tokens": 7}
    assert response.success and not response.fallback and response.error is None
    assert response.latency >= 0

    seen: List[StreamingChunk] = []
    chunks = []
    stream = client.generate_text("Hello world", streaming=True, callback=seen.append,
                                  context_id="ctx", options={"max_tokens": 4})
    async for chunk in stream:
        chunks.append(chunk)
    assert seen == chunks
    assert [c.chunk for c in chunks] == expected_tokens("Hello world", 4) + [""]
    assert [c.done for c in chunks] == [False] * 4 + [True]
    assert all(c.context_id == "ctx" and c.provider == "realm" and c.model == "realm-sim" for c in chunks)
    assert not any(c.fallback or c.error for c in chunks)
    assert stream.text == "".join(expected_tokens("Hello world", 4))
    assert stream.finish_reason == "length" and stream.error is None
    assert stream.usage == {"prompt_tokens": 2, "completion_tokens": 4, "total_tokens": 6}

    # The upstream form (the method was async and returned the iterator).
    texts = [c.chunk async for c in await client.generate_text("Hi there", streaming=True,
                                                               options={"max_tokens": 2})]
    assert texts == expected_tokens("Hi there", 2) + [""]
    await client.shutdown()
    assert not client.available


async def test_async_callback_and_breaking_out_cancels(shared_server: Server) -> None:
    async with TektonLLMClient("comp", rhetor_url=http_url(shared_server)) as client:
        got: List[str] = []

        async def on_chunk(chunk: StreamingChunk) -> None:
            got.append(chunk.chunk)

        stream = client.generate_text("Hello", streaming=True, callback=on_chunk, options={"max_tokens": 50})
        async for chunk in stream:
            break
        stream.cancel()
        assert got == ["The "]
        assert stream.done
        assert [c async for c in stream] == []
        # The client carries on.
        assert (await client.generate_text("Hello", options={"max_tokens": 1})).content == "The "


async def test_chat_messages_as_dicts_and_models(shared_server: Server) -> None:
    async with TektonLLMClient("comp", rhetor_url=http_url(shared_server)) as client:
        response = await client.generate_chat_response(
            [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Paris please"}],
            options={"max_tokens": 8, "stop_sequences": ["Paris."]},
        )
        assert response.content == "The capital of France is "
        assert response.finish_reason == "stop"
        with pytest.raises(InvalidRequestError):
            await client.generate_chat_response([{"role": "robot", "content": "x"}])
        with pytest.raises(InvalidRequestError):
            client.generate_chat_response([{"role": "user"}])
        with pytest.raises(InvalidRequestError, match="temprature"):
            client.generate_text("x", options={"temprature": 0.1})  # type: ignore[typeddict-unknown-key]
        with pytest.raises(InvalidRequestError):
            await client.generate_text("x", options={"max_tokens": -1})
        assert Message(role="user", content="x").role is MessageRole.USER


async def test_request_body_on_the_wire() -> None:
    """What the core sends for the Python arguments (tekton.md 2.3)."""
    answer = json.dumps({"content": "Paris.", "model": "m1", "provider": "p1", "finish_reason": "stop",
                         "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}}).encode()
    stub = await Stub(lambda path, body: (200, "application/json", answer)).start()
    try:
        client = TektonLLMClient("my-component", rhetor_url=stub.url + "/prefix", provider_id="anthropic",
                                 model_id="claude-3-haiku-20240307", auth_token="tok")
        assert await client.initialize()
        response = await client.generate_chat_response(
            [Message(role=MessageRole.SYSTEM, content="You are terse."),
             Message(role=MessageRole.USER, content="What is the capital of France?")],
            options={"max_tokens": 100, "stop_sequences": ["\n\n"], "top_p": 0.9, "top_k": 40,
                     "presence_penalty": 0.1, "frequency_penalty": 0.1, "fallback_provider": "x",
                     "retry_count": 2, "retry_delay": 10},
        )
        assert response.content == "Paris." and response.finish_reason == "stop"
        # The server's own model and provider, from its answer (not the requested ones).
        assert (response.model, response.provider) == ("m1", "p1")
        assert response.usage == {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14}
        method, path, headers, body = stub.requests[-1]
        assert (method, path) == ("POST", "/api/v1/chat")  # absolute path: the URL's prefix is dropped
        assert headers["authorization"] == "Bearer tok"
        assert headers["content-type"] == "application/json" and headers["accept"] == "application/json"
        assert json.loads(body) == {
            "messages": [{"role": "user", "content": "What is the capital of France?"}],
            "context_id": "my-component", "provider_id": "anthropic", "model_id": "claude-3-haiku-20240307",
            "streaming": False, "system_prompt": "You are terse.",
            "options": {"temperature": 0.7, "fallback_provider": None, "fallback_model": None, "max_tokens": 100,
                        "stop": ["\n\n"], "top_p": 0.9, "top_k": 40, "presence_penalty": 0.1,
                        "frequency_penalty": 0.1},
        }
        await client.generate_text("Hi", context_id="c2", options={"provider": "p2", "model": "m2",
                                                                   "temperature": 0.2})
        sent = json.loads(stub.requests[-1][3])
        assert (sent["context_id"], sent["provider_id"], sent["model_id"]) == ("c2", "p2", "m2")
        assert sent["options"]["temperature"] == 0.2 and "system_prompt" not in sent
        await client.shutdown()
    finally:
        await stub.stop()


async def test_200_with_error_is_an_unsuccessful_response() -> None:
    stub = await Stub(lambda path, body: (200, "application/json", b'{"content":"","error":"model overloaded"}')).start()
    try:
        async with TektonLLMClient("c", rhetor_url=stub.url) as client:
            response = await client.generate_text("Hi")
            assert response.success is False and response.error == "model overloaded"
    finally:
        await stub.stop()


async def test_sse_vector_7_2(make_server: Callable[..., Server]) -> None:
    server = make_server("--enable-faults")
    async with TektonLLMClient("c1", rhetor_url=http_url(server)) as client:
        stream = client.generate_text("vector", streaming=True,
                                      options={"extra_body": {"fault": {"type": "sse_vector"}}})
        chunks = [c async for c in stream]
        assert [(c.chunk, c.done, c.error) for c in chunks] == [("A", False, None), ("B", False, None), ("", True, None)]
        assert stream.text == "AB" and stream.error is None


# ---------------------------------------------------------------- token utilities (7.3)

S = {"role": "system", "content": "You are terse."}
U1 = {"role": "user", "content": "Tell me about the Moon."}
A1 = {"role": "assistant", "content": "The Moon orbits Earth every 27.3 days."}
U2 = {"role": "user", "content": "And Mars?"}


@pytest.mark.parametrize("text,expected", [("", 1), ("abc", 1), ("abcd", 2), ("hello world", 3),
                                           ("é" * 8, 3), ("a\0bc", 2), ("🙂" * 4, 2)])
def test_count_tokens_vector(text: str, expected: int) -> None:
    assert count_tokens(text) == expected
    assert count_tokens(text, model="claude-3-haiku-20240307") == expected
    estimate = getattr(_realm, "estimate_tokens")  # the core's realm_estimate_tokens
    assert estimate(text) == expected


def test_message_tokens_and_optimizer_vector() -> None:
    assert [count_tokens(m["content"]) for m in (S, U1, A1, U2)] == [4, 6, 10, 3]
    assert count_message_tokens([S, U1, A1, U2]) == {"prompt_tokens": 42, "total_tokens": 42}
    as_messages = [Message(role=m["role"], content=m["content"]) for m in (S, U1, A1, U2)]
    assert count_message_tokens(as_messages)["total_tokens"] == 42
    vector = {23: [S, U1, A1, U2], 22: [S, A1, U2], 17: [S, A1, U2], 13: [S, U2], 3: [S]}
    for max_tokens, expected in vector.items():
        result = optimize_messages_for_token_limit([S, U1, A1, U2], max_tokens, keep_system_prompt=True)
        assert result == expected, max_tokens
        assert all(r is e for r, e in zip(result, expected))  # the caller's objects
    # The system message moves to the front; only the last of several is kept.
    S2 = {"role": "system", "content": "Second."}
    assert optimize_messages_for_token_limit([S, U1, S2, U2], 100) == [S2, U1, U2]
    assert optimize_messages_for_token_limit([U1, A1, U2, S], 9, keep_system_prompt=False) == [U2, S]
    assert optimize_messages_for_token_limit([U1, A1, U2], 13, keep_system_prompt=False) == [A1, U2]
    assert optimize_messages_for_token_limit([U1, A1, U2], 9, keep_system_prompt=False) == [U2]


def test_truncate_and_pluggable_tokenizer() -> None:
    assert truncate_text_to_token_limit("abcdefghij", 2) == "abcdefgh"
    assert truncate_text_to_token_limit("abc", 2) == "abc"
    try:
        set_tokenizer(lambda text, model: len(text.split()))
        assert count_tokens("one two three") == 3
        assert truncate_text_to_token_limit("one two three four", 2) == "one two "
        assert count_message_tokens([U2]) == {"prompt_tokens": 2 + 4 + 3, "total_tokens": 9}
    finally:
        set_tokenizer(None)
    assert count_tokens("one two three") == 4


# ---------------------------------------------------------------- exceptions (6.4)

async def test_401_is_authentication_error(make_server: Callable[..., Server]) -> None:
    server = make_server(auth=True)
    bad = TektonLLMClient("c", rhetor_url=http_url(server), auth_token="sk_wrong")
    assert await bad.initialize()  # health needs no key
    with pytest.raises(AuthenticationError) as info:
        await bad.generate_text("Hi")
    e = info.value
    assert isinstance(e, TektonLLMError)
    assert (e.code, e.http_status, e.core_code, str(e)) == ("AUTHENTICATION", 401, "UNAUTHORIZED", "Authentication failed")
    stream = bad.generate_text("Hi", streaming=True)
    chunks = [c async for c in stream]
    assert [(c.chunk, c.done, c.error) for c in chunks] == [("", True, "Authentication failed")]
    assert isinstance(stream.error, AuthenticationError)
    with pytest.raises(AuthenticationError):
        await bad.get_providers()
    await bad.shutdown()

    good = TektonLLMClient("c", rhetor_url=http_url(server), auth_token="sk_test_123")
    assert await good.initialize()
    assert (await good.generate_text("Hi", options={"max_tokens": 1})).content == "The "
    await good.shutdown()


async def test_429_is_rate_limit_error(make_server: Callable[..., Server]) -> None:
    server = make_server(auth=True, rate_limit=(1, 1))
    async with TektonLLMClient("c", rhetor_url=http_url(server), auth_token="sk_test_123", max_retries=0) as client:
        assert (await client.generate_text("Hi", options={"max_tokens": 1})).content == "The "
        with pytest.raises(RateLimitError) as info:
            await client.generate_text("Hi", options={"max_tokens": 1})
        assert info.value.http_status == 429 and info.value.code == "RATE_LIMITED"
        assert info.value.retry_after is not None and info.value.retry_after >= 1


async def test_400_503_and_other_statuses(make_server: Callable[..., Server]) -> None:
    server = make_server("--enable-faults", "--models", "realm-sim")
    async with TektonLLMClient("c", rhetor_url=http_url(server), model_id="nope", max_retries=0) as client:
        with pytest.raises(InvalidRequestError, match="^Unknown model: nope$") as bad_model:
            await client.generate_text("Hi")
        assert bad_model.value.http_status == 400
        with pytest.raises(ServiceUnavailableError) as busy:
            await client.generate_text("Hi", options={"model": "realm-sim",
                                                      "extra_body": {"fault": {"type": "overload"}}})
        assert busy.value.http_status == 503 and busy.value.code == "SERVICE_UNAVAILABLE"
    stub = await Stub(lambda path, body: (500, "application/json", b'{"error":"boom"}')).start()
    try:
        async with TektonLLMClient("c", rhetor_url=stub.url) as client:
            with pytest.raises(AdapterError) as other:
                await client.generate_text("Hi")
            assert str(other.value) == "Adapter 'rhetor' error: HTTP error 500: boom"
            assert other.value.adapter_id == "rhetor" and other.value.http_status == 500
    finally:
        await stub.stop()


async def test_an_openai_compatible_url_works_too(shared_server: Server) -> None:
    async with TektonLLMClient("c", rhetor_url=f"http://127.0.0.1:{shared_server.port}/v1") as client:
        assert client.openai_compatible and client.available
        providers = await client.get_providers()
        assert client.model_id == providers.default_model == "realm-sim"  # the server's first model
        response = await client.generate_text("Hello", system_prompt="Be brief.", options={"max_tokens": 3})
        assert response.success and response.content.strip() == "The capital of"
        assert response.finish_reason == "length" and response.usage and response.usage["completion_tokens"] == 3
        chunks = [c async for c in client.generate_text("Hello", streaming=True, options={"max_tokens": 2})]
        assert "".join(c.chunk for c in chunks).strip() == "The capital" and chunks[-1].done
    assert not TektonLLMClient("c", rhetor_url="http://127.0.0.1:1/api").openai_compatible


async def test_max_retries_sends_a_503_again_before_any_answer() -> None:
    calls: List[str] = []

    def reply(path: str, body: bytes) -> Tuple[int, str, bytes]:
        calls.append(path)
        if len(calls) == 1:
            return 503, "application/json", b'{"error":"Service unavailable"}'
        return 200, "application/json", b'{"content":"ok","model":"m","provider":"p","finish_reason":"stop"}'

    stub = await Stub(reply).start()
    try:
        async with TektonLLMClient("c", rhetor_url=stub.url, model_id="m", max_retries=1) as client:
            assert (await client.generate_text("Hi")).content == "ok"
        assert calls == ["/api/v1/chat", "/api/v1/chat"]  # sent again by the core (tekton.md 6.3)
    finally:
        await stub.stop()


async def test_connection_and_unavailable_errors(make_server: Callable[..., Server]) -> None:
    client = TektonLLMClient("c", rhetor_url=f"http://127.0.0.1:{free_port()}", use_fallback=False)
    assert await client.initialize() is False  # never raises
    with pytest.raises(ServiceUnavailableError, match="not available"):
        await client.generate_text("Hi")
    never = TektonLLMClient("c", rhetor_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ServiceUnavailableError, match="initialize"):
        await never.generate_text("Hi")  # initialize() was never called

    server = make_server()
    client = TektonLLMClient("c", rhetor_url=http_url(server), max_retries=0)
    assert await client.initialize()
    server.kill()
    with pytest.raises(ConnectionError) as info:
        await client.generate_text("Hi")
    assert isinstance(info.value, OSError) and info.value.code == "CONNECTION"
    chunks = [c async for c in client.generate_text("Hi", streaming=True)]
    assert len(chunks) == 1 and chunks[0].done and chunks[0].error
    await client.shutdown()


async def test_timeout_error() -> None:
    stub = await Stub(lambda path, body: None).start()  # answers health only
    try:
        async with TektonLLMClient("c", rhetor_url=stub.url, timeout=5, max_retries=0) as client:
            with pytest.raises(TimeoutError, match=r"^Request timed out after 0.3 seconds$") as info:
                await client.generate_text("Hi", options={"timeout": 0.3})
            assert isinstance(info.value, OSError) and info.value.code == "TIMEOUT"
    finally:
        await stub.stop()


# ---------------------------------------------------------------- fallback (6.2, [LIBREALM] hook)

async def test_fallback_hook_is_opt_in_and_flagged(make_server: Callable[..., Server]) -> None:
    server = make_server(auth=True)
    url = http_url(server)
    # No hook: nothing is invented, the error propagates (use_fallback defaults to True).
    async with TektonLLMClient("c", rhetor_url=url, auth_token="sk_wrong") as client:
        with pytest.raises(AuthenticationError):
            await client.generate_text("Hi")

    calls: List[Any] = []

    def hook(request: tekton_llm_client.FallbackRequest) -> str:
        calls.append(request)
        return "offline answer"

    async with TektonLLMClient("c", rhetor_url=url, auth_token="sk_wrong", fallback=hook) as client:
        response = await client.generate_text("Hi", system_prompt="Sys")
        assert (response.content, response.fallback, response.model, response.provider, response.finish_reason) == \
            ("offline answer", True, "fallback", "fallback", "fallback")
        request = calls[-1]
        assert isinstance(request.error, AuthenticationError) and not request.streaming
        assert request.system_prompt == "Sys" and request.messages[-1].content == "Hi"
        stream = client.generate_text("Hi", streaming=True)
        chunks = [c async for c in stream]
        assert [(c.chunk, c.done, c.fallback) for c in chunks] == [("offline answer", False, True), ("", True, True)]
        assert stream.fallback and isinstance(stream.error, AuthenticationError)

    async def failing(request: tekton_llm_client.FallbackRequest) -> str:
        raise RuntimeError("no luck")

    async with TektonLLMClient("c", rhetor_url=url, auth_token="sk_wrong", fallback=failing) as client:
        with pytest.raises(FallbackError, match="^Primary error: Authentication failed. Fallback error: no luck$"):
            await client.generate_text("Hi")
    async with TektonLLMClient("c", rhetor_url=url, auth_token="sk_wrong", fallback=hook,
                               use_fallback=False) as client:
        with pytest.raises(AuthenticationError):
            await client.generate_text("Hi")
    # An unavailable service goes to the hook without a request.
    down = TektonLLMClient("c", rhetor_url=f"http://127.0.0.1:{free_port()}", fallback=hook)
    assert await down.initialize() is False
    assert (await down.generate_text("Hi")).fallback
    assert isinstance(calls[-1].error, ServiceUnavailableError)
    await down.shutdown()


# ---------------------------------------------------------------- configuration (1)

async def test_environment_and_precedence(monkeypatch: pytest.MonkeyPatch, make_server: Callable[..., Server]) -> None:
    defaults = TektonLLMClient("c")
    assert (defaults.rhetor_url, defaults.provider_id, defaults.model_id, defaults.timeout, defaults.max_retries,
            defaults.auth_token, defaults.use_fallback) == ("http://localhost:8003", "anthropic", None, 30.0, 3,
                                                            None, True)
    server = make_server(auth=True)
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("RHETOR_URL", http_url(server))
    monkeypatch.setenv("RHETOR_AUTH_TOKEN", "sk_test_123")
    monkeypatch.setenv("RHETOR_DEFAULT_PROVIDER", "realm")
    monkeypatch.setenv("RHETOR_DEFAULT_MODEL", "env-model")
    monkeypatch.setenv("RHETOR_TIMEOUT", "12.5")
    monkeypatch.setenv("RHETOR_MAX_RETRIES", "5")
    from_env = TektonLLMClient("c")
    assert (from_env.rhetor_url, from_env.provider_id, from_env.model_id, from_env.timeout, from_env.max_retries,
            from_env.auth_token) == (http_url(server), "realm", "env-model", 12.5, 5, "sk_test_123")
    async with from_env:
        response = await from_env.generate_text("Hi", options={"max_tokens": 1})
        assert response.content == "The " and response.model == "env-model"

    explicit = TektonLLMClient("c", rhetor_url=dead, provider_id="p", model_id="m", timeout=3, max_retries=0,
                               auth_token="sk_wrong")
    assert (explicit.rhetor_url, explicit.provider_id, explicit.model_id, explicit.timeout, explicit.max_retries,
            explicit.auth_token) == (dead, "p", "m", 3.0, 0, "sk_wrong")
    assert await explicit.initialize() is False  # the argument's URL, not $RHETOR_URL
    wrong_key = TektonLLMClient("c", auth_token="sk_wrong")  # $RHETOR_URL, but the argument's token
    async with wrong_key:
        with pytest.raises(AuthenticationError):
            await wrong_key.generate_text("Hi")

    monkeypatch.setenv("RHETOR_TIMEOUT", "soon")
    with pytest.raises(InvalidRequestError, match="RHETOR_TIMEOUT"):
        TektonLLMClient("c")
    monkeypatch.setenv("RHETOR_TIMEOUT", "")  # empty = unset
    assert TektonLLMClient("c").timeout == 30.0
    monkeypatch.setenv("RHETOR_MAX_RETRIES", "-1")
    with pytest.raises(InvalidRequestError, match="RHETOR_MAX_RETRIES"):
        TektonLLMClient("c")
    with pytest.raises(InvalidRequestError):
        TektonLLMClient("c", rhetor_url="ftp://x", max_retries=1)
