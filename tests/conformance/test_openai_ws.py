"""realm-server's openai-ws dialect (../shared/protocol/openai-ws.md, the
[LIBREALM] reference behaviour) seen from an independent peer: every
exchange of tests/data/openai-ws-vectors.json, auth, ordering and request_id
interleaving, close codes, rate limits and the WebSocket faults.
"""
import asyncio
import json
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from openai_peer import (BAD_KEY_FRAME, OPENAI_VECTORS, SENTENCE, TIMEOUT, Servers, chat, check_usage, completion,
                         drop_nulls_in_delta, finish_reason, kind, match_chunk, piece, read_request, recv_json,
                         recv_text, run, write_keys, ws_connect)

VECTORS = {v["name"]: v for v in OPENAI_VECTORS["exchanges"]}


@pytest.fixture(scope="module")
def servers(server_path):
    s = Servers(server_path)
    yield s
    s.stop_all()


@pytest.fixture(scope="module")
def plain(servers):
    return servers.get("--enable-faults")


@pytest.fixture(scope="module")
def keyed(servers, tmp_path_factory):
    return servers.get("--api-keys", write_keys(tmp_path_factory.mktemp("keys")), "--auth-timeout-ms", "2000")


async def expect_close(ws, code):
    with pytest.raises(ConnectionClosed) as info:
        while True:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert info.value.rcvd is not None, "no close frame"
    assert info.value.rcvd.code == code
    return info.value.rcvd


async def still_open(ws):
    await ws.send('{"type":"ping","id":"alive"}')
    assert await recv_text(ws) == '{"type":"pong","id":"alive"}'


# ------------------------------------------------------------------ vectors

def replay_stream(port, vector, dialect, prompt_tokens, normalize=lambda f: f):
    """Sends the vector's request; the live frames must follow the vector's
    sequence of kinds (role, content..., final), each shaped exactly like
    the vector's frame of that kind."""
    templates = {}
    for text in vector["server"]:
        frame = normalize(json.loads(text))
        templates.setdefault(kind(frame), frame)
    expected_kinds = [kind(normalize(json.loads(t))) for t in vector["server"]]

    async def go():
        async with ws_connect(port, vector["endpoint"]) as ws:
            for c in vector["client"]:
                await ws.send(c)
            frames = await read_request(ws)
            await still_open(ws)
        return frames

    frames = run(go())
    kinds = [kind(f) for f in frames]
    lead = 1 if expected_kinds[0] == "role" else 0
    assert kinds == expected_kinds[:lead] + ["content"] * (len(kinds) - lead - 1) + ["final"], kinds
    ids = {}
    final = frames[-1]
    if "usage" in final and "usage" not in templates["final"]:
        # The tolerated null-style vector has no usage; ours carries it.
        check_usage(final.pop("usage"), prompt_tokens, len(frames) - lead - 1)
    for f in frames:
        match_chunk(templates[kind(f)], f, dialect, ids)
    if "usage" in final:
        check_usage(final["usage"], prompt_tokens, len(frames) - lead - 1)
    return frames


def test_vector_chat_streaming(plain):
    v = VECTORS["chat_streaming"]
    frames = replay_stream(plain.port, v, "chat", prompt_tokens=1)
    assert len(frames) == 1 + 3 + 1  # max_tokens 3: three content chunks
    assert frames[-1]["choices"][0]["finish_reason"] == v["result"]["finish_reason"]


def test_vector_completions_streaming(plain):
    v = VECTORS["completions_streaming"]
    frames = replay_stream(plain.port, v, "completions", prompt_tokens=1)
    assert len(frames) == len(v["server"])
    assert "usage" not in frames[-1]  # as the vector: usage unknown


