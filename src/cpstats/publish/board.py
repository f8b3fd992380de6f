"""A board pack's comparison (:class:`cpstats.present.board.BoardTable`) as CSV and as an accessible workbook.

The CSV is written as the report's downloads are (:mod:`cpstats.publish.downloads`): numbers as
numbers, a GSS symbol where a value is withheld, not available or not applicable (never blank),
and any text a spreadsheet would take for a formula after a single quote (:func:`csv_text`).

The workbook is made with the Analysis Function's ``gptables``, like the report's: a cover sheet
(title, authority, years, disclosure mode), a contents sheet, a notes sheet explaining the symbols,
percentage points and the comparators, and the table on its own sheet with a ``Unit`` column and
the years and comparators in its headings. Every text is written as a string, never a formula.
The same sheets are also written as an OpenDocument spreadsheet (:func:`write_board_ods`).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path

from cpstats.present.board import SYMBOLS, BoardTable
from cpstats.publish.downloads import csv_text

__all__ = ["board_csv_bytes", "write_board_csv", "write_board_workbook", "write_board_ods"]


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
        ("year", "A reporting year runs from 1 April to 31 March: 2017-18 is 1 April 2017 to 31 March 2018."),
        ("rates", "Rates are per 10,000 children aged 0 to 17, using the ONS mid-year population estimate the "
                  "Department for Education uses for the same year."),
    ]
    return pd.DataFrame({"Note reference": [n for n, _ in notes], "Note text": [t for _, t in notes]})


def write_board_workbook(table: BoardTable, path: Path) -> Path:
    """Write the table as an accessible workbook with gptables: cover, contents, notes and the table."""
    import pandas as pd

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
                   "Years: reporting years, 1 April to 31 March$$year$$; rates per 10,000 children aged 0 to 17$$rates$$"],
        source="Source: the authority's record-level data, computed by cpstats; comparators from the "
               "Department for Education's children in need statistics",
        index_columns={2: 0},
    )
    cover = gpt.Cover(
        title=texts(table.title()),
        intro=[table.mode_note(), "One row per headline measure, in the report's order, with the change over the "
                                  "years and the comparators for the last year."],
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
        workbook.set_properties({"title": table.title()})
        workbook.close()
    return path


def write_board_ods(table: BoardTable, path: Path) -> Path:
    """Write the workbook's sheets (cover, contents, notes, the table) as an ODS file (:mod:`cpstats.publish.ods`)."""
    import tempfile

    from cpstats.publish.ods import write_ods

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".board-") as folder:
        workbook = write_board_workbook(table, Path(folder) / "board.xlsx")
        return write_ods(workbook, path, title=table.title())
