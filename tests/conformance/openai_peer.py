"""Helpers of the OpenAI-dialect conformance tests: an independent peer
(`websockets` for openai-ws, raw sockets for HTTP so that framing stays
visible), SSE splitting, and shape matching against the section 10 vectors.
"""
import asyncio
import json
import re
import socket
import ssl
from pathlib import Path

import websockets

from conftest import REPO_ROOT, ServerProcess

OPENAI_VECTORS = json.loads((REPO_ROOT / "tests" / "data" / "openai-ws-vectors.json").read_text())
TIMEOUT = 10.0
ID_RE = {"chat": re.compile(r"^chatcmpl-[0-9a-f]{32}$"), "completions": re.compile(r"^cmpl-[0-9a-f]{32}$")}
KEYS = [
    {"key": "sk_good", "tenant_id": "tenant1", "name": "g", "enabled": True,
     "rate_limit": None, "created_at": 0, "last_used": None},
    {"key": "sk_off", "tenant_id": "tenant2", "name": "d", "enabled": False,
     "rate_limit": None, "created_at": 0, "last_used": None},
]
BAD_KEY_FRAME = ('{"error":{"message":"Invalid API key","type":"invalid_request_error",'
                 '"code":"invalid_api_key"}}')
SENTENCE = "The capital of France is Paris. This is a simulated response to:".split()


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def write_keys(tmp_path):
    path = Path(tmp_path) / "keys.json"
    path.write_text(json.dumps(KEYS))
    return path


class Servers:
    """Module-scoped servers: one process per distinct command line."""

    def __init__(self, path):
        self.path = path
        self.started = {}

    def get(self, *args):
        key = tuple(str(a) for a in args)
        if key not in self.started:
            self.started[key] = ServerProcess(self.path, list(key))
        return self.started[key]

    def stop_all(self):
        bad = [(s.args, rc) for s in self.started.values() if (rc := s.stop()) != 0]
        assert not bad, f"realm-server exited non-zero after SIGTERM: {bad}"


# ------------------------------------------------------------------ openai-ws

def ws_connect(port, path="/v1/chat/completions", **kw):
    kw.setdefault("ping_interval", None)
    kw.setdefault("max_size", None)
    kw.setdefault("compression", None)
    kw.setdefault("open_timeout", 5)
    kw.setdefault("close_timeout", 5)
    scheme = "wss" if kw.get("ssl") else "ws"
    host = "localhost" if kw.get("ssl") else "127.0.0.1"
    return websockets.connect(f"{scheme}://{host}:{port}{path}", **kw)


async def recv_text(ws):
    msg = await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert isinstance(msg, str), f"expected a text frame, got {msg!r}"
    return msg


async def recv_json(ws):
    return json.loads(await recv_text(ws))


def chat(content="Hi", **extra):
    return {"model": "m", "messages": [{"role": "user", "content": content}], **extra}


def completion(prompt="Once", **extra):
    return {"model": "m", "prompt": prompt, **extra}


def finish_reason(frame):
    choices = frame.get("choices") or [{}]
    return choices[0].get("finish_reason")


async def read_request(ws, request_id=None):
    """Frames of one request until its final chunk (or error)."""
    frames = []
    while True:
        f = await recv_json(ws)
        if request_id is not None:
            assert f.get("request_id") == request_id, f
        frames.append(f)
        if "error" in f or finish_reason(f) is not None or f.get("object") in ("chat.completion",):
            return frames


def piece(frame):
    """The text piece of a content chunk (chat delta or completions text)."""
    choice = frame["choices"][0]
    return choice["delta"].get("content") if "delta" in choice else choice.get("text")


# ------------------------------------------------------------ shape matching

def drop_nulls_in_delta(frame):
    """The tolerated null style of the vectors, in the canonical style."""
    for choice in frame.get("choices", []):
        if "delta" in choice:
            choice["delta"] = {k: v for k, v in choice["delta"].items() if v is not None}
    return frame


