"""Shared fixtures: start realm-server on an ephemeral port and stop it.

The server binary comes from --server PATH (CTest passes the built target)
or the REALM_SERVER environment variable.
"""
import os
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from gateway_upstream import Upstream

try:
    import websockets  # noqa: F401
except ImportError:  # pragma: no cover - a broken environment must fail loudly
    raise pytest.UsageError("the conformance tests need the 'websockets' package (pip install websockets)")

REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS_PATH = REPO_ROOT / "tests" / "data" / "realm-vectors.json"
MAKE_CERTS = REPO_ROOT / "scripts" / "make-test-certs"


def pytest_addoption(parser):
    parser.addoption("--server", default=os.environ.get("REALM_SERVER"), help="path to realm-server")


@pytest.fixture(scope="session")
def server_path(request):
    path = request.config.getoption("--server")
    if not path:
        raise pytest.UsageError("pass --server PATH (or set REALM_SERVER) to the realm-server binary")
    if not os.access(path, os.X_OK):
        raise pytest.UsageError(f"realm-server not executable: {path}")
    return path


class ServerProcess:
    """One realm-server child. The port is read from its first stdout line."""

    def __init__(self, path, args):
        self.args = [path, "--port", "0", *args]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE)
        self.port = self._read_port(timeout=10.0)
        self.stopped = False

    def _read_port(self, timeout):
        deadline = time.monotonic() + timeout
        line = b""
        fd = self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.proc.kill()
                raise RuntimeError(f"realm-server did not report its port: {self.args} (got {line!r})")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1)
                if not chunk:
                    continue
                line += chunk
        return int(line.decode().strip())

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/"

    def stop(self, timeout=10.0):
        """SIGTERM, wait, return the exit code."""
        if self.stopped:
            return self.proc.returncode
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("realm-server did not exit within %.0f s of SIGTERM" % timeout)


@pytest.fixture
def start_server(server_path):
    """Factory: start_server(*args) -> ServerProcess; all are stopped (and
    must exit 0) when the test ends."""
    started = []

    def start(*args):
        server = ServerProcess(server_path, [str(a) for a in args])
        started.append(server)
        return server

    yield start
    codes = [(s.args, s.stop()) for s in started]
    bad = [(args, rc) for args, rc in codes if rc != 0]
    assert not bad, f"realm-server exited non-zero after SIGTERM: {bad}"


# ------------------------------------------------------------------ gateway (test_gateway*.py)

class Gateway(ServerProcess):
    """realm-server --upstream ...; its stderr goes to a file."""

    def __init__(self, path, args, stderr_path):
        self.args = [path, "--port", "0", *args]
        self.stderr_path = stderr_path
        with open(stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=err)
        self.stopped = False
        self.port = self._read_port(timeout=10.0)

    def stderr(self):
        return self.stderr_path.read_bytes()


@pytest.fixture
def upstream():
    """Factory: upstream(script, port=0, get_script=None) -> a running scripted upstream."""
    started = []

    def start(script, port=0, get_script=None):
        u = Upstream(script, port, get_script)
        started.append(u)
        return u

    yield start
    for u in started:
        u.close()
    errors = [e for u in started for e in u.errors]
    assert not errors, f"scripted upstream failed: {errors}"


@pytest.fixture
def gateway(server_path, tmp_path):
    """Factory: gateway(*upstreams, *options) -> a running gateway; each
    upstream is an Upstream or a URL. All must exit 0 on SIGTERM."""
    started = []

    def start(*items):
        args = []
        for item in items:
            if isinstance(item, Upstream):
                args += ["--upstream", item.url]
            else:
                args.append(str(item))
        g = Gateway(server_path, args, tmp_path / f"gateway{len(started)}.stderr")
        started.append(g)
        return g

    yield start
    codes = [(g.args, g.stop()) for g in started]
    bad = [(args, rc) for args, rc in codes if rc != 0]
    assert not bad, f"realm-server exited non-zero after SIGTERM: {bad}"
