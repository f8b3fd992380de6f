"""Local figures: figures the records cannot give, from commentary/<la>/<year>/local_figures.csv.

Checked as published text, with file, row and column; a count of people among them is withheld in a
public report like every other; named in commentary as ``{{ local:name }}``.
"""

from __future__ import annotations

import pytest

from cpstats.data.dataset import check_local_figures, read_local_figures
from cpstats.figures import Policy
from cpstats.figures.figures import protect_local_figures
from cpstats.present.commentary import Context, fill
from tests.test_input_edges import assert_refused, build, project  # noqa: F401  (the small project fixture)

HEADER = "name,value,unit,description,source,note\n"
GOOD = "caseload_average,23,average,Average caseload of a Conference Chair,Service records 2018,\n"


def _write(folder, text: str):
    path = folder / "local_figures.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    return path


@pytest.mark.parametrize("row, column, says", [
    ("Caseload,23,average,d,s,\n", "name", "is not a name of lower-case letters"),
    ("caseload,23 children,average,d,s,\n", "value", "is not a number"),
    ("caseload,-3,average,d,s,\n", "value", "is not a number"),
    ("caseload,,average,d,s,\n", "value", "is blank but required"),
    ("caseload,3,parsecs,d,s,\n", "unit", "is not an allowed code"),
    ("caseload,3,count,=HYPERLINK(\"x\"),s,\n", "description", "formula"),
    ("caseload,3,count,d,,\n", "source", "is blank but required"),
    ("caseload_average,3,count,d,s,\n", "name", "appears more than once"),
])
def test_a_local_figure_that_breaks_its_rules_is_named_by_row_and_column(tmp_path, row, column, says):
    problems = check_local_figures(_write(tmp_path, GOOD + row), "commentary/x/2017-18/local_figures.csv")
    assert problems, row
    assert any(p.row == 3 and p.column == column and says in p.message for p in problems), problems
    assert all(p.file == "commentary/x/2017-18/local_figures.csv" for p in problems)


def test_a_count_of_people_is_withheld_in_public_and_named_in_commentary(tmp_path):
    rows = read_local_figures(_write(tmp_path, GOOD + "chairs,3,people,Conference Chairs,Staffing list,\n"
                                     "lado_rise,87,percent,Rise in LADO referrals,LADO annual report,\n"))
    assert [r["value"] for r in rows] == [23, 3, 87]
    text = "{{ local:chairs }} chairs; caseload {{ local:caseload_average }}; LADO up {{ local:lado_rise }}."
    public = fill(text, Context(measures={}, local=protect_local_figures(rows, Policy("public"))))
    internal = fill(text, Context(measures={}, local=protect_local_figures(rows, Policy("internal"))))
    assert public == "fewer than 6 chairs; caseload 23; LADO up 87%."
    assert internal == "3 chairs; caseload 23; LADO up 87%."


def test_a_build_with_a_broken_local_figures_file_is_refused_and_publishes_nothing(project):  # noqa: F811
    folder, data_root, site = project
    commentary = folder / "commentary" / "sample" / "2017-18"
    _write(commentary, GOOD + "chairs,three,people,Conference Chairs,Staffing list,\n")
    before = (site / "sample" / "2017-18" / "index.html").read_bytes()
    assert_refused(build(folder, data_root, "--la", "sample"),
                   "commentary/sample/2017-18/local_figures.csv, row 3, column value")
    assert (site / "sample" / "2017-18" / "index.html").read_bytes() == before
    assert not (folder.parent / "_drafts").exists()


def test_the_root_books_pre_render_step_refuses_a_broken_local_figures_file(project):  # noqa: F811
    """``cpstats quarto-prepare`` (what ``quarto render`` at the root runs first) checks it as the build does."""
    from tests.test_input_edges import cpstats

    folder, _, _ = project
    _write(folder / "commentary" / "sample" / "2017-18", GOOD + "chairs,three,people,Conference Chairs,Staffing list,\n")
    assert_refused(cpstats("quarto-prepare", cwd=folder), "commentary/sample/2017-18/local_figures.csv, row 3, column value")
    assert not (folder / "_build").exists()


def test_an_editors_folder_among_the_commentary_files_is_not_commentary(project):  # noqa: F811
    """JupyterLab keeps ``.ipynb_checkpoints/`` beside the Markdown it edits; a build reads past it."""
    folder, data_root, site = project
    commentary = folder / "commentary" / "sample" / "2017-18"
    (commentary / ".ipynb_checkpoints").mkdir(parents=True)
    (commentary / ".ipynb_checkpoints" / "08_numbers-checkpoint.md").write_text("an older draft\n", encoding="utf-8")
    result = build(folder, data_root, "--la", "sample")
    assert result.returncode == 0, result.stderr[-3000:]
    pages = list((folder.parent / "_drafts" / "sample" / "2017-18").glob("*.html"))  # an internal draft
    assert pages and not any("an older draft" in page.read_text(encoding="utf-8") for page in pages)
