"""The Quarto book: read the project's ``_quarto.yml``, write the one used to render a build.

``_quarto.yml`` at the project root is the one source of truth for the book's
title, language and chapter list (the front page ``index.qmd``, then the
section notebooks in order). The built-in renderer reads it through
:func:`read_book_config`; when Quarto is installed, :func:`write_build_project`
writes a Quarto book project over the executed notebooks of one build and
:func:`render_with_quarto` renders it.

The front page is ``index.qmd`` (a Quarto book's home page must be an
``index`` file); the build project writes its own copy. Metadata the front page shows (authority
name, reporting year) is written into the build's ``_quarto.yml`` and used in
``index.qmd`` through Quarto's ``{{< meta key >}}`` shortcode.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import yaml

__all__ = [
    "BookConfig",
    "HTML_FORMAT",
    "QuartoError",
    "read_book_config",
    "book_project",
    "write_build_project",
    "quarto_executable",
    "render_with_quarto",
    "quarto_message",
    "renderer_name",
]


class QuartoError(RuntimeError):
    """``quarto render`` failed, or ``_quarto.yml`` is not a book this project can build."""


@dataclass(frozen=True)
class BookConfig:
    """What the report book is made of, as ``_quarto.yml`` says.

    Attributes
    ----------
    title : str
        The book's title.
    chapters : tuple of str
        Paths relative to the project root: the front page, then the sections.
    lang : str
        Language tag of the report, e.g. ``en-GB``.
    formats : tuple of str
        Output formats named under ``format``, e.g. ``("html", "pdf")``.
    root : Path
        The folder ``_quarto.yml`` is in.
    execute : Mapping
        The ``execute`` options (the report is never executed by Quarto).
    """

    title: str
    chapters: tuple[str, ...]
    lang: str = "en-GB"
    formats: tuple[str, ...] = ("html", "pdf")
    root: Path = Path(".")
    execute: Mapping = field(default_factory=dict)

    @property
    def front_page(self) -> Path:
        """The front page (the first chapter), e.g. ``index.qmd``."""
        return self.root / self.chapters[0]

    @property
    def notebooks(self) -> list[Path]:
        """The section notebooks, in the book's order."""
        return [self.root / chapter for chapter in self.chapters[1:]]


def _chapter_paths(chapters: Sequence) -> tuple[str, ...]:
    """Flatten Quarto's chapter list, which may hold ``part`` entries with their own chapters."""
    paths: list[str] = []
    for entry in chapters:
        if isinstance(entry, str):
            paths.append(entry)
        elif isinstance(entry, Mapping):
            if "part" in entry and not str(entry["part"]).endswith((".qmd", ".md", ".ipynb")):
                paths.extend(_chapter_paths(entry.get("chapters", [])))
            else:
                paths.extend(str(entry.get(key)) for key in ("part", "href", "file") if entry.get(key))
                paths.extend(_chapter_paths(entry.get("chapters", [])))
    return tuple(paths)


def read_book_config(path: Path | str) -> BookConfig:
    """Read the book's title, chapters, language and formats from ``_quarto.yml``.

    Parameters
    ----------
    path : Path or str
        The ``_quarto.yml`` file.

    Returns
    -------
    BookConfig

    Raises
    ------
    QuartoError
        If the file is not a Quarto book project with a title and chapters.
    """
    path = Path(path)
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if (config.get("project") or {}).get("type") != "book":
        raise QuartoError(f"{path}: project type must be 'book'")
    book = config.get("book") or {}
    if not book.get("title") or not book.get("chapters"):
        raise QuartoError(f"{path}: book needs a title and a list of chapters")
    return BookConfig(
        title=str(book["title"]),
        chapters=_chapter_paths(book["chapters"]),
        lang=str(config.get("lang", "en-GB")),
        formats=tuple(config.get("format") or ()),
        root=path.parent,
        execute=dict(config.get("execute") or {}),
    )


HTML_FORMAT = {"number-sections": False, "toc": True, "toc-location": "body", "toc-title": "On this page",
               "toc-depth": 3, "code-fold": False}
"""Quarto's HTML options for the report's pages, here and in the root ``_quarto.yml``: the page's contents come
after its ``<h1>`` (``toc-location: body``), so headings go down in order."""


def book_project(
    book: BookConfig,
    notebooks: Sequence[str],
    *,
    subtitle: str,
    output_dir: str,
    output_file: str,
    metadata: Mapping[str, str],
    favicon: str | None = None,
) -> dict:
    """The ``_quarto.yml`` contents for rendering one build, as a dict.

    Parameters
    ----------
    book : BookConfig
        The project's book.
    notebooks : sequence of str
        The executed notebooks, relative to the build folder, in order.
    subtitle : str
        E.g. ``"Rutland County Council, 2017-18"``.
    output_dir : str
        Where Quarto writes the site, relative to the build folder.
    output_file : str
        The PDF's name without extension.
    metadata : mapping
        Extra document metadata, available to ``{{< meta key >}}``.
    """
    book_config = {
        # the authority and year are in every page's <title>, as in the built-in renderer's pages
        "title": f"{book.title}: {subtitle}" if subtitle else book.title,
        "output-file": output_file,
        "chapters": ["index.qmd", *notebooks],
    }
    if favicon:
        book_config["favicon"] = favicon
    return {
        "project": {"type": "book", "output-dir": output_dir},
        "book": book_config,
        "lang": book.lang,
        "execute": {"enabled": False, "echo": False},
        "format": {
            "html": dict(HTML_FORMAT),
            "pdf": {"number-sections": False, "toc": True, "papersize": "a4"},
        },
        **dict(metadata),
    }


