"""The `realm` Python SDK as a benchmark client (openai-http and openai-ws):
one asyncio RealmWebSocketClient reused for every request (the warm
client), ``chat_stream(messages, model=..., max_tokens=n)`` iterated with
``async for``, tokens = the non-empty strings it yields; usage and
finish_reason from the stream once it ended. The URL picks the dialect
(http:// -> openai-http, ws://.../v1/chat/completions -> openai-ws).

Options: ``max_retries=0`` as the peers (AsyncOpenAI(max_retries=0)), and
``max_connections=100`` (100 concurrent streams get 100 connections, as
every peer gives them and as librealm's C client runs), or with ``--mode
mux`` one multiplexed openai-ws socket (``multiplex=True``).

    python realm_py_client.py --url http://127.0.0.1:PORT/v1 --workload 1|2|3|5 [--mode pool|mux] [--cpu 0]

The `realm` package is whatever ``import realm`` finds: scripts/bench-openai
puts <build-bench>/python first on PYTHONPATH (the Release extension built
there).
"""

from __future__ import annotations

import asyncio
import time

from realm import RealmWebSocketClient

import workloads as wl


class RealmPyClient:
    def __init__(self, url: str, mux: bool) -> None:
        pool = {"multiplex": True} if mux else {"max_connections": 100}
        self.client = RealmWebSocketClient(url=url, max_retries=0, **pool)  # type: ignore[arg-type]

    async def stream(self, n: int) -> float:
        s = self.client.chat_stream(wl.MESSAGES, model=wl.MODEL, max_tokens=n)
        tokens, first = 0, 0.0
        async for token in s:
            if token:
                if not tokens:
                    first = time.perf_counter()
                tokens += 1
        usage = s.usage
        wl.check_stream(tokens, n, usage["completion_tokens"] if usage else None, s.finish_reason)
        return first


async def main() -> None:
    args = wl.parse_args("realm (Python SDK)")
    client = RealmPyClient(args.url, args.mode == "mux")
    await client.client.connect()
    await wl.run(client, "realm-py", args.workload)
    await client.client.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
