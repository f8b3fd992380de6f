"""The build's cache: a section is executed again exactly when something it depends on changed.

The tests run in order on one small project (see ``small_project``): each changes one
thing, builds, checks what was executed, and puts the thing back.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import cpstats.publish.execute
from cpstats.publish.build import BuildRecord, build_report
from cpstats.publish.execute import parameterized, strip_timing
from tests.small_project import counts_notebook, make_project

YEAR = "2017-18"
SECTIONS = ["01_introduction", "99_counts"]


class Project:
    def __init__(self, root: Path):
        self.root = root
        self.project, self.data_root = make_project(root)
        self.site = root / "_drafts" / "sample" / YEAR  # internal builds publish into _drafts

    def build(self, year: str = YEAR, **options) -> BuildRecord:
        record = BuildRecord("sample", year)
        build_report("sample", year, data_root=self.data_root, out_root=self.root / "_site",
                     build_root=self.root / "_build", renderer="builtin", project_dir=self.project, jobs=2,
                     progress=False, record=record, **options)
        return record

    def page(self, section: str) -> str:
        return (self.site / f"{section}.html").read_text(encoding="utf-8")

    def files(self) -> dict[str, bytes]:
        return {p.relative_to(self.site).as_posix(): p.read_bytes() for p in sorted(self.site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return Project(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def cold(project):
    """The project built at least once, its first record kept."""
    if not hasattr(project, "first"):
        project.first = project.build()
    return project


def _referral_rows(page: str) -> int:
    return int(re.search(r"The data hold ([\d,]+) referral rows", page)[1].replace(",", ""))


def test_the_first_build_executes_every_section(cold):
    """With an empty cache every notebook is executed."""
    assert sorted(cold.first.executed) == SECTIONS and cold.first.cached == []


def test_a_rebuild_with_nothing_changed_executes_nothing_and_changes_no_byte(cold):
    """Same code, parameters, data, reference and library: every section comes from the cache."""
    before = cold.files()
    record = cold.build()
    assert record.executed == [] and sorted(record.cached) == SECTIONS
    assert cold.files() == before


HEAVY = ("pandas", "pandera", "numpy", "papermill", "nbformat", "jupyter_cache", "matplotlib")


def _cli_build(project: Project) -> tuple[int, str, str, list[str]]:
    """``cpstats build`` of the project in a process of its own: status, output, errors, heavy libraries it imported."""
    script = (
        "import sys\nfrom cpstats.cli import main\n"
        f"status = main(['build', '--la', 'sample', '--year', {YEAR!r}, '--data-root', {str(project.data_root)!r}, "
        f"'--out', {str(project.root / '_site')!r}, '--build-dir', {str(project.root / '_build')!r}, "
        "'--renderer', 'builtin', '--jobs', '2'])\n"
        f"print('imported:', sorted(name for name in {HEAVY!r} if name in sys.modules))\nsys.exit(status)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=project.project, capture_output=True, text=True,
                            env={**os.environ, "CI": "1"})
    imported = re.search(r"imported: \[(.*)\]", result.stdout)[1]
    return result.returncode, result.stdout, result.stderr, [n.strip("' ") for n in imported.split(",") if n.strip()]


def test_a_rebuild_with_nothing_changed_neither_loads_nor_checks_the_data(cold):
    """The command stops before pandas, pandera or papermill is even imported: nothing it could check has changed."""
    cold.build()
    before = cold.files()
    status, out, err, imported = _cli_build(cold)
    assert status == 0, err
    assert "0 notebooks executed, 2 from the cache" in out and "no figure changed" in out
    assert imported == []
    assert cold.files() == before


def test_a_bad_edit_is_refused_on_the_rebuild_and_a_good_one_rebuilt(cold):
    """A changed data file is read and checked again: a bad cell is refused (exit 2, one line), nothing published."""
    referrals = cold.data_root / "sample" / "referrals.csv"
    original, was = referrals.read_bytes(), os.stat(referrals)
    before = cold.files()
    lines = original.decode().splitlines(keepends=True)
    header, row = lines[0].rstrip("\n").split(","), lines[1].rstrip("\n").split(",")
    row[header.index("referral_date")] = "2017-02-30"  # no such day, same length
    referrals.write_bytes("".join([lines[0], ",".join(row) + "\n", *lines[2:]]).encode())
    os.utime(referrals, ns=(was.st_atime_ns, was.st_mtime_ns))  # same size, same modification time as before
    try:
        status, out, err, _ = _cli_build(cold)
        assert status == 2
        assert err.startswith("cpstats: refused: ") and "referrals.csv" in err and "Traceback" not in err
        assert cold.files() == before
    finally:
        referrals.write_bytes(original)
    status, out, err, imported = _cli_build(cold)  # the data as they were: the report as it is
    assert status == 0 and "0 notebooks executed" in out and imported == [], err


def test_file_digests_see_a_change_that_keeps_the_size_and_the_modification_time(tmp_path):
    """A digest is reused only while the file's status is the same; rewriting it and setting its time back is seen."""
    from cpstats.publish.caches import RACY_SECONDS, FileDigests

    kept, data = tmp_path / "digests.json", tmp_path / "la.yaml"
    data.write_text("name: Rutland\n", encoding="utf-8")
    old = os.stat(data).st_mtime_ns - (RACY_SECONDS + 5) * 10**9
    os.utime(data, ns=(old, old))
    first = FileDigests(kept)
    digest = first.digest(data)
    first.save()
    assert FileDigests(kept).digest(data) == digest  # reused
    data.write_text("name: Rutlanx\n", encoding="utf-8")
    os.utime(data, ns=(old, old))  # same size, same modification time: the change time still moves
    import hashlib

    assert FileDigests(kept).digest(data) == hashlib.sha256(b"name: Rutlanx\n").digest() != digest


