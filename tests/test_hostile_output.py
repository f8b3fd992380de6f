"""Hostile text from data and commentary is published as text: no script in a page, no code in the PDF,
no formula in a spreadsheet.

One public build of a copy of the sample whose authority's name (``la.yaml``), an agency's name,
the key plan and the introduction's commentary carry HTML, Typst, Markdown, pipes and spreadsheet
formulas; then every published byte is read: the HTML parsed (elements and attributes), the PDF's
text, every XLSX cell (openpyxl) and CSV cell, and each page opened in headless Chromium under its
Content-Security-Policy.
"""

from __future__ import annotations

import csv
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from tests.sample_builds import LA, PROJECT_ROOT, SAMPLE, YEAR, copy_project, pdf_text

HTML_ATTACK = "<img src=x onerror=alert(1)>"
TYPST_ATTACK = '`#read("suppression_log.csv")`{=typst}'
LA_NAME = f"Evil {HTML_ATTACK} & {TYPST_ATTACK} $x$"
AGENCY = f"School | 999 {HTML_ATTACK} {TYPST_ATTACK} $x$"  # the contract's 100 characters at most
KEY_PLAN = [
    ("=HYPERLINK(\"http://example.com\",\"click\")", "-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)", "<script>alert(3)</script> `#upper(\"x\")`{=typst}"),
    ("Keep going | with pipes", "+44 1234"),
]
COMMENTARY = f"""
<script>alert(4)</script>

{HTML_ATTACK}

```{{=typst}}
#read("backtest.csv")
```

Inline {TYPST_ATTACK} and `#upper("shouted")`{{=typst}}, a [link](javascript:alert(5)), @SUM and $\\undefinedmacro$.
"""
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "base", "form"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A public build of the sample with hostile text in every place text comes from."""
    if not (SAMPLE / "la.yaml").exists():
        pytest.skip("data/sample is not generated yet")
    from cpstats.publish.build import build_report

    project = copy_project(PROJECT_ROOT, tmp_path_factory.mktemp("hostile") / "project")
    la_file = project / "data" / LA / "la.yaml"
    meta = yaml.safe_load(la_file.read_text(encoding="utf-8"))
    meta["name"] = LA_NAME
    la_file.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    agencies = project / "data" / LA / "conference_agencies.csv"
    with open(agencies, newline="", encoding="utf-8") as handle:
        rows = [[AGENCY if cell == "GP" else cell for cell in row] for row in csv.reader(handle)]
    with open(agencies, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    commentary = project / "commentary" / LA / YEAR
    with open(commentary / "19_key_plan.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("action", "who"), *KEY_PLAN])
    intro = commentary / "01_introduction.md"
    intro.write_text(intro.read_text(encoding="utf-8") + COMMENTARY, encoding="utf-8")
    out = project / "_site"
    report = build_report(LA, YEAR, data_root=project / "data", out_root=out, build_root=project / "_build",
                          renderer="builtin", project_dir=project, disclosure="public")
    return project, out, report


class _Elements(HTMLParser):
    """Every element and attribute of a page, and its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(path: Path) -> _Elements:
    parser = _Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_no_page_has_a_live_script_handler_or_unsafe_link(hostile):
    """No <script> (or other active) element, no on* attribute, no javascript:/data: link, in any page;
    every page states the Content-Security-Policy; the hostile words are there as text."""
    _, out, _ = hostile
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 20
    texts = []
    for page in pages:
        parsed = _parse(page)
        for tag, attrs in parsed.elements:
            assert tag not in FORBIDDEN_TAGS, (page.name, tag, attrs)
            assert not [a for a in attrs if a.startswith("on")], (page.name, tag, attrs)
            for name in ("href", "src", "action", "formaction"):
                value = (attrs.get(name) or "").strip().lower()
                assert not value.startswith(("javascript:", "vbscript:")), (page.name, tag, attrs)
                if value.startswith("data:"):
                    assert (tag, name, value) == ("link", "href", "data:,"), (page.name, tag, attrs)
        policies = [a.get("content", "") for tag, a in parsed.elements
                    if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"]
        assert len(policies) == 1 and "script-src 'none'" in policies[0] and "default-src 'self'" in policies[0], page
        texts.append(" ".join(parsed.text))
    published = "\n".join(texts)
    assert HTML_ATTACK in published  # the authority's name, the agency and the commentary, as text
    assert "<script>alert(4)</script>" in published
    assert 'read("suppression_log.csv")' in published


def test_a_cell_with_a_pipe_stays_one_cell(hostile):
    """The agency ``School | 999 ...`` is one cell of the attendance table; its row keeps every cell."""
    _, _, report = hostile
    from tests.sample_builds import html_tables

    rows = [row for table in html_tables((report / "03_conference_attendance.html").read_text(encoding="utf-8"))
            for row in table if row and row[0].startswith("School | 999")]
    assert rows, "the agency's row is missing"
    assert all(len(row) == 6 for row in rows), rows


def test_pdf_prints_the_text_and_runs_no_code(hostile):
    """The PDF shows the hostile words; no Typst they carry ran (no suppression log, back-test or upper-casing)."""
    project, _, report = hostile
    text = pdf_text(next(report.glob("*.pdf")))
    flat = " ".join(text.split())
    assert "onerror=alert(1)" in flat
    assert 'read("suppression_log.csv")' in flat
    assert 'read("backtest.csv")' in flat
    build_dir = project / "_build" / LA / YEAR
    assert "section,table,row,column,reason" not in flat
    assert "figure,published,now" not in flat
    for line in (build_dir / "suppression_log.csv").read_text(encoding="utf-8").splitlines()[1:3]:
        assert " ".join(line.split()) not in flat
    assert 'upper("shouted")' in flat and "SHOUTED" not in flat


def test_no_spreadsheet_cell_is_a_formula(hostile):
    """Every XLSX cell is a value, never a formula; the key plan's texts are kept as they were written."""
    from openpyxl import load_workbook

    _, _, report = hostile
    (workbook_path,) = (report / "downloads").glob("*.xlsx")
    workbook = load_workbook(workbook_path)
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    for action, who in KEY_PLAN:
        assert action in values and who in values
    # the same sheets as ODS: every cell a value (no table:formula), the texts as they were written
    import zipfile

    import pandas as pd

    ods = workbook_path.with_suffix(".ods")
    with zipfile.ZipFile(ods) as archive:
        assert b"table:formula" not in archive.read("content.xml")
    cells = {str(v) for frame in pd.read_excel(ods, engine="odf", sheet_name=None, header=None).values()
             for v in frame.to_numpy().ravel() if not pd.isna(v)}
    for action, who in KEY_PLAN:
        assert action in cells and who in cells


def test_no_csv_cell_begins_like_a_formula(hostile):
    """In every CSV (tables and open data), a text cell beginning with = + - @ tab or CR starts with a quote;
    numbers stay numbers."""
    _, _, report = hostile
    seen = []
    for path in sorted([*(report / "downloads").glob("*.csv"), *(report / "open-data").glob("*.csv")]):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell[:1] in ("=", "+", "@", "\t", "\r"):
                        pytest.fail(f"{path.name}: {cell!r}")
                    if cell.startswith("-"):
                        float(cell)  # only a negative number may begin with a minus sign
                    seen.append(cell)
    assert "'=HYPERLINK(\"http://example.com\",\"click\")" in seen
    assert "'-2+3+cmd|' /C calc'!A0" in seen and "'@SUM(1+1)" in seen and "'+44 1234" in seen


def test_workbook_writer_keeps_formula_text_as_text(tmp_path):
    """The workbook writer itself: a formula-like text is a string cell, whatever table it comes from."""
    from openpyxl import load_workbook

    from cpstats.publish.downloads import Table, write_workbook

    table = Table("19_key_plan", "Key plan", 1, "=1+1", None, ("Action", "Who"),
                  (("=SUM(A1:A2)", "-1+2"), ("@x", "12")))
    path = write_workbook([table], tmp_path / "t.xlsx", title="T", subtitle="S", period="P", source="Src",
                          timestamp=dt.datetime(2018, 3, 31))
    cells = [(c.value, c.data_type) for sheet in load_workbook(path).worksheets for row in sheet.iter_rows() for c in row]
    assert ("=SUM(A1:A2)", "s") in cells and ("-1+2", "s") in cells and ("@x", "s") in cells and (12, "n") in cells
    assert not [c for c in cells if c[1] == "f"]


def test_hostile_pages_run_no_script_in_a_browser(hostile):
    """Each page with hostile text, opened in headless Chromium: no dialog, no script error, no CSP violation."""
    import functools
    import threading

    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _QuietHandler, _Server

    _, out, report = hostile
    httpd = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    pages = [out / "index.html", report / "index.html", report / "01_introduction.html",
             report / "03_conference_attendance.html", report / "19_key_plan.html"]
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for path in pages:
                page = browser.new_page()
                page.on("dialog", lambda d, path=path: (problems.append(f"{path.name}: dialog {d.message}"), d.dismiss()))
                page.on("console", lambda m, path=path: problems.append(f"{path.name}: console {m.type}: {m.text}")
                        if m.type in ("error", "warning") else None)
                page.on("pageerror", lambda e, path=path: problems.append(f"{path.name}: page error: {e}"))
                page.goto(f"{base}/{path.relative_to(out).as_posix()}", wait_until="load")
                assert HTML_ATTACK in page.inner_text("body") or path.name == "19_key_plan.html"
                page.close()
        finally:
            browser.close()
            httpd.shutdown()
            httpd.server_close()
    assert problems == []
