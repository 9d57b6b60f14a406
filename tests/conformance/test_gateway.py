"""realm-server in gateway mode (--upstream URL), checked against scripted
OpenAI-compatible upstreams (gateway_upstream.py) that answer the way
llama.cpp-style servers do: SSE comments, `timings`, a usage chunk with
`"choices":[]`, [DONE] without a finish reason, 503 "Loading model", 429 with
Retry-After, 401, refused connections, a stream cut mid-way, and a client
that goes away. The gateway's clients are independent peers: raw sockets for
HTTP/SSE (openai_peer.RawHttp) and the `websockets` package for the Realm
and openai-ws WebSocket dialects.
"""
import json
import re
import subprocess
import time

import pytest

from conftest import ServerProcess
from gateway_upstream import Upstream, normal, unused_port
from openai_peer import RawHttp, read_request, recv_json, run, sse_events, ws_connect

API_KEY = "sk-secret-XYZ"
PIECES = ("Hel", "lo,", " \"wörld\"\n", "✓!")  # quotes, a newline, multi-byte UTF-8
TEXT = "".join(PIECES)


# ------------------------------------------------------------------ fixtures

class Gateway(ServerProcess):
    """realm-server --upstream ...; its stderr goes to a file."""

    def __init__(self, path, args, stderr_path):
        self.args = [path, "--port", "0", *args]
        self.stderr_path = stderr_path
        with open(stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=err)
        self.stopped = False
        self.port = self._read_port(timeout=10.0)

    def stderr(self):
        return self.stderr_path.read_bytes()


@pytest.fixture
def upstream():
    """Factory: upstream(script, port=0, get_script=None) -> a running scripted upstream."""
    started = []

    def start(script, port=0, get_script=None):
        u = Upstream(script, port, get_script)
        started.append(u)
        return u

    yield start
    for u in started:
        u.close()
    errors = [e for u in started for e in u.errors]
    assert not errors, f"scripted upstream failed: {errors}"


@pytest.fixture
def gateway(server_path, tmp_path):
    """Factory: gateway(*upstreams, *options) -> a running gateway; each
    upstream is an Upstream or a URL. All must exit 0 on SIGTERM."""
    started = []

    def start(*items):
        args = []
        for item in items:
            if isinstance(item, Upstream):
                args += ["--upstream", item.url]
            else:
                args.append(str(item))
        g = Gateway(server_path, args, tmp_path / f"gateway{len(started)}.stderr")
        started.append(g)
        return g

    yield start
    codes = [(g.args, g.stop()) for g in started]
    bad = [(args, rc) for args, rc in codes if rc != 0]
    assert not bad, f"realm-server exited non-zero after SIGTERM: {bad}"


# ------------------------------------------------------------------- clients

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


# ------------------------------------------------- 1, 5: comments and timings

@pytest.mark.parametrize("comments,timings,chunked,eol", [(True, False, True, b"\n"), (False, True, True, b"\n"),
                                                          (True, True, False, b"\n"), (True, False, True, b"\r\n")],
                         ids=["comments", "timings", "both-close-delimited", "comments-crlf"])
def test_sse_comments_and_timings_are_ignored(upstream, gateway, comments, timings, chunked, eol):
    up = upstream(normal(PIECES, comments=comments, timings=timings, chunked=chunked, eol=eol))
    gw = gateway(up)

    status, headers, raw = http_chat(gw.port, True)
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    events = sse(raw)
    assert sse_text(events) == TEXT
    assert finish_reasons(events) == ["stop"]
    assert events[-1] == b"[DONE]" and not any(isinstance(e, dict) and "error" in e for e in events)
    assert b"ping" not in raw and b"timings" not in raw and b"predicted" not in raw
    roles = [e for e in events if isinstance(e, dict) and "role" in e["choices"][0]["delta"]]
    assert len(roles) == 1 and events.index(roles[0]) == 0, events  # the upstream's is not repeated

    status, _, raw = http_chat(gw.port, False)
    assert status == 200, raw
    answer = json.loads(raw)
    assert answer["choices"][0]["message"]["content"] == TEXT
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert "timings" not in answer

    frames = run(realm_generate(gw.port))
    assert realm_text(frames) == TEXT
    assert frames[-1]["status"] == "complete", frames[-1]

    frames = run(openai_ws_chat(gw.port))
    assert sse_text(frames) == TEXT and frames[-1]["choices"][0]["finish_reason"] == "stop"

    status, _, raw = http(gw.port, "POST", "/v1/completions", {"model": "m", "prompt": "Once", "stream": True})
    assert status == 200 and sse_text(sse(raw)) == TEXT
    assert [r.path for r in up.requests] == ["/v1/chat/completions"] * 4 + ["/v1/completions"]
    assert all(r.body["stream"] is True for r in up.requests)
    for dialect, n in (("openai-http", 3), ("realm", 1), ("openai-ws", 1)):
        assert metric(gw.port, f'realm_gateway_requests_total{{dialect="{dialect}"}}') == n
    assert metric(gw.port, "realm_gateway_tokens_total") == 5 * len(PIECES)
    assert metric(gw.port, "realm_gateway_time_to_first_token_seconds_count") == 5


