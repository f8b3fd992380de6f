"""The sample report read as a safeguarding board reads it: on a phone, on paper, and as prose.

Checks a machine can make on the public build of the sample (the session's
``public_report``, built once): no page wider than a 390 px phone screen, no
PDF page left with a few lines, a PDF of the original report's length, no
"a" before a vowel sound, and percentages in prose written by one rule.
Screenshots of every page at 390 px are kept in
``_build/screenshots/phone/``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.sample_builds import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = PROJECT_ROOT / "_build" / "screenshots" / "phone"
MAX_PDF_PAGES = 37
MIN_LINES = 8


def _pdf(report: Path) -> Path:
    (pdf,) = sorted(report.glob("*.pdf"))
    return pdf


def prose(markup: str) -> list[str]:
    """The paragraphs and list items of a page's main content: not its tables, figures (with the notes under
    them saying what [c] means), navigation or downloads.

    >>> prose('<main><p>One <b>a</b></p><table><tr><td><p>x</p></td></tr></table><li>Two</li></main>')
    ['One a', 'Two']
    """
    main = re.search(r"<main\b.*?</main>", markup, flags=re.S)
    body = main.group(0) if main else markup
    body = re.sub(r"<(table|figure|nav|section)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r'<div class="withheld-note">.*?</div>', " ", body, flags=re.S)  # part of the table or chart above
    items = re.findall(r"<(?:p|li)\b[^>]*>(.*?)</(?:p|li)>", body, flags=re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


A_BEFORE_VOWEL = re.compile(
    r"\b[Aa] (?:(?:8\d*|11|18)(?:[.,]\d+)*(?![\d.,]*\d)|(?!one\b|once\b)[aeioAEIO][\w-]*)"
)
"""'a' before a word said with a vowel sound: a vowel letter (not "one", "once"; "u" is left alone, as in
"a unit"), or a number said "eight...", "eleven" or "eighteen" ("a 11%", "a 8", "a 18.5%")."""


def vowel_sound_errors(text: str) -> list[str]:
    """Each "a" before a vowel sound in ``text``.

    >>> vowel_sound_errors("a 11% increase, a 8 point fall, a one-off, a 110 rise, an 8% fall, a 18,000, a example")
    ['a 11', 'a 8', 'a 18,000', 'a example']
    """
    return A_BEFORE_VOWEL.findall(text)


PERCENTAGE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?%(?! (?:\w+ )?(?:intervals?|limits?|control limits)\b)")
"""A percentage in prose, not the confidence of an interval or a limit ("95% interval", "99.8% limits")."""


def percentage_rules(texts: list[str]) -> set[str]:
    """How the percentages in ``texts`` are rounded: ``"whole"`` (38%) and/or ``"one decimal"`` (38.5%).

    >>> sorted(percentage_rules(["38% of them", "and 100%"]))
    ['whole']
    >>> sorted(percentage_rules(["38% of them", "England 76.9%"]))
    ['one decimal', 'whole']
    """
    return {("one decimal" if "." in p else "whole") for text in texts for p in PERCENTAGE.findall(text)}


# ----------------------------------------------------------------- on a phone


@pytest.fixture(scope="module")
def phone_widths(public_report):
    """Every page of the public report opened at 390 px: its width in CSS pixels; a full-page screenshot kept."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    playwright_api = pytest.importorskip("playwright.sync_api")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = sorted(public_report.report.glob("*.html")) + [public_report.out_root / "index.html"]
    widths = {}
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=PHONE).new_page()
            for path in pages:
                name = path.relative_to(public_report.out_root).as_posix()
                page.goto(path.resolve().as_uri())
                widths[name] = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
                page.screenshot(path=str(SCREENSHOTS / (name.replace("/", "__").removesuffix(".html") + ".png")),
                                full_page=True)
        finally:
            browser.close()
    return widths


def test_no_page_is_wider_than_a_phone_screen(phone_widths):
    """At a 390 px viewport no page scrolls sideways: wide tables scroll within their own box."""
    assert len(phone_widths) > 20
    assert {name: width for name, width in phone_widths.items() if width > PHONE["width"]} == {}


def test_tables_scroll_in_a_box_of_their_own(public_report):
    """Every table of a section page is inside a focusable, labelled region that scrolls sideways."""
    for page in sorted(public_report.report.glob("[0-9]*.html")):
        markup = page.read_text(encoding="utf-8")
        tables = markup.count("<table")
        boxes = len(re.findall(r'<div class="table-scroll" role="region" tabindex="0" aria-label="[^"]+">\s*<table', markup))
        assert tables == boxes, page.name


