"""Fixtures of the Python SDK tests: real realm-server processes on free
loopback ports. The server binary comes from $REALM_SERVER, else from the
usual build directories."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Every client of these tests reads the environment (REALM_URL, ...). An
# error test must see its error once, not after retries: retries are off
# unless a test turns them on (test_retries.py, which also checks the default
# of 2 with the variable removed).
os.environ["REALM_MAX_RETRIES"] = "0"
KEYS = [
    {"key": "sk_test_123", "tenant_id": "tenant1", "name": "t", "enabled": True,
     "rate_limit": None, "created_at": 0, "last_used": None},
    {"key": "sk_test_456", "tenant_id": "tenant2", "name": "t2", "enabled": True,
     "rate_limit": None, "created_at": 0, "last_used": None},
    {"key": "sk_disabled", "tenant_id": "tenant3", "name": "off", "enabled": False,
     "rate_limit": None, "created_at": 0, "last_used": None},
]

# Word i of every simulated stream is WORDS[i % 13] (+ the first word of the prompt).
SENTENCE = "The capital of France is Paris. This is a simulated response to:"


def expected_tokens(prompt: str, n: int) -> List[str]:
    words = SENTENCE.split() + [prompt.split()[0] if prompt.split() else "unknown"]
    return [words[i % len(words)] + " " for i in range(n)]


def server_binary() -> str:
    env = os.environ.get("REALM_SERVER")
    if env:
        if not os.access(env, os.X_OK):
            pytest.exit(f"REALM_SERVER={env} is not an executable", returncode=2)
        return env
    for build in ("build", "build-py-server", "build-server"):
        candidate = ROOT / build / "server" / "realm-server"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.exit("realm-server not found: set REALM_SERVER or build it (scripts/test-python does)", returncode=2)
    raise AssertionError  # unreachable


class Server:
    """One realm-server process. `port` stays the same across restart()."""

    def __init__(self, *args: str, tmp: Optional[Path] = None) -> None:
        self.args = list(args)
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None
        self.start()

    def start(self) -> None:
        cmd = [server_binary(), "--host", "127.0.0.1", "--port", str(self.port), *self.args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.isdigit():
            self.proc.kill()
            raise RuntimeError(f"realm-server did not print its port (got {line!r}); args {self.args}")
        self.port = int(line)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: the connection drops without a close frame."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Factory: make_server("--enable-faults", auth=True, rate_limit=(rpm, burst))."""
    servers: List[Server] = []

    def make(*args: str, auth: bool = False, keys: Optional[List[Dict[str, Any]]] = None,
             rate_limit: Optional[tuple] = None) -> Server:
        extra = list(args)
        if auth or keys is not None:
            path = tmp_path / f"keys{len(servers)}.json"
            path.write_text(json.dumps(keys if keys is not None else KEYS))
            extra += ["--api-keys", str(path)]
        if rate_limit is not None:
            extra += ["--rate-limit-rpm", str(rate_limit[0]), "--rate-limit-burst", str(rate_limit[1])]
        s = Server(*extra)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


@pytest.fixture
def server(make_server: Callable[..., Server]) -> Server:
    """A plain extended-mode server with faults available on demand."""
    return make_server("--enable-faults")


@pytest.fixture(scope="module")
def shared_server() -> Iterator[Server]:
    """One server for tests that only read from it (no faults, no kills)."""
    s = Server("--enable-faults")
    yield s
    s.stop()


def run_python(code: str, timeout: float = 30.0, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter (for process-exit behaviour)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


async def wait_for_event(event: asyncio.Event, timeout: float = 10.0) -> None:
    await asyncio.wait_for(event.wait(), timeout)


# ---------------------------------------------------------------- tekton_llm_client (HTTP)
# Shared by test_tekton_client.py and test_tekton_client_docs.py.

RHETOR_ENV = ("RHETOR_URL", "RHETOR_WS_URL", "RHETOR_AUTH_TOKEN", "RHETOR_DEFAULT_PROVIDER",
              "RHETOR_DEFAULT_MODEL", "RHETOR_TIMEOUT", "RHETOR_MAX_RETRIES")


@pytest.fixture
def clean_rhetor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in RHETOR_ENV:
        monkeypatch.delenv(name, raising=False)


def http_url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


def free_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
