"""Text from data is text in every output, exactly: never a link, emphasis, a note, a formula or code.

Data text (the authority's name in ``la.yaml``, agency names, the key plan) reaches sentences, main
points, captions, tables and commentary placeholders. These tests put Markdown, HTML, Typst, LaTeX,
Quarto shortcodes and spreadsheet syntax there and read what is published:

* property tests (hypothesis) of the functions where data text enters a format, with many examples:
  main points to HTML (pandoc) and to the PDF (pandoc, Typst, read back with pypdf), commentary
  placeholders to HTML, table cells to the workbook (gptables and xlsxwriter, read back with openpyxl)
  and to CSV;
* a property test of whole builds (the ``cpstats`` command, few examples: a build takes tens of
  seconds): an arbitrary authority's name and agency name are published exactly, in the pages' DOM,
  the PDF, every CSV and the workbook, or the build refuses them with one line and exit status 2;
* named regression tests: one build (and its Quarto pages when Quarto is installed) of a copy of the
  sample whose agencies are ``GP [Report abuse here](https://evil.example/phish)``,
  ``[click](javascript:alert(3))`` and an autolink with a footnote and a ``$$note$$``, whose authority
  is ``**x** [t](https://evil.example/a)``, whose key plan links to a file share, and whose commentary
  holds an HTML comment and a word of 6,000 letters.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.sample_builds import LA, PROJECT_ROOT, SAMPLE, YEAR, copy_project, csv_rows, xlsx_cells

CPSTATS = Path(sys.executable).with_name("cpstats")

PHISHING_AGENCY = "GP [Report abuse here](https://evil.example/phish)"
JAVASCRIPT_AGENCY = "[click](javascript:alert(3))"
NOTE_AGENCY = "Probation $$x$$ <https://evil.example/auto> ^[a footnote]"
AUTHORITY = "**x** [t](https://evil.example/a)"
KEY_PLAN = [("[form](file:///\\\\evil.example\\share\\form.exe)", "$$y$$ team"),
            ("See [the plan](https://evil.example/plan) {{< meta title >}}", "\\textbf{board} #strong[x]")]
AUTHOR_NOTE = "an author's note that must never be published"
LONG_WORD = "w" * 6000
AGENCIES = {"GP": PHISHING_AGENCY, "Police": JAVASCRIPT_AGENCY, "Probation": NOTE_AGENCY}
DATA_TEXTS = [PHISHING_AGENCY, JAVASCRIPT_AGENCY, NOTE_AGENCY, AUTHORITY, *[t for row in KEY_PLAN for t in row]]

SNIPPETS = [
    "**x**", "_y_", "`code`", "[t](https://evil.example/a)", "<https://evil.example/b>", "^[note]", "[^1]",
    "<b>bold</b>", "<img src=x onerror=alert(1)>", "<!-- c -->", "&amp;", "&lt;", "#strong[x]", "#read(\"x\")",
    "$x$", "$$x$$", "\\textbf{x}", "\\(", "{{< meta title >}}", "{{ la_name }}", "{=typst}", "=SUM(1)",
    "+1", "@x", "'", "\"", "|", "# h", "> q", "1.", "- li", "~~s~~", "H~2~O", "x^2^", ":::", "[@cite]",
    "https://evil.example/c", "file:///C:\\Windows\\System32\\calc.exe", "\\", "*", "_", "[", "]", "(", ")",
]
"""Syntax of the formats text from data passes near: Markdown, HTML, Typst, LaTeX, Quarto, spreadsheets."""


def _normal(text: str) -> str:
    return " ".join(str(text).split())


def _printable(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cs", "Cf", "Co", "Cn", "Zl", "Zp")


ANY_CHARACTER = st.characters(codec="utf-8").filter(_printable)
"""Any character that data text may hold (format and control characters are refused on input)."""


@lru_cache(maxsize=1)
def _pdf_alphabet() -> str:
    """Characters the PDF's font draws and pypdf reads back in order: DejaVu Sans's, written left to right,
    no combining marks, below U+2000 (pypdf reads some symbols and scripts beyond, e.g. U+2288 after U+2D30,
    back twice: its text extraction, not the PDF, which the HTML and workbook properties cover for every
    character). Not the Lao vowel AM (U+0EB3): the shaper draws it as two glyphs, NIGGAHITA and AA, and
    Typst maps each to the whole character, so the PDF's text holds it more than once (pypdf reads "ຳ" as
    "ຳຳ"; pypdf and pdftotext both read "ກຳ" as "ກຳກຳກຳ"); every other character of this alphabet reads back
    once (all 2,380 checked in one PDF). The HTML and workbook properties check it by name."""
    import matplotlib
    from fontTools.ttLib import TTFont

    font = TTFont(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    chars = sorted(chr(code) for code in font.getBestCmap() if 0x20 < code < 0x2000)
    return "".join(c for c in chars if _printable(c) and not unicodedata.combining(c)
                   and unicodedata.category(c)[0] in "LNPS" and unicodedata.bidirectional(c) in ("L", "EN", "ES", "ET", "CS", "ON")
                   and unicodedata.normalize("NFC", c) == c and not c.isspace() and c != "\u0eb3")


def _texts(alphabet) -> st.SearchStrategy[str]:
    """Words of ``alphabet`` and of :data:`SNIPPETS`, joined by spaces: text as data might hold it."""
    word = st.one_of(st.text(alphabet, min_size=1, max_size=10), st.sampled_from(SNIPPETS))
    return st.lists(word, min_size=1, max_size=6).map(" ".join)


def _dom(markup: str):
    import lxml.html

    return lxml.html.fromstring(markup if markup.strip() else "<div></div>")


# ----------------------------------------------------------------- where data text enters a format


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_texts(ANY_CHARACTER))
@example(text="ກຳ ຳ")  # the Lao vowel AM, which the PDF's text layer holds more than once (see _pdf_alphabet)
def test_property_main_points_are_text_in_html(text):
    """A main point holding any text is a list item whose DOM text is exactly that text; no element but the
    heading, the list and its items."""
    from cpstats.present.sentences import main_points
    from cpstats.publish.render import blocks_to_html

    point = f"Agencies: {text} (12%)."
    root = _dom(f"<div>{blocks_to_html(main_points(point).blocks)}</div>")
    assert [element.tag for element in root.iter()] == ["div", "h2", "ul", "li"]
    assert _normal(root.find(".//li").text_content()) == _normal(point)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=_texts(ANY_CHARACTER))
def test_property_commentary_placeholders_put_in_text(name, tmp_path):
    """A commentary placeholder's value (``{{ la_name }}``) is text in the page, whatever it holds; the
    analyst's own Markdown around it still works."""
    from cpstats.present.commentary import Context, commentary_parts
    from cpstats.publish.render import blocks_to_html, commentary_blocks

    words = tmp_path / LA / YEAR / "01_introduction.md"
    words.parent.mkdir(parents=True, exist_ok=True)
    words.write_text("We are {{ la_name }}, **together**. <!-- not for readers -->\n", encoding="utf-8")
    markdown, values, written = commentary_parts(tmp_path, LA, YEAR, "01_introduction", Context({}, words={"la_name": name}))
    assert written
    (blocks,) = commentary_blocks([(markdown, values)])
    root = _dom(f"<div>{blocks_to_html(blocks)}</div>")
    assert [element.tag for element in root.iter()] == ["div", "p", "strong"]
    assert _normal(root.text_content()) == _normal(f"We are {name}, together.")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=_texts(st.sampled_from(_pdf_alphabet())))
