"""realm-server --dialect ws-system (../shared/protocol/ws-system.md, the
[SERVER] behaviour) seen from an independent peer: the section 7.1 signature
vector, the section 7.2 transcripts frame by frame (member order included,
timestamps checked as integers), the auth check order and failure limiter,
stop rules (a) and (b), models, ping, batch ordering, concurrent
generations, faults, and scripts/ws-keygen.

Signing uses the openssl CLI (no extra Python package).
"""
import asyncio
import base64
import json
import os
import stat
import subprocess
import time

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from conftest import REPO_ROOT
from openai_peer import Servers

VECTORS = json.loads((REPO_ROOT / "tests" / "data" / "ws-system-vectors.json").read_text())
SIG = VECTORS["signature"]
TRANSCRIPTS = VECTORS["transcripts"]
KEYGEN = REPO_ROOT / "scripts" / "ws-keygen"
CLIENT_ID = SIG["client_id"]
TIMEOUT = 10.0
# The backend's words for a prompt whose first word is W (server/backend.cpp).
SENTENCE = "The capital of France is Paris. This is a simulated response to:".split()
DIGEST = {"SHA256": "-sha256", "SHA384": "-sha384", "SHA512": "-sha512"}


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def now_ms():
    return int(time.time() * 1000)


def sign(key_path, challenge, algorithm="SHA256"):
    """openssl dgst -<alg> -sign KEY over the challenge text, base64."""
    out = subprocess.run(["openssl", "dgst", DIGEST[algorithm], "-sign", str(key_path)],
                         input=challenge.encode(), stdout=subprocess.PIPE, check=True).stdout
    return base64.b64encode(out).decode()


def verify(pub_path, data, signature_b64, tmp_path):
    sig = tmp_path / "sig.bin"
    sig.write_bytes(base64.b64decode(signature_b64))
    r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(pub_path), "-signature", str(sig)],
                       input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode == 0


def keygen(name, directory, registry, *extra):
    out = subprocess.run([str(KEYGEN), name, "--dir", str(directory), "--registry", str(registry), *extra],
                         stdout=subprocess.PIPE, check=True, text=True).stdout.strip()
    assert len(out) == 32 and all(c in "0123456789abcdef" for c in out), out
    return out


class Keys:
    """The 7.1 vector key under its client id, plus keys made by ws-keygen."""

    def __init__(self, directory):
        self.dir = directory
        self.registry = directory / "authorized_clients.json"
        self.vector_key = directory / "vector_key.pem"
        self.vector_key.write_text(SIG["private_key_pkcs8_pem"])
        self.vector_pub = directory / "vector_key.pub"
        self.vector_pub.write_text(SIG["public_key_spki_pem"])
        self.registry.write_text(json.dumps([{
            "id": CLIENT_ID, "name": "vector", "publicKey": SIG["public_key_spki_pem"],
            "createdAt": "2024-05-24T10:00:00.000Z"}]))
        self.ec_id = keygen("ec", directory, self.registry, "--ec")
        self.sha512_id = keygen("rsa512", directory, self.registry, "--algorithm", "SHA512", "--bits", "1024")
        # For the limiter test: a client that only that server's test uses.
        self.limited_id = keygen("limited", directory, self.registry, "--bits", "1024")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return Keys(tmp_path_factory.mktemp("ws-system-keys"))


@pytest.fixture(scope="module")
def servers(server_path):
    s = Servers(server_path)
    yield s
    s.stop_all()


def base_args(keys, *extra):
    return ("--dialect", "ws-system", "--ws-clients", keys.registry, *extra)


@pytest.fixture(scope="module")
def srv(servers, keys):
    return servers.get(*base_args(keys, "--enable-faults"))


@pytest.fixture(scope="module")
def short_auth(servers, keys):
    """Auth timer of 300 ms, faults off."""
    return servers.get(*base_args(keys, "--auth-timeout-ms", "300"))


def connect(port, path="/", **kw):
    kw.setdefault("ping_interval", None)
    kw.setdefault("max_size", None)
    kw.setdefault("compression", None)
    kw.setdefault("open_timeout", 5)
    kw.setdefault("close_timeout", 5)
    return websockets.connect(f"ws://127.0.0.1:{port}{path}", **kw)


