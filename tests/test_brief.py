"""The year in brief (cpstats.present.brief): chosen by its stated rule, over any figures.

Properties over generated figures: the headline measures are always there; a withheld figure is never
chosen; when the figures hold a rise and a fall beyond chance (or a figure above and one below its
comparators beyond its interval), both directions are chosen, and each is the largest of its direction;
the sentences say percentages whole and never start with a numeral.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpstats.data.periods import ReportingYear
from cpstats.figures.figures import Withheld, is_withheld
from cpstats.figures.uncertainty import Interval
from cpstats.present import brief
from cpstats.present.brief import (BEYOND_CHANCE, CHANGE_MEASURES, DIFFERENCE_MEASURES, HEADLINE_COUNTS,
                                   HEADLINE_RATES, brief_sentences, change_score, choose)

YEAR = ReportingYear.parse("2017-18")

counts = st.one_of(st.integers(0, 3000), st.just(Withheld(primary=True)), st.just(Withheld()))
rates = st.floats(0, 200, allow_nan=False, allow_infinity=False)
verdicts = st.sampled_from(["higher", "lower", "similar", None])


@st.composite
def figures(draw):
    """A year's and the year before's flat figures, intervals and comparators, some withheld."""
    current = {name: draw(counts) for name in (*HEADLINE_COUNTS, *CHANGE_MEASURES)}
    previous = draw(st.one_of(st.none(), st.just({name: draw(counts) for name in (*HEADLINE_COUNTS, *CHANGE_MEASURES)})))
    intervals, england, neighbours = {}, {}, {}
    for name in [*HEADLINE_RATES.values(), *DIFFERENCE_MEASURES]:
        kind = "percent" if name.endswith("_pct") else "rate"
        top = 100.0 if kind == "percent" else 200.0
        value = draw(st.one_of(st.floats(0, top, allow_nan=False), st.just(Withheld()), st.none()))
        current[name] = value
        if isinstance(value, float):
            low = draw(st.floats(0, value, allow_nan=False))
            high = draw(st.floats(value, top, allow_nan=False))
            intervals[name] = Interval(low, high, kind)
        else:
            intervals[name] = value
        england[name] = draw(st.one_of(st.none(), st.floats(0, top, allow_nan=False)))
        neighbours[name] = draw(st.one_of(st.none(), st.floats(0, top, allow_nan=False)))
    return current, previous, intervals, england, neighbours


def _changes(current, previous, sign):
    if previous is None:
        return []
    found = []
    for name in CHANGE_MEASURES:
        now, before = current[name], previous[name]
        if is_withheld(now) or is_withheld(before):
            continue
        score = change_score(now, before)
        if sign * score >= BEYOND_CHANCE:
            found.append((sign * score, name))
    return found


def _outside(intervals, current, comparators, direction):
    found = []
    for name in DIFFERENCE_MEASURES:
        interval = intervals[name]
        if not isinstance(interval, Interval) or is_withheld(current[name]):
            continue
        for comparator in comparators:
            value = comparator.get(name)
            if value is None:
                continue
            if (direction == "higher" and value < interval.low) or (direction == "lower" and value > interval.high):
                found.append(name)
    return found


@settings(max_examples=150, deadline=None)
@given(figures())
def test_the_headline_measures_are_always_chosen_and_a_withheld_figure_never(drawn):
    current, previous, intervals, england, neighbours = drawn
    choice = choose(current, previous, intervals, england, neighbours)
    assert choice.chosen[:3] == list(HEADLINE_COUNTS)
    for change in (choice.rise, choice.fall):
        if change is not None:
            assert not is_withheld(current[change.measure]) and not is_withheld(previous[change.measure])
            assert abs(change.score) >= BEYOND_CHANCE
    for difference in (choice.higher, choice.lower):
        if difference is not None:
            assert not is_withheld(current[difference.measure])
            assert isinstance(intervals[difference.measure], Interval)


@settings(max_examples=150, deadline=None)
@given(figures())
def test_both_directions_are_chosen_and_each_is_the_largest(drawn):
    """Bad news as readily as good: a rise and a fall, a figure above and one below its comparators."""
    current, previous, intervals, england, neighbours = drawn
    choice = choose(current, previous, intervals, england, neighbours)
    rises, falls = _changes(current, previous, 1), _changes(current, previous, -1)
    assert (choice.rise is not None) == bool(rises) and (choice.fall is not None) == bool(falls)
    if rises:
        assert math.isclose(choice.rise.score, max(rises)[0])
    if falls:
        assert math.isclose(-choice.fall.score, max(falls)[0])
    higher = _outside(intervals, current, (england, neighbours), "higher")
    lower = _outside(intervals, current, (england, neighbours), "lower")
    assert (choice.higher is not None) == bool(higher) and (choice.lower is not None) == bool(lower)
    if choice.higher is not None:
        assert choice.higher.measure in higher
    if choice.lower is not None:
        assert choice.lower.measure in lower
        if choice.higher is not None and set(lower) - {choice.higher.measure}:
            assert choice.lower.measure != choice.higher.measure  # two figures, when there are two to say


@settings(max_examples=100, deadline=None)
@given(figures(), st.dictionaries(st.sampled_from(list(HEADLINE_RATES.values())), verdicts))
def test_the_sentences_say_percentages_whole_and_start_with_a_word(drawn, rate_verdicts):
    current, previous, intervals, england, neighbours = drawn
    choice = choose(current, previous, intervals, england, neighbours)
    points = brief_sentences(choice, current, previous, YEAR, rate_verdicts, england)
    assert len(points) == len(choice.chosen)
    for point in points:
        assert not re.search(r"\d\.\d+%", point), point  # percentages are whole in prose
        assert not point[0].isdigit(), point
        assert "_" not in point, point  # no field name
        assert point.endswith("."), point
    for difference in (choice.higher, choice.lower):  # said higher or lower only beyond the interval
        if difference is not None:
            said = points[choice.chosen.index(difference.measure)]
            assert f"{difference.direction} than" in said, said


def test_a_change_of_a_few_children_is_not_news_but_a_large_one_is():
    """Chance moves small counts: 4 to 8 is within it, 412 to 305 is not."""
    current = {name: 0 for name in (*HEADLINE_COUNTS, *CHANGE_MEASURES)}
    previous = dict(current)
    current["icpcs"], previous["icpcs"] = 8, 4
    current["s47_enquiries"], previous["s47_enquiries"] = 305, 412
    choice = choose(current, previous, {}, {})
    assert choice.rise is None and choice.fall.measure == "s47_enquiries"


def test_the_rule_is_stated_for_readers():
    """The rule's words say what the code does: headline measures, both directions, chance, withheld."""
    for words in ("always", "largest rise", "largest fall", "95%", "withheld", "England", "neighbours"):
        assert words in brief.RULE


