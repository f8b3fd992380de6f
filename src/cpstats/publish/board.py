"""A board pack's comparison (:class:`cpstats.present.board.BoardTable`) as CSV and as an accessible workbook.

The CSV is written as the report's downloads are (:mod:`cpstats.publish.downloads`): numbers as
numbers, a GSS symbol where a value is withheld, not available or not applicable (never blank),
and any text a spreadsheet would take for a formula after a single quote (:func:`csv_text`).

The workbook is made with the Analysis Function's ``gptables``, like the report's: a cover sheet
(title, authority, years, disclosure mode), a contents sheet, a notes sheet explaining the symbols,
percentage points and the comparators, and the table on its own sheet with a ``Unit`` column and
the years and comparators in its headings. Every text is written as a string, never a formula.
Each number is shown as the terminal shows it, by its cell's number format (:data:`VALUE_FORMATS`,
:data:`CHANGE_FORMATS`): counts whole with a thousands separator, rates and percentages to one
decimal place, a change with its sign and a change in a percentage in percentage points ("+3.5 pp"),
while the cell holds the number itself. A ``Charts`` sheet draws the headline rates and percentages
over the years (xlsxwriter's charts, each with its text alternative). The workbook's date is the
last year's end (or ``SOURCE_DATE_EPOCH``), so the same figures give the same bytes.
The same sheets are also written as an OpenDocument spreadsheet (:func:`write_board_ods`), with the
same number formats and without the charts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
from pathlib import Path

from cpstats.present.board import INTERVAL_NOTE, SYMBOLS, BoardTable
from cpstats.publish.downloads import csv_text

__all__ = ["VALUE_FORMATS", "CHANGE_FORMATS", "CHART_MEASURES", "board_csv_bytes", "write_board_csv",
           "write_board_workbook", "write_board_ods"]

VALUE_FORMATS = {"count": "#,##0", "rate": "#,##0.0", "percent": '#,##0.0"%"', "mean": "#,##0.0"}
"""Each unit's number format in the workbook: ``1,234``, ``23.3``, ``21.3%`` (the cell holds 21.3)."""

CHANGE_FORMATS = {"count": "+#,##0;-#,##0;0", "rate": "+#,##0.0;-#,##0.0;0.0",
                  "percent": '+#,##0.0" pp";-#,##0.0" pp";0.0" pp"', "mean": "+#,##0.0;-#,##0.0;0.0"}
"""Each unit's change in the workbook: signed (``+100``, ``-7``, ``0``); a percentage's in points (``+3.5 pp``)."""

CHART_MEASURES = (
    ("Rates per 10,000 children aged 0 to 17", ("cpp_rate_per_10000_at_31_march", "plan_start_rate_per_10000")),
    ("Percentages", ("rereferrals_within_12_months_pct", "second_or_subsequent_plan_pct",
                     "icpc_within_15_working_days_pct")),
)
"""The charts of the ``Charts`` sheet: a title and the measures it draws, each over every year of the pack."""


