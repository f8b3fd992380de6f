"""Every table of the report as a download: one CSV per table and one accessible workbook.

Each table a section notebook shows with :func:`cpstats.present.tables.show` carries
a machine-readable copy of its cells in its output
(:data:`cpstats.present.tables.TABLE_MIME`). After the notebooks have run, the build
collects those copies from the executed notebooks, in report order, and
writes, under ``downloads/`` in the published report:

* ``<section>-<n>.csv``: the ``n``-th table of a section (counting from 1),
  e.g. ``08_numbers-1.csv``. Numbers are written as numbers (no thousands
  separators or ``%`` signs); a cell with a GSS symbol keeps it: ``[c]``
  confidential, ``[x]`` not available, ``[z]`` not applicable. Never blank.
  Text that a spreadsheet would take for a formula (beginning with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return) is written after a single
  quote, as OWASP advises, and so is text beginning with a single quote, so
  that one quote taken off any cell beginning with one gives back the text
  (:func:`csv_text`).
* ``child-protection-tables-<la>-<year>.xlsx``: the same tables in one
  workbook made with the Analysis Function's ``gptables``: a cover sheet, a
  contents sheet, a notes sheet, and one sheet per table (named like its CSV)
  with the table's title and source. Every text is written as a string
  (xlsxwriter's ``strings_to_formulas`` off), so no cell is a formula,
  whatever it says; text from data (the authority's name, agencies, the key
  plan, captions) never meets gptables' own syntax (``[words](url)`` links,
  ``$$note$$`` references): gptables lays the workbook out with a stand-in
  for each such text, and xlsxwriter then writes the text itself
  (:class:`WorkbookTexts`). Its creation date is the report's
  timestamp and its zip entries are dated 1 January 1980, so a rebuild gives
  the same bytes.

Each section page ends with links to its tables and to the workbook (a raw
HTML block, :func:`links_markdown`, added when the page is laid out: the
executed notebooks stay as they ran, and the PDF does not list files it does
not contain), and the contents page lists every download.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from cpstats.present.tables import NOT_AVAILABLE_SYMBOL, TABLE_MIME
from cpstats.present.text import html_words

__all__ = [
    "FOLDER",
    "LINKS_TAG",
    "GSS_SYMBOLS",
    "Table",
    "Downloads",
    "workbook_name",
    "cell_value",
    "collect_tables",
    "csv_bytes",
    "csv_text",
    "FORMULA_START",
    "write_workbook",
    "WorkbookTexts",
    "links_markdown",
    "prepare_downloads",
]

FOLDER = "downloads"
LINKS_TAG = "cpstats-downloads"
"""The tag of the cell that carries a section's download links in a Quarto chapter (see :mod:`cpstats.publish.quarto`)."""
GSS_SYMBOLS = {
    "[c]": "confidential: withheld so that no person can be identified: a count of people from 1 to "
           "the threshold, a larger figure withheld so that such a count cannot be worked out from the "
           "others, or a figure worked out from one of these",
    "[x]": "not available",
    "[z]": "not applicable, e.g. a percentage of nothing",
}
"""The Government Statistical Service symbols a cell may hold instead of a number."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a text cell may not begin with in a CSV, or a spreadsheet opening it may run it as a formula."""

_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?%?$|^[+-]?\d+(\.\d+)?%?$")


@dataclass(frozen=True)
class Table:
    """One table of one section, as collected from an executed notebook.

    Attributes
    ----------
    section : str
        The notebook's name, e.g. ``08_numbers``.
    section_title : str
        The section's heading.
    number : int
        The table's place in its section, from 1.
    caption : str
        The table's caption (its title in the workbook).
    source : str or None
        Where its figures come from, when the notebook said.
    columns : tuple of str
        Column headings.
    rows : tuple of tuple of str
        Cells as the report shows them.
    """

    section: str
    section_title: str
    number: int
    caption: str
    source: str | None
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    download_only: bool = False

    @property
    def name(self) -> str:
        """The table's file name without extension, e.g. ``08_numbers-1``, or ``08_numbers-download-1`` for a table
        offered for download only (:func:`cpstats.present.tables.offer`)."""
        from cpstats.present.tables import table_file_stem

        return table_file_stem(self.section, self.number, self.download_only)

    @property
    def csv_name(self) -> str:
        return f"{self.name}.csv"

    def values(self) -> list[list]:
        """The rows with numbers as numbers and every empty cell as ``[x]``."""
        return [[cell_value(cell) for cell in row] for row in self.rows]


