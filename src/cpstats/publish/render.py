"""The built-in renderer: executed notebooks to an HTML site and an A4 PDF.

It is built on the engines Quarto itself uses, pandoc (``pypandoc-binary``)
and Typst (``typst``), and reads the same ``_quarto.yml`` (through
:mod:`cpstats.publish.quarto`). Steps:

1. Each executed notebook becomes a pandoc document (pandoc's JSON AST), code
   hidden. Only what a reader should see is kept: Markdown cells (the
   notebook's own words, read as pandoc Markdown), tables, charts and the
   Markdown outputs (sentences and commentary). Printed text, warnings and
   errors are dropped.
2. **Text from data stays text, by construction.** A table is built as a
   pandoc ``Table`` from the structured copy of its cells the notebook output
   carries (:data:`cpstats.present.tables.TABLE_MIME`): every heading, cell,
   caption and source is a run of ``Str`` inlines, never Markdown, so ``|``,
   a newline, ``<script>``, ``$x$`` or `` `#read("x")`{=typst} `` in a cell is
   printed as it is, in the pages and in the PDF. Sentences and main points
   arrive as pandoc blocks of text (:data:`cpstats.present.text.BLOCKS_MIME`),
   never as Markdown. Commentary an analyst writes is read with
   :data:`SAFE_MARKDOWN`: no raw HTML, raw Typst/LaTeX, TeX maths, citations or
   attributes; what is left of them in the document (raw blocks, links to
   ``javascript:`` or ``data:``, images) is turned into text (:func:`sanitize`);
   its placeholders' values are put in as text once it is read
   (:func:`commentary_blocks`). Charts arrive as
   Markdown images with ``data:`` URIs (see :mod:`cpstats.present.charts`);
   they are written out as files in ``figures/``, their text alternative kept
   as text. Values on the front page (``{{< meta key >}}``) are put in as text.
3. HTML: pandoc writes each section as an HTML fragment, placed in
   ``templates/page.html`` by Jinja with autoescaping on, with contents,
   previous and next links. Every page carries a strict
   Content-Security-Policy (:data:`CONTENT_SECURITY_POLICY`): no script at all.
4. PDF: the front page and every section go through pandoc to Typst, in
   ``templates/report.typ`` (title page, contents, page numbers), and
   ``typst.compile`` makes the PDF with a fixed timestamp and the fonts
   matplotlib ships, so the same input gives the same bytes. The only Typst
   written by hand is a string literal, escaped by :func:`typst_string`.

An internal build (``ReportInfo.draft``) says so on every page: a banner on
each HTML page and a header on every PDF page (:data:`DRAFT_MARK`).

The Quarto Markdown this renderer understands: the front page's YAML header
(ignored) and ``{{< meta key >}}`` shortcodes; pandoc Markdown elsewhere
(headings with ``{.unnumbered}``, pipe tables with ``: caption``, images
with ``{alt="..."}``), and Quarto's conditional content on the front page:
``::: {.content-visible when-meta="public"}`` (or ``.content-hidden``) keeps
its contents only when the metadata value is true (or false). Anything else
Quarto-specific is passed to pandoc as is.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from cpstats.present.text import text_inlines  # text as pandoc inlines: part of this module's interface
from cpstats.present.text import NOWRAP_CLASS, YEAR, html_words
from cpstats.publish.statement import ACCESSIBILITY_PAGE

__all__ = [
    "TEMPLATES",
    "PDF_STANDARDS",
    "PANDOC_MARKDOWN",
    "SAFE_MARKDOWN",
    "CONTENT_SECURITY_POLICY",
    "DRAFT_MARK",
    "text_inlines",
    "table_blocks",
    "withheld_note_block",
    "withheld_note_of",
    "sanitize",
    "safe_url",
    "typst_string",
    "read_markdown",
    "notebook_blocks",
    "notebooks_blocks",
    "convert",
    "front_page_blocks",
    "blocks_to_html",
    "blocks_to_html_many",
    "Section",
    "ReportInfo",
    "report_outputs",
    "notebook_markdown",
    "extract_figures",
    "section_title",
    "definitions_section",
    "load_section",
    "expand_meta",
    "front_page_markdown",
    "markdown_to_html",
    "render_html",
    "headline_points",
    "main_points_blocks",
    "brief_points",
    "ABOUT_PAGE",
    "markdown_to_typst",
    "compile_pdf",
    "pdf_column_widths",
    "render_builtin",
    "ReportPages",
    "report_pages",
    "index_blocks",
    "download_links",
    "scrolling_tables",
    "row_headers",
    "unbroken_years",
    "web_blocks",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""HTML page template, stylesheet, Typst template and pandoc Lua filter."""

PDF_STANDARDS = ("a-2a", "ua-1")
"""The PDF is tagged, and checked by Typst as it is written, to PDF/A-2a (archival, accessible) and
PDF/UA-1 (universal accessibility: structure tags, title, language, text alternatives)."""

PANDOC_MARKDOWN = "markdown-tex_math_dollars-raw_tex-smart"
"""Pandoc's Markdown without TeX math or raw TeX: a ``$`` or ``\\`` in a sentence stays text."""

SAFE_MARKDOWN = "markdown" + "".join(f"-{extension}" for extension in (
    "raw_html", "raw_attribute", "raw_tex", "tex_math_dollars", "tex_math_single_backslash",
    "tex_math_double_backslash", "latex_macros", "citations", "header_attributes", "link_attributes",
    "inline_code_attributes", "fenced_code_attributes", "table_attributes", "bracketed_spans", "fenced_divs",
    "native_divs", "native_spans", "markdown_in_html_blocks", "yaml_metadata_block", "pandoc_title_block",
    "implicit_figures", "smart",
))
"""How text that is not the project's own is read (sentences, commentary): Markdown with no way to
write HTML, Typst, LaTeX, maths, citations or attributes. A ``<script>`` or a raw Typst block is text."""

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'"
)
"""The policy every page states in its ``<meta http-equiv="Content-Security-Policy">``: no script of any
kind, nothing from another site; pandoc's table cells align with a ``style`` attribute, the only inline
style allowed (no ``<style>`` element)."""

MAIN_PARTS = ("01_introduction", "08_numbers", "20_reconciliation")
"""The sections that open a main part of the report: in the PDF a new page starts before them, and only
before them (the conference and the service's work; the children subject of a plan and what followed;
the appendix). Other sections run on from the one before."""

UNSETTLED_LAYOUT = ("did not converge", "did not stabilize")
"""Typst's warnings that a document's layout did not settle (a page number or a table's place may be
wrong): the PDF is then compiled again with long tables laid out simply (see ``templates/report.typ``)."""

SHORT_TABLE = 8
"""A table of fewer body rows than this is kept whole on one page of the PDF, with its caption and source.
A longer one is kept whole where it fits; where it does not, it runs over a page break (its heading row
repeated) only if at least three of its rows stay on the page and three go over (the template's
``kept-table``), otherwise it starts the next page."""

TABLE_INTRODUCTION = 300
"""A paragraph of at most this many characters just before a table introduces it: in the PDF it goes to the
next page with the table (as the headings above it do) rather than stay alone at the foot of a page."""

PDF_TABLE_CHARACTERS = 88
"""About how many characters of 9 pt table text fit across the PDF's text width: a table whose widest cells
need more is given column widths (:func:`pdf_column_widths`) instead of Typst's automatic ones."""

DRAFT_MARK = "Internal draft, not for publication: contains small numbers"
"""What every page and every PDF page of an internal build says."""

SAFE_URL_SCHEMES = ("http", "https", "mailto")
"""The only schemes a link in commentary may have; a link without a scheme is relative to the report."""

