"""realm-server in its default (extended) mode, seen from an independent
peer (the `websockets` library): the four extensions of
realm-extensions.md, the extended-only generate params, every fault, TLS,
limits and shutdown.
"""
import asyncio
import json
import subprocess
import time

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from conftest import MAKE_CERTS

TIMEOUT = 10.0
KEYS = [
    {"key": "sk_test_123", "tenant_id": "tenant1", "name": "t", "enabled": True,
     "rate_limit": None, "created_at": 0, "last_used": None},
    {"key": "sk_other", "tenant_id": "tenant2", "name": "o", "enabled": True,
     "rate_limit": None, "created_at": 0, "last_used": None},
]


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def connect(url, **kw):
    kw.setdefault("ping_interval", None)
    kw.setdefault("max_size", None)
    kw.setdefault("compression", None)
    kw.setdefault("open_timeout", 5)
    kw.setdefault("close_timeout", 5)
    return websockets.connect(url, **kw)


async def recv_json(ws):
    msg = await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert isinstance(msg, str), f"expected a text frame, got {msg!r}"
    return json.loads(msg)


async def welcome(ws):
    w = await recv_json(ws)
    assert w["status"] == "connected"
    return w


async def call(ws, id, function, params=None, **extra):
    await ws.send(json.dumps({"id": id, "function": function, "params": params if params is not None else {},
                              **extra}))


def gen(prompt="Hello world", **params):
    return {"prompt": prompt, "stream": True, **params}


async def collect(ws, ids):
    """Reads frames until every id in `ids` got its terminal frame; returns
    {id: [frames]} in arrival order plus the overall arrival order."""
    frames = {i: [] for i in ids}
    order = []  # (id, status) per frame
    open_ids = set(ids)
    while open_ids:
        f = await recv_json(ws)
        frames.setdefault(f.get("id"), []).append(f)
        order.append((f.get("id"), f.get("status")))
        if f.get("status") in ("complete", "error", "cancelled"):
            open_ids.discard(f.get("id"))
    return frames, order


def write_keys(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(KEYS))
    return path


async def authenticate(ws, key="sk_test_123"):
    assert (await recv_json(ws))["type"] == "auth_required"
    await ws.send(json.dumps({"type": "auth", "api_key": key}))
    ok = await recv_json(ws)
    assert ok["type"] == "auth_success", ok
    w = await welcome(ws)
    return w["tenant_id"]


# ---------------------------------------------------------------- extensions

