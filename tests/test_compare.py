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
                      f"England {YEARS[-1]}", f"East Midlands {YEARS[-1]}", f"Statistical neighbours' average {YEARS[-1]}"]
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
    assert list(sheets) == book.sheetnames == ["Cover", "Contents", "Notes", "Measures"]
    rows = [[None if pd.isna(v) else v for v in row] for row in sheets["Measures"].itertuples(index=False)]
    heading = next(i for i, row in enumerate(rows) if row[0] == "Measure")
    assert [[v for v in row if v is not None] for row in rows[heading:]] == \
        [[v for v in row if v is not None] for row in public["book"]]
    with zipfile.ZipFile(public["ods"]) as archive:
        assert b"table:formula" not in archive.read("content.xml")