def test_property_main_points_are_text_in_the_pdf(text, tmp_path):
    """A main point holding any text the font can draw is printed in the PDF as exactly that text (pypdf)."""
    from pypdf import PdfReader

    from cpstats.present.sentences import main_points
    from cpstats.publish.render import ReportInfo, blocks_to_typst, compile_pdf

    info = ReportInfo("Report", "Authority, 2017-18", "1 April 2017 to 31 March 2018", "en-GB", "0", "r.pdf",
                      dt.datetime(2018, 3, 31, tzinfo=dt.timezone.utc))
    point = f"Agencies: {text} (12%)."
    pdf = compile_pdf(blocks_to_typst(main_points(point).blocks, info), {}, tmp_path / "r.pdf", tmp_path, info.timestamp)
    printed = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert re.sub(r"[\s\u200b]", "", point) in re.sub(r"[\s\u200b]", "", printed)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cells=st.lists(_texts(ANY_CHARACTER), min_size=2, max_size=4),
       caption=st.builds("{} {}".format, st.sampled_from(["Conferences", "Children", "Référés", "Plans"]),
                         _texts(ANY_CHARACTER)))  # the report makes titles of words: one first, then any text
@example(cells=["ກຳ", "ຳ"], caption="Conferences ກຳ")  # the Lao vowel AM (see _pdf_alphabet)
def test_property_workbook_and_csv_cells_hold_exactly_the_text(cells, caption, tmp_path):
    """Table cells, caption and authority holding any text are written to the workbook as exactly that text
    (strings, never a formula, a link or a note) and to the CSV as that text (after a ``'`` where a
    spreadsheet would read a formula, or where the text begins with ``'`` itself: one ``'`` taken off any
    cell that begins with one gives back the text exactly)."""
    from openpyxl import load_workbook

    from cpstats.publish.downloads import Table, cell_value, csv_bytes, write_workbook

    rows = tuple((text, "12") for text in cells)
    table = Table("03_x", "3. Conferences", 1, caption, caption, ("Agency", "Attended"), rows)
    path = write_workbook([table], tmp_path / "t.xlsx", title="Report", subtitle=f"{caption}, 2017-18", period="P",
                          source="Src", timestamp=dt.datetime(2018, 3, 31))
    _assert_no_link_or_formula(path)
    book = load_workbook(path)
    values = [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    for text in cells:
        assert cell_value(text) in values
    assert caption in values or caption.strip() in values  # the table's title, as given (or trimmed)
    written = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8"))))
    for text, row in zip(cells, written[1:]):
        expected = cell_value(text)
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))
        assert (row[0][1:] if row[0].startswith("'") else row[0]) == str(expected)
        assert row[0] == (f"'{expected}" if str(expected)[:1] in ("=", "+", "-", "@", "'") else str(expected))


