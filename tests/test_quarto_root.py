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
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


def test_a_successful_render_prints_no_error_line(root_render):
    """Quarto 1.7's filters on a pandoc newer than the 3.6 it was made for print "ERROR ... Don't know how to
    traverse TableBody" for every table of a render that succeeds; on the pandoc Quarto is meant to run on
    (the user guide's Quarto page, docs/guide/quarto.md, says which) a successful render says no ERROR."""
    _, _, _, quarto_says = root_render
    errors = [line for line in quarto_says.splitlines() if "ERROR" in line]
    assert errors == [], errors[:5]


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
    assert (project / ".gitignore").read_text(encoding="utf-8").splitlines().count("/.quarto/") == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Output:
    """Everything a process writes, read as it comes by a thread of its own (so the process never blocks on a
    full pipe), with a way to wait for a line."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            with self._changed:
                self.lines.append(re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", raw.decode("utf-8", "replace")).strip())
                self._changed.notify_all()
        with self._changed:
            self.lines.append(None)  # the end of the stream
            self._changed.notify_all()

    def wait_for(self, text: str, seconds: float) -> bool:
        """Whether a line holding ``text`` came within ``seconds`` (False as soon as the stream ends)."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while True:
                if any(line is not None and text in line for line in self.lines):
                    return True
                if None in self.lines or not self._changed.wait(max(0.0, deadline - time.monotonic())):
                    return any(line is not None and text in line for line in self.lines)

    def text(self) -> str:
        return "\n".join(line for line in self.lines if line is not None)

    def join(self, seconds: float) -> None:
        self._thread.join(seconds)


def _main_text(page: str) -> str:
    """The visible words of a page's <main>, for a message."""
    main = page[page.find("<main"):page.find("</main>")] if "<main" in page else page
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())[:300]


