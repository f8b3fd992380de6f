"""Text from data as document structure: where data text enters a format, it enters as text.

The report's sentences and main points carry text from the data (the authority's name in ``la.yaml``,
agency names, ...). They are never written as Markdown for a renderer to read: a notebook output
carries them as pandoc blocks (pandoc's JSON AST, :data:`BLOCKS_MIME`) whose text is ``Str`` and
``Space`` inlines (:func:`text_inlines`), which pandoc's writers escape for HTML and Typst. The
``text/markdown`` copy beside it is for Jupyter only, every character that Markdown could read
escaped (:func:`markdown_escape`).

Commentary is the analyst's own Markdown, but the values its placeholders put in (``{{ la_name }}``,
a withheld ``[c]``, ...) are text from data: a notebook output carries the commentary with each value
replaced by a word of its own (:func:`value_word`) and the values beside it (:data:`COMMENTARY_MIME`);
the renderer reads the Markdown and then puts each value in as text
(:func:`cpstats.publish.render.commentary_blocks`).

>>> text_inlines("GP [Report abuse](https://evil.example)")
[{'t': 'Str', 'c': 'GP'}, {'t': 'Space'}, {'t': 'Str', 'c': '[Report'}, {'t': 'Space'}, {'t': 'Str', 'c': 'abuse](https://evil.example)'}]
>>> print(markdown_escape("**x** <b>"))
\\*\\*x\\*\\* \\<b\\>
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Sequence

__all__ = [
    "BLOCKS_MIME",
    "COMMENTARY_MIME",
    "text_inlines",
    "paragraph",
    "bullet_list",
    "heading",
    "markdown_escape",
    "value_word",
    "HTML_COMMENT",
    "without_comments",
    "YEAR",
    "NOWRAP_CLASS",
    "html_words",
]

BLOCKS_MIME = "application/vnd.cpstats.blocks+json"
"""A notebook output's content as pandoc blocks (a JSON list), text from data as ``Str``: what the renderers
lay out instead of the output's ``text/markdown``."""

COMMENTARY_MIME = "application/vnd.cpstats.commentary+json"
"""A commentary output as ``{"markdown": ..., "values": {word: text}}``: the analyst's Markdown with each
placeholder's value replaced by a word (:func:`value_word`), and the values, put in as text once the
Markdown is read."""

_WHITESPACE = re.compile(r"\s+")

YEAR = re.compile(r"(?<!\d)\d{4}-\d{2}(?![\d-])")
"""A reporting year as the report writes it, ``2013-14``: the web pages keep the word holding it on one line."""
NOWRAP_CLASS = "nowrap"
"""The class of a span the web pages keep on one line (``white-space: nowrap`` in both renderers' stylesheets)."""


def html_words(text: str) -> str:
    """Text as HTML: escaped, each word holding a reporting year (:data:`YEAR`) in a span of class
    :data:`NOWRAP_CLASS`, so that a narrow column never splits "2013-14" into "2013-" and "14". The whole word
    is wrapped ("(2016-17:"), so the text around the span, and so the text of the page, is unchanged.

    >>> html_words("<b> (2016-17: 5) & 2017-18")
    '&lt;b&gt; <span class="nowrap">(2016-17:</span> 5) &amp; <span class="nowrap">2017-18</span>'
    """
    return "".join(f'<span class="{NOWRAP_CLASS}">{html.escape(piece)}</span>' if YEAR.search(piece) else html.escape(piece)
                   for piece in re.split(r"(\s+)", str(text)))
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def text_inlines(text: str) -> list:
    """Text as pandoc inlines: words as ``Str``, any run of white space (a newline too) as ``Space``.

    Nothing in ``text`` is read as Markdown, HTML or Typst; the writers escape each ``Str``.

    >>> text_inlines("School | 999\\n<b>")
    [{'t': 'Str', 'c': 'School'}, {'t': 'Space'}, {'t': 'Str', 'c': '|'}, {'t': 'Space'}, {'t': 'Str', 'c': '999'}, {'t': 'Space'}, {'t': 'Str', 'c': '<b>'}]
    """
    inlines: list = []
    for word in _WHITESPACE.split(str(text).strip()):
        if word:
            if inlines:
                inlines.append({"t": "Space"})
            inlines.append({"t": "Str", "c": word})
    return inlines


def paragraph(text: str) -> dict:
    """A paragraph of text."""
    return {"t": "Para", "c": text_inlines(text)}


def bullet_list(items: Sequence[str]) -> dict:
    """A tight bulleted list, one item of text each."""
    return {"t": "BulletList", "c": [[{"t": "Plain", "c": text_inlines(item)}] for item in items]}


def heading(level: int, text: str, identifier: str = "", classes: Sequence[str] = ()) -> dict:
    """A heading of text."""
    return {"t": "Header", "c": [level, [identifier, list(classes), []], text_inlines(text)]}


def markdown_escape(text: str) -> str:
    """Text as Markdown that reads back as exactly that text (every ASCII punctuation character
    backslash-escaped, as CommonMark and pandoc allow; white space runs as one space): Jupyter's copy
    of a sentence. The renderers never read it (they read :data:`BLOCKS_MIME`)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def value_word(source: str, number: int) -> str:
    """The word standing for a placeholder's ``number``-th value in commentary ``source``: letters and digits
    only (no Markdown reads anything into it), and derived from the source, so the analyst cannot have
    written it and a rebuild gives the same bytes."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:20]
    return f"cpstatsvalue{digest}n{number}x"


HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
"""An HTML comment in commentary: a note to the author, never published."""


def without_comments(text: str) -> str:
    """Commentary with its HTML comments (``<!-- note -->``) taken out: notes to the author, published nowhere.

    A comment opened and never closed is an error (``ValueError`` with the line), not the rest of the file
    left out or shown.

    >>> without_comments("Shown. <!-- a note --> Also shown.")
    'Shown.  Also shown.'
    """
    spans = [match.span() for match in HTML_COMMENT.finditer(text)]
    for opened in re.finditer("<!--", text):
        if not any(start <= opened.start() < end for start, end in spans):
            line = text.count("\n", 0, opened.start()) + 1
            raise ValueError(f"line {line}: an HTML comment <!-- is never closed with -->")
    return HTML_COMMENT.sub(lambda comment: "\n" * comment.group(0).count("\n"), text)  # lines keep their numbers