def _assert_no_link_or_formula(path: Path) -> None:
    """No external relationship (hyperlink), no formula, no note reference made from data, in a workbook."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            part = archive.read(name).decode("utf-8", "replace")
            if name.endswith(".rels"):
                targets = re.findall(r'Target="([^"]*)"', part)
                assert not [t for t in targets if ":" in t or t.startswith("\\")], (name, targets)
                assert "TargetMode" not in part, name
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in part and "<f " not in part, name
                assert not re.findall(r"<hyperlink\b(?![^>]*location=)", part), name
            assert "\ue000" not in part and "\ue001" not in part, name  # no stand-in left


def test_workbook_writer_writes_gptables_syntax_as_text(tmp_path):
    """gptables' own syntax in data (a Markdown link, a ``$$note$$``) is written as it is: no hyperlink, no note."""
    from openpyxl import load_workbook

    from cpstats.publish.downloads import Table, write_workbook

    table = Table("03_x", "3. Conferences", 1, f"Attendance, {AUTHORITY}", AUTHORITY, (f"{AUTHORITY} 2017-18", "Attended"),
                  tuple((text, "3") for text in DATA_TEXTS))
    path = write_workbook([table], tmp_path / "t.xlsx", title="Report", subtitle=AUTHORITY, period="P",
                          source=AUTHORITY, timestamp=dt.datetime(2018, 3, 31))
    _assert_no_link_or_formula(path)
    cells = [c for sheet in load_workbook(path).worksheets for row in sheet.iter_rows() for c in row]
    values = [c.value for c in cells]
    for text in DATA_TEXTS:
        assert text in values
    assert f"{AUTHORITY} 2017-18" in values  # a column heading
    assert not [c.value for c in cells if c.hyperlink is not None and not c.hyperlink.location]
    assert not [v for v in values if isinstance(v, str) and "Probation" in v and "[note" in v]


