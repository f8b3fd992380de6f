"""The Quarto renderer, against a real Quarto (1.7.34: ``make test`` installs it from ../shared/tools/quarto).

Skipped, with the reason, only where no ``quarto`` is on PATH and no install exists in
``_build/tools/quarto``. The browser checks of its pages are in ``tests/test_browser.py``.
"""

from __future__ import annotations

import re

import pytest

from tests.sample_builds import PROJECT_ROOT
from tests.quarto_builds import quarto_on_path


def test_quarto_pages_have_charts_as_files_with_alt_titles_icon_and_pdf_link(quarto_report):
    """Every section page: authority and year in <title>, an icon, chart files with alt text, no data: URI images."""
    report = quarto_report.report
    pages = sorted(report.glob("[0-9][0-9]_*.html"))
    assert len(pages) == 20
    charts = 0
    for page in [report / "index.html", *pages]:
        text = page.read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", text).group(1)
        assert "Rutland (synthetic sample), 2017-18" in title, page.name
        assert re.search(r'<link[^>]*rel="icon"', text), page.name
        assert "data:image" not in text, page.name
        for img in re.findall(r"<img[^>]*>", text):
            src = re.search(r'src="([^"]+)"', img).group(1)
            assert (report / src).is_file(), (page.name, src)
            assert re.search(r'alt="[^"]{20,}"', img), (page.name, img[:120])
            charts += 1
        assert text.index("<h1") < text.index('id="toc-title"') if 'id="toc-title"' in text else True, page.name
    # every chart the sections draw (a chart where a table says it all is left out): 9 in the sample
    assert charts >= 9
    index = (report / "index.html").read_text(encoding="utf-8")
    assert 'href="child-protection-report-sample-2017-18.pdf"' in index
    assert "1 April 2017 to 31 March 2018" in index
    assert (report / "report.css").is_file() and (report / "child-protection-report-sample-2017-18.pdf").is_file()


def test_quarto_gives_the_built_in_pages_about_definitions_and_main_points_first(quarto_report, public_report):
    """The same pages as the built-in renderer's; the index leads with the headline main points and lists the
    About and Definitions pages; what the report is and its version are on About, not the index."""
    report = quarto_report.report
    assert sorted(p.name for p in report.glob("*.html")) == sorted(p.name for p in public_report.report.glob("*.html"))
    index = (report / "index.html").read_text(encoding="utf-8")
    main = index[index.index('<main'):]
    assert main.index('id="year-in-brief"') < main.index('href="about.html"') < main.index('href="definitions.html"')
    assert "How we protect privacy" not in index and "Data fingerprint" not in index
    about = (report / "about.html").read_text(encoding="utf-8")
    assert "How we protect privacy in this report" in about and "Data fingerprint (SHA-256)" in about
    assert "This release" in about and "For those who audit this report" in about
    assert "Definitions of the measures" in (report / "definitions.html").read_text(encoding="utf-8")
    assert "Figures from other sources" in (report / "20_reconciliation.html").read_text(encoding="utf-8")
    assert 'id="main-points"' in (report / "08_numbers.html").read_text(encoding="utf-8")


def test_every_quarto_page_states_a_policy_that_lets_only_quartos_scripts_run(quarto_report):
    """Each page's first <meta> after the charset is its Content-Security-Policy: scripts from the site and
    Quarto's inline ones by their hash, no object, base or form, nothing from another site."""
    import base64
    import hashlib
    import html

    for page in quarto_report.report.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        policy = html.unescape(re.search(r'<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" '
                                         r'content="([^"]+)">', text).group(1))
        directives = dict(d.split(" ", 1) for d in policy.split("; "))
        assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'", page.name
        assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in directives["script-src"]
        for script in re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", text, re.DOTALL):
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
            assert f"'sha256-{digest}'" in directives["script-src"], page.name


