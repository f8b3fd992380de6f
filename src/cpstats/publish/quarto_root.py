"""The Quarto book at the project root: ``quarto render`` and ``quarto preview`` show one report.

``_quarto.yml`` at the root is a Quarto book (``index.qmd``, then the section
notebooks, which are committed without outputs). Quarto never executes them
(``execute: enabled: false``), so it never writes into them. Instead:

1. Quarto's ``pre-render`` step runs ``scripts/quarto_prepare.py``, which runs
   ``cpstats quarto-prepare``, which calls :func:`prepare`: the report named under ``cpstats:`` in ``_quarto.yml`` (an
   active Quarto profile's ``_quarto-<profile>.yml`` may name another) is
   executed by :func:`cpstats.publish.build.execute_report`, with the same
   papermill parameters and jupyter-cache as ``cpstats build`` (so a report
   ``cpstats build`` has executed is not executed again). Each section's page,
   as ``cpstats build --renderer quarto`` lays it out (code dropped, charts as
   SVG files with their text alternative), is written to :data:`PREPARED`
   (``_build/quarto-root/``), with a metadata file for the front page's
   ``{{< meta >}}`` shortcodes and the book's title.
2. That metadata file (``metadata-files`` in ``_quarto.yml``; Quarto skips it
   while it does not exist) names an ``ipynb-filter``, which Quarto runs on each
   notebook it reads: :func:`serve_chapter` answers a committed notebook with
   its prepared page.

Everything written goes to ``_build/`` (ignored by git) and Quarto's output
folder; the notebooks are only read.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Mapping, Sequence

import yaml

__all__ = ["PREPARED", "root_settings", "active_profiles", "prepare", "serve_chapter", "filter_script"]

PREPARED = Path("_build") / "quarto-root"
"""Where :func:`prepare` writes, relative to the project root."""

METADATA = "metadata.yml"
FILTER = "chapter_filter.py"
INDEX = "chapters.json"


def root_settings(project_dir: Path, profiles: Sequence[str] = ()) -> dict:
    """The ``cpstats:`` settings of ``_quarto.yml``, each active profile's ``_quarto-<profile>.yml`` overriding.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "_quarto.yml").write_text("cpstats:\\n  la: sample\\n  year: 2017-18\\n")
    >>> _ = (folder / "_quarto-county.yml").write_text("cpstats:\\n  la: county\\n")
    >>> root_settings(folder, ["county"])
    {'la': 'county', 'year': '2017-18', 'disclosure': 'internal'}
    """
    settings = {"la": "sample", "year": "2017-18", "disclosure": "internal"}
    for name in ["_quarto.yml", *(f"_quarto-{profile}.yml" for profile in profiles if profile)]:
        path = Path(project_dir) / name
        if path.exists():
            config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            settings.update({key: str(value) for key, value in (config.get("cpstats") or {}).items()})
    return settings


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file holds it already, in one rename (see :func:`cpstats.publish.quarto._write_if_changed`)."""
    from cpstats.publish.quarto import _write_if_changed as write_bytes

    return write_bytes(Path(path), text.encode("utf-8"))


def _write_filter(path: Path, text: str) -> None:
    """Write the ipynb-filter so that Quarto sees it changed whenever it did.

    Quarto keeps what an ipynb-filter printed for a notebook (its filtered-notebook cache, one per Quarto
    installation or user) until the notebook's or the filter's modification time changes, and compares those
    times to the second (``Date.toUTCString()``). A filter rewritten within the second it was last written
    would look unchanged and Quarto would keep serving the pages of the earlier one: so a filter that changed
    is dated at least one whole second after the one it replaces.
    """
    path = Path(path)
    try:
        before = path.stat().st_mtime_ns // 1_000_000_000
    except FileNotFoundError:
        before = None
    if _write_if_changed(path, text) and before is not None and path.stat().st_mtime_ns // 1_000_000_000 <= before:
        later = (before + 1) * 1_000_000_000
        os.utime(path, ns=(later, later))


def _relinked(blocks, prefix: str):
    """The blocks with every image's ``figures/...`` target put under ``prefix`` (where the page is read from)."""
    if isinstance(blocks, list):
        return [_relinked(b, prefix) for b in blocks]
    if isinstance(blocks, dict):
        if blocks.get("t") == "Image":
            attr, inlines, (target, title) = blocks["c"]
            if target.startswith("figures/"):
                target = f"{prefix}/{target}"
            return {"t": "Image", "c": [attr, inlines, [target, title]]}
        return {k: _relinked(v, prefix) for k, v in blocks.items()}
    return blocks


