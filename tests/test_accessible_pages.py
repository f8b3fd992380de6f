"""The public sample's pages as people read them with a screen reader or on a phone, from both renderers.

Each table's rows have headers; a reporting year ("2013-14") is never split across two lines; a table's caption
wraps within a 390 px screen; a chart's smallest text is legible there; the front page offers two downloads (the
PDF and "Download all") and leaves each table's CSV to its section's page; and every page links the
accessibility statement, which names the axe-core the tests run and the standard they check. The browser checks
open every page in Debian's Chromium, served over HTTP on 127.0.0.1, at 390 x 844.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from hypothesis import given, settings, strategies as st

from cpstats.publish.render import YEAR, blocks_to_html, download_links
from cpstats.publish.statement import ACCESSIBILITY_PAGE, AXE_CORE_VERSION, contact_text, statement_blocks
from tests.test_axe import axe_version, served
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

PHONE = {"width": 390, "height": 844}
CHART_TEXT_POINTS = 11
"""The size of a chart's smallest text at its natural size (:data:`cpstats.present.charts.TEXT_SIZE`)."""
SMALLEST_CHART_TEXT = 10.0
"""The smallest a chart's text may be shown on a 390 px phone, in CSS pixels (it was about 7 before charts
were drawn for phones, and 8.6 in Quarto's narrower column before they were drawn narrower)."""


@pytest.fixture(scope="module", params=["builtin", "quarto"])
def report(request):
    """The public sample's report folder, laid out by each renderer."""
    return request.param, request.getfixturevalue("public_report" if request.param == "builtin" else "quarto_report")


def _main(markup: str) -> str:
    found = re.search(r"<main\b.*?</main>", markup, flags=re.S)
    return found.group(0) if found else markup


# ----------------------------------------------------------------- in the markup


def test_every_tables_first_column_heads_its_rows(report):
    """Every body row of every table of every page starts with a ``<th scope="row">``; every heading is a
    ``<th scope="col">``: a screen reader says the row's and the column's names with each value."""
    _, build = report
    tables, wrong = 0, []
    for page in sorted(build.report.glob("*.html")):
        for table in re.findall(r"<table\b.*?</table>", page.read_text(encoding="utf-8"), flags=re.S):
            head = re.search(r"<thead\b.*?</thead>", table, flags=re.S)
            body = re.search(r"<tbody\b.*?</tbody>", table, flags=re.S)
            columns = len(re.findall(r"<th\b", head.group(0))) if head else 0
            if columns < 2 or not body:
                continue
            tables += 1
            if len(re.findall(r'<th\b[^>]*\bscope="col"', head.group(0))) != columns:
                wrong.append((page.name, "heading row"))
            for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", body.group(0), flags=re.S):
                if not re.match(r'\s*<th\b[^>]*\bscope="row"', row):
                    wrong.append((page.name, html.unescape(re.sub(r"<[^>]+>", " ", row))[:60]))
    assert tables >= 25
    assert wrong == []


def test_every_reporting_year_in_a_page_is_kept_on_one_line(report):
    """In every page's main content each word holding a "2013-14" is in a ``<span class="nowrap">`` (the
    stylesheet keeps it whole), in tables, captions, headings, sentences and download links alike."""
    _, build = report
    loose, kept = {}, 0
    for page in sorted(build.report.glob("*.html")):
        main = re.sub(r"<(script|style)\b.*?</\1>", " ", _main(page.read_text(encoding="utf-8")), flags=re.S)
        kept += len(re.findall(r'<span class="nowrap">[^<]*\d{4}-\d{2}[^<]*</span>', main))
        text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r'<span class="nowrap">[^<]*</span>', " ", main)))
        if YEAR.search(text):
            loose[page.name] = YEAR.findall(text)[:5]
    assert kept > 100
    assert loose == {}
    stylesheet = build.report / ("report.css" if report[0] == "builtin" else "cpstats.css")
    assert re.search(r"\.nowrap\s*\{\s*white-space:\s*nowrap", stylesheet.read_text(encoding="utf-8"))


