"""realm-server's OpenAI HTTP/SSE endpoints on the WebSocket port, seen from
raw sockets (so chunking, line endings and bytes stay visible): routes,
JSON and SSE shapes, include_usage, keep-alive, auth, rate limits, TLS,
disconnects and every HTTP fault.
"""
import asyncio
import json
import subprocess
import time

import pytest

from conftest import MAKE_CERTS
from openai_peer import (BAD_KEY_FRAME, SENTENCE, Servers, RawHttp, chat, check_usage, completion, kind, match_chunk,
                         recv_json, run, sse_events, write_keys, ws_connect)

CHAT = "/v1/chat/completions"
COMPLETIONS = "/v1/completions"


@pytest.fixture(scope="module")
def servers(server_path):
    s = Servers(server_path)
    yield s
    s.stop_all()


@pytest.fixture(scope="module")
def plain(servers):
    return servers.get("--enable-faults")


@pytest.fixture
def http(plain):
    conns = []

    def open_conn(port=None, **kw):
        c = RawHttp(port or plain.port, **kw)
        conns.append(c)
        return c
    yield open_conn
    for c in conns:
        c.close()


def stream_events(conn, path, body, eol=b"\n"):
    conn.send("POST", path, body)
    status, headers = conn.read_head()
    assert status == 200, status
    raw = b"".join(conn.read_chunks())
    return headers, raw, sse_events(raw, eol)


def chunk_template(dialect):
    """The section 10 shapes, for the chunks of SSE (no usage, no request_id)."""
    if dialect == "chat":
        head = '{"id":"x","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,'
        return {"role": json.loads(head + '"delta":{"role":"assistant"},"finish_reason":null}]}'),
                "content": json.loads(head + '"delta":{"content":"p"},"finish_reason":null}]}'),
                "final": json.loads(head + '"delta":{},"finish_reason":"length"}]}')}
    head = '{"id":"x","object":"text_completion","created":0,"model":"m","choices":[{"index":0,'
    return {"content": json.loads(head + '"text":"p","logprobs":null,"finish_reason":null}]}'),
            "final": json.loads(head + '"text":"","logprobs":null,"finish_reason":"length"}]}')}


# ------------------------------------------------------------------ routes

def test_health_models_404_and_keep_alive(http, servers):
    conn = http()
    assert conn.request("GET", "/health") == (200, {"content-type": "application/json", "content-length": "15"},
                                              b'{"status":"ok"}')
    status, _, body = conn.request("GET", "/v1/models")
    models = json.loads(body)
    assert status == 200 and list(models) == ["object", "data"] and models["object"] == "list"
    assert [list(m) for m in models["data"]] == [["id", "object", "created", "owned_by"]]
    assert models["data"][0]["owned_by"] == "realm-server" and models["data"][0]["object"] == "model"
    for method, path in [("GET", "/nope"), ("POST", "/v1/models"), ("GET", CHAT), ("DELETE", "/health")]:
        status, _, body = conn.request(method, path)
        assert status == 404
        assert json.loads(body) == {"error": {"message": f"Unknown endpoint: {method} {path}",
                                              "type": "invalid_request_error", "param": None, "code": "not_found"}}
    # Still the same connection after all of these.
    assert conn.request("POST", CHAT, chat(max_tokens=1))[0] == 200
    named = servers.get("--models", "alpha,beta")
    c2 = http(named.port)
    assert [m["id"] for m in json.loads(c2.request("GET", "/v1/models")[2])["data"]] == ["alpha", "beta"]
    status, _, body = c2.request("POST", CHAT, chat(model="gamma"))
    assert status == 404 and json.loads(body)["error"]["code"] == "model_not_found"


def test_non_streaming_json(http):
    conn = http()
    status, headers, body = conn.request("POST", CHAT, chat("Hello there", max_tokens=3))
    assert status == 200 and headers["content-type"] == "application/json"
    f = json.loads(body)
    assert list(f) == ["id", "object", "created", "model", "choices", "usage"] and f["object"] == "chat.completion"
    assert f["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "The capital of "},
                             "finish_reason": "length"}]
    check_usage(f["usage"], 2, 3)
    status, _, body = conn.request("POST", COMPLETIONS, completion(["Once upon", "ignored"], stream=False))
    f = json.loads(body)
    assert f["object"] == "text_completion" and f["choices"][0]["finish_reason"] == "stop"
    assert f["choices"][0]["text"].split() == SENTENCE + ["Once"] and f["choices"][0]["logprobs"] is None
    check_usage(f["usage"], 2, 13)