def test_site_index_is_styled_as_the_report(public_report):
    """_site/index.html links a report's stylesheet, which exists."""
    markup = (public_report.out_root / "index.html").read_text(encoding="utf-8")
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)">', markup)
    assert stylesheet and (public_report.out_root / stylesheet.group(1)).is_file()


def test_front_page_shows_the_year_in_brief_and_contents_and_the_version_is_on_the_about_page(public_report):
    """The report's front page leads with the year in brief, then its contents; the release's date and status
    open the "About this report" page, and the git commit and the data fingerprint end it, for those who audit it."""
    markup = (public_report.report / "index.html").read_text(encoding="utf-8")
    assert markup.index(">The year in brief<") < markup.index('<nav class="contents"')
    assert "Git commit" not in markup and 'href="about.html"' in markup
    assert "Published 15 October 2018. Management information." in markup
    points = re.search(r">The year in brief<.*?<ul>(.*?)</ul>", markup, flags=re.S).group(1)
    assert 3 <= points.count("<li") <= 7
    about = (public_report.report / "about.html").read_text(encoding="utf-8")
    assert (about.index("This release") < about.index("How we protect privacy") < about.index("For those who audit")
            < about.index("Git commit") < about.index("Data fingerprint"))
    assert "Published:</strong> 15 October 2018" in about and "Management information" in about


def test_no_download_box_on_a_section_without_tables(public_report):
    """Only a section that shows a table offers its tables for download."""
    for page in sorted(public_report.report.glob("[0-9]*.html")):
        markup = page.read_text(encoding="utf-8")
        assert ("Download the tables" in markup) == ("<table" in markup), page.name


def test_chart_captions_name_the_chart_and_the_alt_text_gives_its_values(public_report):
    """A chart's visible caption is its title; every value (or [c]) is in its text alternative."""
    for page in sorted(public_report.report.glob("[0-9]*.html")):
        markup = page.read_text(encoding="utf-8")
        for figure in re.findall(r"<figure\b.*?</figure>", markup, flags=re.S):
            caption = html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<figcaption[^>]*>(.*?)</figcaption>", figure,
                                                                      flags=re.S).group(1)))  # its words, not their spans
            alt = html.unescape(re.search(r'alt="([^"]*)"', figure).group(1))
            assert not caption.startswith(("Bar chart", "Line chart")), (page.name, caption)
            assert alt.startswith(("Bar chart: ", "Line chart: ", "Funnel plot: ")) and caption.strip() in alt, (page.name, alt)


# ----------------------------------------------------------------- on paper


@pytest.fixture(scope="module")
def pdf_pages(public_report) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(_pdf(public_report.report)).pages]


def test_pdf_is_the_length_of_the_report_it_replaces(pdf_pages):
    """At most 37 pages (the hand-typed original had 21; the first computed one 41): the intervals, ranks and funnel
    plots of section 8 and the notes under tables holding [c] take about four; the year in brief and the release's
    facts, the sources of the conference figures and of England's, a source line under every table and chart, and
    the definitions in readers' words about four more (33 pages before them)."""
    assert len(pdf_pages) <= MAX_PDF_PAGES


def test_no_pdf_page_is_left_with_a_few_lines(pdf_pages):
    """Every page but the last holds at least 8 lines of text: sections run on, no page is nearly empty."""
    lines = [len([line for line in text.splitlines() if line.strip()]) for text in pdf_pages]
    assert [(number, count) for number, count in enumerate(lines[:-1], start=1) if count < MIN_LINES] == []


def test_pdf_pages_are_numbered_in_order(pdf_pages):
    """Each page after the title page says "Page n of N", in order: the layout settled (tables placed, counters final)."""
    numbers = [re.findall(r"Page (\d+) of (\d+)", " ".join(text.split())) for text in pdf_pages[1:]]
    count = len(pdf_pages) - 1
    assert numbers == [[(str(n), str(count))] for n in range(1, count + 1)]


def test_pdf_falls_back_to_a_simple_layout_of_long_tables(public_report, tmp_path):
    """The layout used when the tables' placement does not settle compiles, settles and keeps the length."""
    import typst
    from pypdf import PdfReader

    from cpstats.publish.render import PDF_STANDARDS, _font_dir

    pdf = tmp_path / "simple.pdf"
    _, warnings = typst.compile_with_warnings(
        str(public_report.build_dir / "report.typ"), output=str(pdf), root=str(public_report.build_dir),
        font_paths=[str(_font_dir())], ignore_system_fonts=True, pdf_standards=list(PDF_STANDARDS),
        sys_inputs={"table-layout": "simple"})
    assert warnings == [] and len(PdfReader(pdf).pages) <= MAX_PDF_PAGES