def write_build_project(
    build_dir: Path,
    book: BookConfig,
    notebooks: Sequence[Path],
    *,
    subtitle: str,
    output_file: str,
    metadata: Mapping[str, str],
    output_dir: str = "_book",
    downloads: Sequence[tuple[str, str]] = (),
    about: str = "",
    section_links: Mapping[str, str] | None = None,
    lead: Sequence[str] = (),
) -> Path:
    """Write a Quarto book project over the executed notebooks of one build.

    The front page is copied to ``index.qmd``; execution is disabled and code
    hidden, so Quarto only lays out the outputs papermill produced. The
    ``downloads`` (words and relative link, e.g. the tables as CSV and XLSX)
    are listed at the end of the front page. ``section_links`` (per notebook
    name, a Markdown block) ends that section's page: the chapter is then a
    copy of the executed notebook in ``build_dir`` with one more Markdown cell
    (tagged :data:`cpstats.publish.downloads.LINKS_TAG`), so the executed notebook
    itself stays as it ran. Chapters given outside ``build_dir`` are copied
    into it, so a project in a folder of its own gives the same page names.

    Returns
    -------
    Path
        The ``_quarto.yml`` written.
    """
    build_dir = Path(build_dir)
    front = book.front_page.read_text(encoding="utf-8")
    # the book's title is the page's one <h1>: the front page's own headings go one level down (here in the
    # text, as the built-in renderer does, so the front page's own shift-heading-level-by is dropped)
    front = re.sub(r"^(#+)(?=\s)", r"#\1", front, flags=re.MULTILINE)
    front = re.sub(r"\A(---\n(?:.*\n)*?)(?:#[^\n]*\n)*shift-heading-level-by:[^\n]*\n", r"\1", front)
    if lead:  # e.g. the authority and year, and the reporting period, under the title
        body = _FRONT_MATTER.search(front)
        at = body.end() if body else 0
        front = front[:at] + "\n::: {.lead}\n" + "\\\n".join(lead) + "\n:::\n" + front[at:]
    if downloads:
        front = front.rstrip("\n") + "\n\n## Downloads {.unnumbered}\n\n" + "".join(
            f"- [{words}]({href})\n" for words, href in downloads
        )
    if about:  # the report's version (see cpstats.publish.site.provenance_markdown)
        front = front.rstrip("\n") + "\n\n" + about
    (build_dir / "index.qmd").write_text(front, encoding="utf-8")
    relative = [_chapter(Path(nb), build_dir, (section_links or {}).get(Path(nb).stem)) for nb in notebooks]
    (build_dir / FAVICON).write_text(_FAVICON_SVG, encoding="utf-8")
    project = book_project(
        book, relative, subtitle=subtitle, output_dir=output_dir, output_file=output_file, metadata=metadata,
        favicon=FAVICON,
    )
    target = build_dir / "_quarto.yml"
    target.write_text(yaml.safe_dump(project, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


FAVICON = "favicon.svg"
_FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#12436D"/></svg>\n'
)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


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
            _write_if_changed(build_dir / "figures" / name, data)
    cells = [nbformat.v4.new_markdown_cell(source) for source in markdown.split("\n\n<!-- cell -->\n\n")]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    if links:
        cell = nbformat.v4.new_markdown_cell(links, metadata={"tags": [LINKS_TAG]})
        cell["id"] = LINKS_TAG
        cells.append(cell)
    copy = nbformat.v4.new_notebook(cells=cells, metadata=node.metadata)
    target = build_dir / notebook.name
    _write_if_changed(target, nbformat.writes(copy).encode("utf-8"))
    return target.name


_FIGURE = re.compile(r"!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(figures/(?P<name>[^)\s]+)\)")


def _attribute(alt: str) -> str:
    """Markdown image text as a quoted attribute value."""
    return re.sub(r"\\(.)", r"\1", alt).replace("\\", "\\\\").replace('"', '\\"')


def _write_if_changed(path: Path, data: bytes) -> None:
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def quarto_executable() -> str | None:
    """The ``quarto`` command on ``PATH``, or ``None``."""
    return shutil.which("quarto")


def render_with_quarto(build_dir: Path, to: str = "html") -> Path:
    """Run ``quarto render`` in a build folder written by :func:`write_build_project`.

    Returns
    -------
    Path
        Quarto's output folder.

    Raises
    ------
    QuartoError
        With Quarto's own message when rendering fails.
    """
    quarto = quarto_executable()
    if quarto is None:
        raise QuartoError("quarto is not installed")
    config = yaml.safe_load((Path(build_dir) / "_quarto.yml").read_text(encoding="utf-8"))
    result = subprocess.run(
        [quarto, "render", str(build_dir), "--to", to], capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise QuartoError(f"quarto render of {build_dir} failed: {quarto_message(result.stderr or result.stdout)}")
    return Path(build_dir) / config["project"]["output-dir"]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def quarto_message(output: str) -> str:
    """Quarto's error on one line: its ``ERROR:`` line, else its last line.

    >>> quarto_message("Rendering\\n\\x1b[31mERROR: Book contents must include a home page\\x1b[39m\\n\\nStack trace:\\n  at x")
    'ERROR: Book contents must include a home page'
    """
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if line.startswith("ERROR"):
            return line
    return lines[-1] if lines else "no message"


def renderer_name(renderer: str) -> str:
    """How the build output names a renderer, with Quarto's version: ``Quarto 1.7.34``."""
    if renderer != "quarto":
        return "the built-in renderer (pandoc and Typst)"
    quarto = quarto_executable()
    version = None
    if quarto:
        result = subprocess.run([quarto, "--version"], capture_output=True, text=True, check=False)
        version = result.stdout.strip() if result.returncode == 0 else None
    return f"Quarto {version}" if version else "Quarto"