def test_vector_chat_null_style(plain):
    # The live server sends the canonical style; without max_tokens the
    # answer is the one sentence and finish_reason "stop".
    v = VECTORS["chat_null_style"]
    frames = replay_stream(plain.port, v, "chat", prompt_tokens=1, normalize=drop_nulls_in_delta)
    assert "".join(piece(f) for f in frames[1:-1]).split() == SENTENCE + ["Hi"]
    assert frames[-1]["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize("name", ["error_bad_messages", "error_not_json", "keepalive"])
def test_vector_exact(plain, name):
    v = VECTORS[name]

    async def go():
        async with ws_connect(plain.port, v["endpoint"]) as ws:
            for c in v["client"]:
                await ws.send(c)
            for expected in v["server"]:
                assert await recv_text(ws) == expected
            await still_open(ws)  # socket_stays_open
    run(go())


def test_vector_multiplexed_cancel(servers):
    v = VECTORS["multiplexed_cancel"]
    server = servers.get("--token-delay-ms", "20")  # keeps both requests running
    templates = {}
    for text in v["server"]:
        f = json.loads(text)
        templates.setdefault((f["request_id"], kind(f)), f)

    async def go():
        async with ws_connect(server.port, v["endpoint"]) as ws:
            await ws.send(v["client"][0])
            await ws.send(v["client"][1])
            frames = {"r1": [], "r2": []}
            while not (frames["r1"] and frames["r2"]):
                f = await recv_json(ws)
                frames[f["request_id"]].append(f)
            await ws.send(v["client"][2])
            while finish_reason(frames["r1"][-1]) is None:
                f = await recv_json(ws)
                assert not frames[f["request_id"]] or finish_reason(frames[f["request_id"]][-1]) is None, \
                    "a frame after the request's final chunk"
                frames[f["request_id"]].append(f)
            await still_open(ws)
        return frames

    frames = run(go())
    ids = {}
    assert kind(frames["r2"][0]) == "role" and frames["r2"][-1]["choices"][0]["finish_reason"] == "abort"
    match_chunk(templates[("r2", "final")], frames["r2"][-1], "chat", ids)
    r2_content = dict(templates[("r1", "content")], request_id="r2")
    for f in frames["r2"][:-1]:
        match_chunk(templates[("r2", "role")] if kind(f) == "role" else r2_content, f, "chat", ids)
    assert [kind(f) for f in frames["r1"]] == ["role"] + ["content"] * 13 + ["final"]  # r1 continues
    for f in frames["r1"][:-1]:
        match_chunk(templates[("r1", kind(f))], f, "chat", ids)
    assert frames["r1"][-1]["choices"][0]["finish_reason"] == "stop"


# --------------------------------------------------------------- responses

def test_non_streaming_objects(plain):
    async def go():
        async with ws_connect(plain.port) as ws:
            await ws.send(json.dumps(chat("Hello world", max_tokens=4)))
            f = await recv_json(ws)
            assert list(f) == ["id", "object", "created", "model", "choices", "usage"]
            assert f["object"] == "chat.completion"
            assert f["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "The capital of France "},
                                     "finish_reason": "length"}]
            check_usage(f["usage"], 2, 4)
        async with ws_connect(plain.port, "/v1/completions?x=1") as ws:
            await ws.send(json.dumps(completion("Once upon", stream=False, stop=[" France"])))
            f = await recv_json(ws)
            assert f["object"] == "text_completion"
            assert f["choices"] == [{"index": 0, "text": "The capital of", "logprobs": None, "finish_reason": "stop"}]
            check_usage(f["usage"], 2, 3)
    run(go())


def test_stop_cuts_streams_and_max_tokens_cycles(plain):
    async def go():
        async with ws_connect(plain.port) as ws:
            await ws.send(json.dumps(chat("Go", stream=True, stop="Paris")))
            frames = await read_request(ws)
            assert "".join(piece(f) for f in frames[1:-1]) == "The capital of France is "
            assert frames[-1]["choices"][0]["finish_reason"] == "stop"
            await ws.send(json.dumps(chat("Go", stream=True, max_tokens=30, stop=["zzz", "o The"])))
            frames = await read_request(ws)
            text = "".join(piece(f) for f in frames[1:-1])
            assert text == " ".join(SENTENCE) + " G"  # cut inside the 13th piece "Go "
            assert frames[-1]["choices"][0]["finish_reason"] == "stop"
            check_usage(frames[-1]["usage"], 1, 13)
            await ws.send(json.dumps(chat("Go", stream=True, max_tokens=30)))
            frames = await read_request(ws)
            assert len(frames) == 32 and frames[-1]["choices"][0]["finish_reason"] == "length"
            assert [piece(f).strip() for f in frames[1:-1]] == ((SENTENCE + ["Go"]) * 3)[:30]
    run(go())