# --------------------------------------------- 2: [DONE] without finish_reason

def done_without_finish(pieces):
    def script(ex):
        ex.sse_begin()
        if ex.chat:
            ex.event(ex.chunk(role=True))
        for p in pieces:
            ex.event(ex.chunk(p))
        ex.done()
        ex.end()
    return script


@pytest.mark.parametrize("pieces", [("Hel", "lo"), ()], ids=["after-tokens", "no-tokens"])
def test_done_without_finish_reason_is_an_error(upstream, gateway, pieces):
    up = upstream(done_without_finish(pieces))
    gw = gateway(up)

    status, _, raw = http_chat(gw.port, True)
    events = sse(raw)
    if pieces:  # the stream had begun: an error event, then the end (no [DONE])
        assert status == 200
        errors = [e for e in events if isinstance(e, dict) and "error" in e]
        assert len(errors) == 1 and events[-1] is errors[0], events
        assert "truncated" in errors[0]["error"]["message"]
        assert sse_text(events) == "".join(pieces)
    else:  # nothing sent yet: the error is the whole response
        assert status == 502, raw
        assert "truncated" in json.loads(raw)["error"]["message"]
    assert b"[DONE]" not in raw and not finish_reasons(events)

    status, _, raw = http_chat(gw.port, False)
    assert status == 502, raw
    assert json.loads(raw)["error"]["type"] == "server_error"

    frames = run(realm_generate(gw.port))
    assert frames[-1]["status"] == "error" and frames[-1]["error"]["code"] == "BACKEND_ERROR", frames[-1]
    assert not any(f["status"] == "complete" for f in frames)

    frames = run(openai_ws_chat(gw.port))
    assert "error" in frames[-1] and not any(finish_reasons(frames[:-1])), frames


# ---------------------------------------------------------------- 3: usage

@pytest.mark.parametrize("usage,on_final", [(None, False), ((37, 5), False), ((37, 5), True)],
                         ids=["absent", "choices-empty-chunk", "on-final-chunk"])
def test_usage_of_the_upstream(upstream, gateway, usage, on_final):
    up = upstream(normal(PIECES, usage=usage, usage_on_final=on_final))
    gw = gateway(up)

    status, _, raw = http_chat(gw.port, False)
    assert status == 200, raw
    answer = json.loads(raw)
    assert answer["choices"][0]["message"]["content"] == TEXT
    u = answer["usage"]
    assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]
    if usage:
        assert u == {"prompt_tokens": 37, "completion_tokens": 5, "total_tokens": 42}

    status, _, raw = http_chat(gw.port, True, stream_options={"include_usage": True})
    events = sse(raw)
    assert sse_text(events) == TEXT and events[-1] == b"[DONE]"
    usages = [e["usage"] for e in events if isinstance(e, dict) and e.get("usage")]
    assert len(usages) == 1
    if usage:
        assert usages[0] == {"prompt_tokens": 37, "completion_tokens": 5, "total_tokens": 42}

    frames = run(realm_generate(gw.port, stream=False))
    assert frames[-1]["status"] == "complete", frames
    data = frames[-1]["data"]
    assert data["text"] == TEXT and data["finish_reason"] == "stop"
    if usage:
        assert data["prompt_tokens"] == 37 and data["tokens_generated"] == 5
    # The gateway asks for usage (stream_options.include_usage) every time.
    assert all(r.body.get("stream_options") == {"include_usage": True} for r in up.requests)


# ---------------------------------------------------------- 4: 503 loading

LOADING = {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}}