def workbook_name(la: str, year: str) -> str:
    """The workbook's file name.

    >>> workbook_name("sample", "2017-18")
    'child-protection-tables-sample-2017-18.xlsx'
    """
    return f"child-protection-tables-{la}-{year}.xlsx"


def cell_value(text: str):
    """A cell as shown ("1,234", "45.0%", "23.3", "[c]", "Police") as a CSV or workbook value.

    Numbers lose their thousands separators and ``%`` sign (the column heading
    says it is a percentage); whole numbers stay whole; text and GSS symbols
    are kept; an empty cell becomes ``[x]``.

    >>> [cell_value(c) for c in ["1,234", "45.0%", "23.3", "0", "[c]", "Police", "", "2017-18", "+3", "-0.5"]]
    [1234, 45.0, 23.3, 0, '[c]', 'Police', '[x]', '2017-18', 3, -0.5]
    """
    text = str(text).strip()
    if text == "":
        return NOT_AVAILABLE_SYMBOL
    if not _NUMBER.match(text):
        return text
    plain = text.replace(",", "").rstrip("%")
    return float(plain) if "." in plain else int(plain)


def _title(cells) -> str | None:
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip()
    return None


def collect_tables(notebooks: Sequence[Path]) -> list[Table]:
    """Every table shown by the executed notebooks, in report order."""
    import nbformat

    found: list[Table] = []
    for path in notebooks:
        path = Path(path)
        notebook = nbformat.read(path, as_version=4)
        title = _title(notebook.cells) or path.stem
        numbers = {False: 0, True: 0}  # tables shown, and tables offered for download only, each counted apart
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                payload = output.get("data", {}).get(TABLE_MIME)
                if payload is None:
                    continue
                only = bool(payload.get("download_only"))
                numbers[only] += 1
                number = numbers[only]
                found.append(Table(
                    section=path.stem, section_title=title, number=number,
                    caption=payload.get("caption") or f"{title}, table {number}",
                    source=payload.get("source"),
                    columns=tuple(payload["columns"]),
                    rows=tuple(tuple(row) for row in payload["rows"]),
                    download_only=only,
                ))
    return found


def csv_text(value):
    r"""A CSV cell no spreadsheet runs: text beginning like a formula gets a leading ``'``; numbers stay numbers.

    Text that begins with ``'`` itself gets one more, so that taking one ``'`` off every cell that begins
    with one gives back each text exactly.

    >>> [csv_text(v) for v in ["=HYPERLINK(1)", "-2+3+cmd", "@SUM", "\tx", "Police", -0.5, 3, "[c]", "'", "'=x"]]
    ["'=HYPERLINK(1)", "'-2+3+cmd", "'@SUM", "'\tx", 'Police', -0.5, 3, '[c]', "''", "''=x"]
    """
    if isinstance(value, str) and value.startswith((*FORMULA_START, "'")):
        return "'" + value
    return value