def test_the_front_page_offers_the_pdf_and_download_all_and_each_csv_is_on_its_sections_page(report):
    """The front page's downloads are the PDF and the zip of everything; each table's CSV is linked from its
    own section's page and from no other page; the workbooks, open data and manifest from "About this report"."""
    _, build = report
    index = _main((build.report / "index.html").read_text(encoding="utf-8"))
    downloads = re.search(r'id="downloads".*?</ul>', index, flags=re.S).group(0)
    links = re.findall(r'href="([^"]+)"', downloads)
    assert links == ["child-protection-report-sample-2017-18.pdf", "child-protection-sample-2017-18-all-files.zip"]
    assert "Download all" in downloads
    assert ".csv" not in index and "manifest.json" not in index
    csvs = sorted(p.name for p in (build.report / "downloads").glob("*.csv"))
    assert len(csvs) >= 20
    pages = {p.name: p.read_text(encoding="utf-8") for p in build.report.glob("*.html")}
    for name in csvs:
        linking = sorted(page for page, markup in pages.items() if f'href="downloads/{name}"' in markup)
        assert linking == [name.split("-")[0] + ".html"], (name, linking)  # 08_numbers-1.csv, 08_numbers-download-1.csv
    about = pages["about.html"]
    for target in ("downloads/child-protection-tables-sample-2017-18.xlsx", "downloads/child-protection-tables-sample-2017-18.ods",
                   "open-data/data-guidance.txt", "manifest.json"):
        assert f'href="{target}"' in about, target


def test_every_page_links_the_accessibility_statement_in_its_footer(report):
    """Each page of the report (and the site's index) ends with a link to ``accessibility.html``, which exists."""
    renderer, build = report
    assert (build.report / ACCESSIBILITY_PAGE).is_file()
    pages = sorted(build.report.glob("*.html"))
    assert len(pages) > 20
    for page in pages:
        markup = page.read_text(encoding="utf-8")
        footer = markup[markup.rindex("<footer"):]
        assert f'href="{ACCESSIBILITY_PAGE}"' in footer and "Accessibility statement" in footer, page.name
    if renderer == "builtin":
        site_index = (build.out_root / "index.html").read_text(encoding="utf-8")
        assert f'href="sample/2017-18/{ACCESSIBILITY_PAGE}"' in site_index[site_index.rindex("<footer"):]


def test_the_statement_names_the_engine_the_tests_run_the_standard_and_the_reports_date(report):
    """The statement follows GOV.UK's pattern and says what is true of this build: the axe-core version the
    tests inject, WCAG 2.2 AA, how to report a problem, and the report's date (not today's)."""
    _, build = report
    assert AXE_CORE_VERSION == axe_version()
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", _main(
        (build.report / ACCESSIBILITY_PAGE).read_text(encoding="utf-8")))).split())
    for heading in ("How accessible this report is", "What is not fully accessible", "Reporting accessibility problems",
                    "Enforcement procedure", "How this report was tested", "Preparation of this accessibility statement"):
        assert heading in text, heading
    assert f"axe-core {AXE_CORE_VERSION}" in text and "(WCAG) version 2.2, level AA" in text
    assert "Rutland (synthetic sample)" in text
    assert re.search(r"prepared on \d{1,2} (January|February|March|April|May|June|July|August|September|October|"
                     r"November|December) \d{4}", text)


@settings(max_examples=40, deadline=None)
@given(contact=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")), min_size=1, max_size=60)
       .filter(lambda t: t.strip()))
def test_the_contact_from_la_yaml_is_text_in_the_statement(contact):
    """Whatever ``la.yaml``'s ``contact`` holds, the statement shows it as text: escaped, never markup."""
    blocks = statement_blocks("Report, X, 2017-18", "X", contact_text({"contact": contact}), dt.date(2018, 3, 31))
    markup = blocks_to_html(blocks)
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
    assert f"contact X: {' '.join(contact.split())}" in shown
    assert len(re.findall(r"<[a-z]", markup)) == len(re.findall(r"<[a-z]", blocks_to_html(
        statement_blocks("Report, X, 2017-18", "X", "x", dt.date(2018, 3, 31)))))  # no element came from the text


