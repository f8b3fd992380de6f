"""Local measures: an analyst's measures/*.py become figures of the report, protected and named in commentary."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpstats.figures.local import LocalMeasureError
from cpstats.present.commentary import fill
from cpstats.present.context import load_context
from cpstats.publish.execute import inputs_fingerprint

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA, REFERENCE, COMMENTARY = (PROJECT_ROOT / "data" / "sample", PROJECT_ROOT / "data" / "reference",
                               PROJECT_ROOT / "commentary")

MEASURE = '''
KINDS = {"disabled_children": "people", "audited_children": "count"}
RELATIONS = {"disabled_children": ["disability.Y"], "audited_children": []}


def disabled_children(ds, year):
    """Children with a plan during the year who have a disability (a local way of asking the same)."""
    from cpstats.figures.measures import disability

    return disability(ds, year)["Y"]


def audited_children(ds, year):
    return 3
'''


def _context(measures: Path, disclosure: str = "internal"):
    return load_context("sample", "2017-18", DATA, REFERENCE, COMMENTARY, disclosure=disclosure, measures_dir=measures)


def test_a_local_measure_is_a_figure_protected_like_the_others_and_named_in_commentary(tmp_path):
    (tmp_path / "mine.py").write_text(MEASURE, encoding="utf-8")
    internal = _context(tmp_path)
    count = internal.values["disabled_children"]
    assert isinstance(count, int) and 1 <= count <= 5  # small, so the public report must withhold it
    assert internal.previous["disabled_children"] is not None
    public = _context(tmp_path, "public")
    assert str(public.values["disabled_children"]) == "[c]"
    assert public.values["audited_children"] == 3  # declared a count of something else: shown
    text = fill("{{ disabled_children }} children; {{ audited_children }} audited.", public.commentary_context())
    assert text == "fewer than 6 children; 3 audited."
    assert fill("{{ disabled_children }}", internal.commentary_context()) == str(count)


def test_a_failing_or_clashing_local_measure_names_its_file_and_function(tmp_path):
    (tmp_path / "broken.py").write_text("def broken(ds, year):\n    return 1 / 0\n", encoding="utf-8")
    with pytest.raises(LocalMeasureError, match=r"broken.py: broken\(ds, year\) failed for 20\d\d-\d\d: ZeroDivisionError"):
        _context(tmp_path)
    (tmp_path / "broken.py").write_text("def referrals(ds, year):\n    return 1\n", encoding="utf-8")
    with pytest.raises(LocalMeasureError, match="broken.py: referrals is already a measure of cpstats"):
        _context(tmp_path)


def test_editing_a_local_measure_changes_the_inputs_the_notebooks_are_cached_by(tmp_path):
    (tmp_path / "mine.py").write_text(MEASURE, encoding="utf-8")
    before = inputs_fingerprint(DATA, REFERENCE, measures_dir=tmp_path)
    (tmp_path / "mine.py").write_text(MEASURE.replace("return 3", "return 4"), encoding="utf-8")
    assert inputs_fingerprint(DATA, REFERENCE, measures_dir=tmp_path) != before


def test_python_compiling_a_local_measure_changes_nothing_the_notebooks_are_cached_by(tmp_path):
    """Importing a measure writes ``__pycache__/*.pyc`` beside it: not an input, so the next build executes nothing."""
    import py_compile

    (tmp_path / "mine.py").write_text(MEASURE, encoding="utf-8")
    before = inputs_fingerprint(DATA, REFERENCE, measures_dir=tmp_path)
    py_compile.compile(str(tmp_path / "mine.py"), doraise=True)
    assert list((tmp_path / "__pycache__").glob("*.pyc"))
    assert inputs_fingerprint(DATA, REFERENCE, measures_dir=tmp_path) == before
