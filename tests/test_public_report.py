"""The public sample report: no count from 1 to 5 in any published table, and nothing that reveals one.

Tables are read from every place the public reads them: the HTML pages, the
PDF's text, and every CSV and XLSX download found in the site (whatever the
downloads are, they are all checked). The suppression log is written to the
build folder and never published.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from cpstats.publish.build import SUPPRESSION_LOG
from cpstats.figures.disclosure import CONFIDENTIAL
from tests.sample_builds import csv_rows, html_tables, html_text, pdf_text, xlsx_cells
from tests.test_attacker import NOT_PEOPLE_COLUMNS, NOT_PEOPLE_ROWS, PEOPLE

THRESHOLD = 5
NOT_COUNTS = NOT_PEOPLE_COLUMNS
COUNT = re.compile(r"^\d{1,3}(,\d{3})*$")


def _small(cell) -> bool:
    """A count from 1 to the threshold, as text ("3") or as a spreadsheet number (3)."""
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int):
        return 1 <= cell <= THRESHOLD
    text = str(cell).strip()
    return bool(COUNT.match(text)) and 1 <= int(text.replace(",", "")) <= THRESHOLD


def _small_cells(header: list, rows: list[list]) -> list:
    """Cells of a table (its first column, the row labels, aside) holding a small count."""
    return [(row[0], column, cell) for row in rows for column, cell in zip(header[1:], row[1:])
            if column not in NOT_COUNTS and not NOT_PEOPLE_ROWS.search(str(row[0])) and _small(cell)]


@pytest.fixture(scope="module")
def report(public_report):
    return public_report.report


@pytest.fixture(scope="module")
def tables(report):
    """Every table of every page: (page, header, rows)."""
    found = []
    for page in sorted(report.glob("*.html")):
        for table in html_tables(page.read_text(encoding="utf-8")):
            found.append((page.name, table[0], table[1:]))
    return found


def test_the_public_report_has_tables_and_withholds_cells(tables):
    """The public report shows its tables, with cells withheld as [c]."""
    assert len(tables) >= 10
    assert sum(cell == CONFIDENTIAL for _, _, rows in tables for row in rows for cell in row) >= 10


def test_no_html_table_shows_a_count_from_1_to_5(tables):
    """Every table cell of every page: no count from 1 to 5."""
    assert [(page, cell) for page, header, rows in tables for cell in _small_cells(header, rows)] == []


def test_the_pdf_tables_are_the_page_tables_with_the_same_cells_withheld(report, tables):
    """Each table row of the pages is in the PDF's text as it is on the page, [c] and all."""
    text = pdf_text(next(report.glob("*.pdf")))
    rows = [" ".join(row) for _, _, table_rows in tables for row in table_rows]
    missing = [row for row in rows if row not in text]
    assert missing == []
    assert text.count(CONFIDENTIAL) >= sum(row.count(CONFIDENTIAL) for row in rows)


def test_no_csv_download_shows_a_count_from_1_to_5(report):
    """Every CSV file in the site (open data too): no count from 1 to 5 in any cell."""
    files = sorted(p for p in report.rglob("*.csv") if not p.name.endswith(".meta.csv"))  # metadata: no figures
    found = [(f.name, cell) for f in files for header, *rows in [csv_rows(f)] for cell in _small_cells(header, rows)]
    assert found == []


def test_no_xlsx_download_shows_a_count_from_1_to_5(report):
    """Every XLSX workbook in the site: no count from 1 to 5 in any table sheet.

    A spreadsheet stores 4.0 (an average) as 4; where a sheet has a CSV twin,
    the CSV's text tells a count from such a number.
    """
    found = []
    for workbook in sorted(report.rglob("*.xlsx")):
        twins = {p.stem: csv_rows(p) for p in report.rglob("*.csv")}
        for sheet, rows in xlsx_cells(workbook).items():
            # a table sheet: title lines, then the header row (the first row filled across) and the table
            width = max((len([c for c in row if c is not None]) for row in rows), default=0)
            start = next((n for n, row in enumerate(rows) if len([c for c in row if c is not None]) == width), None)
            if start is None or width < 2 or sheet in ("Cover", "Contents", "Notes"):
                continue
            header, body = list(rows[start]), rows[start + 1:]
            twin = twins.get(sheet)
            if twin is not None and len(twin) - 1 == len(body):
                body = [[cell if i == 0 or _small(text) else None for i, (cell, text) in enumerate(zip(row, twin_row))]
                        for row, twin_row in zip(body, twin[1:])]
            found += [(workbook.name, sheet, cell) for cell in _small_cells(header, body)]
    assert found == []