def test_quarto_preview_serves_the_front_page_with_the_authority(root_render):
    """``quarto preview`` at the root: the front page with the authority's name, the section page with its table.

    The port is free when chosen but only bound by Quarto once its pre-render step has run, tens of seconds later
    on a busy machine, and any process may take it in between (other test sessions choose theirs the same way):
    so nothing is asked of the port before Quarto says it serves there ("Browse at", printed once it listens),
    and Quarto's own log shows it answered each request. Quarto's output is read as it comes, so a long log
    never fills the pipe and stops the server.
    """
    project, _, _, _ = root_render
    port = _free_port()
    server = subprocess.Popen(["quarto", "preview", "--no-browser", "--port", str(port)], cwd=project,
                              env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    output = _Output(server.stdout)
    try:
        assert output.wait_for(f"Browse at http://localhost:{port}/", 600), f"quarto preview did not start:\n" \
                                                                              f"{output.text()[-3000:]}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=300) as answer:
            index = answer.read().decode("utf-8")
        assert "?meta" not in index and "Child Protection Annual Report of " in index, _main_text(index)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/notebooks/08_numbers.html", timeout=300) as answer:
            page = answer.read().decode("utf-8")
        assert "<table" in page, f"{_main_text(page)}\n---\n{output.text()[-3000:]}"
        assert output.wait_for("GET: /notebooks/08_numbers.html", 30) and server.poll() is None, output.text()[-3000:]
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the preview server and the processes it started, only these
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        output.join(30)
        server.stdout.close()


# ----------------------------------------------------------------- the prepared files Quarto reads, without Quarto


def _prepared(folder: Path) -> tuple[Path, bytes, str]:
    """A prepared folder as :func:`prepare` leaves it for one chapter: (folder, the committed notebook, its page)."""
    from cpstats.publish.quarto_root import FILTER, INDEX, filter_script

    prepared = folder / "_build" / "quarto-root"
    prepared.mkdir(parents=True)
    (folder / "notebooks").mkdir()
    notebook = (PROJECT_ROOT / "notebooks" / "08_numbers.ipynb").read_bytes()
    (folder / "notebooks" / "08_numbers.ipynb").write_bytes(notebook)
    page = '{"cells": [{"cell_type": "markdown", "id": "page", "metadata": {}, "source": ["# 8. Numbers\\n"]}], ' \
           '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'
    (prepared / "08_numbers.ipynb").write_text(page, encoding="utf-8")
    index = '{\n "' + hashlib.sha256(notebook).hexdigest() + '": "08_numbers.ipynb"\n}\n'
    (prepared / INDEX).write_text(index, encoding="utf-8")
    (prepared / FILTER).write_text(filter_script(prepared, "0" * 64), encoding="utf-8")
    return prepared, notebook, page


def _filter(prepared: Path, notebook: bytes) -> subprocess.CompletedProcess:
    """The ipynb-filter run as Quarto runs it: the script, from the notebook's folder, the notebook on stdin."""
    from cpstats.publish.quarto_root import FILTER

    return subprocess.run([sys.executable, os.path.relpath(prepared / FILTER, prepared.parent.parent / "notebooks")],
                          cwd=prepared.parent.parent / "notebooks", input=notebook, capture_output=True, check=False)


def test_the_chapter_filter_answers_a_chapter_with_its_page_and_another_notebook_with_itself(tmp_path):
    prepared, notebook, page = _prepared(tmp_path)
    answer = _filter(prepared, notebook)
    assert (answer.returncode, answer.stdout.decode()) == (0, page)
    other = notebook.replace(b"Number of Children", b"Number of children")
    answer = _filter(prepared, other)
    assert (answer.returncode, answer.stdout) == (0, other)


def test_a_chapter_filter_that_cannot_read_the_pages_fails_and_never_prints_the_bare_notebook(tmp_path):
    """Quarto keeps whatever the filter printed for a notebook, and a filter that prints nothing makes it use the
    notebook itself: a chapter whose index or page is missing, empty or half written is a failure (status 2, one
    line naming the folder and what to run), with nothing on standard output."""
    from cpstats.publish.quarto_root import INDEX

    prepared, notebook, _ = _prepared(tmp_path)
    index = (prepared / INDEX).read_text(encoding="utf-8")
    page = (prepared / "08_numbers.ipynb").read_text(encoding="utf-8")
    broken = [(INDEX, ""), (INDEX, index[:len(index) // 2]), (INDEX, "[]"), ("08_numbers.ipynb", ""),
              ("08_numbers.ipynb", page[:40]), (INDEX, None)]
    for name, text in broken:
        (prepared / name).unlink(missing_ok=True) if text is None else (prepared / name).write_text(text, encoding="utf-8")
        answer = _filter(prepared, notebook)
        said = answer.stderr.decode().strip()
        assert answer.returncode == 2 and answer.stdout == b"", (name, text, answer)
        assert "\n" not in said and str(prepared) in said and "cpstats quarto-prepare" in said, said
        (prepared / INDEX).write_text(index, encoding="utf-8")
        (prepared / "08_numbers.ipynb").write_text(page, encoding="utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=10_000))
def test_any_truncated_chapter_index_is_refused_not_passed_through(tmp_path_factory, cut):
    """Every strict prefix of the chapters' index short of its closing brace (what a reader of a file being
    rewritten in place could see): the notebook is never handed back as its own page."""
    import io

    from cpstats.publish.quarto_root import INDEX, serve_chapter

    prepared, notebook, _ = _prepared(tmp_path_factory.mktemp("prepared"))
    index = (prepared / INDEX).read_text(encoding="utf-8")
    (prepared / INDEX).write_text(index[:cut % index.rindex("}")], encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert serve_chapter(prepared, io.BytesIO(notebook), out, err) == 2
    assert out.getvalue() == "" and err.getvalue().count("\n") == 1


def test_a_prepared_file_is_replaced_whole_never_seen_half_written(tmp_path):
    """A reader reading while the file is rewritten again and again sees the old bytes or the new, nothing else."""
    import threading

    from cpstats.publish.quarto import _write_if_changed

    path = tmp_path / "chapters.json"
    versions = [("{" + "a" * 2_000_000 + "}").encode(), ("{" + "b" * 1_000_000 + "}").encode()]
    _write_if_changed(path, versions[0])
    seen, done = set(), threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(hashlib.sha256(path.read_bytes()).hexdigest())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(60):
            assert _write_if_changed(path, versions[(i + 1) % 2])
    finally:
        done.set()
        reader.join()
    assert seen <= {hashlib.sha256(v).hexdigest() for v in versions} and seen
    assert not _write_if_changed(path, versions[0 if path.read_bytes() == versions[0] else 1])
    assert [p.name for p in tmp_path.iterdir()] == ["chapters.json"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.sampled_from(["pages 1", "pages 2", "pages 3"]), min_size=2, max_size=6))
def test_a_rewritten_filter_is_dated_a_second_later_than_the_one_quarto_may_have_kept(tmp_path_factory, texts):
    """Quarto compares the filter's modification time to the second: each change of the filter, however quick,
    moves it to a later second, and an unchanged filter keeps its time."""
    from cpstats.publish.quarto_root import _write_filter

    path = tmp_path_factory.mktemp("filter") / "chapter_filter.py"
    previous_text, previous_second = None, None
    for text in texts:
        _write_filter(path, text)
        second = path.stat().st_mtime_ns // 1_000_000_000
        if previous_text is not None:
            assert second > previous_second if text != previous_text else second == previous_second
        assert path.read_text(encoding="utf-8") == text
        previous_text, previous_second = text, second
