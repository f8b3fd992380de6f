"""The report's Definitions are in readers' words: what is counted and when, never the data's field names,
which stay in docs/measures.md."""

from __future__ import annotations

import re

from cpstats.figures.definitions import measure_definitions
from cpstats.present.definitions import READER_DEFINITIONS
from cpstats.publish.render import definitions_section

FIELD_NAME = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b|\b[A-Z]\w*[a-z][A-Z][a-z]+\w*|\bNO_PLAN\b|\bM, F, U\b|\bY, N\b|docs/")


def test_every_measure_in_the_appendix_has_a_readers_definition():
    assert {name for name, _, _ in measure_definitions()} <= set(READER_DEFINITIONS)


def test_the_appendix_names_no_field_and_points_to_no_file_a_reader_cannot_see():
    import json

    text = json.dumps(definitions_section().blocks)
    words = " ".join(re.findall(r'"c": "([^"]*)"', text))
    assert not FIELD_NAME.search(words), FIELD_NAME.search(words).group()
    for definition in READER_DEFINITIONS.values():
        assert not FIELD_NAME.search(definition), definition
        assert definition[0].isupper() and definition.endswith("."), definition
