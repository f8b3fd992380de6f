"""The kept kernel: a real ipykernel runs notebook after notebook, and build after build when kept.

A Dask worker keeps its kernel from report to report (:func:`cpstats.publish.execute.keep_kernel`); each
notebook must still see what a fresh kernel shows it: no name left by the one before, execution counts
from 1, its own folder as the working directory, and the same outputs.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from cpstats.publish import execute
from cpstats.publish.execute import KernelSession, NotebookJob, execute_jobs, keep_kernel, kernel_pid


def _notebook(*sources: str):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return nb


def _shown(nb) -> list:
    return [(cell.execution_count, [o.get("text") or o.get("data", {}).get("text/plain") for o in cell.outputs])
            for cell in nb.cells]


def test_each_notebook_in_a_kept_kernel_shows_what_a_fresh_kernel_shows(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    probe = ("print('left' in globals(), 'json' in globals())", "import os\nos.getcwd()", "left = 1\nleft + 1")
    fresh = KernelSession()
    try:
        alone = fresh.execute(_notebook(*probe), str(second))
    finally:
        fresh.shutdown()
    session = KernelSession()
    try:
        session.execute(_notebook("left = 'from the first notebook'", "import json\njson"), str(first))
        pid = session.km.provisioner.process.pid
        after = session.execute(_notebook(*probe), str(second))
        assert session.km.provisioner.process.pid == pid  # the same kernel ran both
    finally:
        session.shutdown()
    assert _shown(after) == _shown(alone)
    assert _shown(after)[0] == (1, ["False False\n"])  # no name the first notebook made
    assert _shown(after)[1][1] == [repr(str(second))]


@pytest.fixture
def kept():
    keep_kernel(True)
    try:
        yield
    finally:
        keep_kernel(False)


def _jobs(folder: Path, n: int) -> list:
    source = folder / "source.ipynb"
    nbformat.write(_notebook("import os\nos.getpid()"), source)
    return [NotebookJob(source, folder / f"run{i}" / "out.ipynb", {"run": str(i)}, f"run {i}") for i in range(n)]


def test_a_kept_kernel_serves_build_after_build_and_stops_when_let_go(tmp_path, kept):
    """Two builds in one process (a worker's two reports) run in one kernel; ``keep_kernel(False)`` stops it."""
    pids = []
    for build in ("a", "b"):
        folder = tmp_path / build
        folder.mkdir()
        summary = execute_jobs(_jobs(folder, 2), folder, workers=1, progress=lambda *step: None)
        assert len(summary.executed) == 2 and not summary.failures
        pids.append(kernel_pid())
        shown = {nbformat.read(path, as_version=4).cells[-1].outputs[0]["data"]["text/plain"] for path in summary.executed}
        assert shown == {str(pids[-1])}  # the notebooks ran in that kernel
    assert pids[0] is not None and pids[0] == pids[1]
    keep_kernel(False)
    assert kernel_pid() is None
    with pytest.raises(ProcessLookupError):
        for _ in range(50):  # the kernel process is gone (reaped by its manager)
            os.kill(pids[0], 0)
            import time

            time.sleep(0.1)


def test_a_build_that_does_not_keep_its_kernel_leaves_none(tmp_path):
    assert not execute._KEEP_KERNEL
    summary = execute_jobs(_jobs(tmp_path, 1), tmp_path, workers=1, progress=lambda *step: None)
    assert len(summary.executed) == 1
    assert kernel_pid() is None and execute._SESSION is None
