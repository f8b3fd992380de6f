"""The Quarto book at the project root, against a real Quarto: ``quarto render`` and ``quarto preview``.

Both run in the copy of the project that ``quarto_report`` built (public, sample, 2017-18), with the
shipped ``public`` profile, so the pre-render step finds every notebook in the execution cache. The
copy is made a git repository first, so ``git status`` says whether Quarto wrote anything a
developer would commit. Skipped, with the reason, only where no Quarto exists.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.quarto_builds import quarto_on_path
from tests.sample_builds import PROJECT_ROOT


def _environment() -> dict:
    env = quarto_on_path()
    env["QUARTO_PYTHON"] = env.get("QUARTO_PYTHON") or sys.executable
    env["QUARTO_PROFILE"] = "public"
    return env


def _git(project: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=cpstats", "-c", "user.email=cpstats@example.org", *args],
                          cwd=project, capture_output=True, text=True, check=True).stdout


def _cells(page: str) -> list[list[str]]:
    """Each table of a page as the text of its cells."""
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table, re.DOTALL)]
            for table in re.findall(r"<table.*?</table>", page, re.DOTALL)]


def _hashes(project: Path) -> dict[str, str]:
    return {name: hashlib.sha256((project / name).read_bytes()).hexdigest()
            for name in _git(project, "ls-files").splitlines()}


@pytest.fixture(scope="module")
def root_render(quarto_report):
    """``quarto render`` at the root of the built copy, once: (project, seconds, hashes before, Quarto's output)."""
    project = quarto_report.project
    if not (project / ".git").exists():
        _git(project, "init", "-q")
        _git(project, "add", "-A")
        _git(project, "commit", "-q", "-m", "the project as copied")
    before = _hashes(project)
    started = time.monotonic()
    result = subprocess.run(["quarto", "render"], cwd=project, env=_environment(), capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return project, time.monotonic() - started, before, result.stderr


def test_quarto_render_at_the_root_makes_the_reports_pages_with_its_tables_and_charts(root_render, quarto_report):
    """Every section's page, with the tables of ``cpstats build``'s page and its charts as SVG files with alt text."""
    project, _, _, quarto_says = root_render
    assert "laid out in _build/quarto-root/" in quarto_says
    assert " executed (" not in quarto_says  # every notebook from the execution cache `cpstats build` filled
    book = project / "_book"
    built = quarto_report.report
    sections = sorted(path.stem for path in built.glob("[0-9][0-9]_*.html"))
    assert len(sections) == 20
    for section in sections:
        page = (book / "notebooks" / f"{section}.html").read_text(encoding="utf-8")
        expected = (built / f"{section}.html").read_text(encoding="utf-8")
        assert _cells(page) == _cells(expected), section
    numbers = (book / "notebooks" / "08_numbers.html").read_text(encoding="utf-8")
    assert _cells(numbers) and any("Referrals" in table for table in _cells(numbers))
    images = re.findall(r"<img[^>]*>", numbers)
    assert images
    for image in images:
        source = re.search(r'src="([^"]+)"', image).group(1)
        assert source.endswith(".svg") and (book / "notebooks" / source).resolve().is_file(), source
        assert "<svg" in (book / "notebooks" / source).read_text(encoding="utf-8")[:2000]
        assert re.search(r'alt="[^"]{20,}"', image), image[:200]
    assert "data:image" not in numbers


def test_the_front_page_names_the_authority_and_year(root_render):
    """No ``?meta:`` left: the pre-render step's metadata fills the front page's shortcodes."""
    project, _, _, _ = root_render
    index = (project / "_book" / "index.html").read_text(encoding="utf-8")
    name = __import__("yaml").safe_load((project / "data" / "sample" / "la.yaml").read_text())["name"]
    assert "?meta" not in index
    assert f"Child Protection Annual Report of {html.escape(name, quote=False)} for 2017-18" in index
    assert re.search(r'<link[^>]*rel="icon"', index)
    # the public profile: the privacy note of a public report, not the draft's warning
    assert "How we protect privacy in this report" in index and "internal draft" not in index


def test_quarto_render_writes_nothing_git_would_commit(root_render):
    """Tracked files keep their bytes (notebooks included) and nothing new appears outside ignored folders."""
    project, _, before, _ = root_render
    assert _hashes(project) == before
    assert _git(project, "status", "--porcelain") == ""
    assert (project / "_book").is_dir() and (project / "_build" / "quarto-root").is_dir()
    assert (project / ".gitignore").read_text(encoding="utf-8").count("/.quarto/") == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_quarto_preview_serves_the_front_page_with_the_authority(root_render):
    """``quarto preview`` at the root: the front page with the authority's name, the section page with its table."""
    project, _, _, _ = root_render
    port = _free_port()
    server = subprocess.Popen(["quarto", "preview", "--no-browser", "--port", str(port)], cwd=project,
                              env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        index = None
        deadline = time.monotonic() + 300
        while index is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as answer:
                    index = answer.read().decode("utf-8")
            except OSError:
                time.sleep(2)
        assert index is not None, "quarto preview served nothing"
        assert "?meta" not in index and "Child Protection Annual Report of " in index
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/notebooks/08_numbers.html", timeout=120) as answer:
            assert "<table" in answer.read().decode("utf-8")
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the preview server and the processes it started, only these
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        server.stdout.close()
