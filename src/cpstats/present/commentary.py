"""The analyst's commentary: Markdown per section that embeds computed values by name.

Commentary lives in ``commentary/<la>/<year>/<section>.md`` (e.g.
``commentary/sample/2017-18/08_numbers.md``). It is ordinary Markdown in which
a value is written as a placeholder, filled from the same measures as the
tables, so no number is ever typed:

==================================  ==========================================
placeholder                         value
==================================  ==========================================
``{{ referrals }}``                 a measure of ``docs/guide/measures.md`` for the year
``{{ category_during_year.EMO }}``  one key of a breakdown
``{{ previous:referrals }}``        the same measure for the year before
``{{ england:referrals }}``         England's published figure, same year
``{{ region:cpp_rate_per_10000_at_31_march }}``  the region's published figure, same year
``{{ neighbours:cpp_rate_per_10000_at_31_march }}``  the statistical neighbours' average
``{{ agency_attendance.Police.attended_pct }}``  a key of a key (nested breakdowns)
``{{ change:referrals }}``          the change on the year before, e.g. "a 26% decrease"
``{{ published:referrals }}``       the authority's own figure as DfE published it
``{{ local:caseload_average }}``    a figure from another source (``local_figures.csv``)
``{{ marac_victims }}``             a local measure (MARAC, audits, feedback, ...)
``{{ year }}``                      the year's label, e.g. ``2017-18``
``{{ previous_year }}``             the year before, e.g. ``2016-17``
``{{ la_name }}``                   the authority's name from ``la.yaml``
==================================  ==========================================

Whole numbers are printed with thousands separators, rates and percentages
to one decimal place (write the ``%`` yourself), and a value that is not
applicable as "not applicable". An unknown name is an error naming the file
and line, never a blank, with the name it most likely meant (``{{ referals }}``:
"did you mean {{ referrals }}?", :func:`suggestion`); every problem of a file is
listed, one a line (:class:`CommentaryError`), and ``cpstats build`` lists those
of every file before any notebook runs (exit status 2).

A section without a commentary file shows the visible note
:data:`MISSING_NOTE`. In a notebook the commentary is shown through
:class:`Commentary`, whose output records in its metadata whether it was
written, so a final build can refuse while any section still shows the note
(:func:`unwritten_sections`). The key plan is a table,
``commentary/<la>/<year>/19_key_plan.csv`` with columns ``action`` and ``who``
(:func:`read_key_plan`).

Figures the records cannot give (a caseload, a school census share, a national
study's finding) are a table of their own,
``commentary/<la>/<year>/local_figures.csv`` (name, value, unit, description,
source, note; see :data:`cpstats.data.contract.LOCAL_FIGURES`), named in
commentary as ``{{ local:name }}``: a percentage prints as a whole number with
its ``%`` (the rule for percentages in prose), a count of people withheld by the
report's policy as "fewer than 6".
"""

from __future__ import annotations


import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from cpstats.figures.figures import CONFIDENTIAL, Withheld, is_withheld

__all__ = [
    "PLACEHOLDER",
    "CommentaryError",
    "suggestion",
    "MISSING_NOTE",
    "KEY_PLAN_COLUMNS",
    "commentary_path",
    "fill",
    "render_commentary",
    "commentary_parts",
    "with_values",
    "format_value",
    "Context",
    "Commentary",
    "Unwritten",
    "unwritten_sections",
    "key_plan_path",
    "read_key_plan",
    "TypedNumber",
    "typed_numbers",
    "TypedWithheld",
    "withheld_counts",
    "typed_withheld",
]