# ----------------------------------------------------------------- two sources, no contradiction


from cpstats.present.reconciliation import conference_check  # noqa: E402
from cpstats.present.sentences import sources_sentence  # noqa: E402
from cpstats.present.sentences import icpc_sentence  # noqa: E402

small = st.integers(0, 2000)


@settings(max_examples=200, deadline=None)
@given(small, small, st.integers(0, 300))
def test_no_sentence_says_the_threshold_was_always_met_where_the_case_records_contradict_it(icpcs, starts, not_met):
    """"At every conference the threshold was met" beside 1,308 children at a conference and 727 plans started
    is never said: the conference records' figure is attributed to them, and a disagreement is said."""
    values = {"icpcs": icpcs, "plan_starts": starts, "icpc_threshold_not_met": not_met,
              "icpc_within_15_working_days_pct": 80.0}
    text = icpc_sentence(values, YEAR)
    assert "At every Initial Child Protection Conference" not in text
    differ = abs((icpcs - starts) - not_met) > max(0.1 * icpcs, 5)
    assert (conference_check(values)["status"] == "differ") == differ
    assert ("do not agree" in text) == differ
    assert ("do not agree" in sources_sentence(values, YEAR)) == differ


def test_the_case_of_two_sources_that_do_not_agree():
    values = {"icpcs": 1308, "plan_starts": 727, "icpc_threshold_not_met": 0, "icpc_within_15_working_days_pct": 80.0}
    text = icpc_sentence(values, YEAR)
    assert "1,308 children at an initial conference and 727 plans started" in text and "do not agree" in text
    assert conference_check({**values, "icpcs": Withheld(primary=True)})["status"] == "unknown"