@pytest.mark.parametrize("body,param,message", [
    ({"messages": [{"role": "user", "content": "x"}]}, "model", "model is required"),
    (chat(max_tokens=0), "max_tokens", "max_tokens must be an integer >= 1"),
    (chat(stream="yes"), "stream", "stream must be a boolean"),
    (chat(stop=[1]), "stop", "stop must be a string or an array of strings"),
    (chat(top_p=0), "top_p", "top_p must be a number in (0, 1]"),
    ({"model": "m", "messages": [{"role": "robot", "content": "x"}]}, "messages",
     "messages[0].role must be one of system, user, assistant, tool"),
    (chat(request_id=5), "request_id", "request_id must be a string"),
    ({"type": "cancel"}, "request_id", "cancel needs a request_id"),
    ({"type": "hello"}, "type", "unknown frame type `hello`"),
])
def test_validation_errors(plain, body, param, message):
    async def go():
        async with ws_connect(plain.port) as ws:
            await ws.send(json.dumps(body))
            assert await recv_json(ws) == {"error": {"message": message, "type": "invalid_request_error",
                                                     "param": param, "code": "invalid_request_error"}}
            await still_open(ws)
    run(go())


def test_model_list_and_faults_disabled(servers):
    server = servers.get("--models", "a,b")

    async def go():
        async with ws_connect(server.port) as ws:
            await ws.send(json.dumps(chat(model="zz")))
            assert await recv_json(ws) == {"error": {"message": "The model `zz` does not exist",
                                                     "type": "invalid_request_error", "param": "model",
                                                     "code": "model_not_found"}}
            await ws.send(json.dumps(chat(model="b", max_tokens=1)))
            assert (await recv_json(ws))["model"] == "b"
            await ws.send(json.dumps(chat(model="a", fault={"type": "drop"}, request_id="f")))
            assert await recv_json(ws) == {"error": {"message": "faults are disabled", "type": "invalid_request_error",
                                                     "param": "fault", "code": "invalid_request_error"},
                                           "request_id": "f"}
    run(go())


# ----------------------------------------------------------------- ordering

def test_requests_without_request_id_are_queued_in_order(servers):
    server = servers.get("--token-delay-ms", "20")

    async def go():
        async with ws_connect(server.port) as ws:
            await ws.send(json.dumps(chat("A", stream=True, max_tokens=5)))
            await ws.send("garbage")
            await ws.send(json.dumps(chat("B", stream=True, max_tokens=2)))
            await ws.send('{"type":"ping"}')
            frames = [await recv_json(ws) for _ in range(7 + 1 + 1 + 4)]
        pong = frames.index({"type": "pong"})
        del frames[pong]
        kinds = [kind(f) for f in frames]
        # The bad frame and B wait for A's final chunk; they are not rejected.
        assert kinds == ["role"] + ["content"] * 5 + ["final", "error", "role", "content", "content", "final"]
        assert frames[7]["error"]["code"] == "invalid_json"
        assert frames[0]["id"] == frames[6]["id"] != frames[8]["id"] == frames[11]["id"]
        # The ping is answered at once, while A streams.
        assert pong < 6
    run(go())


def test_request_ids_interleave_and_are_echoed(servers):
    server = servers.get("--token-delay-ms", "5")

    async def go():
        async with ws_connect(server.port) as ws:
            for rid in ("x", "y"):
                await ws.send(json.dumps(chat(rid, stream=True, max_tokens=20, request_id=rid)))
            await ws.send(json.dumps(chat(stream=True, max_tokens=3, request_id="x")))  # x is in use
            order, done = [], set()
            while len(done) < 2:
                f = await recv_json(ws)
                if "error" in f:
                    assert f == {"error": {"message": "request_id `x` is already in use",
                                           "type": "invalid_request_error", "param": "request_id",
                                           "code": "invalid_request_error"}, "request_id": "x"}
                    continue
                assert list(f)[-1] == "request_id"
                order.append(f["request_id"])
                if finish_reason(f):
                    done.add(f["request_id"])
        assert order.count("x") == order.count("y") == 22
        first_end = min(len(order) - order[::-1].index(r) - 1 for r in ("x", "y"))
        assert set(order[:first_end]) == {"x", "y"}, order  # both streamed before either ended
    run(go())