def board_csv_bytes(table: BoardTable) -> bytes:
    """The table as CSV (UTF-8, ``\\n`` line ends): headings with a ``Unit`` column, then one row per measure."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_text(column) for column in table.columns(unit=True)])
    writer.writerows([csv_text(value) for value in row] for row in table.values())
    return buffer.getvalue().encode("utf-8")


def write_board_csv(table: BoardTable, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(board_csv_bytes(table))
    return path


def _notes(table: BoardTable, texts):
    import pandas as pd

    notes = [
        ("symbols", "Symbols used in place of numbers: "
         + "; ".join(f"{symbol} {meaning}" for symbol, meaning in SYMBOLS.items()) + "."),
        ("units", "Each row's unit is in its Unit column. Counts are whole numbers; percentages and rates are "
                  "to one decimal place; the change in a percentage is in percentage points (the difference "
                  "between the two percentages), not a percentage change."),
        ("comparators", texts(f"England, {table.region_name or 'the region'} and the statistical neighbours' average "
                              f"(the plain mean of the neighbours DfE publishes a figure for) are the Department for "
                              f"Education's published children in need statistics for {table.last}, for rates and "
                              "percentages only.")),
        ("disclosure", table.disclosure_note()),
        ("intervals", f"How sure a comparison is, for {table.last}: " + INTERVAL_NOTE),
        ("year", "A reporting year runs from 1 April to 31 March: 2017-18 is 1 April 2017 to 31 March 2018."),
        ("rates", "Rates are per 10,000 children aged 0 to 17, using the ONS mid-year population estimate the "
                  "Department for Education uses for the same year."),
    ]
    return pd.DataFrame({"Note reference": [n for n, _ in notes], "Note text": [t for _, t in notes]})


def _formatting(table: BoardTable) -> list[dict]:
    """gptables' cell formats for the table's numbers: each row's unit, its changes signed."""
    years, changes = len(table.years), len(table.change_columns())
    groups: dict[str, list[tuple[int, int]]] = {}
    for index, row in enumerate(table.rows, start=1):  # row 0 of gptables' table is the headings
        first = 2  # after the measure and its unit
        for column in range(first, first + years):
            groups.setdefault(VALUE_FORMATS[row.unit], []).append((index, column))
        for column in range(first + years, first + years + changes):
            groups.setdefault(CHANGE_FORMATS[row.unit], []).append((index, column))
        if row.unit != "count":  # a count's comparators are [z]
            for column in range(first + years + changes, first + years + changes + 3):
                groups.setdefault(VALUE_FORMATS[row.unit], []).append((index, column))
    # one item a cell: gptables 2.0 formats only the last cell of an item's list
    return [{"cell": {"cells": cell, "format": {"num_format": code}}} for code, cells in groups.items() for cell in cells]


def _charted(table: BoardTable) -> list[tuple[str, list[tuple[int, object]]]]:
    """Each chart of :data:`CHART_MEASURES` with the rows it draws (index, row): those with a number every year.

    A row with a withheld or missing year is left out: a spreadsheet draws a text cell as nought."""
    found = []
    for title, names in CHART_MEASURES:
        rows = [(i, row) for i, row in enumerate(table.rows) if row.name in names
                and all(isinstance(row.values.get(y), (int, float)) and not isinstance(row.values.get(y), bool)
                        for y in table.years)]
        if rows:
            found.append((title, rows))
    return found


def _add_charts(workbook, table: BoardTable) -> None:
    """The ``Charts`` sheet: the headline rates and percentages over the years, drawn from the Measures sheet."""
    charts = _charted(table)
    if len(table.years) < 2 or not charts:
        return
    measures = workbook.get_worksheet_by_name("Measures")
    heading = measures.dim_rowmax - len(table.rows)  # the table is the last thing on its sheet
    sheet = workbook.add_worksheet("Charts")
    bold = workbook.add_format({"bold": True, "font_size": 14})
    sheet.write_string(0, 0, f"Charts: the headline rates and percentages, {table.first} to {table.last}", bold)
    sheet.write_string(1, 0, "Each chart is drawn from the Measures sheet. A measure withheld or not available "
                             "in any year is left out of its chart.")
    drawn = {row.name for _, rows in charts for _, row in rows}
    left = [row.label for row in table.rows
            if any(row.name in names for _, names in CHART_MEASURES) and row.name not in drawn]
    if left:
        sheet.write_string(2, 0, "Left out (withheld or not available in some year): " + "; ".join(left) + ".")
    for number, (title, rows) in enumerate(charts):
        chart = workbook.add_chart({"type": "line"})
        for index, row in rows:
            excel_row = heading + 1 + index
            chart.add_series({
                "name": ["Measures", excel_row, 0],
                "categories": ["Measures", heading, 2, heading, 1 + len(table.years)],
                "values": ["Measures", excel_row, 2, excel_row, 1 + len(table.years)],
                "marker": {"type": ("circle", "square", "diamond", "triangle")[len(chart.series) % 4]},
            })
        chart.set_title({"name": title})
        chart.set_x_axis({"name": "Reporting year"})
        chart.set_y_axis({"name": "Per 10,000 children" if "per 10,000" in title.lower() else "Per cent",
                          "min": 0})
        chart.set_legend({"position": "bottom"})
        values = "; ".join(f"{row.label}: " + ", ".join(f"{y} {row.values[y]:,.1f}" for y in table.years)
                           for _, row in rows)
        sheet.insert_chart(4 + 22 * number, 0, chart, {
            "x_scale": 1.6, "y_scale": 1.4,
            "description": f"Line chart: {title}, {table.first} to {table.last}. {values}."})


