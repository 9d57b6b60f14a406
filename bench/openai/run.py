#!/usr/bin/env python3
"""OpenAI-dialect benchmark: librealm (bench/c/realm_bench.c, public C API)
and its SDKs (the `realm` Python package, realm_py_client.py, and
@realm-ai/ws-client, node/realm-client.mjs; openai-http and openai-ws, not
mux: neither SDK can set multiplex) against a raw libwebsockets client of
the same dialect (bench/c/raw_openai_client), the official `openai` SDKs for
Python and Node (openai-http) and minimal openai-ws clients on Python
`websockets` and Node `ws`, all against ONE realm-server process.

Every (dialect, client, workload) runs in a fresh process, pinned to one CPU
(--client-cpu, default 0) with taskset; realm-server is pinned to another
(--server-cpu, default 1). The whole set is repeated --runs times, the client
order alternating, and ONE table of medians is printed (markdown). librealm
runs with max_connections 100 on openai-ws (pool) and openai-http, so that
100 concurrent streams get 100 connections as every peer gives them; one
extra row shows the default pool (4 connections) in workload 2. The SDKs
run the same way (max_connections 100; multiplex on openai-ws-mux). The last column compares each SDK with the client of its
language: realm (Python) with `openai` (Python) or `websockets`, realm (Node)
with `openai` (Node) or `ws`.

    python3 bench/openai/run.py --bin-dir build-bench [--runs 3] [--no-pin] [--raw-log FILE]

Use scripts/bench-openai, which builds the binaries, the Python extension and
the Node addon, sets PYTHONPATH and REALM_NODE_ADDON to them and installs the
peers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
PY = sys.executable

DIALECTS = ("openai-ws", "openai-ws-mux", "openai-http")
WORKLOADS = (1, 2, 3, 5)
# Column order of the table: (client id, header)
COLUMNS = (("librealm", "librealm"), ("raw-lws", "raw lws"), ("realm-py", "realm (Python)"),
           ("realm-node", "realm (Node)"), ("openai-py", "openai (Python)"), ("openai-node", "openai (Node)"),
           ("websockets-py", "websockets (Python)"), ("ws-node", "ws (Node)"))
# The SDK columns' comparisons (last column): each SDK against the client a
# user of its language would otherwise pick on that dialect.
SDK_PAIRS = (("realm-py", "openai-py"), ("realm-py", "websockets-py"),
             ("realm-node", "openai-node"), ("realm-node", "ws-node"))


def clients_of(dialect: str, bindir: Path, url: str, port: int) -> Dict[str, List[str]]:
    """Command (without pinning and --workload) of every client of a dialect."""
    c = {"librealm": [str(bindir / "bench" / "realm_bench"), "--port", str(port), "--dialect", dialect],
         "raw-lws": [str(bindir / "bench" / "raw_openai_client"), "--port", str(port), "--dialect", dialect]}
    if dialect != "openai-ws-mux":
        c["librealm"] += ["--max-connections", "100"]
    if dialect == "openai-http":
        c["openai-py"] = [PY, str(HERE / "sdk_client.py"), "--url", url]
        c["openai-node"] = ["node", str(HERE / "node" / "sdk-client.mjs"), "--url", url]
    mode = ["--mode", "mux"] if dialect == "openai-ws-mux" else []
    c["realm-py"] = [PY, str(HERE / "realm_py_client.py"), "--url", url, *mode]
    c["realm-node"] = ["node", str(HERE / "node" / "realm-client.mjs"), "--url", url, *mode]
    if dialect != "openai-http":
        mode = "mux" if dialect == "openai-ws-mux" else "pool"
        c["websockets-py"] = [PY, str(HERE / "ws_client.py"), "--url", url, "--mode", mode]
        c["ws-node"] = ["node", str(HERE / "node" / "ws-client.mjs"), "--url", url, "--mode", mode]
    return c


def url_of(dialect: str, port: int) -> str:
    if dialect == "openai-http":
        return f"http://127.0.0.1:{port}/v1"
    return f"ws://127.0.0.1:{port}/v1/chat/completions"


def start_server(path: Path, pin: List[str]) -> Tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(pin + [str(path), "--host", "127.0.0.1", "--port", "0", "--token-delay-ms", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.isdigit():
        proc.terminate()
        raise SystemExit(f"run.py: realm-server did not report a port ({line!r})")
    return proc, int(line)


def run_client(cmd: List[str], workload: int) -> Dict[str, float]:
    # Started by a forked sh, not by this process: Linux keeps the peak RSS
    # of the process image that exec replaced (ru_maxrss survives execve),
    # so a child forked from this Python process would report at least this
    # process's ~15 MiB. sh's own ~1 MiB is the floor instead.
    full = ["sh", "-c", '"$@"; exit $?', "sh"] + cmd + ["--workload", str(workload)]
    out = subprocess.run(full, capture_output=True, text=True, timeout=900, cwd=HERE)
    line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"run.py: failed: {' '.join(full)}\n{out.stdout}{out.stderr}")
    fields = dict(kv.split("=", 1) for kv in line.split()[1:])
    return {k: float(v) for k, v in fields.items() if k not in ("client", "workload")}


def _note(name: str, ratio: float, need: Optional[float], higher: bool) -> str:
    """'name 1.23x', with ' (>= 1x ok)' or ' (<= 0.2x MISS)' when there is a target."""
    verdict = ""
    if need is not None:
        ok = ratio >= need if higher else ratio <= need
        verdict = f" ({'>=' if higher else '<='} {need:.3g}x {'ok' if ok else 'MISS'})"
    return f"{name} {ratio:.2f}x{verdict}"


def _short(client: str) -> str:
    return dict(COLUMNS)[client].replace("(", "").replace(")", "")


class Table:
    def __init__(self, results: Dict[Tuple[str, str, int], List[Dict[str, float]]]) -> None:
        self.results = results
        self.rows: List[List[str]] = []

    def med(self, dialect: str, client: str, w: int, key: str) -> Optional[float]:
        rs = self.results.get((dialect, client, w))
        return statistics.median(r[key] for r in rs) if rs else None

    def add(self, label: str, dialect: str, metric: str, w: int, key: str, fmt: str, higher: bool,
            targets: Dict[str, float], key2: Optional[str] = None,
            sdk_targets: Optional[Dict[Tuple[str, str], float]] = None) -> None:
        cells, notes = [], []
        mine = self.med(dialect, "librealm", w, key)
        for client, _ in COLUMNS:
            v = self.med(dialect, client, w, key)
            if v is None:
                cells.append("")
                continue
            text = fmt.format(v)
            if key2:
                text += " / " + fmt.format(self.med(dialect, client, w, key2))
            cells.append(text)
            if client != "librealm" and mine and v:
                notes.append(_note(_short(client).replace("openai ", ""), mine / v, targets.get(client), higher))
        sdk_notes = []
        for sdk, peer in SDK_PAIRS:
            a, b = self.med(dialect, sdk, w, key), self.med(dialect, peer, w, key)
            if a and b:
                need = (sdk_targets or {}).get((sdk, peer))
                sdk_notes.append(_note(f"{_short(sdk)} / {_short(peer)}", a / b, need, higher))
        self.rows.append([label, dialect, metric] + cells + ["; ".join(notes), "; ".join(sdk_notes)])

    def render(self) -> str:
        header = ["workload", "dialect", "metric"] + [h for _, h in COLUMNS] + ["librealm / peer", "SDK / peer"]
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join(["---"] * 3 + ["---:"] * len(COLUMNS) + ["---", "---"]) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)


def table(results: Dict[Tuple[str, str, int], List[Dict[str, float]]]) -> str:
    t = Table(results)
    tput = {"raw-lws": 0.9, "openai-py": 30, "openai-node": 5}
    lat_raw = {"raw-lws": 1 / 0.9}
    ttft = {"raw-lws": 1 / 0.9, "openai-py": 0.2, "openai-node": 0.2}
    # Issue 14: each SDK against the client of its language (openai-http: the
    # openai package; openai-ws: websockets / ws).
    sdk_tput = {("realm-py", "openai-py"): 30, ("realm-node", "openai-node"): 5,
                ("realm-py", "websockets-py"): 3, ("realm-node", "ws-node"): 1.2}
    sdk_ttft = {("realm-py", "openai-py"): 0.2}
    for d in DIALECTS:
        t.add("1 stream x 100k tokens", d, "tokens/s", 1, "tok_s", "{:,.0f}", True, tput, sdk_targets=sdk_tput)
        t.add("", d, "CPU us/token", 1, "cpu_us_tok", "{:.2f}", False, {})
    for d, conns in zip(DIALECTS, ("100 conns", "1 conn", "100 conns")):
        t.add(f"100 x 1k tokens ({conns})", d, "tokens/s", 2, "tok_s", "{:,.0f}", True, tput, sdk_targets=sdk_tput)
        t.add("", d, "CPU us/token", 2, "cpu_us_tok", "{:.2f}", False, {})
    for d in DIALECTS:
        t.add("2,000 sequential 1-token", d, "req/s", 3, "req_s", "{:,.0f}", True, {"raw-lws": 0.9})
        t.add("", d, "p50 / p99 us", 3, "p50_us", "{:,.0f}", False, lat_raw, key2="p99_us")
        t.add("", d, "CPU us/request", 3, "cpu_us_req", "{:.1f}", False, {})
    for d in DIALECTS:
        t.add("TTFT, warm client (200)", d, "p50 / p99 us", 5, "p50_us", "{:,.0f}", False, ttft, key2="p99_us",
              sdk_targets=sdk_ttft)
    # Peak RSS: per client, the largest median ru_maxrss over its dialects and workloads.
    cells = []
    for client, _ in COLUMNS:
        peaks = [statistics.median(r["rss_kib"] for r in rs) for (d, c, w), rs in results.items() if c == client]
        cells.append(f"{max(peaks) / 1024:.1f}" if peaks else "")
    t.rows.append(["peak RSS (max over runs)", "all", "MiB"] + cells + ["", ""])
    out = t.render()
    pool4 = results.get(("openai-ws", "librealm-pool4", 2))
    if pool4:
        out += (f"\n\nlibrealm openai-ws with the default pool (max_connections 4), 100 x 1k: "
                f"{statistics.median(r['tok_s'] for r in pool4):,.0f} tokens/s, "
                f"{statistics.median(r['cpu_us_tok'] for r in pool4):.2f} CPU us/token")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin-dir", required=True, help="build directory with server/realm-server and bench/*")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--client-cpu", type=int, default=0)
    p.add_argument("--server-cpu", type=int, default=1)
    p.add_argument("--no-pin", action="store_true", help="do not pin clients and server (taskset)")
    p.add_argument("--dialects", default=",".join(DIALECTS))
    p.add_argument("--workloads", default="1,2,3,5")
    p.add_argument("--raw-log", help="append every RESULT (with dialect and run) to this file")
    args = p.parse_args()
    bindir = Path(args.bin_dir).resolve()
    dialects = args.dialects.split(",")
    workloads = [int(w) for w in args.workloads.split(",")]
    pin_ok = not args.no_pin and shutil.which("taskset") is not None
    pin_client = ["taskset", "-c", str(args.client_cpu)] if pin_ok else []
    pin_server = ["taskset", "-c", str(args.server_cpu)] if pin_ok else []

    load0 = os.getloadavg()
    server, port = start_server(bindir / "server" / "realm-server", pin_server)
    results: Dict[Tuple[str, str, int], List[Dict[str, float]]] = {}
    log = open(args.raw_log, "a") if args.raw_log else None
    t_start = time.time()
    loads: List[float] = []  # 1-minute load average after each client process
    try:
        for run in range(args.runs):
            for d in dialects:
                url = url_of(d, port)
                clients = clients_of(d, bindir, url, port)
                for wi, w in enumerate(workloads):
                    order = list(clients.items())
                    if (run + wi) % 2:
                        order.reverse()
                    if d == "openai-ws" and w == 2:  # the default pool, librealm only
                        order.append(("librealm-pool4", clients["librealm"][:-2]))
                    for name, cmd in order:
                        r = run_client(pin_client + cmd, w)
                        loads.append(os.getloadavg()[0])
                        results.setdefault((d, name, w), []).append(r)
                        line = f"run={run + 1} dialect={d} client={name} workload={w} " + \
                               " ".join(f"{k}={v:g}" for k, v in r.items())
                        print(line, file=sys.stderr, flush=True)
                        if log:
                            log.write(line + "\n")
    finally:
        server.terminate()
        server.wait(10)
        if log:
            log.close()
    load1 = os.getloadavg()
    print(f"OpenAI-dialect benchmark: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(t_start))}, "
          f"{os.cpu_count()} cores, load average {load0[0]:.2f} at the start, {load1[0]:.2f} at the end, "
          f"{min(loads, default=load1[0]):.2f}-{max(loads, default=load1[0]):.2f} during the run, "
          f"{args.runs} runs (medians), "
          + (f"every client pinned to CPU {args.client_cpu}, realm-server to CPU {args.server_cpu}"
             if pin_ok else "NOT pinned") + f", {time.time() - t_start:.0f} s\n")
    print(table(results))


if __name__ == "__main__":
    main()