def test_pdf_starts_a_page_only_before_a_main_part(public_report):
    """The Typst source breaks pages before the main parts only, never before every section."""
    source = (public_report.build_dir / "report.typ").read_text(encoding="utf-8")
    from cpstats.publish.render import MAIN_PARTS

    assert source.count("#pagebreak(weak: true)") == len(MAIN_PARTS)


# ----------------------------------------------------------------- as prose


@pytest.fixture(scope="module")
def page_prose(public_report) -> dict[str, list[str]]:
    return {page.name: prose(page.read_text(encoding="utf-8")) for page in sorted(public_report.report.glob("*.html"))}


def test_no_a_before_a_vowel_sound(page_prose, pdf_pages):
    """'an 11% increase', never 'a 11% increase', in the pages and the PDF."""
    found = {name: vowel_sound_errors(" ".join(texts)) for name, texts in page_prose.items()}
    assert {name: errors for name, errors in found.items() if errors} == {}
    assert vowel_sound_errors(" ".join(" ".join(text.split()) for text in pdf_pages)) == []


def test_commentary_restates_no_percentage(public_report):
    """The analysts' words interpret: the sample's commentary embeds no percentage (the section shows them)."""
    folder = PROJECT_ROOT / "commentary" / "sample" / "2017-18"
    for path in sorted(folder.glob("*.md")):
        assert not re.search(r"\}\}\s*%", path.read_text(encoding="utf-8")), path.name


def test_every_percentage_in_prose_follows_one_rounding_rule(page_prose):
    """Percentages in prose are whole numbers, on every page (tables keep one decimal place)."""
    mixed = {name: sorted(percentage_rules(texts)) for name, texts in page_prose.items()}
    assert {name: rules for name, rules in mixed.items() if rules and rules != ["whole"]} == {}


FIGURE = re.compile(r"(?<![\w.,£-])\d[\d,]*(?:\.\d+)?%?(?![\w-])")
"""A figure in prose: 305, 8,166, 23.3, 26%."""
STATED = re.compile(FIGURE.pattern.replace("\\d[\\d,]*(?:\\.\\d+)?%?", "(\\d[\\d,]*(?:\\.\\d+)?%?)", 1)
                    + r"\s*(?:\([^)]*\)\s*)?([A-Za-z]*)")
"""A figure and the word after it (past a bracketed percentage): what the figure counts."""
NOT_FIGURES = re.compile(
    r"\b\d{4}-\d{2}\b|\b(?:19|20)\d\d\b|\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b|\bsection 47\b|\b10,000\b|\bunder 18\b|\b\d+ (?:and \d+ )?(?:working days|months|years)\b"
    r"|\bfewer than \d+\b|\b\d+ out of \d+\b|\b\d+ or \d+\b|\(\d+\)|\b\d+\.\s"
    r"|\b\d+(?:\.\d+)?% (?:\w+ )?(?:intervals?|limits?|control limits)\b"
)
"""Numbers in prose that are not the section's figures: years, dates, definitions ("section 47", "per 10,000",
"15 working days", "6 and 12 months"), a scale ("4 or 5 out of 5"), a last year's figure in brackets, a numbering,
the confidence of an interval or limit ("95% interval", "99.8% limits")."""


def repeated_figures(texts: list[str]) -> set[str]:
    """The figures stated in more than one paragraph or bullet of ``texts``: the same number of the same thing (the
    word after it, past a bracketed percentage), so that two facts that happen to share a number are not one.

    >>> sorted(repeated_figures(["305 referrals in 2017-18 (412).", "There were 305 referrals, fewer than before.",
    ...                          "Reviews within 15 working days: 96%.", "Within 15 working days."]))
    ['305']
    >>> sorted(repeated_figures(["20 (50%) emotional abuse.", "20 of the 52 conferences."]))
    []
    """
    seen: dict[tuple[str, str], int] = {}
    repeated = set()
    for number, text in enumerate(texts):
        for figure, word in set(STATED.findall(NOT_FIGURES.sub(" ", text))):
            if seen.setdefault((figure, word.lower()), number) != number:
                repeated.add(figure)
    return repeated


def test_no_figure_is_repeated_in_a_sections_prose(page_prose):
    """A section's main points state its figures; its definitions and commentary do not state them again."""
    found = {name: sorted(repeated_figures(texts)) for name, texts in page_prose.items() if name[:2].isdigit()}
    assert {name: figures for name, figures in found.items() if figures} == {}
