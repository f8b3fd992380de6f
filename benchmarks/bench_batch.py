"""Time a batch of reports on Dask distributed: reports per minute on a LocalCluster of 1 and 2 workers.

The batch is the full book (every section notebook of ``_quarto.yml``) for the
sample and the county, two years each (``--years``, 2016-17:2017-18): four
reports, each built cold (an empty build folder and site) by
:func:`cpstats.publish.build.build_reports` on a ``LocalCluster`` of 1 and then
2 worker processes. The cluster's own start and stop are timed apart (a
``LocalCluster`` of 2 workers started and closed with nothing to do).

From the one-worker run, the cost of one report on one worker, ``c``; the time
for the national batch (153 authorities x 6 years = 918 reports) on ``N``
workers, each with a core of its own, is projected as ``918 c / N``, and with
the parallel efficiency measured here between 1 and 2 workers as well.

Works on copies in ``_build/bench/batch/``; prints a Markdown table and writes
``_build/bench/batch/results.json``. Run with ``make bench`` or
``python benchmarks/bench_batch.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "_build" / "bench" / "batch"
NATIONAL_REPORTS = 153 * 6


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--las", default="sample,county")
    parser.add_argument("--years", default="2016-17:2017-18")
    parser.add_argument("--workers", default="1,2", help="LocalCluster sizes to time, e.g. 1,2")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from cpstats.data.periods import year_range
    from cpstats.publish.cluster import build_reports

    las = [la.strip() for la in args.las.split(",")]
    years = [y.label for y in year_range(args.years)]
    n_reports = len(las) * len(years)
    WORK.mkdir(parents=True, exist_ok=True)
    results = {"date": dt.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
               f"Python {platform.python_version()}", "reports": n_reports, "las": las, "years": years, "runs": []}

    load = _load()
    started = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster):
        ready = time.perf_counter() - started
    results["cluster_start_stop_s"] = round(time.perf_counter() - started, 2)
    results["cluster_ready_s"] = round(ready, 2)
    print(f"LocalCluster of 2 workers: ready in {ready:.1f} s, started and stopped in "
          f"{results['cluster_start_stop_s']:.1f} s (load {load})", flush=True)

    for workers in [int(n) for n in args.workers.split(",")]:
        run = WORK / f"workers-{workers}"
        shutil.rmtree(run, ignore_errors=True)
        load_before = _load()
        started = time.perf_counter()
        records = build_reports(las, years, data_root=ROOT / "data", out_root=run / "_site", build_root=run / "_build",
                                jobs=workers, renderer="builtin", project_dir=ROOT,
                                progress=lambda label, what, seconds: print(f"  {label}: {what} ({seconds:.0f} s)",
                                                                             flush=True))
        seconds = time.perf_counter() - started
        failed = [r.label for r in records if r.error]
        executed = sum(len(r.executed) for r in records)
        entry = {"workers": workers, "seconds": round(seconds, 1), "reports_per_minute": round(n_reports / seconds * 60, 2),
                 "notebooks_executed": executed, "failed": failed, "load_before": load_before, "load_after": _load()}
        results["runs"].append(entry)
        print(f"{workers} worker(s): {n_reports} reports in {seconds:.1f} s, "
              f"{entry['reports_per_minute']:.2f} reports/min, {executed} notebooks executed, failed: {failed or 'none'} "
              f"(load {load_before} -> {entry['load_after']})", flush=True)

    runs = {run["workers"]: run for run in results["runs"]}
    if 1 in runs:
        per_report = runs[1]["seconds"] / n_reports
        results["seconds_per_report_one_worker"] = round(per_report, 1)
        efficiency = (runs[1]["seconds"] / runs[2]["seconds"]) / 2 if 2 in runs else 1.0
        results["efficiency_2_workers"] = round(efficiency, 2)
        print(f"\none report on one worker: {per_report:.1f} s; 2-worker efficiency {efficiency:.2f}\n")
        if efficiency <= 0.5:
            print("(a second worker gained nothing here: the cores were busy with other work; the second column "
                  "then only shows what that would cost at scale)\n")
        print("| workers N | 918 reports, ideal (918 c / N) | with the measured efficiency |")
        print("|---:|---:|---:|")
        results["projection_hours"] = {}
        for n in (1, 2, 8, 16, 32, 64):
            ideal = NATIONAL_REPORTS * per_report / n / 3600
            measured = ideal / (efficiency if n > 1 else 1.0)
            results["projection_hours"][n] = [round(ideal, 2), round(measured, 2)]
            print(f"| {n} | {ideal:.2f} h | {measured:.2f} h |")
    (WORK / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
