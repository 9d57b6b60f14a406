"""realm-server in gateway mode (--upstream URL) when connections fail or
go away: refused upstreams (failover, probing back), an upstream cut
mid-stream, clients that cancel or disconnect (the upstream exchange is
closed), the upstream timeout, and concurrent requests. Scripted upstreams:
gateway_upstream.py; clients: gateway_peer.py. The upstream's answers
(SSE quirks, usage, 503/429/401): test_gateway.py.
"""
import json
import time

import pytest

from gateway_peer import PIECES, TEXT, chat_body, finish_reasons, health, http_chat, metric, openai_ws_chat, \
    realm_generate, realm_text, sse, sse_text
from gateway_upstream import normal, unused_port
from openai_peer import RawHttp, recv_json, run, ws_connect


# ------------------------------------------- 8: refused upstream, failover, probe

@pytest.mark.parametrize("when", ["at-start", "later"])
def test_refused_upstream_fails_over_and_is_probed_back(upstream, gateway, when):
    good = upstream(normal(PIECES))
    if when == "at-start":  # nothing listens there yet (llama.cpp still starting)
        dead_port = unused_port()
        gw = gateway("--upstream", f"http://127.0.0.1:{dead_port}/v1", good)
    else:  # it answered, then went away
        first = upstream(normal(PIECES))
        dead_port = first.port
        gw = gateway(first, good)
        first.close()

    for stream in (True, False):
        status, _, raw = http_chat(gw.port, stream)
        assert status == 200, raw
    frames = run(realm_generate(gw.port))
    assert realm_text(frames) == TEXT and frames[-1]["status"] == "complete"
    assert len(good.requests) == 3

    status, h = health(gw.port)
    assert status == 200 and h["status"] == "ok"
    assert [(u["upstream"], u["up"]) for u in h["upstreams"]] == [("0", False), ("1", True)]
    assert metric(gw.port, 'realm_gateway_upstream_up{upstream="0"}') == 0
    assert metric(gw.port, 'realm_gateway_upstream_up{upstream="1"}') == 1

    revived = upstream(normal(PIECES), port=dead_port)
    assert revived.wait_for(lambda: "/v1/models" in revived.gets, 10), "upstream 0 was never probed"
    deadline = time.monotonic() + 10
    while not health(gw.port)[1]["upstreams"][0]["up"]:
        assert time.monotonic() < deadline, "upstream 0 was not probed back within 10 s"
        revived.wait_for(lambda: False, 0.05)  # bounded poll interval
    assert metric(gw.port, 'realm_gateway_upstream_up{upstream="0"}') == 1
    for _ in range(3):  # round robin over equally idle upstreams reaches it
        assert http_chat(gw.port, False)[0] == 200
    assert len(revived.requests) >= 1


def test_no_upstream_up_is_a_503(gateway):
    gw = gateway("--upstream", f"http://127.0.0.1:{unused_port()}/v1", "--upstream-wait-ms", 200)
    for stream in (True, False):
        status, headers, raw = http_chat(gw.port, stream)
        assert status == 503, raw
        assert json.loads(raw)["error"]["code"] == "upstream_unavailable"
        assert int(headers["retry-after"]) >= 1  # the gateway knows when it probes again
    frames = run(realm_generate(gw.port))
    assert frames[-1]["error"]["code"] == "BACKEND_ERROR", frames
    status, h = health(gw.port)
    assert status == 503 and h["status"] == "unavailable" and h["upstreams"][0]["up"] is False


# --------------------------------------------------- 9: cut mid-stream

def cut_after_tokens(ex, chunked=True):
    ex.sse_begin(chunked)
    if ex.chat:
        ex.event(ex.chunk(role=True))
    for p in ("one", " two", " three"):
        ex.event(ex.chunk(p))
    ex.cut()


@pytest.mark.parametrize("client", ["sse", "json", "realm", "openai-ws", "sse-close-delimited"])
def test_cut_mid_stream_ends_with_one_error_and_no_resend(upstream, gateway, client):
    # Close-delimited SSE: the cut is an ordinary end of body, without [DONE].
    chunked = not client.endswith("close-delimited")
    a, b = (upstream(lambda ex: cut_after_tokens(ex, chunked)) for _ in range(2))
    gw = gateway(a, b)
    if client.startswith("sse"):
        status, _, raw = http_chat(gw.port, True)
        events = sse(raw)
        errors = [e for e in events if isinstance(e, dict) and "error" in e]
        assert status == 200 and len(errors) == 1 and events[-1] is errors[0], events
        assert errors[0]["error"]["code"] == "upstream_error", errors  # a failure, not "unavailable"
        assert sse_text(events) == "one two three"
        assert b"[DONE]" not in raw and not finish_reasons(events)
    elif client == "json":
        status, _, raw = http_chat(gw.port, False)
        assert status == 502, raw
        assert json.loads(raw)["error"]["code"] == "upstream_error"
    elif client == "realm":
        frames = run(realm_generate(gw.port))
        assert [f["status"] for f in frames] == ["streaming"] * 3 + ["error"], frames
        assert realm_text(frames) == "one two three"
        assert frames[-1]["error"]["code"] == "BACKEND_ERROR"
        assert frames[-1]["error"]["details"] == {"upstream_code": "upstream_error"}
    else:
        frames = run(openai_ws_chat(gw.port))
        assert sum("error" in f for f in frames) == 1 and "error" in frames[-1], frames
        assert sse_text(frames[:-1]) == "one two three"
    # The first token had arrived: the request must not go out again.
    assert len(a.requests) + len(b.requests) == 1


