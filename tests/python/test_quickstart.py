"""The documented usage of the Realm Python SDK runs unchanged, and so do the
examples."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import pytest

from conftest import ROOT, Server, run_python

QUICK_START = '''\
import asyncio
from realm import RealmWebSocketClient
async def main():
    client = RealmWebSocketClient(url="ws://localhost:8080", api_key="your-api-key", tenant_id="my-tenant")
    await client.connect()
    result = await client.generate({"prompt": "What is the capital of France?", "max_tokens": 50})
    print(result["text"])
    await client.disconnect()
asyncio.run(main())
'''


def test_quick_start_on_a_free_port(server: Server) -> None:
    # Only the port differs from the documentation (the suite may not own 8080).
    code = QUICK_START.replace("ws://localhost:8080", f"ws://localhost:{server.port}")
    assert code.replace(str(server.port), "8080") == QUICK_START
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Paris\n"


def _port_8080_free() -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", 8080))
        except OSError:
            return False
    return True


def test_quick_start_verbatim_on_8080() -> None:
    if not _port_8080_free():
        pytest.skip("port 8080 is taken on this machine")
    server = Server()  # port 0 first, then move to 8080
    server.stop()
    server.port = 8080
    try:
        server.start()
    except RuntimeError:
        pytest.skip("could not start realm-server on port 8080")
    try:
        result = run_python(QUICK_START)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "Paris\n"
    finally:
        server.stop()


def run_example(name: str, *args: str) -> subprocess.CompletedProcess:
    path = ROOT / "examples" / "python" / name
    result = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_example_basic(make_server) -> None:
    server = make_server("--pipeline", "simple-chat:m1")
    out = run_example("basic.py", server.url).stdout
    assert "Generated: Paris" in out and "Tokens: 1" in out
    assert "Pipeline result: {" in out and "'generate'" in out


def test_example_streaming(make_server) -> None:
    server = make_server()
    out = run_example("streaming.py", server.url).stdout
    assert "The capital of France is Paris. This is a simulated response to: Tell" in out
    assert "The capital of France is \n" in out  # five tokens, then break
    assert "13 tokens" in out
    assert "Sync \n" in out


def test_example_error_handling(make_server) -> None:
    server = make_server(auth=True, rate_limit=(600, 2))
    out = run_example("error_handling.py", server.url, "sk_test_123").stdout
    # 600/min refills a token every 100 ms; the wait reported is what is left of it.
    waits = [float(w) for w in re.findall(r"Rate limited! Retry after: ([0-9.]+) seconds", out)]
    assert waits and all(0 < w <= 0.1 for w in waits), out
    assert "Retried successfully" in out
    assert "Authentication failed - check your API key (UNAUTHORIZED" in out
    assert "Not available on this server: Pipeline not found: no-such-pipeline" in out