@pytest.mark.parametrize("dialect,path,body", [("chat", CHAT, chat("Hi", max_tokens=4, stream=True)),
                                               ("completions", COMPLETIONS, completion(max_tokens=4, stream=True))])
def test_sse_stream(http, dialect, path, body):
    headers, raw, events = stream_events(http(), path, body)
    assert headers["content-type"] == "text/event-stream" and headers["transfer-encoding"] == "chunked"
    assert events[-1] == b"[DONE]" and raw.endswith(b"data: [DONE]\n\n")
    frames = [json.loads(e) for e in events[:-1]]
    lead = ["role"] if dialect == "chat" else []
    assert [kind(f) for f in frames] == lead + ["content"] * 4 + ["final"]
    templates, ids = chunk_template(dialect), {}
    for f in frames:  # no usage anywhere without include_usage
        match_chunk(templates[kind(f)], f, dialect, ids)


def test_sse_include_usage(http):
    _, _, events = stream_events(http(), CHAT, chat("a b c", max_tokens=2, stream=True,
                                                     stream_options={"include_usage": True}))
    frames = [json.loads(e) for e in events[:-1]]
    assert events[-1] == b"[DONE]"
    assert [kind(f) for f in frames[:-1]] == ["role", "content", "content", "final"]
    assert all("usage" not in f for f in frames[:-1])
    usage = frames[-1]
    assert list(usage) == ["id", "object", "created", "model", "choices", "usage"] and usage["choices"] == []
    assert usage["id"] == frames[0]["id"]
    check_usage(usage["usage"], 3, 2)


def test_errors_keep_the_connection(http):
    conn = http()
    status, headers, body = conn.request("POST", CHAT, "not json")
    assert status == 400 and body == b'{"error":{"message":"Invalid JSON","type":"invalid_request_error",' \
                                     b'"param":null,"code":"invalid_json"}}'
    status, _, body = conn.request("POST", CHAT, {"model": "m", "messages": "not-a-list", "stream": True})
    assert status == 400 and json.loads(body)["error"] == {
        "message": "messages must be an array", "type": "invalid_request_error", "param": "messages",
        "code": "invalid_request_error"}
    status, _, body = conn.request("POST", CHAT, chat(fault={"type": "binary"}))
    assert status == 400 and json.loads(body)["error"]["message"] == "fault `binary` is only available over WebSocket"
    status, _, body = conn.request("POST", CHAT, chat(fault={"type": "crlf"}))
    assert status == 400 and json.loads(body)["error"]["message"] == 'fault `crlf` needs "stream":true'
    assert conn.request("POST", CHAT, chat(max_tokens=1))[0] == 200


def test_body_size_limit(servers, http):
    small = servers.get("--max-message-size", "2000")
    conn = http(small.port)
    status, _, body = conn.request("POST", CHAT, chat("x" * 3000))
    assert status == 413 and json.loads(body)["error"]["code"] == "request_too_large"
    assert conn.request("POST", CHAT, chat("x" * 100, max_tokens=1))[0] == 200


def test_delay_paces_sse(http):
    t0 = time.monotonic()
    _, _, events = stream_events(http(), CHAT, chat(max_tokens=11, stream=True, delay_ms=30))
    assert len(events) == 1 + 11 + 1 + 1
    assert time.monotonic() - t0 >= 0.29  # ten pauses of 30 ms


def test_client_disconnect_aborts_generation(plain, http):
    async def active_requests():
        async with ws_connect(plain.port, "/") as realm:
            await recv_json(realm)
            await realm.send(json.dumps({"id": "h", "function": "health", "params": {}}))
            return (await recv_json(realm))["data"]["active_requests"]

    conn = http()
    conn.send("POST", CHAT, chat(stream=True, max_tokens=100000, delay_ms=5))
    assert conn.read_head()[0] == 200
    conn.file.readline()  # the first chunk is out: the stream runs
    assert run(active_requests()) == 1
    conn.close()
    deadline = time.monotonic() + 5
    while run(active_requests()) != 0:  # the server notices the close asynchronously
        assert time.monotonic() < deadline, "generation still running after the client left"
        time.sleep(0.02)


def test_sigterm_drops_http_connections(server_path):
    servers = Servers(server_path)
    server = servers.get()
    streaming, idle = RawHttp(server.port), RawHttp(server.port)
    assert idle.request("GET", "/health")[0] == 200  # kept alive, idle
    streaming.send("POST", CHAT, chat(stream=True, max_tokens=100000, delay_ms=5))
    assert streaming.read_head()[0] == 200
    server.proc.terminate()
    with pytest.raises(EOFError):
        streaming.read_chunks()
    assert idle.file.readline() == b""
    servers.stop_all()  # exit code 0
    streaming.close()
    idle.close()


