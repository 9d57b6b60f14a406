"""realm.Client: the blocking client, for scripts without asyncio."""

from __future__ import annotations

import threading
import time
from typing import Any, List

import pytest

from realm import AuthenticationError, Client, ConnectionLostError, RateLimitError, ServerError, TimeoutError

from conftest import Server, expected_tokens


def counters(client: Client) -> tuple:
    h = client.health()
    return h["active_requests"], h["cancelled_total"]


def test_every_method(make_server) -> None:
    server = make_server("--pipeline", "simple-chat:m1")
    events: List[Any] = []
    client = Client(url=server.url, tenant_id="sync-tenant")
    client.on("connected", lambda: events.append("connected"))
    client.on("disconnected", lambda info: events.append(("disconnected", info["code"])))
    client.connect()
    assert client.is_connected() and client.tenant_id == "sync-tenant"
    assert events == ["connected"]
    result = client.generate({"prompt": "What is the capital of France?", "max_tokens": 50})
    assert result["text"] == "Paris" and result.tokens_generated == 1
    assert client.health()["status"] == "healthy"
    assert "generate" in {f["name"] for f in client.metadata()["functions"]}
    assert "text" in client.execute_pipeline("simple-chat", {"prompt": "hi"})
    assert client.call("health")["status"] == "healthy"
    with pytest.raises(ServerError):
        client.execute_pipeline("nope", {})
    client.disconnect()
    assert not client.is_connected()
    assert events == ["connected", ("disconnected", 1000)]


def test_stream_iterator_and_callback(shared_server: Server) -> None:
    with Client(url=shared_server.url) as client:
        tokens = list(client.generate_stream({"prompt": "Sync it", "max_tokens": 30}))
        assert tokens == expected_tokens("Sync", 30)
        seen: List[str] = []
        result = client.generate({"prompt": "Cb", "max_tokens": 7, "stream": True}, on_token=seen.append)
        assert seen == expected_tokens("Cb", 7) and result.text == "".join(seen)


def test_break_cancels_server_side(shared_server: Server) -> None:
    with Client(url=shared_server.url) as client:
        _, cancelled = counters(client)
        for i, _ in enumerate(client.generate_stream({"prompt": "L", "max_tokens": 100000, "extra_body": {"delay_ms": 5}})):
            if i == 2:
                break
        active, after = counters(client)
        assert after == cancelled + 1 and active == 0
        with client.generate_stream({"prompt": "L", "max_tokens": 100000, "extra_body": {"delay_ms": 5}}) as stream:
            next(stream)
        active, after = counters(client)
        assert after == cancelled + 2 and active == 0


def test_errors(make_server) -> None:
    server = make_server("--enable-faults", auth=True, rate_limit=(1, 1))
    with pytest.raises(AuthenticationError) as info:
        Client(url=server.url, api_key="bad").connect()
    assert info.value.code == "UNAUTHORIZED"
    with Client(url=server.url, api_key="sk_test_123", timeout=0.3) as client:
        assert client.tenant_id == "tenant1"
        client.health()
        with pytest.raises(RateLimitError) as rl:
            client.health()
        assert rl.value.retry_after and rl.value.code == "RATE_LIMIT_EXCEEDED"


def test_timeout_and_connection_loss(make_server) -> None:
    server = make_server("--enable-faults")
    with Client(url=server.url, timeout=0.3, reconnect=False) as client:
        with pytest.raises(TimeoutError):
            client.generate({"prompt": "x", "stream": True, "extra_body": {"fault": {"type": "stall", "after": 1, "ms": 5000}}})
        stream = client.generate_stream({"prompt": "x", "max_tokens": 100000, "extra_body": {"delay_ms": 2}})
        next(stream)
        server.kill()
        with pytest.raises(ConnectionLostError):
            for _ in stream:
                pass


def test_threads_share_one_client(shared_server: Server) -> None:
    with Client(url=shared_server.url) as client:
        results: List[str] = []
        lock = threading.Lock()

        def worker(n: int) -> None:
            for i in range(25):
                text = client.generate({"prompt": f"T{n}-{i} x"}).text
                tokens = list(client.generate_stream({"prompt": f"S{n}", "max_tokens": 20}))
                assert tokens == expected_tokens(f"S{n}", 20)
                with lock:
                    results.append(text)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(results) == 150


def test_waits_release_the_gil(shared_server: Server) -> None:
    with Client(url=shared_server.url) as client:
        ticks = 0
        stop = False

        def spin() -> None:
            nonlocal ticks
            while not stop:
                ticks += 1
                time.sleep(0.001)

        t = threading.Thread(target=spin)
        t.start()
        before = ticks
        client.generate({"prompt": "x", "max_tokens": 80, "extra_body": {"delay_ms": 5}, "stream": True})  # >= 395 ms
        during = ticks - before
        stop = True
        t.join()
        # A wait that held the GIL would leave the spinner no tick at all during
        # the call; a few ticks (not a rate) show it ran, even on a loaded machine.
        assert during >= 3, during


def test_ctrl_c_interrupts_a_blocking_wait_and_cancels(shared_server: Server) -> None:
    from conftest import run_python

    code = f"""
import os, signal
from realm import Client
with Client(url={shared_server.url!r}) as client:
    before = client.health()["cancelled_total"]
    def on_token(token):
        if token.startswith("The"):
            os.kill(os.getpid(), signal.SIGINT)   # as if the user pressed Ctrl-C
    try:
        client.generate({{"prompt": "x", "max_tokens": 100000, "extra_body": {{"delay_ms": 5}}, "stream": True}}, on_token=on_token)
    except KeyboardInterrupt:
        print("interrupted")
    print(client.health()["cancelled_total"] - before)
"""
    result = run_python(code, timeout=20)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["interrupted", "1"]
