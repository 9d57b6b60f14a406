#!/usr/bin/env python3
"""Python SDK benchmark: realm (RealmWebSocketClient on the librealm core)
against a minimal client on the `websockets` library, same workloads as the
core's C benchmark (see bench_common.py), through each client's public API.

Each client process is pinned to ONE CPU (--client-cpu, default 0), so
librealm's event thread shares the core with the Python thread, as the
single-threaded baseline does. realm-server runs pinned to another CPU
(--server-cpu, default 1) with zero token delay. Every (client, workload) runs
in a fresh process; the whole set is repeated --runs times (client order
alternating) and the table shows medians.

    python bench/python/run.py [--server PATH] [--runs 3] [--markdown FILE]

Needs: the realm package installed (pip install .), websockets, realm-server
($REALM_SERVER or build/server/realm-server).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CLIENTS = {"realm": HERE / "realm_client.py", "websockets": HERE / "ws_baseline.py"}


def find_server(arg: str | None) -> str:
    for candidate in (arg, os.environ.get("REALM_SERVER"), ROOT / "build" / "server" / "realm-server",
                      ROOT / "build-bench" / "server" / "realm-server"):
        if candidate and os.access(str(candidate), os.X_OK):
            return str(candidate)
    raise SystemExit("run.py: realm-server not found (--server or $REALM_SERVER)")


def start_server(path: str, cpu: int) -> Tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [path, "--host", "127.0.0.1", "--port", "0", "--token-delay-ms", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
    )
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


def run_client(client: str, workload: int, url: str, cpu: int) -> Dict:
    cmd = [sys.executable, str(CLIENTS[client]), "--url", url, "--workload", str(workload), "--cpu", str(cpu)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=HERE)
    if out.returncode != 0:
        raise SystemExit(f"run.py: {client} workload {workload} failed:\n{out.stdout}{out.stderr}")
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])  # type: ignore[no-any-return]
    raise SystemExit(f"run.py: no RESULT line from {client} workload {workload}:\n{out.stdout}")


def table(results: Dict[str, Dict[int, List[Dict]]]) -> str:
    def med(client: str, workload: int, key: str) -> float:
        return statistics.median(r[key] for r in results[client][workload])

    rows: List[Tuple[str, str, str, str, str, str]] = []

    def add(name: str, metric: str, a: float, b: float, fmt: str, target: str, higher_better: bool) -> None:
        ratio = a / b if b else float("inf")
        ok = ""
        if target:
            need = float(target.split()[-1].rstrip("x"))
            ok = "ok" if (ratio >= need if higher_better else ratio <= need) else "MISS"
        rows.append((name, metric, fmt.format(a), fmt.format(b), f"{ratio:.2f}x", f"{target} {ok}".strip()))

    add("1 stream x 100k tokens", "tokens/s", med("realm", 1, "tokens_per_s"), med("websockets", 1, "tokens_per_s"),
        "{:,.0f}", ">= 3x", True)
    add("", "CPU us/token", med("realm", 1, "cpu_us_per_token"), med("websockets", 1, "cpu_us_per_token"),
        "{:.2f}", "", False)
    add("100 streams x 1k (1 conn)", "tokens/s", med("realm", 2, "tokens_per_s"),
        med("websockets", 2, "tokens_per_s"), "{:,.0f}", ">= 3x", True)
    add("", "CPU us/token", med("realm", 2, "cpu_us_per_token"), med("websockets", 2, "cpu_us_per_token"),
        "{:.2f}", "", False)
    add("2000 sequential 1-token req", "req/s", med("realm", 3, "req_per_s"), med("websockets", 3, "req_per_s"),
        "{:,.0f}", ">= 2x", True)
    add("", "p50 us", med("realm", 3, "p50_us"), med("websockets", 3, "p50_us"), "{:.0f}", "", False)
    add("", "p99 us", med("realm", 3, "p99_us"), med("websockets", 3, "p99_us"), "{:.0f}", "", False)
    add("", "CPU us/request", med("realm", 3, "cpu_us_per_req"), med("websockets", 3, "cpu_us_per_req"),
        "{:.1f}", "", False)
    add("1 token / 1 ms (2000)", "p50 us", med("realm", 4, "p50_us"), med("websockets", 4, "p50_us"), "{:.0f}",
        "<= 1x", False)
    add("", "p99 us", med("realm", 4, "p99_us"), med("websockets", 4, "p99_us"), "{:.0f}", "", False)

    def peak(client: str) -> float:
        return max(statistics.median(r["maxrss_kib"] for r in results[client][w]) for w in (1, 2, 3, 4)) / 1024

    add("peak RSS (max over workloads)", "MiB", peak("realm"), peak("websockets"), "{:.1f}", "", False)

    header = ("workload", "metric", "realm", "websockets", "ratio", "target")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(6)]
    lines = ["| " + " | ".join(h.ljust(widths[i]) for i, h in enumerate(header)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(r)) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--client-cpu", type=int, default=0)
    p.add_argument("--server-cpu", type=int, default=1)
    p.add_argument("--workloads", default="1,2,3,4")
    p.add_argument("--markdown", help="also write the table to this file")
    p.add_argument("--raw", help="write every RESULT (JSON lines) to this file")
    args = p.parse_args()
    workloads = [int(w) for w in args.workloads.split(",")]

    server, port = start_server(find_server(args.server), args.server_cpu)
    url = f"ws://127.0.0.1:{port}"
    results: Dict[str, Dict[int, List[Dict]]] = {c: {w: [] for w in workloads} for c in CLIENTS}
    raw = open(args.raw, "w") if args.raw else None
    try:
        for run in range(args.runs):
            for i, w in enumerate(workloads):
                order = list(CLIENTS) if (run + i) % 2 == 0 else list(reversed(CLIENTS))
                for client in order:
                    r = run_client(client, w, url, args.client_cpu)
                    results[client][w].append(r)
                    if raw:
                        raw.write(json.dumps(r) + "\n")
                    print(f"run {run + 1}/{args.runs} workload {w} {client}: "
                          + ", ".join(f"{k}={v:.4g}" for k, v in r.items() if isinstance(v, float)),
                          file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait(10)
        if raw:
            raw.close()
    if workloads != [1, 2, 3, 4]:
        print(json.dumps(results, indent=1))
        return
    out = table(results)
    print(out)
    if args.markdown:
        Path(args.markdown).write_text(out + "\n")


if __name__ == "__main__":
    main()
