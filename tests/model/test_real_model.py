"""librealm against a real model: llama.cpp's llama-server with
SmolLM2-135M-Instruct (scripts/model-server), over openai-http, from C (the
chat example), Python and Node. Bounded: a few requests with small max_tokens.

Answers at temperature 0 are compared with the server's own answer fetched
here with urllib (non-streamed JSON, or the raw SSE stream decoded
independently), so a token lost, doubled or cut inside a UTF-8 sequence shows.
"""
import asyncio
import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

import realm

HERE = Path(__file__).resolve().parent
SYSTEM = "You are a helpful assistant. Answer in one sentence."  # what examples/c/chat sends
FRANCE = "What is the capital of France?"
EMOJI = "Reply with three heart emoji."  # SmolLM2 answers with a row of U+1F31F
LONG = "Write a long story about a dragon."  # never stops by itself within 300 tokens


def post(server, body: dict) -> bytes:
    req = urllib.request.Request(
        server.v1 + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read()


def reference(server, prompt: str, max_tokens: int, system: str = None, temperature=0) -> str:
    """The server's own non-streamed answer."""
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    body = {"model": server.model, "messages": messages, "max_tokens": max_tokens}
    if temperature is not None:
        body["temperature"] = temperature
    return json.loads(post(server, body))["choices"][0]["message"]["content"]


def reference_sse(server, prompt: str, max_tokens: int, raw_out: list = None, **extra) -> str:
    """The server's streamed answer, decoded here from the raw SSE bytes."""
    raw = post(server, {"model": server.model, "messages": [{"role": "user", "content": prompt}],
                        "max_tokens": max_tokens, "temperature": 0, "stream": True, **extra})
    if raw_out is not None:
        raw_out.append(raw)
    text, done = [], False
    for event in raw.split(b"\n\n"):
        data = b"\n".join(l[5:].lstrip(b" ") for l in event.split(b"\n") if l.startswith(b"data:"))
        if not data:
            continue
        if data == b"[DONE]":
            done = True
            continue
        for choice in json.loads(data.decode("utf-8"))["choices"]:
            text.append(choice.get("delta", {}).get("content") or "")
    assert done, "the server's stream did not end with [DONE]"
    return "".join(text)


def run_chat(example, server, question):
    p = subprocess.run([str(example), server.v1, question, server.model], capture_output=True, timeout=60,
                       env={k: v for k, v in os.environ.items() if k != "REALM_API_KEY"})
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


def split_chat_output(out: str):
    """The chat example prints the streamed text, then one terminal line."""
    text, sep, last = out.rstrip("\n").rpartition("\n")
    assert sep, out
    return text, last


def node(server, mode, prompt, max_tokens):
    p = subprocess.run(["node", str(HERE / "node_client.js"), server.chat_url, server.model, mode, prompt,
                        str(max_tokens)], capture_output=True, timeout=90)
    assert p.returncode == 0, (p.stdout, p.stderr)
    return json.loads(p.stdout.decode("utf-8"))


def python_client(server, **kw):
    return realm.RealmWebSocketClient(url=server.chat_url, model=server.model, timeout=60, **kw)


async def py_stream(client, prompt, max_tokens):
    tokens = []
    async for t in client.generate_stream({"prompt": prompt, "max_tokens": max_tokens, "temperature": 0}):
        tokens.append(t)
    return tokens


# -- "Paris" at temperature 0, from each language -----------------------------

def test_c_chat_example_paris(model_server, chat_example):
    rc, out, err = run_chat(chat_example, model_server, FRANCE)
    assert rc == 0, (out, err)
    text, last = split_chat_output(out)
    assert "Paris" in text
    assert last.startswith("[finish_reason: stop, usage: ")
    # The example sets no temperature: the server's default (--temp 0) applies.
    assert text == reference(model_server, FRANCE, 64, system=SYSTEM, temperature=None)


def test_python_paris(model_server):
    async def main():
        async with python_client(model_server) as c:
            r = await c.generate({"prompt": FRANCE, "max_tokens": 32, "temperature": 0})
            tokens = await py_stream(c, FRANCE, 32)
            return r, tokens
    r, tokens = asyncio.run(main())
    assert "Paris" in r.text
    assert r.text == "".join(tokens) == reference(model_server, FRANCE, 32)
    assert len(tokens) > 1
    assert r.tokens_generated >= len(tokens)  # the server's usage counts the end-of-turn token too


def test_node_paris(model_server):
    g = node(model_server, "generate", FRANCE, 32)
    s = node(model_server, "stream", FRANCE, 32)
    assert "Paris" in g["texts"][0]
    assert g["texts"][0] == s["texts"][0] == reference(model_server, FRANCE, 32)
    assert len(s["tokens"][0]) > 1


# -- multi-byte UTF-8 reassembled exactly ------------------------------------

def test_utf8_python_stream_matches_server(model_server):
    want = reference_sse(model_server, EMOJI, 24)
    assert len(want.encode()) > len(want), "expected a multi-byte answer"
    assert want == reference(model_server, EMOJI, 24)

    async def main():
        async with python_client(model_server) as c:
            return await py_stream(c, EMOJI, 24)
    tokens = asyncio.run(main())
    assert "".join(tokens) == want


def test_utf8_node_stream_matches_server(model_server):
    want = reference_sse(model_server, EMOJI, 24)
    assert len(want.encode()) > len(want)
    s = node(model_server, "stream", EMOJI, 24)
    assert s["texts"][0] == want


def test_utf8_c_chat_example(model_server, chat_example):
    question = "What is the French word for Christmas tree?"  # an answer with "ë" (the example's system prompt stops emoji)
    want = reference(model_server, question, 64, system=SYSTEM, temperature=None)
    assert len(want.encode()) > len(want)
    rc, out, err = run_chat(chat_example, model_server, question)
    assert rc == 0, (out, err)
    text, _ = split_chat_output(out)
    assert text == want


def test_sse_comment_lines_python(start_own_model_server):
    """llama-server sends `:` comment lines (its --sse-ping-interval) while it
    processes a long prompt, before the first token."""
    server = start_own_model_server("--sse-ping-interval 1 --parallel 1")

    def long_prompt(tag: str, items: int) -> str:
        return f"List {tag}. " + " ".join(f"Item {i} is a red apple." for i in range(items)) + " How many items?"

    # How long a prompt takes this machine over a second to process (a quiet
    # machine is fast): grow it until the server's own stream starts with a ping.
    items = 70
    for attempt in range(4):
        probe = []
        reference_sse(server, long_prompt(f"probe{attempt}", items), 1, probe, cache_prompt=False)
        if probe[0].startswith(b":\n\n"):
            break
        items *= 2
    assert probe[0].startswith(b":\n\n"), f"no SSE ping before the first token even with {items} items"

    # Twice as long again, and new to the server's cache: at least two
    # seconds of processing, so librealm's stream certainly starts with pings.
    prompt = long_prompt("run", min(items * 2, 400))

    async def main():
        async with python_client(server) as c:
            return await py_stream(c, prompt, 8)
    tokens = asyncio.run(main())
    want = reference_sse(server, prompt, 8)  # the same answer (temperature 0), from the server's cache
    assert "".join(tokens) == want


# -- cancel, concurrency -------------------------------------------------------

def test_python_cancel_mid_stream_stops_generation(model_server):
    before = model_server.metrics()
    processing = []

    async def main():
        async with python_client(model_server) as c:
            got = []
            # Leaving the `async with` block cancels the request (a bare `break`
            # does not while the stream object is still referenced): librealm
            # closes the HTTP connection.
            async with c.generate_stream({"prompt": LONG, "max_tokens": 300, "temperature": 0}) as stream:
                async for t in stream:
                    got.append(t)
                    if len(got) == 3:
                        processing.append(model_server.metrics()["requests_processing"])
                        break
            return got, stream
    got, stream = asyncio.run(main())
    cancelled_at = time.monotonic()
    assert len(got) == 3
    assert processing == [1]  # generating when cancelled
    assert stream.cancelled
    # llama-server notices the closed connection and frees the slot; 300
    # tokens would take several seconds at this speed.
    while model_server.metrics()["requests_processing"] != 0:
        assert time.monotonic() - cancelled_at < 3, "the model server is still generating"
        time.sleep(0.05)
    after = model_server.metrics()
    assert after["tokens_predicted_total"] - before["tokens_predicted_total"] < 150


def test_node_cancel_mid_stream_stops_generation(model_server):
    before = model_server.metrics()
    r = node(model_server, "cancel", LONG, 300)
    cancelled_at = time.monotonic()
    assert len(r["tokens"][0]) == 3
    assert r["processing"] == 1
    while model_server.metrics()["requests_processing"] != 0:
        assert time.monotonic() - cancelled_at < 3, "the model server is still generating"
        time.sleep(0.05)
    after = model_server.metrics()
    assert after["tokens_predicted_total"] - before["tokens_predicted_total"] < 150


def test_python_two_concurrent_streams(model_server):
    async def main():
        async with python_client(model_server) as c:
            return await asyncio.gather(py_stream(c, FRANCE, 32), py_stream(c, EMOJI, 24))
    a, b = asyncio.run(main())
    assert "Paris" in "".join(a)
    assert "".join(b) == reference_sse(model_server, EMOJI, 24)


def test_node_two_concurrent_streams(model_server):
    r = node(model_server, "pair", FRANCE, 32)
    assert len(r["texts"]) == 2
    assert all("Paris" in t for t in r["texts"])


# -- the model server killed mid-stream ---------------------------------------

def test_c_server_killed_mid_stream(own_model_server, chat_example):
    p = subprocess.Popen([str(chat_example), own_model_server.v1, LONG, own_model_server.model],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = p.stdout.read(1)  # the first streamed byte
        assert first, "no token before the kill"
        os.kill(own_model_server.pid, signal.SIGKILL)
        rest, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    out = (first + rest).decode("utf-8", "replace")
    assert p.returncode == 1, (out, err)
    terminal = [l for l in out.splitlines() if l.startswith("[")]
    assert len(terminal) == 1, out  # exactly one terminal event, an error
    assert not terminal[0].startswith("[finish_reason"), out


def test_python_server_killed_mid_stream(own_model_server):
    async def main():
        async with python_client(own_model_server) as c:
            stream = c.generate_stream({"prompt": LONG, "max_tokens": 300, "temperature": 0})
            got, errors = [], []
            try:
                async for t in stream:
                    got.append(t)
                    if len(got) == 3:
                        os.kill(own_model_server.pid, signal.SIGKILL)
            except realm.RealmError as e:
                errors.append(e)
            return got, errors, stream
    got, errors, stream = asyncio.run(main())
    assert len(got) >= 3
    assert len(errors) == 1, errors
    assert isinstance(errors[0], realm.ConnectionError), repr(errors[0])
    assert stream.done and not stream.cancelled and stream.result is None