def test_a_statement_without_a_contact_tells_readers_to_ask_the_authority():
    """Without a ``contact`` in ``la.yaml`` the statement names the authority; with one, it gives it."""
    without = blocks_to_html(statement_blocks("R", "Rutland", contact_text({"name": "Rutland"}), dt.date(2018, 3, 31)))
    assert "contact Rutland, which published it" in without
    given_one = blocks_to_html(statement_blocks("R", "Rutland", contact_text({"contact": {"email": "cp@rutland.gov.uk"}}),
                                                dt.date(2018, 3, 31)))
    assert "contact Rutland: email cp@rutland.gov.uk." in given_one


def test_download_links_are_the_pdf_and_the_zip_only():
    """The front page's list: the PDF, then "Download all" when the report has a zip."""
    from cpstats.publish.render import ReportInfo

    info = ReportInfo(title="T", subtitle="S, 2017-18", period="p", lang="en-GB", version="0", pdf_name="r.pdf",
                      timestamp=dt.datetime(2018, 3, 31), downloads=(("Workbook", "downloads/w.xlsx"),),
                      download_all=("Download all (ZIP)", "all.zip"))
    assert [href for _, href in download_links(info)] == ["r.pdf", "all.zip"]


# ----------------------------------------------------------------- in a browser, on a phone


@pytest.fixture(scope="module")
def on_a_phone(report):
    """Every page of the report opened at 390 x 844: captions sticking out, years on two lines, chart text sizes,
    the front page's height and where its downloads start."""
    from playwright.sync_api import sync_playwright

    renderer, build = report
    seen = {}
    with served(build.out_root) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=PHONE).new_page()
            for path in sorted(build.report.glob("*.html")):
                page.goto(f"{base}/sample/2017-18/{path.name}", wait_until="load")
                seen[path.name] = page.evaluate("""() => ({
                    captions: Array.from(document.querySelectorAll('caption')).filter(
                        c => c.getBoundingClientRect().right > window.innerWidth + 0.5).map(c => c.textContent.trim()),
                    split: Array.from(document.querySelectorAll('span.nowrap')).filter(
                        s => s.getClientRects().length > 1).map(s => s.textContent),
                    charts: Array.from(document.images).filter(i => i.getAttribute('src').endsWith('.svg')).map(
                        i => [i.getAttribute('src'), i.getBoundingClientRect().width]),
                    height: document.documentElement.scrollHeight,
                    downloads: document.getElementById('downloads') ?
                        document.getElementById('downloads').getBoundingClientRect().top + window.scrollY : null,
                })""")
        finally:
            browser.close()
    return renderer, build, seen


def test_no_caption_runs_off_a_phones_screen_and_no_year_is_split(on_a_phone):
    """At 390 px every table's caption wraps within the screen, however wide its table, and no "2013-14" is
    broken over two lines."""
    _, _, seen = on_a_phone
    assert {name: v["captions"] for name, v in seen.items() if v["captions"]} == {}
    assert {name: v["split"] for name, v in seen.items() if v["split"]} == {}


def test_chart_text_is_legible_on_a_phone(on_a_phone):
    """Each chart is scaled to the phone's column: its smallest text (11 pt at its natural size) is shown at
    10 CSS pixels or more."""
    renderer, build, seen = on_a_phone
    sizes = {}
    for name, visit in seen.items():
        for src, shown in visit["charts"]:
            svg = (build.report / src).read_text(encoding="utf-8")
            natural = float(re.search(r'<svg\b[^>]*\bwidth="([\d.]+)pt"', svg).group(1)) * 96 / 72
            sizes[src] = CHART_TEXT_POINTS * 96 / 72 * min(shown / natural, 1.0)
    assert len(sizes) >= 9
    print(f"{renderer}: smallest chart text at 390 px {min(sizes.values()):.1f} px ({min(sizes, key=sizes.get)})")
    assert {src: round(px, 1) for src, px in sizes.items() if px < SMALLEST_CHART_TEXT} == {}


def test_the_front_page_is_short_on_a_phone(on_a_phone):
    """The front page is at most three phone screens (it was nearly seven with 30 download links), and its two
    downloads come within them."""
    renderer, _, seen = on_a_phone
    front = seen["index.html"]
    print(f"{renderer}: front page {front['height']} px high at 390 px; downloads start at {front['downloads']:.0f} px")
    assert front["height"] <= 3 * PHONE["height"]
    assert front["downloads"] is not None and front["downloads"] < front["height"]
