"""Commentary placeholders are filled from the measures; unknown names are errors."""

from __future__ import annotations

import pytest

from cpstats.present.commentary import MISSING_NOTE, CommentaryError, Context, fill, render_commentary

MEASURES = {"referrals": 305, "reviews_in_timescale_pct": 100.0, "category_during_year": {"EMO": 20, "NEG": 18},
            "second_plan_within_2_years_pct": None}


def test_placeholders_are_filled_from_measures_previous_year_and_england():
    """Each scope of the syntax gives its value, formatted as the report prints it."""
    context = Context(MEASURES, previous={"referrals": 412}, england={"referrals": 655630},
                      words={"year": "2017-18", "la_name": "Rutland"})
    text = ("{{ la_name }} had {{referrals}} referrals in {{ year }} ({{ previous:referrals }} before; "
            "England {{ england:referrals }}); {{ category_during_year.EMO }} emotional; "
            "{{ reviews_in_timescale_pct }}% reviewed; repeat {{ second_plan_within_2_years_pct }}.")
    assert fill(text, context) == ("Rutland had 305 referrals in 2017-18 (412 before; England 655,630); "
                                   "20 emotional; 100.0% reviewed; repeat not applicable.")


@pytest.mark.parametrize("text", ["{{ referals }}", "{{ category_during_year.XYZ }}", "{{ category_during_year }}",
                                  "{{ england:referrals }}"])
def test_unknown_or_incomplete_name_is_an_error_with_its_line(text):
    """A misspelt name, a missing key, a whole breakdown or a missing scope is refused, naming the line."""
    with pytest.raises(CommentaryError, match=r"notes\.md, line 2: \{\{"):
        fill("first line\n" + text, Context(MEASURES), source="notes.md")


def test_missing_commentary_gives_the_visible_note(tmp_path):
    """A section without a file shows 'not yet written' and says so."""
    text, written = render_commentary(tmp_path, "sample", "2017-18", "08_numbers", Context(MEASURES))
    assert (text, written) == (MISSING_NOTE, False)
    path = tmp_path / "sample" / "2017-18" / "08_numbers.md"
    path.parent.mkdir(parents=True)
    path.write_text("We received {{ referrals }} referrals.", encoding="utf-8")
    assert render_commentary(tmp_path, "sample", "2017-18", "08_numbers", Context(MEASURES)) == ("We received 305 referrals.", True)


def test_a_section_without_a_file_works_out_no_values(tmp_path):
    """The values are asked for only when there is a file to fill: a section without one gets its note at once."""
    from cpstats.present.commentary import commentary_parts

    def no_values():
        raise AssertionError("the values were worked out for a section with no file")

    assert commentary_parts(tmp_path, "sample", "2017-18", "08_numbers", no_values) == (MISSING_NOTE, {}, False)
    path = tmp_path / "sample" / "2017-18" / "08_numbers.md"
    path.parent.mkdir(parents=True)
    path.write_text("We received {{ referrals }} referrals.", encoding="utf-8")
    asked = []
    text, values, written = commentary_parts(tmp_path, "sample", "2017-18", "08_numbers",
                                             lambda: asked.append(1) or Context(MEASURES))
    assert (asked, list(values.values()), written) == ([1], ["305"], True)


def test_the_commentary_is_checked_and_filled_from_one_context_while_its_files_stay(tmp_path, monkeypatch):
    """A build works out the report's context once to check its commentary before the notebooks run and to fill
    it after them; a commentary file changed in between (here ``local_figures.csv``) is filled as it is now."""
    import json
    from pathlib import Path

    import nbformat

    import cpstats.present.context as context_module
    from cpstats.data.periods import ReportingYear
    from cpstats.figures import Policy
    from cpstats.publish.build import _SharedContext, check_commentary, refresh_commentary

    root = Path(__file__).resolve().parents[1]
    commentary = tmp_path / "commentary"
    folder = commentary / "sample" / "2017-18"
    folder.mkdir(parents=True)
    (folder / "08_numbers.md").write_text("{{ local:chairs }} chairs.", encoding="utf-8")
    figures = folder / "local_figures.csv"

    def chairs(count: int) -> None:
        figures.write_text("name,value,unit,description,source,note\n"
                           f"chairs,{count},people,Conference Chairs,Staff list,\n", encoding="utf-8")

    calls = []
    real = context_module.load_context
    monkeypatch.setattr(context_module, "load_context", lambda *a, **k: calls.append(1) or real(*a, **k))
    executed = tmp_path / "build" / "08_numbers.ipynb"
    executed.parent.mkdir()
    cell = nbformat.v4.new_code_cell("report.commentary('08_numbers')")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": "old"}, metadata={
        "cpstats": {"commentary": {"section": "08_numbers", "written": True,
                                   "file": "commentary/sample/2017-18/08_numbers.md"}}})]
    year = ReportingYear.parse("2017-18")
    arguments = ("sample", year, root / "data" / "sample", root / "data" / "reference", commentary, Policy("internal"))

    def check_then_fill(between=None) -> str:
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), executed)
        shared = _SharedContext(*arguments, None, "fingerprint")
        check_commentary(*arguments, None, "fingerprint", None, context=shared)
        if between:
            between()
        refresh_commentary([executed], *arguments, None, "fingerprint", None, context=shared)
        return json.dumps(nbformat.read(executed, as_version=4).cells[0].outputs[0]["data"])

    chairs(12)
    assert "12 chairs" in check_then_fill()
    assert len(calls) == 1  # the check and the fill shared one context
    calls.clear()
    filled = check_then_fill(lambda: chairs(14))
    assert "14 chairs" in filled and "12 chairs" not in filled
    assert len(calls) == 2  # worked out again once the folder's files changed
