"""Baseline: a minimal Realm client on the `websockets` library, speaking the
same protocol as librealm (welcome, id-routed function calls, streaming
frames, complete/error), with the same public shape as realm's asyncio client:
``await client.generate(params)`` and ``async for token in
client.generate_stream(params)``. One reader task routes frames by id; streams
buffer tokens and wake their consumer through one future per wait (not per
token), like realm's native iterator.

    python ws_baseline.py --url ws://127.0.0.1:PORT --workload 1 [--cpu 0]
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
from typing import Any, Deque, Dict, Optional

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import bench_common as bc


class BaselineError(Exception):
    pass


class _Request:
    """A pending call: collects streamed text, resolves a future when it ends."""

    __slots__ = ("future", "text")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.future = loop.create_future()
        self.text: list = []

    def on_token(self, text: str) -> None:
        self.text.append(text)

    def on_done(self, data: Any, error: Optional[BaseException]) -> None:
        if self.future.done():
            return
        if error is not None:
            self.future.set_exception(error)
        else:
            result = dict(data) if isinstance(data, dict) else {"data": data}
            if self.text:
                result["text"] = "".join(self.text)
            self.future.set_result(result)


class _Stream:
    """Async iterator over the tokens of one streaming request."""

    __slots__ = ("_client", "_call", "_loop", "tokens", "waiter", "done", "error", "_sent")

    def __init__(self, client: "BaselineClient", call: Dict[str, Any]) -> None:
        self._client = client
        self._call = call
        self._loop = asyncio.get_running_loop()
        self.tokens: Deque[str] = collections.deque()
        self.waiter: Optional[asyncio.Future] = None
        self.done = False
        self.error: Optional[BaseException] = None
        self._sent = False

    def _wake(self) -> None:
        w = self.waiter
        if w is not None:
            self.waiter = None
            if not w.done():
                w.set_result(None)

    def on_token(self, text: str) -> None:
        self.tokens.append(text)
        self._wake()

    def on_done(self, data: Any, error: Optional[BaseException]) -> None:
        self.done = True
        self.error = error
        self._wake()

    def __aiter__(self) -> "_Stream":
        return self

    async def __anext__(self) -> str:
        if not self._sent:
            self._sent = True
            await self._client._send(self._call)
        while not self.tokens:
            if self.done:
                if self.error is not None:
                    raise self.error
                raise StopAsyncIteration
            self.waiter = self._loop.create_future()
            await self.waiter
        return self.tokens.popleft()


class BaselineClient:
    def __init__(self, url: str, tenant_id: str) -> None:
        self.url = url
        self.tenant_id = tenant_id
        self._ids = itertools.count(1)
        self._pending: Dict[str, Any] = {}
        self._ws: Any = None
        self._reader: Optional[asyncio.Task] = None

    async def connect(self) -> None:
        self._ws = await connect(self.url, compression=None, max_size=None, ping_interval=None)
        welcome = json.loads(await self._ws.recv())
        if welcome.get("status") != "connected":
            raise BaselineError(f"unexpected first frame {welcome!r}")
        self._reader = asyncio.create_task(self._read_loop())

    async def disconnect(self) -> None:
        await self._ws.close()
        if self._reader is not None:
            await self._reader

    async def _read_loop(self) -> None:
        pending = self._pending
        try:
            async for raw in self._ws:
                msg = json.loads(raw)
                req = pending.get(msg.get("id"))
                if req is None:
                    continue
                status = msg.get("status")
                if status == "streaming":
                    req.on_token(msg["data"]["text"])
                    continue
                del pending[msg["id"]]
                if status == "complete":
                    req.on_done(msg.get("data"), None)
                else:
                    err = msg.get("error") or {}
                    req.on_done(None, BaselineError(f"{err.get('code')}: {err.get('message')}"))
        except ConnectionClosed:
            pass
        finally:
            for req in list(pending.values()):
                req.on_done(None, BaselineError("connection lost"))
            pending.clear()

    def _call(self, function: str, params: Any, handler: Any) -> Dict[str, Any]:
        rid = f"r{next(self._ids)}"
        self._pending[rid] = handler
        return {"id": rid, "function": function, "params": params, "tenant_id": self.tenant_id}

    async def _send(self, call: Dict[str, Any]) -> None:
        await self._ws.send(json.dumps(call))

    async def generate(self, params: Dict[str, Any]) -> Dict[str, Any]:
        req = _Request(asyncio.get_running_loop())
        await self._send(self._call("generate", params, req))
        return await req.future  # type: ignore[no-any-return]

    def generate_stream(self, params: Dict[str, Any]) -> _Stream:
        stream = _Stream(self, {})
        stream._call = self._call("generate", dict(params, stream=True), stream)
        return stream


async def main() -> None:
    args = bc.parse_args("websockets baseline")
    client = BaselineClient(args.url, bc.TENANT)
    await client.connect()
    from workloads import run_workload

    metrics = await run_workload(client, args.workload)
    await client.disconnect()
    bc.emit("websockets", args.workload, metrics)


if __name__ == "__main__":
    asyncio.run(main())
