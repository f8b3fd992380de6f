"""The Quarto book: read the project's ``_quarto.yml``, write the one used to render a build.

``_quarto.yml`` at the project root is the one source of truth for the book's
title, language and chapter list (the front page ``index.qmd``, then the
section notebooks in order). The built-in renderer reads it through
:func:`read_book_config`; when Quarto is installed, :func:`write_build_project`
writes a Quarto book project of one build's pages and :func:`render_with_quarto`
renders it.

Both renderers publish the same pages with the same content: the report is read
once into pandoc documents (:func:`cpstats.publish.render.report_pages`), and
the Quarto project lays out those documents: ``index`` (headline main points,
contents, the PDF and "Download all"), ``about`` (the front page ``index.qmd``,
the report's version and its other downloads), one page per section,
``definitions`` and ``accessibility`` (the accessibility statement, linked from
every page's footer). Quarto reads only each
page's title as Markdown (escaped by pandoc's writer); the body goes in as a
pandoc document through a Lua filter (:data:`BLOCKS_FILTER`). Every page then
states a Content-Security-Policy (:func:`state_policy`): as the built-in
renderer's, except that Quarto's own scripts (its files, and the inline
ones by their SHA-256) may run, and styles may be inline.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import yaml

from cpstats.publish.statement import ACCESSIBILITY_PAGE

__all__ = [
    "BookConfig",
    "HTML_FORMAT",
    "RENDERER_SETTING",
    "configured_renderer",
    "QuartoError",
    "read_book_config",
    "book_project",
    "write_build_project",
    "quarto_executable",
    "render_with_quarto",
    "quarto_message",
    "renderer_name",
    "markdown_text",
    "state_policy",
    "quarto_policy",
    "BLOCKS_FILTER",
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
    renderer : str or None
        The renderer ``cpstats build`` lays the HTML out with unless ``--renderer`` says otherwise:
        ``renderer:`` under ``cpstats:`` (:data:`RENDERER_SETTING`), ``builtin`` or ``quarto``; ``None`` when
        the book names none (the built-in renderer is then the default).
    """

    title: str
    chapters: tuple[str, ...]
    lang: str = "en-GB"
    formats: tuple[str, ...] = ("html", "pdf")
    root: Path = Path(".")
    execute: Mapping = field(default_factory=dict)
    renderer: str | None = None

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
        renderer=configured_renderer(config, path),
    )


RENDERER_SETTING = "cpstats: renderer"
"""Where the project chooses its renderer: ``renderer:`` under ``cpstats:`` in ``_quarto.yml``."""
CONFIGURED_RENDERERS = ("builtin", "quarto")


def configured_renderer(config: Mapping, path: Path) -> str | None:
    """The renderer ``_quarto.yml`` (read into ``config``) names under ``cpstats: renderer``, or ``None``.

    Raises
    ------
    cpstats.data.paths.InputError
        One line naming the file and the setting, for anything but ``builtin`` or ``quarto``.

    >>> configured_renderer({"cpstats": {"renderer": "quarto"}}, Path("_quarto.yml"))
    'quarto'
    >>> configured_renderer({"cpstats": {"la": "sample"}}, Path("_quarto.yml")) is None
    True
    >>> configured_renderer({"cpstats": {"renderer": "latex"}}, Path("_quarto.yml"))
    Traceback (most recent call last):
    ...
    cpstats.data.paths.InputError: _quarto.yml: cpstats: renderer: 'latex' is not a renderer; write builtin (the default) or quarto
    """
    from cpstats.data.paths import InputError

    settings = config.get("cpstats")
    if settings is None:
        return None
    if not isinstance(settings, Mapping):
        raise InputError(f"{path}: cpstats: must be a mapping of settings (la, year, disclosure, renderer), "
                         f"not {_shown_setting(settings)}")
    if "renderer" not in settings or settings["renderer"] is None:
        return None
    value = settings["renderer"]
    if not isinstance(value, str) or value not in CONFIGURED_RENDERERS:
        raise InputError(f"{path}: {RENDERER_SETTING}: {_shown_setting(value)} is not a renderer; write builtin "
                         "(the default) or quarto")
    return value