def _check_commentary_tables(project_dir: Path, la: str, year: str) -> None:
    """The key plan and the local figures, checked as ``cpstats build`` checks them before any notebook runs."""
    from cpstats.data.contract import DataValidationError, Problem
    from cpstats.data.dataset import check_key_plan, check_local_figures
    from cpstats.data.paths import folder_files_problems

    shown = f"commentary/{la}/{year}"
    folder = Path(project_dir) / shown
    links = [Problem(f"{shown}/{name}", None, None, why)
             for name, why in folder_files_problems(folder, Path(project_dir) / "commentary")]
    if links:  # a named pipe would block, a link out of commentary/ would publish what it names
        raise DataValidationError(links)
    problems = [*check_key_plan(folder / "19_key_plan.csv", f"{shown}/19_key_plan.csv"),
                *check_local_figures(folder / "local_figures.csv", f"{shown}/local_figures.csv")]
    if problems:
        raise DataValidationError(problems)


def prepare(project_dir: Path, settings: Mapping[str, str], *, progress=None) -> Path:
    """Execute the report ``settings`` name and write its pages and metadata into ``project_dir/PREPARED``.

    Returns
    -------
    Path
        The folder written.
    """
    from cpstats.publish.build import _period, execute_report
    from cpstats.publish.quarto import _BLOCKS_LUA, _FAVICON_SVG, BLOCKS_FILTER, FAVICON, _write_page, markdown_text
    from cpstats.publish.quarto import _write_if_changed as _write_bytes_if_changed
    from cpstats.publish.render import Section, notebooks_blocks

    project_dir = Path(project_dir).resolve()
    _check_commentary_tables(project_dir, settings["la"], settings["year"])
    report = execute_report(
        settings["la"], settings["year"], data_root=project_dir / "data", build_root=project_dir / "_build",
        project_dir=project_dir, disclosure=settings.get("disclosure", "internal"), progress=progress,
    )
    prepared = project_dir / PREPARED
    (prepared / "figures").mkdir(parents=True, exist_ok=True)
    chapters, shown = {}, set()
    pages = notebooks_blocks([Path(executed) for executed in report.executed])  # their Markdown in one pandoc run
    for source, executed, (title, blocks, figures) in zip(report.book.notebooks, report.executed, pages):
        # each page as `cpstats build --renderer quarto` lays it out: its title (escaped by pandoc's Markdown
        # writer) and a div the Lua filter replaces with the page's pandoc document, so Quarto reads no text from
        # the data or the commentary as Markdown. Paths are as Quarto sees them from the notebook's folder.
        stem, here = Path(executed).stem, Path(source).resolve().parent
        _write_page(prepared, Section(stem, title,
                                      blocks=_relinked(blocks, Path(os.path.relpath(prepared, here)).as_posix())))
        for name, data in figures.items():
            _write_bytes_if_changed(prepared / "figures" / name, data)
            shown.add(name)
        page = (prepared / f"{stem}.qmd").read_text(encoding="utf-8").replace(
            f'src="{stem}.json"', f'src="{Path(os.path.relpath(prepared / (stem + ".json"), here)).as_posix()}"')
        notebook = {"cells": [{"cell_type": "markdown", "id": "page", "metadata": {},
                               "source": page.splitlines(keepends=True)}],
                    "metadata": json.loads(Path(source).read_text(encoding="utf-8")).get("metadata", {}),
                    "nbformat": 4, "nbformat_minor": 5}
        _write_if_changed(prepared / f"{stem}.ipynb", json.dumps(notebook, ensure_ascii=False, indent=1) + "\n")
        chapters[_digest(Path(source).read_bytes())] = f"{stem}.ipynb"
    for chart in (prepared / "figures").glob("*"):  # e.g. another report's charts
        if chart.name not in shown:
            chart.unlink()
    _write_if_changed(prepared / BLOCKS_FILTER, _BLOCKS_LUA)
    _write_if_changed(prepared / INDEX, json.dumps(chapters, indent=1, sort_keys=True) + "\n")
    _write_if_changed(prepared / FAVICON, _FAVICON_SVG)
    if "{{" in report.la_name:  # Quarto reads shortcodes in metadata text, escaped or not
        from cpstats.data.contract import DataValidationError, Problem

        raise DataValidationError([Problem("la.yaml", None, "name", "holds '{{', which Quarto would read as the start "
                                           "of a shortcode in the book's title; quarto render at the root refuses it")])
    subtitle = f"{report.la_name}, {report.year.label}"
    # Quarto reads metadata text as Markdown: text from the data goes in escaped, so it reads back as text
    metadata = {
        "book": {"title": markdown_text(f"{report.book.title}: {subtitle}"), "subtitle": _period(report.year),
                 "favicon": (PREPARED / FAVICON).as_posix()},
        **report.metadata, "la-name": markdown_text(report.la_name),
        # Quarto runs the filter from the notebook's folder, so its path is relative to notebooks/
        "execute": {"ipynb-filters": [Path(os.path.relpath(prepared / FILTER, project_dir / "notebooks")).as_posix()]},
        "filters": [{"path": (prepared / BLOCKS_FILTER).as_posix(), "at": "post-quarto"}],
    }
    _write_if_changed(prepared / METADATA, yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True))
    # Quarto keeps each filtered notebook until the notebook or this script changes: the script names the pages'
    # digest, so it changes (and Quarto reads the notebooks again) exactly when the pages do
    pages = _digest("".join(sorted(_digest((prepared / n).read_bytes()) for n in chapters.values())).encode())
    _write_filter(prepared / FILTER, filter_script(prepared, pages))
    return prepared


