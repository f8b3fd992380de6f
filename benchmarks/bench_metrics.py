"""Time every measure for one year on England-sized data, and its peak memory.

Writes (once) England-sized synthetic datasets at 1/4, 1/2 and full size
with ``cpstats synth --scale england`` into ``_build/bench/``, then, for each
size in a fresh process: loads and validates the folder, computes every
measure of ``measures.md`` for 2017-18 three times, and prints the median
time and the peak memory (resident set size of the process, and the peak of
allocations made while computing measures, from tracemalloc).

Run with ``make bench`` or ``python benchmarks/bench_metrics.py``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "_build" / "bench"
FRACTIONS = (0.25, 0.5, 1.0)
YEAR = "2017-18"
REPEATS = 3


def dataset(fraction: float) -> Path:
    folder = WORK / f"england-{fraction:g}"
    if not (folder / "la.yaml").exists():
        subprocess.run([sys.executable, "-m", "cpstats", "synth", "--scale", "england", "--fraction", str(fraction),
                        "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder


def measure_in_this_process(folder: str) -> dict:
    import resource
    import tracemalloc

    from cpstats.dataset import load_dataset
    from cpstats.metrics import compute_measures

    started = time.perf_counter()
    ds = load_dataset(folder)
    load_seconds = time.perf_counter() - started
    rss_after_load = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        compute_measures(ds, YEAR, population=11_700_000)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    compute_measures(ds, YEAR, population=11_700_000)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "referrals": len(ds.referrals), "plans": len(ds.cp_plans),
        "load_s": load_seconds, "measures_s": statistics.median(times), "measures_all_s": times,
        "measures_alloc_peak_mb": traced_peak / 2**20,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_after_load_mb": rss_after_load,
    }


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(measure_in_this_process(sys.argv[2])))
        return 0
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    rows = []
    for fraction in FRACTIONS:
        folder = dataset(fraction)
        out = subprocess.run([sys.executable, __file__, "--child", str(folder)], check=True, capture_output=True, text=True)
        rows.append((fraction, json.loads(out.stdout.strip().splitlines()[-1])))
    print(f"\n{'size':>6} {'referrals':>10} {'plans':>8} {'load s':>8} {'measures s (median of 3)':>25} {'alloc peak MB':>14} {'RSS peak MB':>12}")
    for fraction, r in rows:
        print(f"{fraction:>6g} {r['referrals']:>10,} {r['plans']:>8,} {r['load_s']:>8.1f} {r['measures_s']:>25.2f} "
              f"{r['measures_alloc_peak_mb']:>14.0f} {r['rss_peak_mb']:>12.0f}")
    base = rows[0][1]
    for fraction, r in rows[1:]:
        print(f"x{fraction / rows[0][0]:g} size: measures time x{r['measures_s'] / base['measures_s']:.2f}, "
              f"allocation peak x{r['measures_alloc_peak_mb'] / base['measures_alloc_peak_mb']:.2f}")
    full = rows[-1][1]
    print(f"\ntarget at full size: measures under 10 s -> {full['measures_s']:.2f} s "
          f"({'met' if full['measures_s'] < 10 else 'NOT met'}); peak memory under 2 GB -> {full['rss_peak_mb']:.0f} MB RSS "
          f"({'met' if full['rss_peak_mb'] < 2048 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
