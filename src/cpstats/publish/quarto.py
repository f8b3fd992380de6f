"""The Quarto book: read the project's ``_quarto.yml``, write the one used to render a build.

``_quarto.yml`` at the project root is the one source of truth for the book's
title, language and chapter list (the front page ``report.qmd``, then the
section notebooks in order). The built-in renderer reads it through
:func:`read_book_config`; when Quarto is installed, :func:`write_build_project`
writes a Quarto book project over the executed notebooks of one build and
:func:`render_with_quarto` renders it.

Quarto books need their front page to be called ``index.qmd``, so the build
project copies ``report.qmd`` there. Metadata the front page shows (authority
name, reporting year) is written into the build's ``_quarto.yml`` and used in
``report.qmd`` through Quarto's ``{{< meta key >}}`` shortcode.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import yaml

__all__ = [
    "BookConfig",
    "QuartoError",
    "read_book_config",
    "book_project",
    "write_build_project",
    "quarto_executable",
    "render_with_quarto",
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
        """The front page (the first chapter), e.g. ``report.qmd``."""
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


def book_project(
    book: BookConfig,
    notebooks: Sequence[str],
    *,
    subtitle: str,
    output_dir: str,
    output_file: str,
    metadata: Mapping[str, str],
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
    return {
        "project": {"type": "book", "output-dir": output_dir},
        "book": {
            "title": book.title,
            "subtitle": subtitle,
            "output-file": output_file,
            "chapters": ["index.qmd", *notebooks],
        },
        "lang": book.lang,
        "execute": {"enabled": False, "echo": False},
        "format": {
            "html": {"number-sections": False, "toc": True, "code-fold": False},
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
    if downloads:
        front = front.rstrip("\n") + "\n\n## Downloads {.unnumbered}\n\n" + "".join(
            f"- [{words}]({href})\n" for words, href in downloads
        )
    if about:  # the report's version (see cpstats.publish.site.provenance_markdown)
        front = front.rstrip("\n") + "\n\n" + about
    (build_dir / "index.qmd").write_text(front, encoding="utf-8")
    relative = [_chapter(Path(nb), build_dir, (section_links or {}).get(Path(nb).stem)) for nb in notebooks]
    project = book_project(
        book, relative, subtitle=subtitle, output_dir=output_dir, output_file=output_file, metadata=metadata,
    )
    target = build_dir / "_quarto.yml"
    target.write_text(yaml.safe_dump(project, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def _chapter(notebook: Path, build_dir: Path, links: str | None) -> str:
    """The chapter of one executed notebook, relative to the project: the notebook, or a copy ending with its links."""
    import nbformat

    inside = notebook.resolve().is_relative_to(build_dir.resolve())
    if inside and not links:
        return notebook.resolve().relative_to(build_dir.resolve()).as_posix()
    from cpstats.publish.downloads import LINKS_TAG

    target = build_dir / notebook.name
    node = nbformat.read(notebook, as_version=4)
    if links:
        cell = nbformat.v4.new_markdown_cell(links, metadata={"tags": [LINKS_TAG]})
        cell["id"] = LINKS_TAG
        node.cells = [c for c in node.cells if LINKS_TAG not in c.get("metadata", {}).get("tags", [])] + [cell]
    text = nbformat.writes(node)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return target.name


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
        raise QuartoError(f"quarto render failed:\n{result.stderr.strip() or result.stdout.strip()}")
    return Path(build_dir) / config["project"]["output-dir"]
