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
import re
import sys
from pathlib import Path
from typing import Mapping, Sequence

import yaml

__all__ = ["PREPARED", "root_settings", "active_profiles", "prepare", "serve_chapter"]

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


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _write_bytes_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def _chapter(notebook: Path, build_dir: Path, links: str | None) -> str:
    """The chapter of one executed notebook: a copy in ``build_dir`` holding what a reader sees, as Markdown cells.

    Code is dropped; each Markdown output (sentences, tables, commentary, charts)
    becomes a Markdown cell, so its headings are in the page's contents. Charts,
    which the notebooks emit as ``data:`` URI images, are written to
    ``figures/<section>-<n>.svg`` and linked with ``fig-alt`` (the chart's text
    alternative, not a visible caption). ``links`` ends the chapter, in a cell
    tagged :data:`cpstats.publish.downloads.LINKS_TAG`.
    """
    import nbformat

    from cpstats.publish.downloads import LINKS_TAG
    from cpstats.publish.render import extract_figures, report_outputs

    node = nbformat.read(notebook, as_version=4)
    blocks: list[tuple[str, list[str]]] = []
    for cell in node.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if LINKS_TAG in tags:
            continue
        if cell.cell_type == "markdown":
            blocks.append((cell.source, tags))
        elif cell.cell_type == "code":
            for output in report_outputs(cell.get("outputs", [])):
                text = output.get("data", {}).get("text/markdown")
                if text:
                    blocks.append(("".join(text) if isinstance(text, list) else str(text), []))
    markdown = "\n\n<!-- cell -->\n\n".join(source for source, _ in blocks)
    markdown, figures = extract_figures(markdown, notebook.stem)
    markdown = _FIGURE.sub(lambda m: f'![](figures/{m["name"]}){{fig-alt="{_attribute(m["alt"])}"}}', markdown)
    if figures:
        (build_dir / "figures").mkdir(exist_ok=True)
        for name, data in figures.items():
            _write_bytes_if_changed(build_dir / "figures" / name, data)
    cells = [nbformat.v4.new_markdown_cell(source) for source in markdown.split("\n\n<!-- cell -->\n\n")]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    if links:
        cell = nbformat.v4.new_markdown_cell(links, metadata={"tags": [LINKS_TAG]})
        cell["id"] = LINKS_TAG
        cells.append(cell)
    copy = nbformat.v4.new_notebook(cells=cells, metadata=node.metadata)
    target = build_dir / notebook.name
    _write_bytes_if_changed(target, nbformat.writes(copy).encode("utf-8"))
    return target.name


_FIGURE = re.compile(r"!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(figures/(?P<name>[^)\s]+)\)")


def _attribute(alt: str) -> str:
    """Markdown image text as a quoted attribute value."""
    return re.sub(r"\\(.)", r"\1", alt).replace("\\", "\\\\").replace('"', '\\"')


def prepare(project_dir: Path, settings: Mapping[str, str], *, progress=None) -> Path:
    """Execute the report ``settings`` name and write its pages and metadata into ``project_dir/PREPARED``.

    Returns
    -------
    Path
        The folder written.
    """
    from cpstats.publish.build import _period, execute_report
    from cpstats.publish.quarto import FAVICON, _FAVICON_SVG

    project_dir = Path(project_dir).resolve()
    report = execute_report(
        settings["la"], settings["year"], data_root=project_dir / "data", build_root=project_dir / "_build",
        project_dir=project_dir, disclosure=settings.get("disclosure", "internal"), progress=progress,
    )
    prepared = project_dir / PREPARED
    prepared.mkdir(parents=True, exist_ok=True)
    chapters = {}
    for source, executed in zip(report.book.notebooks, report.executed):
        chapters[_digest(Path(source).read_bytes())] = _chapter(Path(executed), prepared, None)
    shown = {name for chapter in chapters.values()
             for name in re.findall(r"\]\(figures/([^)\s]+)\)", (prepared / chapter).read_text(encoding="utf-8"))}
    for chart in (prepared / "figures").glob("*"):  # e.g. another report's charts
        if chart.name not in shown:
            chart.unlink()
    _write_if_changed(prepared / INDEX, json.dumps(chapters, indent=1, sort_keys=True) + "\n")
    _write_if_changed(prepared / FAVICON, _FAVICON_SVG)
    subtitle = f"{report.la_name}, {report.year.label}"
    metadata = {
        "book": {"title": f"{report.book.title}: {subtitle}", "subtitle": _period(report.year),
                 "favicon": (PREPARED / FAVICON).as_posix()},
        **report.metadata,
        # Quarto runs the filter from the notebook's folder, so its path is relative to notebooks/
        "execute": {"ipynb-filters": [Path(os.path.relpath(prepared / FILTER, project_dir / "notebooks")).as_posix()]},
    }
    _write_if_changed(prepared / METADATA, yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True))
    # Quarto keeps each filtered notebook until the notebook or this script changes: the script names the pages'
    # digest, so it changes (and Quarto reads the notebooks again) exactly when the pages do
    pages = _digest("".join(sorted(_digest((prepared / n).read_bytes()) for n in chapters.values())).encode())
    _write_if_changed(prepared / FILTER, (
        '"""Quarto\'s ipynb-filter for the project root\'s book: written by cpstats (scripts/quarto_prepare.py)."""\n'
        f"# pages {pages}\n"
        "from cpstats.publish.quarto_root import serve_chapter\n\n"
        f"serve_chapter({str(prepared)!r})\n"
    ))
    return prepared


def serve_chapter(prepared: str | Path, stdin=None, stdout=None) -> None:
    """An ``ipynb-filter``: read a notebook on standard input, write its prepared page (or the notebook) out.

    A notebook is recognised by its bytes, so only the committed notebook that
    :func:`prepare` executed is answered with its page; its charts are linked
    from Quarto's working folder, the notebook's own.
    """
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout
    data = stdin.read()
    prepared = Path(prepared)
    try:
        chapters = json.loads((prepared / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        chapters = {}
    name = chapters.get(_digest(data))
    if name is None:
        stdout.write(data.decode("utf-8"))
        return
    notebook = json.loads((prepared / name).read_text(encoding="utf-8"))
    figures = Path(os.path.relpath(prepared / "figures", Path.cwd())).as_posix()
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["source"] = source.replace("](figures/", f"]({figures}/").splitlines(keepends=True)
    stdout.write(json.dumps(notebook, ensure_ascii=False))


def active_profiles(environ: Mapping[str, str] | None = None) -> list[str]:
    """The Quarto profiles in force: Quarto sets ``QUARTO_PROFILE`` for the scripts it runs (``--profile county``)."""
    environ = os.environ if environ is None else environ
    return [p.strip() for p in environ.get("QUARTO_PROFILE", "").split(",") if p.strip()]
