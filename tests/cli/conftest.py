"""Fixtures of the `realm` command-line tests: the tool's path, realm-server
started on a free port (its first stdout line) and stopped by PID.

CTest passes --cli and --cli-server; by hand:
  python3 -m pytest tests/cli --cli build/cli/realm --cli-server build/server/realm-server
"""
import json
import os
import subprocess

import pytest

from cli_helpers import API_KEY, Server


def pytest_addoption(parser):
    parser.addoption("--cli", default=os.environ.get("REALM_CLI"), help="path to the realm tool")
    parser.addoption("--cli-server", default=os.environ.get("REALM_SERVER"), help="path to realm-server")


def _executable(request, option):
    path = request.config.getoption(option)
    if not path or not os.access(path, os.X_OK):
        raise pytest.UsageError(f"pass {option} PATH (an executable), got {path!r}")
    return path


@pytest.fixture(scope="session")
def cli_path(request):
    return _executable(request, "--cli")


@pytest.fixture(scope="session")
def server_path(request):
    return _executable(request, "--cli-server")


@pytest.fixture(scope="module")
def server(server_path):
    s = Server(server_path)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def slow_server(server_path):
    s = Server(server_path, "--token-delay-ms", "50")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def auth_server(server_path, tmp_path_factory):
    keys = tmp_path_factory.mktemp("keys") / "keys.json"
    keys.write_text(json.dumps([{"key": API_KEY, "tenant_id": "tenant1", "name": "cli", "enabled": True,
                                 "rate_limit": None, "created_at": 0, "last_used": None}]))
    s = Server(server_path, "--api-keys", str(keys))
    yield s
    s.stop()


@pytest.fixture
def realm(cli_path, tmp_path):
    """Runs the tool: realm(*args, input=None, env=None) -> CompletedProcess (text)."""

    def run(*args, input=None, env=None, timeout=60):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("REALM_")}
        full_env["HOME"] = str(tmp_path)
        full_env.update(env or {})
        return subprocess.run([cli_path, *args], input=input, env=full_env, capture_output=True, text=True,
                              timeout=timeout)

    return run