def loading_then(k, then, retry_after=None):
    headers = {"Retry-After": retry_after} if retry_after else None

    def script(ex):
        if ex.index < k:
            ex.json(503, LOADING, headers)
        else:
            then(ex)
    return script


def loading_models(k, up_holder):
    """GET /v1/models of an upstream that loads: 503 until it answered a
    completion (llama.cpp answers every endpoint so while loading)."""
    def script(ex):
        up = up_holder[0]
        if len(up.requests) <= k:
            ex.json(503, LOADING)
        else:
            ex.json(200, {"object": "list", "data": [{"id": "up-model", "object": "model"}]})
    return script


def test_loading_model_is_waited_for(upstream, gateway):
    holder = []
    up = upstream(loading_then(2, normal(PIECES)), get_script=loading_models(2, holder))
    holder.append(up)
    gw = gateway(up, "--upstream-wait-ms", 10000)
    status, _, raw = http_chat(gw.port, True)
    assert status == 200 and sse_text(sse(raw)) == TEXT and raw.endswith(b"data: [DONE]\n\n")
    assert len(up.requests) == 3  # two 503s, then the answer
    assert metric(gw.port, "realm_gateway_retries_total") == 2

    holder = []
    up2 = upstream(loading_then(1, normal(PIECES)), get_script=loading_models(1, holder))
    holder.append(up2)
    gw2 = gateway(up2, "--upstream-wait-ms", 10000)
    frames = run(realm_generate(gw2.port))
    assert realm_text(frames) == TEXT and frames[-1]["status"] == "complete"
    assert len(up2.requests) == 2


@pytest.mark.parametrize("retry_after", [None, "3"], ids=["no-retry-after", "retry-after-3"])
def test_loading_past_the_wait_is_a_clean_503(upstream, gateway, retry_after):
    up = upstream(loading_then(10 ** 6, None, retry_after))
    gw = gateway(up, "--upstream-wait-ms", 300)
    for stream in (True, False):
        t0 = time.monotonic()
        status, headers, raw = http_chat(gw.port, stream)
        assert time.monotonic() - t0 < 3.0  # the wait, not the upstream's Retry-After
        assert status == 503, raw
        assert headers["content-type"].startswith("application/json")
        err = json.loads(raw)["error"]
        assert err["type"] == "server_error" and err["message"]
        if retry_after:
            assert int(headers["retry-after"]) >= 3, headers
        else:
            assert "retry-after" not in headers or int(headers["retry-after"]) >= 1
    frames = run(realm_generate(gw.port))
    assert len(frames) == 1 and frames[0]["status"] == "error", frames
    assert frames[0]["error"]["code"] == "BACKEND_ERROR"
    assert len(up.requests) >= 3 * 2  # each request asked at least twice before giving up


# ------------------------------------------------------------ 6: 429

def rate_limited(ex):
    ex.json(429, {"error": {"code": 429, "message": "Too many requests", "type": "rate_limit_error"}},
            {"Retry-After": "7"})


def test_rate_limit_passes_retry_after(upstream, gateway):
    up = upstream(rate_limited)
    gw = gateway(up)
    for stream in (True, False):
        status, headers, raw = http_chat(gw.port, stream)
        assert status == 429, raw
        assert int(headers["retry-after"]) >= 7
        assert json.loads(raw)["error"]["type"] == "rate_limit_exceeded"

    frames = run(realm_generate(gw.port))
    assert len(frames) == 1, frames
    err = frames[0]["error"]
    assert err["code"] == "RATE_LIMIT_EXCEEDED", err
    assert 7000 <= err["details"]["retry_after_ms"] <= 8000

    frames = run(openai_ws_chat(gw.port))
    assert frames[-1]["error"]["type"] == "rate_limit_exceeded"
    assert len(up.requests) == 4  # passed on, not retried


# ------------------------------------------------------------ 7: 401

def unauthorized(echo):
    """llama.cpp's 401 (its /v1/models stays public), or one that quotes
    the key it got, as OpenAI's does: the gateway must never pass it on."""
    message = f"Incorrect API key provided: {API_KEY}" if echo else "Invalid API Key"

    def script(ex):
        ex.json(401, {"error": {"code": 401, "message": message, "type": "authentication_error"}})
    return script