async def recv_text(ws):
    msg = await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert isinstance(msg, str), f"expected a text frame, got {msg!r}"
    return msg


async def recv_json(ws):
    return json.loads(await recv_text(ws))


def match(template, frame, subst=None):
    """`frame` (a dict in wire order) has exactly the template's members in
    the template's order; "<T>" is a current ms timestamp, "<ANY>" anything
    (but present), other values equal (same JSON type)."""
    subst = subst or {}
    assert list(frame) == list(template), f"members {list(frame)} != {list(template)} in {frame}"
    for k, want in template.items():
        got = frame[k]
        if want == "<T>":
            assert type(got) is int and abs(got - now_ms()) < 60000, (k, got)
        elif want == "<ANY>":
            continue
        else:
            want = subst.get(want, want) if isinstance(want, str) else want
            assert type(got) is type(want) and got == want, f"{k}: {got!r} != {want!r} in {frame}"


def fill(frame, subst):
    out = {}
    for k, v in frame.items():
        if v == "<T>":
            v = now_ms()
        elif isinstance(v, str):
            v = subst.get(v, v)
        out[k] = v
    return out


async def play(ws, steps, subst=None, overrides=None):
    """Plays a 7.2 transcript: client frames are sent (with `overrides[i]`
    merged into the i-th client frame, e.g. a delay option), server frames
    are received and matched one by one. Returns the received frames."""
    subst = subst or {}
    overrides = overrides or {}
    got, held, sent = [], None, 0
    for step in steps:
        if step["dir"] == "C":
            frame = fill(step["frame"], subst)
            frame.update(overrides.get(sent, {}))
            sent += 1
            await ws.send(json.dumps(frame))
            continue
        if "close" in step:
            with pytest.raises(ConnectionClosed) as info:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            assert info.value.rcvd is not None, "no close frame"
            assert info.value.rcvd.code == 1005 and info.value.rcvd.reason == "", info.value.rcvd
            continue
        if step.get("repeat"):
            count = 0
            while True:
                frame = held or await recv_json(ws)
                held = None
                if frame.get("type") != step["frame"]["type"]:
                    held = frame
                    break
                match(step["frame"], frame, subst)
                got.append(frame)
                count += 1
            assert count >= 1
            continue
        frame = held or await recv_json(ws)
        held = None
        match(step["frame"], frame, subst)
        got.append(frame)
    assert held is None, f"unexpected frame {held}"
    return got


async def login(ws, key_path=None, client_id=CLIENT_ID, algorithm="SHA256"):
    """Reads the challenge, signs it and expects auth success."""
    challenge = await recv_json(ws)
    match({"type": "challenge", "challenge": "<ANY>", "timestamp": "<T>"}, challenge)
    c = challenge["challenge"]
    assert len(c) == 64 and all(ch in "0123456789abcdef" for ch in c), c
    sig = sign(key_path, c, algorithm)
    await ws.send(json.dumps({"type": "authenticate", "clientId": client_id, "signature": sig, "timestamp": now_ms()}))
    match({"type": "auth_result", "success": True, "timestamp": "<T>"}, await recv_json(ws))
    return c


async def ping_ok(ws, pid="alive"):
    await ws.send(json.dumps({"type": "ping", "id": pid}))
    match({"id": pid, "type": "pong", "timestamp": "<T>"}, await recv_json(ws))


def expected_tokens(prompt):
    return SENTENCE + [prompt.split()[0] if prompt.split() else "unknown"]


# ------------------------------------------------------------------ 7.1

def test_signature_vector(keys, tmp_path):
    assert sign(keys.vector_key, SIG["challenge"]) == SIG["signature_base64"]
    assert verify(keys.vector_pub, SIG["challenge"].encode(), SIG["signature_base64"], tmp_path)
    c = SIG["challenge"]
    changed = c[:10] + ("0" if c[10] != "0" else "1") + c[11:]
    assert not verify(keys.vector_pub, changed.encode(), SIG["signature_base64"], tmp_path)
    assert not verify(keys.vector_pub, bytes.fromhex(c), SIG["signature_base64"], tmp_path)


# ------------------------------------------------------------------ 7.2 transcripts

