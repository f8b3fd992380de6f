"""Time building the full sample report: by hand, cold, and the three kinds of rebuild.

Measured in one run, each the median of ``--repeats`` (3) repetitions, on the full
sample report for 2017-18 (every section notebook of ``_quarto.yml``):

(a) **by hand**: for each notebook in turn, ``papermill`` then
    ``jupyter nbconvert --to html``, one after the other;
(b) **cold**: ``cpstats build`` with an empty cache;
(c) **nothing changed**: ``cpstats build`` again;
(d) **one commentary edit**: a sentence added to one section's commentary;
(e) **one data file changed**: ``la.yaml`` of the authority edited;
(f) **the floor**: the same report computed and assembled in one process with
    no kernel (``bench_floor.py``), from an empty build folder.

It works on a copy of the project and the data in ``_build/bench/build/``, so
nothing in the checkout changes. Targets: b <= 0.5 a; c <= 0.05 b; d executes
no notebook; b <= 3 f. Prints the table, the ratios and whether each target is
met, and writes them as JSON to ``_build/bench/build/results.json``. Every
command runs as a user's would, writing Python's bytecode caches (a
``PYTHONDONTWRITEBYTECODE`` in the environment is not passed on).

Run with ``make bench`` or ``python benchmarks/bench_build.py [--repeats N] [--steps abcdef]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_floor import floor  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "_build" / "bench" / "build"
LA, YEAR = "sample", "2017-18"
BIN = Path(sys.executable).parent


def _project() -> tuple[Path, Path, list[str]]:
    """A copy of the book, notebooks, commentary and data to work on; the notebooks in book order."""
    project = WORK / "project"
    if project.exists():
        shutil.rmtree(project)
    project.mkdir(parents=True)
    for name in ("_quarto.yml", "index.qmd"):
        shutil.copy(ROOT / name, project / name)
    for name in ("notebooks", "commentary", "measures"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    data = project / "data"
    for name in (LA, "reference"):
        shutil.copytree(ROOT / "data" / name, data / name)
    chapters = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))["book"]["chapters"]
    return project, data, [c for c in chapters if str(c).endswith(".ipynb")]


ENVIRONMENT = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "CI": "1"}


def _timed(command: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENVIRONMENT)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stderr[-3000:]}")
    return seconds, result.stdout + result.stderr


def by_hand(project: Path, data: Path, notebooks: list[str], out: Path) -> float:
    """(a) papermill then nbconvert --to html, notebook after notebook."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    for notebook in notebooks:
        executed = out / Path(notebook).name
        _timed([str(BIN / "papermill"), str(project / notebook), str(executed), "-p", "la", LA, "-p", "year", YEAR,
                "-p", "data_dir", str(data / LA), "-p", "reference_dir", str(data / "reference"),
                "-p", "commentary_dir", str(project / "commentary"), "--cwd", str(out), "--no-progress-bar"], out)
        _timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)], out)
    return time.perf_counter() - started


def cpstats_build(project: Path, data: Path, build: Path, site: Path) -> tuple[float, int]:
    """One ``cpstats build``: seconds, and notebooks executed (from its output)."""
    seconds, output = _timed([str(BIN / "cpstats"), "build", "--la", LA, "--year", YEAR, "--data-root", str(data),
                              "--build-dir", str(build), "--out", str(site), "--renderer", "builtin"], project)
    executed = re.search(r"(\d+) notebooks executed", output)
    return seconds, int(executed[1]) if executed else -1