def test_board_pack_workbook_writes_the_authority_as_text(tmp_path):
    """``cpstats compare --xlsx``: an authority named with gptables' link and note syntax is in the board pack's
    title and column headings as exactly its text, with no hyperlink, note or formula made of it."""
    from openpyxl import load_workbook

    from cpstats.data.dataset import load_dataset
    from cpstats.figures.compare import figures_for_range
    from cpstats.figures.disclosure import Policy
    from cpstats.present.board import board_table
    from cpstats.publish.board import write_board_workbook

    reference = PROJECT_ROOT / "data" / "reference"
    dataset = load_dataset(SAMPLE)
    figures, years = figures_for_range(dataset, "2016-17", "2017-18", reference, Policy("internal"))
    name = f"{AUTHORITY} $$z$$"
    table = board_table(figures, years, dataset.la_code, name, reference)
    path = write_board_workbook(table, tmp_path / "board.xlsx")
    _assert_no_link_or_formula(path)
    values = [c.value for sheet in load_workbook(path).worksheets for row in sheet.iter_rows() for c in row]
    assert table.title() in values  # the cover's title
    assert f"{table.title()}[note 1]" in values  # the sheet's title, with the note on symbols cpstats refers to
    named = [v for v in values if isinstance(v, str) and AUTHORITY in v]
    assert len(named) >= 2 and all(name in v for v in named)  # its $$z$$ kept as text wherever it is


def test_html_comments_in_commentary_are_dropped_and_an_open_one_refused(tmp_path):
    """An HTML comment is a note to the author: taken out before the commentary is filled (a placeholder in it
    is not even read); one never closed is refused with its file and line."""
    from cpstats.present.commentary import CommentaryError, Context, render_commentary

    words = tmp_path / LA / YEAR / "01_introduction.md"
    words.parent.mkdir(parents=True)
    words.write_text("Shown.\n<!-- note {{ nothing }}\nstill note -->\nAlso shown.\n", encoding="utf-8")
    text, written = render_commentary(tmp_path, LA, YEAR, "01_introduction", Context({}))
    assert written and "note" not in text and "Shown." in text and "Also shown." in text
    words.write_text("Shown.\n\nthen <!-- a note left open\n", encoding="utf-8")
    with pytest.raises(CommentaryError, match=r"01_introduction\.md, line 3: an HTML comment <!-- is never closed"):
        render_commentary(tmp_path, LA, YEAR, "01_introduction", Context({}))


# ----------------------------------------------------------------- whole builds


CHAPTERS = ("01_introduction", "03_conference_attendance", "19_key_plan")


def _project(root: Path, chapters=CHAPTERS) -> Path:
    """A copy of the sample project whose book has only ``chapters`` (a build of a few sections is quicker)."""
    project = copy_project(PROJECT_ROOT, root)
    listed = "".join(f"    - notebooks/{chapter}.ipynb\n" for chapter in chapters)
    (project / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: Child Protection Annual Report\n  chapters:\n    - index.qmd\n"
        f"{listed}lang: en-GB\n", encoding="utf-8")
    return project


def _set_data_texts(project: Path, authority: str, agencies: dict[str, str]) -> None:
    la_file = project / "data" / LA / "la.yaml"
    meta = yaml.safe_load(la_file.read_text(encoding="utf-8"))
    meta["name"] = authority
    la_file.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    path = project / "data" / LA / "conference_agencies.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [[agencies.get(cell, cell) for cell in row] for row in csv.reader(handle)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _build(project: Path, out: str = "_site", renderer: str = "builtin", env: dict | None = None):
    return subprocess.run(
        [str(CPSTATS), "build", "--la", LA, "--year", YEAR, "--renderer", renderer, "--disclosure", "public",
         "--data-root", str(project / "data"), "--out", str(project / out), "--build-dir", str(project / "_build")],
        cwd=project, capture_output=True, text=True, env=env, timeout=600)