def filter_script(prepared: Path, pages: str) -> str:
    """The ipynb-filter Quarto runs on each notebook it reads: :func:`serve_chapter` of ``prepared``.

    ``pages`` (the digest of the prepared pages) is written into it, so the script changes, and Quarto reads the
    notebooks again, exactly when the pages do.
    """
    return ('"""Quarto\'s ipynb-filter for the project root\'s book: written by cpstats (scripts/quarto_prepare.py)."""\n'
            f"# pages {pages}\n"
            "import sys\n\n"
            "from cpstats.publish.quarto_root import serve_chapter\n\n"
            f"sys.exit(serve_chapter({str(prepared)!r}))\n")


def serve_chapter(prepared: str | Path, stdin=None, stdout=None, stderr=None) -> int:
    """An ``ipynb-filter``: read a notebook on standard input, write its prepared page (or the notebook) out.

    A notebook is recognised by its bytes, so only the committed notebook that
    :func:`prepare` executed is answered with its page: a title and a div that
    the Lua filter (``cpstats-blocks.lua``) replaces with the page's pandoc document.
    A notebook :func:`prepare` did not lay out (not a chapter of the book) is written out as it is.

    Returns
    -------
    int
        The exit status: 0, or 2 when the chapters' index or a page cannot be read (one line on ``stderr``,
        nothing on ``stdout``). Quarto keeps what the filter printed (see :func:`_write_filter`), so a chapter is
        never answered with the bare notebook, a page without its tables that Quarto would go on serving: the
        page fails, and the next render reads the prepared files again.
    """
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    data = stdin.read()
    prepared = Path(prepared)
    try:
        chapters = json.loads((prepared / INDEX).read_text(encoding="utf-8"))
        if not isinstance(chapters, dict):
            raise ValueError("not a JSON object")
        name = chapters.get(_digest(data))
        if name is None:
            stdout.write(data.decode("utf-8"))
            return 0
        page = (prepared / name).read_text(encoding="utf-8")
        if not isinstance(json.loads(page), dict):
            raise ValueError(f"{name} is not a notebook")
    except (OSError, ValueError) as exc:
        print(f"cpstats: the pages in {prepared} cannot be read ({exc}); run `cpstats quarto-prepare` "
              "(quarto render runs it first)", file=stderr)
        return 2
    stdout.write(page)
    return 0


def active_profiles(environ: Mapping[str, str] | None = None) -> list[str]:
    """The Quarto profiles in force: Quarto sets ``QUARTO_PROFILE`` for the scripts it runs (``--profile county``)."""
    environ = os.environ if environ is None else environ
    return [p.strip() for p in environ.get("QUARTO_PROFILE", "").split(",") if p.strip()]
