"""England-sized data: the whole ``cpstats metrics`` command, and its load, validation and measures apart.

Writes (once) England-sized synthetic datasets at 1/4, 1/2 and full size
with ``cpstats synth --scale england`` into ``_build/bench/``, then, for each
size, three times in fresh processes:

1. the command an analyst runs, ``cpstats metrics --data DIR --year 2018-19
   --json``: wall seconds, CPU seconds and the peak resident memory of the
   process (``ru_maxrss`` of the child, as ``/usr/bin/time -v`` reports it);
2. the same work in one process with each stage timed: the whole load
   (tables read two at a time), within it reading every CSV (Arrow's reader)
   and checking every cell against the contract and typing the columns (each
   summed over the two threads) and packing the identifiers into integer keys;
   then the checks across tables and every measure.

Prints the median of the three runs of each, with the load average before and
after. Run with ``make bench`` or ``python benchmarks/bench_metrics.py``.
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
YEAR = "2018-19"
REPEATS = 3
CPSTATS = Path(sys.executable).with_name("cpstats")


def dataset(fraction: float) -> Path:
    folder = WORK / f"england-{fraction:g}"
    if not (folder / "la.yaml").exists():
        subprocess.run([sys.executable, "-m", "cpstats", "synth", "--scale", "england", "--fraction", str(fraction),
                        "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder


def stages_in_this_process(folder: str) -> dict:
    """Load (read, check and type each table), the checks across tables, and the measures, each timed."""
    from cpstats.data import dataset as loader
    from cpstats.data.contract import TABLES, Problem
    from cpstats.data.dataset import load_dataset
    from cpstats.figures.measures import compute_measures

    spent: dict[str, list[float]] = {"read": [], "check": [], "keys": []}  # list.append is safe from two threads

    def timed(stage: str, function):
        def wrapper(*args):
            started = time.perf_counter()
            try:
                return function(*args)
            finally:
                spent[stage].append(time.perf_counter() - started)
        return wrapper

    stages = {"_read_csv_text": "read", "check_columns": "check", "identifier_keys": "keys"}
    originals = {name: getattr(loader, name) for name in stages}
    for name, stage in stages.items():
        setattr(loader, name, timed(stage, originals[name]))
    try:
        started = time.perf_counter()
        ds = load_dataset(folder)
        load = time.perf_counter() - started
    finally:
        for name, function in originals.items():
            setattr(loader, name, function)
    read, check, keyed = (sum(spent[stage]) for stage in ("read", "check", "keys"))
    tables = {name: getattr(ds, name) for name in TABLES}
    problems: list[Problem] = []
    started = time.perf_counter()
    loader._check_across_tables(tables, ds.keys, problems)
    across = time.perf_counter() - started
    started = time.perf_counter()
    compute_measures(ds, YEAR, population=11_700_000)
    measures = time.perf_counter() - started
    return {"referrals": len(ds.referrals), "plans": len(ds.cp_plans), "rows": sum(len(t) for t in tables.values() if t is not None),
            "load_s": load, "read_s": read, "check_s": check, "keys_s": keyed, "across_s": across, "measures_s": measures}


def command(folder: Path) -> dict:
    """``cpstats metrics --json`` in a child process: wall and CPU seconds, peak resident memory of that process."""
    started = time.perf_counter()
    child = subprocess.Popen([str(CPSTATS), "metrics", "--data", str(folder), "--year", YEAR, "--json"],
                             stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own resource use, as /usr/bin/time -v reports it
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"cpstats metrics failed on {folder} (exit {child.returncode})")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss * 1024 / 1e6}  # MB of 10**6 bytes


def _stages(folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--stages", str(folder)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--stages":
        print(json.dumps(stages_in_this_process(sys.argv[2])))
        return 0
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    results = []
    for fraction in FRACTIONS:
        folder = dataset(fraction)
        load_before = os.getloadavg()[0]
        runs = []
        for _ in range(REPEATS):  # a peak of one run must not be hidden by another: each its own child process
            runs.append({**command(folder), **_stages(folder)})
        load_after = os.getloadavg()[0]
        results.append((fraction, runs, load_before, load_after))
        print(f"size {fraction:g}: wall {[round(r['wall_s'], 1) for r in runs]} s, "
              f"RSS {[round(r['rss_mb']) for r in runs]} MB, load average {load_before:.1f} -> {load_after:.1f}", flush=True)
    print(f"\n`cpstats metrics --data DIR --year {YEAR} --json`, median of {REPEATS}; stages timed apart in another process")
    print("(load = load_dataset, two tables at a time; read = Arrow's CSV reader and check = every cell against the contract,")
    print(" each summed over the two reading threads; keys = the identifiers packed into integers; across = the checks")
    print(" across tables, on those keys)\n")
    print(f"{'size':>5} {'referrals':>10} {'all rows':>11} {'wall s':>7} {'CPU s':>6} {'RSS MB':>7} {'load s':>7} "
          f"{'read s':>7} {'check s':>8} {'keys s':>7} {'across s':>9} {'measures s':>11} {'load avg':>11}")
    for fraction, runs, before, after in results:
        first = runs[0]
        print(f"{fraction:>5g} {first['referrals']:>10,} {first['rows']:>11,} {_median(runs, 'wall_s'):>7.1f} "
              f"{_median(runs, 'cpu_s'):>6.1f} {_median(runs, 'rss_mb'):>7.0f} {_median(runs, 'load_s'):>7.1f} "
              f"{_median(runs, 'read_s'):>7.1f} {_median(runs, 'check_s'):>8.1f} {_median(runs, 'keys_s'):>7.1f} {_median(runs, 'across_s'):>9.1f} "
              f"{_median(runs, 'measures_s'):>11.2f} {before:>5.1f}->{after:<5.1f}")
    base = results[0][1]
    for fraction, runs, _, _ in results[1:]:
        print(f"x{fraction / results[0][0]:g} rows: wall x{_median(runs, 'wall_s') / _median(base, 'wall_s'):.2f}, "
              f"CPU x{_median(runs, 'cpu_s') / _median(base, 'cpu_s'):.2f}, RSS x{_median(runs, 'rss_mb') / _median(base, 'rss_mb'):.2f}")
    full = results[-1][1]
    wall, rss = _median(full, "wall_s"), _median(full, "rss_mb")
    print(f"\ntargets at full size: under 10 s -> {wall:.1f} s ({'met' if wall < 10 else 'NOT met'}); "
          f"under 2 GB resident -> {rss:.0f} MB ({'met' if rss < 2000 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
