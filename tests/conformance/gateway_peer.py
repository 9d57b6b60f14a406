"""The clients' side of the gateway tests (test_gateway.py,
test_gateway_connections.py): the text the scripted upstreams send, requests
over raw HTTP and the Realm and openai-ws WebSocket dialects, and what the
gateway reports (/metrics, /health).
"""
import json
import re

from openai_peer import RawHttp, read_request, recv_json, sse_events, ws_connect

PIECES = ("Hel", "lo,", " \"wörld\"\n", "✓!")  # quotes, a newline, multi-byte UTF-8
TEXT = "".join(PIECES)


def chat_body(stream, **extra):
    return {"model": "m", "messages": [{"role": "user", "content": "Hi"}], "stream": stream, **extra}


def http(port, method, path, body=None):
    c = RawHttp(port)
    try:
        return c.request(method, path, body)
    finally:
        c.close()


def http_chat(port, stream, **extra):
    return http(port, "POST", "/v1/chat/completions", chat_body(stream, **extra))


def sse(raw):
    """SSE payloads: JSON objects, and the bytes b"[DONE]" as is."""
    return [e if e == b"[DONE]" else json.loads(e) for e in sse_events(raw)]


def sse_text(events):
    out = []
    for e in events:
        if isinstance(e, dict) and e.get("choices"):
            c = e["choices"][0]
            piece = c["delta"].get("content") if "delta" in c else c.get("text")
            out.append(piece or "")
    return "".join(out)


def finish_reasons(events):
    return [e["choices"][0]["finish_reason"] for e in events
            if isinstance(e, dict) and e.get("choices") and e["choices"][0].get("finish_reason")]


async def realm_generate(port, stream=True, prompt="Hi", **params):
    """Frames of one Realm generate (id "r1") up to its terminal frame."""
    async with ws_connect(port, "/") as ws:
        assert (await recv_json(ws))["status"] == "connected"
        await ws.send(json.dumps({"id": "r1", "function": "generate",
                                  "params": {"prompt": prompt, "stream": stream, **params}}))
        frames = []
        while True:
            f = await recv_json(ws)
            assert f["id"] == "r1", f
            frames.append(f)
            if f["status"] in ("complete", "error", "cancelled"):
                return frames


def realm_text(frames):
    return "".join(f["data"]["text"] for f in frames if f["status"] == "streaming")


async def openai_ws_chat(port, stream=True):
    async with ws_connect(port) as ws:
        await ws.send(json.dumps(chat_body(stream)))
        return await read_request(ws)


def metric(port, name):
    status, _, body = http(port, "GET", "/metrics")
    assert status == 200
    m = re.search(rb"^" + re.escape(name.encode()) + rb" (\S+)$", body, re.M)
    return float(m.group(1)) if m else None


def health(port):
    status, _, body = http(port, "GET", "/health")
    return status, json.loads(body)