def test_welcome_announces_extensions(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            w = await welcome(ws)
            assert w == {"status": "connected", "tenant_id": None, "version": "0.1.0",
                         "extensions": ["interleave", "cancel", "retry_after", "terminal"]}
            await call(ws, "m", "metadata")
            names = [f["name"] for f in (await recv_json(ws))["data"]["functions"]]
            assert names == ["generate", "health", "metadata", "pipeline", "cancel"]
    run(go())


def test_streams_interleave_and_pings_are_answered_during_a_stream(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "a", "generate", gen(max_tokens=20, delay_ms=5))
            await call(ws, "b", "generate", gen(max_tokens=20, delay_ms=5))
            first = await recv_json(ws)
            pong = await ws.ping(b"keepalive")
            await asyncio.wait_for(pong, 2)  # answered while both streams run
            frames, order = await collect(ws, ["a", "b"])
            frames[first["id"]].insert(0, first)
            order.insert(0, (first["id"], first["status"]))
            # Interleaved: both streams sent frames before either completed.
            done_at = next(n for n, (_, status) in enumerate(order) if status == "complete")
            assert {"a", "b"} <= {i for i, _ in order[:done_at]}, order
            for i in ("a", "b"):
                tokens = [f for f in frames[i] if f["status"] == "streaming"]
                assert [t["data"]["index"] for t in tokens] == list(range(20))
                assert frames[i][-1]["data"] == {"status": "complete", "tokens_generated": 20}
    run(go())


def test_requests_are_served_while_a_stream_runs(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "slow", "generate", gen(max_tokens=1000, delay_ms=10))
            await call(ws, "h", "health")
            while True:
                f = await recv_json(ws)
                if f["id"] == "h":
                    break
                assert f["status"] == "streaming"
            assert f["data"]["active_requests"] == 1
            assert f["data"]["connections"] == 1
    run(go())


def test_cancel_stops_the_target_and_counts(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "long", "generate", gen(max_tokens=100000, delay_ms=2))
            seen = 0
            while seen < 3:
                f = await recv_json(ws)
                assert f["id"] == "long" and f["status"] == "streaming"
                seen += 1
            await call(ws, "c1", "cancel", {"id": "long"})
            while True:
                f = await recv_json(ws)
                if f["status"] != "streaming":
                    break
                seen += 1
            assert f == {"id": "long", "status": "cancelled", "data": {"tokens_generated": seen}}
            assert await recv_json(ws) == {"id": "c1", "status": "complete", "data": {"cancelled": True}}
            # Nothing more for the cancelled request; unknown targets are not errors.
            await call(ws, "c2", "cancel", {"id": "long"})
            assert await recv_json(ws) == {"id": "c2", "status": "complete", "data": {"cancelled": False}}
            await call(ws, "h", "health")
            health = (await recv_json(ws))["data"]
            assert health["cancelled_total"] == 1
            assert health["active_requests"] == 0
    run(go())


def test_cancel_is_limited_to_the_own_tenant(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "t", "generate", gen(max_tokens=100000, delay_ms=5), tenant_id="acme-1")
            await recv_json(ws)
            await call(ws, "c", "cancel", {"id": "t"}, tenant_id="other-2")
            while (f := await recv_json(ws))["id"] == "t":
                pass
            assert f == {"id": "c", "status": "complete", "data": {"cancelled": False}}
            await call(ws, "c2", "cancel", {"id": "t"}, tenant_id="acme-1")
            frames, _ = await collect(ws, ["t", "c2"])
            assert frames["t"][-1]["status"] == "cancelled"
            assert frames["c2"][-1]["data"] == {"cancelled": True}
            await call(ws, "bad", "cancel", {})
            assert (await recv_json(ws))["error"] == {"code": "DISPATCH_ERROR", "message": "missing field `id`"}
    run(go())


def test_rate_limit_carries_retry_after_ms(start_server, tmp_path):
    server = start_server("--api-keys", write_keys(tmp_path), "--rate-limit-rpm", "60", "--rate-limit-burst", "1")

    async def go():
        async with connect(server.url) as ws:
            tenant = await authenticate(ws)
            await call(ws, "r1", "health", tenant_id=tenant)
            assert (await recv_json(ws))["status"] == "complete"
            await call(ws, "r2", "health", tenant_id=tenant)
            err = await recv_json(ws)
            assert err["status"] == "error"
            assert err["error"]["code"] == "RATE_LIMIT_EXCEEDED"
            assert err["error"]["message"] == "Rate limit exceeded. Try again in 0 seconds."
            wait = err["error"]["details"]["retry_after_ms"]
            assert isinstance(wait, int) and 1 <= wait <= 1000
    run(go())


def test_terminal_frames(start_server):
    server = start_server("--enable-faults")

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "z", "generate", gen(max_tokens=0))
            assert await recv_json(ws) == {"id": "z", "status": "complete",
                                           "data": {"status": "complete", "tokens_generated": 0}}
            await call(ws, "e", "generate", gen(max_tokens=10, fault={"type": "backend_error", "after": 3}))
            frames, _ = await collect(ws, ["e"])
            assert [f["status"] for f in frames["e"]] == ["streaming"] * 3 + ["error"]
            assert frames["e"][-1]["error"] == {"code": "BACKEND_ERROR", "message": "Backend failed"}
    run(go())


def test_stream_words_and_cap(start_server):
    server = start_server("--max-tokens", "20")

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "s", "generate", gen("Tell me", max_tokens=1000))
            frames, _ = await collect(ws, ["s"])
            tokens = [f["data"]["text"] for f in frames["s"][:-1]]
            sentence = "The capital of France is Paris. This is a simulated response to: Tell".split()
            assert tokens == [sentence[i % 13] + " " for i in range(20)]
            assert frames["s"][-2]["data"]["is_final"] is True
            assert frames["s"][-1]["data"] == {"status": "complete", "tokens_generated": 20}
            await call(ws, "n", "generate", {"prompt": "What is the capital of France?"})
            assert (await recv_json(ws))["data"]["text"] == "Paris"
    run(go())


def test_stamp_gives_monotonic_send_times(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "s", "generate", gen(max_tokens=50, stamp=True, delay_ms=1))
            frames, _ = await collect(ws, ["s"])
            now_us = time.monotonic_ns() // 1000  # same CLOCK_MONOTONIC
            stamps = []
            for f in frames["s"][:-1]:
                text = f["data"]["text"]
                assert text.endswith(" ") and text[:-1].isdigit(), text
                stamps.append(int(text))
            assert stamps == sorted(stamps)
            assert 0 <= now_us - stamps[-1] < 5_000_000
            assert stamps[-1] - stamps[0] >= 40_000  # 49 pauses of 1 ms
    run(go())