def csv_bytes(table: Table) -> bytes:
    """A table as CSV (UTF-8, ``\\n`` line ends): its headings, then its rows, every text cell :func:`csv_text`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_text(str(column)) for column in table.columns])
    writer.writerows([csv_text(value) for value in row] for row in table.values())
    return buffer.getvalue().encode("utf-8")


# ----------------------------------------------------------------- the workbook


class WorkbookTexts:
    """Text from data written into a gptables workbook as exactly itself: never a link, a note or a formula.

    gptables reads its own syntax in every text it writes (``[words](url)`` becomes a hyperlink, ``$$x$$`` a
    note reference) and has no way to escape it. So each text from data is handed to gptables as a stand-in
    (``texts(text)``: private-use characters as wide as the text, which gptables reads nothing into and sizes
    columns by), and once gptables has laid the workbook out, :meth:`restore` puts each text in its
    stand-in's place as a plain string, with xlsxwriter (in the shared strings and in the tables' column
    headings), before the workbook is closed.
    """

    _STAND_IN = re.compile("\ue000[0-9]+\ue001\ue002*")

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._words: dict[str, str] = {}

    def __call__(self, text) -> str:
        text = str(text)
        if text not in self._words:
            word = f"\ue000{len(self._words)}\ue001"
            word += "\ue002" * max(0, len(text) - len(word))
            self._words[text], self._texts[word] = word, text
        return self._words[text]

    def _put(self, string: str) -> str:
        return self._STAND_IN.sub(lambda m: self._texts[m.group(0)], string)

    def restore(self, workbook) -> None:
        """Put every text in its stand-in's place in ``workbook`` (not yet closed)."""
        from xlsxwriter.worksheet import CellStringTuple

        table = workbook.str_table.string_table  # xlsxwriter's shared strings: text -> index
        moved: dict[int, str] = {}
        for string, index in list(table.items()):
            if self._STAND_IN.search(string):
                text = self._put(string)
                if text in table:  # the same text is also written as it is: its cells are rewritten below
                    moved[index] = text
                else:
                    del table[string]
                    table[text] = index
        for sheet in workbook.worksheets():
            if moved:
                for row, cells in list(sheet.table.items()):
                    for col, cell in list(cells.items()):
                        if isinstance(cell, CellStringTuple) and cell.string in moved:
                            sheet.write_string(row, col, moved[cell.string], cell.format)
            for worksheet_table in sheet.tables:
                for column in worksheet_table.get("columns", []):
                    if isinstance(column.get("name"), str):
                        column["name"] = self._put(column["name"])


def _sheet_label(table: Table) -> str:
    """A sheet name: the CSV's name, at most 31 characters as Excel requires."""
    return table.name[-31:]


def _notes_table():
    import pandas as pd

    notes = [
        ("symbols", "Symbols used in the tables: " + "; ".join(f"{s} {meaning}" for s, meaning in GSS_SYMBOLS.items()) + "."),
        ("year", "A reporting year runs from 1 April to 31 March: 2017-18 is 1 April 2017 to 31 March 2018."),
        ("rates", "Rates are per 10,000 children under 18, using the ONS mid-year population estimate the "
                  "Department for Education uses for the same year. Percentages are computed from unrounded "
                  "counts and shown to one decimal place."),
        ("england", "England's figures are the Department for Education's published children in need "
                    "statistics for the same year."),
    ]
    return pd.DataFrame({"Note reference": [n for n, _ in notes], "Note text": [t for _, t in notes]})


