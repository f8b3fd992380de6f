"""Time every measure for one year on England-sized data, and its peak memory.

Writes (once) England-sized synthetic datasets at 1/4, 1/2 and full size
with ``cpstats synth --scale england`` into ``_build/bench/``, then, for each
size: (1) in a fresh process, loads and validates the folder, timing it and
keeping the typed tables as Parquet; (2) in another fresh process, computes
every measure of ``docs/measures.md`` for 2017-18 three times from those tables,
and prints the median time and the peak memory (resident set size of the
process, and the peak of allocations made while computing, from tracemalloc).

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
TABLE_NAMES = ("children", "referrals", "s47_enquiries", "cp_plans", "cp_reviews", "conferences",
               "conference_children", "conference_agencies", "case_audits", "feedback", "marac")


def dataset(fraction: float) -> Path:
    folder = WORK / f"england-{fraction:g}"
    if not (folder / "la.yaml").exists():
        subprocess.run([sys.executable, "-m", "cpstats", "synth", "--scale", "england", "--fraction", str(fraction),
                        "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder


def load_in_this_process(folder: str) -> dict:
    """Stage 1: read and validate the folder; keep the typed tables as Parquet for stage 2."""
    import resource

    from cpstats.data.dataset import load_dataset

    started = time.perf_counter()
    ds = load_dataset(folder)
    seconds = time.perf_counter() - started
    typed = Path(folder) / "typed"
    typed.mkdir(exist_ok=True)
    for name in TABLE_NAMES:
        frame = getattr(ds, name)
        if frame is not None:
            frame.to_parquet(typed / f"{name}.parquet")
    return {"referrals": len(ds.referrals), "plans": len(ds.cp_plans), "load_s": seconds,
            "load_rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure_in_this_process(folder: str) -> dict:
    """Stage 2: every measure for one year from the validated tables: median time and peak memory."""
    import resource
    import tracemalloc

    import pandas as pd

    from cpstats.data.dataset import Dataset
    from cpstats.figures.measures import compute_measures

    typed = Path(folder) / "typed"
    tables = {name: pd.read_parquet(typed / f"{name}.parquet") if (typed / f"{name}.parquet").exists() else None
              for name in TABLE_NAMES}
    ds = Dataset(path=Path(folder), la={"name": "England", "la_code": 970}, **tables)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
        "measures_s": statistics.median(times), "measures_all_s": times,
        "measures_alloc_peak_mb": traced_peak / 2**20, "rss_with_data_mb": rss_before,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(stage: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, stage, str(folder)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in ("--load", "--measure"):
        stage = load_in_this_process if sys.argv[1] == "--load" else measure_in_this_process
        print(json.dumps(stage(sys.argv[2])))
        return 0
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    rows = []
    for fraction in FRACTIONS:
        folder = dataset(fraction)
        rows.append((fraction, {**_child("--load", folder), **_child("--measure", folder)}))
    print("\nload = read and validate every table (stage 1, own process); measures = every measure of docs/measures.md")
    print("for 2017-18 from the validated tables (stage 2, own process): median of 3, allocation peak (tracemalloc)")
    print("and peak resident memory of that process, data included.\n")
    print(f"{'size':>6} {'referrals':>10} {'plans':>8} {'load s':>7} {'load RSS MB':>12} {'measures s':>11} "
          f"{'alloc peak MB':>14} {'RSS peak MB':>12}")
    for fraction, r in rows:
        print(f"{fraction:>6g} {r['referrals']:>10,} {r['plans']:>8,} {r['load_s']:>7.1f} {r['load_rss_peak_mb']:>12.0f} "
              f"{r['measures_s']:>11.2f} {r['measures_alloc_peak_mb']:>14.0f} {r['rss_peak_mb']:>12.0f}")
    base = rows[0][1]
    for fraction, r in rows[1:]:
        print(f"x{fraction / rows[0][0]:g} size: measures time x{r['measures_s'] / base['measures_s']:.2f}, "
              f"allocation peak x{r['measures_alloc_peak_mb'] / base['measures_alloc_peak_mb']:.2f}")
    full = rows[-1][1]
    print(f"\ntarget at full size: measures under 10 s -> {full['measures_s']:.2f} s "
          f"({'met' if full['measures_s'] < 10 else 'NOT met'}); peak memory under 2 GB -> {full['rss_peak_mb']:.0f} MB RSS "
          f"({'met' if full['rss_peak_mb'] < 2048 else 'NOT met'}); loading and validating peaks at "
          f"{full['load_rss_peak_mb']:.0f} MB ({'under' if full['load_rss_peak_mb'] < 2048 else 'over'} 2 GB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
