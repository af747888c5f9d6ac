"""Speed and memory of ``leadsim sweep``: 1000 runs of the reference school on 1 and 2 local workers.

Each sweep is a real ``python -m leadsim.cli sweep`` subprocess (summaries only, 10-year runs of
``scenarios/reference.yaml``, one design point replicated). While it runs, the resident memory
(RSS) of the sweep's main process and of each worker process is sampled with psutil every 0.1 s,
and the manifest is read to know how many runs are done. Prints, per sweep: wall time, runs per
second, peak RSS of the main process and of the largest worker; then the speed-up from 1 to 2
workers; then peak RSS of sweeps of 250, 500 and 1000 runs (memory must not grow with the runs).

    python benchmarks/bench_sweep.py [--runs 1000] [--sizes 250,500] [--workers 1,2] [--repeats 3]

Targets (issue 4): <= 3 minutes for 1000 runs with 2 workers; >= 1.8x speed-up from 1 to 2
workers; flat memory (peak RSS at 1000 runs within 10 % of that at 250 runs). The speed-up needs
an otherwise idle machine: "cores busy" (workers' CPU time / wall time) below the number of
workers means other processes took CPU from the sweep.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "reference.yaml"
MB = 1024 * 1024


def spec(runs: int) -> str:
    return (
        "description: benchmark - the reference school replicated\n"
        f"scenario: {REFERENCE}\n"
        "design: factorial\n"
        f"replications: {runs}\n"
        "seed: 1\n"
        "keep: summaries\n"
    )


def done_runs(out: Path) -> int:
    path = out / "runs" / "manifest.jsonl"
    n = 0
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                n += len(json.loads(line)["runs"])
            except (ValueError, KeyError):
                pass
    return n


def sweep(runs: int, workers: int, work: Path) -> dict:
    """Run one sweep; return wall time, peak RSS (main, largest worker) and RSS by runs done."""
    load = os.getloadavg()[0]
    name = f"bench-{runs}-{workers}"
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"{name}.yaml"
    path.write_text(spec(runs))
    out = work / name
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadsim.cli", "sweep", str(path), "--out", str(out), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    main = psutil.Process(proc.pid)
    peak_main = peak_worker = 0
    cpu: dict[int, float] = {}  # CPU seconds of the main process (key 0) and of each worker, last seen
    trace: list[tuple[int, int, int]] = []  # (runs done, main RSS, largest worker RSS)
    while proc.poll() is None:
        try:
            rss_main = main.memory_info().rss
            times = main.cpu_times()
            cpu[0] = times.user + times.system
            rss_workers = []
            for child in main.children(recursive=True):
                try:
                    if "spawn_main" in " ".join(child.cmdline()):
                        rss_workers.append(child.memory_info().rss)
                        times = child.cpu_times()
                        cpu[child.pid] = times.user + times.system
                except psutil.Error:
                    pass
        except psutil.Error:
            break
        worker = max(rss_workers, default=0)
        peak_main, peak_worker = max(peak_main, rss_main), max(peak_worker, worker)
        trace.append((done_runs(out), rss_main, worker))
        time.sleep(0.1)
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"sweep failed (exit {proc.returncode}): {stdout}")
    return {
        "runs": runs,
        "workers": workers,
        "wall": wall,
        "main": peak_main,
        "worker": peak_worker,
        "trace": trace,
        "cpu_main": cpu.get(0, 0.0),
        "cpu_workers": sum(v for k, v in cpu.items() if k),
        "load": load,
    }


def rss_when(trace: list[tuple[int, int, int]], runs: int) -> tuple[int, int]:
    """Peak RSS (main, worker) up to the moment ``runs`` runs were done."""
    upto = [t for t in trace if t[0] <= runs] or trace
    return max(t[1] for t in upto), max(t[2] for t in upto)


def describe(r: dict) -> str:
    return (
        f"{r['wall']:6.1f} s wall, {r['runs'] / r['wall']:5.2f} runs/s, peak RSS main {r['main'] / MB:4.0f} MB, "
        f"largest worker {r['worker'] / MB:4.0f} MB; CPU main {r['cpu_main']:4.1f} s, "
        f"workers {r['cpu_workers']:6.1f} s "
        f"({r['cpu_workers'] / r['runs']:.3f} s/run, {r['cpu_workers'] / r['wall']:.2f} cores busy); "
        f"load before {r['load']:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--sizes", default="250,500", help="smaller sweeps (2 workers) for the memory check")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeats", type=int, default=1, help="sweeps per worker count, alternating")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"{args.runs} runs of the reference school (10 years, summaries only); {psutil.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        work = Path(tmp)
        results: dict[int, list[dict]] = {w: [] for w in counts}
        for i in range(args.repeats):
            for w in counts:
                r = sweep(args.runs, w, work / f"repeat-{i}")
                results[w].append(r)
                print(f"  {w} worker{'s' if w > 1 else ' '}: {describe(r)}", flush=True)
        walls = {w: sorted(r["wall"] for r in rs) for w, rs in results.items()}
        for w in counts:
            print(
                f"{w} worker{'s' if w > 1 else ''}: median {statistics.median(walls[w]):.1f} s, "
                f"best {walls[w][0]:.1f} s"
            )
        if 1 in walls and 2 in walls:
            median = statistics.median(walls[1]) / statistics.median(walls[2])
            print(f"speed-up 1 -> 2 workers: {median:.2f}x from medians, {walls[1][0] / walls[2][0]:.2f}x from bests "
                  "(target >= 1.8x)")  # fmt: skip
            print(f"2 workers, {args.runs} runs: median {statistics.median(walls[2]):.1f} s (target <= 180 s)")
        top = max(counts)
        first = results[top][0]
        print(f"memory with {top} workers as the runs grow:")
        print("  within the sweep of", args.runs, "runs, peak RSS up to N runs done:")
        for n in [*sizes, args.runs]:
            m, w = rss_when(first["trace"], n)
            print(f"    {n:5d} runs: main {m / MB:5.0f} MB, largest worker {w / MB:5.0f} MB")
        print("  separate sweeps, peak RSS:")
        rows = [(s, sweep(s, top, work / "sizes")) for s in sizes] + [(args.runs, first)]
        for n, r in rows:
            print(f"    {n:5d} runs: main {r['main'] / MB:5.0f} MB, largest worker {r['worker'] / MB:5.0f} MB")
        small, big = rows[0][1], rows[-1][1]
        print(
            f"  peak RSS {args.runs} vs {rows[0][0]} runs: main {big['main'] / small['main']:.2f}x, "
            f"worker {big['worker'] / small['worker']:.2f}x (target: flat, <= 1.10x)"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