def test_socket_close_aborts_generation(servers):
    server = servers.get()

    async def active_requests():
        async with ws_connect(server.port, "/") as realm:
            await recv_json(realm)  # welcome
            await realm.send(json.dumps({"id": "h", "function": "health", "params": {}}))
            return (await recv_json(realm))["data"]["active_requests"]

    async def go():
        async with ws_connect(server.port) as ws:
            await ws.send(json.dumps(chat(stream=True, max_tokens=100000, delay_ms=5)))
            await recv_json(ws)
            assert await active_requests() == 1
        deadline = time.monotonic() + 5
        while await active_requests() != 0:  # the server notices the close asynchronously
            assert time.monotonic() < deadline, "generation still running after the socket closed"
            await asyncio.sleep(0.02)
    run(go())


# -------------------------------------------------------------------- auth

def test_auth_header_query_and_frame(keyed):
    async def go():
        async with ws_connect(keyed.port, additional_headers={"Authorization": "Bearer sk_good"}) as ws:
            await ws.send(json.dumps(chat(max_tokens=1)))
            assert (await recv_json(ws))["object"] == "chat.completion"
        async with ws_connect(keyed.port, "/v1/completions?token=sk_good") as ws:
            await ws.send(json.dumps(completion(max_tokens=1)))
            assert (await recv_json(ws))["object"] == "text_completion"
        async with ws_connect(keyed.port) as ws:
            await ws.send('{"type":"auth","api_key":"sk_good"}')  # no reply to a good auth frame
            await ws.send(json.dumps(chat(stream=True, max_tokens=1)))
            assert kind(await recv_json(ws)) == "role"
    run(go())


@pytest.mark.parametrize("path,headers", [
    ("/v1/chat/completions", {"Authorization": "Bearer sk_wrong"}),
    ("/v1/chat/completions", {"Authorization": "Bearer sk_off"}),  # disabled key
    ("/v1/chat/completions?token=nope", {}),
    ("/v1/completions?token=sk_good", {"Authorization": "Basic abc"}),
])
def test_bad_credentials_on_the_upgrade_are_401(keyed, path, headers):
    async def go():
        with pytest.raises(InvalidStatus) as info:
            async with ws_connect(keyed.port, path, additional_headers=headers):
                pass
        assert info.value.response.status_code == 401
        assert info.value.response.body.decode() == BAD_KEY_FRAME
    run(go())


@pytest.mark.parametrize("first", [
    '{"type":"auth","api_key":"sk_wrong"}',
    '{"type":"auth","api_key":"sk_off"}',
    '{"type":"auth"}',
    json.dumps(chat()),
    '{"type":"ping"}',
])
def test_bad_first_frame_is_an_error_then_1008(keyed, first):
    async def go():
        async with ws_connect(keyed.port) as ws:
            await ws.send(first)
            assert await recv_text(ws) == BAD_KEY_FRAME
            await expect_close(ws, 1008)
    run(go())


def test_auth_frame_timeout(keyed):
    async def go():
        async with ws_connect(keyed.port) as ws:
            t0 = time.monotonic()
            assert await recv_text(ws) == BAD_KEY_FRAME
            assert 1.5 <= time.monotonic() - t0 < 5  # --auth-timeout-ms 2000
            await expect_close(ws, 1008)
    run(go())


def test_rate_limit(servers, tmp_path):
    server = servers.get("--api-keys", write_keys(tmp_path), "--rate-limit-rpm", "60", "--rate-limit-burst", "1")

    async def go():
        async with ws_connect(server.port, additional_headers={"Authorization": "Bearer sk_good"}) as ws:
            await ws.send(json.dumps(chat(max_tokens=1)))
            assert "choices" in await recv_json(ws)
            await ws.send(json.dumps(chat(max_tokens=1, request_id="q")))
            err = await recv_json(ws)
            assert list(err) == ["error", "request_id"] and err["request_id"] == "q"
            e = err["error"]
            assert list(e) == ["message", "type", "param", "code", "retry_after_ms"]
            assert e["code"] == "rate_limit_exceeded" and e["type"] == "rate_limit_exceeded"
            assert e["message"] == "Rate limit exceeded. Try again in 0 seconds."
            assert isinstance(e["retry_after_ms"], int) and 1 <= e["retry_after_ms"] <= 1000
            await still_open(ws)
    run(go())


# ------------------------------------------------------------- close codes

