"""Internal drafts and public reports never share a tree.

A draft build (``--disclosure internal``, the default) and then a public build of the sample into
one project: the draft goes to ``_drafts/``, marked on every page and every PDF page; ``_site/``
holds the public report only, no version or revision of the draft, no count the draft showed and
the public report withheld.
"""

from __future__ import annotations

import json

import pytest

from tests.sample_builds import LA, YEAR, html_text

MARK = "Internal draft, not for publication: contains small numbers"
IDENTIFICATION = "very unlikely that a child, family or other person could be identified"


@pytest.fixture(scope="module")
def both(public_report):
    """A draft, then a public build, of the sample into one project (the session's public build, see
    tests/sample_builds.py, is made so)."""
    return public_report.project, public_report.draft, public_report.report


def test_draft_goes_to_drafts_and_public_to_site(both):
    project, draft, public = both
    assert draft == project / "_drafts" / LA / YEAR
    assert public == project / "_site" / LA / YEAR
    assert json.loads((draft / "manifest.json").read_text())["parameters"]["disclosure"] == "internal"
    manifests = [json.loads(p.read_text()) for p in (project / "_site").rglob("manifest.json")]
    assert manifests and {m["parameters"]["disclosure"] for m in manifests} == {"public"}
    assert not (public / "versions").exists() and not (public / "revisions.html").exists()
    assert json.loads((public / "manifest.json").read_text())["version"] == 1


def test_site_holds_no_count_the_draft_showed_and_the_public_report_withheld(both):
    """Every figure withheld in public is not in _site's figures, pages or revisions with its draft value."""
    project, draft, public = both
    draft_figures = json.loads((draft / "figures.json").read_text())
    public_figures = json.loads((public / "figures.json").read_text())
    withheld = {k: v for k, v in draft_figures.items() if public_figures.get(k) == "[c]"}
    assert withheld, "the sample has small counts the public report withholds"
    for path in (project / "_site").rglob("*.json"):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "referrals" in data:  # a figures.json
            assert all(data.get(k) == "[c]" for k in withheld), path
    assert not any("versions" in p.parts for p in (project / "_site").rglob("*"))


def test_every_draft_page_carries_the_banner_and_says_it_identifies(both):
    project, draft, public = both
    pages = sorted((project / "_drafts").rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        assert MARK in html_text(page.read_text(encoding="utf-8")), page
    front = html_text((draft / "about.html").read_text(encoding="utf-8"))
    assert IDENTIFICATION not in front and "could be identified" in front
    for page in sorted((project / "_site").rglob("*.html")):
        assert MARK not in page.read_text(encoding="utf-8"), page
    public_front = html_text((public / "about.html").read_text(encoding="utf-8"))
    assert IDENTIFICATION in " ".join(public_front.split())


def test_every_pdf_page_of_the_draft_carries_the_mark_and_no_public_page_does(both):
    from pypdf import PdfReader

    _, draft, public = both
    pages = PdfReader(next(draft.glob("*.pdf"))).pages
    assert len(pages) > 10
    missing = [n for n, page in enumerate(pages, 1) if MARK not in " ".join(page.extract_text().split())]
    assert missing == []
    public_pages = PdfReader(next(public.glob("*.pdf"))).pages
    assert not [n for n, page in enumerate(public_pages, 1) if MARK in " ".join(page.extract_text().split())]
    whole = " ".join(" ".join(p.extract_text() for p in public_pages).split())
    assert IDENTIFICATION in whole


def test_a_public_build_over_a_site_holding_a_draft_keeps_nothing_of_it(both):
    """A site from before drafts had a tree of their own: the public build replaces the draft, keeps no version."""
    import shutil

    from cpstats.publish.build import build_report

    project, draft, _ = both
    old_site = project / "_old_site"
    shutil.copytree(draft, old_site / LA / YEAR)  # the old layout: a draft in the public site
    public = build_report(LA, YEAR, data_root=project / "data", out_root=old_site, build_root=project / "_build",
                          renderer="builtin", project_dir=project, disclosure="public")
    assert public == old_site / LA / YEAR
    assert not (public / "versions").exists() and not (public / "revisions.json").exists()
    assert json.loads((public / "manifest.json").read_text())["version"] == 1
    assert MARK not in (public / "index.html").read_text(encoding="utf-8")
