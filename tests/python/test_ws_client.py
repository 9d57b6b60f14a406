"""realm.WSClient against `realm-server --dialect ws-system`: challenge-response
auth with keys made by scripts/ws-keygen at test time, the failures that must
not loop (bad signature, unknown client, missing key file), rate-limited auth
with retry_after, generate with its callbacks, stop before the start /
mid-stream / after the end, 100 concurrent generations on one connection,
the server killed mid-stream and a reconnect to a new process, batches,
models, ping, and generate_stream. Every generation must end exactly once
(one on_generation_end or one on_error with its id)."""

from __future__ import annotations

import asyncio
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

import realm
from conftest import ROOT, Server

KEYGEN = ROOT / "scripts" / "ws-keygen"


class Keys:
    def __init__(self, root: Path) -> None:
        self.dir = root
        self.registry = root / "authorized_clients.json"
        self.alice_id = self._make("alice", self.registry)
        self.alice_key = root / "alice_key.pem"
        # Not in the server's registry: signs with the wrong key for alice's id.
        self.mallory_id = self._make("mallory", root / "elsewhere.json")
        self.mallory_key = root / "mallory_key.pem"
        self.bob_id = self._make("bob", self.registry, "--algorithm", "SHA512")
        self.carol_id = self._make("carol", self.registry, "--ec")

    def _make(self, name: str, registry: Path, *extra: str) -> str:
        out = subprocess.run([str(KEYGEN), name, "--dir", str(self.dir), "--registry", str(registry), *extra],
                             check=True, capture_output=True, text=True, timeout=60)
        client_id = out.stdout.strip()
        assert len(client_id) == 32, out
        return client_id


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return Keys(tmp_path_factory.mktemp("ws-keys"))


@pytest.fixture
def ws_server(make_server: Callable[..., Server], keys: Keys) -> Callable[..., Server]:
    def make(*extra: str) -> Server:
        return make_server("--dialect", "ws-system", "--ws-clients", str(keys.registry), "--enable-faults", *extra)

    return make


class Recorder:
    """Every callback of one client, with a check that each generation ends once."""

    def __init__(self, client: realm.WSClient) -> None:
        self.statuses: List[str] = []
        self.tokens: Dict[str, List[str]] = {}
        self.starts: List[Dict[str, Any]] = []
        self.ends: List[Dict[str, Any]] = []
        self.errors: List[Dict[str, Any]] = []
        self.order: List[Tuple[str, str]] = []  # (event, id)
        self._changed = asyncio.Event()
        client.on_connection_change(self._status)
        client.on_token(self._token)
        client.on_generation_start(self._start)
        client.on_generation_end(self._end)
        client.on_error(self._error)

    def _poke(self) -> None:
        self._changed.set()

    def _status(self, status: str) -> None:
        self.statuses.append(status)
        self._poke()

    def _token(self, e: Dict[str, Any]) -> None:
        self.tokens.setdefault(e["id"], []).append(e["token"])

    def _start(self, e: Dict[str, Any]) -> None:
        self.starts.append(e)
        self.order.append(("start", e["id"]))

    def _end(self, e: Dict[str, Any]) -> None:
        self.ends.append(e)
        self.order.append(("end", e["id"]))
        self._poke()

    def _error(self, e: Dict[str, Any]) -> None:
        self.errors.append(e)
        if e["id"] is not None:
            self.order.append(("error", e["id"]))
        self._poke()

    def terminal_count(self, gid: str) -> int:
        return sum(1 for kind, i in self.order if i == gid and kind in ("end", "error"))

    def end_of(self, gid: str) -> Optional[Dict[str, Any]]:
        return next((e for e in self.ends if e["id"] == gid), None)

    def error_of(self, gid: str) -> Optional[Dict[str, Any]]:
        return next((e for e in self.errors if e["id"] == gid), None)

    async def until(self, cond: Callable[[], bool], timeout: float = 15.0) -> None:
        async def loop() -> None:
            while not cond():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(loop(), timeout)

    def assert_each_ended_once(self, ids: List[str]) -> None:
        counts = Counter(i for kind, i in self.order if kind in ("end", "error"))
        for gid in ids:
            assert counts[gid] == 1, (gid, counts[gid], self.order)


