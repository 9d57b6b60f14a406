#!/usr/bin/env python3
"""Scale benchmark, the floor of any asyncio client (issue 12, case (a)):
what CPython's event loop alone costs to run N streaming tasks, with no
network and no library. Run it with scripts/bench-scale, which puts it
beside the Python SDK's column.

    python3 bench/scale/asyncio_floor.py --n N [--tokens T] [--wakes W]

N tasks each receive T tokens (100) in W wake-ups (25): a task parks on a
fresh future; once per loop pass a driver resolves every parked future with
T / W new token strings, as the SDK's drain does with the tokens that arrived
since its last pass; the task takes them and parks again. W = 25 is typical
of what the SDK's streams need against realm-server: counted on 2026-12-07,
13-47 wake-ups per stream at 1,000 streams and 25-41 at 10,000, from run to
run (how many tokens arrive between two loop passes varies), about 25 in
most runs at both sizes. The two columns then do comparable asyncio work and
differ by what the library adds.
Timed like scale.py's streams case: one warm-up wave of N tasks, then at
least 3 measured waves (10,000 tasks in all), each from the first task's
start to the last one's end, all started at once; the median wave reported.

Prints one line: RESULT lang=asyncio case=streams key=value ...
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import List


async def run(n: int, tokens: int, wakes: int) -> int:
    loop = asyncio.get_running_loop()
    per_wake = max(1, tokens // wakes)
    parked: List["asyncio.Future[List[str]]"] = []
    running = True

    def drain() -> None:
        nonlocal parked
        woken, parked = parked, []
        for fut in woken:
            fut.set_result([f"t{k}" for k in range(per_wake)])
        if running:
            loop.call_soon(drain)

    async def stream() -> int:
        count = 0
        while count < tokens:
            fut = loop.create_future()
            parked.append(fut)
            for _ in await fut:
                count += 1
        return count

    loop.call_soon(drain)
    await asyncio.gather(*(stream() for _ in range(n)))  # warm-up
    times: List[float] = []
    ok = 0
    cpu0 = time.process_time()
    for _ in range(max(3, -(-10000 // n))):  # as scale.py's waves()
        t0 = time.monotonic()
        counts = await asyncio.gather(*(stream() for _ in range(n)))
        times.append(time.monotonic() - t0)
        ok += sum(1 for c in counts if c >= tokens)
    cpu = (time.process_time() - cpu0) / len(times)
    running = False
    secs = sorted(times)[len(times) // 2]
    total = n * len(times)
    print(f"RESULT lang=asyncio case=streams n={n} tokens={tokens} wakes={wakes} waves={len(times)} ok={ok} "
          f"failed={total - ok} secs={secs:.3f} us_per_stream={secs * 1e6 / n:.3f} cpu_s={cpu:.3f}", flush=True)
    return 0 if ok == total else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--tokens", type=int, default=100)
    ap.add_argument("--wakes", type=int, default=25)
    a = ap.parse_args()
    if a.n < 1 or a.tokens < 1 or not 1 <= a.wakes <= a.tokens:
        ap.error("--n and --tokens must be positive, --wakes 1..tokens")
    return asyncio.run(run(a.n, a.tokens, a.wakes))


if __name__ == "__main__":
    sys.exit(main())
