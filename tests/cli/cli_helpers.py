"""Helpers of the `realm` tool tests (imported by conftest.py and test_cli.py;
named apart from tests/conformance/conftest.py so both suites can run in one
pytest session)."""
import os
import select
import signal
import subprocess
import time

API_KEY = "sk_cli_secret_4f9a0c"


class Server:
    """One realm-server child on 127.0.0.1, port chosen by the system."""

    def __init__(self, path, *args):
        self.proc = subprocess.Popen([path, "--host", "127.0.0.1", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = b""
        deadline = time.monotonic() + 10
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"realm-server did not report its port (got {line!r})")
            if select.select([self.proc.stdout], [], [], left)[0]:
                chunk = os.read(self.proc.stdout.fileno(), 1)
                if chunk:
                    line += chunk
        self.port = int(line)
        self.ws = f"ws://127.0.0.1:{self.port}"
        self.http = f"http://127.0.0.1:{self.port}/v1"

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
