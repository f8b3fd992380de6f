"""The built-in renderer: executed notebooks to an HTML site and an A4 PDF.

It is built on the engines Quarto itself uses, pandoc (``pypandoc-binary``)
and Typst (``typst``), and reads the same ``_quarto.yml`` (through
:mod:`cpstats.publish.quarto`). Steps:

1. Each executed notebook becomes Markdown with nbconvert's Markdown exporter,
   code hidden (``exclude_input``). Only what a reader should see is kept:
   Markdown cells, and outputs that are Markdown (sentences, pipe tables,
   charts) or images. Printed text, warnings and errors are dropped.
2. Charts arrive as Markdown images with ``data:`` URIs (see
   :mod:`cpstats.present.charts`); they are written out as files in ``figures/``.
3. HTML: pandoc turns each section into an HTML fragment, placed in
   ``templates/page.html`` with contents, previous and next links.
4. PDF: the front page and every section go through pandoc to Typst, in
   ``templates/report.typ`` (title page, contents, page numbers), and
   ``typst.compile`` makes the PDF with a fixed timestamp and the fonts
   matplotlib ships, so the same input gives the same bytes.

The Quarto Markdown this renderer understands: the front page's YAML header
(ignored) and ``{{< meta key >}}`` shortcodes; pandoc Markdown elsewhere
(headings with ``{.unnumbered}``, pipe tables with ``: caption``, images
with ``{alt="..."}``). Anything else Quarto-specific is passed to pandoc as is.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Mapping, Sequence

__all__ = [
    "TEMPLATES",
    "PDF_STANDARDS",
    "PANDOC_MARKDOWN",
    "Section",
    "ReportInfo",
    "report_outputs",
    "notebook_markdown",
    "extract_figures",
    "section_title",
    "load_section",
    "expand_meta",
    "front_page_markdown",
    "markdown_to_html",
    "render_html",
    "markdown_to_typst",
    "compile_pdf",
    "render_builtin",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""HTML page template, stylesheet, Typst template and pandoc Lua filter."""

PDF_STANDARDS = ("a-2a", "ua-1")
"""The PDF is tagged, and checked by Typst as it is written, to PDF/A-2a (archival, accessible) and
PDF/UA-1 (universal accessibility: structure tags, title, language, text alternatives)."""

PANDOC_MARKDOWN = "markdown-tex_math_dollars-raw_tex-smart"
"""Pandoc's Markdown without TeX math or raw TeX: a ``$`` or ``\\`` in a sentence stays text."""

_DATA_IMAGE = re.compile(
    r"!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(data:image/(?P<kind>svg\+xml|png|jpeg);base64,(?P<data>[A-Za-z0-9+/=\s]+)\)"
)
_EXTENSIONS = {"svg+xml": "svg", "png": "png", "jpeg": "jpg"}
_HEADING = re.compile(r"^#\s+(?P<title>.+?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)
_META = re.compile(r"\{\{<\s*meta\s+(?P<key>[\w.-]+)\s*>\}\}")
_FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)
_KEPT_MIME_TYPES = ("text/markdown", "image/svg+xml", "image/png", "image/jpeg")


@dataclass(frozen=True)
class Section:
    """One section of the report, from one executed notebook.

    Attributes
    ----------
    stem : str
        The notebook's name without extension, e.g. ``08_numbers``.
    title : str
        Its first level-1 heading, e.g. ``8. Number of Children ...``.
    markdown : str
        Its content as pandoc Markdown, figures linked as ``figures/<name>``.
    """

    stem: str
    title: str
    markdown: str

    @property
    def href(self) -> str:
        """The section's page, e.g. ``08_numbers.html``."""
        return f"{self.stem}.html"


@dataclass(frozen=True)
class ReportInfo:
    """What the title page, page headers and PDF say about the report.

    Attributes
    ----------
    title : str
        The book's title, from ``_quarto.yml``.
    subtitle : str
        Authority and year, e.g. ``Rutland County Council, 2017-18``.
    period : str
        The reporting period in words, e.g. ``1 April 2017 to 31 March 2018``.
    lang : str
        Language tag, e.g. ``en-GB``.
    version : str
        cpstats version, shown in the footer.
    pdf_name : str
        File name of the PDF.
    timestamp : datetime.datetime
        The PDF's creation date (fixed, for identical rebuilds).
    downloads : tuple of (str, str)
        Further downloads the contents page lists: (words, relative link),
        e.g. the tables as CSV and XLSX (see :mod:`cpstats.publish.downloads`).
    about : str
        Markdown added at the end of the front page (HTML and PDF): the
        report's version (see :func:`cpstats.publish.site.provenance_markdown`).
    section_downloads : tuple of (str, str)
        Per section (the notebook's name), Markdown added at the end of its
        web page: the links to its tables (see :mod:`cpstats.publish.downloads`).
        Not in the PDF.
    """

    title: str
    subtitle: str
    period: str
    lang: str
    version: str
    pdf_name: str
    timestamp: dt.datetime
    downloads: tuple[tuple[str, str], ...] = ()
    about: str = ""
    section_downloads: tuple[tuple[str, str], ...] = ()