@pytest.mark.parametrize("echo", [False, True], ids=["llamacpp", "echoes-the-key"])
def test_upstream_401_hides_the_key(upstream, gateway, echo):
    up = upstream(unauthorized(echo), get_script=unauthorized(echo) if echo else None)
    gw = gateway(up, "--upstream-api-key", API_KEY, "--upstream-wait-ms", 300)
    seen = []
    for stream in (True, False):
        status, headers, raw = http_chat(gw.port, stream)
        seen.append(raw + json.dumps(headers).encode())
        assert status == 502, raw
        err = json.loads(raw)["error"]
        assert err["type"] == "server_error" and "credentials" in err["message"], err

    frames = run(realm_generate(gw.port))
    seen.append(json.dumps(frames).encode())
    assert frames[-1]["error"]["code"] == "BACKEND_ERROR" and "credentials" in frames[-1]["error"]["message"]

    frames = run(openai_ws_chat(gw.port))
    seen.append(json.dumps(frames).encode())
    assert "credentials" in frames[-1]["error"]["message"]

    seen += [http(gw.port, "GET", p)[2] for p in ("/health", "/metrics")]
    # What reached the upstream carried the key (the probe's GETs too).
    assert up.requests or echo, "no completion request reached the upstream"
    sent = [r.headers for r in up.requests] + up.get_headers
    assert sent and all(h.get("authorization") == f"Bearer {API_KEY}" for h in sent), sent
    for blob in seen:
        assert API_KEY.encode() not in blob and b"secret" not in blob, blob
    gw.stop()
    assert API_KEY.encode() not in gw.stderr() and b"secret" not in gw.stderr(), gw.stderr()


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


# ------------------------------------ an error event inside the upstream's stream

def error_event_after_tokens(ex):
    # llama.cpp reports a failure met while generating as an SSE error event.
    ex.sse_begin()
    ex.event(ex.chunk(role=True))
    for p in ("one", " two"):
        ex.event(ex.chunk(p))
    ex.event({"error": {"code": 500, "message": "the request exceeds the available context size",
                        "type": "server_error"}})
    ex.end()


@pytest.mark.parametrize("client", ["sse", "realm"])
def test_error_event_mid_stream_is_one_error(upstream, gateway, client):
    up = upstream(error_event_after_tokens)
    gw = gateway(up)
    if client == "sse":
        status, _, raw = http_chat(gw.port, True)
        events = sse(raw)
        errors = [e for e in events if isinstance(e, dict) and "error" in e]
        assert status == 200 and len(errors) == 1 and events[-1] is errors[0], events
        assert "context size" in errors[0]["error"]["message"]
        assert sse_text(events) == "one two" and b"[DONE]" not in raw
    else:
        frames = run(realm_generate(gw.port))
        assert [f["status"] for f in frames] == ["streaming"] * 2 + ["error"], frames
        assert frames[-1]["error"]["code"] == "BACKEND_ERROR"
    assert len(up.requests) == 1


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


def test_client_gone_while_waiting_for_a_loading_upstream(upstream, gateway):
    up = upstream(loading_then(10 ** 6, None))
    gw = gateway(up, "--upstream-wait-ms", 20000)
    c = RawHttp(gw.port)
    c.send("POST", "/v1/chat/completions", chat_body(False))
    assert up.wait_for(lambda: len(up.requests) >= 2, 5)  # retrying every 500 ms
    c.close()
    n = len(up.requests)
    # Nothing to wait on: the check is that no request comes within several retry delays.
    assert not up.wait_for(lambda: len(up.requests) > n + 1, 2.0), \
        f"the gateway kept asking the upstream for a client that left ({len(up.requests)} requests)"
    status, h = health(gw.port)
    assert h["upstreams"][0]["outstanding"] == 0


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


def test_empty_answer_keeps_the_upstreams_finish_reason(upstream, gateway):
    up = upstream(normal((), finish="length", usage=(9, 0)))
    gw = gateway(up)
    status, _, raw = http_chat(gw.port, True)
    events = sse(raw)
    assert status == 200 and sse_text(events) == "" and finish_reasons(events) == ["length"]
    assert events[-1] == b"[DONE]"
    status, _, raw = http_chat(gw.port, False)
    answer = json.loads(raw)
    assert status == 200 and answer["choices"][0]["message"]["content"] == ""
    assert answer["choices"][0]["finish_reason"] == "length"
    assert answer["usage"] == {"prompt_tokens": 9, "completion_tokens": 0, "total_tokens": 9}
    frames = run(realm_generate(gw.port))
    assert [f["status"] for f in frames] == ["complete"], frames