def _load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", default="abcdef", help="which of the steps a-f to time (default: all)")
    args = parser.parse_args()
    steps = set(args.steps)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # the floor's interpreter too
    project, data, notebooks = _project()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{len(notebooks)} notebooks, {LA} {YEAR}; median of {args.repeats}; load average {_load()}", flush=True)
    runs: dict[str, list[float]] = {key: [] for key in "abcdef"}
    executed: dict[str, list[int]] = {key: [] for key in "bcde"}
    commentary = sorted((project / "commentary" / LA / YEAR).glob("*.md"))
    words = commentary[0] if commentary else project / "commentary" / LA / YEAR / "01_introduction.md"
    words.parent.mkdir(parents=True, exist_ok=True)
    for n in range(args.repeats):
        if "a" in steps:
            runs["a"].append(by_hand(project, data, notebooks, WORK / "by-hand"))
        build, site = WORK / f"cache-{n}", WORK / f"site-{n}"
        for folder in (build, site, WORK / "floor"):
            if folder.exists():
                shutil.rmtree(folder)
        for key in "bc":  # cold, then nothing changed
            if key in steps:
                seconds, count = cpstats_build(project, data, build, site)
                runs[key].append(seconds)
                executed[key].append(count)
        if "f" in steps:  # the same report in one process, no kernel, from an empty build folder
            runs["f"].append(floor(project, data, WORK / "floor" / "build", WORK / "floor" / "site"))
        if "d" in steps:
            original = words.read_text(encoding="utf-8") if words.exists() else ""
            words.write_text(original + f"\nA sentence added for run {n + 1} of the benchmark.\n", encoding="utf-8")
            seconds, count = cpstats_build(project, data, build, site)
            runs["d"].append(seconds)
            executed["d"].append(count)
        if "e" in steps:
            la_yaml = data / LA / "la.yaml"
            la_yaml.write_text(la_yaml.read_text(encoding="utf-8") + f"# edited for run {n + 1} of the benchmark\n",
                               encoding="utf-8")
            seconds, count = cpstats_build(project, data, build, site)
            runs["e"].append(seconds)
            executed["e"].append(count)
        print(f"  run {n + 1}: " + ", ".join(f"({k}) {runs[k][-1]:.2f} s" for k in "abcdef" if runs[k])
              + f"; load average {_load()}", flush=True)
    median = {key: statistics.median(values) for key, values in runs.items() if values}
    labels = {
        "a": "(a) by hand: papermill + nbconvert, serially",
        "b": "(b) cpstats build, cold cache",
        "c": "(c) rebuild, nothing changed",
        "d": "(d) rebuild after one commentary edit",
        "e": "(e) rebuild after one data file changed",
        "f": "(f) floor: one process, no kernel",
    }
    print(f"\n| step | median s | runs s | notebooks executed |\n|---|---:|---|---:|")
    for key, label in labels.items():
        if key not in median:
            continue
        count = "/".join(str(c) for c in executed[key]) if key in executed else len(notebooks)
        shown = ", ".join(f"{v:.2f}" for v in runs[key])
        print(f"| {label} | {median[key]:.2f} | {shown} | {count} |")
    pairs = {"b/a": ("b", "a"), "c/b": ("c", "b"), "d/b": ("d", "b"), "e/b": ("e", "b"), "b/f": ("b", "f")}
    ratios = {name: median[x] / median[y] for name, (x, y) in pairs.items() if x in median and y in median}
    print("\n" + ", ".join(f"{name} = {value:.3f}" for name, value in ratios.items()))
    targets = {}
    if "b/a" in ratios:
        targets["b <= 0.5 a"] = ratios["b/a"] <= 0.5
    if "c/b" in ratios:
        targets["c <= 0.05 b"] = ratios["c/b"] <= 0.05
    if executed["d"]:
        targets["d executes no notebook"] = all(c == 0 for c in executed["d"])
    if "b/f" in ratios:
        targets["b <= 3 f"] = ratios["b/f"] <= 3
    for name, met in targets.items():
        print(f"target {name}: {'met' if met else 'NOT met'}")
    print(f"load average at the end: {_load()}")
    (WORK / "results.json").write_text(json.dumps({
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()}, "notebooks": len(notebooks),
        "runs": runs, "median": median, "executed": executed, "ratios": ratios, "targets": targets,
    }, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