def _shown_setting(value) -> str:
    """A setting as a message shows it: on one line (``repr``), at most 60 characters.

    >>> _shown_setting(["x"])
    "['x']"
    """
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:60]}... ({len(text)} characters)"


HTML_FORMAT = {"number-sections": False, "toc": True, "toc-location": "body", "toc-title": "On this page",
               "toc-depth": 3, "code-fold": False}
"""Quarto's HTML options for the report's pages, here and in the root ``_quarto.yml``: the page's contents come
after its ``<h1>`` (``toc-location: body``), so headings go down in order."""


def book_project(
    book: BookConfig,
    chapters: Sequence[str],
    *,
    title: str,
    output_dir: str,
    output_file: str,
    favicon: str | None = None,
    footer: str = "",
    before_body: str = "",
    css: Sequence[str] = (),
) -> dict:
    """The ``_quarto.yml`` contents for rendering one build, as a dict.

    Parameters
    ----------
    book : BookConfig
        The project's book (its language).
    chapters : sequence of str
        The pages' ``.qmd`` files, relative to the build folder, in order: ``index.qmd`` first.
    title : str
        The book's title as Markdown text (:func:`markdown_text`).
    output_dir : str
        Where Quarto writes the site, relative to the build folder.
    output_file : str
        The PDF's name without extension.
    favicon : str, optional
        The icon's file.
    footer : str
        Every page's footer, as Markdown text.
    before_body : str
        HTML put at the start of every page's body (an internal draft's banner).
    css : sequence of str
        Stylesheets every page adds to Quarto's own (:data:`STYLESHEET`).
    """
    book_config = {
        # the authority and year are in every page's <title>, as in the built-in renderer's pages
        "title": title,
        "output-file": output_file,
        "chapters": list(chapters),
    }
    if favicon:
        book_config["favicon"] = favicon
    if footer:
        book_config["page-footer"] = {"center": footer}
    html_format = {**HTML_FORMAT, "anchor-sections": False}
    # the page's contents come after its <h1> (toc-location: body), so headings go down in order
    if before_body:
        html_format["include-before-body"] = [{"text": before_body}]
    if css:
        html_format["css"] = list(css)
    return {
        "project": {"type": "book", "output-dir": output_dir, "render": list(chapters)},
        "book": book_config,
        "lang": book.lang,
        "execute": {"enabled": False, "echo": False},
        # each page's body is read from the pandoc document cpstats wrote, after Quarto's own filters: text
        # from data is never read as Markdown, so no shortcode, cross-reference or raw HTML comes of it
        "filters": [{"path": BLOCKS_FILTER, "at": "post-quarto"}],
        "format": {
            "html": html_format,
            "pdf": {"number-sections": False, "toc": True, "papersize": "a4"},
        },
    }