def write_workbook(
    tables: Sequence[Table],
    path: Path,
    *,
    title: str,
    subtitle: str,
    period: str,
    source: str,
    timestamp: dt.datetime,
) -> Path:
    """Write the report's tables as one accessible workbook with gptables.

    Parameters
    ----------
    tables : sequence of Table
        The tables, in report order.
    path : Path
        The ``.xlsx`` file to write.
    title, subtitle, period : str
        The report's title, authority and year, and period in words, for the cover.
    source : str
        The source of a table that names none.
    timestamp : datetime.datetime
        The workbook's creation date (fixed, so rebuilds give the same bytes).
    """
    import warnings

    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gptables leaves its theme file open when it is first imported
        import gptables as gpt

    texts = WorkbookTexts()  # every text from data goes through gptables as a stand-in (see WorkbookTexts)

    def cells(value):
        return texts(value) if isinstance(value, str) and value not in GSS_SYMBOLS else value

    sheets = {}
    for table in tables:
        if not table.rows:  # a table with no rows has no sheet (gptables refuses one)
            continue
        frame = pd.DataFrame([[cells(v) for v in row] for row in table.values()],
                             columns=[texts(c) for c in table.columns], dtype=object)
        symbols = any(isinstance(v, str) and v in GSS_SYMBOLS for row in table.values() for v in row)
        sheets[_sheet_label(table)] = gpt.GPTable(
            table=frame,
            table_name=re.sub(r"[^A-Za-z0-9_]", "_", f"table_{table.name}"),
            title=texts(table.caption) + ("$$symbols$$" if symbols else ""),
            subtitles=[texts(f"{subtitle}. Section: {table.section_title}"), texts(f"CSV: {table.csv_name}")],
            source=texts(f"Source: {table.source}" if table.source and not table.source.startswith("Source:")
                         else table.source or source),
            index_columns={2: 0},
        )
    cover = gpt.Cover(
        title=texts(f"{title}: tables"),
        intro=[texts(subtitle), texts(period), "Every table of the report, one table per sheet, in the report's order."],
        about=[
            "The contents sheet lists the tables and links to each; the notes sheet explains the symbols "
            "used in place of numbers and how rates and percentages are worked out.",
            texts(f"Every figure is computed from the authority's record-level data. {source}."),
        ],
    )
    path = Path(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gptables warns about optional elements left out
        workbook = gpt.produce_workbook(
            filename=str(path), sheets=sheets, cover=cover, notes_table=_notes_table(),
            contentsheet_options={"title": texts(f"{title}: contents"), "additional_elements": ["subtitles"]},
            # every text a string, never a formula or a link, whatever it begins with
            workbook_options={"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        texts.restore(workbook)
        naive = timestamp.astimezone(dt.timezone.utc).replace(tzinfo=None) if timestamp.tzinfo else timestamp
        workbook.set_properties({"title": f"{title}: tables, {subtitle}", "created": naive})
        workbook.close()
    return path


# ----------------------------------------------------------------- links on the pages


def links_markdown(section: str, tables: Sequence[Table], workbook: str, prefix: str = f"{FOLDER}/") -> str:
    """The "Download the tables" block of a section page, as a raw HTML Markdown block (HTML only).

    >>> print(links_markdown("05_x", [], "book.xlsx"))  # doctest: +NORMALIZE_WHITESPACE
    ```{=html}
    <section class="downloads" aria-labelledby="downloads-05_x"><h2 id="downloads-05_x">Download the tables</h2><ul><li><a href="downloads/book.xlsx">Every table of the report in one workbook (XLSX)</a></li></ul></section>
    ```
    """
    items = [
        f'<li><a href="{html.escape(prefix + t.csv_name)}">{html_words(t.caption)} (CSV)</a></li>'
        for t in tables if t.section == section
    ]
    items.append(f'<li><a href="{html.escape(prefix + workbook)}">Every table of the report in one workbook (XLSX)</a></li>')
    return (
        "```{=html}\n"
        f'<section class="downloads" aria-labelledby="downloads-{section}"><h2 id="downloads-{section}">'
        f'Download the tables</h2><ul>{"".join(items)}</ul></section>\n'
        "```"
    )


# ----------------------------------------------------------------- the whole step


@dataclass
class Downloads:
    """The downloads of one report: its tables, the workbook's name, and the links the pages show.

    Attributes
    ----------
    tables : list of Table
        Every table, in report order.
    workbook : str
        The workbook's file name.
    index_links : tuple of (str, str)
        What the contents page lists: words and relative link.
    section_links : tuple of (str, str)
        Per section (notebook name), the Markdown block that ends its page.
    """

    tables: list[Table]
    workbook: str
    index_links: tuple[tuple[str, str], ...] = field(default=())
    section_links: tuple[tuple[str, str], ...] = field(default=())

    def write(self, site_dir: Path, *, title: str, subtitle: str, period: str, source: str,
              timestamp: dt.datetime) -> list[Path]:
        """Write every CSV and the workbook into ``<site_dir>/downloads``; return the files written.

        A report without tables has no downloads.
        """
        if not self.tables:
            return []
        folder = Path(site_dir) / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for table in self.tables:
            (folder / table.csv_name).write_bytes(csv_bytes(table))
            written.append(folder / table.csv_name)
        written.append(write_workbook(self.tables, folder / self.workbook, title=title, subtitle=subtitle,
                                      period=period, source=source, timestamp=timestamp))
        return written


def prepare_downloads(notebooks: Sequence[Path], la: str, year: str) -> Downloads:
    """Collect the tables of the executed notebooks, and the links the contents and each section page show."""
    tables = collect_tables(notebooks)
    workbook = workbook_name(la, year)
    if not tables:
        return Downloads([], workbook)
    links = [(f"Every table of the report in one workbook (XLSX, {len(tables)} tables)", f"{FOLDER}/{workbook}")]
    links += [(f"{t.section_title}: {t.caption} (CSV)", f"{FOLDER}/{t.csv_name}") for t in tables]
    sections = tuple((Path(nb).stem, links_markdown(Path(nb).stem, tables, workbook)) for nb in notebooks)
    return Downloads(tables, workbook, tuple(links), sections)