def _flat(value, prefix: str = "") -> dict:
    """A JSON document as ``name.key`` to value."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): value}


BREAKDOWNS = ("category_during_year", "initial_category_of_starts", "latest_category_at_31_march", "sex",
              "disability", "age_bands", "ended_plans_by_duration", "icpc_working_days_bands", "ethnicity.by_group",
              "ethnicity.by_code", "conferences_held")
"""Figures whose parts add up to a total the report states (the number of children, plans, conferences)."""

TOTAL_OF = {"initial_category_of_starts": "plan_starts", "latest_category_at_31_march": "children_on_plan_at_31_march",
            "ended_plans_by_duration": "plan_ends", "icpc_working_days_bands": "icpcs"}
"""The total of a breakdown, where it is not the children subject of a plan during the year (or its own ``total``)."""


def test_figures_published_as_data_withhold_what_the_tables_withhold(report):
    """Every JSON file but the manifest: no count of people from 1 to 5, no breakdown with a lone withheld part,
    no rate beside one. Counts of conferences, reports, audits and months are no counts of people."""
    files = [p for p in report.rglob("*.json") if p.name != "manifest.json"]
    if not files:
        pytest.skip("this build publishes no figures as data")
    problems = []
    for path in files:
        figures = _flat(json.loads(path.read_text(encoding="utf-8")))
        problems += [(path.name, name, value) for name, value in figures.items()
                     if PEOPLE.match(name) and isinstance(value, int) and not isinstance(value, bool)
                     and 1 <= value <= THRESHOLD]
        groups: dict[str, dict] = {}
        for name, value in figures.items():
            if "." in name:
                groups.setdefault(name.rsplit(".", 1)[0], {})[name.rsplit(".", 1)[1]] = value
        for prefix, members in groups.items():
            withheld = [key for key, value in members.items() if value == CONFIDENTIAL and key != "total"]
            breakdown = next((b for b in BREAKDOWNS if prefix.endswith(b)), None)
            total = (members.get("total") if breakdown == "conferences_held"
                     else figures.get(TOTAL_OF.get(breakdown, "children_with_plan_during_year")))
            if breakdown and len(withheld) == 1 and isinstance(total, int):  # a withheld total protects a lone part
                problems.append((path.name, prefix, f"only {withheld[0]} withheld: the total gives it away"))
            if withheld:
                problems += [(path.name, f"{prefix}.{key}", value) for key, value in members.items() if isinstance(value, float)]
    assert problems == []


def test_downloads_withhold_what_the_pages_withhold(report, tables):
    """A CSV holds [c] wherever its table on the page does."""
    files = sorted(report.rglob("*.csv"))
    if not files:
        pytest.skip("this build publishes no CSV downloads")
    withheld_in_pages = sum(cell == CONFIDENTIAL for _, _, rows in tables for row in rows for cell in row)
    withheld_in_csv = sum(cell == CONFIDENTIAL for f in files for row in csv_rows(f) for cell in row)
    assert withheld_in_csv == withheld_in_pages


def test_sentences_do_not_state_a_withheld_count(report):
    """Prose says "fewer than 6" or [c] where a table withholds: the model report's small figures are not stated."""
    text = html_text(" ".join(page.read_text(encoding="utf-8") for page in report.glob("*.html")))
    assert "including fewer than 6 unborn babies" in text
    assert "including 1 unborn baby" not in text
    assert "was not met for fewer than 6 children" in text
    assert "18 (45%) neglect" not in text and "2 (5%) sexual abuse" not in text
    assert "5 of them (24%)" not in text


