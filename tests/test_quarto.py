"""The Quarto renderer, against a real Quarto (1.7.34: ``make test`` installs it from ../shared/tools/quarto).

Skipped, with the reason, only where no ``quarto`` is on PATH and no install exists in
``_build/tools/quarto``. The browser checks of its pages are in ``tests/test_browser.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

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


def test_a_quarto_failure_is_one_line_exit_2_and_nothing_published(quarto_report, tmp_path):
    """A front page Quarto cannot render: one line with Quarto's ERROR, exit status 2, no report folder.

    In the project Quarto built (its notebooks in the execution cache, so only the rendering runs again), with
    its front page broken for the length of the test.
    """
    project = quarto_report.project
    front = project / "index.qmd"
    kept = front.read_bytes()
    front.write_text(kept.decode("utf-8") + "\n{{< include missing-file.qmd >}}\n", encoding="utf-8")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "cpstats", "build", "--la", "sample", "--year", "2017-18", "--renderer", "quarto",
             "--disclosure", "public", "--data-root", str(project / "data"), "--out", str(tmp_path / "_site"),
             "--build-dir", str(quarto_report.build_root)],
            cwd=project, capture_output=True, text=True, env=quarto_on_path(), check=False,
        )
    finally:
        front.write_bytes(kept)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("cpstats: not published: quarto render of ") and "ERROR" in lines[-1], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "_site" / "sample" / "2017-18").exists()
