"""Workloads of the OpenAI-dialect benchmark for the Python peers, the same
as the C clients' (bench/c/bench_common.h): 1, 2, 3 and 5 (time to first
token). A client offers ``await client.stream(n)``: one chat completion
streamed to its end, returning the perf_counter() time of its first content
token after checking that it got n tokens, usage.completion_tokens == n and
finish_reason "length". Prints one line in the C clients' format:
``RESULT client=NAME workload=N key=value ... rss_kib=K``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
import bench_common as bc  # noqa: E402  (constants and helpers of the Realm benchmark)

W5_REQUESTS = 200
W5_TOKENS = 16
MODEL = "m"
MESSAGES = [{"role": "user", "content": bc.PROMPT}]


def parse_args(name: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=f"{name} (OpenAI-dialect benchmark client)")
    p.add_argument("--url", required=True)
    p.add_argument("--workload", type=int, required=True, choices=[1, 2, 3, 5])
    p.add_argument("--mode", choices=["pool", "mux"], default="pool", help="openai-ws clients only")
    p.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    args = p.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    return args


def check_stream(tokens: int, n: int, completion: Any, finish: Any) -> None:
    bc.check(tokens == n and completion == n and finish == "length",
             f"expected {n} tokens, got {tokens} (completion_tokens {completion}, finish {finish})")


async def w1(client: Any) -> Dict[str, float]:
    rates, cpu = [], []
    for _ in range(bc.W1_REPS):
        c0, t0 = bc.cpu_us(), time.perf_counter()
        await client.stream(bc.W1_TOKENS)
        rates.append(bc.W1_TOKENS / (time.perf_counter() - t0))
        cpu.append((bc.cpu_us() - c0) / bc.W1_TOKENS)
    return {"tok_s": bc.median(rates), "cpu_us_tok": bc.median(cpu)}


async def w2(client: Any) -> Dict[str, float]:
    rates, cpu = [], []
    total = bc.W2_STREAMS * bc.W2_TOKENS
    for _ in range(bc.W2_REPS):
        c0, t0 = bc.cpu_us(), time.perf_counter()
        await asyncio.gather(*(client.stream(bc.W2_TOKENS) for _ in range(bc.W2_STREAMS)))
        rates.append(total / (time.perf_counter() - t0))
        cpu.append((bc.cpu_us() - c0) / total)
    return {"tok_s": bc.median(rates), "cpu_us_tok": bc.median(cpu)}


async def w3(client: Any) -> Dict[str, float]:
    lat: List[float] = []
    c0, t0 = bc.cpu_us(), time.perf_counter()
    for _ in range(bc.W3_REQUESTS):
        a = time.perf_counter()
        await client.stream(1)
        lat.append((time.perf_counter() - a) * 1e6)
    dt = time.perf_counter() - t0
    lat.sort()
    return {"req_s": bc.W3_REQUESTS / dt, "p50_us": bc.pct(lat, 50), "p99_us": bc.pct(lat, 99),
            "cpu_us_req": (bc.cpu_us() - c0) / bc.W3_REQUESTS}


async def w5(client: Any) -> Dict[str, float]:
    ttft: List[float] = []
    for _ in range(W5_REQUESTS):
        a = time.perf_counter()
        first = await client.stream(W5_TOKENS)
        ttft.append((first - a) * 1e6)
    ttft.sort()
    return {"p50_us": bc.pct(ttft, 50), "p99_us": bc.pct(ttft, 99)}


async def run(client: Any, name: str, workload: int) -> None:
    await client.stream(bc.WARMUP_TOKENS)
    metrics = await {1: w1, 2: w2, 3: w3, 5: w5}[workload](client)
    fields = " ".join(f"{k}={v:.3f}" for k, v in metrics.items())
    print(f"RESULT client={name} workload={workload} {fields} rss_kib={bc.maxrss_kib()}", flush=True)
