"""A report's Markdown read in one pandoc process is each text as a pandoc of its own reads it (real pandoc)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpstats.publish.render import PANDOC_MARKDOWN, SAFE_MARKDOWN, _read_json, _read_json_each

ROOT = Path(__file__).resolve().parents[1]

# pieces of Markdown that reach across texts when texts are read as one: labels of footnotes and links, headings
# (identifiers), fences and divs left open, a metadata block, a wide pipe table (its widths follow --columns)
PIECES = ["# Summary", "## Notes {#notes}", "A [link][x] and a note[^1].", "[x]: https://example.org",
          "[^1]: The first note.", "```", ":::", "::: {.warning}", "---\ntitle: x\n---", "<b>bold</b>",
          "| a | b |\n|---|---|\n| " + "word " * 14 + "| 1 |",  # 76 characters: wider than 72, not than 80
          "* item\n* other", "1. one\n2. two", "$x$",
          "\\", "é\u00a0ü", "> quoted", "    indented code", "*emphasis* **strong**", "{{ referrals }}", ""]
texts = st.lists(st.sampled_from(PIECES), max_size=5).map("\n\n".join)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=2, max_size=5), st.sampled_from([PANDOC_MARKDOWN, SAFE_MARKDOWN]))
def test_texts_read_in_one_process_are_the_texts_read_alone(many, reader):
    """Any texts, however one's labels, headings or open fences would meet another's: each as it reads alone."""
    assert _read_json_each(many, reader) == [_read_json(text, reader) for text in many]


def test_the_projects_own_markdown_reads_as_alone():
    """Every Markdown cell of the report's notebooks and every commentary file, read together, as each alone."""
    cells = ["".join(cell["source"]) for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
             for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "markdown"]
    commentary = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "commentary").rglob("*.md"))]
    assert len(cells) >= 20 and commentary
    assert _read_json_each(cells, PANDOC_MARKDOWN) == [_read_json(text, PANDOC_MARKDOWN) for text in cells]
    assert _read_json_each(commentary, SAFE_MARKDOWN) == [_read_json(text, SAFE_MARKDOWN) for text in commentary]