def test_text_from_data_reaches_quartos_pages_as_text(tmp_path):
    """An authority's name and commentary holding HTML, a shortcode, a cross-reference and maths are printed as
    they are by a real Quarto: no script, no include of another file."""
    if not quarto_on_path():
        pytest.skip("no quarto on PATH and none installed in _build/tools/quarto")
    import datetime as dt

    from cpstats.publish.quarto import read_book_config, render_with_quarto, write_build_project
    from cpstats.publish.render import ReportInfo, Section, read_markdown, report_pages, text_inlines

    name = "Evil <img src=x onerror=alert(1)> {{< meta title >}}"
    words = "See {{< include secret.md >}} and @fig-x, <script>alert(2)</script> $x$ `{python} 1+1`"
    book = read_book_config(PROJECT_ROOT / "_quarto.yml")
    info = ReportInfo(title=book.title, subtitle=f"{name}, 2017-18", period="1 April 2017 to 31 March 2018",
                      lang="en-GB", version="test", pdf_name="report.pdf", timestamp=dt.datetime(2018, 3, 31))
    pages = report_pages(info, book.front_page, [], {"la-name": name, "report-year": "2017-18", "public": True,
                                                     "disclosure-threshold": "5", "fewer-than": "6"})
    (commentary,) = read_markdown([words])
    section = Section("01_introduction", "1. Introduction", blocks=[
        {"t": "Header", "c": [1, ["", [], []], text_inlines("1. Introduction")]},
        {"t": "Para", "c": text_inlines(name)}, *commentary])
    pages = type(pages)(pages.front, pages.about, (section, *pages.sections), {}, (words,), {})
    write_build_project(tmp_path, book, info, pages)
    (tmp_path / "secret.md").write_text("cpstatssecretwords\n", encoding="utf-8")  # what an include would show
    mp = pytest.MonkeyPatch()
    mp.setenv("PATH", quarto_on_path()["PATH"])
    try:
        site = render_with_quarto(tmp_path, subtitle=info.subtitle)
    finally:
        mp.undo()
    for page in ("index.html", "about.html", "01_introduction.html"):
        text = (site / page).read_text(encoding="utf-8")
        main = text[text.index("<main"):text.index("</main>")]
        assert "<img src=x" not in text and "<script>alert" not in text, page
        assert "Evil &lt;img src=x onerror=alert(1)&gt; {{&lt; meta title &gt;}}" in text, page
        if page != "about.html":
            assert "{{&lt; include secret.md &gt;}}" in main and "@fig-x" in main and "$x$" in main, page
            assert "cpstatssecretwords" not in text, page


def test_commentary_headings_are_in_the_page_contents(quarto_report):
    """The commentary's own headings (e.g. "Children's participation") are listed in the page's contents."""
    page = (quarto_report.report / "03_conference_attendance.html").read_text(encoding="utf-8")
    toc = re.search(r'<nav id="TOC".*?</nav>', page, re.DOTALL).group(0)
    assert 'href="#childrens-participation"' in toc


def test_the_build_says_quarto_rendered_it(quarto_report):
    """The manifest names the renderer; the command line names it with Quarto's version."""
    import json

    assert json.loads((quarto_report.report / "manifest.json").read_text())["renderer"] == "quarto"
    from cpstats.publish.quarto import renderer_name

    assert renderer_name("quarto") == "Quarto 1.7.34"


def test_a_quarto_failure_is_one_line(tmp_path):
    """A page Quarto cannot render (its pandoc document is missing): a QuartoError of one line, Quarto's own
    message naming the file, which ``cpstats build`` prints as its one line, with exit status 2."""
    if not quarto_on_path():
        pytest.skip("no quarto on PATH and none installed in _build/tools/quarto")
    import datetime as dt

    from cpstats.publish.quarto import QuartoError, read_book_config, render_with_quarto, write_build_project
    from cpstats.publish.render import ReportInfo, report_pages

    book = read_book_config(PROJECT_ROOT / "_quarto.yml")
    info = ReportInfo(title=book.title, subtitle="Rutland, 2017-18", period="1 April 2017 to 31 March 2018",
                      lang="en-GB", version="test", pdf_name="report.pdf", timestamp=dt.datetime(2018, 3, 31))
    pages = report_pages(info, book.front_page, [], {"la-name": "Rutland", "report-year": "2017-18", "public": True,
                                                     "disclosure-threshold": "5", "fewer-than": "6"})
    write_build_project(tmp_path, book, info, pages)
    (tmp_path / "definitions.json").unlink()
    mp = pytest.MonkeyPatch()
    mp.setenv("PATH", quarto_on_path()["PATH"])
    try:
        with pytest.raises(QuartoError) as failure:
            render_with_quarto(tmp_path)
    finally:
        mp.undo()
    message = str(failure.value)
    assert "\n" not in message and "definitions.json: No such file or directory" in message, message