_DATA_IMAGE = re.compile(
    r"!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(data:image/(?P<kind>svg\+xml|png|jpeg);base64,(?P<data>[A-Za-z0-9+/=\s]+?)"
    r'(?:\s+"(?P<title>(?:\\.|[^"\\])*)")?\)'
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
        Its content as pandoc Markdown, figures linked as ``figures/<name>``
        (kept for reading; the report is laid out from ``blocks``).
    blocks : list
        Its content as pandoc AST blocks (JSON), tables and text from data
        as text (see :func:`notebook_blocks`).
    """

    stem: str
    title: str
    markdown: str = ""
    blocks: list | None = None

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
        The whole report's further downloads, (words, relative link), listed on the "About this report"
        page: the workbooks, the open data (see :mod:`cpstats.publish.downloads`). Each table's CSV is
        on its section's page (``section_downloads``).
    download_all : tuple of (str, str)
        The one file holding every download, (words, relative link): the front page's "Download all",
        beside the PDF.
    about : str
        Markdown added at the end of the front page (HTML and PDF): the
        report's version (see :func:`cpstats.publish.site.provenance_markdown`).
    section_downloads : tuple of (str, str)
        Per section (the notebook's name), Markdown added at the end of its
        web page: the links to its tables (see :mod:`cpstats.publish.downloads`).
        Not in the PDF.
    draft : bool
        An internal draft: every HTML page shows a banner and every PDF
        page a header saying so (:data:`DRAFT_MARK`).
    authority : str
        The authority's name (``la.yaml``'s ``name``), for the accessibility statement.
    contact : str
        How readers reach the authority about the report (``la.yaml``'s ``contact``,
        :func:`cpstats.publish.statement.contact_text`), or ``""``.
    release : tuple of (str, str)
        The release's facts a reader needs first (:func:`cpstats.present.release.release_facts`: release
        date, status, contact, revisions policy), plain text from ``la.yaml``; the About page opens with them.
    """

    title: str
    subtitle: str
    period: str
    lang: str
    version: str
    pdf_name: str
    timestamp: dt.datetime
    downloads: tuple[tuple[str, str], ...] = ()
    download_all: tuple[str, str] | tuple = ()
    about: str = ""
    section_downloads: tuple[tuple[str, str], ...] = ()
    draft: bool = False
    authority: str = ""
    contact: str = ""
    release: tuple[tuple[str, str], ...] = ()


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
    """The front page (``index.qmd``) as pandoc Markdown: front matter dropped, shortcodes expanded."""
    text = Path(path).read_text(encoding="utf-8")
    return expand_meta(_FRONT_MATTER.sub("", text, count=1), metadata).strip() + "\n"


# ----------------------------------------------------------------- pandoc's AST: text from data stays text

_EMPTY_ATTR = ["", [], []]
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def _plain(text: str) -> dict:
    return {"t": "Plain", "c": text_inlines(text)}


_NUMERIC_CELL = re.compile(r"^[+-]?[\d,]*\.?\d+%?$|^\[[cxz]\]$")


def _alignments(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The first column and columns of words to the left, columns of numbers (or GSS symbols) to the right."""
    def numeric(index: int) -> bool:
        return bool(rows) and all(_NUMERIC_CELL.match(str(row[index]).strip()) for row in rows if index < len(row))

    return ["AlignLeft"] + ["AlignRight" if numeric(i) else "AlignLeft" for i in range(1, len(columns))]


WITHHELD_NOTE_CLASS = "withheld-note"
"""The class of the block holding the note under a table or chart with ``[c]``: part of that table or chart,
not of the section's prose."""


def withheld_note_block(note: str) -> dict:
    """The note that says what ``[c]`` means, under a table or chart that holds one: a paragraph of text in a
    block of class :data:`WITHHELD_NOTE_CLASS`."""
    return {"t": "Div", "c": [["", [WITHHELD_NOTE_CLASS], []], [{"t": "Para", "c": [{"t": "Emph", "c": text_inlines(note)}]}]]}


def table_blocks(payload: Mapping, withheld_note: str | None = None) -> list:
    """A table's structured copy (:func:`cpstats.present.tables.table_payload`) as pandoc blocks.

    A ``Table`` whose caption, headings and cells are text (:func:`text_inlines`),
    followed by a ``Source: ...`` paragraph when the table names its source,
    and by ``withheld_note`` (:func:`cpstats.present.tables.withheld_note`) when
    given and a cell is ``[c]``.
    A row shorter than the headings is filled with empty cells; a longer one is
    a mistake in the notebook and an error.

    >>> [b["t"] for b in table_blocks({"caption": "By age", "source": "DfE", "columns": ["Age"], "rows": [["1"]]})]
    ['Table', 'Para']
    >>> [b["t"] for b in table_blocks({"caption": "By age", "columns": ["Age", "n"], "rows": [["1", "[c]"]]}, "[c]: withheld")]
    ['Table', 'Div']
    """
    from cpstats.present.tables import holds_withheld

    columns = [str(c) for c in payload.get("columns", [])]
    rows = [[str(cell) for cell in row] for row in payload.get("rows", [])]
    for row in rows:
        if len(row) > len(columns):
            raise ValueError(f"table {payload.get('caption')!r} has a row of {len(row)} cells under {len(columns)} headings")
        row.extend([""] * (len(columns) - len(row)))

    def cell(text: str) -> list:
        return [_EMPTY_ATTR, {"t": "AlignDefault"}, 1, 1, [_plain(text)] if text.strip() else []]

    caption = payload.get("caption")
    table = {"t": "Table", "c": [
        _EMPTY_ATTR,
        [None, [_plain(caption)] if caption else []],
        [[{"t": align}, {"t": "ColWidthDefault"}] for align in _alignments(columns, rows)],
        [_EMPTY_ATTR, [[_EMPTY_ATTR, [cell(c) for c in columns]]]],
        [[_EMPTY_ATTR, 0, [], [[_EMPTY_ATTR, [cell(c) for c in row]] for row in rows]]],
        [_EMPTY_ATTR, []],
    ]}
    blocks = [table]
    source = payload.get("source")
    if source:
        blocks.append({"t": "Para", "c": [{"t": "Emph", "c": text_inlines(f"Source: {source}")}]})
    if withheld_note and holds_withheld(rows):
        blocks.append(withheld_note_block(withheld_note))
    return blocks


def safe_url(url: str) -> bool:
    """Whether a link from commentary may stay a link: ``http``, ``https``, ``mailto`` or no scheme.

    Control characters and white space are ignored first, as browsers ignore them.

    >>> [safe_url(u) for u in ["https://gov.uk", "08_numbers.html#x", "java\\tscript:alert(1)", "data:text/html,x", "JAVASCRIPT:x"]]
    [True, True, False, False, False]
    """
    match = _SCHEME.match(_INVISIBLE.sub("", str(url)))
    return match is None or match[1].lower() in SAFE_URL_SCHEMES


def _stringify(node) -> str:
    """The text of inlines or blocks, as pandoc's ``stringify``."""
    if isinstance(node, list):
        return "".join(_stringify(item) for item in node)
    if not isinstance(node, dict):
        return ""
    kind, content = node.get("t"), node.get("c")
    if kind == "Str":
        return content
    if kind in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if kind in ("Code", "Math", "RawInline"):
        return content[1]
    if kind in ("Link", "Image", "Span"):
        return _stringify(content[1] if kind != "Span" else content[1])
    if kind in ("Header",):
        return _stringify(content[2])
    if kind == "Quoted":
        return '"' + _stringify(content[1]) + '"'
    if isinstance(content, list):
        return _stringify(content)
    return ""


def _clean_attr(attr: list) -> list:
    """An attribute keeping its identifier only: no classes, no key-value pairs."""
    return [attr[0] if attr else "", [], []]


def sanitize(node):
    """Text read from outside the project as text only, whatever pandoc made of it.

    On top of :data:`SAFE_MARKDOWN`: a raw block or inline becomes code (its text
    shown), maths and citations their text, an image its description, a link
    whose target is not :func:`safe_url` its words; classes and attributes are
    dropped everywhere.
    """
    if isinstance(node, list):
        return [sanitize(item) for item in node]
    if not isinstance(node, dict) or "t" not in node:
        return node
    kind, content = node["t"], node.get("c")
    if kind == "RawBlock":
        return {"t": "CodeBlock", "c": [_EMPTY_ATTR, content[1]]}
    if kind == "RawInline":
        return {"t": "Code", "c": [_EMPTY_ATTR, content[1]]}
    if kind == "Math":
        return {"t": "Str", "c": content[1]}
    if kind == "Cite":
        return {"t": "Span", "c": [_EMPTY_ATTR, sanitize(content[1])]}
    if kind == "Image":
        return {"t": "Span", "c": [_EMPTY_ATTR, sanitize(content[1])]}
    if kind == "Link":
        if not safe_url(content[2][0]):
            return {"t": "Span", "c": [_EMPTY_ATTR, sanitize(content[1])]}
        return {"t": "Link", "c": [_EMPTY_ATTR, sanitize(content[1]), [content[2][0], content[2][1]]]}
    if kind == "Figure":
        return {"t": "Div", "c": [_EMPTY_ATTR, sanitize(content[2])]}
    if kind in ("Code", "CodeBlock"):
        return {"t": kind, "c": [_clean_attr(content[0]), content[1]]}
    if kind in ("Div", "Span"):
        return {"t": kind, "c": [_clean_attr(content[0]), sanitize(content[1])]}
    if kind == "Header":
        return {"t": "Header", "c": [content[0], _clean_attr(content[1]), sanitize(content[2])]}
    if kind == "Table":
        return {"t": "Table", "c": [_clean_attr(content[0]), *sanitize(content[1:])]}
    return {"t": kind, "c": sanitize(content)} if "c" in node else dict(node)


_API_VERSION: list | None = None


def _api_version() -> list:
    global _API_VERSION
    if _API_VERSION is None:
        _API_VERSION = _read_json("", "markdown")["pandoc-api-version"]
    return _API_VERSION


def convert(text: str, to: str, reader: str, extra_args: Sequence[str] = (), filters: Sequence[str] = ()) -> str:
    """One pandoc conversion (:func:`pypandoc.convert_text`), without pypandoc's check of the formats, which
    starts pandoc twice more each time to list them: the project names only formats pandoc has."""
    import pypandoc

    return pypandoc.convert_text(text, to, format=reader, extra_args=list(extra_args), filters=list(filters) or None,
                                 verify_format=False)


def _read_json(text: str, reader: str) -> dict:
    return json.loads(convert(text, "json", reader, ["--wrap=none"]))


def _document(blocks: list, meta: Mapping | None = None) -> dict:
    return {"pandoc-api-version": _api_version(), "meta": dict(meta or {}), "blocks": blocks}


_READ_EACH = """local job = pandoc.json.decode(io.read("a"), false)
for _, text in ipairs(job.texts) do
  io.write(pandoc.write(pandoc.read(text, job.reader, {columns = 72}), "json"), "\\n")
end"""
"""The Lua script of :func:`_read_json_each`, run by ``pandoc lua``: each text read alone by pandoc's own
reader with the options its command line gives it (72 columns, which set a wide pipe table's widths; the
text's tabs and carriage returns as the command line leaves them: :func:`_as_the_command_line_reads`), and
written as pandoc's JSON, one document a line."""


def _as_the_command_line_reads(text: str) -> str:
    """A text as pandoc's command line hands it to its reader: carriage returns dropped, then each tab
    expanded to the next multiple of 4 columns on its line (``--tab-stop``), which ``pandoc.read`` in Lua
    does not do.

    >>> _as_the_command_line_reads("`a\\tb`\\r\\n\\tc")
    '`a  b`\\n    c'
    """
    return str(text).replace("\r", "").expandtabs(4)


def _read_json_each(texts: Sequence[str], reader: str) -> list[dict]:
    """Each text read alone, as :func:`_read_json` reads it, in one pandoc process (``pandoc lua``).

    A report's Markdown (its notebooks' cells, their other Markdown, its
    commentary) costs one start of pandoc per kind instead of one per section
    and kind. Nothing of one text reaches another (a footnote's or a link's
    label, a heading's identifier), as when each is read by a pandoc of its
    own. Where ``pandoc lua`` cannot run (a pandoc older than 3.1.1), each text
    is read by a pandoc of its own.
    """
    texts = [str(text) for text in texts]
    if len(texts) > 1:
        import subprocess

        import pypandoc

        job = {"reader": reader, "texts": [_as_the_command_line_reads(text) for text in texts]}
        try:
            done = subprocess.run([pypandoc.get_pandoc_path(), "lua", "-e", _READ_EACH], capture_output=True,
                                  check=True, input=json.dumps(job).encode("utf-8"))
            # one document a line; a line ends only at "\n" (JSON keeps U+2028 and U+0085 as they are)
            lines = done.stdout.split(b"\n")[:-1]
            if len(lines) == len(texts):
                return [json.loads(line) for line in lines]
        except (OSError, subprocess.CalledProcessError, UnicodeDecodeError, ValueError):
            pass
    return [_read_json(text, reader) for text in texts]


def read_markdown(texts: Sequence[str], reader: str = SAFE_MARKDOWN) -> list[list]:
    """Several Markdown texts as pandoc blocks, one list per text, each read alone, in one pandoc run.

    With :data:`SAFE_MARKDOWN` the blocks are also :func:`sanitize`\\ d.
    """
    parts = [document["blocks"] for document in _read_json_each(texts, reader)]
    return [sanitize(part) for part in parts] if reader == SAFE_MARKDOWN else parts


def _chart(match: re.Match, stem: str, figures: dict[str, bytes]) -> dict:
    """A chart's Markdown image as a pandoc ``Figure``: its file, its text alternative as the image's
    description (``alt``), and its title, or else its text alternative, as the caption."""
    name = f"{stem}-{len(figures) + 1}.{_EXTENSIONS[match['kind']]}"
    figures[name] = base64.b64decode("".join(match["data"].split()))
    alt = text_inlines(re.sub(r"\\(.)", r"\1", match["alt"]))
    title = text_inlines(re.sub(r"\\(.)", r"\1", match["title"] or ""))
    image = {"t": "Image", "c": [_EMPTY_ATTR, alt, [f"figures/{name}", ""]]}
    # the caption is the chart's title where it has one (its values are in the alt text and the table beside it)
    caption = title or alt
    return {"t": "Figure", "c": [_EMPTY_ATTR, [None, [{"t": "Plain", "c": caption}]], [{"t": "Plain", "c": [image]}]]}


def withheld_note_of(notebook) -> str | None:
    """The note under each table and chart holding ``[c]`` in an executed notebook, or ``None``.

    Only a public report withholds: the notebook's parameters as papermill ran it say which
    (``disclosure`` and ``disclosure_threshold``); a notebook not run by papermill is the sample as it is,
    an internal draft.
    """
    from cpstats.figures import DEFAULT_THRESHOLD
    from cpstats.present.tables import withheld_note

    parameters = notebook.get("metadata", {}).get("papermill", {}).get("parameters", {}) or {}
    if parameters.get("disclosure") != "public":
        return None
    threshold = parameters.get("disclosure_threshold", DEFAULT_THRESHOLD)
    return withheld_note(int(threshold))


def notebook_blocks(path: Path) -> tuple[str, list, dict[str, bytes]]:
    """An executed notebook as pandoc blocks: its title, the blocks, and its figure files.

    Markdown cells are the project's own words (:data:`PANDOC_MARKDOWN`); a
    table output is built from its structured copy (:func:`table_blocks`); an
    output carrying pandoc blocks (:data:`cpstats.present.text.BLOCKS_MIME`:
    sentences, main points) is laid out as it is, its text from data as text;
    commentary (:data:`cpstats.present.text.COMMENTARY_MIME`) is read with
    :data:`SAFE_MARKDOWN` and its placeholders' values put in as text
    (:func:`commentary_blocks`); a chart becomes a figure; any other Markdown
    output is read with :data:`SAFE_MARKDOWN`.
    """
    (blocks,) = notebooks_blocks([Path(path)])
    return blocks


def notebooks_blocks(notebooks: Sequence) -> list[tuple[str, list, dict[str, bytes]]]:
    """Executed notebooks as :func:`notebook_blocks` gives each, their Markdown read in one pandoc run
    per reader (each text still read alone: :func:`read_markdown`). Each is a path, or a pair of a path and
    the notebook already read from it."""
    import nbformat

    read_in = [item if isinstance(item, tuple) else (Path(item), nbformat.read(Path(item), as_version=4))
               for item in notebooks]
    pieced = [_notebook_pieces(Path(path), notebook) for path, notebook in read_in]
    found = {}  # (notebook, piece) -> blocks
    for kind, read in (("trusted", lambda texts: read_markdown(texts, PANDOC_MARKDOWN)), ("safe", read_markdown),
                       ("commentary", commentary_blocks)):
        keys = [(n, i) for n, (pieces, _) in enumerate(pieced) for i, (k, _) in enumerate(pieces) if k == kind]
        found.update(zip(keys, read([pieced[n][0][i][1] for n, i in keys])))
    results = []
    for n, ((path, _), (pieces, figures)) in enumerate(zip(read_in, pieced)):
        blocks = [block for i, (kind, value) in enumerate(pieces) for block in (value if kind == "blocks" else found[(n, i)])]
        title = next((_stringify(b) for b in blocks if b["t"] == "Header" and b["c"][0] == 1), Path(path).stem)
        results.append((title.strip(), blocks, figures))
    return results


def _notebook_pieces(path: Path, notebook) -> tuple[list, dict[str, bytes]]:
    """An executed notebook's pieces, in order: ``("blocks", [...])`` laid out already, or Markdown still to read
    (``("trusted" | "safe", text)``, ``("commentary", (markdown, values))``); and its figure files."""
    from cpstats.present.tables import TABLE_MIME
    from cpstats.present.text import BLOCKS_MIME, COMMENTARY_MIME

    note = withheld_note_of(notebook)
    figures: dict[str, bytes] = {}
    pieces: list = []  # ("trusted" | "safe", text) or ("blocks", [...])
    offered = 0  # tables offered for download only, numbered as the downloads number them
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            pieces.append(("trusted", cell.source))
        elif cell.cell_type == "code":
            for output in report_outputs(cell.get("outputs", [])):
                data = output.get("data", {})
                if TABLE_MIME in data and _json_value(data[TABLE_MIME]).get("download_only"):
                    offered += 1
                    pieces.append(("blocks", [download_link_block(_json_value(data[TABLE_MIME]), path.stem, offered)]))
                    continue
                if TABLE_MIME in data:
                    pieces.append(("blocks", table_blocks(data[TABLE_MIME], note)))
                    continue
                if BLOCKS_MIME in data:
                    pieces.append(("blocks", sanitize(_json_value(data[BLOCKS_MIME]))))
                    continue
                if COMMENTARY_MIME in data:
                    commentary = _json_value(data[COMMENTARY_MIME])
                    pieces.append(("commentary", (str(commentary["markdown"]), dict(commentary.get("values") or {}))))
                    continue
                chart_meta = output.get("metadata", {}).get("cpstats", {}).get("chart", {})
                withheld_chart = bool(chart_meta.get("withheld"))
                chart_note = [withheld_note_block(note)] if note and withheld_chart else []
                if chart_meta.get("source"):  # a chart's source line, as a table's (text from data as text)
                    chart_note.insert(0, {"t": "Para", "c": [{"t": "Emph", "c": text_inlines(f"Source: {chart_meta['source']}")}]})
                text = data.get("text/markdown")
                if text is None:
                    for mime, kind in (("image/svg+xml", "svg+xml"), ("image/png", "png"), ("image/jpeg", "jpeg")):
                        if mime in data:
                            raw = data[mime] if kind != "svg+xml" else base64.b64encode(str(data[mime]).encode()).decode()
                            match = _DATA_IMAGE.fullmatch(f"![Chart](data:image/{kind};base64,{raw})")
                            pieces.append(("blocks", [_chart(match, path.stem, figures), *chart_note]))
                            break
                    continue
                text = "".join(text) if isinstance(text, list) else str(text)
                chart = _DATA_IMAGE.fullmatch(text.strip())
                if chart:
                    pieces.append(("blocks", [_chart(chart, path.stem, figures), *chart_note]))
                else:
                    pieces.append(("safe", text))
    return pieces, figures


def download_link_block(payload: Mapping, section: str, number: int) -> dict:
    """The link to a table offered for download only (:func:`cpstats.present.tables.offer`), where the notebook shows
    it: a raw HTML block (the PDF holds no files, so it shows nothing), its words escaped.

    >>> download_link_block({"caption": "Every <b> authority", "rows": [[1], [2]]}, "08_numbers", 1)["c"][1]
    '<p class="download-link"><a href="downloads/08_numbers-download-1.csv">Every &lt;b&gt; authority (CSV, 2 rows)</a></p>'
    """
    import html

    from cpstats.present.tables import table_file_stem

    href = f"downloads/{table_file_stem(section, number, download_only=True)}.csv"
    words = f"{payload.get('caption') or 'Table'} (CSV, {len(payload.get('rows') or [])} rows)"
    return {"t": "RawBlock", "c": ["html", f'<p class="download-link"><a href="{html.escape(href)}">'
                                           f"{html_words(words)}</a></p>"]}  # a year in it kept on one line


def _json_value(value):
    """A JSON output as nbformat keeps it (parsed, or text in an older notebook)."""
    return json.loads(value) if isinstance(value, str) else json.loads(json.dumps(value))


def commentary_blocks(commentaries: Sequence[tuple[str, Mapping[str, str]]]) -> list[list]:
    """Commentary as pandoc blocks: each ``(markdown, values)`` (:func:`cpstats.present.commentary.commentary_parts`)
    read with :data:`SAFE_MARKDOWN`, then each value's word replaced by the value as text (:func:`_substitute`),
    then :func:`sanitize`\\ d again (a value put into a link's target is checked as the target it makes).

    >>> (blocks,) = commentary_blocks([("We are **w1**.", {"w1": "[t](https://evil.example) **x**"})])
    >>> blocks[0]["c"][4]["c"]
    [{'t': 'Str', 'c': '[t](https://evil.example)'}, {'t': 'Space'}, {'t': 'Str', 'c': '**x**'}]
    """
    read = read_markdown([markdown for markdown, _ in commentaries])
    return [sanitize(_substitute(blocks, dict(values))) if values else blocks
            for blocks, (_, values) in zip(read, commentaries)]


def headline_points(path) -> list[str]:
    """The report's headline points an executed notebook holds: its main points marked for the front page
    (the ``cpstats.main_points.headline`` metadata of :class:`cpstats.present.sentences.MainPoints`), as plain text.
    ``path`` is the notebook's path, or the notebook already read."""
    import nbformat

    points: list[str] = []
    for cell in (path if hasattr(path, "cells") else nbformat.read(Path(path), as_version=4)).cells:
        for output in report_outputs(cell.get("outputs", [])) if cell.cell_type == "code" else ():
            found = output.get("metadata", {}).get("cpstats", {}).get("main_points", {}).get("headline", [])
            points += [str(point) for point in found]
    return points


CHOSEN_BY_RULE = "These points are chosen from the report's figures by a fixed rule, set out in the Definitions."
"""What follows the year in brief: it is chosen by a rule, not by hand."""


def brief_points(path) -> list[str]:
    """The year in brief an executed notebook holds (the ``cpstats.year_in_brief`` metadata of
    :class:`cpstats.present.brief.YearInBrief`), as plain text; ``[]`` when it holds none. ``path`` is the
    notebook's path, or the notebook already read."""
    import nbformat

    points: list[str] = []
    for cell in (path if hasattr(path, "cells") else nbformat.read(Path(path), as_version=4)).cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else ():
            found = output.get("metadata", {}).get("cpstats", {}).get("year_in_brief", {}).get("points", [])
            points += [str(point) for point in found]
    return points


def main_points_blocks(points: Sequence[str], level: int = 1, brief: bool = False) -> list:
    """The report's opening points as a heading and a bulleted list of text (each point plain text, text
    from data in it as text: :func:`text_inlines`), or nothing when there are none. With ``brief``, the
    points are the year in brief (:mod:`cpstats.present.brief`), under that heading; otherwise the
    sections' headline points, under "Main points"."""
    from cpstats.present.brief import HEADING
    from cpstats.present.text import bullet_list, heading

    points = [point for point in points if str(point).strip()]
    if not points:
        return []
    if brief:
        return [heading(level, HEADING, "year-in-brief", ["unnumbered"]), bullet_list(points),
                {"t": "Para", "c": text_inlines(CHOSEN_BY_RULE)}]
    return [heading(level, "Main points", "main-points", ["unnumbered"]), bullet_list(points)]


def _when_meta(blocks: list, metadata: Mapping[str, object]) -> list:
    """Quarto's conditional content: keep a ``content-visible``/``content-hidden`` div's blocks by ``when-meta``."""
    kept = []
    for block in blocks:
        if block.get("t") == "Div":
            (_, classes, pairs), inner = block["c"]
            condition = dict(pairs).get("when-meta")
            if condition is not None and ("content-visible" in classes or "content-hidden" in classes):
                if bool(metadata.get(condition)) == ("content-visible" in classes):
                    kept += _when_meta(inner, metadata)
                continue
        kept.append(block)
    return kept


def _substitute(node, values: Mapping[str, str]):
    """Replace each placeholder word in ``Str`` inlines by its value, as text (and in the text of code and
    a link's target, which are literal text too)."""
    if isinstance(node, dict) and node.get("t") in ("Code", "CodeBlock", "Link") and values:
        pattern = re.compile("|".join(map(re.escape, values)))

        def put(text: str) -> str:
            return pattern.sub(lambda m: " ".join(str(values[m.group(0)]).split()), text)

        if node["t"] == "Link":
            attr, inlines, (url, title) = node["c"]
            if not safe_url(put(url)):  # a value that makes the target a javascript: link leaves only the words
                return {"t": "Span", "c": [_EMPTY_ATTR, _substitute(inlines, values)]}
            return {"t": "Link", "c": [attr, _substitute(inlines, values), [put(url), put(title)]]}
        return {"t": node["t"], "c": [node["c"][0], put(node["c"][1])]}
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and item.get("t") == "Str" and any(key in item["c"] for key in values):
                pattern = "(" + "|".join(map(re.escape, values)) + ")"
                for piece in re.split(pattern, item["c"]):
                    if piece in values:
                        text = str(values[piece])
                        value = text_inlines(text)
                        if text[:1].isspace():  # the value's own space before and after it stays
                            out.append({"t": "Space"})
                        out += value
                        if value and text[-1:].isspace():
                            out.append({"t": "Space"})
                    elif piece:
                        out.append({"t": "Str", "c": piece})
            else:
                out.append(_substitute(item, values))
        return out
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    return node


def front_page_blocks(path: Path, metadata: Mapping[str, object]) -> list:
    """The front page (``index.qmd``) as pandoc blocks: front matter dropped, ``{{< meta key >}}`` values put
    in as text, Quarto's ``when-meta`` conditional content kept or dropped."""
    text = _FRONT_MATTER.sub("", Path(path).read_text(encoding="utf-8"), count=1)
    nonce = secrets.token_hex(8)
    values: dict[str, str] = {}

    def placeholder(match: re.Match) -> str:
        key = match["key"]
        if key not in metadata:
            raise KeyError(f"front page uses {{{{< meta {key} >}}}}, which the build does not provide")
        word = f"cpstatsmeta{nonce}x{len(values)}x"
        values[word] = str(metadata[key])
        return word

    text = _META.sub(placeholder, text)
    (blocks,) = read_markdown([text], PANDOC_MARKDOWN)
    return _substitute(_when_meta(blocks, metadata), values) if values else _when_meta(blocks, metadata)


def blocks_to_html(blocks: list, shift_headings: int = 0) -> str:
    """Pandoc blocks as an HTML5 fragment."""
    args = ["--wrap=none", *([f"--shift-heading-level-by={shift_headings}"] if shift_headings else [])]
    return convert(json.dumps(_document(blocks)), "html5", "json", args)


def _has_note(blocks: list) -> bool:
    return '"t": "Note"' in json.dumps(blocks)


def blocks_to_html_many(documents: Sequence[list]) -> list[str]:
    """Several documents' blocks as HTML5 fragments, each as :func:`blocks_to_html` gives it, in one pandoc run.

    A report's pages are some twenty documents: one pandoc start each cost more than writing them. The
    documents are written as one, apart by a raw HTML comment holding a word no document can know (a fresh
    random one), and the output is cut there. A document with a footnote (which pandoc puts at the end of the
    whole output) or an empty one is written alone.
    """
    documents = [list(blocks) for blocks in documents]
    alone = [not blocks or _has_note(blocks) for blocks in documents]
    together = [i for i, a in enumerate(alone) if not a]
    marker = f"cpstats-split-{secrets.token_hex(16)}"
    written: dict[int, str] = {}
    if len(together) > 1 and marker not in json.dumps(documents):
        separator = {"t": "RawBlock", "c": ["html", f"<!--{marker}-->"]}
        joined = [block for n, i in enumerate(together) for block in ([separator] if n else []) + documents[i]]
        output = convert(json.dumps(_document(joined)), "html5", "json", ["--wrap=none"])
        parts = output.split(f"\n<!--{marker}-->\n")
        if len(parts) == len(together):
            written = {i: part if n == len(together) - 1 else part + "\n" for n, (i, part) in enumerate(zip(together, parts))}
    return [written[i] if i in written else blocks_to_html(blocks) for i, blocks in enumerate(documents)]


# ----------------------------------------------------------------- HTML


def _pandoc(markdown: str, to: str, extra_args: Sequence[str] = (), filters: Sequence[str] = ()) -> str:
    """Convert with pandoc. ``--columns`` is wide so pipe tables get natural column widths."""
    return convert(markdown, to, PANDOC_MARKDOWN, ["--wrap=none", "--columns=10000", *extra_args], filters)


def markdown_to_html(markdown: str, shift_headings: int = 0) -> str:
    """pandoc Markdown as an HTML5 fragment.

    >>> print(markdown_to_html("| A | B |\\n|:--|--:|\\n| x | 1 |\\n\\n: Caption").splitlines()[0])
    <table>
    """
    args = [f"--shift-heading-level-by={shift_headings}"] if shift_headings else []
    return _pandoc(markdown, "html5", args)


def _environment():
    """Jinja, autoescaping every value put in a page; only pandoc's own HTML goes in as markup."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def html_page(template: str, **values) -> str:
    """A page from one of :data:`TEMPLATES`, every value escaped (wrap pandoc's HTML in :func:`markupsafe.Markup`).

    Every page states :data:`CONTENT_SECURITY_POLICY`.
    """
    return _environment().get_template(template).render(csp=CONTENT_SECURITY_POLICY, **values)


def _page(info: ReportInfo, page_title: str, body: str, pager_links: Sequence[tuple] = ()) -> str:
    from markupsafe import Markup

    return html_page(
        "page.html",
        lang=info.lang, version=info.version, page_title=page_title, book_title=info.title,
        subtitle=info.subtitle, stylesheet="report.css", pager_links=list(pager_links), body=Markup(body),
        draft=DRAFT_MARK if info.draft else "", accessibility=ACCESSIBILITY_PAGE,
        footer=(f"{info.title}, {info.subtitle}. Every figure is computed from the authority's "
                f"record-level data by cpstats {info.version}."),
    )


def _pager(sections: Sequence[Section], index: int) -> list[tuple[str, str, str, str]]:
    """Previous, contents and next links for the section at ``index``: (class, href, rel, words)."""
    items = []
    if index > 0:
        previous = sections[index - 1]
        items.append(("previous", previous.href, "prev", f"Previous: {previous.title}"))
    else:
        items.append(("previous", "index.html", "prev", "Previous: Contents"))
    items.append(("contents", "index.html", "", "Contents"))
    if index + 1 < len(sections):
        following = sections[index + 1]
        items.append(("next", following.href, "next", f"Next: {following.title}"))
    return items


def _contents(sections: Sequence[Section]) -> str:
    links = "".join(f'<li><a href="{html.escape(s.href)}">{html_words(s.title)}</a></li>' for s in sections)
    return f'<nav class="contents" aria-labelledby="contents"><h2 id="contents">Contents</h2><ul>{links}</ul></nav>'


def _downloads(info: ReportInfo) -> str:
    return (
        '<section class="downloads" aria-labelledby="downloads"><h2 id="downloads">Downloads</h2><ul>'
        + "".join(f'<li><a href="{html.escape(href)}">{html_words(words)}</a></li>' for words, href in download_links(info))
        + f"</ul><p>{html.escape(MORE_DOWNLOADS)}</p></section>"
    )


def _has_table(blocks: list) -> bool:
    return any(block.get("t") == "Table" for block in blocks)


def _table_caption(table: dict) -> str:
    return _stringify(table["c"][1][1]) or "Table"


def scrolling_tables(blocks: list, classes: Sequence[str] = ("table-scroll",)) -> list:
    """Each table in a box of its own that scrolls sideways (``div.table-scroll``), never the page.

    The box is a labelled region that can take the keyboard's focus, so that it can be scrolled
    without a mouse. ``classes`` are the box's (Quarto's pages add Bootstrap's ``table-responsive``).
    Each table's first column holds its rows' headers (:func:`row_headers`).
    """
    wrapped = []
    for block in blocks:
        if block.get("t") == "Table":
            attributes = [["role", "region"], ["tabindex", "0"], ["aria-label", _table_caption(block)]]
            wrapped.append({"t": "Div", "c": [["", list(classes), attributes], [row_headers(block)]]})
        else:
            wrapped.append(block)
    return wrapped


def _scoped(cell: list, scope: str) -> list:
    """A table cell (pandoc's ``Cell``) whose attributes say which cells it heads."""
    identifier, classes, pairs = cell[0]
    return [[identifier, classes, [*(p for p in pairs if p[0] != "scope"), ["scope", scope]]], *cell[1:]]


def row_headers(table: dict) -> dict:
    """A pandoc ``Table`` whose first column heads its rows, for a screen reader to announce with each value.

    In HTML the first cell of each body row is a ``<th scope="row">`` (pandoc's row head columns) and each
    cell of the heading row a ``<th scope="col">``. A table of one column is left as it is.

    >>> from cpstats.present.text import text_inlines
    >>> html = blocks_to_html([row_headers(table_blocks({"columns": ["Age", "Children"], "rows": [["Under 1", "4"]]})[0])])
    >>> "<th" in html and 'scope="row">Under 1</th>' in html and 'scope="col">Children</th>' in html
    True
    """
    attr, caption, specs, head, bodies, foot = table["c"]
    if len(specs) < 2:
        return table
    head = [head[0], [[row[0], [_scoped(cell, "col") for cell in row[1]]] for row in head[1]]]
    bodies = [[body[0], 1, body[2], [[row[0], [_scoped(row[1][0], "row"), *row[1][1:]] if row[1] else row[1]]
                                     for row in body[3]]] for body in bodies]
    return {"t": "Table", "c": [attr, caption, specs, head, bodies, foot]}


def unbroken_years(node):
    """Pandoc blocks or inlines with every word (``Str``) holding a reporting year (:data:`YEAR`) in a ``Span``
    of class :data:`NOWRAP_CLASS`, so that a narrow column or a phone never splits "2013-14" into "2013-" and
    "14". The text is unchanged: the span only tells the browser where not to break a line.

    >>> unbroken_years([{"t": "Str", "c": "(2013-14:"}, {"t": "Space"}, {"t": "Str", "c": "5)"}])  # doctest: +NORMALIZE_WHITESPACE
    [{'t': 'Span', 'c': [['', ['nowrap'], []], [{'t': 'Str', 'c': '(2013-14:'}]]}, {'t': 'Space'}, {'t': 'Str', 'c': '5)'}]
    """
    if isinstance(node, list):
        return [{"t": "Span", "c": [["", [NOWRAP_CLASS], []], [item]]}
                if isinstance(item, dict) and item.get("t") == "Str" and YEAR.search(item["c"]) else unbroken_years(item)
                for item in node]
    if not isinstance(node, dict) or node.get("t") in ("Image", "Code", "CodeBlock", "RawBlock", "RawInline", "Math"):
        return node
    if isinstance(node.get("c"), list):
        return {**node, "c": unbroken_years(node["c"])}
    return node


def web_blocks(blocks: list, classes: Sequence[str] = ("table-scroll",)) -> list:
    """A page's blocks as both renderers lay them out on the web: each table in its scrolling box with its
    rows' headers (:func:`scrolling_tables`), reporting years kept on one line (:func:`unbroken_years`)."""
    return unbroken_years(scrolling_tables(blocks, classes))


def pdf_column_widths(columns: Sequence[str], rows: Sequence[Sequence[str]],
                      room: int = PDF_TABLE_CHARACTERS) -> list[float] | None:
    """Column widths (fractions of the text width) for a table too wide for the PDF page, or ``None``.

    A table whose widest cells fit side by side is left to Typst's automatic widths (and kept as narrow as
    its contents). A wider one is laid out as a reader expects: each column at least as wide as its longest
    word; a column of numbers as wide as its figures and its heading on up to three lines; the first
    column, of words, as wide as what is left allows, so that a label is not squeezed into a column one
    word wide beside numbers with room to spare.

    >>> pdf_column_widths(["Age", "Children"], [["Under 1", "4"]]) is None
    True
    >>> widths = pdf_column_widths(["Measure", "Rutland (synthetic sample) 2017-18", "England 2017-18"],
    ...                            [["Children on a plan for 2 years or more on 31 March (%)", "0.0%", "1.8%"]], room=50)
    >>> [round(w, 2) for w in widths], round(sum(widths), 6)
    ([0.56, 0.26, 0.18], 1.0)
    """
    count = len(columns)
    cells = [[str(columns[i])] + [str(row[i]) for row in rows if i < len(row)] for i in range(count)]
    natural = [max(len(text) for text in column) + 2 for column in cells]
    if sum(natural) <= room:
        return None
    longest_word = [max((len(word) for text in column for word in text.split()), default=1) + 2 for column in cells]
    wanted = [natural[0]] + [
        max(longest_word[i], max((len(text) for text in cells[i][1:]), default=0) + 2, -(-len(cells[i][0]) // 3) + 2)
        for i in range(1, count)
    ]
    if sum(wanted) <= room:
        widths = wanted[:]
        widths[0] += room - sum(wanted)  # the label column takes what is left
    else:
        spare = max(room - sum(longest_word), 0)
        stretch = [w - m for w, m in zip(wanted, longest_word)]
        widths = [m + spare * s / (sum(stretch) or 1) for m, s in zip(longest_word, stretch)]
    return [w / sum(widths) for w in widths]


def _table_rows(table: dict) -> int:
    return sum(len(body[3]) for body in table["c"][4])


def _table_texts(table: dict) -> tuple[list[str], list[list[str]]]:
    """A pandoc ``Table``'s headings and body cells as plain text."""
    (head_row, *_) = table["c"][3][1] or [[None, []]]
    columns = [_stringify(cell[4]) for cell in head_row[1]]
    rows = [[_stringify(cell[4]) for cell in row[1]] for body in table["c"][4] for row in body[3]]
    return columns, rows


def _pdf_blocks(stem: str, blocks: list, first: bool, small: bool = False) -> list:
    """A section's blocks for the PDF: a page break before a main part, each table in ``kept-table``.

    A table keeps its source with it; its column widths are set where its cells would not fit side by side
    (:func:`pdf_column_widths`); a table of :data:`SHORT_TABLE` rows or more may run over a page, and only
    when three rows stay and three go over (the template's ``kept-table``). ``small`` sets a table in the
    appendix's smaller type.
    """
    out = [] if first or stem not in MAIN_PARTS else [{"t": "RawBlock", "c": ["typst", "#pagebreak(weak: true)"]}]
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        if block.get("t") != "Table":
            out.append(block)
            continue
        if all(spec[1]["t"] == "ColWidthDefault" for spec in block["c"][2]):
            widths = pdf_column_widths(*_table_texts(block))
            if widths:
                block = {"t": "Table", "c": [*block["c"][:2],
                                             [[align, {"t": "ColWidth", "c": width}] for (align, _), width in zip(block["c"][2], widths)],
                                             *block["c"][3:]]}
        kept = [block]
        if index < len(blocks) and _stringify(blocks[index]).startswith("Source: "):
            kept.append(blocks[index])  # a table's source stays with it
            index += 1
        if index < len(blocks) and _stringify(blocks[index]).startswith("[c]: "):
            kept.append(blocks[index])  # and so does the note saying what [c] means in it
            index += 1
        # what leads to the table (a short sentence introducing it, the headings above) goes with it
        lead = []
        if out and out[-1].get("t") == "Para" and len(_stringify(out[-1])) <= TABLE_INTRODUCTION:
            lead.insert(0, out.pop())
        while out and out[-1].get("t") == "Header":
            lead.insert(0, out.pop())
        rows = _table_rows(block)
        opening = f"#kept-table({rows if rows >= SHORT_TABLE else 0}{', small: true' if small else ''}"
        if lead:
            out += [{"t": "RawBlock", "c": ["typst", opening + ", lead: ["]}, *lead, {"t": "RawBlock", "c": ["typst", "])["]}]
        else:
            out.append({"t": "RawBlock", "c": ["typst", opening + ")["]})
        out += [*kept, {"t": "RawBlock", "c": ["typst", "]"]}]
    return out


def _section_blocks(section: Section) -> list:
    if section.blocks is not None:
        return section.blocks
    (blocks,) = read_markdown([section.markdown], PANDOC_MARKDOWN)
    return blocks


ABOUT_PAGE = "about.html"
"""The web page of the front page's "About this report" and the report's version (commit, fingerprint)."""


def render_html(info: ReportInfo, front_page, sections: Sequence[Section], site_dir: Path,
                main_points: Sequence[str] = (), brief: bool = False) -> list[Path]:
    """Write ``index.html`` (title, main points, contents), ``about.html``, one page per section and the
    accessibility statement (:data:`ACCESSIBILITY_PAGE`, linked from every page's footer).

    ``front_page`` is pandoc blocks (:func:`front_page_blocks`), or trusted Markdown. The index shows
    what a reader came for: the report's headline points (``main_points``, Markdown, see
    :func:`headline_points`), the contents and two downloads, the PDF and "Download all"
    (:func:`download_links`). The front page (what the report is, how it protects privacy), the report's
    version (``info.about``: commit, data fingerprint) and its other downloads (:func:`more_downloads_blocks`)
    are on a page of their own, :data:`ABOUT_PAGE`, linked from the contents. Every table scrolls within a
    box of its own with its rows' headers, and years stay on one line (:func:`web_blocks`), so that no page
    is wider than the screen.

    Returns
    -------
    list of Path
        The pages written.
    """
    site_dir = Path(site_dir)
    if isinstance(front_page, str):
        (front_page,) = read_markdown([front_page], PANDOC_MARKDOWN)
    about = []
    if info.about:
        (about,) = read_markdown([info.about], PANDOC_MARKDOWN)
    about_section = Section(Path(ABOUT_PAGE).stem, _about_title(front_page))
    # every page's body in one pandoc run
    points_html, about_html, *section_html = blocks_to_html_many(
        [web_blocks(main_points_blocks(main_points, level=2, brief=brief)) if main_points else [],
         web_blocks(front_page + about + more_downloads_blocks(info)),
         *(web_blocks(_section_blocks(section)) for section in sections)])
    index_body = (
        f"<h1>{html_words(info.title)}</h1>\n<p class=\"lead\">{html_words(info.subtitle)}<br>"
        f"{html_words(info.period)}</p>\n"
        + (f"<p class=\"release\">{html_words(release_line(info))}</p>\n" if release_line(info) else "")
        + (points_html if main_points else "")
        + _contents([about_section, *sections]) + _downloads(info)
    )
    pages = {
        site_dir / "index.html": _page(info, f"{info.title}: {info.subtitle}", index_body),
        site_dir / ABOUT_PAGE: _page(
            info, f"{about_section.title} - {info.title}: {info.subtitle}",
            about_html,
            [("contents", "index.html", "", "Contents")] + ([("next", sections[0].href, "next", f"Next: {sections[0].title}")] if sections else []),
        ),
    }
    statement = accessibility_section(info)
    pages[site_dir / statement.href] = _page(
        info, f"{statement.title} - {info.title}: {info.subtitle}", blocks_to_html(web_blocks(statement.blocks)),
        [("contents", "index.html", "", "Contents")])
    for number, section in enumerate(sections):
        pages[site_dir / section.href] = _page(
            info,
            f"{section.title} - {info.title}: {info.subtitle}",
            section_html[number],
            _pager(sections, number),
        )
    for path, text in pages.items():
        path.write_text(text, encoding="utf-8")
    (site_dir / "report.css").write_bytes((TEMPLATES / "report.css").read_bytes())
    return [*pages, site_dir / "report.css"]


def accessibility_section(info: ReportInfo) -> Section:
    """The accessibility statement (:mod:`cpstats.publish.statement`) as a web page of the report, dated as the
    report is (``info.timestamp``)."""
    from cpstats.publish.statement import TITLE, statement_blocks

    authority = info.authority or info.subtitle.rsplit(",", 1)[0]
    blocks = statement_blocks(f"{info.title}, {info.subtitle}", authority, info.contact, info.timestamp)
    return Section(Path(ACCESSIBILITY_PAGE).stem, TITLE, blocks=blocks)


def _about_title(front_page: list) -> str:
    """The front page's first heading ("About this report"), or those words."""
    return next((_stringify(b["c"][2]) for b in front_page if b.get("t") == "Header"), "") or "About this report"


# ----------------------------------------------------------------- PDF


def typst_string(text: str) -> str:
    r"""Text as a Typst string literal, quotes included: the one place Typst is written by hand.

    Backslashes and double quotes are escaped, line breaks and other control
    characters become spaces, so nothing in ``text`` can end the string.

    >>> print(typst_string('Evil "x") #read("a.csv") \\ \n end'))
    "Evil \"x\") #read(\"a.csv\") \\   end"
    """
    text = re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", " ", str(text))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typst_args(info: ReportInfo) -> list[str]:
    lang, _, region = info.lang.partition("-")
    args = [
        "--standalone",
        f"--template={TEMPLATES / 'report.typ'}",
        "--variable", f"title-plain={typst_string(info.title + ': ' + info.subtitle)}",
        "--variable", f"text-lang={typst_string(lang.lower())}",
        "--variable", f"text-region={typst_string((region or 'GB').upper())}",
    ]
    if info.draft:
        args += ["--variable", f"draft-mark={typst_string(DRAFT_MARK)}"]
    return args


def _report_meta(info: ReportInfo) -> dict:
    """Title, subtitle, period and the release's line ("Published 15 October 2018. Management information.") as
    pandoc metadata made of text: the Typst writer escapes them."""
    return {key: {"t": "MetaInlines", "c": text_inlines(value)}
            for key, value in (("title", info.title), ("subtitle", info.subtitle), ("date", info.period),
                               ("release", release_line(info))) if value}


def markdown_to_typst(markdown: str, info: ReportInfo) -> str:
    """The whole report as a Typst document, through pandoc and ``templates/report.typ`` (trusted Markdown)."""
    (blocks,) = read_markdown([markdown], PANDOC_MARKDOWN)
    return blocks_to_typst(blocks, info)


def blocks_to_typst(blocks: list, info: ReportInfo) -> str:
    """The whole report, as pandoc blocks, as a Typst document in ``templates/report.typ``."""
    return convert(json.dumps(_document(blocks, _report_meta(info))), "typst", "json",
                   ["--wrap=none", *_typst_args(info)], [str(TEMPLATES / "figures.lua")])


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
    options = dict(output=str(pdf_path), root=str(work_dir), font_paths=[str(_font_dir())],
                   ignore_system_fonts=True, timestamp=timestamp, pdf_standards=list(PDF_STANDARDS))
    _, warnings = typst.compile_with_warnings(str(source), **options)
    if any(_UNSETTLED in str(warning) for warning in warnings for _UNSETTLED in UNSETTLED_LAYOUT):
        # the tables' placement did not settle within Typst's five layouts: lay long tables out simply
        _, warnings = typst.compile_with_warnings(str(source), sys_inputs={"table-layout": "simple"}, **options)
        if any(_UNSETTLED in str(warning) for warning in warnings for _UNSETTLED in UNSETTLED_LAYOUT):
            raise RuntimeError(f"the PDF's layout did not settle: {'; '.join(map(str, warnings))}")
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


DEFINITIONS = "definitions"
"""The appendix that defines every measure (:func:`definitions_section`), after the report's sections."""


def _dfe_table(source: str) -> str:
    """Where DfE publishes a measure, as a reader names it: ``Children in need, c1: referral_count`` is
    "DfE, Children in need statistics, table C1" (the file's column is in ``docs/measures.md``)."""
    found = re.match(r"^Children in need, (\w+): ", source)
    return f"DfE, Children in need statistics, table {found.group(1).upper()}" if found else source


def definitions_section() -> Section:
    """The "Definitions" appendix: every measure in the report's words, its definition and DfE's comparable figure.

    Made from :func:`cpstats.figures.definitions.measure_definitions` (the measures' docstrings, as
    ``docs/guide/measures.md`` is) as pandoc blocks: a heading, a paragraph and a table of text, never Markdown.

    >>> section = definitions_section()
    >>> section.title, [block["t"] for block in section.blocks][:3]
    ('Definitions', ['Header', 'Para', 'Para'])
    """
    from cpstats.figures.definitions import measure_definitions
    from cpstats.present.labels import figure_label
    from cpstats.figures.uncertainty import INTERVAL_METHOD

    from cpstats.present.definitions import reader_definition

    rows = [[figure_label(name), reader_definition(name, definition), _dfe_table(source)]
            for name, definition, source in measure_definitions()]
    intro = ("What each measure of the report counts, and when, following the definitions of the Department for "
             "Education's Characteristics of children in need statistics. A reporting year runs from "
             "1 April to 31 March. Tables give percentages and rates to one decimal place; the text gives percentages "
             "as whole numbers. Both are rounded half up from the exact value, never from each other: a share of "
             "38.46 per cent is 38.5 in a table and 38 per cent in the text. Numbers are written as numerals, "
             "as GOV.UK's style asks, and no sentence begins with one. The last column names the table of DfE's Children in "
             "need statistics that publishes the same figure for every authority, when one does.")
    table, *source = table_blocks({"caption": "Definitions of the measures", "columns": ["Measure", "Definition", "DfE's figure"],
                                   "rows": rows, "source": "cpstats, following DfE's Children in need statistics"})
    table["c"][2] = [[align, {"t": "ColWidth", "c": width}] for (align, _), width in zip(table["c"][2], (0.25, 0.53, 0.22))]
    from cpstats.present.brief import RULE

    blocks = [
        {"t": "Header", "c": [1, [DEFINITIONS, ["unnumbered"], []], text_inlines("Definitions")]},
        {"t": "Para", "c": text_inlines(intro)},
        {"t": "Para", "c": text_inlines(INTERVAL_METHOD)},
        {"t": "Para", "c": text_inlines(RULE)},
        table, *source,
    ]
    return Section(DEFINITIONS, "Definitions", blocks=blocks)


@dataclass(frozen=True)
class ReportPages:
    """The report as pandoc documents: what both renderers lay out (the built-in one and Quarto).

    Attributes
    ----------
    front : list
        The front page's blocks (:func:`front_page_blocks`): what the report is and how it protects privacy.
    about : list
        The report's version (``ReportInfo.about``) as blocks: the end of the "About this report" page.
    sections : tuple of Section
        One per notebook, in order, then the Definitions appendix (:func:`definitions_section`).
    links : mapping
        Per section (its ``stem``), the blocks of its download links, which end its web page (not the PDF);
        only a section with a table has them.
    points : tuple of str
        The year in brief (:func:`brief_points`), for the web front page and the PDF's first page; where no
        notebook makes one, the sections' headline points (:func:`headline_points`).
    figures : mapping
        Chart file name to bytes (``figures/<name>``).
    brief : bool
        Whether ``points`` are the year in brief.
    """

    front: list
    about: list
    sections: tuple
    links: Mapping[str, list]
    points: tuple
    figures: Mapping[str, bytes]
    downloads: list = field(default_factory=list)
    """The "Downloads" part of the "About this report" web page (:func:`more_downloads_blocks`), not in the PDF."""
    brief: bool = False

    def opening(self, level: int) -> list:
        """The points under their heading (:func:`main_points_blocks`)."""
        return main_points_blocks(list(self.points), level=level, brief=self.brief)

    @property
    def about_section(self) -> Section:
        """The "About this report" page (:data:`ABOUT_PAGE`): the front page, the report's version, then the
        whole report's further downloads (web only)."""
        return Section(Path(ABOUT_PAGE).stem, _about_title(self.front), blocks=self.front + self.about + self.downloads)

    @property
    def web_sections(self) -> list[Section]:
        """The sections as web pages: each ends with its download links."""
        return [Section(s.stem, s.title, blocks=s.blocks + self.links.get(s.stem, [])) for s in self.sections]


def report_pages(info: ReportInfo, front_page: Path, notebooks: Sequence[Path], metadata: Mapping[str, object]) -> ReportPages:
    """Read the front page and the executed notebooks into :class:`ReportPages`, once for the pages and the PDF.

    Parameters
    ----------
    info : ReportInfo
        The report's version (``about``) and the sections' download links (``section_downloads``).
    front_page : Path
        ``report.qmd``.
    notebooks : sequence of Path
        Executed notebooks, in order.
    metadata : mapping
        Values for ``{{< meta key >}}`` on the front page.
    """
    front = with_release(front_page_blocks(front_page, metadata), info.release)
    about = []
    if info.about:
        (about,) = read_markdown([info.about], PANDOC_MARKDOWN)
    import nbformat

    sections, figures, points, brief = [], {}, [], []
    read_in = [(Path(notebook), nbformat.read(Path(notebook), as_version=4)) for notebook in notebooks]  # once each
    for (path, notebook), (title, blocks, section_figures) in zip(read_in, notebooks_blocks(read_in)):
        points += headline_points(notebook)
        brief += brief_points(notebook)
        sections.append(Section(path.stem, title, blocks=blocks))
        figures.update(section_figures)
    sections.append(definitions_section())  # the appendix of definitions, in the pages and the PDF
    # a section with no table has nothing to download
    links = {stem: block for stem, block in info.section_downloads
             if any(s.stem == stem and _has_table(s.blocks) for s in sections)}
    stems = [s.stem for s in sections if s.stem in links]
    linked = read_markdown([links[stem] for stem in stems], PANDOC_MARKDOWN)
    return ReportPages(front, about, tuple(sections), dict(zip(stems, linked)), tuple(brief or points), figures,
                       more_downloads_blocks(info), brief=bool(brief))


RELEASE_HEADING = "This release"


def release_line(info: ReportInfo) -> str:
    """The front page's line under the title: when the report was published and its status, e.g. "Published
    15 October 2018. Management information." (nothing for a draft or a report whose release date is not given)."""
    from cpstats.data.authority import STATUSES

    facts = dict(info.release)
    published = facts.get("Published", "")
    if not published or published.startswith("Not "):
        return ""
    status = next((name for name, words in STATUSES.items() if words == facts.get("Status")), None)
    return f"Published {published}." + (f" {status[:1].upper()}{status[1:]}." if status else "")


def release_blocks(facts: Sequence[tuple[str, str]]) -> list:
    """The release's facts as a heading and a list, each "What: text" with its text from ``la.yaml`` as text."""
    if not facts:
        return []
    items = [[{"t": "Plain", "c": [{"t": "Strong", "c": text_inlines(f"{what}:")}, {"t": "Space"}, *text_inlines(text)]}]
             for what, text in facts]
    return [{"t": "Header", "c": [2, ["this-release", ["unnumbered"], []], text_inlines(RELEASE_HEADING)]},
            {"t": "BulletList", "c": items}]


def with_release(front: list, facts: Sequence[tuple[str, str]]) -> list:
    """The front page (About this report) with the release's facts after its heading and first paragraph: the
    reader's first facts are when it was released, its status and whom to ask, not how it was built."""
    blocks = release_blocks(facts)
    if not blocks:
        return front
    first = next((i for i, b in enumerate(front) if b.get("t") == "Header"), -1) + 1
    if first < len(front) and front[first].get("t") == "Para":
        first += 1
    return [*front[:first], *blocks, *front[first:]]


MORE_DOWNLOADS = ("Each section's tables (CSV) are at the end of its page; the workbooks, the open data and the "
                  "build manifest are on the \"About this report\" page.")
"""What the front page says under its two downloads: where the others are."""


def download_links(info: ReportInfo) -> list[tuple[str, str]]:
    """What the front page's Downloads list links to, (words, href): the PDF and "Download all" (the zip of
    everything), when there is one. The other downloads are on the pages they belong to
    (:func:`more_downloads_blocks`, each section's tables on its page), so the front page stays short."""
    return [("The whole report as a PDF (A4)", info.pdf_name), *([tuple(info.download_all)] if info.download_all else [])]


def more_downloads_blocks(info: ReportInfo) -> list:
    """The "Downloads" part of the "About this report" web page: the workbooks, the open data and the build
    manifest, as pandoc blocks (a heading and a list of links, their words as text)."""
    links = [*info.downloads, ("Build manifest: versions, parameters and input checksums (JSON)", "manifest.json")]
    return [{"t": "Header", "c": [2, ["all-downloads", ["unnumbered"], []], text_inlines("Downloads")]}, _link_list(links)]


def _link_list(links: Sequence[tuple[str, str]]) -> dict:
    """A bulleted list of links, their words as text."""
    return {"t": "BulletList", "c": [[{"t": "Plain", "c": [{"t": "Link", "c": [_EMPTY_ATTR, text_inlines(words), [href, ""]]}]}]
                                     for words, href in links]}


def index_blocks(info: ReportInfo, pages: ReportPages, lead: bool = True) -> list:
    """The web front page below its title, as pandoc blocks: the authority, year and period (``lead``), the
    headline main points, the contents (the About page, the sections, the Definitions) and the downloads.

    The built-in renderer writes the same page in HTML (:func:`render_html`); Quarto lays out these blocks,
    under the book's title and subtitle (which say the authority, year and period).
    """
    def heading(identifier: str, words: str) -> dict:
        return {"t": "Header", "c": [2, [identifier, ["unnumbered"], []], text_inlines(words)]}

    opening = {"t": "Div", "c": [["", ["lead"], []], [{"t": "Para", "c": [
        *text_inlines(info.subtitle), {"t": "LineBreak"}, *text_inlines(info.period)]}]]}
    contents = [(s.title, s.href) for s in (pages.about_section, *pages.sections)]
    released = [{"t": "Para", "c": text_inlines(release_line(info))}] if release_line(info) else []
    return [*([opening] if lead else []), *released, *pages.opening(level=2),
            heading("contents", "Contents"), _link_list(contents),
            heading("downloads", "Downloads"), _link_list(download_links(info)),
            {"t": "Para", "c": text_inlines(MORE_DOWNLOADS)}]


def render_builtin(
    info: ReportInfo,
    front_page: Path,
    notebooks: Sequence[Path],
    site_dir: Path,
    work_dir: Path,
    metadata: Mapping[str, str],
    *,
    html_pages: bool = True,
    pages: ReportPages | None = None,
) -> list[Path]:
    """Render the executed notebooks into ``site_dir``: HTML pages, figures and the PDF.

    Parameters
    ----------
    info : ReportInfo
        Title, subtitle, language, PDF name and timestamp.
    front_page : Path
        ``index.qmd``.
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
    pages : ReportPages, optional
        The report already read (:func:`report_pages`), as Quarto laid it out.

    Returns
    -------
    list of Path
        Every file written into ``site_dir``.
    """
    if pages is None:
        pages = report_pages(info, front_page, notebooks, metadata)
    front, about, sections, figures = pages.front, pages.about, list(pages.sections), pages.figures
    written: list[Path] = []
    if html_pages:
        written += render_html(info, front, pages.web_sections, site_dir, main_points=pages.points, brief=pages.brief)
        written += _write_figures(figures, site_dir)
    whole = front + [block for number, section in enumerate(sections)
                     for block in _pdf_blocks(section.stem, section.blocks, number == 0 and not front,
                                                small=section.stem == DEFINITIONS)]
    # the PDF's "About this report" page (after the title and contents) ends with the report's version; the
    # sections' main points open each section (the web front page gathers the headline ones)
    # and the year in brief opens the PDF, on its first page after the title and contents
    opening = pages.opening(level=1) if pages.brief else []
    whole = opening + front + about + whole[len(front):]
    written.append(compile_pdf(blocks_to_typst(whole, info), figures, Path(site_dir) / info.pdf_name, work_dir, info.timestamp))
    return written
