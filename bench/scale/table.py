#!/usr/bin/env python3
"""Prints the scale benchmark's table from the RESULT lines that
scripts/bench-scale collected (one per process; `lang=` and `case=` name the
cell, `rep=` the repetition). Repeated stream runs of one size are reduced to
their median (time and client CPU time), with the best (lowest) time beside
it. The growth from the smallest to the largest size is the median over
repetitions of each repetition's ratio (its two runs were seconds apart),
with the range of those ratios beside it.

    python3 bench/scale/table.py RESULTS [--markdown FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from typing import Dict, List, Optional, Tuple

# In case (a) only: `raw`, bench/c/raw_lws_client, the floor of every client;
# `asyncio`, bench/scale/asyncio_floor.py, the floor of a Python asyncio client;
# `v8`, bench/scale/v8_floor.mjs, what V8 alone costs a Node client doing the
# same `for await` wake-ups (see scripts/bench-scale).
LANGS = [("raw", "raw lws (floor)"), ("asyncio", "asyncio (Python's floor)"), ("c", "C"), ("python", "Python"),
         ("v8", "V8 alone (Node's)"), ("node", "Node")]
FLOORS = {"raw", "asyncio", "v8"}
# Cells of a run that crashed or printed no RESULT line: `lang=X case=Y error=why`.

GROWTH_TOLERANCE = 1.10  # time per stream may wobble ~10% run to run on a shared machine
# (a) is judged against the floor: a client's time per stream may grow as
# much as the raw client's grows on the same machine in the same run (cache
# and TLB misses of a 10x larger working set are the machine's), never less
# than linear; Python's as much as the larger of that and asyncio's own growth
# doing the same task wake-ups (CPython's, paid by any asyncio client).
# Node's may grow by that, plus what V8 alone grows doing the same `for await`
# wake-ups (paid by any async-iterator client: each waiting consumer holds a
# promise and the await's state, which every young-generation collection
# copies), counted in microseconds per stream rather than as a ratio: V8
# alone takes a fraction of the SDK's time per stream, so its ratio would
# excuse several times what V8 costs. The cell says when Node is within the
# allowance only with V8's part.
IDLE_TARGET_KIB = 32.0
DRIFT_TARGET_PCT = 5.0


def parse(path: str) -> List[Dict[str, str]]:
    rows = []
    with open(path) as f:
        for line in f:
            if not line.startswith("RESULT "):
                continue
            rows.append(dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv))
    return rows


def num(v: float, digits: int = 0) -> str:
    return f"{v:,.{digits}f}"


def build(rows: List[Dict[str, str]]) -> Tuple[List[str], List[List[str]]]:
    def of(lang: str, case: str, n: Optional[int] = None) -> List[Dict[str, str]]:
        return [r for r in rows if r.get("lang") == lang and r.get("case") == case and
                (n is None or int(r.get("n", -1)) == n)]

    header = ["workload", "metric"] + [name for _, name in LANGS] + ["target"]
    table: List[List[str]] = []

    # (a) streams on one connection, one row per size
    sizes = sorted({int(r["n"]) for r in rows if r.get("case") == "streams" and "n" in r})
    tokens = next((r["tokens"] for r in rows if r.get("case") == "streams" and "tokens" in r), "100")
    per_stream: Dict[Tuple[str, int], float] = {}
    # (lang, n, rep) -> time per stream of that repetition's run
    by_rep: Dict[Tuple[str, int, str], float] = {
        (r["lang"], int(r["n"]), r.get("rep", "")): float(r["secs"]) * 1e6 / int(r["n"])
        for r in rows if r.get("case") == "streams" and "secs" in r}
    cpu_per_stream: Dict[Tuple[str, int], float] = {}
    best_per_stream: Dict[Tuple[str, int], float] = {}
    repeated = set()
    for i, n in enumerate(sizes):
        cells = []
        for lang, _ in LANGS:
            rs = of(lang, "streams", n)
            err = [r for r in rs if "error" in r]
            good = [r for r in rs if "secs" in r]
            if not good:
                cells.append(f"error: {err[0]['error']}" if err else "")
                continue
            secs = statistics.median(float(r["secs"]) for r in good)
            best = min(float(r["secs"]) for r in good)
            failed = max(int(r["failed"]) for r in good)
            per_stream[(lang, n)] = secs * 1e6 / n
            best_per_stream[(lang, n)] = best * 1e6 / n
            if all("cpu_s" in r for r in good):
                cpu_per_stream[(lang, n)] = statistics.median(float(r["cpu_s"]) for r in good) * 1e6 / n
            cell = f"{secs:.2f} s ({per_stream[(lang, n)]:.0f} us)"
            if len(good) > 1:
                repeated.add((lang, n))
                cell += f", best {best_per_stream[(lang, n)]:.0f} us"
            if failed or err:
                cell += f", {failed} FAILED" if failed else ", a run failed"
            cells.append(cell)
        label = f"(a) {num(n)} streams x {tokens} tokens, 1 client, 1 connection" if i == 0 else f"    {num(n)} streams"
        table.append([label, "median time (per stream)" if i == 0 else ""] + cells +
                     ["all complete" if i == 0 else ""])
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]

        def ratios(lang: str) -> List[float]:
            return [t / by_rep[(lang, lo, rep)] for (l, n, rep), t in by_rep.items()
                    if l == lang and n == hi and (lang, lo, rep) in by_rep]

        def growth(lang: str) -> Optional[float]:
            rs = ratios(lang)
            return statistics.median(rs) if rs else None

        floor = max(1.0, growth("raw") or 1.0)
        py_floor = max(floor, growth("asyncio") or 1.0)
        allowed = GROWTH_TOLERANCE * floor
        py_allowed = GROWTH_TOLERANCE * py_floor
        # Node: + V8 alone's growth in us per stream, over Node's own time at the smallest size
        v8_us = None
        node_allowed = allowed
        if all(k in per_stream for k in (("v8", lo), ("v8", hi), ("node", lo))):
            v8_us = max(0.0, per_stream[("v8", hi)] - per_stream[("v8", lo)])
            node_allowed = allowed + v8_us / per_stream[("node", lo)]
        cells = []
        for lang, _ in LANGS:
            g = growth(lang)
            if g is None:
                cells.append("")
                continue
            rs = ratios(lang)
            limit = {"python": py_allowed, "node": node_allowed}.get(lang, allowed)
            verdict = "(floor)" if lang in FLOORS else ("ok" if g <= limit else "MISS")
            if lang == "node" and verdict == "ok" and g > allowed:
                verdict = "ok with V8's part"
            cell = f"{g:.2f}x {verdict}" + (f" ({min(rs):.2f}-{max(rs):.2f})" if len(rs) > 1 else "")
            if (lang, lo) in per_stream and (lang, hi) in per_stream:  # the same growth in microseconds
                cell += f", {per_stream[(lang, hi)] - per_stream[(lang, lo)]:+.0f} us"
            cells.append(cell)
        target = (f"<= the floor's growth, or 1x if less (ok <= {allowed:.2f}x = {GROWTH_TOLERANCE:.2f} x "
                  f"{floor:.2f}, noise)")
        if growth("asyncio") is not None:
            target += f"; Python: <= the larger floor's (ok <= {py_allowed:.2f}x)"
        if v8_us is not None:
            target += (f"; Node: + V8 alone's growth in us (ok <= {node_allowed:.2f}x = {allowed:.2f}x + "
                       f"{v8_us:.0f} us / {per_stream[('node', lo)]:.0f} us)")
        table.append([f"    growth {num(lo)} -> {num(hi)}", "time per stream, median of the repetitions' ratios",
                      *cells, target])
        cells = []
        for lang, _ in LANGS:
            if (lang, lo) in cpu_per_stream and (lang, hi) in cpu_per_stream:
                a, b = cpu_per_stream[(lang, lo)], cpu_per_stream[(lang, hi)]
                cells.append(f"{b / a:.2f}x ({a:.0f} -> {b:.0f} us)")
            else:
                cells.append("")
        if any(cells):
            table.append(["", "client CPU per stream", *cells, ""])

    # (b) many connections
    cells, n_label = [], ""
    for lang, _ in LANGS:
        rs = of(lang, "conns")
        if not rs:
            cells.append("")
            continue
        r = rs[0]
        n_label = num(int(r["n"])) if "n" in r else n_label
        if "secs" not in r:
            cells.append(f"error: {r.get('error', '?')}")
            continue
        cells.append(f"{float(r['secs']):.2f} s, {r['failed']} failed" + ("" if r["failed"] == "0" else " MISS"))
    if any(cells):
        table.append([f"(b) {n_label} clients in 1 process, each connects + 1 request", "time, failures",
                      *cells, "0 failed"])

    # (c) memory per idle connection
    cells, n_label = [], ""
    for lang, _ in LANGS:
        rs = of(lang, "idle")
        if not rs:
            cells.append("")
            continue
        r = rs[0]
        n_label = num(int(r["n"])) if "n" in r else n_label
        if "kib_per_conn" not in r:
            cells.append(f"error: {r.get('error', '?')}")
            continue
        k = float(r["kib_per_conn"])
        cell = f"{k:.1f} KiB " + ("ok" if k <= IDLE_TARGET_KIB else "MISS")
        if r.get("connected") != r.get("n"):
            cell += f" ({r.get('connected')} connected)"
        cells.append(cell)
    if any(cells):
        table.append([f"(c) {n_label} idle connected clients", "RSS delta / client", *cells,
                      f"<= {IDLE_TARGET_KIB:.0f} KiB"])

    # (d) RSS over many requests
    count_cells, rss_cells, rate_cells = [], [], []
    window = ""
    for lang, _ in LANGS:
        rs = of(lang, "soak")
        if not rs:
            count_cells.append("")
            rss_cells.append("")
            rate_cells.append("")
            continue
        r = rs[0]
        if "drift_pct" not in r:
            count_cells.append(f"error: {r.get('error', '?')}")
            rss_cells.append("")
            rate_cells.append("")
            continue
        window = r.get("window", window)
        failed = int(r["failed"])
        measured = int(r["n"]) - int(r.get("warm", 0))
        count_cells.append(f"{num(measured)} after {num(int(r.get('warm', 0)))}"
                           + (f", {failed} FAILED" if failed else ", 0 failed"))
        d = float(r["drift_pct"])
        ok = abs(d) <= DRIFT_TARGET_PCT
        rss_cells.append(f"{float(r['rss_start_kib']) / 1024:.1f} -> {float(r['rss_end_kib']) / 1024:.1f} MiB "
                         f"({d:+.1f}%) " + ("ok" if ok else "MISS"))
        rate_cells.append(f"{float(r['secs']):.1f} s ({num(float(r['req_s']))} req/s)")
    if any(count_cells):
        table.append([f"(d) small requests on 1 client, {window} in flight", "requests after warm-up, failures",
                      *count_cells, "1,000,000 (fewer if > ~3 min)"])
        table.append(["    RSS after warm-up -> end", "MiB (drift)", *rss_cells, f"+-{DRIFT_TARGET_PCT:.0f}%"])
        table.append(["", "time (rate)", *rate_cells, ""])
    return header, table


def render_text(header: List[str], table: List[List[str]]) -> str:
    widths = [max(len(row[i]) for row in [header] + table) for i in range(len(header))]
    lines = []
    for j, row in enumerate([header] + table):
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(header: List[str], table: List[List[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * len(LANGS) + ["---"]) + "|"]
    for row in table:
        out.append("| " + " | ".join(c.strip() for c in row) + " |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--markdown", help="also write the table as Markdown to this file")
    a = ap.parse_args()
    header, table = build(parse(a.results))
    print(render_text(header, table))
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(render_markdown(header, table) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