def _quarto_env() -> dict | None:
    from tests.quarto_builds import quarto_on_path

    return quarto_on_path()


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    """The hostile copy of the sample built with the built-in renderer (and by Quarto, when it is installed)."""
    if not (SAMPLE / "la.yaml").exists():
        pytest.skip("data/sample is not generated yet")
    project = _project(tmp_path_factory.mktemp("data-text") / "project")
    _set_data_texts(project, AUTHORITY, AGENCIES)
    words = project / "commentary" / LA / YEAR
    with open(words / "19_key_plan.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("action", "who"), *KEY_PLAN])
    intro = words / "01_introduction.md"
    intro.write_text(intro.read_text(encoding="utf-8") + f"\n\nWe are {{{{ la_name }}}}. <!-- {AUTHOR_NOTE} -->\n\n"
                     f"<!--\n{AUTHOR_NOTE}\n-->\n\n{LONG_WORD}\n", encoding="utf-8")
    done = _build(project)
    assert done.returncode == 0, done.stderr
    sites = {"builtin": project / "_site" / LA / YEAR}
    env = _quarto_env()
    if env is not None:
        env["QUARTO_PYTHON"] = sys.executable
        done = _build(project, "_quarto_site", "quarto", env)
        assert done.returncode == 0, done.stderr
        sites["quarto"] = project / "_quarto_site" / LA / YEAR
    return sites


def _pages(report: Path) -> dict[str, object]:
    return {page.name: _dom(page.read_text(encoding="utf-8")) for page in sorted(report.glob("*.html"))}


def _text(root) -> str:
    main = root.find(".//main")
    return _normal((main if main is not None else root).text_content())


def _pdf_pages(report: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(next(report.glob("*.pdf"))).pages]


def _unbroken(text: str) -> str:
    """Text with white space and the PDF's break opportunities (zero-width spaces) taken out."""
    return re.sub(r"[\s\u200b]", "", text)


def test_no_link_or_markup_from_data_in_any_page(hostile_build):
    """No page of either renderer has a link to where data text points, or emphasis from the authority's name;
    every data text is on the pages as exactly its text (the agencies in section 3's table and main points)."""
    for renderer, report in hostile_build.items():
        pages = _pages(report)
        for name, root in pages.items():
            links = [a.get("href") or "" for a in root.iter("a")]
            assert not [href for href in links if "evil.example" in href or href.lower().startswith(("javascript:", "file:"))], (renderer, name)
            assert not [e for e in root.iter("strong", "b", "em", "sup", "section") if _normal(e.text_content()) in ("x", "a footnote")], (renderer, name)
            assert AUTHORITY in _normal(root.text_content()), (renderer, name)
        attendance = pages["03_conference_attendance.html"]
        cells = [_normal(td.text_content()) for td in attendance.iter("td", "th")]
        for agency in AGENCIES.values():
            assert agency in cells, (renderer, agency)
        points = [_normal(li.text_content()) for li in attendance.iter("li") if "%" in li.text_content()]
        assert any(PHISHING_AGENCY in point for point in points), (renderer, points)
        plan = [_normal(td.text_content()) for td in pages["19_key_plan.html"].iter("td", "th")]  # each action heads its row
        assert all(text in plan for row in KEY_PLAN for text in row), (renderer, plan)


def test_authority_name_and_agencies_are_literal_in_the_pdf(hostile_build):
    """The PDF prints each data text as it is (the javascript: agency built fine), the authority's ``**x**`` too."""
    printed = _unbroken("".join(_pdf_pages(hostile_build["builtin"])))
    for text in DATA_TEXTS:
        assert _unbroken(text) in printed, text


def test_workbook_and_csv_hold_data_text_with_no_link_note_or_formula(hostile_build):
    """The published workbook has no hyperlink relationship, formula or note from data, and its cells and the
    CSVs hold each data text exactly."""
    report = hostile_build["builtin"]
    (workbook,) = (report / "downloads").glob("*.xlsx")
    _assert_no_link_or_formula(workbook)
    cells = [v for rows in xlsx_cells(workbook).values() for row in rows for v in row]
    written = [cell for path in (report / "downloads").glob("*.csv") for row in csv_rows(path) for cell in row]
    for text in [*AGENCIES.values(), *[t for row in KEY_PLAN for t in row]]:
        assert text in cells and text in written, text
    assert any(isinstance(v, str) and AUTHORITY in v for v in cells)


def test_html_comments_are_in_no_output(hostile_build):
    """An HTML comment left in commentary reaches no page, PDF, download or other published file."""
    for report in hostile_build.values():
        for path in report.rglob("*"):
            if path.is_file() and path.suffix != ".pdf":
                data = path.read_bytes()
                if path.suffix == ".xlsx":
                    with zipfile.ZipFile(path) as archive:
                        data = b"".join(archive.read(name) for name in archive.namelist())
                assert b"must never be published" not in data, path
    printed = " ".join(_pdf_pages(hostile_build["builtin"]))
    assert "author's note" not in _normal(printed) and "note that must never" not in _normal(printed)


def test_a_long_word_wraps_in_the_pdf(hostile_build):
    """A word of 6,000 letters is printed whole, over many lines, none running off the page (before, it was
    one line of 6,000 letters)."""
    pages = _pdf_pages(hostile_build["builtin"])
    assert sum(len(run) for run in re.findall(r"w{100,}", "".join(map(_unbroken, pages)))) == len(LONG_WORD)
    lines = [line.replace("\u200b", "") for page in pages for line in page.splitlines()]
    assert max(len(line) for line in lines) < 150


def test_a_long_word_wraps_on_a_phone(hostile_build):
    """On a 390 px wide screen no page of either renderer is wider than the screen, the long word's too."""
    import functools
    import threading

    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _QuietHandler, _Server

    widths = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for renderer, report in hostile_build.items():
                httpd = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(report)))
                threading.Thread(target=httpd.serve_forever, daemon=True).start()
                try:
                    page = browser.new_page(viewport={"width": 390, "height": 844})
                    for name in ("01_introduction.html", "03_conference_attendance.html", "index.html"):
                        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/{name}", wait_until="load")
                        widths[(renderer, name)] = page.evaluate("document.documentElement.scrollWidth")
                        if name == "01_introduction.html":
                            assert LONG_WORD in page.inner_text("body").replace("\n", "")
                    page.close()
                finally:
                    httpd.shutdown()
                    httpd.server_close()
        finally:
            browser.close()
    assert all(width <= 390 for width in widths.values()), widths


