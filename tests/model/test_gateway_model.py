"""realm-server as a gateway (--upstream) in front of the real model: every
dialect the gateway speaks, from Python, Node, C and the realm tool, answers
with SmolLM2's own words (compared with the model server's answer fetched
directly); a cancel stops the model's generation; two streams share it; the
model server killed mid-stream ends the request once, with an error.
"""
import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import realm
from test_real_model import EMOJI, FRANCE, LONG, node, reference, reference_sse

ROOT = Path(__file__).resolve().parents[2]
SERVER = Path(os.environ.get("REALM_SERVER", ROOT / "build" / "server" / "realm-server"))
CLI = ROOT / "build" / "cli" / "realm"


class Gateway:
    def __init__(self, model_server, *args: str):
        if not os.access(SERVER, os.X_OK):
            pytest.fail(f"no realm-server at {SERVER}")
        self.proc = subprocess.Popen(
            [str(SERVER), "--port", "0", "--upstream", model_server.v1, "--upstream-model", model_server.model,
             *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit():
            self.stop()
            pytest.fail(f"the gateway did not start: {self.proc.stderr.read().decode()}")
        self.port = int(line)

    def url(self, path: str = "") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def http(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def gateway(model_server):
    g = Gateway(model_server)
    yield g
    g.stop()


def ask(url: str, model: str, prompt: str, max_tokens: int, stream: bool):
    async def main():
        async with realm.RealmWebSocketClient(url=url, model=model, timeout=60) as c:
            if stream:
                tokens = []
                async for t in c.generate_stream({"prompt": prompt, "max_tokens": max_tokens, "temperature": 0}):
                    tokens.append(t)
                return "".join(tokens), len(tokens)
            r = await c.generate({"prompt": prompt, "max_tokens": max_tokens, "temperature": 0})
            return r.text, 1
    return asyncio.run(main())


# -- "Paris" through every dialect and language -----------------------------

@pytest.mark.parametrize("path", ["", "/v1/chat/completions"])
def test_python_paris_over_websocket_dialects(model_server, gateway, path):
    want = reference(model_server, FRANCE, 32)
    for stream in (True, False):
        text, pieces = ask(gateway.url(path), model_server.model, FRANCE, 32, stream)
        assert "Paris" in text
        assert text == want, (path, stream)
        if stream:
            assert pieces > 1


def test_python_paris_over_http(model_server, gateway):
    text, pieces = ask(gateway.http("/v1/chat/completions"), model_server.model, FRANCE, 32, True)
    assert text == reference(model_server, FRANCE, 32)
    assert pieces > 1


def test_node_paris_over_realm_and_openai_ws(model_server, gateway):
    want = reference(model_server, FRANCE, 32)
    for url in (gateway.url(), gateway.url("/v1/chat/completions")):
        node_server = type("S", (), {"chat_url": url, "model": model_server.model})
        s = node(node_server, "stream", FRANCE, 32)
        assert s["texts"][0] == want, url
        assert len(s["tokens"][0]) > 1


def test_realm_tool_paris_over_realm_and_tekton(model_server, gateway):
    want = reference(model_server, FRANCE, 32)
    for args in (["--url", gateway.url()], ["--url", gateway.http(), "--dialect", "tekton"]):
        p = subprocess.run([str(CLI), *args, "--temperature", "0", "--max-tokens", "32", "generate", FRANCE],
                           capture_output=True, timeout=60)
        assert p.returncode == 0, (args, p.stderr)
        assert p.stdout.decode("utf-8").rstrip("\n") == want, args


def test_ws_system_paris(model_server, tmp_path):
    keygen = subprocess.run([str(ROOT / "scripts" / "ws-keygen"), "gw", "--dir", str(tmp_path)],
                            capture_output=True, text=True, check=True)
    client_id = keygen.stdout.strip()
    g = Gateway(model_server, "--dialect", "ws-system", "--ws-clients", str(tmp_path / "authorized_clients.json"))
    try:
        async def main():
            client = realm.WSClient(g.url("/"), client_id, str(tmp_path / "gw_key.pem"), request_timeout=60)
            await client.connect()
            stream = client.generate_stream(FRANCE)
            tokens = [t async for t in stream]
            await client.disconnect()
            return tokens, stream.total_tokens
        tokens, total = asyncio.run(main())
    finally:
        g.stop()
    assert "Paris" in "".join(tokens)
    assert total == len(tokens)


# -- multi-byte UTF-8 across SSE events and WebSocket frames ---------------

def test_utf8_answer_is_exact_through_the_gateway(model_server, gateway):
    want = reference_sse(model_server, EMOJI, 24)
    assert len(want.encode()) > len(want), "expected a multi-byte answer"
    for url in (gateway.url(), gateway.url("/v1/chat/completions"), gateway.http("/v1/chat/completions")):
        text, _ = ask(url, model_server.model, EMOJI, 24, True)
        assert text == want, url


# -- cancel, concurrency, the model server killed -------------------------

def test_cancel_through_the_gateway_stops_the_model(model_server, gateway):
    before = model_server.metrics()
    processing = []

    async def main():
        async with realm.RealmWebSocketClient(url=gateway.url(), timeout=60) as c:
            got = []
            async with c.generate_stream({"prompt": LONG, "max_tokens": 300, "temperature": 0}) as stream:
                async for t in stream:
                    got.append(t)
                    if len(got) == 3:
                        processing.append(model_server.metrics()["requests_processing"])
                        break
            return got, stream
    got, stream = asyncio.run(main())
    cancelled_at = time.monotonic()
    assert len(got) == 3 and stream.cancelled
    assert processing == [1]
    while model_server.metrics()["requests_processing"] != 0:
        assert time.monotonic() - cancelled_at < 3, "the model server is still generating"
        time.sleep(0.05)
    assert model_server.metrics()["tokens_predicted_total"] - before["tokens_predicted_total"] < 150


def test_two_concurrent_streams_through_the_gateway(model_server, gateway):
    async def main():
        async with realm.RealmWebSocketClient(url=gateway.url(), timeout=60) as c:
            async def one(prompt, n):
                return "".join([t async for t in c.generate_stream(
                    {"prompt": prompt, "max_tokens": n, "temperature": 0})])
            return await asyncio.gather(one(FRANCE, 32), one(EMOJI, 24))
    a, b = asyncio.run(main())
    assert a == reference(model_server, FRANCE, 32)
    assert b == reference_sse(model_server, EMOJI, 24)
    health = json.loads(subprocess.run(["curl", "-s", gateway.http("/health")], capture_output=True).stdout)
    assert health["status"] == "ok" and health["upstreams"][0]["outstanding"] == 0


def test_model_server_killed_mid_stream_ends_once_with_an_error(own_model_server):
    g = Gateway(own_model_server)
    try:
        async def main():
            async with realm.RealmWebSocketClient(url=g.url(), timeout=60) as c:
                got, errors = [], []
                stream = c.generate_stream({"prompt": LONG, "max_tokens": 300, "temperature": 0})
                try:
                    async for t in stream:
                        got.append(t)
                        if len(got) == 3:
                            os.kill(own_model_server.pid, signal.SIGKILL)
                except realm.RealmError as e:
                    errors.append(e)
                return got, errors, stream
        got, errors, stream = asyncio.run(main())
    finally:
        g.stop()
    assert len(got) >= 3
    assert len(errors) == 1, errors
    assert isinstance(errors[0], realm.BackendError), repr(errors[0])
    assert stream.done and not stream.cancelled
