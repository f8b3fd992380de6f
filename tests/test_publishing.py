"""A build that fails, or is killed, never publishes a broken report: the last good one stays whole.

The kill tests run `cpstats build` in a subprocess beside a published copy of
the public sample report, wait for a point of the build to be reached (found
by watching the file system), kill the build and everything it started with
SIGKILL, and check that the published report is byte for byte what it was,
with every file its manifest lists. A last build then completes, clears what
the killed ones left, and publishes the same bytes again.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

import cpstats.publish.build as build_module
from cpstats.publish.build import publish
from cpstats.publish.quarto import read_book_config
from tests.sample_builds import LA, YEAR, copy_project, tree_hashes

KILL_TIMEOUT = 240  # seconds a build may take to reach a kill point


# ----------------------------------------------------------------- a failing notebook


def test_a_failing_notebook_names_section_and_cell_and_publishes_nothing(public_report, tmp_path, monkeypatch, capsys):
    """A raising cell in one of the project's notebooks: `cpstats build` names the section and cell, exits 1, publishes nothing."""
    from cpstats.cli import main

    project = copy_project(public_report.project, tmp_path / "project")
    book = read_book_config(project / "_quarto.yml")
    broken = book.notebooks[0]
    notebook = nbformat.read(broken, as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell('raise RuntimeError("the section cannot be computed")'))
    nbformat.write(notebook, broken)
    heading = next(line.lstrip("#").strip() for cell in notebook.cells if cell.cell_type == "markdown"
                   for line in cell.source.splitlines() if line.startswith("#"))
    site = tmp_path / "_site"
    shutil.copytree(public_report.out_root, site)
    before = tree_hashes(site)

    monkeypatch.chdir(project)  # cpstats finds the book from the working directory
    status = main(["build", "--la", LA, "--year", YEAR, "--data-root", str(project / "data"), "--out", str(site),
                   "--build-dir", str(tmp_path / "_build"), "--renderer", "builtin", "--disclosure", "public"])

    message = capsys.readouterr().err
    assert status == 1, message
    assert f"Section '{heading}' ({broken.name}) failed in cell 4" in message, message
    assert "RuntimeError: the section cannot be computed" in message
    assert "Nothing was published" in message
    assert tree_hashes(site) == before
    assert not list((site / LA).glob(f".{YEAR}.new-*"))  # nothing was even staged


# ----------------------------------------------------------------- killed builds