# ----------------------------------------------------------------- any text, whole builds


_BUILD_ALPHABET = st.sampled_from(_pdf_alphabet())


@pytest.fixture(scope="module")
def small_project(tmp_path_factory):
    if not (SAMPLE / "la.yaml").exists():
        pytest.skip("data/sample is not generated yet")
    return _project(tmp_path_factory.mktemp("any-text") / "project", chapters=("03_conference_attendance",))


@settings(max_examples=2, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),  # a build is slow: no shrinking
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(authority=_texts(_BUILD_ALPHABET).map(lambda t: t[:90]), agency=_texts(_BUILD_ALPHABET).map(lambda t: t[:90]))
def test_property_any_data_text_is_published_exactly_or_refused(small_project, authority, agency):
    """A build with any authority's name and agency name either publishes each exactly (pages' DOM text, PDF,
    CSV, workbook) or refuses it with one line and exit status 2."""
    from cpstats.publish.downloads import cell_value

    project = small_project
    for folder in ("_site", "_build", "data"):
        shutil.rmtree(project / folder, ignore_errors=True)
    shutil.copytree(PROJECT_ROOT / "data" / LA, project / "data" / LA)
    shutil.copytree(PROJECT_ROOT / "data" / "reference", project / "data" / "reference")
    _set_data_texts(project, authority, {"GP": agency})
    done = _build(project)
    if done.returncode == 2:
        assert len(done.stderr.strip().splitlines()) >= 1 and "Traceback" not in done.stderr
        assert not (project / "_site" / LA / YEAR).exists()
        return
    assert done.returncode == 0, done.stderr
    report = project / "_site" / LA / YEAR
    pages = _pages(report)
    assert _normal(authority) in _text(pages["index.html"])
    cells = [_normal(td.text_content()) for td in pages["03_conference_attendance.html"].iter("td", "th")]
    assert _normal(agency) in cells
    printed = _unbroken("".join(_pdf_pages(report)))
    assert _unbroken(authority) in printed and _unbroken(agency) in printed
    written = [cell for path in (report / "downloads").glob("*.csv") for row in csv_rows(path) for cell in row]
    expected = agency.strip()
    assert (f"'{expected}" if expected[:1] in ("=", "+", "-", "@", "'") else expected) in written
    (workbook,) = (report / "downloads").glob("*.xlsx")
    _assert_no_link_or_formula(workbook)
    values = [v for rows in xlsx_cells(workbook).values() for row in rows for v in row]
    assert cell_value(expected) in values  # text as it is (a name that is a number, "0", is the number)