# ------------------------------------------------- 10: client cancels

CLOSE_PROMPTLY_S = 1.5


def endless(ex):
    ex.sse_begin()
    if ex.chat:
        ex.event(ex.chunk(role=True))
    ex.stream_until_closed("tick ", interval=0.02, limit=20)


def wait_upstream_closed(up, t0):
    assert up.wait_for(lambda: up.requests and up.requests[0].closed_at, 5), \
        "the upstream connection stayed open after the client cancelled"
    lag = up.requests[0].closed_at - t0
    assert lag < CLOSE_PROMPTLY_S, f"upstream closed {lag:.2f} s after the client cancelled"


@pytest.mark.parametrize("stream", [True, False], ids=["sse", "json"])
def test_http_client_disconnect_closes_the_upstream(upstream, gateway, stream):
    up = upstream(endless)
    gw = gateway(up)
    c = RawHttp(gw.port)
    c.send("POST", "/v1/chat/completions", chat_body(stream))
    if stream:
        status, _ = c.read_head()
        assert status == 200
        got = b""
        while b"tick" not in got:
            size = int(c.file.readline().strip(), 16)
            got += c.file.read(size + 2)
    else:  # no answer before the end: wait until the upstream has streamed a few chunks
        assert up.wait_for(lambda: up.requests and up.requests[0].writes >= 5, 5)
    t0 = time.monotonic()
    c.close()
    wait_upstream_closed(up, t0)
    assert len(up.requests) == 1


@pytest.mark.parametrize("how", ["cancel-frame", "close-socket"])
def test_openai_ws_cancel_closes_the_upstream(upstream, gateway, how):
    up = upstream(endless)
    gw = gateway(up)

    async def go():
        async with ws_connect(gw.port) as ws:
            await ws.send(json.dumps(chat_body(True, request_id="r1")))
            while True:
                f = await recv_json(ws)
                assert f.get("request_id") == "r1" and "error" not in f, f
                if (f["choices"][0]["delta"].get("content") or "").startswith("tick"):
                    break
            t0 = time.monotonic()
            if how == "close-socket":
                return t0
            await ws.send(json.dumps({"type": "cancel", "request_id": "r1"}))
            while True:
                f = await recv_json(ws)
                if f["choices"][0]["finish_reason"] is not None:
                    assert f["choices"][0]["finish_reason"] == "abort", f
                    break
            # The socket stays usable.
            await ws.send(json.dumps({"type": "ping", "id": "k"}))
            assert (await recv_json(ws)) == {"type": "pong", "id": "k"}
            return t0

    t0 = run(go())
    wait_upstream_closed(up, t0)


@pytest.mark.parametrize("how", ["cancel-call", "close-socket"])
def test_realm_cancel_closes_the_upstream(upstream, gateway, how):
    up = upstream(endless)
    gw = gateway(up)

    async def go():
        async with ws_connect(gw.port, "/") as ws:
            assert (await recv_json(ws))["status"] == "connected"
            await ws.send(json.dumps({"id": "r1", "function": "generate", "params": {"prompt": "Hi", "stream": True}}))
            f = await recv_json(ws)
            assert f["status"] == "streaming" and f["data"]["text"] == "tick ", f
            t0 = time.monotonic()
            if how == "close-socket":
                return t0
            await ws.send(json.dumps({"id": "c1", "function": "cancel", "params": {"id": "r1"}}))
            seen = {}
            while len(seen) < 2:
                f = await recv_json(ws)
                if f["status"] != "streaming":
                    seen[f["id"]] = f
            assert seen["r1"]["status"] == "cancelled", seen
            assert seen["c1"]["data"] == {"cancelled": True}, seen
            return t0

    t0 = run(go())
    wait_upstream_closed(up, t0)


# ---------------------------------------------- timeouts, abandoned retries, load

def stuck(ex):
    """Takes the request and answers nothing until the peer goes away."""
    ex.peer_closed(10)


def test_upstream_timeout_is_a_504_and_closes_the_upstream(upstream, gateway):
    up = upstream(stuck)
    gw = gateway(up, "--upstream-timeout-ms", 500)
    t0 = time.monotonic()
    status, headers, raw = http_chat(gw.port, True)
    assert status == 504, raw
    assert json.loads(raw)["error"]["code"] == "upstream_timeout"
    assert time.monotonic() - t0 < 3
    assert up.wait_for(lambda: up.requests[0].closed_at, 5), "the timed-out upstream exchange stayed open"
    assert len(up.requests) == 1  # a timeout is not retried elsewhere


def test_concurrent_requests_are_all_exact(upstream, gateway):
    import concurrent.futures
    up = upstream(normal(PIECES, comments=True, usage=(3, 4)))
    gw = gateway(up)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: http_chat(gw.port, i % 2 == 0), range(16)))
    for i, (status, _, raw) in enumerate(results):
        assert status == 200, raw
        if i % 2 == 0:
            assert sse_text(sse(raw)) == TEXT
        else:
            assert json.loads(raw)["choices"][0]["message"]["content"] == TEXT
    assert len(up.requests) == 16
    status, h = health(gw.port)
    assert status == 200 and h["upstreams"][0]["outstanding"] == 0
    assert metric(gw.port, 'realm_gateway_requests_total{dialect="openai-http"}') == 16
    assert metric(gw.port, 'realm_gateway_upstream_outstanding{upstream="0"}') == 0