def test_delay_ms_paces_tokens(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            start = time.monotonic()
            await call(ws, "p", "generate", gen(max_tokens=21, delay_ms=20))
            await collect(ws, ["p"])
            elapsed = time.monotonic() - start
            assert elapsed >= 0.35, elapsed  # 20 pauses of 20 ms (no upper bound: a loaded machine is slower)
            await call(ws, "bad", "generate", gen(delay_ms="x"))
            err = (await recv_json(ws))["error"]
            assert err["code"] == "DISPATCH_ERROR" and "expected u64" in err["message"]
    run(go())


def test_rag_pipeline(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "p", "pipeline", {"pipeline": "rag-pipeline", "input": {"prompt": "capital of France?"}})
            data = (await recv_json(ws))["data"]
            assert data["step"] == "step_1" and data["text"] == "Paris" and isinstance(data["model_id"], str)
            await call(ws, "q", "pipeline", {"pipeline": "rag-pipeline", "input": {"x": 1}})
            assert (await recv_json(ws))["error"]["message"] == "Could not extract prompt from step input"
            await call(ws, "r", "pipeline", {"pipeline": "nope"})
            assert (await recv_json(ws))["error"]["message"] == "Pipeline not found: nope"
            await call(ws, "s", "pipeline", {})
            assert (await recv_json(ws))["error"]["message"] == "Missing 'pipeline' parameter"
    run(go())


# -------------------------------------------------------------------- scale

def test_thousand_concurrent_requests_on_one_connection(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            for i in range(1000):
                if i % 2:
                    await call(ws, f"r{i}", "generate", {"prompt": f"q{i}"})
                else:
                    await call(ws, f"r{i}", "generate", gen(max_tokens=3))
            frames, _ = await collect(ws, [f"r{i}" for i in range(1000)])
            for i in range(1000):
                last = frames[f"r{i}"][-1]
                assert last["status"] == "complete"
                if i % 2:
                    assert last["data"]["text"] == f"Simulated response to: q{i}"
                else:
                    assert len(frames[f"r{i}"]) == 4
    run(go())


def test_hundred_streams_of_thousand_tokens(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            ids = [f"s{i}" for i in range(100)]
            for i in ids:
                await call(ws, i, "generate", gen(max_tokens=1000))
            frames, _ = await collect(ws, ids)
            for i in ids:
                indexes = [f["data"]["index"] for f in frames[i][:-1]]
                assert indexes == list(range(1000)), i
                assert frames[i][-1]["data"]["tokens_generated"] == 1000
    run(go())


# ------------------------------------------------------------------- faults

def fault_stream(fault, max_tokens=6):
    return gen(max_tokens=max_tokens, fault=fault)


def test_faults_are_rejected_unless_enabled(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "f", "generate", fault_stream({"type": "drop", "after": 1}))
            assert await recv_json(ws) == {"id": "f", "status": "error",
                                           "error": {"code": "DISPATCH_ERROR", "message": "faults are disabled"}}
        async with connect(server.url + "?fault=no_welcome") as ws:
            await welcome(ws)  # connection faults are ignored too
    run(go())


def test_fault_drop(start_server):
    server = start_server("--enable-faults")

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "f", "generate", fault_stream({"type": "drop", "after": 2}))
            for i in range(2):
                assert (await recv_json(ws))["data"]["index"] == i
            with pytest.raises(ConnectionClosed) as info:
                await recv_json(ws)
            assert info.value.rcvd is None  # no close frame
    run(go())


def test_fault_stall_only_stalls_its_request(start_server):
    server = start_server("--enable-faults")

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "f", "generate", fault_stream({"type": "stall", "after": 1, "ms": 400}))
            assert (await recv_json(ws))["data"]["index"] == 0
            t0 = time.monotonic()
            await call(ws, "h", "health")
            # Ordering, not a clock: the health answer overtakes the stalled stream.
            assert (await recv_json(ws))["id"] == "h"
            assert (await recv_json(ws))["data"]["index"] == 1
            assert time.monotonic() - t0 >= 0.3  # the stall did not end early
            frames, _ = await collect(ws, ["f"])
            assert frames["f"][-1]["data"]["tokens_generated"] == 6
    run(go())


def test_fault_frames_then_stream_continues(start_server):
    server = start_server("--enable-faults")

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "m", "generate", fault_stream({"type": "malformed", "after": 1}))
            assert (await recv_json(ws))["data"]["index"] == 0
            raw = await asyncio.wait_for(ws.recv(), TIMEOUT)
            with pytest.raises(json.JSONDecodeError):
                json.loads(raw)
            assert raw.startswith('{"id":"m"')
            frames, _ = await collect(ws, ["m"])
            assert [f["data"]["index"] for f in frames["m"][:-1]] == [1, 2, 3, 4, 5]

            await call(ws, "o", "generate", fault_stream({"type": "oversized", "after": 1, "bytes": 200000}))
            frames, _ = await collect(ws, ["o"])
            texts = [f["data"]["text"] for f in frames["o"][:-1]]
            assert len(texts[1]) == 200000 and len(texts) == 6

            await call(ws, "u", "generate", fault_stream({"type": "unknown_id", "after": 2}))
            frames, order = await collect(ws, ["u"])
            strangers = [i for i, _ in order if i != "u"]
            assert len(strangers) == 1 and frames[strangers[0]][0]["status"] == "streaming"

            await call(ws, "w", "generate", fault_stream({"type": "wrong_types", "after": 2}))
            frames, _ = await collect(ws, ["w"])
            odd = [f for f in frames["w"] if f["status"] == "streaming" and not isinstance(f["data"]["text"], str)]
            assert len(odd) == 1 and odd[0]["data"]["text"] == 42
            assert frames["w"][-1]["data"]["tokens_generated"] == 6

            await call(ws, "b", "generate", fault_stream({"type": "binary", "after": 1}))
            assert (await recv_json(ws))["data"]["index"] == 0
            assert isinstance(await asyncio.wait_for(ws.recv(), TIMEOUT), bytes)
            frames, _ = await collect(ws, ["b"])
            assert frames["b"][-1]["data"]["tokens_generated"] == 6
    run(go())


