"""realm-server's Tekton WebSocket /ws (../shared/protocol/tekton.md 3 and the
reference-server profile of 4) seen from a raw `websockets` peer: the 7.1
transcript replayed step by step (tests/data/tekton-ws-vectors.json, server
frames matched as shapes), REGISTER first, unknown types, CANCEL of unknown
ids, the Bearer check on the upgrade, and the server PING (answered, and
unanswered: the socket is closed with 1008).
"""
import asyncio
import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from conftest import REPO_ROOT
from openai_peer import run, write_keys

VECTORS = json.loads((REPO_ROOT / "tests" / "data" / "tekton-ws-vectors.json").read_text())
TRANSCRIPT = VECTORS["transcript"]
TIMEOUT = 10.0
# Members of a server frame whose values the vector fixes; the others only
# need the same JSON type (the synthetic model writes its own text).
EXACT = {"type", "request_id", "context_id", "provider", "done", "status", "error"}
# The server closes a socket whose PING is not answered before the next one
# is due: long enough that a test process starved by a loaded machine still
# answers in time.
PING_MS = 400
TOKEN_DELAY_MS = 150
CANCEL_QUIET_S = 2.0
# After CANCEL the peer sends a frame of an unknown type and waits for its
# ERROR: the server answers frames in order, so a chunk of the cancelled
# request may precede that ERROR (it was on its way before the CANCEL was
# read) but none may follow it.
BARRIER = {"type": "SUMMARIZE", "request_id": "barrier"}
REGISTER = {"type": "REGISTER", "component_id": "c1", "capabilities": ["chat", "stream"]}


def connect(port, **kw):
    kw.setdefault("ping_interval", None)
    kw.setdefault("compression", None)
    kw.setdefault("open_timeout", 5)
    kw.setdefault("close_timeout", 5)
    return websockets.connect(f"ws://127.0.0.1:{port}/ws", **kw)


def check_shape(got, want):
    for key, value in want.items():
        assert key in got, f"{key!r} missing from {got}"
        if key in EXACT:
            assert got[key] == value, f"{key}: {got[key]!r} != {value!r} in {got}"
        else:
            assert type(got[key]) is type(value), f"{key}: {got[key]!r} is not like {value!r} in {got}"
    if "usage" in want:
        assert set(got["usage"]) == set(want["usage"]), got
        assert got["usage"]["total_tokens"] == got["usage"]["prompt_tokens"] + got["usage"]["completion_tokens"]


class Peer:
    """A raw client that answers every server PING with PONG, as tekton.md 3.3
    asks, counts them, and hands out the other frames in order."""

    def __init__(self, ws):
        self.ws = ws
        self.pings = 0

    async def send(self, frame):
        await self.ws.send(json.dumps(frame))

    async def recv(self, timeout=TIMEOUT):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout  # for the next non-PING frame, PINGs or not
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise asyncio.TimeoutError()
            msg = await asyncio.wait_for(self.ws.recv(), left)
            assert isinstance(msg, str), f"expected a text frame, got {msg!r}"
            frame = json.loads(msg)
            if frame == {"type": "PING"}:
                self.pings += 1
                await self.send({"type": "PONG"})
                continue
            return frame

    async def quiet_for(self, seconds):
        """Every non-PING frame that arrives within `seconds`."""
        frames = []
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            try:
                frames.append(await self.recv(timeout=left))
            except asyncio.TimeoutError:
                break
        return frames


def scripted(transcript):
    """The transcript as steps (dir, frame, end): a run of done:false CHUNKs
    of one request followed by its done:true chunk becomes one "stream" step
    (the server sends its own number of chunks)."""
    out = []
    k = 0
    while k < len(transcript):
        step = transcript[k]
        frame = step.get("frame", {})
        if step["dir"] == "S" and frame.get("type") == "CHUNK" and not frame["done"]:
            j = k
            while (j + 1 < len(transcript) and transcript[j + 1]["dir"] == "S"
                   and transcript[j + 1]["frame"].get("request_id") == frame["request_id"]
                   and transcript[j + 1]["frame"].get("done") is False):
                j += 1
            end = transcript[j + 1] if j + 1 < len(transcript) else None
            if end and end["dir"] == "S" and end["frame"].get("done") is True:
                out.append(("stream", frame, end["frame"]))
                k = j + 2
                continue
        out.append((step["dir"], step.get("frame"), None))
        k += 1
    return out


