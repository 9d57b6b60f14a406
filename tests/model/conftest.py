"""Fixtures of the real-model suite: llama.cpp's llama-server with
SmolLM2-135M-Instruct, started by scripts/model-server on a free loopback port.

A server that cannot be installed or started fails the tests that need it (it
never skips them): the suite exists to show librealm against a real model.
"""
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL_SERVER = ROOT / "scripts" / "model-server"


class ModelServer:
    def __init__(self, port: int, pidfile: str, model: str):
        self.port = port
        self.pidfile = pidfile
        self.model = model
        self.pid = int(Path(pidfile).read_text().strip())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def v1(self) -> str:
        return self.base + "/v1"

    @property
    def chat_url(self) -> str:
        # The SDKs send a prompt; naming the chat endpoint makes it one user
        # message with the model's chat template (the bare /v1 would send it to
        # /v1/completions as raw text).
        return self.v1 + "/chat/completions"

    def metrics(self) -> dict:
        with urllib.request.urlopen(self.base + "/metrics", timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.partition(" ")
                out[name.split(":", 1)[-1]] = float(value)
        return out

    def stop(self) -> None:
        subprocess.run([str(MODEL_SERVER), "stop", self.pidfile], check=False, timeout=30)


def start_model_server(extra_args: str = "") -> ModelServer:
    env = dict(os.environ, MODEL_SERVER_ARGS=extra_args)
    try:
        p = subprocess.run([str(MODEL_SERVER), "start"], capture_output=True, text=True, timeout=300, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("scripts/model-server start timed out")
    if p.returncode != 0:
        pytest.fail(f"scripts/model-server start failed ({p.returncode}):\n{p.stderr}")
    port, pidfile = p.stdout.split()
    model = subprocess.run([str(MODEL_SERVER), "model"], capture_output=True, text=True, check=True).stdout.strip()
    return ModelServer(int(port), pidfile, model)


@pytest.fixture(scope="session")
def model_server():
    server = start_model_server()
    yield server
    server.stop()


@pytest.fixture
def own_model_server():
    """A server of the test's own, for tests that kill it."""
    server = start_model_server()
    yield server
    server.stop()


@pytest.fixture
def start_own_model_server():
    """Starts servers of the test's own with more llama-server options."""
    servers = []

    def start(extra_args: str) -> ModelServer:
        servers.append(start_model_server(extra_args))
        return servers[-1]
    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def chat_example() -> Path:
    path = Path(os.environ.get("REALM_CHAT_EXAMPLE", ROOT / "build" / "examples" / "c" / "chat"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"no C chat example at {path} (build it: scripts/build build)")
    return path
