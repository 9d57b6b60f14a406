"""realm-server in gateway mode (--upstream URL), checked against scripted
OpenAI-compatible upstreams (gateway_upstream.py) that answer the way
llama.cpp-style servers do: SSE comments, `timings`, a usage chunk with
`"choices":[]`, [DONE] without a finish reason, 503 "Loading model" (also
with a client that goes away meanwhile), 429 with Retry-After, 401, an error
event mid-stream, an empty answer. The gateway's clients are independent
peers (gateway_peer.py): raw sockets for HTTP/SSE (openai_peer.RawHttp) and
the `websockets` package for the Realm and openai-ws WebSocket dialects.
Refused and cut upstreams, failover, cancellation, timeouts and load:
test_gateway_connections.py.
"""
import json
import time

import pytest

from gateway_peer import PIECES, TEXT, chat_body, finish_reasons, health, http, http_chat, metric, \
    openai_ws_chat, realm_generate, realm_text, sse, sse_text
from gateway_upstream import normal
from openai_peer import RawHttp, run

API_KEY = "sk-secret-XYZ"


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
