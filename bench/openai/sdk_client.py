"""The official `openai` Python package as a benchmark peer (openai-http):
one AsyncOpenAI client reused for every request (the warm client),
chat.completions.create(stream=True), tokens = chunks with delta.content.

    python sdk_client.py --url http://127.0.0.1:PORT/v1 --workload 1|2|3|5 [--cpu 0]
"""

from __future__ import annotations

import asyncio
import time

from openai import AsyncOpenAI

import workloads as wl


class SdkClient:
    def __init__(self, url: str) -> None:
        self.client = AsyncOpenAI(base_url=url, api_key="x", max_retries=0)

    async def stream(self, n: int) -> float:
        s = await self.client.chat.completions.create(
            model=wl.MODEL, messages=wl.MESSAGES, max_tokens=n, stream=True,
            stream_options={"include_usage": True})
        tokens, first, completion, finish = 0, 0.0, None, None
        async for chunk in s:
            if chunk.choices:
                choice = chunk.choices[0]
                if choice.delta.content:
                    if not tokens:
                        first = time.perf_counter()
                    tokens += 1
                if choice.finish_reason:
                    finish = choice.finish_reason
            if chunk.usage is not None:
                completion = chunk.usage.completion_tokens
        wl.check_stream(tokens, n, completion, finish)
        return first


async def main() -> None:
    args = wl.parse_args("openai (Python SDK)")
    client = SdkClient(args.url)
    await wl.run(client, "openai-py", args.workload)
    await client.client.close()


if __name__ == "__main__":
    asyncio.run(main())
