"""The documented usage of the Realm Python SDK runs unchanged, and so do the
examples."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from conftest import ROOT, Server, run_python

def _documented_quick_start() -> str:
    """The first Python block under "## Quick start" in docs/python.md."""
    doc = (ROOT / "docs" / "python.md").read_text()
    match = re.search(r"## Quick start\n.*?```python\n(.*?)```", doc, re.S)
    assert match, "docs/python.md has no Quick start Python block"
    return match.group(1)


QUICK_START = _documented_quick_start()
DOC_URL = "ws://localhost:8080"


def test_quick_start_on_a_free_port(server: Server) -> None:
    # The documented code, with only its one URL moved to the suite's server.
    assert QUICK_START.count(DOC_URL) == 1, QUICK_START
    code = QUICK_START.replace(DOC_URL, f"ws://localhost:{server.port}")
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Paris\n"


def _start_on_8080(deadline_s: float = 15.0) -> Server:
    """realm-server on 8080; waits a while for another test to release the
    port, then fails (never skips)."""
    end = time.monotonic() + deadline_s
    while True:
        server = Server()  # port 0 first, then move to 8080
        server.stop()
        server.port = 8080
        try:
            server.start()
            return server
        except RuntimeError as exc:
            if time.monotonic() >= end:
                pytest.fail(f"could not start realm-server on port 8080 (taken?): {exc}")
        time.sleep(0.2)


def test_quick_start_verbatim_on_8080() -> None:
    server = _start_on_8080()
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
