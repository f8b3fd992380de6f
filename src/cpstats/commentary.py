"""The analyst's commentary: Markdown per section that embeds computed values by name.

Commentary lives in ``commentary/<la>/<year>/<section>.md`` (e.g.
``commentary/sample/2017-18/08_numbers.md``). It is ordinary Markdown in which
a value is written as a placeholder, filled from the same measures as the
tables, so no number is ever typed:

==================================  ==========================================
placeholder                         value
==================================  ==========================================
``{{ referrals }}``                 a measure of ``measures.md`` for the year
``{{ category_during_year.EMO }}``  one key of a breakdown
``{{ previous:referrals }}``        the same measure for the year before
``{{ england:referrals }}``         England's published figure, same year
``{{ year }}``                      the year's label, e.g. ``2017-18``
``{{ previous_year }}``             the year before, e.g. ``2016-17``
``{{ la_name }}``                   the authority's name from ``la.yaml``
==================================  ==========================================

Whole numbers are printed with thousands separators, rates and percentages
to one decimal place (write the ``%`` yourself), and a value that is not
applicable as "not applicable". An unknown name is an error naming the file
and line, never a blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PLACEHOLDER",
    "CommentaryError",
    "MISSING_NOTE",
    "commentary_path",
    "fill",
    "render_commentary",
    "format_value",
    "Context",
]

PLACEHOLDER = re.compile(r"\{\{\s*(?:(?P<scope>previous|england):)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\.(?P<key>[A-Za-z0-9_ ']+?))?\s*\}\}")
MISSING_NOTE = "Commentary not yet written for this section."


class CommentaryError(ValueError):
    """A placeholder that names no known value."""


def format_value(value) -> str:
    """Show a value as the report prints it.

    >>> format_value(8166), format_value(23.25), format_value(None), format_value(40.0)
    ('8,166', '23.2', 'not applicable', '40.0')
    """
    if value is None:
        return "not applicable"
    if isinstance(value, bool):
        return "yes" if value else "no"
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


def _lookup(context: Context, scope: str | None, name: str, key: str | None):
    if scope is None and context.words and name in context.words and key is None:
        return context.words[name]
    source = {"previous": context.previous, "england": context.england, None: context.measures}[scope]
    if source is None or name not in source:
        raise KeyError(name)
    value = source[name]
    if key is not None:
        if not isinstance(value, dict) or key not in value:
            raise KeyError(f"{name}.{key}")
        value = value[key]
    if isinstance(value, dict):
        raise KeyError(f"{name} is a breakdown; name one of its keys, e.g. {{{{ {name}.{next(iter(value), 'KEY')} }}}}")
    return value


def fill(text: str, context: Context, source: str = "commentary") -> str:
    """Replace every placeholder in ``text``; raise :class:`CommentaryError` for unknown names.

    >>> fill("{{ referrals }} referrals in {{ year }}", Context({"referrals": 305}, words={"year": "2017-18"}))
    '305 referrals in 2017-18'
    """
    problems = []

    def replace(match: re.Match) -> str:
        try:
            return format_value(_lookup(context, match["scope"], match["name"], match["key"]))
        except KeyError as exc:
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{source}, line {line}: {match.group(0)} names no known value ({exc.args[0]})")
            return match.group(0)

    filled = PLACEHOLDER.sub(replace, text)
    if problems:
        raise CommentaryError("\n".join(problems))
    return filled


def commentary_path(root: Path, la: str, year: str, section: str) -> Path:
    """Where the commentary of one section is kept."""
    return Path(root) / la / year / f"{section}.md"


def render_commentary(root: Path, la: str, year: str, section: str, context: Context) -> tuple[str, bool]:
    """The filled commentary of a section and whether it was written.

    A missing file gives the visible note :data:`MISSING_NOTE` and ``False``.
    """
    path = commentary_path(root, la, year, section)
    if not path.exists():
        return MISSING_NOTE, False
    return fill(path.read_text(encoding="utf-8"), context, source=str(path)), True
