"""The published site in a real browser: headless Chromium, driven by Playwright, over HTTP on 127.0.0.1.

Every page of the public sample site is opened: no console error, no failed
request, every link and download answers 200, every image is shown and has a
text alternative, the page is British English, and its headings go down one
level at a time. A full-page screenshot of each is kept in
``_build/screenshots/``. The browser is Debian's ``chromium`` (``make test``
installs it when missing); these tests never skip.
"""

from __future__ import annotations

import functools
import threading
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from tests.sample_builds import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = PROJECT_ROOT / "_build" / "screenshots"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A browser that stops reading a download it does not need is no error of the site."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module", params=["builtin", "quarto"])
def server(request):
    """The public site, from each renderer, served on 127.0.0.1 (a free port), for the length of the module."""
    report = request.getfixturevalue("public_report" if request.param == "builtin" else "quarto_report")
    handler = functools.partial(_QuietHandler, directory=str(report.out_root))
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", report.out_root, request.param
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def visits(server):
    """Each page opened in Chromium: what the browser saw, and a screenshot kept in _build/screenshots."""
    from playwright.sync_api import sync_playwright

    base, root, renderer = server
    shots = SCREENSHOTS if renderer == "builtin" else SCREENSHOTS / renderer
    pages = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))
    shots.mkdir(parents=True, exist_ok=True)
    seen = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            for name in pages:
                page = context.new_page()
                problems: list[str] = []
                page.on("console", lambda m, problems=problems: problems.append(f"console {m.type}: {m.text}")
                        if m.type in ("error", "warning") else None)
                page.on("pageerror", lambda e, problems=problems: problems.append(f"page error: {e}"))
                page.on("requestfailed", lambda r, problems=problems: problems.append(f"request failed: {r.url}"))
                page.on("response", lambda r, problems=problems: problems.append(f"HTTP {r.status}: {r.url}")
                        if r.status >= 400 else None)
                response = page.goto(f"{base}/{name}", wait_until="load")
                seen[name] = {
                    "status": response.status if response else None,
                    "problems": problems,
                    "lang": page.evaluate("document.documentElement.getAttribute('lang')"),
                    "headings": page.evaluate(
                        "Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))"
                        ".map(h => [Number(h.tagName[1]), h.textContent.trim()])"),
                    "images": page.evaluate(
                        "Array.from(document.images).map(i => [i.getAttribute('src'), i.getAttribute('alt'),"
                        " i.complete && i.naturalWidth > 0])"),
                    "links": page.evaluate(
                        "Array.from(document.querySelectorAll('a[href], link[href], img[src]'))"
                        ".map(e => e.href || e.src)"),
                    "ids": page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)"),
                }
                page.screenshot(path=str(shots / (name.replace("/", "__").removesuffix(".html") + ".png")),
                                full_page=True)
                page.close()
        finally:
            browser.close()
    return base, seen, shots


def test_every_page_opens_without_console_errors_or_failed_requests(visits):
    """Each page answers 200 and the browser reports no error, warning or failed request."""
    _, seen, _ = visits
    assert len(seen) >= 3
    assert {name: (v["status"], v["problems"]) for name, v in seen.items() if v["status"] != 200 or v["problems"]} == {}


def test_every_link_and_download_resolves(visits):
    """Every link, stylesheet, image and download on every page answers HTTP 200 (or names an anchor that exists)."""
    base, seen, _ = visits
    broken, checked = [], set()
    for name, visit in seen.items():
        for link in visit["links"]:
            url, fragment = urldefrag(link)
            if urlparse(url).scheme not in ("http", "https"):
                continue
            assert url.startswith(base), f"{name} links outside the site: {link}"
            if fragment and url == f"{base}/{name}":
                if fragment not in visit["ids"]:
                    broken.append((name, link))
                continue
            if url in checked:
                continue
            checked.add(url)
            try:
                with urllib.request.urlopen(url, timeout=30) as answer:
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            if status != 200:
                broken.append((name, link, status))
    assert broken == []
    assert any(u.endswith(".pdf") for u in checked)
    print(f"links and downloads checked: {len(checked)}")


def test_every_image_is_shown_and_has_a_text_alternative(visits):
    """Every chart image loads and has non-empty alt text."""
    _, seen, _ = visits
    images = [(name, src, alt, shown) for name, v in seen.items() for src, alt, shown in v["images"]]
    assert images
    assert [(name, src) for name, src, alt, shown in images if not (alt or "").strip() or not shown] == []


def test_every_page_is_british_english(visits):
    """<html lang="en-GB"> on every page."""
    _, seen, _ = visits
    assert {name: v["lang"] for name, v in seen.items() if v["lang"] != "en-GB"} == {}


def test_headings_start_at_level_1_and_skip_no_level(visits):
    """Each page has one h1, first; each heading is at most one level below the one before."""
    _, seen, _ = visits
    wrong = {}
    for name, visit in seen.items():
        levels = [level for level, _ in visit["headings"]]
        if not levels or levels[0] != 1 or levels.count(1) != 1 or any(b > a + 1 for a, b in zip(levels, levels[1:])):
            wrong[name] = visit["headings"]
    assert wrong == {}


def test_a_screenshot_of_every_page_is_kept(visits):
    """_build/screenshots/ (quarto/ for Quarto's pages) holds a PNG of each page."""
    _, seen, shots = visits
    for name in seen:
        shot = shots / (name.replace("/", "__").removesuffix(".html") + ".png")
        assert shot.is_file() and shot.stat().st_size > 1000, shot
