"""The floor of a cold build: the same work in one process, with no kernel.

One Python process validates the data once, then runs every section
notebook's code (papermill's parameters injected, exactly as a build runs
it) in an IPython shell inside the process (no kernel, no worker process, no
messages between processes), keeps each cell's outputs as a kernel would
give them, and assembles the report from those notebooks with the build's
own functions (commentary, back-test and version, pages, PDF, CSV/XLSX
downloads, manifest, site index). Whatever a cold ``cpstats build`` takes
beyond this is the price of kernels, processes and caches.

``python benchmarks/bench_floor.py --project P --data-root D --build-dir B --out O``
builds the sample report for 2017-18 so and prints the seconds it took;
:func:`floor` runs it in a fresh interpreter (interpreter start and imports
counted, as they are for the build) and returns the wall-clock seconds.
``bench_build.py`` times it beside the cold build, in the same run.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

LA, YEAR = "sample", "2017-18"


def _shell():
    """An IPython shell in this process whose results are kept, as a kernel's display hook sends them."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.interactiveshell import InteractiveShell

    class KeptResults(DisplayHook):
        kept: list = []

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.kept.append((format_dict, md_dict or {}))

        def finish_displayhook(self):
            pass

    shell = InteractiveShell.instance()
    shell.displayhook = KeptResults(shell=shell, cache_size=0)
    shell.display_trap.hook = shell.displayhook
    return shell


def _execute(shell, nb, folder: Path):
    """Run a parameterized notebook's code cells in ``shell``, its outputs kept in the notebook."""
    import nbformat
    from IPython.utils.capture import capture_output

    shell.reset(new_session=False)
    gc.freeze()  # as the build's kept kernel does (cpstats.publish.execute.RESET_CELL): the next reset is cheap
    os.chdir(folder)
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        number += 1
        shell.displayhook.kept.clear()
        with capture_output(display=True) as captured:
            result = shell.run_cell(cell.source, store_history=False)
        if not result.success:
            raise RuntimeError(f"cell {number} failed: {result.error_in_exec or result.error_before_exec!r}")
        outputs = []
        if captured.stdout:
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=captured.stdout))
        outputs += [nbformat.v4.new_output("display_data", data=o.data, metadata=o.metadata or {}) for o in captured.outputs]
        outputs += [nbformat.v4.new_output("execute_result", data=data, metadata=metadata, execution_count=number)
                    for data, metadata in shell.displayhook.kept]
        cell.outputs, cell.execution_count = outputs, number
    return nb


def build_floor(project: Path, data_root: Path, build_root: Path, out_root: Path, la: str = LA,
                year: str = YEAR) -> Path:
    """One report (the sample 2017-18 unless told) built in this process, no kernel: the published folder."""
    import nbformat

    from cpstats.figures import Policy
    from cpstats.publish import build as b
    from cpstats.publish.caches import BuildCaches
    from cpstats.publish.execute import parameterized

    caches = BuildCaches(build_root)
    report = b._plan(la, year, data_root=data_root, out_root=out_root, drafts_root=None, build_root=build_root,
                     reference_dir=None, renderer="builtin", project_dir=project, policy=Policy())
    dataset = caches.dataset(report.data_dir)  # validated once, kept for the sections (as the build does)
    os.environ.update(caches.environment)
    report.build_dir.mkdir(parents=True, exist_ok=True)
    shell, executed = _shell(), []
    for notebook in report.book.notebooks:
        nb = _execute(shell, parameterized(notebook, report.parameters), report.build_dir)
        executed.append(report.build_dir / Path(notebook).name)
        nbformat.write(nb, executed[-1])
    os.chdir(project)
    record = b.BuildRecord(la, year)
    b.refresh_commentary(executed, la, report.year, report.data_dir, report.reference_dir, report.commentary_dir,
                         report.policy, dataset, report.fingerprint, report.build_dir)
    version = b._version_of_report(dataset, report.year, report.reference_dir, report.policy, report.target,
                                   report.build_dir, report.project_dir, record, report.fingerprint, caches)
    b.write_suppression_log(caches.figures(dataset, report.year, report.reference_dir, report.policy,
                                           report.measures_dir).log, report.build_dir / b.SUPPRESSION_LOG)
    assembly = b._assembly_key(executed, report.book, report.renderer, report.policy, version, report.parameters,
                               report.commentary_files, b._stated_date(version, report.year))
    published = b.publish(report.target, b._assembler(report, dataset, executed, version, assembly))
    b.write_site_index(report.out_root, draft=report.draft)
    return published


def floor(project: Path, data_root: Path, build_root: Path, out_root: Path, la: str = LA, year: str = YEAR) -> float:
    """Wall-clock seconds of :func:`build_floor` in a fresh interpreter (its start and imports counted)."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--project", str(project), "--data-root", str(data_root),
                             "--build-dir", str(build_root), "--out", str(out_root), "--la", la, "--year", year],
                            cwd=project, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the floor build failed:\n{result.stderr[-3000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--build-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--la", default=LA)
    parser.add_argument("--year", default=YEAR)
    args = parser.parse_args()
    started = time.perf_counter()
    published = build_floor(args.project.resolve(), args.data_root.resolve(), args.build_dir.resolve(), args.out.resolve(),
                            args.la, args.year)
    print(f"{published}: {time.perf_counter() - started:.1f} s in one process, no kernel")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
