"""A report's Markdown read in one pandoc process is each text as a pandoc of its own reads it (real pandoc)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import cpstats.publish.render as render
from cpstats.publish.render import PANDOC_MARKDOWN, SAFE_MARKDOWN, _read_json, _read_json_each

ROOT = Path(__file__).resolve().parents[1]

# pieces of Markdown that reach across texts when texts are read as one: labels of footnotes and links, headings
# (identifiers), fences and divs left open, a metadata block, a wide pipe table (its widths follow --columns),
# tabs and carriage returns (the command line drops the one and expands the other before reading), line
# separators that are not "\n" (U+2028, U+0085: kept as they are in pandoc's JSON)
PIECES = ["# Summary", "## Notes {#notes}", "A [link][x] and a note[^1].", "[x]: https://example.org",
          "[^1]: The first note.", "```", ":::", "::: {.warning}", "---\ntitle: x\n---", "<b>bold</b>",
          "| a | b |\n|---|---|\n| " + "word " * 14 + "| 1 |",  # 77 characters: wider than 72, not than 80
          "* item\n* other", "1. one\n2. two", "$x$",
          "\\", "é\u00a0ü", "> quoted", "    indented code", "*emphasis* **strong**", "{{ referrals }}", "",
          "`a\tb` and\tc", "\tcode\there", "a\r\nb\r`x\r\ty`", "line\u2028sep `\x85`"]
texts = st.lists(st.sampled_from(PIECES), max_size=5).map("\n\n".join)
WIDE = PIECES[10]


@pytest.fixture
def one_process(monkeypatch):
    """Read together with no way back to a pandoc per text: a text read alone here fails the test."""

    def alone(text, reader):
        raise AssertionError("a text was read by a pandoc of its own: pandoc lua did not read them all")

    def read(many, reader):
        with monkeypatch.context() as patched:
            patched.setattr(render, "_read_json", alone)
            return _read_json_each(many, reader)

    return read


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(texts, min_size=2, max_size=5), st.sampled_from([PANDOC_MARKDOWN, SAFE_MARKDOWN]))
@example([WIDE, "`a\tb`\r\n\tc[^1]\n\n[^1]: one", "x[^1]\n\n[^1]: two\u2028"], PANDOC_MARKDOWN)
def test_texts_read_in_one_process_are_the_texts_read_alone(one_process, many, reader):
    """Any texts, however one's labels, headings or open fences would meet another's: each as it reads alone."""
    alone = [_read_json(text, reader) for text in many]
    assert one_process(many, reader) == alone


def test_the_projects_own_markdown_reads_as_alone(one_process):
    """Every Markdown cell of the report's notebooks and every commentary file, read together, as each alone."""
    cells = ["".join(cell["source"]) for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
             for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "markdown"]
    commentary = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "commentary").rglob("*.md"))]
    assert len(cells) >= 20 and commentary
    assert one_process(cells, PANDOC_MARKDOWN) == [_read_json(text, PANDOC_MARKDOWN) for text in cells]
    assert one_process(commentary, SAFE_MARKDOWN) == [_read_json(text, SAFE_MARKDOWN) for text in commentary]


def test_footnotes_of_two_texts_keep_their_own_words():
    """Two commentary parts with a footnote each labelled 1: each part's note says its own words (read joined,
    pandoc gave both parts the second part's note)."""
    first, second = render.read_markdown(["We met[^1].\n\n[^1]: In May.", "We wrote[^1].\n\n[^1]: In June."])
    assert json.dumps(first).count("May") == 1 and "June" not in json.dumps(first)
    assert json.dumps(second).count("June") == 1 and "May" not in json.dumps(second)
