"""`cpstats compare`: a board pack's table of the headline measures over a range of years.

Run once on the public sample for 2014-15 to 2019-20 (terminal, CSV and workbook), and checked
against the protected figures the public report is made from: every figure it withholds is ``[c]``
in all three, and so is every change worked out from one.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys

import openpyxl
import pytest

from cpstats.data.dataset import load_dataset
from cpstats.figures.compare import figures_for_range
from cpstats.figures.disclosure import Policy
from cpstats.figures.figures import is_withheld, report_figures
from cpstats.figures.local import find_local_measures
from cpstats.present.board import BOARD_MEASURES, board_table
from cpstats.present.labels import figure_label, local_labels
from cpstats.publish.board import board_csv_bytes, write_board_workbook
from tests.sample_builds import PROJECT_ROOT

SAMPLE = PROJECT_ROOT / "data" / "sample"
REFERENCE = PROJECT_ROOT / "data" / "reference"
YEARS = ["2014-15", "2015-16", "2016-17", "2017-18", "2018-19", "2019-20"]


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    """The command's terminal output, CSV rows and workbook rows for the public sample."""
    out = tmp_path_factory.mktemp("compare")
    result = subprocess.run([sys.executable, "-m", "cpstats", "compare", "--la", "sample", "--from", YEARS[0],
                             "--to", YEARS[-1], "--disclosure", "public", "--csv", out / "board.csv",
                             "--xlsx", out / "board.xlsx", "--ods", out / "board.ods"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = list(csv.reader(io.StringIO((out / "board.csv").read_text(encoding="utf-8"))))
    sheet = openpyxl.load_workbook(out / "board.xlsx")["Measures"]
    cells = [row for row in sheet.iter_rows() if any(c.value is not None for c in row)]
    heading = next(i for i, row in enumerate(cells) if row[0].value == "Measure")
    book = [[c.value for c in row] for row in cells[heading:]]
    figures = report_figures(load_dataset(SAMPLE), YEARS[-1], REFERENCE, Policy("public"),
                             measures_dir=PROJECT_ROOT / "measures")
    return {"text": result.stdout, "csv": rows, "book": book, "cells": cells[heading + 1:], "figures": figures,
            "ods": out / "board.ods", "xlsx": out / "board.xlsx"}


def test_rows_are_labelled_in_the_report_words_with_years_changes_and_comparators(public):
    header, *rows = public["csv"]
    assert header == ["Measure", "Unit", *YEARS, f"Change {YEARS[0]} to {YEARS[-1]}", f"Change {YEARS[-2]} to {YEARS[-1]}",
                      f"England {YEARS[-1]}", f"East Midlands {YEARS[-1]}", f"Statistical neighbours' average {YEARS[-1]}",
                      f"95% interval {YEARS[-1]}", f"Compared with England {YEARS[-1]}",
                      f"National rank (1 = lowest) {YEARS[-1]}", f"Quarter of English authorities {YEARS[-1]}",
                      "Is a high value better?"]
    labels = [row[0] for row in rows]
    assert "Referrals" in labels and "Re-referrals within 12 months of a previous referral (%)" in labels
    assert not [label for label in labels if re.search(r"[a-z]_[a-z]|\.\w", label)], labels  # no raw keys
    # the local measure of measures/under_fives.py, by its docstring
    assert any(label.startswith("Children subject of a plan at any time in the year who were under 5") for label in labels)
    assert public["book"][0] == header and [r[0] for r in public["book"][1:]] == labels
    for label in labels[:2]:
        assert label in public["text"]


def test_counts_are_whole_numbers_and_percentages_change_in_points(public):
    header, *rows = public["csv"]
    first, last = header.index(YEARS[0]), header.index(YEARS[-1])
    change = header.index(f"Change {YEARS[0]} to {YEARS[-1]}")
    counts = [row for row in rows if row[1] == "Number"]
    assert counts and all(re.fullmatch(r"-?\d+|\[[cxz]\]", cell) for row in counts for cell in row[2:change + 2])
    referrals = next(row for row in rows if row[0] == "Referrals")
    assert int(referrals[change]) == int(referrals[last]) - int(referrals[first])
    shown = [line for line in public["text"].splitlines() if line.startswith("Referrals ")]
    assert shown and f"{int(referrals[last]):,}" in shown[0] and ".0" not in shown[0]
    percentages = [row for row in rows if row[1].startswith("%") and "[" not in row[first] + row[last]]
    assert percentages
    for row in percentages:  # percentage points: the difference of the two percentages, not a relative change
        assert float(row[change]) == pytest.approx(float(row[last]) - float(row[first]), abs=0.051)
    rereferrals = next(row for row in rows if row[0].startswith("Re-referrals"))
    line = next(line for line in public["text"].splitlines() if line.startswith("Re-referrals"))
    assert f"{float(rereferrals[change]):+.1f} pp" in line
    rate = next(row for row in rows if row[0].startswith("Children subject of a plan on 31 March, per 10,000"))
    assert all(re.fullmatch(r"\d+\.\d", cell) for cell in rate[2:last + 1])
    assert re.fullmatch(r"\d+\.\d", rate[header.index(f"England {YEARS[-1]}")])


def test_public_compare_withholds_exactly_what_the_public_report_withholds(public):
    """Every figure the protected figures withhold is [c] in the terminal, CSV and workbook; a change from one too."""
    figures, (header, *rows) = public["figures"], public["csv"]
    by_label = {row[0]: row for row in rows}
    book = {row[0]: row for row in public["book"][1:]}
    local = local_labels(find_local_measures(PROJECT_ROOT / "measures"))
    withheld = 0
    for name in [*BOARD_MEASURES, *local]:
        label = figure_label(name, local)
        if label not in by_label:
            continue
        for year in YEARS:
            value = figures.flat[year].get(name)
            cell = by_label[label][header.index(year)]
            if is_withheld(value):
                withheld += 1
                assert cell == "[c]" and book[label][header.index(year)] == "[c]", (name, year)
                for heading in header:
                    if heading.startswith("Change") and year in heading:
                        assert by_label[label][header.index(heading)] == "[c]", (name, heading)
            elif value is not None:
                assert cell != "[c]", (name, year)
                assert float(cell) == pytest.approx(float(value)), (name, year)
    assert withheld >= 3  # the sample has small counts: the check checked something
    count = next(r for r in rows if r[1] == "Number" and "[c]" in r[2:8])
    line = next(line for line in public["text"].splitlines() if line.startswith(count[0][:30]))
    assert "[c]" in line


def test_internal_compare_shows_the_small_numbers_the_public_one_withholds():
    ds = load_dataset(SAMPLE)
    figures, years = figures_for_range(ds, "2015-16", "2017-18", REFERENCE, Policy("internal"))
    table = board_table(figures, years, ds.la_code, ds.name, REFERENCE)
    assert table.columns()[1:4] == years and "[c]" not in "".join(map(str, sum(table.values(), [])))
    assert len(table.change_columns()) == 2
    one = board_table(*figures_for_range(ds, "2017-18", "2017-18", REFERENCE, Policy("internal")), ds.la_code, ds.name,
                      REFERENCE)
    assert one.change_columns() == [] and one.columns()[:2] == ["Measure", "2017-18"]


def test_csv_and_workbook_never_hold_a_formula(tmp_path):
    """A local measure named like a formula is written after a quote in the CSV and as text in the workbook."""
    measures = tmp_path / "measures"
    measures.mkdir()
    (measures / "evil.py").write_text(
        'def evil(ds, year):\n    """=HYPERLINK("http://example.com","x")"""\n    return 7\n', encoding="utf-8")
    ds = load_dataset(SAMPLE)
    figures, years = figures_for_range(ds, "2016-17", "2017-18", REFERENCE, Policy("internal"), measures)
    table = board_table(figures, years, ds.la_code, ds.name, REFERENCE, local_labels(find_local_measures(measures)))
    rows = list(csv.reader(io.StringIO(board_csv_bytes(table).decode("utf-8"))))
    assert ["'=HYPERLINK(\"http://example.com\",\"x\")", "Number", "7", "7", "0"] == rows[-1][:5]
    sheet = openpyxl.load_workbook(write_board_workbook(table, tmp_path / "b.xlsx"))["Measures"]
    evil = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert evil and all(c.data_type == "s" for c in evil)


def test_a_range_backwards_or_outside_the_data_is_refused():
    result = subprocess.run([sys.executable, "-m", "cpstats", "compare", "--from", "2019-20", "--to", "2014-15"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--from 2019-20 is after --to 2014-15" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_output_that_cannot_be_written_is_refused_and_nothing_is_written(tmp_path):
    """A workbook path that is a folder, or under a folder that cannot be made: one line, exit 2, and the CSV asked
    for beside it is not written either."""
    (tmp_path / "folder").mkdir()
    for xlsx in (tmp_path / "folder", PROJECT_ROOT / "README.md" / "board.xlsx"):
        result = subprocess.run([sys.executable, "-m", "cpstats", "compare", "--la", "sample", "--from", "2016-17",
                                 "--to", "2017-18", "--csv", str(tmp_path / "board.csv"), "--xlsx", str(xlsx)],
                                cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "--xlsx" in result.stderr and "Traceback" not in result.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_the_board_pack_as_ods_has_the_workbook_sheets_and_cells(public):
    """The ODS beside the workbook: the same sheets in order, the same cells, read back by pandas with odfpy."""
    import zipfile

    import pandas as pd

    sheets = pd.read_excel(public["ods"], engine="odf", sheet_name=None, header=None)
    book = openpyxl.load_workbook(public["xlsx"])
    assert list(sheets) == book.sheetnames[:-1] == ["Cover", "Contents", "Notes", "Measures"]  # not the Charts
    rows = [[None if pd.isna(v) else v for v in row] for row in sheets["Measures"].itertuples(index=False)]
    heading = next(i for i, row in enumerate(rows) if row[0] == "Measure")
    assert [[v for v in row if v is not None] for row in rows[heading:]] == \
        [[v for v in row if v is not None] for row in public["book"]]
    with zipfile.ZipFile(public["ods"]) as archive:
        assert b"table:formula" not in archive.read("content.xml")


# ----------------------------------------------------------------- how sure each comparison is


INTERVAL = re.compile(r"(\d+\.\d)(%?) to (\d+\.\d)(%?)")


def test_each_rate_and_percentage_has_its_interval_verdict_rank_and_quarter(public):
    """The last year's interval, verdict against England, national rank and quarter of every rate and percentage:
    the interval from the published counts, the verdict from the interval, the rank counted afresh among every
    authority's published figure in data/reference; [c] wherever the figure is withheld, [z] for a count."""
    import pandas as pd

    from cpstats.figures.uncertainty import interval_for

    (header, *rows), figures = public["csv"], public["figures"]
    last = YEARS[-1]
    col = {name: header.index(f"{name} {last}") for name in ("95% interval", "Compared with England",
                                                             "National rank (1 = lowest)",
                                                             "Quarter of English authorities", "England")}
    polarity = header.index("Is a high value better?")
    flat = figures.flat[last]
    names = {figure_label(n, {}): n for n in BOARD_MEASURES}
    table = pd.read_csv(REFERENCE / "published.csv", dtype={"area_code": str})
    checked = {"interval": 0, "rank": 0, "withheld": 0}
    for row in rows:
        fair = [row[col[k]] for k in ("95% interval", "Compared with England", "National rank (1 = lowest)",
                                      "Quarter of English authorities")]
        if row[1] == "Number":
            assert fair == ["[z]"] * 4 and row[polarity] == "[z]", row[0]
            continue
        name = names.get(row[0])
        if name is None:
            continue
        value = flat.get(name)
        if is_withheld(value):  # never worked out from a hidden count
            checked["withheld"] += 1
            assert fair == ["[c]"] * 4, (name, fair)
            continue
        found = INTERVAL.fullmatch(fair[0])
        if found:
            checked["interval"] += 1
            low, high = float(found.group(1)), float(found.group(3))
            expected = interval_for(name, flat)
            assert (low, high) == (round(expected.low, 1), round(expected.high, 1)) or \
                abs(low - expected.low) <= 0.05 and abs(high - expected.high) <= 0.05, name
            assert (found.group(2) == "%") == (row[1].startswith("%"))
            if row[col["England"]].startswith("["):
                assert fair[1] == "[x]", name
            else:
                england = float(row[col["England"]])
                said = ("Higher" if england < expected.low else "Lower" if england > expected.high
                        else "Statistically similar")
                assert fair[1] == said, name
        else:
            assert fair[:2] == ["[x]", "[x]"], name
        others = table[(table["area_type"] == "la") & (table["measure"] == name) & (table["year"] == last)
                       & (table["area_code"] != "857") & table["status"].isin(["published", "derived"])]
        if others.empty:
            assert fair[2:] == ["[x]", "[x]"], name
            continue
        checked["rank"] += 1
        values = others["value"].astype(float).tolist()
        of = len(values) + 1
        below = sum(v < float(value) for v in values)
        assert fair[2] == f"{below + 1} of {of}", name
        quarter = ("The lowest quarter", "The second quarter from the lowest", "The third quarter from the lowest",
                   "The highest quarter")[min(3, 4 * below // of)]
        assert fair[3].startswith(quarter), name
        assert row[polarity] in ("Neither high nor low", "Yes", "No: a low one"), name
        assert ("(band " in fair[3]) == (row[polarity] != "Neither high nor low"), name
    assert checked["interval"] >= 5 and checked["rank"] >= 4 and checked["withheld"] >= 1, checked
    # the terminal says the same, with the method in its notes
    assert "Statistically similar" in public["text"] and "Wilson score interval" in public["text"]


def test_the_public_pack_passes_the_disclosure_audit(public):
    """Every figure of the public pack, read back from its CSV as a reader reads it, audited with the relations and
    counts behind them: no withheld count of people can be worked out from the pack."""
    from cpstats.figures.audit import audit
    from cpstats.figures.figures import unprotected_years

    header, *rows = public["csv"]
    local = local_labels(find_local_measures(PROJECT_ROOT / "measures"))
    names = {figure_label(n, local): n for n in [*BOARD_MEASURES, *local]}
    published = {year: {} for year in YEARS}
    for row in rows:
        name = names[row[0]]
        for year in YEARS:
            cell = row[header.index(year)]
            published[year][name] = cell if cell.startswith("[") else (float(cell) if "." in cell else int(cell))
    truth, hidden = unprotected_years(load_dataset(SAMPLE), YEARS[-1], REFERENCE, PROJECT_ROOT / "measures")
    result = audit(published, {y: truth[y] for y in YEARS}, {y: hidden[y] for y in YEARS}, Policy("public"),
                   local_kinds={"under_5s": "people"},
                   local_relations={"under_5s": ["age_bands.unborn", "age_bands.under_1", "age_bands.1_to_4"]})
    assert result.withheld >= 3 and result.passed, result.pinned[:3]


# ----------------------------------------------------------------- the workbook as a reader opens it


def test_workbook_numbers_are_formatted_as_the_terminal_shows_them(public):
    """Counts whole with a thousands separator, rates and percentages to one decimal, changes signed, a change in a
    percentage in points; each cell holds the number itself, every text a string and no cell a formula."""
    from cpstats.publish.board import CHANGE_FORMATS, VALUE_FORMATS

    book = openpyxl.load_workbook(public["xlsx"])
    header = public["book"][0]
    first, change = header.index(YEARS[0]), header.index(f"Change {YEARS[0]} to {YEARS[-1]}")
    england = header.index(f"England {YEARS[-1]}")
    units = {"Number": "count", "Per 10,000 children aged 0 to 17": "rate", "% (change in percentage points)": "percent"}
    seen = set()
    for row in public["cells"]:
        unit = units.get(row[1].value)
        if unit is None:
            continue
        for cell in row[first:change]:
            if isinstance(cell.value, (int, float)):
                assert cell.number_format == VALUE_FORMATS[unit], (row[0].value, cell.number_format)
                seen.add(("value", unit))
        for cell in row[change:england]:
            if isinstance(cell.value, (int, float)):
                assert cell.number_format == CHANGE_FORMATS[unit], (row[0].value, cell.number_format)
                seen.add(("change", unit))
    assert {(k, u) for k in ("value", "change") for u in ("count", "rate", "percent")} <= seen
    assert VALUE_FORMATS["count"] == "#,##0" and CHANGE_FORMATS["percent"].startswith('+#,##0.0" pp"')
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    assert book.properties.created.isoformat() == "2020-03-31T00:00:00"


def test_workbook_has_a_charts_sheet_of_the_headline_trends(public):
    """The Charts sheet draws the headline rates over the years from the Measures sheet, with a text alternative
    naming every value; a measure withheld in a year is left out and named."""
    import zipfile

    book = openpyxl.load_workbook(public["xlsx"])
    assert book.sheetnames[-1] == "Charts"
    charts = book["Charts"]._charts
    assert len(charts) == 2
    series = [s for chart in charts for s in chart.series]
    assert all(s.val.numRef.f.startswith("Measures!$C$") and s.cat.strRef.f.startswith("Measures!$C$") for s in series)
    with zipfile.ZipFile(public["xlsx"]) as archive:
        drawing = archive.read("xl/drawings/drawing1.xml").decode("utf-8")
    rate = next(row for row in public["csv"][1:] if row[0].startswith("Children subject of a plan on 31 March, per"))
    assert f"{YEARS[0]} {float(rate[2]):,.1f}" in drawing and "Line chart: Rates per 10,000" in drawing
    left = [c.value for c in book["Charts"]["A"] if isinstance(c.value, str) and c.value.startswith("Left out")]
    assert left and "Initial conferences within 15 working days" in left[0]


def test_the_pack_is_read_by_pandas_in_the_projects_environment(public):
    """pandas opens the workbook (openpyxl is a dependency of the package) and the ODS (odfpy)."""
    import importlib.metadata

    import pandas as pd

    requires = importlib.metadata.requires("cpstats") or []
    base = [r for r in requires if "extra ==" not in r]
    assert any(r.startswith("openpyxl") for r in base) and any(r.startswith("odfpy") for r in base)
    frame = pd.read_excel(public["xlsx"], sheet_name="Measures", header=None)
    assert "Referrals" in frame[0].tolist()
    assert "Referrals" in pd.read_excel(public["ods"], engine="odf", sheet_name="Measures", header=None)[0].tolist()


def test_the_ods_shows_numbers_as_the_workbook_does(public):
    """The ODS's numbers carry ODF data styles: a thousands separator, one decimal place, a sign, "pp"."""
    import zipfile

    with zipfile.ZipFile(public["ods"]) as archive:
        content = archive.read("content.xml").decode("utf-8")
        styles = archive.read("styles.xml").decode("utf-8")
    assert 'number:grouping="true"' in styles and "<number:text> pp</number:text>" in styles
    assert '<number:text>+</number:text>' in styles and 'style:condition="value()&gt;0"' in styles
    assert re.search(r'office:value="225" table:style-name="ce\d+"', content)


def test_the_same_figures_give_the_same_bytes(public, tmp_path):
    """A second run writes byte-identical CSV, workbook and ODS."""
    result = subprocess.run([sys.executable, "-m", "cpstats", "compare", "--la", "sample", "--from", YEARS[0],
                             "--to", YEARS[-1], "--disclosure", "public", "--xlsx", tmp_path / "board.xlsx",
                             "--ods", tmp_path / "board.ods"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "board.xlsx").read_bytes() == public["xlsx"].read_bytes()
    assert (tmp_path / "board.ods").read_bytes() == public["ods"].read_bytes()
