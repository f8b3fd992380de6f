"""Every page checked by axe-core, a real accessibility engine, at WCAG 2.2 AA: no violation.

axe-core (the copy bundled in the PyPI package ``axe-playwright-python``) is injected with Playwright into every
HTML page of four sites: the public sample and the public county report for 2017-18, each laid out by the
built-in renderer and by Quarto. Each page is served over HTTP on 127.0.0.1, opened in Debian's Chromium at
1280 px and at a phone's 390 px, and checked against the rules axe tags ``wcag2a``, ``wcag2aa``, ``wcag21a``,
``wcag21aa`` and ``wcag22aa``. What axe found is written to ``_build/axe/<site>.json`` (page, viewport, rule,
impact, elements), and the test fails on any violation, naming page, rule and element.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from pathlib import Path

import pytest

from tests.sample_builds import PROJECT_ROOT
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _QuietHandler, _Server

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
"""The axe-core tags of the success criteria of WCAG 2.0, 2.1 and 2.2 at levels A and AA."""
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
RESULTS = PROJECT_ROOT / "_build" / "axe"
SITES = {
    "sample-builtin": "public_report",
    "sample-quarto": "quarto_report",
    "county-builtin": "county_public_report",
    "county-quarto": "county_quarto_report",
}


def axe_version() -> str:
    """The version of the axe-core the tests inject, from its own header."""
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT.split("axe v", 1)[1].split()[0]


@contextlib.contextmanager
def served(root: Path):
    """The folder ``root`` served over HTTP on 127.0.0.1 (a free port): its base URL, for the length of the block."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def check_site(root: Path) -> tuple[list[dict], list[str]]:
    """Every page under ``root`` served on 127.0.0.1 and checked by axe-core at each viewport: the violations
    found and the pages checked."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    pages = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))
    axe, found = Axe(), []
    options = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    with served(root) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for viewport, size in VIEWPORTS.items():
                page = browser.new_context(viewport=size).new_page()
                for name in pages:
                    page.goto(f"{base}/{name}", wait_until="load")
                    for violation in axe.run(page, options=options).response["violations"]:
                        found.append({
                            "page": name, "viewport": viewport, "rule": violation["id"],
                            "impact": violation["impact"], "help": violation["help"],
                            "elements": [" ".join(map(str, node["target"])) for node in violation["nodes"]],
                        })
                page.context.close()
        finally:
            browser.close()
    return found, pages


@pytest.fixture(scope="module", params=list(SITES))
def axe_results(request):
    """One site's pages checked by axe-core: (site, pages, violations); kept in ``_build/axe/<site>.json``."""
    report = request.getfixturevalue(SITES[request.param])
    violations, pages = check_site(report.out_root)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{request.param}.json").write_text(json.dumps(
        {"axe-core": axe_version(), "tags": WCAG_22_AA, "pages": len(pages), "viewports": list(VIEWPORTS),
         "violations": violations}, indent=1) + "\n", encoding="utf-8")
    return request.param, pages, violations


def test_axe_core_finds_no_violation_of_wcag_2_2_aa_on_any_page(axe_results):
    """axe-core reports no violation of WCAG 2.2 AA on any page of the site, at 1280 px or at 390 px."""
    site, pages, violations = axe_results
    assert len(pages) > 20
    elements = sum(len(v["elements"]) for v in violations)
    print(f"{site}: {len(pages)} pages, axe-core {axe_version()}: {len(violations)} violations ({elements} elements)")
    assert [f"{v['page']} at {v['viewport']}: {v['rule']} ({v['impact']}) {v['elements'][:3]}" for v in violations] == []


def test_the_engine_finds_a_violation_it_should():
    """The same check on a page with an image without alt text and a link without words reports both."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "bad.html").write_text(
            '<!DOCTYPE html><html lang="en-GB"><head><title>Bad</title></head><body><main><h1>Bad</h1>'
            '<img src="x.png"><a href="y.html"></a></main></body></html>', encoding="utf-8")
        violations, _ = check_site(Path(folder))
    assert {"image-alt", "link-name"} <= {v["rule"] for v in violations}
