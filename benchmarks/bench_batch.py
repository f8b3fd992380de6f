"""Reports in a batch against the one-process floor, in one sitting: ``make bench``.

Measured one after another in the same run, so that their ratios are those of
the machine at one moment (compare ratios within a run, not seconds across runs):

1. **the floor**: the sample 2017-18 report computed and assembled in one
   fresh process with no kernel (``bench_floor.py``);
2. **the cold single build**: ``cpstats build --la sample --year 2017-18``
   from an empty build folder and site;
3. **per-report cost on 1 and 2 workers**: four reports (the sample and the
   county, 2016-17 and 2017-18, the full book, cold) by
   :func:`cpstats.publish.cluster.build_reports` on a ``LocalCluster`` of 1,
   then 2 worker processes (the cluster's start counted); the cost of a report
   on one worker ``c`` is the first run's seconds over 4, and the 2-worker
   efficiency is ``t1 / (2 t2)``;
4. **a national batch**: ``--national`` authorities (20) of the synthetic
   England (``cpstats synth --national``, made into ``_build/national`` when
   missing, spread over its range of sizes) for one year, on a ``LocalCluster``
   of 1 worker, then of 2: the 2-worker efficiency of a batch of that size
   (``t1 / (2 t2)``; on four reports a batch's fixed costs, the cluster's start
   and close and each worker's first kernel and imports, weigh five times as
   much), and from the 2-worker run the projection for one national year (153
   reports) and six (918) on ``N`` workers: ``n * w / N``, where ``w`` is the
   worker-seconds a report took (2 x its seconds / 20, so the 2-worker
   efficiency measured there is assumed at every ``N``);
5. with ``--whole-year``, **every authority of the synthetic England** (153)
   for that year on a ``LocalCluster`` of 2 workers, timed.

Each batch runs on 1 worker and on 2, ``--repeat`` (3) times in turn (1 2, 2 1, 1 2): the
machine's neighbours change its speed from minute to minute, so the run of
median seconds is reported, with every run's seconds and each pair's
efficiency.

The results (date, machine: ``nproc`` and the CPU model, the load average
before and after each step) are printed, written to
``_build/bench/batch/results.json`` and appended to ``benchmarks/RESULTS.md``
(``--no-append`` leaves it).

``python benchmarks/bench_batch.py [--national 20] [--year 2019-20] [--repeat 3] [--whole-year] [--skip floor,cold,workers,national]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_floor import floor  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "_build" / "bench" / "batch"
NATIONAL = ROOT / "_build" / "national"
BIN = Path(sys.executable).parent
FOUR = (["sample", "county"], ["2016-17", "2017-18"])


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _fresh(name: str) -> Path:
    folder = WORK / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _cpu() -> float:
    """CPU seconds (user and system) of this process, of its children that have ended (the floor's and the
    build's processes, the cluster's workers and their kernels, once stopped) and of those still running, with
    what their own ended children took (``/proc/<pid>/stat``: utime, stime, cutime, cstime): a process that
    outlives a step, such as a fork server that reaps the workers it forked when Dask is set to fork them, is
    counted as it goes rather than when it ends."""
    import resource

    ended = sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                for field in ("ru_utime", "ru_stime"))
    running = 0
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(os.getpid()):  # ppid
            running += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime, in clock ticks
    return ended + running / os.sysconf("SC_CLK_TCK")


def _step(results: dict, name: str, run) -> dict:
    before, cpu = _load(), _cpu()
    started = time.perf_counter()
    extra = run() or {}
    entry = {"seconds": round(time.perf_counter() - started, 1), "cpu_seconds": round(_cpu() - cpu, 1),
             "load_before": before, "load_after": _load(), **extra}
    results["steps"][name] = entry
    print(f"{name}: {entry['seconds']:.1f} s, {entry['cpu_seconds']:.1f} s of CPU "
          f"(load {before} -> {entry['load_after']})", flush=True)
    return entry


def _batch(las, years, workers: int, folder: Path, **options) -> dict:
    from cpstats.publish.cluster import build_reports

    finished = []
    records = build_reports(las, years, out_root=folder / "_site", drafts_root=folder / "_drafts",
                            build_root=folder / "_build", jobs=workers, renderer="builtin", project_dir=ROOT,
                            progress=lambda label, what, seconds: finished.append(round(seconds, 1)), **options)
    failed = [f"{r.label}: {r.error}" for r in records if r.error]
    if failed:
        raise SystemExit("the batch failed:\n" + "\n".join(failed))
    return {"reports": len(records), "finished_at": finished,
            "kernels": len({getattr(r, "kernel", None) for r in records} - {None})}


def _pairs(results: dict, name: str, repeat: int, run) -> None:
    """The same batch on 1 worker and on 2, ``repeat`` times in turn, in the order 1 2, 2 1, 1 2, ... (so that a
    machine speeding up or slowing down over the sitting favours neither); ``<name>-1`` and ``<name>-2`` are the
    runs of median seconds (each run's seconds kept in ``runs``), and ``efficiencies`` each pair's ``t1 / (2 t2)``."""
    import statistics

    runs: dict[int, list[dict]] = {1: [], 2: []}
    for attempt in range(repeat):
        for workers in ((1, 2) if attempt % 2 == 0 else (2, 1)):
            folder = _fresh(f"{name}-{workers}")
            runs[workers].append(_step(results, f"{name}-{workers}", lambda: run(workers, folder)))
    for workers, entries in runs.items():
        middle = sorted(entries, key=lambda e: e["seconds"])[len(entries) // 2]
        results["steps"][f"{name}-{workers}"] = {**middle, "runs": [e["seconds"] for e in entries],
                                                 "cpu_runs": [e["cpu_seconds"] for e in entries]}
    results["steps"][f"{name}-2"]["efficiencies"] = [round(one["seconds"] / (2 * two["seconds"]), 2)
                                                      for one, two in zip(runs[1], runs[2])]
    results["steps"][f"{name}-2"]["median_efficiency"] = round(statistics.median(
        one["seconds"] / (2 * two["seconds"]) for one, two in zip(runs[1], runs[2])), 2)


def _national(count: int, year: str) -> list[str]:
    """``count`` authorities of the synthetic England, spread over its range of sizes (made when missing)."""
    if not NATIONAL.is_dir() or len([p for p in NATIONAL.iterdir() if p.is_dir()]) < 153:
        dfe = Path(os.environ.get("CPSTATS_SHARED_REFERENCE", ROOT.parent / "shared" / "reference")) / "dfe"
        subprocess.run([str(BIN / "cpstats"), "synth", "--national", "--out", str(NATIONAL), "--dfe", str(dfe),
                        "--years", year], check=True, cwd=ROOT)
    reference = NATIONAL / "reference"
    if not (reference / "authorities.csv").is_file():  # every authority's reference rows, from DfE's files
        dfe = Path(os.environ.get("CPSTATS_SHARED_REFERENCE", ROOT.parent / "shared" / "reference")) / "dfe"
        subprocess.run([str(BIN / "cpstats"), "reference", "import", "--ees", str(dfe), "--out", str(reference)],
                       check=True, cwd=ROOT, capture_output=True)
    if not (reference / "england.csv").is_file():  # England's figures, the same for every authority
        shutil.copy(ROOT / "data" / "reference" / "england.csv", reference / "england.csv")
    from cpstats.publish.cluster import data_size

    folders = sorted((p for p in NATIONAL.iterdir() if (p / "la.yaml").is_file()), key=lambda p: (data_size(p), p.name))
    step = len(folders) / count
    return sorted(folders[int(i * step + step / 2)].name for i in range(count))


def _append(results: dict) -> None:
    s = results["steps"]
    year_only = set(s) == {"national-whole"}
    lines = [f"\n### {results['date']} {results['time']} UTC, `make {'bench-year' if year_only else 'bench'}` "
             f"(`benchmarks/bench_batch.py`)\n",
             f"Machine: {results['machine']}. Load average (1, 5, 15 min) {results['load_start']} at the start, "
             f"{results['load_end']} at the end. " + ("One run." if year_only else
             f"One after another; each batch on 1 and on 2 workers {results.get('repeat', 1)} times in turn, the run "
             f"of median seconds shown (every run's seconds in brackets).") + "\n",
             "| step | seconds | CPU seconds | load before -> after |", "|---|---:|---:|---|"]
    names = {"floor": "the floor: sample 2017-18, one process, no kernel",
             "cold": "cold single build: `cpstats build --la sample --year 2017-18`",
             "floor-four": "the floors of the same 4 reports, one after another, each in a fresh interpreter",
             "workers-1": "4 reports (sample, county x 2016-17, 2017-18) on a `LocalCluster` of **1 worker**",
             "workers-2": "the same 4 reports on **2 workers**",
             "national-1": f"{results.get('national_reports', 0)} national authorities, {results.get('year')}, on **1 worker**",
             "national-2": f"the same {results.get('national_reports', 0)} on **2 workers**",
             "national-whole": f"every authority of the synthetic England ({results.get('whole_reports', 0)}), "
                               f"{results.get('year')}, on 2 workers"}
    for key, label in names.items():
        if key in s:
            runs = f" ({', '.join(f'{x:.1f}' for x in s[key]['runs'])})" if len(s[key].get("runs", [])) > 1 else ""
            lines.append(f"| {label} | {s[key]['seconds']:.1f}{runs} | {s[key]['cpu_seconds']:.1f} | "
                         f"{s[key]['load_before']} -> {s[key]['load_after']} |")
    r = results.get("ratios", {})
    lines.append("")
    for key, label in (("workers-2", "4 reports"), ("national-2", f"{results.get('national_reports', 0)} national authorities")):
        if len(s.get(key, {}).get("efficiencies", [])) > 1:
            lines.append(f"2-worker efficiency of each pair, {label}: {', '.join(map(str, s[key]['efficiencies']))}.\n")
    if r:
        lines.append("; ".join(f"{k.replace('_', ' ')} **{v}**" for k, v in r.items()) + ".")
    if "projection_hours" in results:
        lines += ["", "| workers N | 153 reports (one year) | 918 reports (six years) |", "|---:|---:|---:|"]
        for n, (one, six) in results["projection_hours"].items():
            lines.append(f"| {n} | {one * 60:.0f} min | {six:.2f} h |")
    with open(ROOT / "benchmarks" / "RESULTS.md", "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", type=int, default=20, help="national authorities in the batch (0: none)")
    parser.add_argument("--year", default="2019-20")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each 1-worker and 2-worker batch, in turn (their medians are reported)")
    parser.add_argument("--whole-year", action="store_true", help="also build every authority's report for --year on 2 workers")
    parser.add_argument("--skip", default="", help="steps left out: floor, cold, workers, national")
    parser.add_argument("--no-append", action="store_true", help="do not append the results to benchmarks/RESULTS.md")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    now = dt.datetime.now(dt.timezone.utc)
    results = {"repeat": args.repeat, "date": now.date().isoformat(), "time": now.strftime("%H:%M"),
               "machine": f"{platform.machine()}, nproc {os.cpu_count()}, {_model()}, Python {platform.python_version()}",
               "load_start": _load(), "steps": {}, "ratios": {}}
    WORK.mkdir(parents=True, exist_ok=True)
    national = _national(args.national, args.year) if args.national and "national" not in skip else []
    s = results["steps"]

    if "floor" not in skip:
        folder = _fresh("floor")
        _step(results, "floor", lambda: {"floor_s": floor(ROOT, ROOT / "data", folder / "_build", folder / "_site")})
    if "cold" not in skip:
        folder = _fresh("cold")

        def cold():
            subprocess.run([str(BIN / "cpstats"), "build", "--la", "sample", "--year", "2017-18", "--renderer", "builtin",
                            "--data-root", str(ROOT / "data"), "--build-dir", str(folder / "_build"),
                            "--out", str(folder / "_site"), "--drafts-out", str(folder / "_drafts")],
                           check=True, cwd=ROOT, capture_output=True)
        _step(results, "cold", cold)
    if "workers" not in skip:
        def floors():  # the floor of each of the same four reports, each in a fresh interpreter, added up
            folder = _fresh("floor-four")
            return {"floor_s": sum(floor(ROOT, ROOT / "data", folder / "_build", folder / "_site", la, year)
                                   for la in FOUR[0] for year in FOUR[1])}
        _step(results, "floor-four", floors)
        _pairs(results, "workers", args.repeat, lambda workers, folder: _batch(*FOUR, workers, folder, data_root=ROOT / "data"))
    if national:
        results["national_reports"], results["year"] = len(national), args.year
        results["national_las"] = national
        _pairs(results, "national", args.repeat,
               lambda workers, folder: _batch(national, [args.year], workers, folder, data_root=NATIONAL))
    if args.whole_year:
        _national(1, args.year)  # made when missing
        everyone = sorted(p.name for p in NATIONAL.iterdir() if (p / "la.yaml").is_file())
        results["whole_reports"], results["year"] = len(everyone), args.year
        folder = _fresh("national-whole")
        _step(results, "national-whole", lambda: _batch(everyone, [args.year], 2, folder, data_root=NATIONAL))

    floor_s = s["floor"]["floor_s"] if "floor" in s else None
    if floor_s:
        s["floor"]["seconds"] = round(floor_s, 1)
    if "workers-1" in s:
        per_report = s["workers-1"]["seconds"] / 4
        results["ratios"]["per-report cost on 1 worker (s)"] = round(per_report, 1)
        if floor_s:
            results["ratios"]["per-report cost / floor"] = round(per_report / floor_s, 2)
        if "floor" in s:  # CPU seconds: what the work costs, whatever else the machine is doing
            results["ratios"]["per-report CPU / floor CPU"] = round(s["workers-1"]["cpu_seconds"] / 4 / s["floor"]["cpu_seconds"], 2)
        if "floor-four" in s:  # the same four reports, side by side: their own floors, not the sample's four times
            results["ratios"]["per-report cost / the same reports' floor"] = round(
                s["workers-1"]["seconds"] / s["floor-four"]["floor_s"], 2)
        if "workers-2" in s:
            results["ratios"]["2-worker efficiency, 4 reports (median of the pairs)"] = s["workers-2"]["median_efficiency"]
            results["ratios"]["2-worker CPU / 1-worker CPU"] = round(s["workers-2"]["cpu_seconds"] / s["workers-1"]["cpu_seconds"], 2)
    if floor_s and "cold" in s:
        results["ratios"]["cold single build / floor"] = round(s["cold"]["seconds"] / floor_s, 2)
    if "national-1" in s and "national-2" in s:
        results["ratios"][f"2-worker efficiency, {len(national)} national authorities (median of the pairs)"] = \
            s["national-2"]["median_efficiency"]
        results["ratios"][f"2-worker CPU / 1-worker CPU, {len(national)} national authorities"] = round(
            s["national-2"]["cpu_seconds"] / s["national-1"]["cpu_seconds"], 2)
    if "national-whole" in s:
        results["ratios"]["the whole national year on 2 workers (min)"] = round(s["national-whole"]["seconds"] / 60, 1)
    if "national-2" in s:
        worker_seconds = 2 * s["national-2"]["seconds"] / len(national)
        results["ratios"]["national batch: worker-seconds per report"] = round(worker_seconds, 1)
        if floor_s:
            results["ratios"]["national batch: worker-seconds per report / floor"] = round(worker_seconds / floor_s, 2)
        results["projection_hours"] = {n: [round(153 * worker_seconds / n / 3600, 3), round(918 * worker_seconds / n / 3600, 2)]
                                       for n in (1, 2, 8, 16, 32)}
    results["load_end"] = _load()
    (WORK / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results["ratios"], indent=1))
    for n, (one, six) in results.get("projection_hours", {}).items():
        print(f"{n} workers: 153 reports in {one * 60:.0f} min, 918 in {six:.2f} h")
    if not args.no_append:
        _append(results)


if __name__ == "__main__":
    main()
