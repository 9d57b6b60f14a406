"""Shared constants and helpers of the Python benchmark clients.

The workloads are those of the core's C benchmark (bench/c/bench_common.h):
  1  one stream of W1_TOKENS tokens, repeated W1_REPS times (median reported)
  2  W2_STREAMS concurrent streams x W2_TOKENS tokens on one connection,
     repeated W2_REPS times (median reported)
  3  W3_REQUESTS sequential one-token requests (stream, max_tokens 1)
  4  W4_TOKENS tokens paced 1 ms apart, stamped by the server (CLOCK_MONOTONIC us)
Every process starts with one unmeasured WARMUP_TOKENS stream, runs ONE
workload, and prints one line "RESULT {json}".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from typing import Any, Dict, List

WARMUP_TOKENS = 2000
W1_TOKENS = 100_000
W1_REPS = 3
W2_STREAMS = 100
W2_TOKENS = 1000
W2_REPS = 3
W3_REQUESTS = 2000
W4_TOKENS = 2000
W4_DELAY_MS = 1

PROMPT = "Bench"
TENANT = "bench-tenant"


def parse_args(name: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=f"{name} benchmark client")
    p.add_argument("--url", required=True)
    p.add_argument("--workload", type=int, required=True, choices=[1, 2, 3, 4])
    p.add_argument("--cpu", type=int, default=None, help="pin this process (all its threads) to one CPU")
    args = p.parse_args()
    if args.cpu is not None:
        # Threads started later (librealm's event thread) inherit the mask.
        os.sched_setaffinity(0, {args.cpu})
    return args


def stream_params(tokens: int, **extra: Any) -> Dict[str, Any]:
    params: Dict[str, Any] = {"prompt": PROMPT, "max_tokens": tokens, "stream": True}
    params.update(extra)
    return params


def cpu_us() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return (ru.ru_utime + ru.ru_stime) * 1e6


def maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def now_us() -> int:
    return time.monotonic_ns() // 1000  # CLOCK_MONOTONIC, like the server's stamp


def pct(sorted_values: List[float], p: float) -> float:
    """Nearest-rank percentile (as bench_pct_sorted in the C benchmark)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), int((p / 100.0) * len(sorted_values) + 0.999999)))
    return sorted_values[rank - 1]


def median(values: List[float]) -> float:
    return statistics.median(values)


def emit(client: str, workload: int, metrics: Dict[str, Any]) -> None:
    metrics = dict(metrics, client=client, workload=workload, maxrss_kib=maxrss_kib())
    print("RESULT " + json.dumps(metrics), flush=True)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"benchmark check failed: {what}")