# ----------------------------------------------------------------- notebooks to Markdown


def report_outputs(outputs: Sequence[Mapping]) -> list:
    """The outputs a reader sees: Markdown and images; no printed text, warnings or errors.

    >>> report_outputs([{"output_type": "stream", "name": "stderr", "text": "warning"},
    ...                 {"output_type": "display_data", "data": {"text/markdown": "Hello"}, "metadata": {}}])
    [{'output_type': 'display_data', 'data': {'text/markdown': 'Hello'}, 'metadata': {}}]
    """
    kept = []
    for output in outputs:
        if output.get("output_type") not in ("display_data", "execute_result"):
            continue
        data = output.get("data", {})
        if any(mime in data for mime in _KEPT_MIME_TYPES):
            kept.append(output)
    return kept


def notebook_markdown(path: Path) -> str:
    """An executed notebook as Markdown: Markdown cells and report outputs, no code.

    Parameters
    ----------
    path : Path
        The executed notebook.

    Returns
    -------
    str
        pandoc Markdown.
    """
    import nbformat
    from nbconvert import MarkdownExporter

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = report_outputs(cell.outputs)
    exporter = MarkdownExporter(exclude_input=True, exclude_raw=True)
    body, _ = exporter.from_notebook_node(notebook)
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def extract_figures(markdown: str, stem: str) -> tuple[str, dict[str, bytes]]:
    """Write ``data:`` URI images out as files named after the section.

    Parameters
    ----------
    markdown : str
        Markdown with images such as ``![alt](data:image/svg+xml;base64,...)``.
    stem : str
        Prefix of the file names, e.g. ``08_numbers`` gives ``figures/08_numbers-1.svg``.

    Returns
    -------
    tuple
        The Markdown with the images linked to ``figures/<name>``, and a dict of
        file name to bytes.

    Examples
    --------
    >>> text, files = extract_figures("![A chart](data:image/png;base64,aGk=)", "09_x")
    >>> text, files
    ('![A chart](figures/09_x-1.png)', {'09_x-1.png': b'hi'})
    """
    files: dict[str, bytes] = {}

    def replace(match: re.Match) -> str:
        name = f"{stem}-{len(files) + 1}.{_EXTENSIONS[match['kind']]}"
        files[name] = base64.b64decode("".join(match["data"].split()))
        return f"![{match['alt']}](figures/{name})"

    return _DATA_IMAGE.sub(replace, markdown), files


def section_title(markdown: str, default: str) -> str:
    """The first level-1 heading of a section, without attributes.

    >>> section_title("Intro\\n\\n# 9. Abuse Categories {#cats}\\n", "09")
    '9. Abuse Categories'
    """
    match = _HEADING.search(markdown)
    return match["title"].strip() if match else default


def load_section(path: Path) -> tuple[Section, dict[str, bytes]]:
    """Read one executed notebook as a :class:`Section` and its figure files."""
    path = Path(path)
    markdown, figures = extract_figures(notebook_markdown(path), path.stem)
    return Section(path.stem, section_title(markdown, path.stem), markdown), figures


def expand_meta(text: str, metadata: Mapping[str, str]) -> str:
    """Replace Quarto ``{{< meta key >}}`` shortcodes with values from ``metadata``.

    >>> expand_meta("Report of {{< meta la-name >}}.", {"la-name": "Rutland"})
    'Report of Rutland.'
    """
    def replace(match: re.Match) -> str:
        key = match["key"]
        if key not in metadata:
            raise KeyError(f"front page uses {{{{< meta {key} >}}}}, which the build does not provide")
        return str(metadata[key])

    return _META.sub(replace, text)