def write_board_workbook(table: BoardTable, path: Path, charts: bool = True) -> Path:
    """Write the table as an accessible workbook with gptables: cover, contents, notes, the table and (``charts``)
    its charts."""
    import pandas as pd

    from cpstats.data.periods import ReportingYear
    from cpstats.publish.build import report_timestamp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gptables leaves its theme file open when it is first imported
        import gptables as gpt

    from cpstats.publish.downloads import WorkbookTexts

    texts = WorkbookTexts()  # text from data goes through gptables as a stand-in, then is written as it is
    frame = pd.DataFrame([[texts(v) if isinstance(v, str) else v for v in row] for row in table.values()],
                         columns=[texts(c) for c in table.columns(unit=True)], dtype=object)
    sheet = gpt.GPTable(
        table=frame,
        table_name=re.sub(r"[^A-Za-z0-9_]", "_", f"measures_{table.first}_to_{table.last}"),
        title=f"{texts(table.title())}$$symbols$$",
        subtitles=["Units: in each row's Unit column; a change in a percentage is in percentage points$$units$$",
                   f"Comparators: England's, the region's and the neighbours' published figures for {table.last}"
                   "$$comparators$$",
                   table.mode_note() + "$$disclosure$$",
                   f"Intervals, verdicts, national ranks and quarters: for {table.last}$$intervals$$",
                   "Years: reporting years, 1 April to 31 March$$year$$; rates per 10,000 children aged 0 to 17$$rates$$"],
        source="Source: the authority's record-level data, computed by cpstats; comparators from the "
               "Department for Education's children in need statistics",
        index_columns={2: 0},
        additional_formatting=_formatting(table),
    )
    cover = gpt.Cover(
        title=texts(table.title()),
        intro=[table.mode_note(), "One row per headline measure, in the report's order, with the change over the "
                                  "years, the comparators for the last year, and how sure each comparison is.",
               "The Charts sheet, after the table, draws the headline rates and percentages over the years."],
        about=["The notes sheet explains the symbols used in place of numbers, the units and the comparators."],
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gptables warns about optional elements left out
        workbook = gpt.produce_workbook(
            filename=str(path), sheets={"Measures": sheet}, cover=cover, notes_table=_notes(table, texts),
            contentsheet_options={"title": "Contents"},
            workbook_options={"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        texts.restore(workbook)
        if charts:
            _add_charts(workbook, table)
        stamp = report_timestamp(ReportingYear.parse(table.last)).astimezone(dt.timezone.utc).replace(tzinfo=None)
        workbook.set_properties({"title": table.title(), "created": stamp})
        workbook.close()
    return path


def write_board_ods(table: BoardTable, path: Path) -> Path:
    """Write the workbook's sheets (cover, contents, notes, the table; not its charts, which odfpy cannot draw) as an
    ODS file (:mod:`cpstats.publish.ods`) with the workbook's date."""
    import tempfile

    from cpstats.publish.ods import write_ods

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".board-") as folder:
        workbook = write_board_workbook(table, Path(folder) / "board.xlsx", charts=False)
        from cpstats.data.periods import ReportingYear
        from cpstats.publish.build import report_timestamp

        return write_ods(workbook, path, title=table.title(), timestamp=report_timestamp(ReportingYear.parse(table.last)))