def test_a_changed_data_file_executes_the_sections_again(cold):
    """Editing one data file makes every section that reads the data run again: no stale figure."""
    referrals = cold.data_root / "sample" / "referrals.csv"
    original = referrals.read_bytes()
    shown = _referral_rows(cold.page("99_counts"))
    lines = original.decode().splitlines(keepends=True)
    referrals.write_text("".join(lines[:-1]), encoding="utf-8")  # the last referral taken out
    try:
        record = cold.build()
        assert sorted(record.executed) == SECTIONS
        assert _referral_rows(cold.page("99_counts")) == shown - 1
    finally:
        referrals.write_bytes(original)
    assert cold.build().executed == []  # the original data are still in the cache


def test_a_changed_reference_file_executes_the_sections_again(cold):
    """Population and published figures are inputs too."""
    population = cold.data_root / "reference" / "population.csv"
    original = population.read_bytes()
    population.write_bytes(original + original.splitlines(keepends=True)[-1])
    try:
        assert sorted(cold.build().executed) == SECTIONS
    finally:
        population.write_bytes(original)


def test_a_commentary_edit_executes_nothing_and_shows_the_new_words(cold):
    """Commentary is filled when the report is assembled: an edit re-assembles without executing.

    The words published changed, so it is a new version, and the revisions page says where, in the report's words.
    """
    cold.build()  # the report as the inputs are now
    words = cold.project / "commentary" / "sample" / YEAR / "01_introduction.md"
    original = words.read_text(encoding="utf-8")
    words.write_text(original + "\nA sentence added by the analyst, with {{ s47_enquiries }} enquiries.\n", encoding="utf-8")
    try:
        record = cold.build()
        assert record.executed == []
        assert "A sentence added by the analyst, with 94 enquiries." in cold.page("01_introduction")
        title = re.search(r"<h1[^>]*>(.*?)</h1>", cold.page("01_introduction"), flags=re.S)[1]
        assert record.new_version and record.what == [{"kind": "commentary", "sections": [html.unescape(title)]}]
        revisions = html.unescape((cold.site / "revisions.html").read_text(encoding="utf-8"))
        assert f"Version {record.version}" in revisions and f"Commentary changed in: {html.unescape(title)}" in revisions
        assert (cold.site / "versions" / str(record.version - 1) / "index.html").is_file()
    finally:
        words.write_text(original, encoding="utf-8")
    again = cold.build()
    assert "A sentence added by the analyst" not in cold.page("01_introduction")
    assert again.version == record.version + 1 and again.what[0]["kind"] == "commentary"
    assert cold.build().new_version is False  # nothing published changed: the same version


def test_a_key_plan_change_executes_only_the_section_that_shows_it(cold):
    """A table in the commentary folder is an input of the section named like it only (19_key_plan.csv: 19_key_plan)."""
    folder = cold.project / "commentary" / "sample" / YEAR
    plan = folder / "19_key_plan.csv"
    plan.write_text("action,who\nAudit every plan,Service manager\n", encoding="utf-8")
    try:
        assert cold.build().executed == []  # this book has no key plan section
        shown = folder / "99_counts.csv"
        shown.write_text("action,who\nCount again,Analyst\n", encoding="utf-8")
        try:
            assert cold.build().executed == ["99_counts"]
        finally:
            shown.unlink()
    finally:
        plan.unlink()


def test_an_edited_code_cell_executes_that_section_only(cold):
    """Changing one notebook's code runs that notebook, and no other."""
    path = cold.project / "notebooks" / "99_counts.ipynb"
    original = path.read_bytes()
    nbformat.write(counts_notebook(code=counts_notebook().cells[2].source + "  # counted again"), path)
    try:
        assert cold.build().executed == ["99_counts"]
    finally:
        path.write_bytes(original)


