"""Commentary that cannot be filled: every problem of every file, one a line, exit status 2, nothing published.

A real ``cpstats build`` of a copy of the project whose commentary holds misspelt and mistyped placeholders,
two of them on one line: the build stops before any notebook runs, lists each problem on a line of its own with
its file and line, answers a misspelt name with the one it most likely meant (``did you mean {{ referrals }}?``)
and publishes nothing. The suggestions are checked as a property against the sample's real placeholders.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpstats.present.commentary import CommentaryError, fill, suggestion
from tests.sample_builds import LA, PROJECT_ROOT, SAMPLE, YEAR, copy_project, tree_hashes

needs_sample = pytest.mark.skipif(not (SAMPLE / "la.yaml").exists(), reason="data/sample is not generated yet")
FOLDER = f"commentary/{LA}/{YEAR}"


def _append(path: Path, text: str) -> int:
    """Add ``text`` as the file's last lines; the number of its first line."""
    before = path.read_text(encoding="utf-8")
    before += "" if before.endswith("\n") else "\n"
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


@needs_sample
def test_a_build_lists_every_commentary_problem_one_a_line_exits_2_and_publishes_nothing(tmp_path, monkeypatch,
                                                                                           capsys):
    from cpstats.cli import main

    project = copy_project(PROJECT_ROOT, tmp_path / "project")
    numbers = project / FOLDER / "08_numbers.md"
    both = _append(numbers, "We had {{ referals }} referrals, {{ previous:referals }} the year before.\n")
    stray = _append(numbers, "Children on a plan: { plan_starts }.\n")
    categories = project / FOLDER / "09_categories.md"
    rate = _append(categories, "A rate of {{ cpp_rate_per_10000_at_31_marhc }} per 10,000.\n")
    site, drafts = tmp_path / "_site", tmp_path / "_drafts"
    monkeypatch.chdir(project)
    status = main(["build", "--la", LA, "--year", YEAR, "--data-root", str(project / "data"), "--out", str(site),
                   "--build-dir", str(tmp_path / "_build"), "--renderer", "builtin"])
    lines = capsys.readouterr().err.splitlines()
    assert status == 2
    assert lines == [
        "cpstats: not published: 4 problems in the commentary:",
        f"  {FOLDER}/08_numbers.md, line {both}: {{{{ referals }}}} names no known value (referals); "
        "did you mean {{ referrals }}?",
        f"  {FOLDER}/08_numbers.md, line {both}: {{{{ previous:referals }}}} names no known value (referals); "
        "did you mean {{ previous:referrals }}?",
        f"  {FOLDER}/08_numbers.md, line {stray}: {{ plan_starts }} is an unfinished or mistyped placeholder",
        f"  {FOLDER}/09_categories.md, line {rate}: {{{{ cpp_rate_per_10000_at_31_marhc }}}} names no known value "
        "(cpp_rate_per_10000_at_31_marhc); did you mean {{ cpp_rate_per_10000_at_31_march }}?",
    ], lines
    assert not drafts.exists() and not site.exists()
    assert not list((tmp_path / "_build" / LA / YEAR).glob("*.ipynb"))  # refused before any notebook ran


@needs_sample
def test_one_problem_is_one_line_and_a_fixed_file_builds(tmp_path, monkeypatch, capsys):
    """One misspelt name: one line with the file, the line and the name meant; the same build succeeds once fixed,
    and a later misspelling leaves the draft it published as it was."""
    from cpstats.cli import main

    project = copy_project(PROJECT_ROOT, tmp_path / "project")
    numbers = project / FOLDER / "08_numbers.md"
    written = numbers.read_text(encoding="utf-8")
    line = _append(numbers, "In all {{ referrals.total }}.\n")
    monkeypatch.chdir(project)
    arguments = ["build", "--la", LA, "--year", YEAR, "--data-root", str(project / "data"), "--out",
                 str(tmp_path / "_site"), "--build-dir", str(tmp_path / "_build"), "--renderer", "builtin"]
    assert main(arguments) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"cpstats: not published: {FOLDER}/08_numbers.md, line {line}: {{{{ referrals.total }}}} names no known "
        "value (referrals.total)"]
    numbers.write_text(written, encoding="utf-8")
    assert main(arguments) == 0, capsys.readouterr().err[-2000:]
    draft = tmp_path / "_drafts" / LA / YEAR
    before = tree_hashes(draft)
    _append(numbers, "Plans: {{ plan_strats }}.\n")
    assert main(arguments) == 2  # the notebooks are cached now: the commentary is still checked first
    assert "did you mean {{ plan_starts }}?" in capsys.readouterr().err
    assert tree_hashes(draft) == before


@pytest.fixture(scope="module")
def context():
    """The placeholders' values of the sample's 2017-18 report, as a build fills them."""
    if not (SAMPLE / "la.yaml").exists():
        pytest.skip("data/sample is not generated yet")
    from cpstats.present.context import load_context

    return load_context(LA, YEAR, SAMPLE, PROJECT_ROOT / "data" / "reference",
                        PROJECT_ROOT / "commentary").commentary_context()


def _names(context) -> list[str]:
    return sorted(name for name in {**(context.words or {}), **context.measures} if len(name) >= 8)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_a_name_with_one_letter_dropped_or_doubled_is_answered_with_a_name_that_fills(context, data):
    """Any known name of 8 letters or more, one letter dropped or doubled: refused on one line, and a name it
    suggests always fills; a name of a single value (not a breakdown) always gets a suggestion."""
    known = {**(context.words or {}), **context.measures}
    name = data.draw(st.sampled_from(_names(context)))
    at = data.draw(st.integers(0, len(name) - 1))
    typo = name[:at] + name[at + 1:] if data.draw(st.booleans()) else name[:at + 1] + name[at:]
    if typo in known:
        return  # another real name
    with pytest.raises(CommentaryError) as error:
        fill(f"{{{{ {typo} }}}}", context, source="x.md")
    said = str(error.value)
    assert "\n" not in said and said.startswith("x.md, line 1: ")
    meant = said.partition("; did you mean ")[2].removesuffix("?") or None
    if not isinstance(known[name], dict):
        assert meant is not None, said
    if meant is not None:
        assert meant == suggestion(context, None, typo, None) or "is not a placeholder" in said
        fill(meant, context)  # fills without an error