def front_page_markdown(path: Path, metadata: Mapping[str, str]) -> str:
    """The front page (``report.qmd``) as pandoc Markdown: front matter dropped, shortcodes expanded."""
    text = Path(path).read_text(encoding="utf-8")
    return expand_meta(_FRONT_MATTER.sub("", text, count=1), metadata).strip() + "\n"


# ----------------------------------------------------------------- HTML


def _pandoc(markdown: str, to: str, extra_args: Sequence[str] = (), filters: Sequence[str] = ()) -> str:
    """Convert with pandoc. ``--columns`` is wide so pipe tables get natural column widths."""
    import pypandoc

    return pypandoc.convert_text(
        markdown, to, format=PANDOC_MARKDOWN, extra_args=["--wrap=none", "--columns=10000", *extra_args], filters=list(filters),
    )


def markdown_to_html(markdown: str, shift_headings: int = 0) -> str:
    """pandoc Markdown as an HTML5 fragment.

    >>> print(markdown_to_html("| A | B |\\n|:--|--:|\\n| x | 1 |\\n\\n: Caption").splitlines()[0])
    <table>
    """
    args = [f"--shift-heading-level-by={shift_headings}"] if shift_headings else []
    return _pandoc(markdown, "html5", args)


def _page(info: ReportInfo, page_title: str, body: str, top_nav: str = "", bottom_nav: str = "") -> str:
    template = Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))
    return template.substitute(
        lang=html.escape(info.lang),
        version=html.escape(info.version),
        page_title=html.escape(page_title),
        book_title=html.escape(info.title),
        subtitle=html.escape(info.subtitle),
        top_nav=top_nav,
        body=body,
        bottom_nav=bottom_nav,
        footer=html.escape(
            f"{info.title}, {info.subtitle}. Every figure is computed from the authority's "
            f"record-level data by cpstats {info.version}."
        ),
    )


def _pager(sections: Sequence[Section], index: int, label: str) -> str:
    """Previous, contents and next links for the section at ``index``."""
    items = []
    if index > 0:
        previous = sections[index - 1]
        items.append(f'<li class="previous"><a href="{previous.href}" rel="prev">Previous: {html.escape(previous.title)}</a></li>')
    else:
        items.append('<li class="previous"><a href="index.html" rel="prev">Previous: Contents</a></li>')
    items.append('<li class="contents"><a href="index.html">Contents</a></li>')
    if index + 1 < len(sections):
        following = sections[index + 1]
        items.append(f'<li class="next"><a href="{following.href}" rel="next">Next: {html.escape(following.title)}</a></li>')
    return f'<nav class="pager" aria-label="{label}"><ul>{"".join(items)}</ul></nav>'


def _contents(sections: Sequence[Section]) -> str:
    links = "".join(f'<li><a href="{s.href}">{html.escape(s.title)}</a></li>' for s in sections)
    return f'<nav class="contents" aria-labelledby="contents"><h2 id="contents">Contents</h2><ul>{links}</ul></nav>'


def _downloads(info: ReportInfo) -> str:
    return (
        '<section class="downloads" aria-labelledby="downloads"><h2 id="downloads">Downloads</h2><ul>'
        f'<li><a href="{html.escape(info.pdf_name)}">The whole report as a PDF (A4)</a></li>'
        + "".join(f'<li><a href="{html.escape(href)}">{html.escape(words)}</a></li>' for words, href in info.downloads)
        + '<li><a href="manifest.json">Build manifest: versions, parameters and input checksums (JSON)</a></li>'
        "</ul></section>"
    )


def render_html(info: ReportInfo, front_page: str, sections: Sequence[Section], site_dir: Path) -> list[Path]:
    """Write ``index.html`` (title page and contents) and one page per section.

    Returns
    -------
    list of Path
        The pages written.
    """
    site_dir = Path(site_dir)
    index_body = (
        f"<h1>{html.escape(info.title)}</h1>\n<p class=\"lead\">{html.escape(info.subtitle)}<br>"
        f"{html.escape(info.period)}</p>\n"
        + markdown_to_html(front_page, shift_headings=1) + _contents(sections) + _downloads(info)
    )
    pages = {site_dir / "index.html": _page(info, f"{info.title}: {info.subtitle}", index_body)}
    for number, section in enumerate(sections):
        pages[site_dir / section.href] = _page(
            info,
            f"{section.title} - {info.title}: {info.subtitle}",
            markdown_to_html(section.markdown),
            _pager(sections, number, "Section navigation"),
            _pager(sections, number, "Section navigation, end of page"),
        )
    for path, text in pages.items():
        path.write_text(text, encoding="utf-8")
    (site_dir / "report.css").write_bytes((TEMPLATES / "report.css").read_bytes())
    return [*pages, site_dir / "report.css"]