def _children(pid: int) -> list[int]:
    """Every process descended from ``pid`` (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _kill_build(process: subprocess.Popen) -> None:
    """SIGKILL the build and every process it started (its kernels), by their ids."""
    for pid in [process.pid, *_children(process.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


def _staging(site: Path, pid: int) -> list[Path]:
    """The temporary folder the build with process id ``pid`` renders into (not one a killed build left)."""
    return sorted((site / LA).glob(f".{YEAR}.new-{pid}-*"))


def _newer_notebook(build_dir: Path, since: float) -> bool:
    return any(p.stat().st_mtime > since for p in build_dir.glob("*.ipynb"))


def _staged(site: Path, pid: int, pattern: str) -> bool:
    return any(any(folder.glob(pattern)) for folder in _staging(site, pid))


KILL_POINTS = [
    # (name, disclosure, reached(site, build_dir, started, pid)): the public builds only assemble the report (a
    # commentary file was edited, see `killable`); an internal one executes the notebooks again.
    ("rendering has started: the temporary folder exists", "public",
     lambda site, build_dir, started, pid: bool(_staging(site, pid))),
    ("section pages are being written", "public", lambda site, build_dir, started, pid: _staged(site, pid, "*.html")),
    ("the PDF has been written", "public", lambda site, build_dir, started, pid: _staged(site, pid, "*.pdf")),
    ("the downloads are being written", "public",
     lambda site, build_dir, started, pid: _staged(site, pid, "downloads/*.csv")),
    ("starting up: 0.5 s after launch", "internal", lambda site, build_dir, started, pid: time.time() - started > 0.5),
    ("notebooks are executing", "internal",
     lambda site, build_dir, started, pid: _newer_notebook(build_dir, started) and time.time() - started > 4),
]
TRIED: list[str] = []


@pytest.fixture(scope="module")
def killable(public_report, tmp_path_factory):
    """A published copy of the public sample report and its build folder, beside which builds are killed.

    One commentary file of the project is edited for the length of the module, so each build assembles
    and publishes a new version (the commentary is filled in when the report is assembled, so the
    notebooks are not executed again); the file is put back afterwards.
    """
    root = tmp_path_factory.mktemp("killed")
    shutil.copytree(public_report.out_root, root / "_site")
    shutil.copytree(public_report.build_root, root / "_build")
    commentary = sorted((public_report.project / "commentary" / LA / YEAR).glob("*.md"))[0]
    original = commentary.read_bytes()
    commentary.write_bytes(original + b"\n\nThis paragraph was added while builds were being killed.\n")
    try:
        yield public_report, root
    finally:
        commentary.write_bytes(original)


def _command(project: Path, root: Path, disclosure: str) -> list[str]:
    return [sys.executable, "-m", "cpstats", "build", "--la", LA, "--year", YEAR, "--data-root", str(project / "data"),
            "--out", str(root / "_site"), "--build-dir", str(root / "_build"), "--renderer", "builtin",
            "--disclosure", disclosure]


def _published(site: Path) -> dict[str, str]:
    """Hashes of the published files (a killed build's hidden temporary folder is not published)."""
    return {k: v for k, v in tree_hashes(site).items() if not any(part.startswith(".") for part in k.split("/"))}


def _assert_whole(site: Path, before: dict[str, str]) -> None:
    """The published report and site index are byte for byte as before, and hold every file the manifest lists."""
    assert _published(site) == before
    report = site / LA / YEAR
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert [name for name in manifest["outputs"] if not (report / name).is_file()] == []


@pytest.mark.parametrize("point", KILL_POINTS, ids=[point[0] for point in KILL_POINTS])
def test_a_build_killed_midway_leaves_the_published_report_whole(killable, point):
    """SIGKILL at a point of the build: the last published report and the site index are intact and complete."""
    public, root = killable
    name, disclosure, reached = point
    site, build_dir = root / "_site", root / "_build" / LA / YEAR
    before = _published(site)
    started = time.time()
    process = subprocess.Popen(_command(public.project, root, disclosure), cwd=public.project,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not reached(site, build_dir, started, process.pid):
            assert process.poll() is None, f"the build ended before the kill point '{name}' (status {process.returncode})"
            assert time.time() - started < KILL_TIMEOUT, f"kill point '{name}' not reached"
            time.sleep(0.01)
        alive = process.poll() is None
        _kill_build(process)
    finally:
        if process.poll() is None:
            _kill_build(process)
    assert alive, f"the build finished before it could be killed at '{name}'"
    TRIED.append(f"{name} (after {time.time() - started:.1f} s)")
    _assert_whole(site, before)


def test_the_next_build_clears_what_killed_builds_left_and_publishes_whole(killable):
    """After the kills, a complete build succeeds, leaves no temporary folder behind, and publishes a whole report."""
    public, root = killable
    site = root / "_site"
    result = subprocess.run(_command(public.project, root, "public"), cwd=public.project, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert [p.name for p in (site / LA).iterdir()] == [YEAR]
    # the site's own files beside the report: its index and the open data joined across authorities
    assert sorted(p.name for p in site.iterdir()) == sorted([LA, "index.html", "open-data"])
    report = site / LA / YEAR
    assert "added while builds were being killed" in " ".join(p.read_text(encoding="utf-8") for p in report.glob("*.html"))
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["outputs"]) == sorted(tree_hashes(report))
    print("kill points tried and survived:", *TRIED, sep="\n  ")


# ----------------------------------------------------------------- without an atomic exchange


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_swap_interrupted_between_its_two_renames_is_undone_by_the_next_publish(tmp_path, monkeypatch):
    """Where the system cannot exchange two folders atomically, a crash between the renames is repaired next time."""
    target = tmp_path / "_site" / LA / YEAR
    publish(target, lambda folder: (folder / "index.html").write_text("version 1", encoding="utf-8"))
    monkeypatch.setattr(build_module, "_exchange", lambda first, second: False)
    real_replace = os.replace
    calls = []

    def crash_after_first_rename(source, destination):
        calls.append(source)
        real_replace(source, destination)
        if len(calls) == 1:
            raise KeyboardInterrupt("killed between the two renames")

    monkeypatch.setattr(build_module.os, "replace", crash_after_first_rename)
    with pytest.raises(KeyboardInterrupt):
        publish(target, lambda folder: (folder / "index.html").write_text("version 2", encoding="utf-8"))
    monkeypatch.setattr(build_module.os, "replace", real_replace)
    assert not target.exists()
    (retired,) = target.parent.glob(f".{YEAR}.old-*")
    retired.rename(retired.with_name(f".{YEAR}.old-{_dead_pid()}-crashed"))  # as if its build had been killed

    publish(target, lambda folder: (folder / "index.html").write_text("version 3", encoding="utf-8"))
    assert (target / "index.html").read_text(encoding="utf-8") == "version 3"
    assert [p.name for p in target.parent.iterdir()] == [YEAR]


def test_a_swap_with_the_atomic_exchange_never_leaves_the_report_missing(tmp_path):
    """On Linux the new report and the old trade places in one step (renameat2 RENAME_EXCHANGE)."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "f").write_text("a", encoding="utf-8")
    (second / "f").write_text("b", encoding="utf-8")
    if not build_module._exchange(first, second):
        pytest.skip("this file system cannot exchange two folders atomically")
    assert (first / "f").read_text(encoding="utf-8") == "b" and (second / "f").read_text(encoding="utf-8") == "a"
