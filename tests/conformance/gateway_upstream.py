"""Scripted OpenAI-compatible upstreams for the gateway tests: a stdlib HTTP/1.1
server in a thread (127.0.0.1, port 0 unless told) whose generation answers
are written by a test's script, byte for byte, the way llama.cpp-style
servers answer (SSE with `data:` events, `: ping` comments, `timings`,
a usage chunk with `"choices":[]`, `503 Loading model`, 429 + Retry-After...).

Every POST is recorded (path, headers, JSON body) with what happened to its
connection: when a write failed or the peer closed it (`closed_at`,
time.monotonic()). GET {base}/models (the gateway's probe) answers 200.
"""
import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Exchange:
    """One POST to the upstream, handed to the script."""

    def __init__(self, handler, index, path, headers, body):
        self.h = handler
        self.index = index  # 0-based among the POSTs this upstream received
        self.path = path
        self.headers = headers
        self.body = body
        self.chat = path.endswith("/chat/completions")
        self.chunked = True
        self.closed_at = None  # the peer closed / a write failed
        self.writes = 0  # successful writes (head, events...)
        self.eol = b"\n"  # SSE line ending: sse-starlette (llama-cpp-python) uses b"\r\n"
        self.received_at = time.monotonic()

    # ------------------------------------------------------------ writing
    def _write(self, data):
        try:
            self.h.wfile.write(data)
            self.h.wfile.flush()
            self.writes += 1
            self.h.server.upstream._notify()
            return True
        except OSError:
            self._mark_closed()
            return False

    def _mark_closed(self):
        if self.closed_at is None:
            self.closed_at = time.monotonic()
            self.h.server.upstream._notify()

    def json(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        head = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}",
                "Content-Type: application/json", f"Content-Length: {len(body)}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self._write(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def sse_begin(self, chunked=True):
        self.chunked = chunked
        head = ["HTTP/1.1 200 OK", "Content-Type: text/event-stream", "Cache-Control: no-cache"]
        head.append("Transfer-Encoding: chunked" if chunked else "Connection: close")
        return self._write(("\r\n".join(head) + "\r\n\r\n").encode())

    def raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.chunked:
            data = b"%x\r\n" % len(data) + data + b"\r\n"
        return self._write(data)

    def event(self, obj):
        return self.raw(b"data: " + (obj if isinstance(obj, bytes) else json.dumps(obj).encode()) + self.eol * 2)

    def comment(self, text="ping - 2026-12-06 23:59:59.123456+00:00"):  # sse-starlette's keep-alive
        return self.raw(f": {text}".encode() + self.eol * 2)

    def done(self):
        return self.event(b"[DONE]")

    def end(self):
        """Ends the body properly (terminating chunk, or the close of a
        close-delimited body)."""
        if self.chunked:
            self._write(b"0\r\n\r\n")

    def cut(self):
        """Closes the TCP connection at once, inside the body."""
        try:
            self.h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ------------------------------------------------------------ shapes
    def chunk(self, content=None, finish=None, role=False, **extra):
        """One streaming chunk in llama.cpp's shape for this endpoint."""
        if self.chat:
            delta = {}
            if role:
                delta["role"] = "assistant"
            if content is not None:
                delta["content"] = content
            choice = {"finish_reason": finish, "index": 0, "delta": delta}
            obj = {"choices": [choice], "created": 1765065600, "id": "chatcmpl-up", "model": "up-model",
                   "system_fingerprint": "b1-deadbeef", "object": "chat.completion.chunk"}
        else:
            choice = {"text": content or "", "index": 0, "logprobs": None, "finish_reason": finish}
            obj = {"choices": [choice], "created": 1765065600, "id": "cmpl-up", "model": "up-model",
                   "object": "text_completion"}
        obj.update(extra)
        return obj

    def usage_chunk(self, prompt, completion, **extra):
        obj = self.chunk()
        obj["choices"] = []
        obj["usage"] = {"completion_tokens": completion, "prompt_tokens": prompt,
                        "total_tokens": prompt + completion}
        obj.update(extra)
        return obj

    # ------------------------------------------------------------ watching
    def peer_closed(self, wait):
        """True once the peer has closed (EOF or reset) within `wait` s."""
        if self.closed_at is not None:
            return True
        sock = self.h.connection
        try:
            ready, _, _ = select.select([sock], [], [], wait)
            if ready and sock.recv(1, socket.MSG_PEEK) == b"":
                self._mark_closed()
        except OSError:
            self._mark_closed()
        return self.closed_at is not None

    def stream_until_closed(self, piece="x", interval=0.02, limit=30.0):
        """Sends a content chunk every `interval` s until the peer goes away
        (then records closed_at) or `limit` s pass."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if not self.event(self.chunk(piece)):
                return
            if self.peer_closed(interval):
                return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        up = self.server.upstream
        with up.cond:
            up.gets.append(self.path)
            up.get_headers.append({k.lower(): v for k, v in self.headers.items()})
            up.cond.notify_all()
        self.close_connection = True
        if up.get_script:
            up.get_script(Exchange(self, len(up.gets) - 1, self.path, up.get_headers[-1], None))
            return
        body = json.dumps({"object": "list", "data": [{"id": "up-model", "object": "model",
                                                       "created": 0, "owned_by": "llamacpp"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_POST(self):
        up = self.server.upstream
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        with up.cond:
            ex = Exchange(self, len(up.requests), self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            up.requests.append(ex)
            up.cond.notify_all()
        self.close_connection = True
        try:
            up.script(ex)
        except Exception as e:  # noqa: BLE001 - reported by the test through up.errors
            up.errors.append(repr(e))
        finally:
            ex.peer_closed(0)
            up._notify()


class Upstream:
    """A scripted upstream: `script(exchange)` answers every POST."""

    def __init__(self, script, port=0, get_script=None):
        self.script = script
        self.get_script = get_script  # answers GETs (the gateway's probe) instead of a 200 model list
        self.requests = []
        self.gets = []
        self.get_headers = []
        self.errors = []
        self.cond = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.server.upstream = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/v1"

    def _notify(self):
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, predicate, timeout=10.0):
        """Waits until predicate() holds (re-checked on every recorded
        event); returns its last value."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate()
                left = deadline - time.monotonic()
                if value or left <= 0:
                    return value
                self.cond.wait(min(left, 0.1))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def unused_port():
    """A port nothing listens on (bound and released: connects are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ------------------------------------------------------------------ scripts

def normal(pieces=("Hel", "lo", " world"), finish="stop", usage=None, comments=False, timings=False,
           chunked=True, usage_on_final=False, eol=b"\n"):
    """A llama.cpp-style stream: role chunk, content chunks, final chunk,
    optional usage chunk (`"choices":[]`), [DONE]."""
    tim = {"prompt_n": 4, "prompt_ms": 12.5, "predicted_n": len(pieces), "predicted_ms": 30.1,
           "predicted_per_second": 99.6}

    def script(ex):
        ex.eol = eol
        ex.sse_begin(chunked)
        if ex.chat:
            ex.event(ex.chunk(role=True))
        for p in pieces:
            if comments:
                ex.comment()
            ex.event(ex.chunk(p, **({"timings": tim} if timings else {})))
        if comments:
            ex.comment()
        extra = {"timings": tim} if timings else {}
        if usage and usage_on_final:
            extra["usage"] = {"completion_tokens": usage[1], "prompt_tokens": usage[0],
                              "total_tokens": usage[0] + usage[1]}
        ex.event(ex.chunk(finish=finish, **extra))
        if usage and not usage_on_final:
            ex.event(ex.usage_chunk(*usage, **({"timings": tim} if timings else {})))
        if comments:
            ex.comment()
        ex.done()
        ex.end()
    return script