# -------------------------------------------------------------- auth, limits

def test_auth_bearer_only(servers, tmp_path, http):
    server = servers.get("--api-keys", write_keys(tmp_path), "--rate-limit-rpm", "60", "--rate-limit-burst", "2")
    conn = http(server.port)
    for headers in ({}, {"Authorization": "Bearer sk_wrong"}, {"Authorization": "Bearer sk_off"}):
        status, h, body = conn.request("POST", CHAT, chat(), headers)
        assert status == 401 and body.decode() == BAD_KEY_FRAME
    status, _, _ = conn.request("POST", CHAT + "?token=sk_good", chat())  # no keys in HTTP URLs
    assert status == 401
    assert conn.request("GET", "/v1/models")[0] == 401
    assert conn.request("GET", "/health")[0] == 200
    good = {"Authorization": "Bearer sk_good"}
    assert conn.request("GET", "/v1/models", headers=good)[0] == 200
    assert conn.request("POST", CHAT, chat(max_tokens=1), good)[0] == 200
    assert conn.request("POST", CHAT, chat(max_tokens=1, stream=True), good)[0] == 200
    status, headers, body = conn.request("POST", CHAT, chat(max_tokens=1), good)
    assert status == 429 and headers["retry-after"] == "1"
    e = json.loads(body)["error"]
    assert list(e) == ["message", "type", "param", "code", "retry_after_ms"]
    assert e["code"] == "rate_limit_exceeded" and e["message"].startswith("Rate limit exceeded. Try again in ")
    assert 1 <= e["retry_after_ms"] <= 1000


def test_tls_serves_https_and_wss(servers, tmp_path, http):
    subprocess.run([str(MAKE_CERTS), str(tmp_path)], check=True)
    server = servers.get("--tls-cert", tmp_path / "server.pem", "--tls-key", tmp_path / "server.key")
    conn = http(server.port, tls_ca=tmp_path / "ca.pem")
    _, _, events = stream_events(conn, CHAT, chat(max_tokens=2, stream=True))
    assert len(events) == 5
    assert conn.request("GET", "/health")[2] == b'{"status":"ok"}'

    async def go():
        import ssl
        ctx = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        async with ws_connect(server.port, ssl=ctx) as ws:
            await ws.send(json.dumps(chat(max_tokens=2)))
            assert (await recv_json(ws))["object"] == "chat.completion"
    run(go())


# ------------------------------------------------------------------ faults

def fault(f, **extra):
    return chat(stream=True, max_tokens=4, fault=f, **extra)


def test_fault_drop_and_stall(http):
    conn = http()
    conn.send("POST", CHAT, fault({"type": "drop", "after": 2}))
    assert conn.read_head()[0] == 200
    with pytest.raises(EOFError) as info:
        conn.read_chunks()
    events = sse_events(b"".join(info.value.chunks))
    assert [kind(json.loads(e)) for e in events] == ["role", "content", "content"]
    conn = http()
    t0 = time.monotonic()
    _, _, events = stream_events(conn, CHAT, fault({"type": "stall", "after": 1, "ms": 300}))
    assert time.monotonic() - t0 >= 0.28 and len(events) == 7


def test_fault_drop_non_streaming(http):
    conn = http()
    conn.send("POST", CHAT, chat(max_tokens=3, fault={"type": "drop", "after": 1}))
    assert conn.file.readline() == b""  # closed without a response


def test_fault_malformed_invalid_utf8_split_utf8(http):
    _, raw, events = stream_events(http(), CHAT, fault([{"type": "malformed", "after": 1},
                                                        {"type": "invalid_utf8", "after": 2},
                                                        {"type": "split_utf8", "after": 3}]))
    assert events[-1] == b"[DONE]"
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[2])
    assert events[2].startswith(b'{"id":"chatcmpl-')
    assert b'"delta":{"content":"\xc3\x28\xff\xfe"}' in events[4]
    a, b = events[6], events[7]  # "é" split over two consecutive events
    assert b'"delta":{"content":"\xc3"}' in a and b'"delta":{"content":"\xa9"}' in b
    assert json.loads(events[-2])["choices"][0]["finish_reason"] == "length"
    status, _, body = http().request("POST", CHAT, chat(max_tokens=2, fault={"type": "malformed"}))
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_fault_backend_error(http):
    conn = http()
    _, raw, events = stream_events(conn, CHAT, fault({"type": "backend_error", "after": 2}))
    assert [kind(json.loads(e)) for e in events] == ["role", "content", "content", "error"]  # no [DONE]
    assert json.loads(events[-1]) == {"error": {"message": "Backend failed", "type": "server_error", "param": None,
                                                "code": "server_error"}}
    status, _, body = conn.request("POST", CHAT, chat(fault={"type": "backend_error", "after": 1}))
    assert status == 500 and json.loads(body)["error"]["code"] == "server_error"


