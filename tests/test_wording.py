"""The standard sentences are templates in wording.yaml: every one used, every one used exists, and a wrong name stops."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import cpstats.present.sentences as sentences
from cpstats.present.commentary import CommentaryError

WORDING = Path(sentences.__file__).with_name("wording.yaml")


def _keys(node, prefix=""):
    for name, value in node.items():
        if isinstance(value, dict):
            yield from _keys(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def test_every_template_is_used_and_every_template_used_exists():
    catalogue = set(_keys(yaml.safe_load(WORDING.read_text(encoding="utf-8"))))
    speakers = [Path(sentences.__file__).with_name(name)  # the modules that say()
                for name in ("sentences.py", "fairness.py", "brief.py", "reconciliation.py")]
    used = {key for path in speakers for key in re.findall(r'say\("([a-z_.0-9]+)"', path.read_text(encoding="utf-8"))}
    assert used - catalogue == set()
    assert catalogue - used == set()


def test_a_template_naming_a_value_its_function_does_not_give_stops_with_the_file_and_template():
    with pytest.raises(CommentaryError, match=r"wording.yaml: marac, line 1: \{\{ victims \}\} names no known value"):
        sentences.say("marac", year="2017-18", children="24 children", repeat="8")


def test_changing_the_words_changes_the_sentence(monkeypatch):
    """The words live in the catalogue, not in the code: a board's rewording is a change of the template."""
    from cpstats.data.periods import ReportingYear

    catalogue = yaml.safe_load(WORDING.read_text(encoding="utf-8"))
    catalogue["referrals"]["change"] = "In {{ year }} the service had {{ referrals }} ({{ change }} on {{ previous_year }})."
    monkeypatch.setattr(sentences, "_CATALOGUE", catalogue)
    text = sentences.referrals_sentence({"referrals": 305}, {"referrals": 412}, ReportingYear.parse("2017-18"))
    assert text == "In 2017-18 the service had 305 referrals (a 26% decrease on 2016-17)."
