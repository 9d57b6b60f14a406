"""The four workloads, written once against the public client API that both
realm's RealmWebSocketClient and the websockets baseline offer:
``await client.generate(params)`` and ``async for t in client.generate_stream(params)``."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List

import bench_common as bc


async def consume(client: Any, tokens: int, **extra: Any) -> int:
    n = 0
    async for _ in client.generate_stream(bc.stream_params(tokens, **extra)):
        n += 1
    bc.check(n == tokens, f"expected {tokens} tokens, got {n}")
    return n


async def w1(client: Any) -> Dict[str, Any]:
    rates, cpu = [], []
    for _ in range(bc.W1_REPS):
        c0, t0 = bc.cpu_us(), time.perf_counter()
        await consume(client, bc.W1_TOKENS)
        dt = time.perf_counter() - t0
        rates.append(bc.W1_TOKENS / dt)
        cpu.append((bc.cpu_us() - c0) / bc.W1_TOKENS)
    return {"tokens_per_s": bc.median(rates), "cpu_us_per_token": bc.median(cpu)}


async def w2(client: Any) -> Dict[str, Any]:
    rates, cpu = [], []
    total = bc.W2_STREAMS * bc.W2_TOKENS
    for _ in range(bc.W2_REPS):
        c0, t0 = bc.cpu_us(), time.perf_counter()
        counts = await asyncio.gather(*(consume(client, bc.W2_TOKENS) for _ in range(bc.W2_STREAMS)))
        dt = time.perf_counter() - t0
        bc.check(sum(counts) == total, "token count")
        rates.append(total / dt)
        cpu.append((bc.cpu_us() - c0) / total)
    return {"tokens_per_s": bc.median(rates), "cpu_us_per_token": bc.median(cpu)}


async def w3(client: Any) -> Dict[str, Any]:
    params = bc.stream_params(1)
    lat: List[float] = []
    c0, t0 = bc.cpu_us(), time.perf_counter()
    for _ in range(bc.W3_REQUESTS):
        a = time.perf_counter()
        result = await client.generate(params)
        lat.append((time.perf_counter() - a) * 1e6)
        bc.check(result["tokens_generated"] == 1, "one token per request")
    dt = time.perf_counter() - t0
    lat.sort()
    return {
        "req_per_s": bc.W3_REQUESTS / dt,
        "p50_us": bc.pct(lat, 50),
        "p99_us": bc.pct(lat, 99),
        "cpu_us_per_req": (bc.cpu_us() - c0) / bc.W3_REQUESTS,
    }


async def w4(client: Any) -> Dict[str, Any]:
    lat: List[float] = []
    params = bc.stream_params(bc.W4_TOKENS, extra_body={"delay_ms": bc.W4_DELAY_MS, "stamp": True})
    async for token in client.generate_stream(params):
        lat.append(bc.now_us() - int(token))
    bc.check(len(lat) == bc.W4_TOKENS, "token count")
    lat.sort()
    return {"p50_us": bc.pct(lat, 50), "p99_us": bc.pct(lat, 99)}


async def run_workload(client: Any, workload: int) -> Dict[str, Any]:
    await consume(client, bc.WARMUP_TOKENS)
    return await {1: w1, 2: w2, 3: w3, 4: w4}[workload](client)
