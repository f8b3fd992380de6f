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


def test_the_context_checked_before_the_notebooks_fills_the_commentary_after_them_while_its_files_stay(tmp_path):
    """A build works out the report's context once for checking its commentary and filling it; a commentary
    file changed in between (here ``local_figures.csv``) is filled as it is now, not as it was."""
    from pathlib import Path

    from cpstats.data.periods import ReportingYear
    from cpstats.figures import Policy
    from cpstats.present.commentary import fill as fill_text
    from cpstats.publish.build import _SharedContext

    root = Path(__file__).resolve().parents[1]
    folder = tmp_path / "commentary" / "sample" / "2017-18"
    folder.mkdir(parents=True)
    (folder / "08_numbers.md").write_text("{{ local:chairs }} chairs.", encoding="utf-8")
    figures = folder / "local_figures.csv"
    figures.write_text("name,value,unit,description,source,note\nchairs,12,people,Conference Chairs,Staff list,\n",
                       encoding="utf-8")
    shared = _SharedContext("sample", ReportingYear.parse("2017-18"), root / "data" / "sample", root / "data" / "reference",
                            tmp_path / "commentary", Policy("internal"), fingerprint="f")
    first = shared()
    assert shared() is first  # nothing changed: the same context, its figures not worked out again
    assert fill_text("{{ local:chairs }}", first.commentary_context()) == "12"
    figures.write_text("name,value,unit,description,source,note\nchairs,14,people,Conference Chairs,Staff list,\n",
                       encoding="utf-8")
    again = shared()
    assert again is not first
    assert fill_text("{{ local:chairs }}", again.commentary_context()) == "14"
