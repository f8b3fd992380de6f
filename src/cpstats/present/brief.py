"""The year in brief: the report's main points, chosen by a stated rule from the protected figures.

The front page of the web report and the first page of the PDF open with one short summary, the same
for every authority, whose points are chosen here, never typed. The rule (:data:`RULE`, which the
report's Definitions state in these words) is:

1. **Headline measures, always**: children subject of a Child Protection Plan on 31 March, Child
   Protection Plans started in the year and referrals, each with the year before where the data hold
   it, and the two rates per 10,000 children compared with England's.
2. **The largest changes on the year before, in both directions**: among the other counts the report
   publishes for both years (:data:`CHANGE_MEASURES`), the largest rise and the largest fall, each
   measured by how far it lies beyond what chance alone gives, ``z = (now - before) / sqrt(now + before)``
   (the test of two Poisson counts, conditional on their sum), and chosen only when ``|z| >= 1.96``
   (a change a 95% test would call real). A small authority's counts move a lot by chance: this keeps a
   change of 4 to 8 out and 412 to 305 in.
3. **The largest differences from England and from the statistical neighbours, in both directions**:
   among the rates and percentages with a 95% interval (:func:`cpstats.figures.uncertainty.interval_for`)
   and a published comparator (:data:`DIFFERENCE_MEASURES`), those whose comparator lies outside the
   interval (the verdicts :func:`cpstats.figures.uncertainty.verdict` gives, so "higher" and "lower" mean
   beyond chance), ranked by how far outside, in units of the interval's half width on that side
   (``1.96 * (value - comparator) / half_width``); the largest "higher" and the largest "lower".
4. **A figure DfE's published figure contradicts is not chosen** as a change or a difference: one whose
   difference from the authority's DfE-published figure the Reconciliation appendix marks "not explained by the
   data; to check" (:func:`cpstats.present.reconciliation.unexplained`) waits until it is checked.
5. **A withheld figure is never chosen**: a change needs both years' counts published, a difference the
   authority's figure published; the headline measures are said as the figures word them ("fewer than
   6", ``[c]``), without a change worked out from a withheld count.

Percentages are said whole ("a 26% decrease"), as all the report's prose rounds them. Each point is a
sentence of its own (``wording.yaml``, ``brief:``), worded differently from the sections' sentences, so
no sentence is repeated between the front page and a section. The points carry no measure's name: each
measure is named by its one label (:func:`cpstats.present.labels.figure_label`).

The choice (:func:`choose`) is a pure function of the figures, so it can be tested over any figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from cpstats.figures.figures import is_withheld

__all__ = [
    "HEADING",
    "RULE",
    "CHANGE_MEASURES",
    "DIFFERENCE_MEASURES",
    "BEYOND_CHANCE",
    "Change",
    "Difference",
    "Choice",
    "change_score",
    "difference_score",
    "choose",
    "YearInBrief",
    "year_in_brief",
    "brief_sentences",
]

HEADING = "The year in brief"
"""The heading of the summary on the front page and the PDF's first page."""

HEADLINE_COUNTS = ("children_on_plan_at_31_march", "plan_starts", "referrals")
"""The headline measures, always in the summary, in this order."""

HEADLINE_RATES = {"children_on_plan_at_31_march": "cpp_rate_per_10000_at_31_march",
                  "plan_starts": "plan_start_rate_per_10000"}
"""The rate per 10,000 children said with a headline count, and compared with England's."""

CHANGE_MEASURES = (
    "s47_enquiries",
    "icpc_requests",
    "icpcs",
    "plan_ends",
    "children_with_plan_during_year",
    "families_with_plan_during_year",
    "on_plan_2_years_or_more_at_31_march",
    "conferences_held.total",
    "conferences_with_domestic_abuse",
    "children_with_advocate",
)
"""The other counts whose change on the year before may be chosen (counts the report publishes for
both years; the headline counts are said in any case)."""

DIFFERENCE_MEASURES = (
    "second_or_subsequent_plan_pct",
    "reviews_in_timescale_pct",
    "ended_plans_2_years_or_more_pct",
    "on_plan_2_years_or_more_at_31_march_pct",
    "icpc_within_15_working_days_pct",
    "rereferrals_within_12_months_pct",
)
"""The rates and percentages whose difference from England or the neighbours may be chosen (the two
headline rates are compared with England in the headline points)."""

BEYOND_CHANCE = 1.96
"""How many standard errors a change must reach to be chosen: a two-sided 95% test."""