def test_fault_invalid_utf8(start_server):
    server = start_server("--enable-faults")

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "x", "generate", fault_stream({"type": "invalid_utf8", "after": 1}))
            assert (await recv_json(ws))["data"]["index"] == 0
            with pytest.raises(ConnectionClosed) as info:
                await recv_json(ws)
            assert info.value.sent is not None and info.value.sent.code == 1007  # the peer refused it
    run(go())


def test_fault_close_with_code(start_server):
    server = start_server("--enable-faults")

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "c", "generate", fault_stream({"type": "close", "after": 2, "code": 4002, "reason": "bye"}))
            for i in range(2):
                assert (await recv_json(ws))["data"]["index"] == i
            with pytest.raises(ConnectionClosed) as info:
                await recv_json(ws)
            assert info.value.rcvd.code == 4002 and info.value.rcvd.reason == "bye"
    run(go())


def test_connection_faults(start_server, tmp_path):
    server = start_server("--enable-faults", "--api-keys", write_keys(tmp_path))

    async def go():
        async with connect(server.url + "?fault=refuse_auth") as ws:
            assert (await recv_json(ws))["type"] == "auth_required"
            await ws.send(json.dumps({"type": "auth", "api_key": "sk_test_123"}))
            assert await recv_json(ws) == {"type": "auth_failed", "error": "Invalid API key"}
        with pytest.raises(InvalidStatus) as info:
            async with connect(server.url + "?fault=reject_upgrade&status=503"):
                pass
        assert info.value.response.status_code == 503
        assert info.value.response.headers.get("Retry-After") == "1"
        async with connect(server.url + "?fault=close_after_welcome&code=4001") as ws:
            await authenticate(ws)
            with pytest.raises(ConnectionClosed) as info:
                await recv_json(ws)
            assert info.value.rcvd.code == 4001
        async with connect(server.url + "?fault=no_welcome") as ws:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ws.recv(), 1.0)
    run(go())


# --------------------------------------------------------------- transport

def test_oversized_inbound_message_closes_1009(start_server):
    server = start_server("--max-message-size", "1000")

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await ws.send("x" * 2000)
            with pytest.raises(ConnectionClosed) as info:
                await recv_json(ws)
            assert info.value.rcvd.code == 1009
    run(go())


def test_invalid_utf8_from_client_closes_1007(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await ws.send(b'{"id":"\xff"}', text=True)
            with pytest.raises(ConnectionClosed) as info:
                await recv_json(ws)
            assert info.value.rcvd.code == 1007
    run(go())


def test_tls(start_server, tmp_path):
    import ssl
    subprocess.run([str(MAKE_CERTS), str(tmp_path)], check=True)
    server = start_server("--tls-cert", tmp_path / "server.pem", "--tls-key", tmp_path / "server.key")
    url = f"wss://localhost:{server.port}/"

    async def go():
        good = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        async with connect(url, ssl=good) as ws:
            await welcome(ws)
            await call(ws, "s", "generate", gen(max_tokens=300))
            frames, _ = await collect(ws, ["s"])
            assert frames["s"][-1]["data"]["tokens_generated"] == 300
        wrong = ssl.create_default_context(cafile=str(tmp_path / "other-ca.pem"))
        with pytest.raises(ssl.SSLCertVerificationError):
            async with connect(url, ssl=wrong):
                pass
    run(go())


def test_sigterm_closes_connections_and_exits_0(start_server):
    server = start_server()

    async def go():
        async with connect(server.url) as ws:
            await welcome(ws)
            await call(ws, "s", "generate", gen(max_tokens=100000, delay_ms=5))
            await recv_json(ws)
            server.proc.terminate()
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    await recv_json(ws)
            assert info.value.rcvd.code == 1001
    run(go())
    assert server.stop() == 0