def kind(frame):
    if "error" in frame:
        return "error"
    if frame.get("type"):
        return frame["type"]
    choice = frame["choices"][0]
    if choice.get("finish_reason") is not None:
        return "final"
    if "delta" in choice and "role" in choice["delta"] and choice["delta"].get("content") is None:
        return "role"
    return "content"


def match_chunk(template, got, dialect, ids):
    """`got` must equal `template` member for member, in the same order and
    with the same JSON types, except the wildcards: id (pattern, one per
    request), created (an int, one per request), the text piece of a content
    chunk (a non-empty string) and usage (checked by the caller)."""
    got = json.loads(json.dumps(got))
    assert ID_RE[dialect].match(got["id"]), got["id"]
    assert isinstance(got["created"], int) and not isinstance(got["created"], bool)
    key = got.get("request_id")
    assert ids.setdefault(key, (got["id"], got["created"])) == (got["id"], got["created"]), \
        "id and created must be the same in every chunk of a request"
    got["id"], got["created"] = template["id"], template["created"]
    if kind(got) == "content":
        text = piece(got)
        assert isinstance(text, str) and text, got
        choice = got["choices"][0]
        if "delta" in choice:
            choice["delta"]["content"] = piece(template)
        else:
            choice["text"] = piece(template)
    if "usage" in got and "usage" in template:
        got["usage"] = template["usage"]
    assert json.dumps(got) == json.dumps(template), f"\n got {json.dumps(got)}\nwant {json.dumps(template)}"


def check_usage(usage, prompt_tokens, completion_tokens):
    assert list(usage) == ["prompt_tokens", "completion_tokens", "total_tokens"], usage
    assert usage == {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                     "total_tokens": prompt_tokens + completion_tokens}


# ---------------------------------------------------------------------- HTTP

class RawHttp:
    """A minimal HTTP/1.1 client on a raw socket: requests go out as written,
    and the body comes back as the list of HTTP chunks as the server framed
    them, so chunking, line endings and bytes stay visible."""

    def __init__(self, port, tls_ca=None):
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if tls_ca:
            ctx = ssl.create_default_context(cafile=str(tls_ca))
            sock = ctx.wrap_socket(sock, server_hostname="localhost")
        self.sock = sock
        self.file = sock.makefile("rb")

    def close(self):
        self.file.close()
        self.sock.close()

    def send(self, method, path, body=None, headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        elif method == "POST":
            lines.append("Content-Length: 0")  # without it lws 4.1 closes after the response
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))

    def read_head(self):
        status_line = self.file.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        status = int(status_line.split()[1])
        headers = {}
        while (line := self.file.readline()) not in (b"\r\n", b""):
            k, _, v = line.decode().partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers

    def read_chunks(self):
        """Chunks of a chunked body up to the terminating one; raises
        EOFError when the connection ends first (with .chunks so far)."""
        chunks = []
        while True:
            size_line = self.file.readline()
            if not size_line:
                err = EOFError("connection closed inside the chunked body")
                err.chunks = chunks
                raise err
            size = int(size_line.strip(), 16)
            data = self.file.read(size)
            assert self.file.read(2) == b"\r\n"
            if size == 0:
                return chunks
            chunks.append(data)

    def read_body(self, headers):
        if headers.get("transfer-encoding") == "chunked":
            return b"".join(self.read_chunks())
        return self.file.read(int(headers.get("content-length", 0)))

    def request(self, method, path, body=None, headers=None):
        self.send(method, path, body, headers)
        status, h = self.read_head()
        return status, h, self.read_body(h)


def sse_events(body, eol=b"\n"):
    """The data payloads of an SSE body (comment lines skipped)."""
    events = []
    for block in body.split(eol + eol):
        data = [line[6:] for line in block.split(eol) if line.startswith(b"data: ")]
        if data:
            events.append(b"\n".join(data))
    return events
