"""Where one report's time goes on a Dask worker, beside the one-process floor.

Two children, one after the other, in the same run (so their ratio is the
machine's at one moment, whatever else it is doing):

- **floor**: ``bench_floor.build_floor`` (the sample 2017-18 report computed
  and assembled in one process, the sections' code run in an IPython shell of
  that process, no kernel);
- **worker**: what a Dask worker does for a batch, in one process: the task of
  :mod:`cpstats.publish.cluster` (:func:`~cpstats.publish.cluster.build_task`)
  for each report of ``--reports`` in turn (the sample 2017-18 report first), each
  cold (an empty build folder and site), as one worker process runs them.

Each child wraps the build's steps in timers (the functions are the build's
own, wrapped, not replaced): interpreter start and imports, the data
validated, the kernel started, each notebook executed, the commentary filled,
the version and audit, the pages and PDF (every pandoc run and every Typst
compile counted), the downloads and open data, the atomic publish, the site
index. It prints, per report, seconds by step and the calls of each, and the
worker's first report against its later ones (what a worker pays once and
what it pays every time). Writes ``_build/bench/profile/results.json``.

``python benchmarks/bench_profile.py [--reports sample:2017-18,county:2017-18,sample:2016-17]``
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "_build" / "bench" / "profile"
STARTED = time.perf_counter()


class Timers:
    """Seconds and calls per step; a step called inside itself (recursion) is counted once."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.active: set[str] = set()
        self.notebooks: list[tuple[str, float]] = []

    def wrap(self, owner, name: str, step: str | None = None) -> None:
        original = getattr(owner, name)
        step = step or name
        timers = self
        if inspect.iscoroutinefunction(original):
            @functools.wraps(original)
            async def timed(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    timers.seconds[step] += time.perf_counter() - started
                    timers.calls[step] += 1
        else:
            @functools.wraps(original)
            def timed(*args, **kwargs):
                if step in timers.active:
                    return original(*args, **kwargs)
                timers.active.add(step)
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    timers.active.discard(step)
                    timers.seconds[step] += time.perf_counter() - started
                    timers.calls[step] += 1
        setattr(owner, name, timed)

    def snapshot(self) -> dict:
        return {step: [round(self.seconds[step], 3), self.calls[step]] for step in self.seconds}

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()
        self.notebooks.clear()


TIMERS = Timers()


def _instrument() -> None:
    """Timers around the build's steps (the build's own functions, wrapped)."""
    import pypandoc
    import typst

    from cpstats.publish import build, bundle, caches, downloads, execute, render

    for name in ("_plan", "_unchanged", "execute_notebooks", "refresh_commentary", "_version_of_report",
                 "write_suppression_log", "_typed_withheld", "_assembly_key", "publish", "render_builtin",
                 "write_site_index", "_remember", "_retire_other_mode"):
        TIMERS.wrap(build, name)
    TIMERS.wrap(caches.BuildCaches, "dataset", "data validated (or read back)")
    TIMERS.wrap(caches.BuildCaches, "figures", "protected figures")
    TIMERS.wrap(render, "report_pages", "pages read (notebooks into pandoc documents)")
    TIMERS.wrap(render, "compile_pdf", "PDF (Typst, with its source)")
    TIMERS.wrap(pypandoc, "convert_text", "pandoc runs")
    TIMERS.wrap(typst, "compile_with_warnings", "Typst compiles")
    TIMERS.wrap(downloads, "prepare_downloads")
    TIMERS.wrap(downloads.Downloads, "write", "downloads written (CSV, XLSX)")
    TIMERS.wrap(bundle, "write_everything", "open data, ODS, zip")
    TIMERS.wrap(execute, "_cached", "jupyter-cache match")
    TIMERS.wrap(execute, "open_cache", "jupyter-cache open")

    from jupyter_client.manager import AsyncKernelManager

    TIMERS.wrap(AsyncKernelManager, "start_kernel", "kernel start")
    session_execute = execute.KernelSession.execute

    def timed_execute(self, nb, cwd):
        started = time.perf_counter()
        try:
            return session_execute(self, nb, cwd)
        finally:
            seconds = time.perf_counter() - started
            TIMERS.notebooks.append((Path(nb.metadata.get("papermill", {}).get("input_path", "") or "?").stem, seconds))
            TIMERS.seconds["notebooks executed"] += seconds
            TIMERS.calls["notebooks executed"] += 1

    execute.KernelSession.execute = timed_execute


def child_floor(out: Path) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    imports = time.perf_counter()
    import bench_floor

    _instrument()
    imported = time.perf_counter() - imports
    floor_execute = bench_floor._execute

    def timed(shell, nb, folder):
        started = time.perf_counter()
        try:
            return floor_execute(shell, nb, folder)
        finally:
            seconds = time.perf_counter() - started
            TIMERS.notebooks.append(("?", seconds))
            TIMERS.seconds["notebooks executed"] += seconds
            TIMERS.calls["notebooks executed"] += 1

    bench_floor._execute = timed
    started = time.perf_counter()
    bench_floor.build_floor(ROOT, ROOT / "data", out / "_build", out / "_site")
    return {"reports": [{"label": "sample 2017-18", "seconds": round(time.perf_counter() - started, 2),
                         "steps": TIMERS.snapshot(), "notebooks": [round(s, 2) for _, s in TIMERS.notebooks]}],
            "imports_s": round(imported, 2), "process_s": round(time.perf_counter() - STARTED, 2)}


def child_worker(out: Path, reports: list[tuple[str, str]]) -> dict:
    imports = time.perf_counter()
    from cpstats.publish.cluster import build_task

    _instrument()
    imported = time.perf_counter() - imports
    results = []
    staging = out / "_build" / ".staging" / "profile"
    for la, year in reports:
        TIMERS.reset()
        started = time.perf_counter()
        record = build_task(la, year, staging_root=str(staging), out_root=str(out / "_drafts"),
                            build_root=str(out / "_build"),
                            options={"data_root": ROOT / "data", "renderer": "builtin", "project_dir": ROOT})
        if record.error:
            raise SystemExit(f"{la} {year}: {record.error}")
        results.append({"label": f"{la} {year}", "seconds": round(time.perf_counter() - started, 2),
                        "steps": TIMERS.snapshot(), "notebooks": [round(s, 2) for _, s in TIMERS.notebooks]})
    from cpstats.publish import execute

    if execute._SESSION is not None:
        execute._SESSION.shutdown()
    return {"reports": results, "imports_s": round(imported, 2), "process_s": round(time.perf_counter() - STARTED, 2)}


def _run_child(kind: str, reports: str) -> dict:
    out = WORK / kind
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--child", kind, "--reports", reports],
                            cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"the {kind} child failed:\n{result.stderr[-3000:]}")
    found = json.loads((out / "profile.json").read_text(encoding="utf-8"))
    found["wall_s"] = round(time.perf_counter() - started, 2)
    return found


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", default="sample:2017-18,county:2017-18,sample:2016-17")
    parser.add_argument("--child", choices=["floor", "worker"])
    args = parser.parse_args()
    reports = [tuple(pair.split(":")) for pair in args.reports.split(",")]
    if args.child:
        out = WORK / args.child
        found = child_floor(out) if args.child == "floor" else child_worker(out, reports)
        (out / "profile.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
        return 0

    load = _load()
    floor = _run_child("floor", args.reports)
    worker = _run_child("worker", args.reports)
    results = {"load_before": load, "load_after": _load(), "floor": floor, "worker": worker}
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")

    columns = [("floor", floor["reports"][0])] + [(f"worker {r['label']}", r) for r in worker["reports"]]
    steps = sorted({s for _, r in columns for s in r["steps"]}, key=lambda s: -max(r["steps"].get(s, [0])[0] for _, r in columns))
    print(f"load average {load} -> {results['load_after']}")
    print(f"processes: floor {floor['wall_s']} s wall (imports {floor['imports_s']} s), "
          f"worker {worker['wall_s']} s wall (imports {worker['imports_s']} s)\n")
    print("| step | " + " | ".join(name for name, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    print("| **report** | " + " | ".join(f"**{r['seconds']:.2f}**" for _, r in columns) + " |")
    for step in steps:
        cells = []
        for _, r in columns:
            seconds, calls = r["steps"].get(step, [0.0, 0])
            cells.append(f"{seconds:.2f} ({calls})" if calls else "")
        print(f"| {step} | " + " | ".join(cells) + " |")
    for name, r in columns:
        print(f"{name}: notebooks {', '.join(f'{s:.1f}' for s in r['notebooks'])}")
    base = floor["reports"][0]["seconds"]
    for name, r in columns[1:]:
        print(f"{name}: {r['seconds'] / base:.2f}x the floor's report")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