RULE = (
    "How the year in brief is chosen: it always gives the children subject of a Child Protection Plan on "
    "31 March, the plans started and the referrals, each with the year before, and the two rates per 10,000 "
    "children beside England's. It then adds the largest rise and the largest fall on the year before among "
    "the report's other counts, each only if it is larger than chance alone would readily give (a two-sided "
    "95% test of two counts), and the figure furthest above and the figure furthest below England's or the "
    "statistical neighbours' median, each only if the comparator lies outside the authority's 95% interval. "
    "So bad news is chosen as readily as good. A figure whose difference from the one DfE published for the "
    "authority is not explained (see the Reconciliation appendix) is not chosen until it is checked. A withheld "
    "figure is never chosen, and percentages are given "
    "as whole numbers. The rule is applied by cpstats to the published figures; nobody picks the points."
)
"""The rule in readers' words, as the report's Definitions state it."""


@dataclass(frozen=True)
class Change:
    """A count's change on the year before, with its score (:func:`change_score`)."""

    measure: str
    now: int
    before: int
    score: float


@dataclass(frozen=True)
class Difference:
    """A rate or percentage differing from a comparator beyond its 95% interval."""

    measure: str
    value: float
    interval: object
    england: float | None
    neighbours: float | None
    direction: str  # "higher" or "lower"
    score: float


@dataclass(frozen=True)
class Choice:
    """What :func:`choose` picked: the headline counts (always), a rise, a fall, and the differences."""

    headline: tuple[str, ...]
    rise: Change | None
    fall: Change | None
    higher: Difference | None
    lower: Difference | None

    @property
    def chosen(self) -> list[str]:
        """Every measure chosen, headline first."""
        found = [*self.headline, *(c.measure for c in (self.rise, self.fall, self.higher, self.lower) if c)]
        return list(dict.fromkeys(found))


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def change_score(now: int, before: int) -> float:
    """How far a change between two counts lies beyond chance: ``(now - before) / sqrt(now + before)``.

    Under no real change, and given their sum, the two counts split as a fair coin would; this is that
    split's z statistic (0 when both are 0).

    >>> round(change_score(305, 412), 2), change_score(0, 0)
    (-4.0, 0.0)
    """
    total = now + before
    return 0.0 if total == 0 else (now - before) / math.sqrt(total)


def difference_score(value: float, interval, comparator: float) -> float:
    """How far ``comparator`` lies from ``value``, in standard errors read off the interval on its side.

    >>> from cpstats.figures.uncertainty import Interval
    >>> round(difference_score(20.0, Interval(15.0, 26.0, "percent"), 10.0), 2)
    3.92
    """
    half = (value - interval.low) if comparator < value else (interval.high - value)
    if half <= 0:
        return math.copysign(math.inf, value - comparator)
    return BEYOND_CHANCE * (value - comparator) / half


def _outside(interval, comparator) -> str | None:
    """``"higher"`` or ``"lower"`` when the comparator lies outside the interval: the verdict the report's fair
    comparisons give (:func:`cpstats.figures.uncertainty.verdict`); ``None`` when similar or not a number."""
    from cpstats.figures.uncertainty import verdict

    if not _number(comparator):
        return None
    found = verdict(interval, comparator)
    return found if found in ("higher", "lower") else None


