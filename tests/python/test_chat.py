"""chat / chat_stream and the OpenAI sampling fields, on every dialect
realm-server serves on one port: the Realm protocol (ws://host:port/),
openai-ws (ws://host:port/v1/chat/completions) and OpenAI HTTP/SSE
(http://host:port/v1). Non-stream results carry finish_reason and usage;
streams carry text, finish_reason, usage and the client's timings."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import realm
from realm import ChatMessage, Client, RealmWebSocketClient, TimeoutError

from conftest import Server, expected_tokens

DIALECTS = ["realm", "openai-ws", "openai-http"]
OPENAI = {"openai-ws", "openai-http"}
MODEL = "realm-sim"  # realm-server's OpenAI endpoints need a model (any name without --models)
USER: List[ChatMessage] = [{"role": "user", "content": "Tell me about France"}]


@pytest.fixture(scope="module")
def chat_server() -> Iterator[Server]:
    s = Server("--enable-faults")
    yield s
    s.stop()


def url_of(server: Server, dialect: str) -> str:
    return {
        "realm": f"ws://127.0.0.1:{server.port}/",
        "openai-ws": f"ws://127.0.0.1:{server.port}/v1/chat/completions",
        "openai-http": f"http://127.0.0.1:{server.port}/v1",
    }[dialect]


def client_of(server: Server, dialect: str, **kw: Any) -> RealmWebSocketClient:
    return RealmWebSocketClient(url=url_of(server, dialect), model=MODEL, **kw)


def assert_usage(dialect: str, usage: Any, completion: int, prompt: int | None = None) -> None:
    assert set(usage) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert usage["completion_tokens"] == completion
    if dialect in OPENAI:
        if prompt is not None:
            assert usage["prompt_tokens"] == prompt
        assert usage["total_tokens"] == usage["prompt_tokens"] + completion
    elif usage["prompt_tokens"] is None:  # Realm streams: the server never says the prompt's size
        assert usage["total_tokens"] is None
    else:  # Realm results carry prompt_tokens: the core adds the two
        assert usage["total_tokens"] == usage["prompt_tokens"] + completion


def assert_metrics(stream: Any, n_tokens: int, wall: float) -> None:
    ttft, total, tps = stream.time_to_first_token, stream.total_time, stream.tokens_per_second
    assert ttft is not None and total is not None and tps is not None
    assert 0 <= ttft <= total <= wall + 0.001 and total > 0, (ttft, total, wall)
    assert tps > 0 and tps == pytest.approx(n_tokens / total)


# ---------------------------------------------------------------- chat, not streamed


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_chat_result_has_text_finish_reason_and_usage(chat_server: Server, dialect: str) -> None:
    async with client_of(chat_server, dialect) as client:
        result = await client.chat(USER, max_tokens=5)
        if dialect in OPENAI:
            assert result.text == "".join(expected_tokens("Tell", 5))
            assert result.finish_reason == "length"
            assert_usage(dialect, result.usage, completion=5, prompt=4)
            # Without max_tokens: the whole sentence, ended by "stop".
            whole = await client.chat(USER)
            assert whole.text == "".join(expected_tokens("Tell", 13))
            assert whole.finish_reason == "stop"
        else:
            # Realm: one user message is sent as the prompt itself.
            assert result.text == "Simulated response to: Tell me about France"
            assert result.finish_reason is None  # the Realm protocol has none
            assert_usage(dialect, result.usage, completion=result["tokens_generated"], prompt=4)
        assert result.total_time is not None and result.total_time > 0
        assert result.time_to_first_token is None  # not streamed
        assert result.tokens_per_second is not None and result.tokens_per_second > 0


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_system_prompt_is_sent_first(chat_server: Server, dialect: str) -> None:
    async with client_of(chat_server, dialect) as client:
        result = await client.chat(USER, system_prompt="Answer in one word.")
        if dialect in OPENAI:
            # The server counts the words of every message: 4 system + 4 user.
            assert result.usage["prompt_tokens"] == 8
            plain = await client.chat(USER)
            assert plain.usage["prompt_tokens"] == 4
        else:
            assert result.text == ("Simulated response to: System: Answer in one word.\n"
                                   "User: Tell me about France\nAssistant:")
        # The same as a system message of one's own.
        same = await client.chat([{"role": "system", "content": "Answer in one word."}, *USER])
        assert same.text == result.text and same.usage == result.usage


@pytest.mark.parametrize("dialect", sorted(OPENAI))
async def test_conversation_answers_the_last_user_message(chat_server: Server, dialect: str) -> None:
    messages: List[ChatMessage] = [
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "Hi"},
        {"role": "user", "content": "Zebra facts please"},
    ]
    async with client_of(chat_server, dialect) as client:
        result = await client.chat(messages, max_tokens=14)
        assert result.text == "".join(expected_tokens("Zebra", 14))  # word 14 is the prompt's first
        assert result.usage["prompt_tokens"] == 2 + 1 + 3


@pytest.mark.parametrize("dialect", sorted(OPENAI))
async def test_stop_sequences_cut_the_answer(chat_server: Server, dialect: str) -> None:
    async with client_of(chat_server, dialect) as client:
        for stop in ("France", ["Paris", "France"], ("France",)):
            result = await client.chat(USER, stop=stop)
            assert result.text == "The capital of "
            assert result.finish_reason == "stop"
        result = await client.generate({"prompt": "Hello", "stop": "capital"})
        assert result.text == "The " and result.finish_reason == "stop"


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_every_sampling_field_is_accepted(chat_server: Server, dialect: str) -> None:
    options: Dict[str, Any] = dict(
        max_tokens=3, temperature=0.5, top_p=0.9, top_k=40, presence_penalty=-0.5, frequency_penalty=1.5,
        seed=-7, stop=["zzz"], model=MODEL, timeout=30, extra_body={"delay_ms": 0},
    )
    async with client_of(chat_server, dialect) as client:
        result = await client.chat(USER, **options)
        assert result.text
        generated = await client.generate({"prompt": "Hello world", **options})
        assert generated.text
        if dialect in OPENAI:
            assert generated.usage["completion_tokens"] == 3


# ---------------------------------------------------------------- streams


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_chat_stream_summary_and_metrics(chat_server: Server, dialect: str) -> None:
    async with client_of(chat_server, dialect) as client:
        start = time.perf_counter()  # before the request is written
        stream = client.chat_stream(USER, max_tokens=6, extra_body={"delay_ms": 10})
        assert stream.text is None and stream.usage is None and stream.total_time is None  # not yet
        tokens = [t async for t in stream]
        wall = time.perf_counter() - start
        assert tokens == expected_tokens("Tell", 6)
        assert stream.text == "".join(tokens)
        assert stream.finish_reason == ("length" if dialect in OPENAI else None)
        assert_usage(dialect, stream.usage, completion=6, prompt=4 if dialect in OPENAI else None)
        assert_metrics(stream, 6, wall)
        # Paced by the server: 5 pauses of 10 ms at least before the last token.
        assert stream.total_time >= 0.04


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_generate_stream_summary(chat_server: Server, dialect: str) -> None:
    async with client_of(chat_server, dialect) as client:
        start = time.perf_counter()
        stream = client.generate_stream({"prompt": "Hello world", "max_tokens": 4})
        tokens = [t async for t in stream]
        wall = time.perf_counter() - start
        assert tokens == expected_tokens("Hello", 4) and stream.text == "".join(tokens)
        assert stream.finish_reason == ("length" if dialect in OPENAI else None)
        assert_usage(dialect, stream.usage, completion=4)
        assert_metrics(stream, 4, wall)
        assert stream.result is not None and stream.result.finish_reason == stream.finish_reason


async def test_cancelled_stream_has_no_summary(chat_server: Server) -> None:
    async with client_of(chat_server, "openai-ws") as client:
        async with client.chat_stream(USER, max_tokens=1000, extra_body={"delay_ms": 5}) as stream:
            async for _ in stream:
                break
        assert stream.cancelled
        assert stream.text is None and stream.finish_reason is None and stream.usage is None


# ---------------------------------------------------------------- per-call timeout


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_per_call_timeout_overrides_the_clients(chat_server: Server, dialect: str) -> None:
    # The server holds its answer for 600 ms (Realm ignores delay_ms when not streaming).
    slow: Dict[str, Any] = {"max_tokens": 20, "extra_body": {"fault": {"type": "stall", "after": 0, "ms": 600}}}
    async with client_of(chat_server, dialect, timeout=30) as client:
        # Without the per-call timeout these would complete (after 600 ms).
        with pytest.raises(TimeoutError) as info:
            await client.chat(USER, timeout=0.15, **slow)
        assert info.value.code == "TIMEOUT"
        with pytest.raises(TimeoutError):
            async for _ in client.chat_stream(USER, timeout=0.15, **slow):
                pass
        with pytest.raises(TimeoutError):
            await client.generate({"prompt": "Hi", "timeout": 0.15, **slow})
    async with client_of(chat_server, dialect, timeout=0.15) as client:
        # Longer than the client's, and 0 = none: both outlast the slow answer.
        assert (await client.chat(USER, timeout=10, **slow)).text
        assert len([t async for t in client.chat_stream(USER, timeout=0, **slow)]) == 20
        with pytest.raises(TimeoutError):
            await client.chat(USER, **slow)


async def test_timeout_on_the_other_requests(chat_server: Server) -> None:
    async with client_of(chat_server, "realm") as client:
        assert (await client.health(timeout=5))["status"] == "healthy"
        assert "functions" in await client.metadata(timeout=5)
        assert (await client.call("health", timeout=5))["status"] == "healthy"
    async with client_of(chat_server, "openai-http") as client:
        assert (await client.health(timeout=5))["status"] == "ok"
        assert [m["id"] for m in (await client.models(timeout=5))["data"]] == [MODEL]


# ---------------------------------------------------------------- models, health


async def test_raw_is_the_servers_answer(chat_server: Server) -> None:
    async with client_of(chat_server, "openai-http") as client:
        whole = await client.chat(USER, max_tokens=2)
        stream = client.chat_stream(USER, max_tokens=2)
        async for _ in stream:
            pass
    assert whole.raw["object"] == "chat.completion"
    assert whole.raw["choices"][0]["message"]["content"] == whole.text
    assert stream.result is not None and stream.result.raw is None  # a stream of pieces has no one answer


@pytest.mark.parametrize("pool", [{"multiplex": True}, {"max_connections": 1}])
async def test_openai_ws_connection_options(chat_server: Server, pool: Any) -> None:
    # Both shapes carry concurrent requests: one multiplexed socket, or a pool
    # of one socket taking them in turn.
    async with client_of(chat_server, "openai-ws", **pool) as client:
        results = await asyncio.gather(*(client.chat(USER, max_tokens=2 + i) for i in range(5)))
    assert [r.usage["completion_tokens"] for r in results] == [2, 3, 4, 5, 6]
    with pytest.raises(realm.InvalidArgumentError, match="max_connections"):
        client_of(chat_server, "openai-ws", max_connections=5000)


async def test_models_where_the_dialect_has_them(chat_server: Server) -> None:
    from realm import InvalidArgumentError

    async with client_of(chat_server, "openai-http") as client:
        models = await client.models()
        assert models["object"] == "list" and models["data"][0]["id"] == MODEL
    for dialect in ("realm", "openai-ws"):
        async with client_of(chat_server, dialect) as client:
            with pytest.raises(InvalidArgumentError, match="model"):
                await client.models()


async def test_chat_on_a_completions_endpoint_is_refused(chat_server: Server) -> None:
    from realm import InvalidArgumentError

    url = f"ws://127.0.0.1:{chat_server.port}/v1/completions"
    async with RealmWebSocketClient(url=url, model=MODEL) as client:
        with pytest.raises(InvalidArgumentError, match="completions"):
            await client.chat(USER)
        result = await client.generate({"prompt": "Hello", "max_tokens": 2})  # a prompt is fine
        assert result.text == "The capital " and result.finish_reason == "length"


# ---------------------------------------------------------------- blocking client


@pytest.mark.parametrize("dialect", DIALECTS)
def test_blocking_client_chat(chat_server: Server, dialect: str) -> None:
    with Client(url=url_of(chat_server, dialect), model=MODEL) as client:
        result = client.chat(USER, max_tokens=3, system_prompt="Be brief.")
        assert result.text and result.usage["completion_tokens"] is not None
        start = time.perf_counter()
        stream = client.chat_stream(USER, max_tokens=3)
        tokens = list(stream)
        wall = time.perf_counter() - start
        assert tokens == expected_tokens("Tell", 3) and stream.text == "".join(tokens)
        assert_usage(dialect, stream.usage, completion=3)
        assert_metrics(stream, 3, wall)
        with pytest.raises(TimeoutError):
            client.chat(USER, extra_body={"fault": {"type": "stall", "after": 0, "ms": 600}}, timeout=0.15)
        if dialect == "openai-http":
            assert client.models(timeout=5)["data"][0]["id"] == MODEL


def test_blocking_generate_result_fields(chat_server: Server) -> None:
    with Client(url=url_of(chat_server, "openai-http"), model=MODEL) as client:
        r = client.generate({"prompt": "Hello", "max_tokens": 2, "seed": 1})
        assert r.finish_reason == "length" and r["finish_reason"] == "length"
        assert r.usage == {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
        assert r.completion_tokens == 2 and r.total_tokens == 3



# ---------------------------------------------------------------- the example


@pytest.mark.parametrize("dialect", DIALECTS)
def test_chat_example(chat_server: Server, dialect: str) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "python" / "chat.py"
    run = subprocess.run([sys.executable, str(example), url_of(chat_server, dialect), MODEL],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("answer: ") and len(lines[0]) > len("answer: ")
    reason = "length" if dialect in OPENAI else "None"  # the simulated answer runs to max_tokens
    assert lines[1] == f"finish_reason: {reason}" and lines[4] == f"finish_reason: {reason}"
    assert lines[2].startswith("usage: {'prompt_tokens': ") and lines[5].startswith("usage: {'prompt_tokens': ")
    assert lines[3].startswith("stream: The capital of France is ")
    assert lines[6].endswith(" ms") and lines[7].endswith(" ms") and lines[8].startswith("tokens_per_second: ")
    # REALM_URL when no argument is given.
    env = dict(os.environ, REALM_URL=url_of(chat_server, dialect), REALM_MODEL=MODEL)
    again = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, timeout=30, env=env)
    assert again.returncode == 0 and again.stdout.splitlines()[1] == lines[1], again.stderr
