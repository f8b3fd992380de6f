"""Time building the full sample report: by hand, cold, and the three kinds of rebuild.

Measured in one run, each the median of ``--repeats`` (3) repetitions, on the full
sample report for 2017-18 (every section notebook of ``_quarto.yml``):

(a) **by hand**: for each notebook in turn, ``papermill`` then
    ``jupyter nbconvert --to html``, one after the other;
(b) **cold**: ``cpstats build`` with an empty cache;
(c) **nothing changed**: ``cpstats build`` again;
(d) **one commentary edit**: a sentence added to one section's commentary;
(e) **one data file changed**: ``la.yaml`` of the authority edited.

It works on a copy of the project and the data in ``_build/bench/build/``, so
nothing in the checkout changes. Targets: b <= 0.5 a; c <= 0.05 b; d executes
no notebook. Prints the table, the ratios and whether each target is met, and
writes them as JSON to ``_build/bench/build/results.json``.

Run with ``make bench`` or ``python benchmarks/bench_build.py [--repeats N]``.
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
    for name in ("notebooks", "commentary"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, project / name)
    data = project / "data"
    for name in (LA, "reference"):
        shutil.copytree(ROOT / "data" / name, data / name)
    chapters = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))["book"]["chapters"]
    return project, data, [c for c in chapters if str(c).endswith(".ipynb")]


def _timed(command: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env={**os.environ, "CI": "1"})
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    project, data, notebooks = _project()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{len(notebooks)} notebooks, {LA} {YEAR}; median of {args.repeats}", flush=True)
    runs: dict[str, list[float]] = {key: [] for key in "abcde"}
    executed: dict[str, list[int]] = {key: [] for key in "bcde"}
    commentary = sorted((project / "commentary" / LA / YEAR).glob("*.md"))
    words = commentary[0] if commentary else project / "commentary" / LA / YEAR / "01_introduction.md"
    words.parent.mkdir(parents=True, exist_ok=True)
    for n in range(args.repeats):
        runs["a"].append(by_hand(project, data, notebooks, WORK / "by-hand"))
        print(f"  run {n + 1}: (a) by hand {runs['a'][-1]:.1f} s", flush=True)
        build, site = WORK / f"cache-{n}", WORK / f"site-{n}"
        for folder in (build, site):
            if folder.exists():
                shutil.rmtree(folder)
        for key in "bc":  # cold, then nothing changed
            seconds, count = cpstats_build(project, data, build, site)
            runs[key].append(seconds)
            executed[key].append(count)
        original = words.read_text(encoding="utf-8") if words.exists() else ""
        words.write_text(original + f"\nA sentence added for run {n + 1} of the benchmark.\n", encoding="utf-8")
        seconds, count = cpstats_build(project, data, build, site)
        runs["d"].append(seconds)
        executed["d"].append(count)
        la_yaml = data / LA / "la.yaml"
        la_yaml.write_text(la_yaml.read_text(encoding="utf-8") + f"# edited for run {n + 1} of the benchmark\n",
                           encoding="utf-8")
        seconds, count = cpstats_build(project, data, build, site)
        runs["e"].append(seconds)
        executed["e"].append(count)
        print("  run {}: (b) cold {:.1f} s, (c) unchanged {:.1f} s, (d) commentary {:.1f} s, (e) data {:.1f} s".format(
            n + 1, *(runs[k][-1] for k in "bcde")), flush=True)
    median = {key: statistics.median(values) for key, values in runs.items()}
    labels = {
        "a": "(a) by hand: papermill + nbconvert, serially",
        "b": "(b) cpstats build, cold cache",
        "c": "(c) rebuild, nothing changed",
        "d": "(d) rebuild after one commentary edit",
        "e": "(e) rebuild after one data file changed",
    }
    print(f"\n| step | median s | runs s | notebooks executed |\n|---|---:|---|---:|")
    for key, label in labels.items():
        count = "" if key == "a" else "/".join(str(c) for c in executed[key])
        shown = ", ".join(f"{v:.1f}" for v in runs[key])
        print(f"| {label} | {median[key]:.1f} | {shown} | {count if key != 'a' else len(notebooks)} |")
    ratios = {"b/a": median["b"] / median["a"], "c/b": median["c"] / median["b"], "d/b": median["d"] / median["b"],
              "e/b": median["e"] / median["b"]}
    print("\n" + ", ".join(f"{name} = {value:.3f}" for name, value in ratios.items()))
    targets = {
        "b <= 0.5 a": ratios["b/a"] <= 0.5,
        "c <= 0.05 b": ratios["c/b"] <= 0.05,
        "d executes no notebook": all(c == 0 for c in executed["d"]),
    }
    for name, met in targets.items():
        print(f"target {name}: {'met' if met else 'NOT met'}")
    (WORK / "results.json").write_text(json.dumps({
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()}, "notebooks": len(notebooks),
        "runs": runs, "median": median, "executed": executed, "ratios": ratios, "targets": targets,
    }, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