def choose(current: Mapping[str, object], previous: Mapping[str, object] | None,
           intervals: Mapping[str, object], england: Mapping[str, object],
           neighbours: Mapping[str, object] | None = None, unchecked: frozenset[str] | set[str] = frozenset()) -> Choice:
    """Apply the rule (:data:`RULE`) to a year's flat protected figures.

    Parameters
    ----------
    current, previous : mapping
        The year's and the year before's flat figures (``previous`` ``None`` in the data's first year);
        a withheld value is a :class:`~cpstats.figures.figures.Withheld`.
    intervals : mapping
        A measure's 95% interval (:class:`~cpstats.figures.uncertainty.Interval`), or a withheld or ``None``.
    england, neighbours : mapping
        England's published value and the statistical neighbours' median for a measure (numbers or ``None``).
    unchecked : set of str
        Measures whose difference from DfE's published figure is not explained (never chosen beyond the headline).
    """
    from cpstats.figures.uncertainty import Interval

    neighbours = neighbours or {}
    changes = []
    for name in [n for n in CHANGE_MEASURES if n not in unchecked] if previous is not None else ():
        now, before = current.get(name), previous.get(name)
        if _count(now) and _count(before) and not is_withheld(now) and not is_withheld(before):
            score = change_score(int(now), int(before))
            if abs(score) >= BEYOND_CHANCE:
                changes.append(Change(name, int(now), int(before), score))
    differences = []
    for name in [n for n in DIFFERENCE_MEASURES if n not in unchecked]:
        value, interval = current.get(name), intervals.get(name)
        if not _number(value) or is_withheld(value) or not isinstance(interval, Interval):
            continue
        scored: dict[str, float] = {}  # a direction to the furthest comparator on that side
        for comparator in (england.get(name), neighbours.get(name)):
            direction = _outside(interval, comparator)
            if direction is not None:
                scored[direction] = max(scored.get(direction, 0.0), abs(difference_score(value, interval, comparator)))
        for direction, score in scored.items():
            differences.append(Difference(name, value, interval, england.get(name) if _number(england.get(name)) else None,
                                          neighbours.get(name) if _number(neighbours.get(name)) else None,
                                          direction, score))
    # ties are broken by the measures' order above, so the same figures always give the same choice
    rises = [c for c in changes if c.score > 0]
    falls = [c for c in changes if c.score < 0]
    higher = max((d for d in differences if d.direction == "higher"), key=lambda d: d.score, default=None)
    lowers = [d for d in differences if d.direction == "lower"]
    # a figure above England's and below the neighbours' is one point, saying both: the figure furthest below
    # its comparators is then the largest among the others, if any
    others = [d for d in lowers if higher is None or d.measure != higher.measure]
    lower = max(others or lowers, key=lambda d: d.score, default=None)
    return Choice(
        headline=HEADLINE_COUNTS,
        rise=max(rises, key=lambda c: c.score, default=None),
        fall=min(falls, key=lambda c: c.score, default=None),
        higher=higher,
        lower=lower,
    )


# ----------------------------------------------------------------- in words


def _label(name: str) -> str:
    from cpstats.present.labels import prose_label

    return prose_label(name)


def _said(name: str, value) -> str:
    from cpstats.present.numbers import format_percent, format_rate

    return format_percent(value) if name.endswith("_pct") else format_rate(value)


def _comparison(verdict: str | None, england_value) -> str:
    """``, lower than England's 45.3 allowing for chance`` for a rate's verdict, or nothing."""
    from cpstats.present.fairness import VERDICT_WORDS
    from cpstats.present.numbers import format_rate

    if verdict not in VERDICT_WORDS or not _number(england_value):
        return ""
    from cpstats.present.sentences import say

    return say("brief.england", verdict=VERDICT_WORDS[verdict], england=format_rate(england_value))


def _headline(name: str, current, previous, year, rates, verdicts, england) -> str:
    from cpstats.present.numbers import change_phrase, date_phrase, format_count, format_rate, plural
    from cpstats.present.sentences import say

    now = current.get(name)
    before = None if previous is None else previous.get(name)
    earlier = ""
    if before is not None:
        change = change_phrase(now, before)
        earlier = say("brief.before", previous=format_count(before), previous_year=year.previous().label,
                      change=f", {change}" if change and change != "no change" else (", no change" if change else ""))
    rate_name = HEADLINE_RATES.get(name)
    rate = current.get(rate_name) if rate_name else None
    rate_words = ""
    if _number(rate) and not is_withheld(rate):
        rate_words = say("brief.rate", rate=format_rate(rate),
                         comparison=_comparison(verdicts.get(rate_name), england.get(rate_name)))
    if name == "children_on_plan_at_31_march":
        return say("brief.on_plan", date=date_phrase(year.end), children=plural(now, "child", "children"),
                   verb="was" if now == 1 and not is_withheld(now) else "were", before=earlier, rate=rate_words)
    if name == "plan_starts":
        return say("brief.plan_starts", year=year.label, plans=plural(now, "Child Protection Plan"),
                   verb="was" if now == 1 and not is_withheld(now) else "were", before=earlier, rate=rate_words)
    return say("brief.referrals", year=year.label, referrals=plural(now, "referral"), before=earlier)


def _change(change: Change, year, direction: str) -> str:
    from cpstats.present.numbers import change_phrase, format_count
    from cpstats.present.sentences import say

    words = dict(label=_label(change.measure), now=format_count(change.now), before=format_count(change.before),
                 year=year.label, previous_year=year.previous().label, change=change_phrase(change.now, change.before))
    return say("brief.rise", **words) if direction == "rise" else say("brief.fall", **words)


