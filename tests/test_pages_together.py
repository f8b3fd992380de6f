"""The report's HTML pages written in one pandoc run are those written one by one (real pandoc)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpstats.publish.render import blocks_to_html, blocks_to_html_many, table_blocks, text_inlines

words = st.text(alphabet=st.sampled_from(list("ab <>&\"'*_[]#`-1|\\") + ["é", "\u00a0"]), min_size=1, max_size=12)


def _para(text: str) -> dict:
    return {"t": "Para", "c": text_inlines(text)}


def _header(level: int, identifier: str, text: str) -> dict:
    return {"t": "Header", "c": [level, [identifier, [], []], text_inlines(text)]}


blocks = st.one_of(
    words.map(_para),
    st.tuples(st.integers(1, 3), st.sampled_from(["summary", "notes", ""]), words).map(lambda t: _header(*t)),
    st.lists(words, min_size=1, max_size=3).map(lambda items: {"t": "BulletList", "c": [[_para(i)] for i in items]}),
    st.lists(words, min_size=1, max_size=2).map(
        lambda cells: {"t": "Div", "c": [["", ["table-scroll"], []], [_para(c) for c in cells]]}),
)
NOTE = {"t": "Para", "c": [{"t": "Str", "c": "See"}, {"t": "Note", "c": [_para("a footnote")]}]}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(blocks, max_size=4), min_size=0, max_size=4), st.booleans())
def test_pages_written_together_are_the_pages_written_alone(documents, with_note):
    """Any documents (headings with the same identifier in several, empty ones, text that looks like markup,
    a footnote, which pandoc puts at the end of the output): each page is the bytes pandoc writes for it alone."""
    if with_note:
        documents = [*documents, [NOTE, *documents[0]] if documents else [NOTE]]
    assert blocks_to_html_many(documents) == [blocks_to_html(d) for d in documents]


def test_tables_and_text_that_holds_the_separator_are_written_as_alone():
    """A table as the report builds it, and text that holds what a separator looks like."""
    table = table_blocks({"caption": "Referrals by source", "columns": ["Source", "Count"],
                          "rows": [["Police", "1,024"], ["<!-- -->", "[c]"]]})
    documents = [table, [_para("<!--cpstats-split-0123-->")], [_header(2, "contents", "Contents")]]
    assert blocks_to_html_many(documents) == [blocks_to_html(d) for d in documents]