def test_an_edited_markdown_cell_executes_nothing(cold):
    """Markdown is not executed: a new heading is published without running the section."""
    path = cold.project / "notebooks" / "99_counts.ipynb"
    original = path.read_bytes()
    nbformat.write(counts_notebook(heading="# 99. Counts of the files"), path)
    try:
        assert cold.build().executed == []
        assert "99. Counts of the files" in cold.page("99_counts")
    finally:
        path.write_bytes(original)


def test_a_change_in_the_library_executes_the_sections_again(cold, monkeypatch):
    """A new cpstats source digest or version means new code behind every figure."""
    monkeypatch.setattr(cpstats.publish.execute, "library_digest", lambda digests=None: "another library")
    assert sorted(cold.build().executed) == SECTIONS
    monkeypatch.undo()
    version = cpstats.publish.execute._version
    monkeypatch.setattr(cpstats.publish.execute, "_version", lambda name: "99.0" if name == "cpstats" else version(name))
    assert sorted(cold.build().executed) == SECTIONS


def test_another_year_is_executed_and_then_cached_apart(cold):
    """Parameters are part of the key: 2016-17 runs once, then both years come from the cache."""
    assert sorted(cold.build("2016-17").executed) == SECTIONS
    assert cold.build("2016-17").executed == [] and cold.build().executed == []


def test_force_executes_every_section(cold):
    """``force`` (cpstats build --force) executes everything, cached or not."""
    assert sorted(cold.build(force=True).executed) == SECTIONS


def test_papermill_timings_are_stripped_before_caching_and_matching(tmp_path):
    """Per-cell run times and status differ on every run; only tags are kept."""
    path = tmp_path / "nb.ipynb"
    nbformat.write(counts_notebook(), path)
    nb = parameterized(path, {"la": "sample"})
    nb.cells[2].metadata.update({"papermill": {"duration": 1.5, "status": "completed"},
                                 "execution": {"iopub.status.busy": "2018-01-01T00:00:00"}})
    nb.metadata["papermill"].update({"start_time": "x", "end_time": "y", "duration": 2.0})
    stripped = strip_timing(nb)
    assert [dict(c.metadata) for c in stripped.cells] == [{}, {"tags": ["parameters"]}, {"tags": ["injected-parameters"]}, {}]
    assert not {"start_time", "end_time", "duration"} & set(stripped.metadata["papermill"])


def test_a_kernel_that_fails_to_start_is_retried(monkeypatch, tmp_path):
    """A failure before any cell ran (the kernel did not start) is tried again; the run then succeeds."""
    import papermill

    calls = []

    def flaky(nb, output, **kwargs):
        calls.append(output)
        if len(calls) == 1:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return nb

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    monkeypatch.setattr(cpstats.publish.execute.time, "sleep", lambda seconds: None)
    executed, cell, detail, _ = cpstats.publish.execute._run_papermill(
        nbformat.writes(counts_notebook()), str(tmp_path / "out.ipynb"), str(tmp_path), "python3")
    assert len(calls) == 2 and executed is not None and detail is None


def test_a_failing_cell_is_not_retried(monkeypatch, tmp_path):
    """An error in a cell is the analyst's to fix: reported at once with the cell, not run again."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    calls = []

    def failing(nb, output, **kwargs):
        calls.append(output)
        raise PapermillExecutionError(3, 4, "boom", "ValueError", "no such measure", [])

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    executed, cell, detail, _ = cpstats.publish.execute._run_papermill(
        nbformat.writes(counts_notebook()), str(tmp_path / "out.ipynb"), str(tmp_path), "python3")
    assert len(calls) == 1 and executed is None and cell == 3 and detail == "ValueError: no such measure"


def test_progress_is_one_plain_line_per_notebook_without_a_terminal():
    """In CI and logs (no terminal) each notebook done is one line with its count, name and time."""
    import io

    stream = io.StringIO()
    progress = cpstats.publish.execute._Progress(2, stream)
    progress.step("sample 2017-18 08_numbers", "executed", 3.25)
    progress.step("sample 2017-18 09_categories", "FAILED", 1.0)
    progress.close()
    assert stream.getvalue() == ("[1/2] sample 2017-18 08_numbers: executed (3.2 s)\n"
                                 "[2/2] sample 2017-18 09_categories: FAILED (1.0 s)\n")


def test_validated_data_are_reused_only_while_every_file_is_the_same(tmp_path):
    """The build validates the data once for its notebooks; a changed file is read and validated again."""
    import shutil

    from cpstats.data.dataset import cached_dataset, keep_dataset, load_dataset

    folder = tmp_path / "sample"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "sample", folder)
    keep_dataset(load_dataset(folder), tmp_path / "validated")
    assert cached_dataset(folder, tmp_path / "validated").referrals.equals(load_dataset(folder).referrals)
    marac = folder / "marac.csv"
    marac.write_text("".join(marac.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")
    assert cached_dataset(folder, tmp_path / "validated") is None