def test_message_size_limits(servers):
    default = servers.get()
    small = servers.get("--max-message-size", "1000")

    async def go():
        async with ws_connect(default.port) as ws:  # openai-ws default: 1 MiB
            await ws.send(json.dumps(chat("x" * (1 << 20))))
            await expect_close(ws, 1009)
        async with ws_connect(default.port, "/") as realm:  # the Realm protocol keeps its 16 MiB
            await recv_json(realm)
            await realm.send(json.dumps({"id": "h", "function": "health", "params": {"pad": "x" * (2 << 20)}}))
            assert (await recv_json(realm))["id"] == "h"
        async with ws_connect(small.port, "/v1/completions") as ws:
            await ws.send(json.dumps(completion(max_tokens=1, pad="x" * 900)))
            assert "choices" in await recv_json(ws)
            await ws.send("x" * 1001)
            await expect_close(ws, 1009)
    run(go())


def test_sigterm_closes_1001(server_path):
    servers = Servers(server_path)
    server = servers.get()

    async def go():
        async with ws_connect(server.port) as ws:
            await ws.send(json.dumps(chat(stream=True, max_tokens=100000, delay_ms=5)))
            await recv_json(ws)
            server.proc.terminate()
            await expect_close(ws, 1001)
    run(go())
    servers.stop_all()


def test_invalid_utf8_closes_1007(plain):
    async def go():
        async with ws_connect(plain.port) as ws:
            await ws.send(b'{"model":"\xff"}', text=True)
            await expect_close(ws, 1007)
    run(go())


# ------------------------------------------------------------------ faults

def fault_chat(fault, **extra):
    return json.dumps(chat(stream=True, max_tokens=5, fault=fault, **extra))


def test_fault_drop(plain):
    async def go():
        async with ws_connect(plain.port) as ws:
            await ws.send(fault_chat({"type": "drop", "after": 2}))
            assert [kind(await recv_json(ws)) for _ in range(3)] == ["role", "content", "content"]
            with pytest.raises(ConnectionClosed) as info:
                await recv_json(ws)
            assert info.value.rcvd is None  # no close frame
    run(go())


def test_fault_stall_and_backend_error(plain):
    async def go():
        async with ws_connect(plain.port) as ws:
            await ws.send(fault_chat({"type": "stall", "after": 1, "ms": 300}))
            t0 = time.monotonic()
            frames = await read_request(ws)
            assert time.monotonic() - t0 >= 0.28
            assert len(frames) == 7
            await ws.send(fault_chat({"type": "backend_error", "after": 2}, request_id="b"))
            frames = await read_request(ws, "b")
            assert [kind(f) for f in frames] == ["role", "content", "content", "error"]
            assert frames[-1] == {"error": {"message": "Backend failed", "type": "server_error", "param": None,
                                            "code": "server_error"}, "request_id": "b"}
            await still_open(ws)
    run(go())


def test_fault_malformed_invalid_utf8_binary(plain):
    async def go():
        async with ws_connect(plain.port) as ws:
            await ws.send(fault_chat([{"type": "malformed", "after": 1}, {"type": "binary", "after": 2}]))
            assert [kind(await recv_json(ws)) for _ in range(2)] == ["role", "content"]
            raw = await recv_text(ws)
            with pytest.raises(json.JSONDecodeError):
                json.loads(raw)
            assert raw.startswith('{"id":"chatcmpl-')
            assert kind(await recv_json(ws)) == "content"
            assert await asyncio.wait_for(ws.recv(), TIMEOUT) == b"\x00\x01\x02\xff"
            frames = await read_request(ws)
            assert len(frames) == 4 and frames[-1]["choices"][0]["finish_reason"] == "length"
        async with ws_connect(plain.port) as ws:
            await ws.send(fault_chat({"type": "invalid_utf8", "after": 1}))
            assert [kind(await recv_json(ws)) for _ in range(2)] == ["role", "content"]
            with pytest.raises(ConnectionClosed) as info:
                await recv_json(ws)
            assert info.value.sent is not None and info.value.sent.code == 1007  # the peer refused it
    run(go())


def test_fault_close_and_http_only_faults(plain):
    async def go():
        async with ws_connect(plain.port) as ws:
            await ws.send(fault_chat({"type": "huge", "bytes": 10}))
            err = (await recv_json(ws))["error"]
            assert err["param"] == "fault" and err["message"] == "fault `huge` is only available over HTTP"
            await ws.send(fault_chat({"type": "close", "after": 1, "code": 4003, "reason": "bye"}))
            assert [kind(await recv_json(ws)) for _ in range(2)] == ["role", "content"]
            rcvd = await expect_close(ws, 4003)
            assert rcvd.reason == "bye"
    run(go())