@pytest.mark.parametrize("kind_,ctype,check", [
    ("json", "application/json", lambda b: json.loads(b)["error"]["code"] == "server_error"),
    ("html", "text/html", lambda b: b.startswith(b"<html>") and b"502 Bad Gateway" in b),
    ("text", "text/plain; charset=utf-8", lambda b: b == b"fault: HTTP 502 Bad Gateway\n"),
    ("empty", None, lambda b: b == b""),
])
def test_fault_http_status(http, kind_, ctype, check):
    conn = http()
    status, headers, body = conn.request("POST", CHAT, fault({"type": "http_status", "status": 502, "body": kind_,
                                                              "retry_after": "7"}))
    assert status == 502 and headers["retry-after"] == "7" and headers.get("content-type") == ctype
    assert check(body)
    status, headers, body = conn.request("POST", CHAT, fault({"type": "http_status", "status": 429}))
    assert status == 429 and "retry-after" not in headers
    assert json.loads(body)["error"]["code"] == "rate_limit_exceeded"


def test_fault_content_type_comments_crlf_done_without_finish(http):
    conn = http()
    headers, raw, events = stream_events(conn, CHAT, fault([{"type": "content_type", "value": "text/plain"},
                                                            {"type": "comments"}]))
    assert headers["content-type"] == "text/plain"
    assert raw.count(b": ping\n\n") == len(events) - 1 and len(events) == 7
    _, raw, events = stream_events(conn, COMPLETIONS, completion(max_tokens=2, stream=True,
                                                                  fault={"type": "crlf"}), eol=b"\r\n")
    assert raw.endswith(b"data: [DONE]\r\n\r\n") and b"\n\n" not in raw.replace(b"\r\n\r\n", b"")
    assert [kind(json.loads(e)) for e in events[:-1]] == ["content", "content", "final"]
    _, raw, events = stream_events(conn, CHAT, fault({"type": "done_without_finish"},
                                                     stream_options={"include_usage": True}))
    assert events[-1] == b"[DONE]" and [kind(json.loads(e)) for e in events[:-1]] == ["role"] + ["content"] * 4


def test_fault_chunk_bytes(http):
    conn = http()
    conn.send("POST", CHAT, fault({"type": "chunk_bytes", "bytes": 1}))
    status, headers = conn.read_head()
    chunks = conn.read_chunks()
    assert status == 200 and all(len(c) == 1 for c in chunks)
    events = sse_events(b"".join(chunks))
    assert len(events) == 7 and events[-1] == b"[DONE]"
    conn.send("POST", CHAT, chat(max_tokens=2, fault={"type": "chunk_bytes", "bytes": 7}))
    status, headers = conn.read_head()
    body = conn.read_body(headers)
    assert json.loads(body)["choices"][0]["message"]["content"] == "The capital "


def test_fault_endless_line(http):
    conn = http()
    conn.send("POST", CHAT, fault({"type": "endless_line", "bytes": 300000, "close": True}))
    assert conn.read_head()[0] == 200
    with pytest.raises(EOFError) as info:
        conn.read_chunks()
    assert b"".join(info.value.chunks) == b"data: " + b"x" * 300000
    conn = http()
    conn.sock.settimeout(1.0)
    conn.send("POST", CHAT, fault({"type": "endless_line", "bytes": 1000}))
    assert conn.read_head()[0] == 200
    got = b""
    while len(got) < 1006:
        size = int(conn.file.readline(), 16)
        got += conn.file.read(size)
        conn.file.read(2)
    assert got == b"data: " + b"x" * 1000
    with pytest.raises(TimeoutError):  # and then nothing: the connection stays open and idle
        conn.file.readline()


def test_fault_huge(http):
    conn = http()
    size = 20 * 1000 * 1000
    status, headers, body = conn.request("POST", CHAT, chat(stream=False, fault={"type": "huge", "bytes": size}))
    assert status == 200 and int(headers["content-length"]) == size == len(body)
    obj = json.loads(body)
    assert set(obj["choices"][0]["message"]["content"]) == {"x"}
    assert conn.request("GET", "/health")[0] == 200  # keep-alive after it