@settings(max_examples=100, deadline=None)
@given(figures(), st.sets(st.sampled_from([*CHANGE_MEASURES, *DIFFERENCE_MEASURES])))
def test_a_figure_the_published_one_contradicts_is_never_chosen(drawn, unchecked):
    """A figure the Reconciliation marks "to check" waits: never a change or a difference of the brief."""
    current, previous, intervals, england, neighbours = drawn
    choice = choose(current, previous, intervals, england, neighbours, unchecked)
    assert not set(choice.chosen[3:]) & unchecked


# ----------------------------------------------------------------- in the built report


def _sentences(text: str) -> set[str]:
    return {s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\[])", " ".join(text.split())) if len(s.strip()) > 30}


def test_the_built_front_page_and_pdf_open_with_the_year_in_brief_and_repeat_no_section_sentence(public_report):
    """Every authority's front page and PDF open with the year in brief: the headline measures first, and no
    sentence of it is said again in a section (pages and PDF)."""
    from pypdf import PdfReader

    from tests.sample_builds import html_text

    report = public_report.report
    index = html_text((report / "index.html").read_text(encoding="utf-8"))
    brief_text = index[index.index("The year in brief"):index.index("Contents")]
    assert "On 31 March 2018," in brief_text and "Child Protection Plans were started" in brief_text
    assert "referrals" in brief_text
    points = _sentences(brief_text.replace("The year in brief", ""))
    assert points
    sections = " ".join(html_text(page.read_text(encoding="utf-8")) for page in sorted(report.glob("[0-9]*.html")))
    assert not {p for p in points if p in sections}
    pages = PdfReader(next(report.glob("*.pdf"))).pages
    first = " ".join(pages[1].extract_text().split())  # the first page after the title and contents
    assert first.startswith("The year in brief") and "On 31 March 2018," in first
    body = " ".join(" ".join(page.extract_text().split()) for page in pages[2:])
    assert not {p for p in points if p in body}


@pytest.mark.parametrize("la", ["sample", "county"])
@pytest.mark.parametrize("disclosure", ["public", "internal"])
def test_every_authority_has_a_year_in_brief_from_its_protected_figures(la, disclosure):
    """The sample and the county, public and internal: the headline measures first, the county's headline count
    that DfE's published figure contradicts said so, and nothing withheld chosen."""
    from pathlib import Path

    from cpstats.present.brief import year_in_brief
    from cpstats.present.context import load_context

    root = Path(__file__).resolve().parents[1]
    report = load_context(la, "2017-18", root / "data" / la, root / "data" / "reference", root / "commentary",
                          disclosure=disclosure, threshold=5)
    found = year_in_brief(report)
    assert found.chosen[:3] == list(HEADLINE_COUNTS) and len(found.points) == len(found.chosen)
    flat = report.figures.flat["2017-18"]
    assert not any(is_withheld(flat.get(name)) for name in found.chosen[3:])
    assert found.points[0].startswith("On 31 March 2018,") and "referrals" in found.points[2]
    if la == "county":
        assert "DfE published 394 for 2017-18" in found.points[0]