def test_charts_drawn_from_tables_mark_withheld_bars(report):
    """A chart of a table with withheld cells labels those bars [c], in its text alternative too."""
    markup = (report / "09_categories.html").read_text(encoding="utf-8")
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', markup)
    assert any("Neglect [c]" in alt and "Sexual abuse [c]" in alt for alt in alts), alts
    assert not any(re.search(r"Sexual abuse \d", alt) for alt in alts)


def test_suppression_log_is_kept_in_the_build_folder_and_never_published(public_report):
    """_build/<la>/<year>/suppression_log.csv lists each withheld cell and why; no such log is in _site."""
    log = public_report.build_dir / SUPPRESSION_LOG
    with open(log, newline="", encoding="utf-8") as handle:
        entries = list(csv.DictReader(handle))
    assert entries and set(entries[0]) == {"year", "figure", "reason"}
    assert {entry["reason"].split(":")[0] for entry in entries} >= {"primary", "secondary", "derived"}
    assert not list(public_report.out_root.rglob("*suppression*"))
    published = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in public_report.out_root.rglob("*")
                         if p.is_file() and p.suffix in (".html", ".csv", ".json"))
    assert "primary: count from 1 to" not in published
    print(f"cells withheld in the public sample build: {len(entries)} "
          f"({sum(e['reason'].startswith('primary') for e in entries)} primary, "
          f"{sum(e['reason'].startswith('secondary') for e in entries)} secondary, "
          f"{sum(e['reason'].startswith('derived') for e in entries)} derived)")


def test_manifest_records_the_disclosure_mode_and_threshold(report):
    """manifest.json says the report is the public one and which counts it withholds."""
    parameters = json.loads((report / "manifest.json").read_text(encoding="utf-8"))["parameters"]
    assert (parameters["disclosure"], parameters["disclosure_threshold"]) == ("public", THRESHOLD)


def _prose_sentences(markup: str) -> list[str]:
    """The sentences of a page's prose: paragraphs and list items, without tables, headings, links (the
    contents' and the downloads' numbered entries) and notes of symbols (a legend such as "[c]: withheld ...")."""
    from html.parser import HTMLParser

    class Prose(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open: list[list[str]] = []
            self.depth = {"table": 0, "nav": 0, "a": 0}
            self.found: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag in self.depth:
                self.depth[tag] += 1
            elif tag in ("p", "li", "figcaption") and not (self.depth["table"] or self.depth["nav"]):
                self.open.append([])

        def handle_endtag(self, tag):
            if tag in self.depth:
                self.depth[tag] -= 1
            elif tag in ("p", "li", "figcaption") and self.open and not (self.depth["table"] or self.depth["nav"]):
                self.found.append(" ".join("".join(self.open.pop()).split()))

        def handle_data(self, data):
            if self.open and not any(self.depth.values()):
                self.open[-1].append(data)

    parser = Prose()
    parser.feed(markup)
    sentences = []
    for block in parser.found:
        if re.fullmatch(r"[\d.]+\s*", block) or re.match(r"\[[a-z]\]\s*:", block):
            continue  # a contents entry's number, or the legend of a symbol
        sentences += [s for s in re.split(r"(?<!\bNo\.)(?<=[.!?])\s+(?=[A-Z0-9\[])", block) if s]  # "(No. 2)" ends none
    return sentences


def test_no_sentence_of_the_public_report_begins_with_a_numeral(report):
    """GOV.UK style, as the Definitions say: numbers are numerals, and no sentence begins with one (nor with a
    withheld number, "[c] children ..."). Read from every published page's prose, commentary included."""
    starting = [(page.name, sentence[:90]) for page in sorted(report.glob("*.html"))
                for sentence in _prose_sentences(page.read_text(encoding="utf-8"))
                if re.match(r"(\d|\[c\])", sentence)]
    assert not starting, starting


def test_the_public_report_writes_no_number_of_time_in_words(report):
    """"3 months", never "three months": one style for numbers in every page's prose."""
    words = r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)\b(?= (working days|days|weeks|months|years)\b)"
    found = [(page.name, match.group(0)) for page in sorted(report.glob("*.html"))
             for match in re.finditer(words, html_text(page.read_text(encoding="utf-8")), re.I)]
    assert not found, found
