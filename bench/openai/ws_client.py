"""A minimal openai-ws client on the `websockets` package as a benchmark
peer. Pool mode (the docs' way, and librealm's default): a request takes an
idle connection or opens one, sends its JSON and reads chunks until the one
with a finish_reason, then gives the connection back. Mux mode: one
connection, requests tagged with request_id, one reader task routing chunks
to per-request state that wakes its waiter once per wait (not per chunk).

    python ws_client.py --url ws://127.0.0.1:PORT/v1/chat/completions --workload 1 [--mode mux] [--cpu 0]
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any, Dict, List, Optional

from websockets.asyncio.client import connect

import workloads as wl


def request(n: int, request_id: Optional[str] = None) -> str:
    body: Dict[str, Any] = {"model": wl.MODEL, "messages": wl.MESSAGES, "max_tokens": n, "stream": True}
    if request_id is not None:
        body["request_id"] = request_id
    return json.dumps(body)


class _Tally:
    """Counts one request's chunks; done when a chunk has a finish_reason."""

    __slots__ = ("tokens", "first", "completion", "finish", "error")

    def __init__(self) -> None:
        self.tokens, self.first = 0, 0.0
        self.completion: Any = None
        self.finish: Any = None
        self.error: Any = None

    def feed(self, msg: Dict[str, Any]) -> bool:
        if "error" in msg:
            self.error = msg["error"]
            return True
        choice = msg["choices"][0]
        if choice["delta"].get("content"):
            if not self.tokens:
                self.first = time.perf_counter()
            self.tokens += 1
        if choice.get("finish_reason") is None:
            return False
        self.finish = choice["finish_reason"]
        usage = msg.get("usage")
        if usage:
            self.completion = usage.get("completion_tokens")
        return True

    def check(self, n: int) -> float:
        if self.error is not None:
            raise SystemExit(f"request failed: {self.error}")
        wl.check_stream(self.tokens, n, self.completion, self.finish)
        return self.first


class PoolClient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.idle: List[Any] = []

    async def stream(self, n: int) -> float:
        ws = self.idle.pop() if self.idle else await connect(self.url, compression=None, max_size=None,
                                                              ping_interval=None)
        await ws.send(request(n))
        tally = _Tally()
        while not tally.feed(json.loads(await ws.recv())):
            pass
        self.idle.append(ws)
        return tally.check(n)

    async def close(self) -> None:
        for ws in self.idle:
            await ws.close()


class _Pending(_Tally):
    __slots__ = ("done",)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.done = loop.create_future()


class MuxClient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.ws: Any = None
        self.ids = itertools.count(1)
        self.pending: Dict[str, _Pending] = {}
        self.reader: Optional[asyncio.Task] = None

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            rid = msg.get("request_id")
            p = self.pending.get(rid)
            if p is not None and p.feed(msg):
                del self.pending[rid]
                p.done.set_result(None)

    async def stream(self, n: int) -> float:
        if self.ws is None:
            self.ws = await connect(self.url, compression=None, max_size=None, ping_interval=None)
            self.reader = asyncio.create_task(self._read())
        rid = f"r{next(self.ids)}"
        p = _Pending(asyncio.get_running_loop())
        self.pending[rid] = p
        await self.ws.send(request(n, rid))
        await p.done
        return p.check(n)

    async def close(self) -> None:
        await self.ws.close()
        if self.reader is not None:
            await self.reader


async def main() -> None:
    args = wl.parse_args("websockets openai-ws client")
    client = MuxClient(args.url) if args.mode == "mux" else PoolClient(args.url)
    await wl.run(client, "websockets-py", args.workload)
    await client.close()


if __name__ == "__main__":
    asyncio.run(main())