def test_happy_path_then_stop_of_finished_generation(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            # The challenge is random: sign the live one (the signature
            # vector itself is checked offline above).
            challenge = await recv_json(ws)
            steps = TRANSCRIPTS["happy_path"]
            match(steps[0]["frame"], challenge)
            subst = {"<CLIENT_ID>": CLIENT_ID, "<SIGNATURE>": sign(keys.vector_key, challenge["challenge"])}
            frames = await play(ws, steps[1:], subst)
            tokens = [f["token"] for f in frames if f["type"] == "stream_token"]
            end = frames[-1]
            assert all(tokens) and "".join(tokens).split() == expected_tokens("Say hi")
            assert type(end["totalTokens"]) is int and end["totalTokens"] == len(tokens)
            assert type(end["elapsedTime"]) is int and end["elapsedTime"] >= 0
            await play(ws, TRANSCRIPTS["stop_finished_generation"])
            await ping_ok(ws)
    run(go())


def test_signature_vector_against_the_server(srv):
    # ?challenge= (with --enable-faults) fixes the challenge: the 7.2 happy
    # path with exactly the 7.1 challenge and signature.
    async def go():
        async with connect(srv.port, "/?challenge=" + SIG["challenge"]) as ws:
            subst = {"<CLIENT_ID>": CLIENT_ID, "<SIGNATURE>": SIG["signature_base64"]}
            frames = await play(ws, TRANSCRIPTS["happy_path"], subst)
            assert frames[0]["challenge"] == SIG["challenge"]
        c = SIG["challenge"]
        async with connect(srv.port, "/?challenge=" + c[:-1] + ("5" if c[-1] != "5" else "6")) as ws:
            await recv_json(ws)
            await ws.send(json.dumps({"type": "authenticate", "clientId": CLIENT_ID,
                                      "signature": SIG["signature_base64"]}))
            assert (await recv_json(ws))["error"] == "Invalid signature"
    run(go())


def test_stop_during_streaming(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            # One token a second: the stop sent on the first token lands
            # long before the second.
            await play(ws, TRANSCRIPTS["stop_during_streaming"], overrides={0: {"options": {"delay_ms": 1000}}})
            await ping_ok(ws)
    run(go())


def test_stop_before_first_token(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            # The first token is due a minute after stream_start.
            await play(ws, TRANSCRIPTS["stop_before_first_token"], overrides={0: {"options": {"delay_ms": 60000}}})
            await ping_ok(ws)
    run(go())


def test_stop_right_after_generate_without_waiting(srv, keys):
    # ws-system.md 6.5: the generation is registered while its frame is handled.
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            await ws.send(json.dumps({"type": "generate", "id": "q1", "prompt": "x", "options": {"delay_ms": 60000}}))
            await ws.send(json.dumps({"type": "stop", "id": "q2", "requestId": "q1"}))
            await play(ws, [
                {"dir": "S", "frame": {"id": "q1", "type": "stream_start", "model": "llama2", "timestamp": "<T>"}},
                {"dir": "S", "frame": {"id": "q2", "type": "ack", "requestId": "q1", "action": "stop",
                                       "timestamp": "<T>"}},
                {"dir": "S", "frame": {"id": "q1", "type": "stream_end", "isCancelled": True, "timestamp": "<T>"}},
            ])
    run(go())


def test_bad_signature_then_retry_then_auth_timeout(short_auth, keys):
    async def go():
        async with connect(short_auth.port) as ws:
            opened = time.monotonic()
            challenge = await recv_json(ws)
            subst = {"<CLIENT_ID>": CLIENT_ID, "<SIGNATURE>": sign(keys.vector_key, challenge["challenge"])}
            await play(ws, TRANSCRIPTS["bad_signature_then_retry"], subst)
            assert time.monotonic() - opened >= 0.25  # the timer, not the failure, closed it
    run(go())


def test_auth_timeout_without_attempt(short_auth):
    async def go():
        async with connect(short_auth.port) as ws:
            await recv_json(ws)
            await play(ws, TRANSCRIPTS["bad_signature_then_retry"][-2:])
    run(go())


def test_preauth_frames_get_unauthorized(srv):
    async def go():
        async with connect(srv.port) as ws:
            await recv_json(ws)
            await play(ws, TRANSCRIPTS["preauth_ping"])
            for frame in ({"type": "generate", "id": "g", "prompt": "x"}, {"type": "batch", "messages": []}, 5):
                await ws.send(json.dumps(frame))
                await play(ws, TRANSCRIPTS["preauth_ping"][1:])
    run(go())


def test_unknown_type(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            await play(ws, TRANSCRIPTS["unknown_type"])
            await ws.send(json.dumps({"id": "no-type"}))
            match({"type": "error", "error": "Unsupported message type: undefined", "timestamp": "<T>"},
                  await recv_json(ws))
    run(go())


# ------------------------------------------------------------------ auth

def test_rate_limit_after_five_failures(servers, keys):
    # Its own server: the limiter is per server process.
    server = servers.get(*base_args(keys, "--auth-window-ms", "600000"))

    async def attempt(signature, headers=None, client_id=None):
        async with connect(server.port, additional_headers=headers or {}) as ws:
            challenge = (await recv_json(ws))["challenge"]
            sig = sign(keys.dir / "limited_key.pem", challenge) if signature == "good" else signature
            await ws.send(json.dumps({"type": "authenticate", "clientId": client_id or keys.limited_id,
                                      "signature": sig}))
            return await recv_json(ws)

    async def go():
        for remaining in (4, 3, 2, 1):
            match({"type": "auth_result", "success": False, "error": "Invalid signature",
                   "remainingAttempts": remaining, "timestamp": "<T>"}, await attempt("AAAA"))
        too_many = {"type": "auth_result", "success": False,
                    "error": "Too many authentication attempts. Please try again in 16 seconds.",
                    "retryAfter": 16, "timestamp": "<T>"}
        match(too_many, await attempt("AAAA"))
        # Blocked: even the right signature is refused (rounded up: 16).
        match(too_many, await attempt("good"))
        # The key is "<ip>:<clientId>": another address or client is not blocked.
        match({"type": "auth_result", "success": True, "timestamp": "<T>"},
              await attempt("good", headers={"X-Forwarded-For": "203.0.113.7"}))
        match({"type": "auth_result", "success": False, "error": "Invalid signature", "remainingAttempts": 4,
               "timestamp": "<T>"}, await attempt("AAAA", client_id="someone-else"))
    run(go())


def test_unknown_client_id_counts_as_bad_signature(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            challenge = (await recv_json(ws))["challenge"]
            await ws.send(json.dumps({"type": "authenticate", "clientId": "0" * 32,
                                      "signature": sign(keys.vector_key, challenge)}))
            match({"type": "auth_result", "success": False, "error": "Invalid signature", "remainingAttempts": 4,
                   "timestamp": "<T>"}, await recv_json(ws))
    run(go())


def test_invalid_authentication_data_keeps_the_challenge(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            challenge = (await recv_json(ws))["challenge"]
            for bad in ({"clientId": CLIENT_ID}, {"signature": "AAAA"}, {"clientId": "", "signature": "AAAA"}):
                await ws.send(json.dumps({"type": "authenticate", **bad}))
                match({"type": "auth_result", "success": False, "error": "Invalid authentication data",
                       "timestamp": "<T>"}, await recv_json(ws))
            # Lenient base64: line breaks inside the signature are skipped.
            sig = sign(keys.vector_key, challenge)
            sig = sig[:40] + "\n" + sig[40:]
            await ws.send(json.dumps({"type": "authenticate", "clientId": CLIENT_ID, "signature": sig}))
            match({"type": "auth_result", "success": True, "timestamp": "<T>"}, await recv_json(ws))
            # Again after success: the challenge is gone, the session stays.
            await ws.send(json.dumps({"type": "authenticate", "clientId": CLIENT_ID, "signature": sig}))
            match({"type": "auth_result", "success": False, "error": "Challenge expired or invalid",
                   "timestamp": "<T>"}, await recv_json(ws))
            await ping_ok(ws)
    run(go())


def test_ec_p256_key(srv, keys):
    async def go():
        async with connect(srv.port, "/any/path?x=1") as ws:  # any path is ws-system
            await login(ws, keys.dir / "ec_key.pem", keys.ec_id)
            await ping_ok(ws)
    run(go())


def test_registered_algorithm_is_used(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.dir / "rsa512_key.pem", keys.sha512_id, "SHA512")
        async with connect(srv.port) as ws:
            challenge = (await recv_json(ws))["challenge"]
            await ws.send(json.dumps({"type": "authenticate", "clientId": keys.sha512_id,
                                      "signature": sign(keys.dir / "rsa512_key.pem", challenge, "SHA256")}))
            frame = await recv_json(ws)
            assert frame["success"] is False and frame["error"] == "Invalid signature", frame
    run(go())


def test_login_is_recorded_in_the_registry(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.dir / "ec_key.pem", keys.ec_id)
    run(go())
    entry = next(c for c in json.loads(keys.registry.read_text()) if c["id"] == keys.ec_id)
    assert entry["lastIP"] == "127.0.0.1"
    assert entry["lastConnected"].endswith("Z") and entry["lastConnected"][:2] == "20"


# ------------------------------------------------------------------ requests

def test_models(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            await ws.send(json.dumps({"type": "models", "id": "m1", "timestamp": now_ms()}))
            frame = await recv_json(ws)
            match({"id": "m1", "type": "models_result", "models": "<ANY>", "timestamp": "<T>"}, frame)
            names = [m["name"] for m in frame["models"]]
            assert names[0] == "llama2:latest", names
            for m in frame["models"]:
                assert list(m) == ["name", "model", "modified_at", "size", "digest", "details"], m
                assert list(m["details"]) == ["format", "family", "parameter_size", "quantization_level"]
                assert type(m["size"]) is int and m["model"] == m["name"]
    run(go())


def test_models_option_lists_and_checks_names(servers, keys):
    server = servers.get(*base_args(keys, "--models", "phi3:mini,tiny", "--default-model", "tiny"))

    async def go():
        async with connect(server.port) as ws:
            await login(ws, keys.vector_key)
            await ws.send(json.dumps({"type": "models", "id": "m"}))
            assert [m["name"] for m in (await recv_json(ws))["models"]] == ["phi3:mini", "tiny:latest"]
            await ws.send(json.dumps({"type": "generate", "id": "d", "prompt": "Hi"}))
            assert (await recv_json(ws))["model"] == "tiny"
            while (await recv_json(ws))["type"] != "stream_end":
                pass
            await ws.send(json.dumps({"type": "generate", "id": "e", "prompt": "Hi", "model": "llama2"}))
            assert (await recv_json(ws))["type"] == "stream_start"
            assert (await recv_json(ws))["code"] == "generation_error"
    run(go())


def test_ping_pong(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            await ws.send(json.dumps({"type": "ping", "id": "p1", "timestamp": 1}))
            frame = await recv_json(ws)
            match({"id": "p1", "type": "pong", "timestamp": "<T>"}, frame)  # the server's clock
            await ws.send(json.dumps({"type": "ping"}))
            match({"type": "pong", "timestamp": "<T>"}, await recv_json(ws))
    run(go())


def test_tokens_option_repeats_the_words(srv, keys):
    """The reference server's benchmark extension: options.tokens streams that
    many tokens, the backend's words repeated (server/README.md)."""
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            for gid, n in (("t30", 30), ("t0", 0)):
                await ws.send(json.dumps({"type": "generate", "id": gid, "prompt": "Hi", "options": {"tokens": n}}))
                match({"id": gid, "type": "stream_start", "model": "llama2", "timestamp": "<T>"}, await recv_json(ws))
                toks = []
                while True:
                    f = await recv_json(ws)
                    if f["type"] != "stream_token":
                        break
                    toks.append(f["token"])
                assert f["type"] == "stream_end" and f["totalTokens"] == n, f
                words = expected_tokens("Hi")
                assert "".join(toks).split() == [words[i % len(words)] for i in range(n)]
    run(go())


def test_generate_errors(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            for frame, expected in [
                ({"type": "generate", "id": "x1"},
                 {"type": "error", "id": "x1", "error": "Missing required fields", "timestamp": "<T>"}),
                ({"type": "generate", "id": "x2", "prompt": ""},
                 {"type": "error", "id": "x2", "error": "Missing required fields", "timestamp": "<T>"}),
                ({"type": "generate", "prompt": "hi"},
                 {"type": "error", "error": "Missing required fields", "timestamp": "<T>"}),
                ({"type": "stop", "id": "s1"},
                 {"type": "error", "id": "s1", "error": "Missing requestId", "timestamp": "<T>"}),
                ({"type": "stop", "id": "s2", "requestId": "never"},
                 {"type": "error", "id": "s2", "error": "No active generation with that ID", "timestamp": "<T>"}),
            ]:
                await ws.send(json.dumps(frame))
                match(expected, await recv_json(ws))
            # An unknown model fails like Ollama's 404, after stream_start.
            await ws.send(json.dumps({"type": "generate", "id": "n1", "prompt": "hi", "model": "nope"}))
            await play(ws, [
                {"dir": "S", "frame": {"id": "n1", "type": "stream_start", "model": "nope", "timestamp": "<T>"}},
                {"dir": "S", "frame": {"id": "n1", "type": "error",
                                       "error": "Generation failed: Ollama API error: 404 "
                                                "{\"error\":\"model 'nope' not found\"}",
                                       "code": "generation_error", "timestamp": "<T>"}},
            ])
            # "llama2" names "llama2:latest"; the tag may be given.
            await ws.send(json.dumps({"type": "generate", "id": "n2", "prompt": "hi", "model": "llama2:latest"}))
            assert (await recv_json(ws))["model"] == "llama2:latest"
            assert (await recv_json(ws))["type"] == "stream_token"
    run(go())


def test_stop_of_another_connections_generation(srv, keys):
    async def go():
        async with connect(srv.port) as a, connect(srv.port) as b:
            await login(a, keys.vector_key)
            await login(b, keys.vector_key)
            await a.send(json.dumps({"type": "generate", "id": "theirs", "prompt": "x",
                                     "options": {"delay_ms": 60000}}))
            assert (await recv_json(a))["type"] == "stream_start"
            await b.send(json.dumps({"type": "stop", "id": "s", "requestId": "theirs"}))
            match({"type": "error", "id": "s", "error": "Not authorized to stop this generation",
                   "timestamp": "<T>"}, await recv_json(b))
            await a.send(json.dumps({"type": "stop", "id": "mine", "requestId": "theirs"}))
            assert (await recv_json(a))["type"] == "ack"
            assert (await recv_json(a))["isCancelled"] is True
    run(go())


def test_concurrent_generations_interleave(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            for gid in ("c1", "c2"):
                await ws.send(json.dumps({"type": "generate", "id": gid, "prompt": gid,
                                          "options": {"delay_ms": 30}}))
            frames, ended = [], set()
            while len(ended) < 2:
                f = await recv_json(ws)
                frames.append(f)
                if f["type"] == "stream_end":
                    ended.add(f["id"])
            order = [f["id"] for f in frames if f["type"] == "stream_token"]
            first_end = next(i for i, f in enumerate(frames) if f["type"] == "stream_end")
            assert {"c1", "c2"} <= {f["id"] for f in frames[:first_end]}, order
            for gid in ("c1", "c2"):
                toks = [f["token"] for f in frames if f["type"] == "stream_token" and f["id"] == gid]
                assert "".join(toks).split() == expected_tokens(gid)
    run(go())


def test_batch_order(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            await ws.send(json.dumps({"type": "batch", "id": "b0", "messages": [
                {"type": "models", "id": "m1"},
                {"type": "generate", "id": "bg", "prompt": "Hi", "options": {"delay_ms": 30}},
                {"type": "ping", "id": "p2"},
                {"type": "batch", "id": "inner", "messages": [{"type": "ping", "id": "p3"}]},
                {"type": "batch", "id": "ignored", "messages": {"type": "ping", "id": "never"}},
                {"type": "stop", "id": "s9", "requestId": "bg"},
            ]}))
            # A frame of its own is served at once, while the batch waits.
            await ws.send(json.dumps({"type": "ping", "id": "outside"}))
            await ws.send(json.dumps({"type": "batch", "id": "b1", "messages": "not an array"}))
            seen = []
            while True:
                f = await recv_json(ws)
                seen.append((f["type"], f.get("id")))
                if f["type"] == "error":
                    match({"type": "error", "id": "s9", "error": "No active generation with that ID",
                           "timestamp": "<T>"}, f)
                    break
            kinds = [s for s in seen if s[0] != "stream_token"]
            assert kinds[:2] == [("models_result", "m1"), ("stream_start", "bg")], seen
            assert kinds.index(("pong", "outside")) < kinds.index(("stream_end", "bg")), seen
            kinds.remove(("pong", "outside"))
            assert kinds == [("models_result", "m1"), ("stream_start", "bg"), ("stream_end", "bg"),
                             ("pong", "p2"), ("pong", "p3"), ("error", "s9")], seen
            assert ("batch", None) not in seen and not any(i in ("b0", "b1", "inner") for _, i in seen)
            await ping_ok(ws, "after")
    run(go())


def test_unparseable_json_and_binary_frames(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            challenge = (await recv_json(ws))["challenge"]
            await ws.send("{not json")
            f = await recv_json(ws)
            match({"type": "error", "error": "<ANY>", "code": "server_error", "timestamp": "<T>"}, f)
            assert f["error"].startswith("Server error: "), f
            await ws.send(json.dumps({"type": "authenticate", "clientId": CLIENT_ID,
                                      "signature": sign(keys.vector_key, challenge)}).encode())
            match({"type": "auth_result", "success": True, "timestamp": "<T>"}, await recv_json(ws))
            await ws.send(json.dumps({"type": "ping", "id": "bin"}).encode())  # a binary frame
            match({"id": "bin", "type": "pong", "timestamp": "<T>"}, await recv_json(ws))
    run(go())


def test_fault_drop_after_tokens(srv, keys):
    async def go():
        async with connect(srv.port) as ws:
            await login(ws, keys.vector_key)
            await ws.send(json.dumps({"type": "generate", "id": "d1", "prompt": "x",
                                      "options": {"fault": "drop_after:2"}}))
            types = []
            with pytest.raises(ConnectionClosed) as info:
                while True:
                    types.append((await recv_json(ws))["type"])
            assert types == ["stream_start", "stream_token", "stream_token"], types
            assert info.value.rcvd is None, "a dropped connection sends no close frame"
    run(go())


def test_faults_need_the_flag(short_auth, keys):
    async def go():
        async with connect(short_auth.port) as ws:
            await login(ws, keys.vector_key)
            await ws.send(json.dumps({"type": "generate", "id": "f", "prompt": "x",
                                      "options": {"fault": "drop_after:1"}}))
            assert (await recv_json(ws))["type"] == "stream_start"
            match({"id": "f", "type": "error", "error": "Generation failed: faults are disabled",
                   "code": "generation_error", "timestamp": "<T>"}, await recv_json(ws))
    run(go())


def test_close_aborts_generations_and_frees_ids(srv, keys):
    async def go():
        async with connect(srv.port) as a:
            await login(a, keys.vector_key)
            await a.send(json.dumps({"type": "generate", "id": "orphan", "prompt": "x",
                                     "options": {"delay_ms": 60000}}))
            assert (await recv_json(a))["type"] == "stream_start"
        async with connect(srv.port) as b:
            await login(b, keys.vector_key)
            await b.send(json.dumps({"type": "stop", "id": "s", "requestId": "orphan"}))
            match({"type": "error", "id": "s", "error": "No active generation with that ID", "timestamp": "<T>"},
                  await recv_json(b))
    run(go())


# ------------------------------------------------------------------ ws-keygen

def test_keygen_files(keys):
    key = keys.dir / "ec_key.pem"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert (keys.dir / "ec_key.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    entries = json.loads(keys.registry.read_text())
    entry = next(c for c in entries if c["id"] == keys.sha512_id)
    assert list(entry)[:5] == ["id", "name", "publicKey", "createdAt", "signatureAlgorithm"]
    assert entry["name"] == "rsa512" and entry["signatureAlgorithm"] == "SHA512"
    assert entry["publicKey"] == (keys.dir / "rsa512_key.pub").read_text()
    # Existing key files are never overwritten.
    r = subprocess.run([str(KEYGEN), "ec", "--dir", str(keys.dir), "--registry", str(keys.registry)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert r.returncode != 0