def _difference(difference: Difference, year) -> str:
    from cpstats.present.fairness import VERDICT_WORDS
    from cpstats.present.sentences import say

    compared, said = [], None
    for who, value in (("England's", difference.england), ("the statistical neighbours' median of", difference.neighbours)):
        direction = None if value is None else _outside(difference.interval, value)
        if direction is not None:  # "lower than England's 20% and the statistical neighbours' median of 21%"
            verdict = "" if direction == said else f"{VERDICT_WORDS[direction]} "
            compared.append(f"{verdict}{who} {_said(difference.measure, value)}")
            said = direction
    percent = difference.interval.kind == "percent"
    from cpstats.present.numbers import format_percent

    interval = (f"{format_percent(difference.interval.low)} to {format_percent(difference.interval.high)}" if percent
                else str(difference.interval))
    return say("brief.difference", label=_label(difference.measure), value=_said(difference.measure, difference.value),
               year=year.label, compared=" and ".join(compared), interval=interval)


def brief_sentences(choice: Choice, current, previous, year, verdicts: Mapping[str, str | None],
                    england: Mapping[str, object], unchecked: Mapping[str, object] | None = None) -> list[str]:
    """The chosen points as sentences, headline first, then the changes, then the differences. A headline
    measure in ``unchecked`` (its DfE-published value, which the data do not explain the difference from) says so."""
    from cpstats.present.numbers import format_count
    from cpstats.present.sentences import say

    points = []
    for name in choice.headline:
        point = _headline(name, current, previous, year, HEADLINE_RATES, verdicts, england)
        if name in (unchecked or {}):
            point += " " + say("brief.unchecked", published=format_count(unchecked[name]), year=year.label)
        points.append(point)
    if choice.rise:
        points.append(_change(choice.rise, year, "rise"))
    if choice.fall:
        points.append(_change(choice.fall, year, "fall"))
    for difference in (choice.higher, choice.lower):
        if difference and not (difference is choice.lower and choice.higher
                               and choice.higher.measure == difference.measure):
            points.append(_difference(difference, year))
    return [" ".join(point.split()) for point in points]


# ----------------------------------------------------------------- in a notebook and on the front page


class YearInBrief:
    """The year in brief of a report: the front page's and the PDF's first summary.

    A notebook shows nothing of it in its own section (its pandoc blocks are empty, so no sentence is
    repeated between a section and the front page); the renderers take its points from the output's
    metadata (``cpstats.year_in_brief``) and lay them out under :data:`HEADING`.
    """

    def __init__(self, points: Sequence[str], chosen: Sequence[str] = ()):
        self.points = [" ".join(str(point).split()) for point in points if point]
        self.chosen = list(chosen)

    def __repr__(self) -> str:
        return f"YearInBrief({self.points!r})"

    def _repr_mimebundle_(self, include=None, exclude=None):
        from cpstats.present.text import BLOCKS_MIME, markdown_escape

        jupyter = f"**{HEADING}** (shown on the front page)\n\n" + "\n".join(f"- {markdown_escape(p)}" for p in self.points)
        return ({"text/markdown": jupyter, BLOCKS_MIME: []},
                {"cpstats": {"year_in_brief": {"points": self.points, "chosen": self.chosen}}})


def year_in_brief(report) -> YearInBrief:
    """The year in brief of a :class:`~cpstats.present.context.ReportContext`'s year (see :data:`RULE`)."""
    from cpstats.figures.uncertainty import interval_for, neighbours_median, verdict

    label = report.year.label
    current = report.figures.flat[label]
    previous = report.figures.flat.get(report.year.previous().label) if report.previous is not None else None
    names = [*HEADLINE_RATES.values(), *DIFFERENCE_MEASURES]
    england = {}
    for name in names:
        found = report.england(name)
        england[name] = None if found is None else found[0]
    intervals = {name: interval_for(name, current) for name in names}
    neighbours = {}
    for name, comparison in report.comparators(list(DIFFERENCE_MEASURES)).items():
        neighbours[name] = None if comparison is None else neighbours_median(comparison.neighbours)
    # the headline rates beside England's: the fair comparisons' verdict from the rate's 95% interval
    verdicts = {name: None if is_withheld(current.get(name)) else verdict(intervals[name], england[name])
                for name in HEADLINE_RATES.values()}
    from cpstats.present.reconciliation import unexplained

    unchecked = unexplained(report.reconciliation)
    choice = choose(current, previous, intervals, england, neighbours, unchecked)
    published = dict(zip(report.reconciliation["measure"], report.reconciliation["published"])) if unchecked else {}
    caveats = {name: published[name] for name in HEADLINE_COUNTS if name in unchecked and name in published}
    return YearInBrief(brief_sentences(choice, current, previous, report.year, verdicts, england, caveats),
                       choice.chosen)