PLACEHOLDER = re.compile(
    r"\{\{ *(?:(?P<scope>previous|england|region|neighbours|published|change|local):)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:\.(?P<key>[A-Za-z0-9_'.]+(?: [A-Za-z0-9_'.]+)*))? *\}\}"
)
"""A placeholder, e.g. ``{{ referrals }}`` or ``{{ previous:agency_attendance.Adult Mental Health.attended_pct }}``."""
_BRACES = re.compile(r"\{\{[^{}\n]{0,200}?\}\}")
"""Anything written between double braces on one line (a placeholder, well formed or not)."""
_STRAY = re.compile(r"\{\{|\}\}|\{ *[A-Za-z_][A-Za-z0-9_.:]* *\}")
"""Double braces left unmatched, or a name in single braces: a placeholder mistyped."""
MISSING_NOTE = "Commentary not yet written for this section."
KEY_PLAN_COLUMNS = ("action", "who")
"""The columns of ``19_key_plan.csv``: what will be done, and who will do it."""


class CommentaryError(ValueError):
    """Commentary that cannot be filled: a placeholder that names no known value, a mistyped one, ...

    Attributes
    ----------
    problems : list of str
        One line each, naming the file and the line: ``commentary/sample/2017-18/08_numbers.md, line 3: ...``.
    """

    def __init__(self, problems: str | Sequence[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def format_value(value) -> str:
    """Show a value as the report prints it.

    >>> format_value(8166), format_value(23.25), format_value(None), format_value(40.0)
    ('8,166', '23.2', 'not applicable', '40.0')
    """
    if value is None:
        return "not applicable"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Withheld):  # withheld by the report's figures: "fewer than 6" or [c]
        return value.phrase
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


@dataclass(frozen=True)
class Context:
    """The values a placeholder can name."""

    measures: dict
    previous: dict | None = None
    england: dict | None = None
    words: dict | None = None
    published: dict | None = None
    region: dict | None = None
    neighbours: dict | None = None
    local: dict | None = None


def _local(context: Context, name: str, key: str | None) -> str:
    """A local figure as prose writes it: a percentage whole with its ``%``, a withheld count in words."""
    from cpstats.present.numbers import format_percent

    if key is not None or not context.local or name not in context.local:
        raise KeyError(name if key is None else f"{name}.{key}")
    row = context.local[name]
    value = row["value"]
    if is_withheld(value):
        return value.phrase
    if row["unit"] == "percent":
        return format_percent(value)
    return format_value(value) if isinstance(value, int) else f"{value:,}"


def _value(source: dict | None, name: str, key: str | None):
    """``source[name]``, then each dot-separated key of ``key`` in turn."""
    if source is None or name not in source:
        raise KeyError(name)
    value = source[name]
    walked = name
    for part in key.split(".") if key is not None else ():
        walked += f".{part}"
        if not isinstance(value, dict) or part not in value:
            raise KeyError(walked)
        value = value[part]
    if isinstance(value, dict):
        raise KeyError(f"{walked} is a breakdown; name one of its keys, e.g. {{{{ {walked}.{next(iter(value), 'KEY')} }}}}")
    return value


def _known(context: Context, scope: str | None) -> dict:
    """The values a placeholder of ``scope`` can name, by name."""
    if scope is None:
        return {**(context.words or {}), **context.measures}
    if scope == "change":
        return context.measures
    return {"previous": context.previous, "england": context.england, "published": context.published,
            "region": context.region, "neighbours": context.neighbours, "local": context.local}.get(scope) or {}


def suggestion(context: Context, scope: str | None, name: str, key: str | None) -> str | None:
    """The placeholder a misspelt one most likely meant, from the names (and keys) it can name, or ``None``.

    What is suggested always fills: a breakdown is suggested with its first key.

    >>> context = Context({"referrals": 305, "category_during_year": {"EMO": 4, "NEG": 20}})
    >>> suggestion(context, None, "referals", None)
    '{{ referrals }}'
    >>> suggestion(context, None, "category_during_year", "EM0")
    '{{ category_during_year.EMO }}'
    >>> suggestion(context, None, "category_during_yaer", None)
    '{{ category_during_year.EMO }}'
    >>> suggestion(context, None, "completely_else", None) is None
    True
    """
    import difflib

    def leaf(value, walked: str) -> str | None:
        while isinstance(value, dict):
            first = next((k for k in value if _KEY.fullmatch(str(k))), None)
            if first is None:  # no key a placeholder can write
                return None
            value, walked = value[first], f"{walked}.{first}"
        found = f"{{{{ {prefix}{walked} }}}}"
        return found if PLACEHOLDER.fullmatch(found) else None

    def walk(value, walked: str, parts: list[str]) -> str | None:
        for at, part in enumerate(parts):
            if not isinstance(value, dict):
                return None
            if part not in value:
                close = difflib.get_close_matches(part, [str(k) for k in value], n=1)
                if not close:
                    return None
                found = next(k for k in value if str(k) == close[0])
                return walk(value[found], f"{walked}.{close[0]}", parts[at + 1:])
            value, walked = value[part], f"{walked}.{part}"
        return leaf(value, walked)

    prefix = f"{scope}:" if scope else ""
    known = _known(context, scope)
    parts = key.split(".") if key else []
    if name in known:
        return walk(known[name], name, parts) if parts else None
    close = difflib.get_close_matches(name, [str(k) for k in known], n=1)
    if not close:
        return None
    found = next(k for k in known if str(k) == close[0])
    return walk(known[found], close[0], parts) or leaf(known[found], close[0])


_KEY = re.compile(r"[A-Za-z0-9_']+(?: [A-Za-z0-9_']+)*")
"""A key a placeholder can name (dots separate keys)."""
SCOPES = ("previous", "england", "region", "neighbours", "published", "change", "local")


def _meant(context: Context, written: str) -> str | None:
    """What a placeholder that breaks the syntax (``{{ 47_enquiries }}``) most likely meant, or ``None``."""
    inner = written[2:-2].strip()
    scope, _, rest = inner.rpartition(":")
    name, _, key = rest.strip().partition(".")
    scope = scope.strip() or None
    if scope is not None and scope not in SCOPES or not name.strip():
        return None
    return suggestion(context, scope, name.strip(), key.strip() or None)


def _lookup(context: Context, scope: str | None, name: str, key: str | None):
    if scope is None and context.words and name in context.words and key is None:
        return context.words[name]
    if scope == "local":
        return _local(context, name, key)
    if scope == "change":
        from cpstats.present.numbers import change_phrase

        current, before = _value(context.measures, name, key), _value(context.previous, name, key)
        if current is None or before is None:
            return None
        if is_withheld(current) or is_withheld(before):
            return CONFIDENTIAL  # a change worked out from a withheld figure
        return change_phrase(current, before)
    source = {"previous": context.previous, "england": context.england, "published": context.published,
              "region": context.region, "neighbours": context.neighbours, None: context.measures}[scope]
    value = _value(source, name, key)
    return value


def fill(text: str, context: Context, source: str = "commentary", as_value=None) -> str:
    """Replace every placeholder in ``text``; raise :class:`CommentaryError` for unknown names.

    ``as_value``, given, is called with each value as printed and returns what is put in its place
    (commentary puts in a word standing for it, :func:`cpstats.present.text.value_word`, so that the
    value is text, never Markdown: see :func:`commentary_parts`).

    >>> fill("{{ referrals }} referrals in {{ year }}", Context({"referrals": 305}, words={"year": "2017-18"}))
    '305 referrals in 2017-18'
    """
    problems = []

    def where(position: int) -> str:
        return f"{source}, line {text.count(chr(10), 0, position) + 1}"

    def shown(written: str) -> str:
        return written if len(written) <= 80 else written[:77] + "..."

    def replace(match: re.Match) -> str:
        found = PLACEHOLDER.fullmatch(match.group(0))
        if found is None:
            meant = _meant(context, match.group(0))
            problems.append((match.start(), f"{where(match.start())}: {shown(match.group(0))} is not a placeholder: write "
                            "{{ name }}, {{ name.key }} or {{ scope:name }} with scope previous, england, "
                            "region, neighbours, published, change or local"
                            + (f"; did you mean {meant}?" if meant else "")))
            return ""
        try:
            value = format_value(_lookup(context, found["scope"], found["name"], found["key"]))
        except KeyError as exc:
            meant = suggestion(context, found["scope"], found["name"], found["key"])
            problems.append((match.start(), f"{where(match.start())}: {shown(match.group(0))} names no known value ({exc.args[0]})"
                            + (f"; did you mean {meant}?" if meant and meant != match.group(0) else "")))
            return ""
        return value if as_value is None else as_value(value)

    filled_parts, last = [], 0
    for match in _BRACES.finditer(text):
        filled_parts.append(text[last:match.start()])
        filled_parts.append(replace(match))
        last = match.end()
    rest = text[last:]
    filled_parts.append(rest)
    # what is left of the source once placeholders are taken out: no braces may remain
    skeleton = _BRACES.sub(lambda m: " " * len(m.group(0)), text)
    for stray in _STRAY.finditer(skeleton):
        problems.append((stray.start(), f"{where(stray.start())}: {shown(stray.group(0))} is an unfinished or mistyped "
                                        "placeholder"))
    filled = "".join(filled_parts)
    if problems:
        raise CommentaryError([line for _, line in sorted(problems, key=lambda found: found[0])])  # in the file's order
    return filled


def _refuse_outside(path: Path, root: Path) -> None:
    """A :class:`CommentaryError` when ``path`` is a link out of the commentary folder ``root``, a pipe or a device."""
    from cpstats.data.paths import file_in_folder_problem

    why = file_in_folder_problem(path, root)
    if why is not None:
        raise CommentaryError(f"{path}: {why}")


def commentary_path(root: Path, la: str, year: str, section: str) -> Path:
    """Where the commentary of one section is kept."""
    return Path(root) / la / year / f"{section}.md"


def render_commentary(root: Path, la: str, year: str, section: str, context: Context) -> tuple[str, bool]:
    """The filled commentary of a section and whether it was written.

    A missing file gives the visible note :data:`MISSING_NOTE` and ``False``. HTML comments
    (``<!-- note -->``) are notes to the author: they are taken out first.
    """
    markdown, values, written = commentary_parts(root, la, year, section, context)
    return with_values(markdown, values), written


def commentary_parts(root: Path, la: str, year: str, section: str, context: "Context | Callable[[], Context]",
                     shown_as: str | None = None) -> tuple[str, dict, bool]:
    """A section's commentary as the renderers read it: its Markdown with each placeholder's value replaced
    by a word of its own (:func:`cpstats.present.text.value_word`), the values by those words, and whether
    the file was written.

    The values (the authority's name, "fewer than 6", ``[c]``, numbers) are put back as text once the
    Markdown is read (:func:`cpstats.publish.render.commentary_blocks`), so no value is ever read as
    Markdown. HTML comments are taken out first (:func:`cpstats.present.text.without_comments`): notes to
    the author, published nowhere; a comment never closed is a :class:`CommentaryError` with the line.
    Problems name the file as ``shown_as`` (e.g. relative to the project), by default by its path.
    ``context`` may be a function giving it, called only when there is a file to fill.
    """
    from cpstats.present.text import value_word, without_comments

    path = commentary_path(root, la, year, section)
    _refuse_outside(path, root)
    if not path.exists():
        return MISSING_NOTE, {}, False
    if callable(context):
        context = context()
    shown_as = shown_as or str(path)
    try:
        text = without_comments(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CommentaryError(f"{shown_as}, {exc}") from None
    values: dict[str, str] = {}

    def word(value: str) -> str:
        name = value_word(text, len(values))
        values[name] = value
        return name

    return fill(text, context, source=shown_as, as_value=word), values, True


def with_values(markdown: str, values: dict, as_text=None) -> str:
    """Commentary's Markdown with each value's word replaced by the value (``as_text(value)`` when given)."""
    if not values:
        return markdown
    pattern = re.compile("|".join(map(re.escape, values)))
    return pattern.sub(lambda m: values[m.group(0)] if as_text is None else as_text(values[m.group(0)]), markdown)


# ----------------------------------------------------------------- in notebooks


@dataclass(frozen=True)
class Commentary:
    """A section's commentary as a notebook displays it.

    It displays as Markdown (the note in italics when nothing is written), and
    its output's metadata says which section it belongs to, where its file is
    kept (relative to the commentary folder) and whether it was written, so a
    build can find the sections still waiting for their words.

    Attributes
    ----------
    section : str
        The notebook's name, e.g. ``01_introduction``.
    markdown : str
        The filled commentary, or :data:`MISSING_NOTE`.
    source, values : str and dict
        The commentary as the renderers read it (:func:`commentary_parts`): its Markdown with a word in place
        of each value, and the values by word. Jupyter shows the values escaped; the renderers put them in
        as text.
    written : bool
        Whether the file exists.
    file : str
        Where the file is kept, e.g. ``sample/2017-18/01_introduction.md``.
    """

    section: str
    markdown: str
    written: bool
    file: str
    source: str | None = None
    values: dict = field(default_factory=dict)

    def _repr_mimebundle_(self, include=None, exclude=None):
        from cpstats.present.text import COMMENTARY_MIME, markdown_escape

        source = self.markdown if self.source is None else self.source
        text = with_values(source, self.values, markdown_escape) if self.written else f"*{self.markdown}*"
        meta = {"cpstats": {"commentary": {"section": self.section, "written": self.written, "file": self.file}}}
        structured = {"markdown": source if self.written else f"*{self.markdown}*", "values": dict(self.values)}
        return {"text/markdown": text, COMMENTARY_MIME: structured}, meta


@dataclass(frozen=True)
class Unwritten:
    """A section whose commentary is not yet written: its notebook, heading and the file to write."""

    notebook: str
    title: str
    file: str


def _heading(cells) -> str | None:
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def unwritten_sections(notebooks: Sequence[Path]) -> list[Unwritten]:
    """The executed notebooks that show the "not yet written" note, in order.

    A notebook counts when an output's metadata (from :class:`Commentary`)
    says its commentary was not written, or when a Markdown output shows
    :data:`MISSING_NOTE` (commentary shown some other way).
    """
    import nbformat

    found = []
    for path in notebooks:
        path = Path(path)
        notebook = nbformat.read(path, as_version=4)
        files: list[str] = []
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                meta = output.get("metadata", {}).get("cpstats", {}).get("commentary")
                if meta is not None:
                    if not meta.get("written", True):
                        files.append(meta.get("file", f"{path.stem}.md"))
                elif MISSING_NOTE in str(output.get("data", {}).get("text/markdown", "")):
                    files.append(f"{path.stem}.md")
        for file in dict.fromkeys(files):
            found.append(Unwritten(path.stem, _heading(notebook.cells) or path.stem, file))
    return found


# ----------------------------------------------------------------- the key plan


def key_plan_path(root: Path, la: str, year: str, section: str = "19_key_plan") -> Path:
    """Where the key plan table is kept: ``<root>/<la>/<year>/19_key_plan.csv``."""
    return Path(root) / la / year / f"{section}.csv"


def read_key_plan(root: Path, la: str, year: str, section: str = "19_key_plan"):
    """The key plan as a table with columns ``Action`` and ``Who``, or ``None`` when not yet written.

    Raises
    ------
    CommentaryError
        When the file lacks the columns ``action`` and ``who``, or a row has no action.
    """
    import pandas as pd

    path = key_plan_path(root, la, year, section)
    _refuse_outside(path, root)
    if not path.exists():
        return None
    plan = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in KEY_PLAN_COLUMNS if c not in plan.columns]
    if missing:
        raise CommentaryError(f"{path}: needs the columns {', '.join(KEY_PLAN_COLUMNS)}; missing {', '.join(missing)}")
    plan = plan[list(KEY_PLAN_COLUMNS)].apply(lambda column: column.str.strip())
    empty = plan.index[plan["action"] == ""].tolist()
    if empty:
        raise CommentaryError(f"{path}, row {empty[0] + 2}: the action is empty")
    return plan.rename(columns={"action": "Action", "who": "Who"}).reset_index(drop=True)


# ----------------------------------------------------------------- numbers typed in commentary


_TYPED = re.compile(r"(?<![\w.,/£$€#:–-])(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?![\w]|[.,/:–-]\d|%)")
"""A whole number written in digits, standing alone: not part of a word (``s47``), a decimal (``2.5``),
a date or year label (``31/03/2018``, ``2017-18``), a time, a sum of money (``£3,000``) or a percentage."""
_URL = re.compile(r"<?(?:https?|mailto|ftp):[^\s)>]*>?|www\.[^\s)]*|\]\([^)\n]*\)")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
_REFERENCE_WORDS = frozenset({
    "section", "sections", "s", "figure", "figures", "fig", "table", "tables", "chapter", "chapters", "page", "pages",
    "p", "pp", "paragraph", "paragraphs", "para", "part", "parts", "appendix", "annex", "step", "stage", "level",
    "tier", "phase", "version", "no", "number", "item", "question", "standard", "principle", "recommendation",
    "priority", "objective", "article", "regulation", "schedule", "rule", "aged", "age", "ages",
})
"""A word before a number that makes it a reference or a label (section 47, table 3, aged 16), not a count."""
_COUNTED = frozenset({
    "children", "child", "families", "family", "people", "persons", "victims", "parents", "referrals", "plans",
    "enquiries", "conferences", "cases", "forms", "young", "babies", "boys", "girls", "adults", "households",
})
"""Words after a number that make it a count, even one that could be a year (2017 children)."""
_AGE_RANGE = re.compile(r"\b(?:aged|ages?)\s+\d+\s*(?:to|and|-|–)\s*$", re.IGNORECASE)
"""The end of an age range before a number (aged 0 to 17)."""
_UNITS_AFTER = re.compile(
    r"\s*(?:%|per\s*cent|percent|percentage\s+points?|pp\b|(?:working\s+|calendar\s+)?(?:days?|weeks?|months?|"
    r"years?|hours?|minutes?|mins?|decades?)\b|-?year-olds?\b|am\b|pm\b|st\b|nd\b|rd\b|th\b|and\s+over\b)",
    re.IGNORECASE)
"""Words after a number that make it a percentage, a length of time or an age, not a count of people."""


@dataclass(frozen=True)
class TypedNumber:
    """A whole number typed in commentary: its line (from 1), as typed, and its value."""

    line: int
    text: str
    value: int


def typed_numbers(text: str) -> list[TypedNumber]:
    """The whole numbers typed in commentary that could be counts: not in a placeholder, a link, a date,
    a year (1900 to 2099 without a thousands separator, unless a word such as "children" follows), a percentage, a length of time, an age (aged 16, under 18, aged 0 to 17), the
    base of a rate (per 10,000), a list's or heading's numbering, or a reference (section 47, table 3).

    >>> [n.text for n in typed_numbers("Neglect, 18 children, close behind 20.")]
    ['18', '20']
    >>> typed_numbers("In 2017-18 (1 April 2017 to 31 March 2018) 45% were seen within 15 working days; "
    ...               "section 47, table 3, {{ referrals }}, £3,000, aged 16, 2.5 and s47.")
    []
    >>> [(n.line, n.value) for n in typed_numbers("1. First point\\n## 8 Numbers\\nAbout 1,234 referrals")]
    [(3, 1234)]
    >>> typed_numbers("children aged 0 to 17, under 18, per 10,000")
    []
    >>> [n.text for n in typed_numbers("In 2017 there were 2017 children, or 2,017.")]
    ['2017', '2,017']
    >>> [n.text for n in typed_numbers("over 40 children; from 3 to 20 plans")]
    ['40', '3', '20']
    """
    blank = lambda match: re.sub(r"[^\n]", " ", match.group(0))  # noqa: E731 - keeps lines and columns
    text = _URL.sub(blank, _BRACES.sub(blank, text))
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        marker = re.match(r"\s*(?:#+\s*|>\s*)*(?:[-*+]\s+)?(\d+[.)]?)(?=\s|$)", line)
        for match in _TYPED.finditer(line):
            value = int(match["number"].replace(",", ""))
            before = line[:match.start()]
            after = line[match.end():]
            word_before = re.search(r"([A-Za-z]+)\.?\s*$", before)
            word_after = re.match(r"\s*([A-Za-z]+)", after)
            if (value == 0
                    or (marker and match.start() == marker.start(1) and (line.lstrip().startswith("#")
                                                                          or re.match(r"[.)]", after)))
                    or ("," not in match["number"] and len(match["number"]) == 4 and 1900 <= value <= 2099
                        and not (word_after and word_after.group(1).lower() in _COUNTED))  # a year, not 2017 children
                    or _UNITS_AFTER.match(after)
                    or (word_before and word_before.group(1).lower() in _REFERENCE_WORDS)
                    or (word_before and word_before.group(1).lower() == "per")  # per 10,000 children: a rate's base
                    or (word_before and word_before.group(1).lower() in ("under", "over") and value <= 18)  # an age
                    or _AGE_RANGE.search(before)
                    or (value <= 31 and ((word_after and word_after.group(1).lower() in _MONTHS)
                                         or (word_before and word_before.group(1).lower() in _MONTHS)))):
                continue
            found.append(TypedNumber(number, match["number"], value))
    return found


@dataclass(frozen=True)
class TypedWithheld:
    """A number typed in a commentary file that equals a count the report withholds."""

    file: str
    line: int
    text: str
    figures: tuple[str, ...]

    def __str__(self) -> str:
        shown = "; ".join(self.figures[:3]) + (f"; and {len(self.figures) - 3} more" if len(self.figures) > 3 else "")
        return (f"{self.file}, line {self.line}: {self.text} is a count this report withholds ({shown}): "
                "name it with a placeholder, which shows it as the report does, or leave it out")


def withheld_counts(public, internal, years: Sequence[str], every_figure_in: Sequence[str] = (),
                    labels=None) -> dict[int, list[str]]:
    """The counts a public report withholds, by value: each with the figures (in the report's words) and year.

    ``public`` and ``internal`` are the report's figures (:class:`cpstats.figures.figures.Figures`) under its
    policy and with every count; ``years`` the years whose figures it shows, ``every_figure_in`` those of
    them shown whole (the others only for the headline figures of the trend).
    """
    from cpstats.figures.trends import HEADLINE_TREND

    label = labels or (lambda name: name)
    found: dict[int, list[str]] = {}
    for year in years:
        shown, true = public.flat.get(year), internal.flat.get(year)
        if shown is None or true is None:
            continue
        for name, value in shown.items():
            if not is_withheld(value) or (year not in every_figure_in and name not in HEADLINE_TREND):
                continue
            count = true.get(name)
            if isinstance(count, int) and not isinstance(count, bool) and count > 0:
                found.setdefault(count, []).append(f"{label(name)}, {year}")
    return found


def typed_withheld(files: Sequence[Path], withheld: dict[int, list[str]], shown_as=str) -> list[TypedWithheld]:
    """Every number typed in the commentary ``files`` that equals a withheld count, in file and line order.

    ``shown_as`` gives the file's name as the message says it (e.g. relative to the project).
    """
    found = []
    for path in files:
        path = Path(path)
        if path.suffix != ".md" or not path.is_file():
            continue
        for typed in typed_numbers(path.read_text(encoding="utf-8")):
            if typed.value in withheld:
                found.append(TypedWithheld(shown_as(path), typed.line, typed.text, tuple(withheld[typed.value])))
    return found