# ----------------------------------------------------------------- PDF


def _typst_text(text: str) -> str:
    """Text safe inside a Typst string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def markdown_to_typst(markdown: str, info: ReportInfo) -> str:
    """The whole report as a Typst document, through pandoc and ``templates/report.typ``."""
    lang, _, region = info.lang.partition("-")
    args = [
        "--standalone",
        f"--template={TEMPLATES / 'report.typ'}",
        "--metadata", f"title={info.title}",
        "--metadata", f"subtitle={info.subtitle}",
        "--metadata", f"date={info.period}",
        "--variable", f"title-plain={_typst_text(info.title + ': ' + info.subtitle)}",
        "--variable", f"text-lang={lang.lower()}",
        "--variable", f"text-region={(region or 'GB').upper()}",
    ]
    return _pandoc(markdown, "typst", args, filters=[str(TEMPLATES / "figures.lua")])


def _font_dir() -> Path:
    """matplotlib's bundled DejaVu fonts: the same on every machine."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def compile_pdf(typst_source: str, figures: Mapping[str, bytes], pdf_path: Path, work_dir: Path, timestamp: dt.datetime) -> Path:
    """Compile Typst source with its figures into a PDF.

    Parameters
    ----------
    typst_source : str
        The document (figures referenced as ``figures/<name>``).
    figures : mapping
        Figure file name to bytes.
    pdf_path : Path
        Where to write the PDF.
    work_dir : Path
        A folder for the ``.typ`` file and figures (Typst's root).
    timestamp : datetime.datetime
        Creation date written into the PDF.
    """
    import typst

    work_dir = Path(work_dir)
    (work_dir / "figures").mkdir(parents=True, exist_ok=True)
    for name, data in figures.items():
        (work_dir / "figures" / name).write_bytes(data)
    source = work_dir / "report.typ"
    source.write_text(typst_source, encoding="utf-8")
    typst.compile(
        str(source), output=str(pdf_path), root=str(work_dir), font_paths=[str(_font_dir())],
        ignore_system_fonts=True, timestamp=timestamp, pdf_standards=list(PDF_STANDARDS),
    )
    return Path(pdf_path)


# ----------------------------------------------------------------- the whole report


def _write_figures(figures: Mapping[str, bytes], site_dir: Path) -> list[Path]:
    folder = Path(site_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in sorted(figures.items()):
        (folder / name).write_bytes(data)
        written.append(folder / name)
    return written


def render_builtin(
    info: ReportInfo,
    front_page: Path,
    notebooks: Sequence[Path],
    site_dir: Path,
    work_dir: Path,
    metadata: Mapping[str, str],
    *,
    html_pages: bool = True,
) -> list[Path]:
    """Render the executed notebooks into ``site_dir``: HTML pages, figures and the PDF.

    Parameters
    ----------
    info : ReportInfo
        Title, subtitle, language, PDF name and timestamp.
    front_page : Path
        ``report.qmd``.
    notebooks : sequence of Path
        Executed notebooks, in order.
    site_dir : Path
        An empty folder to write into.
    work_dir : Path
        A folder for intermediate files (Typst source).
    metadata : mapping
        Values for ``{{< meta key >}}`` on the front page.
    html_pages : bool
        Write the HTML pages too (``False`` when Quarto made them).

    Returns
    -------
    list of Path
        Every file written into ``site_dir``.
    """
    front = front_page_markdown(front_page, metadata)
    if info.about:
        front = front.rstrip("\n") + "\n\n" + info.about
    sections, figures = [], {}
    for notebook in notebooks:
        section, section_figures = load_section(notebook)
        sections.append(section)
        figures.update(section_figures)
    written: list[Path] = []
    if html_pages:
        links = dict(info.section_downloads)
        pages = [Section(s.stem, s.title, s.markdown.rstrip("\n") + "\n\n" + links[s.stem] + "\n") if s.stem in links else s
                 for s in sections]
        written += render_html(info, front, pages, site_dir)
        written += _write_figures(figures, site_dir)
    whole = "\n\n".join([front, *(section.markdown for section in sections)])
    written.append(compile_pdf(markdown_to_typst(whole, info), figures, Path(site_dir) / info.pdf_name, work_dir, info.timestamp))
    return written