async def replay(peer):
    cancelled = None
    pings_at_cancel = 0
    for direction, frame, end in scripted(TRANSCRIPT):
        where = f"{direction} {frame}"
        if direction == "note":
            continue
        if direction == "C":
            if frame["type"] == "PONG":
                assert peer.pings > pings_at_cancel, where  # Peer answered the PING at once
                continue
            await peer.send(frame)
            if frame["type"] == "CANCEL":
                cancelled = frame["request_id"]
                pings_at_cancel = peer.pings
                await peer.send(BARRIER)
                while (got := await peer.recv())["request_id"] != "barrier":
                    assert got["type"] == "CHUNK" and got["request_id"] == cancelled and not got["done"], got
                assert got == {"type": "ERROR", "request_id": "barrier",
                               "error": "Unknown message type: SUMMARIZE"}, got
                # About as long as the rest of the stream would take: nothing more comes.
                late = await peer.quiet_for(CANCEL_QUIET_S)
                assert late == [], late
            continue
        if direction == "stream":
            got = await peer.recv()
            assert not got["done"], got
            while not got["done"]:
                check_shape(got, frame)
                assert got["chunk"], got
                got = await peer.recv()
            check_shape(got, end)
            continue
        if frame["type"] == "PING":
            loop = asyncio.get_running_loop()
            deadline = loop.time() + TIMEOUT
            while peer.pings <= pings_at_cancel and loop.time() < deadline:
                assert await peer.quiet_for(PING_MS / 1000) == []
            assert peer.pings > pings_at_cancel, "no server PING"
            continue
        got = await peer.recv()
        check_shape(got, frame)
        if frame["type"] in ("REGISTER_ACK", "ERROR"):
            assert got == frame, where
    assert cancelled == "c1_1754049602_2"


def test_transcript_7_1(start_server):
    server = start_server("--tekton-ping-ms", PING_MS, "--token-delay-ms", TOKEN_DELAY_MS)

    async def go():
        async with connect(server.port) as ws:
            await replay(Peer(ws))
    run(go())


def test_register_first_and_unknown_types(start_server):
    server = start_server()

    async def go():
        async with connect(server.port) as ws:
            peer = Peer(ws)
            await peer.send({"type": "CHAT", "request_id": "r0", "messages": [{"role": "user", "content": "Hi"}]})
            assert await peer.recv() == {"type": "ERROR", "request_id": "r0", "error": "Not registered"}
            await ws.send("not json")
            assert await peer.recv() == {"type": "ERROR", "request_id": "", "error": "Invalid JSON"}
            await peer.send({"type": "PONG"})
            assert await peer.recv() == {"type": "ERROR", "request_id": "", "error": "Not registered"}
            await peer.send(REGISTER)
            assert await peer.recv() == {"type": "REGISTER_ACK", "status": "registered"}
            await peer.send({"type": "SUMMARIZE", "request_id": "r1"})
            assert await peer.recv() == {"type": "ERROR", "request_id": "r1",
                                         "error": "Unknown message type: SUMMARIZE"}
            await peer.send({"type": "CANCEL", "request_id": "never-started"})  # ignored silently
            await peer.send({"type": "GENERATE", "request_id": "r2", "prompt": "Hi", "options": {}})
            got = await peer.recv()
            assert got["type"] == "RESPONSE" and got["request_id"] == "r2", got
            assert got["context_id"] == "default" and got["provider"] == "realm", got
            assert got["content"].startswith("The capital of France is Paris."), got
    run(go())


def test_bearer_token_on_the_upgrade(start_server, tmp_path):
    server = start_server("--api-keys", write_keys(tmp_path))

    async def go():
        for headers in ({}, {"Authorization": "Bearer sk_wrong"}):
            with pytest.raises(InvalidStatus) as info:
                async with connect(server.port, additional_headers=headers):
                    pass
            assert info.value.response.status_code == 401
            assert json.loads(info.value.response.body) == {"error": "Authentication failed"}
        async with connect(server.port, additional_headers={"Authorization": "Bearer sk_good"}) as ws:
            peer = Peer(ws)
            await peer.send(REGISTER)
            assert (await peer.recv())["type"] == "REGISTER_ACK"
            await peer.send({"type": "STREAM", "request_id": "s", "prompt": "Hi", "options": {"max_tokens": 3}})
            chunks = [await peer.recv() for _ in range(4)]
            assert [c["done"] for c in chunks] == [False, False, False, True], chunks
            assert chunks[-1]["finish_reason"] == "length"
    run(go())


def test_unanswered_ping_closes_the_socket(start_server):
    server = start_server("--tekton-ping-ms", 100)

    async def go():
        async with connect(server.port) as ws:
            await ws.send(json.dumps(REGISTER))
            assert json.loads(await ws.recv()) == {"type": "REGISTER_ACK", "status": "registered"}
            assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) == {"type": "PING"}
            with pytest.raises(ConnectionClosed) as info:
                while True:  # no PONG
                    await asyncio.wait_for(ws.recv(), TIMEOUT)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1008, info.value
    run(go())