def make_client(server: Server, keys: Keys, key: Optional[Path] = None, client_id: Optional[str] = None,
                **kw: Any) -> realm.WSClient:
    return realm.WSClient(server.url, client_id or keys.alice_id, key or keys.alice_key, **kw)


# ---------------------------------------------------------------- auth


async def test_authenticates_and_generates(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server()
    client = make_client(server, keys)
    rec = Recorder(client)
    assert client.get_status() == "disconnected"
    assert not client.is_ready()
    await client.connect()
    assert client.get_status() == "authenticated"
    assert client.is_ready()
    assert rec.statuses == ["connecting", "authenticated"]
    await client.connect()  # already connected: at once

    gid = await client.generate("Say hi")
    assert isinstance(gid, str) and gid
    await rec.until(lambda: rec.terminal_count(gid) == 1)
    end = rec.end_of(gid)
    assert end is not None, rec.errors
    assert rec.starts == [{"id": gid, "model": "llama2"}]
    text = "".join(rec.tokens[gid])
    assert text.startswith("The capital of France is Paris.")
    assert end["total_tokens"] == len(rec.tokens[gid])
    assert end["is_cancelled"] is False
    assert isinstance(end["elapsed_time"], float) and end["elapsed_time"] >= 0
    assert rec.errors == []

    await client.disconnect()
    assert client.get_status() == "disconnected"
    assert rec.statuses[-1] == "disconnected"
    assert not client.is_ready()
    rec.assert_each_ended_once([gid])


async def test_sha512_and_ec_keys_authenticate(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server()
    for client_id, name, algorithm in ((keys.bob_id, "bob", "SHA512"), (keys.carol_id, "carol", "SHA256")):
        client = make_client(server, keys, key=keys.dir / f"{name}_key.pem", client_id=client_id,
                             signature_algorithm=algorithm)
        await client.connect()
        assert client.is_ready()
        assert await client.ping() >= 0
        await client.disconnect()


async def test_no_challenge_is_a_connection_timeout(keys: Keys) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def silent(ws: ServerConnection) -> None:
        await ws.wait_closed()

    async with serve(silent, "127.0.0.1", 0) as ws_server:
        port = list(ws_server.sockets)[0].getsockname()[1]
        client = realm.WSClient(f"ws://127.0.0.1:{port}", keys.alice_id, keys.alice_key, connect_timeout=0.5)
        with pytest.raises(realm.TimeoutError) as info:
            await client.connect()
        assert info.value.code in ("connection_timeout", "auth_challenge_timeout")
        assert client.get_status() == "disconnected"
        await client.disconnect()


async def test_generate_connects_first_and_passes_options_and_model(ws_server: Callable[..., Server],
                                                                    keys: Keys) -> None:
    server = ws_server()
    client = make_client(server, keys)
    rec = Recorder(client)
    gid = await client.generate("Hello", model="mistral", options={"delay_ms": 0})
    await rec.until(lambda: rec.terminal_count(gid) == 1)
    assert rec.starts == [{"id": gid, "model": "mistral"}]
    assert rec.end_of(gid) is not None
    # An unknown model fails after its start, with the server's code.
    bad = await client.generate("x", model="nope")
    await rec.until(lambda: rec.terminal_count(bad) == 1)
    err = rec.error_of(bad)
    assert err is not None and err["code"] == "model_not_found", rec.order
    assert isinstance(err["error"], realm.RealmError) and err["description"]
    assert [s["id"] for s in rec.starts] == [gid, bad]
    await client.disconnect()


async def test_unsubscribe(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server()
    client = make_client(server, keys)
    seen: List[str] = []
    ends: List[str] = []
    off = client.on_token(lambda e: seen.append(e["token"]))
    done = asyncio.Event()
    client.on_generation_end(lambda e: (ends.append(e["id"]), done.set()))
    off()
    off()  # twice is harmless
    await client.connect()
    await client.generate("x")
    await asyncio.wait_for(done.wait(), 10)
    assert seen == [] and len(ends) == 1
    await client.disconnect()


@pytest.mark.parametrize("who", ["wrong_key", "unknown_client"])
async def test_bad_signature_or_unknown_client_fails_without_reconnecting(
        ws_server: Callable[..., Server], keys: Keys, who: str) -> None:
    server = ws_server()
    if who == "wrong_key":
        client = make_client(server, keys, key=keys.mallory_key)
    else:
        client = make_client(server, keys, key=keys.mallory_key, client_id=keys.mallory_id)
    rec = Recorder(client)
    with pytest.raises(realm.AuthenticationError) as info:
        await client.connect()
    assert info.value.code == "invalid_auth"
    assert "Invalid signature" in str(info.value)
    assert client.get_status() == "auth_failed"
    assert not client.is_ready()
    await asyncio.sleep(0.5)
    assert "reconnecting" not in rec.statuses, rec.statuses
    assert client.get_status() == "auth_failed"
    assert rec.statuses[-1] == "auth_failed"
    assert any(e["code"] == "invalid_auth" and e["id"] is None for e in rec.errors), rec.errors
    await client.disconnect()


def test_a_missing_or_malformed_key_fails_at_construction(tmp_path: Path, keys: Keys) -> None:
    missing = tmp_path / "nope" / "client_key.pem"
    with pytest.raises(realm.InvalidArgumentError) as info:
        realm.WSClient("ws://127.0.0.1:9", keys.alice_id, missing)
    assert str(missing) in str(info.value)
    garbled = tmp_path / "garbled.pem"
    garbled.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(realm.InvalidArgumentError) as info:
        realm.WSClient("ws://127.0.0.1:9", keys.alice_id, str(garbled))
    assert "could not be parsed" in str(info.value)
    with pytest.raises(realm.InvalidArgumentError):
        realm.WSClient("ws://127.0.0.1:9", keys.alice_id, keys.alice_key, signature_algorithm="MD5")
    with pytest.raises(TypeError):
        realm.WSClient("ws://127.0.0.1:9", 42, keys.alice_key)  # type: ignore[arg-type]


async def test_rate_limited_auth_carries_retry_after(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server()
    client = make_client(server, keys, key=keys.mallory_key)
    # MAX_AUTH_ATTEMPTS = 5: four refusals, then the fifth blocks for 16 s.
    for attempt in range(1, 5):
        with pytest.raises(realm.AuthenticationError) as auth:
            await client.connect()
        assert auth.value.code == "invalid_auth", attempt
    with pytest.raises(realm.RateLimitError) as limited:
        await client.connect()
    assert limited.value.code == "rate_limited"
    assert limited.value.retry_after == 16.0
    assert "16 seconds" in str(limited.value)
    assert client.get_status() == "auth_failed"
    # The right key is blocked too (per ip:clientId), and nothing loops.
    good = make_client(server, keys)
    rec = Recorder(good)
    with pytest.raises(realm.RateLimitError) as again:
        await good.connect()
    assert again.value.retry_after is not None and again.value.retry_after > 0
    await asyncio.sleep(0.3)
    assert "reconnecting" not in rec.statuses
    assert good.get_status() == "auth_failed"
    await client.disconnect()
    await good.disconnect()


# ---------------------------------------------------------------- stop


async def test_stop_before_start_mid_stream_and_after_end(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server("--token-delay-ms", "20")
    client = make_client(server, keys)
    rec = Recorder(client)
    await client.connect()

    # Before stream_start: the stop goes right after the generate frame.
    early = await client.generate("Count to 100")
    await client.stop_generation(early)
    await rec.until(lambda: rec.terminal_count(early) == 1)
    end = rec.end_of(early)
    assert end is not None and end["is_cancelled"] is True, rec.order

    # Mid-stream: after the first token (a coroutine callback: scheduled).
    stop_sent: List[str] = []

    def on_token(e: Dict[str, Any]) -> Any:
        if e["id"] not in stop_sent and e["id"] != early:
            stop_sent.append(e["id"])
            return client.stop_generation(e["id"])
        return None

    off = client.on_token(on_token)
    mid = await client.generate("Count to 100")
    await rec.until(lambda: rec.terminal_count(mid) == 1)
    off()
    end = rec.end_of(mid)
    assert end is not None and end["is_cancelled"] is True, rec.order
    assert 1 <= len(rec.tokens[mid]) < 50
    assert end["total_tokens"] == len(rec.tokens[mid])

    # After the end: harmless.
    done = await client.generate("x", options={"delay_ms": 0})
    await rec.until(lambda: rec.terminal_count(done) == 1)
    await client.stop_generation(done)
    await client.stop_generation("no-such-id")
    end = rec.end_of(done)
    assert end is not None and end["is_cancelled"] is False

    # The connection is fine and nothing was reported as an error.
    after = await client.generate("x", options={"delay_ms": 0})
    await rec.until(lambda: rec.terminal_count(after) == 1)
    assert rec.end_of(after) is not None
    await asyncio.sleep(0.1)
    assert rec.errors == []
    rec.assert_each_ended_once([early, mid, done, after])
    await client.disconnect()


async def test_a_hundred_concurrent_generations_on_one_connection(ws_server: Callable[..., Server],
                                                                  keys: Keys) -> None:
    server = ws_server("--token-delay-ms", "1")
    client = make_client(server, keys)
    rec = Recorder(client)
    await client.connect()
    ids = await asyncio.gather(*(client.generate(f"p{i}") for i in range(100)))
    assert len(set(ids)) == 100
    await rec.until(lambda: len(rec.ends) + len(rec.errors) >= 100, timeout=40)
    assert rec.errors == []
    rec.assert_each_ended_once(list(ids))
    for i, gid in enumerate(ids):
        # Each got its own prompt's answer, not a neighbour's tokens.
        assert f"response to: p{i} " in "".join(rec.tokens[gid])
        end = rec.end_of(gid)
        assert end is not None and end["total_tokens"] == len(rec.tokens[gid])
    await client.disconnect()


# ---------------------------------------------------------------- drops


async def test_server_killed_mid_stream_then_reconnect_to_a_new_process(ws_server: Callable[..., Server],
                                                                        keys: Keys) -> None:
    server = ws_server("--token-delay-ms", "5")
    client = make_client(server, keys, reconnect_delay=0.05)
    rec = Recorder(client)
    await client.connect()
    killed: List[bool] = []

    def kill_on_first_token(e: Dict[str, Any]) -> None:
        if not killed:
            killed.append(True)
            server.kill()

    off = client.on_token(kill_on_first_token)
    gid = await client.generate("Count to 100")
    await rec.until(lambda: rec.terminal_count(gid) == 1)
    off()
    err = rec.error_of(gid)
    assert err is not None, rec.order
    assert err["code"] == "connection_lost"
    assert isinstance(err["error"], realm.ConnectionLostError)
    await rec.until(lambda: "reconnecting" in rec.statuses)
    assert client.get_status() in ("reconnecting", "connecting")
    assert not client.is_ready()

    # A new server process on the same port: a new challenge to sign.
    n = len(rec.statuses)
    server.start()
    await rec.until(lambda: "authenticated" in rec.statuses[n:], timeout=30)
    assert client.is_ready()
    again = await client.generate("x")
    await rec.until(lambda: rec.terminal_count(again) == 1)
    assert rec.end_of(again) is not None, rec.errors
    rec.assert_each_ended_once([gid, again])
    await client.disconnect()


async def test_reconnect_failed_after_the_last_attempt(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server()
    client = make_client(server, keys, reconnect_delay=0.05, max_reconnect_attempts=2)
    rec = Recorder(client)
    await client.connect()
    server.kill()
    await rec.until(lambda: "reconnect_failed" in rec.statuses)
    assert rec.statuses[:4] == ["connecting", "authenticated", "disconnected", "reconnecting"]
    assert client.get_status() == "reconnect_failed"
    assert any(e["code"] == "reconnect_failed" for e in rec.errors), rec.errors
    with pytest.raises(realm.ConnectionError):
        await client.list_models()  # connects again: nobody listens
    await client.disconnect()


async def test_a_dropped_connection_ends_every_generation_once(ws_server: Callable[..., Server],
                                                               keys: Keys) -> None:
    server = ws_server("--token-delay-ms", "2")
    client = make_client(server, keys, auto_reconnect=False)
    rec = Recorder(client)
    await client.connect()
    other = await client.generate("Count to 100")
    dropping = await client.generate("Count to 100", options={"fault": "drop_after:3"})
    await rec.until(lambda: rec.terminal_count(other) == 1 and rec.terminal_count(dropping) == 1)
    for gid in (other, dropping):
        err = rec.error_of(gid)
        assert err is not None and err["code"] == "connection_lost", rec.order
    await asyncio.sleep(0.2)
    assert "reconnecting" not in rec.statuses
    assert client.get_status() == "disconnected"
    rec.assert_each_ended_once([other, dropping])
    await client.disconnect()


async def test_disconnect_ends_running_generations_as_cancelled(ws_server: Callable[..., Server],
                                                                keys: Keys) -> None:
    server = ws_server("--token-delay-ms", "20")
    client = make_client(server, keys)
    rec = Recorder(client)
    await client.connect()
    ids = [await client.generate("Count to 100") for _ in range(3)]
    await client.disconnect()
    await rec.until(lambda: len(rec.ends) == 3)
    assert all(e["is_cancelled"] for e in rec.ends)
    rec.assert_each_ended_once(ids)
    # The client connects again.
    await client.connect()
    assert await client.ping() >= 0
    await client.disconnect()


# ---------------------------------------------------------------- batch, models, ping


async def test_batch_runs_in_order_and_each_item_ends_once(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server("--token-delay-ms", "2")
    client = make_client(server, keys)
    rec = Recorder(client)
    await client.connect()
    items = await client.send_batch([
        {"type": "generate", "prompt": "one"},
        {"type": "models"},
        {"type": "generate", "prompt": "two", "options": {"delay_ms": 1}},
        {"type": "ping"},
    ])
    assert [i.type for i in items] == ["generate", "models", "generate", "ping"]
    first, models, second, ping = items
    r1 = await first
    listed = await models
    r2 = await second
    latency = await ping
    assert "response to: one" in r1["text"] and "response to: two" in r2["text"]
    assert isinstance(listed, list) and listed[0]["name"] == "llama2:latest"
    assert isinstance(latency, float) and latency >= 0
    await rec.until(lambda: len(rec.ends) == 2)
    # In order: the second generation started only after the first ended.
    assert rec.order == [("start", first.id), ("end", first.id), ("start", second.id), ("end", second.id)]
    assert "".join(rec.tokens[first.id]) == r1["text"]
    rec.assert_each_ended_once([first.id, second.id])
    assert rec.errors == []

    with pytest.raises(TypeError):
        await client.send_batch("generate")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await client.send_batch([{"type": "models"}, {"type": "generate"}])  # no prompt: nothing sent
    with pytest.raises(realm.InvalidArgumentError):
        await client.send_batch([{"type": "hello"}])  # not a ws-system call: refused by the core
    with pytest.raises(realm.InvalidArgumentError):
        await client.send_batch([])
    await client.disconnect()


async def test_models_and_ping(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server()
    client = make_client(server, keys)
    await client.connect()
    models = await client.list_models()
    assert [m["name"] for m in models][:1] == ["llama2:latest"]
    assert "details" in models[0]
    latencies = [await client.ping() for _ in range(5)]
    assert all(isinstance(x, float) and 0 <= x < 1.0 for x in latencies), latencies
    await client.disconnect()


# ---------------------------------------------------------------- streams


async def test_generate_stream(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server("--token-delay-ms", "1")
    client = make_client(server, keys)
    rec = Recorder(client)
    # Not connected yet: the first step connects.
    stream = client.generate_stream("Say hi")
    tokens = [t async for t in stream]
    assert stream.done
    assert stream.text == "".join(tokens)
    assert stream.total_tokens == len(tokens)
    assert stream.elapsed_time is not None and stream.elapsed_time >= 0
    assert stream.model == "llama2"
    assert stream.id
    # Streams are self-contained: no callbacks.
    assert rec.tokens == {} and rec.ends == []

    stream = client.generate_stream("Count to 100", model="mistral")
    n = 0
    async for _ in stream:
        n += 1
        if n == 3:
            break
    await stream.aclose()
    assert stream.text is None and stream.model is None

    async def consume() -> None:
        async for _ in client.generate_stream("Count to 100", options={"delay_ms": 50}):
            pass

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The connection carries on.
    assert await client.ping() >= 0
    assert rec.errors == []
    await client.disconnect()


async def test_auto_connect(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server()
    client = make_client(server, keys, auto_connect=True)
    rec = Recorder(client)
    await rec.until(lambda: "authenticated" in rec.statuses)
    assert client.is_ready()
    await client.disconnect()


async def test_context_manager(ws_server: Callable[..., Server], keys: Keys) -> None:
    server = ws_server()
    async with make_client(server, keys) as client:
        assert client.is_ready()
        assert await client.list_models()
    assert client.get_status() == "disconnected"