def write_build_project(
    build_dir: Path,
    book: BookConfig,
    info,
    pages,
    *,
    output_dir: str = "_book",
) -> Path:
    """Write a Quarto book project of one build's pages: the same pages, with the same content, as the built-in renderer's.

    ``pages`` is the report as pandoc documents (:func:`cpstats.publish.render.report_pages`), as the
    built-in renderer lays it out: the front page ``index`` (the authority, year and period, the headline
    main points, the contents, the PDF and "Download all": :func:`cpstats.publish.render.index_blocks`),
    ``about`` (what the report is, its privacy rules, its version and its other downloads), one page per
    section (its download links at the end), ``definitions`` and ``accessibility`` (the accessibility
    statement, :mod:`cpstats.publish.statement`, which every page's footer links). Each page is a ``<name>.qmd`` holding only its title, written by pandoc's
    Markdown writer (so escaped for the Markdown reader), and a div that the Lua filter
    :data:`BLOCKS_FILTER` replaces with the blocks of ``<name>.json``, after Quarto's filters: no text
    from the data or the commentary is ever read as Markdown by Quarto. Charts are written to
    ``figures/``. Chapters left from an earlier build are removed.

    Parameters
    ----------
    build_dir : Path
        The folder to write the project into (``_build/<la>/<year>/book``).
    book : BookConfig
        The project's book.
    info : cpstats.publish.render.ReportInfo
        Title, subtitle, period, PDF name, downloads, draft.
    pages : cpstats.publish.render.ReportPages
        The report's pages.

    Returns
    -------
    Path
        The ``_quarto.yml`` written.
    """
    from cpstats.publish.render import DRAFT_MARK, Section, accessibility_section, index_blocks

    build_dir = Path(build_dir)
    # the front page's title is the book's; the authority, year and period are in its first paragraph
    _write_page(build_dir, Section("index", "", blocks=index_blocks(info, pages)), titled=False)
    chapters = ["index.qmd"]
    for page in (pages.about_section, *pages.web_sections, accessibility_section(info)):
        _write_page(build_dir, page)
        chapters.append(f"{page.stem}.qmd")
    written = {name for chapter in chapters for name in (chapter, f"{Path(chapter).stem}.json")}
    for stale in [*build_dir.glob("*.qmd"), *build_dir.glob("*.ipynb"), *build_dir.glob("*.json")]:
        if stale.name not in written:  # e.g. the notebooks an older cpstats laid out
            stale.unlink()
    if pages.figures:
        (build_dir / "figures").mkdir(exist_ok=True)
        for name, data in pages.figures.items():
            _write_if_changed(build_dir / "figures" / name, data)
    _write_if_changed(build_dir / FAVICON, _FAVICON_SVG.encode())
    _write_if_changed(build_dir / BLOCKS_FILTER, _BLOCKS_LUA.encode())
    _write_if_changed(build_dir / STYLESHEET, _STYLESHEET_CSS.encode())
    # no text from data goes into Quarto's metadata, whose text Quarto searches for shortcodes even when escaped:
    # the authority and year are put in each page's <title> after rendering (render_with_quarto)
    footer = f"Every figure is computed from the authority's record-level data by cpstats {info.version}."
    banner = (f'<p class="draft-banner alert alert-warning mb-0" role="note"><strong>{html.escape(DRAFT_MARK)}</strong></p>'
              if info.draft else "")
    project = book_project(
        book, chapters, title=markdown_text(info.title), output_dir=output_dir, output_file=Path(info.pdf_name).stem,
        favicon=FAVICON, footer=f"{markdown_text(footer)} [Accessibility statement]({ACCESSIBILITY_PAGE})",
        before_body=banner, css=[STYLESHEET],
    )
    target = build_dir / "_quarto.yml"
    target.write_text(yaml.safe_dump(project, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


BLOCKS_FILTER = "cpstats-blocks.lua"
"""The Lua filter of the build's Quarto project: a div ``{.cpstats-blocks src="<name>.json"}`` becomes the
blocks of that pandoc document."""
_BLOCKS_LUA = """\
-- cpstats: a page's body is the pandoc document cpstats wrote (<name>.json), put in after Quarto's filters
function Div(div)
  if not div.classes:includes("cpstats-blocks") then
    return nil
  end
  local folder = pandoc.path.directory(quarto.doc.input_file)
  local file = assert(io.open(pandoc.path.join({folder, div.attributes["src"]}), "r"))
  local text = file:read("a")
  file:close()
  return pandoc.read(text, "json").blocks
end
"""
STYLESHEET = "cpstats.css"
"""The stylesheet a build's Quarto pages add to Quarto's: a word too long for its line (an agency's name of
thousands of letters, say) breaks anywhere in the text of the page instead of running off it, on a phone's
390 px too; tables keep their own scrolling boxes."""
_STYLESHEET_CSS = """/* cpstats: text from data wraps, however long its words */
main p, main li, main dd, main dt, main blockquote, main figcaption, main caption,
main h1, main h2, main h3, main h4, main h5, main h6, main .lead { overflow-wrap: anywhere; }
/* a reporting year (2013-14) is never split across lines */
.nowrap { white-space: nowrap; }
/* a table's caption wraps within the screen, however wide the table; a row's header looks as its cells do */
.table-scroll caption { max-width: min(calc(100vw - 1.5rem), 49.5rem); }
tbody th { font-weight: normal; }
"""

FAVICON = "favicon.svg"
_FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#12436D"/></svg>\n'
)


def _write_page(build_dir: Path, page, titled: bool = True) -> None:
    """A page as ``<stem>.qmd`` (its title) and ``<stem>.json`` (the rest of its blocks).

    The page's first level-1 heading is its title, the one Quarto shows, names in the sidebar and puts in
    ``<title>``; it is written by pandoc's Markdown writer, which escapes every character Markdown (and
    so Quarto's shortcodes, ``{{< >}}``) could read as anything but text. A page not ``titled`` (the
    front page) takes the book's title.
    """
    from cpstats.publish.render import _document, text_inlines, web_blocks

    blocks, front = list(page.blocks or []), ""
    at = next((i for i, b in enumerate(blocks) if b.get("t") == "Header" and b["c"][0] == 1), None)
    if not titled:
        title = []  # its name in the sidebar, as the built-in pages' links to it say
        front = "---\n" + yaml.safe_dump({"title": markdown_text("Contents")}) + "---\n\n"
    elif at is None:
        title = [{"t": "Header", "c": [1, ["", ["unnumbered"], []], text_inlines(page.title)]}]
    else:
        title = [blocks.pop(at)]
    # each table scrolls sideways in a box of its own, never the page
    blocks = web_blocks(blocks, ("table-scroll", "table-responsive"))
    body = json.dumps(_document(blocks), ensure_ascii=False).encode("utf-8")
    _write_if_changed(build_dir / f"{page.stem}.json", body)
    placeholder = {"t": "Div", "c": [["", ["cpstats-blocks"], [["src", f"{page.stem}.json"]]], []]}
    _write_if_changed(build_dir / f"{page.stem}.qmd", (front + _markdown([*title, placeholder])).encode("utf-8"))


def _markdown(blocks: list) -> str:
    """Pandoc blocks as pandoc Markdown, every special character escaped."""
    from cpstats.publish.render import _document, convert

    return convert(json.dumps(_document(blocks)), "markdown", "json", ["--wrap=none"]).strip() + "\n"


def markdown_text(text: str) -> str:
    """Text as Markdown that reads back as the same text (for Quarto's metadata, which it reads as Markdown).

    >>> print(markdown_text("Evil <b>*x*</b> {{< meta a >}}"))
    Evil \\<b\\>\\*x\\*\\</b\\> {{\\< meta a \\>}}
    """
    from cpstats.publish.render import text_inlines

    return _markdown([{"t": "Plain", "c": text_inlines(text)}]).strip()


def _write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it holds them already; whether it wrote.

    The bytes go to a temporary file beside ``path``, which then replaces it in one rename: a reader (Quarto
    reading its metadata, the ipynb-filter reading the chapters' index, the Lua filter reading a page) sees the
    old file or the new one, never an empty or half-written one.
    """
    path = Path(path)
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return True


def quarto_executable() -> str | None:
    """The ``quarto`` command on ``PATH``, or ``None``."""
    return shutil.which("quarto")


def render_with_quarto(build_dir: Path, to: str = "html", subtitle: str = "") -> Path:
    """Run ``quarto render`` in a build folder written by :func:`write_build_project`.

    Each page then states its Content-Security-Policy (:func:`state_policy`), and its ``<title>`` ends with
    ``subtitle`` (the authority and year), as the built-in renderer's pages do.

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
    site = Path(build_dir) / config["project"]["output-dir"]
    for page in site.rglob("*.html"):
        page.write_text(state_policy(_titled(page.read_text(encoding="utf-8"), subtitle)), encoding="utf-8")
    return site


class _Inline(HTMLParser):
    """The inline scripts and event handlers of a page, as the browser hashes them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self._open: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [value or "" for name, value in attrs if name.startswith("on")]
        if tag == "script" and "src" not in attributes and (attributes.get("type") or "text/javascript").lower() in (
                "text/javascript", "application/javascript", "module"):
            self._open = ("script", [])

    def handle_data(self, data):
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            self.scripts.append("".join(self._open[1]))
            self._open = None


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def quarto_policy(scripts: Sequence[str] = (), handlers: Sequence[str] = ()) -> str:
    """The Content-Security-Policy of a page Quarto laid out: the built-in renderer's
    (:data:`cpstats.publish.render.CONTENT_SECURITY_POLICY`), except that Quarto's scripts may run (its files
    on the site, and its inline scripts and event handlers named by their SHA-256) and may style the page
    (its navigation writes a ``<style>`` element measured from the page's header, which no hash can name).

    >>> quarto_policy(["go()"]).split("; ")[1]
    "script-src 'self' 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    from cpstats.publish.render import CONTENT_SECURITY_POLICY

    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    hashes = sorted({_sha256(text) for text in [*scripts, *handlers]})
    directives["script-src"] = " ".join(["'self'", *(["'unsafe-hashes'"] if handlers else []), *hashes])
    directives["style-src"] = "'self' 'unsafe-inline'"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


_TITLE = re.compile(r"(<title>)(.*?)(</title>)", re.DOTALL)


def _titled(page: str, subtitle: str) -> str:
    """A page whose ``<title>`` ends with ``: <subtitle>``, escaped.

    >>> _titled("<title>8. Numbers – Report</title>", "Evil <b>, 2017-18")
    '<title>8. Numbers – Report: Evil &lt;b&gt;, 2017-18</title>'
    """
    if not subtitle:
        return page
    return _TITLE.sub(lambda m: m[1] + m[2] + ": " + html.escape(subtitle, quote=False) + m[3], page, count=1)


_CHARSET = re.compile(r'<meta charset="utf-8"\s*/?>', re.IGNORECASE)


def state_policy(page: str) -> str:
    """A page of Quarto's with its Content-Security-Policy (:func:`quarto_policy`) stated first in its head.

    Raises
    ------
    QuartoError
        If the page has no ``<meta charset="utf-8">`` to put it after.
    """
    parser = _Inline()
    parser.feed(page)
    parser.close()
    policy = quarto_policy(parser.scripts, parser.handlers)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=False).replace(chr(34), "&quot;")}">'
    stated, count = _CHARSET.subn(lambda m: m.group(0) + "\n" + meta, page, count=1)
    if not count:
        raise QuartoError("a page Quarto wrote has no <meta charset=\"utf-8\">, so no Content-Security-Policy could be stated")
    return stated


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def quarto_message(output: str) -> str:
    """Quarto's error on one line: its ``ERROR:`` line, else its last line.

    >>> quarto_message("Rendering\\n\\x1b[31mERROR: Book contents must include a home page\\x1b[39m\\n\\nStack trace:\\n  at x")
    'ERROR: Book contents must include a home page'
    >>> quarto_message("Error running filter main.lua:\\ncpstats-blocks.lua:7: 01_x.json: No such file or directory\\nstack")
    'Error running filter main.lua: cpstats-blocks.lua:7: 01_x.json: No such file or directory'
    """
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    for number, line in enumerate(lines):
        if line.startswith("ERROR") and not line.startswith("ERROR ("):  # not a filter's log line
            return line
        if line.startswith("Error running filter") and number + 1 < len(lines):
            return f"{line} {lines[number + 1]}"
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
