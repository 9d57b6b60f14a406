#!/usr/bin/env python3
"""Scale benchmark, Python side (issue 12): the installed `realm` SDK's asyncio
client with default options (only the URL), the same cases as realm_scale.c.
Run everything with scripts/bench-scale.

    python3 bench/scale/scale.py --url ws://127.0.0.1:PORT --case CASE --n N
        [--tokens T] [--window W] [--budget SECONDS]

Cases:
  streams  N concurrent `generate_stream` x T tokens (100) on one client (one
           connection), all started at once: one warm-up wave of N, then
           waves() measured waves (at least 3, and 10,000 streams in all);
           per wave the time from the first start to the last stream's end,
           the median wave reported (secs, with the client CPU per wave)
  conns    N clients, each created, connected and running one `generate`
           (not streamed: realm-server answers one short text), all at once;
           time and failures
  idle     RSS of N connected idle clients: after one warm client (baseline)
           and after N more connected and idle for a second, gc run before
           each sample; (after - before) / N
  soak     N small `generate` calls (max_tokens 1) on one client, W (100)
           coroutines each awaiting one call at a time; RSS sampled after the
           warm-up (min(200,000, N/6) calls) and at the end, gc run before
           each sample. With --budget S, N shrinks after the warm-up to what
           the warm-up's rate gets done in S seconds (a multiple of 10,000)

Prints one line: RESULT lang=python case=CASE key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import sys
import time
from typing import Any, List

from realm import RealmWebSocketClient

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_KIB


def result(case: str, **fields: Any) -> None:
    parts = [f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items()]
    print(f"RESULT lang=python case={case} " + " ".join(parts), flush=True)


def first_error(outcomes: List[Any]) -> str:
    for o in outcomes:
        if isinstance(o, BaseException):
            return f"{type(o).__name__}: {o}"
    return ""


def waves(n: int) -> int:
    """Measured waves of n streams (realm_scale.c and scale.mjs alike): at
    least 3, and 10,000 streams in all, so that a small size is not one
    0.1-second sample at the mercy of the machine's moment."""
    return max(3, -(-10000 // n))


async def case_streams(url: str, n: int, tokens: int) -> int:
    client = RealmWebSocketClient(url=url)
    await client.connect()

    async def one(i: int) -> int:
        count = 0
        async for _ in client.generate_stream({"prompt": f"S{i}", "max_tokens": tokens}):
            count += 1
        return count

    async def wave() -> List[Any]:
        return await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)

    await wave()  # warm-up: the allocators and the event loop sized for n streams
    times: List[float] = []
    ok = 0
    failed_outcomes: List[Any] = []
    cpu0 = time.process_time()
    for _ in range(waves(n)):
        t0 = time.monotonic()
        outcomes = await wave()
        times.append(time.monotonic() - t0)
        ok += sum(1 for o in outcomes if o == tokens)
        failed_outcomes += [o for o in outcomes if o != tokens]
    cpu = (time.process_time() - cpu0) / len(times)
    secs = sorted(times)[len(times) // 2]
    total = n * len(times)
    result("streams", n=n, tokens=tokens, waves=len(times), ok=ok, failed=total - ok, secs=secs,
           us_per_stream=secs * 1e6 / n, cpu_s=cpu)
    if ok != total:
        print(f"scale.py: first error: {first_error(failed_outcomes)}", file=sys.stderr)
    await client.disconnect()
    return 0 if ok == total else 1


async def case_conns(url: str, n: int, tokens: int) -> int:
    warm = RealmWebSocketClient(url=url)
    await warm.connect()
    await warm.generate({"prompt": "W", "max_tokens": tokens})
    clients: List[RealmWebSocketClient] = []

    async def one(i: int) -> int:
        c = RealmWebSocketClient(url=url)
        clients.append(c)
        await c.connect()
        r = await c.generate({"prompt": f"C{i}", "max_tokens": tokens})
        return int(r["tokens_generated"])

    t0 = time.monotonic()
    outcomes = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
    secs = time.monotonic() - t0
    ok = sum(1 for o in outcomes if isinstance(o, int) and o > 0)
    result("conns", n=n, ok=ok, failed=n - ok, secs=secs, nofile=resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    if ok != n:
        print(f"scale.py: first error: {first_error(outcomes)}", file=sys.stderr)
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    await warm.disconnect()
    return 0 if ok == n else 1


async def case_idle(url: str, n: int) -> int:
    warm = RealmWebSocketClient(url=url)
    await warm.connect()
    await warm.generate({"prompt": "W", "max_tokens": 10})
    await asyncio.sleep(0.3)
    gc.collect()
    before = rss_kib()
    clients = [RealmWebSocketClient(url=url) for _ in range(n)]
    gc.collect()
    created = rss_kib()
    outcomes = await asyncio.gather(*(c.connect() for c in clients), return_exceptions=True)
    connected = sum(1 for o in outcomes if not isinstance(o, BaseException))
    await asyncio.sleep(1.0)
    gc.collect()
    after = rss_kib()
    per = (after - before) / connected if connected else 0.0
    result("idle", n=n, connected=connected, rss_before_kib=before, rss_created_kib=created, rss_after_kib=after,
           kib_per_conn=per)
    if connected != n:
        print(f"scale.py: first error: {first_error(outcomes)}", file=sys.stderr)
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    await warm.disconnect()
    return 0 if connected == n else 1


async def case_soak(url: str, n: int, window: int, budget: float) -> int:
    client = RealmWebSocketClient(url=url)
    await client.connect()
    await client.generate({"prompt": "W", "max_tokens": 1})
    warm = min(200000, n // 6)
    params = {"prompt": "Soak", "max_tokens": 1}
    state = {"issued": 0, "ok": 0, "failed": 0, "error": ""}

    async def worker(limit: int) -> None:
        while state["issued"] < limit:
            state["issued"] += 1
            try:
                r = await client.generate(params)
                if r["tokens_generated"] > 0:  # not streamed: a fixed text whatever max_tokens
                    state["ok"] += 1
                else:
                    state["failed"] += 1
            except Exception as e:  # counted, the run goes on
                state["failed"] += 1
                if not state["error"]:
                    state["error"] = f"{type(e).__name__}: {e}"

    async def run_to(limit: int) -> None:
        await asyncio.gather(*(worker(limit) for _ in range(window)))

    samples: List[int] = []
    t0 = time.monotonic()
    step = max(1, (n - warm) // 10)
    limit = warm if warm > 0 else n
    if warm > 0:
        # One forced collection halfway through the warm-up, as before every
        # sample: whatever the runtime does in reaction to one happens before
        # the baseline (scale.mjs, where it matters, explains).
        await run_to(warm // 2)
        gc.collect()
    while True:
        await run_to(limit)
        gc.collect()
        samples.append(rss_kib())
        if limit == warm and budget > 0:
            fit = int(warm / (time.monotonic() - t0) * budget) // 10000 * 10000
            fit = max(fit, 2 * warm)
            if fit < n:
                n = fit
                step = max(1, (n - warm) // 10)
        if limit >= n:
            break
        limit = min(limit + step, n)
    secs = time.monotonic() - t0
    start, end = samples[0], samples[-1]
    result("soak", n=n, window=window, ok=state["ok"], failed=n - state["ok"], secs=secs,
           req_s=state["ok"] / secs, warm=warm, rss_start_kib=start, rss_end_kib=end, rss_max_kib=max(samples),
           drift_pct=100.0 * (end - start) / start)
    print(f"scale.py: soak RSS samples (KiB): {' '.join(map(str, samples))}", file=sys.stderr)
    if state["ok"] != n:
        print(f"scale.py: first error: {state['error']}", file=sys.stderr)
    await client.disconnect()
    return 0 if state["ok"] == n else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True)
    ap.add_argument("--case", required=True, choices=["streams", "conns", "idle", "soak"])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--tokens", type=int, default=None)
    ap.add_argument("--window", type=int, default=100)
    ap.add_argument("--budget", type=float, default=0.0)
    a = ap.parse_args()
    # Before the first client: the core's event thread sizes itself from the soft limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if a.case == "streams":
        return asyncio.run(case_streams(a.url, a.n, a.tokens or 100))
    if a.case == "conns":
        return asyncio.run(case_conns(a.url, a.n, a.tokens or 10))
    if a.case == "idle":
        return asyncio.run(case_idle(a.url, a.n))
    return asyncio.run(case_soak(a.url, a.n, a.window, a.budget))


if __name__ == "__main__":
    sys.exit(main())
