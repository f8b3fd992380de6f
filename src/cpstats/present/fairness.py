"""Comparisons that are fair to a small authority: intervals, verdicts, national rank and quarter, as tables and words.

Built on :mod:`cpstats.figures.uncertainty` from the report's protected figures and DfE's published
figures only. For each headline measure (:data:`cpstats.data.comparators.HEADLINE_MEASURES`):

* :func:`intervals_table`: the authority's figure, its 95% interval ("14.0 to 36.3"), England's
  and the region's figures, and whether each differs from the authority's beyond chance
  ("higher", "lower" or "statistically similar", from the interval, never from the point values alone);
* :func:`positions_table`: the national rank (1 = lowest, ties sharing the lowest rank, as DfE's
  Local Authority Interactive Tool ranks) among every authority with a figure, the quarter,
  whether a high value is better (for plans, neither is: said, not coloured), and the statistical
  neighbours' median beside their mean;
* :func:`comparison_sentence`: one sentence saying all of that for a measure, for the main points.

A withheld figure has its interval, verdicts and position withheld (``[c]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from cpstats.figures.figures import CONFIDENTIAL, is_withheld
from cpstats.figures.funnel import Funnel  # noqa: F401  (for notebooks: isinstance checks)
from cpstats.figures.uncertainty import Interval, Position, interval_for, national_position, neighbours_median, verdict
from cpstats.present.numbers import format_percent, format_rate

__all__ = [
    "MEASURE_WORDS",
    "VERDICT_WORDS",
    "FairComparison",
    "fair_comparisons",
    "intervals_table",
    "positions_table",
    "neighbour_names",
    "comparison_sentence",
    "funnels",
    "trend_comparison_sentence",
    "trend_intervals",
    "neighbours_note",
    "reader_source",
    "comparator_sources_table",
    "COMPARATOR_SOURCES_NOTE",
]

NOT_AVAILABLE = "[x]"

MEASURE_WORDS: dict[str, tuple[str, str]] = {
    "cpp_rate_per_10000_at_31_march": ("The rate of children subject of a Child Protection Plan on 31 March", " per 10,000 children"),
    "plan_start_rate_per_10000": ("The rate of Child Protection Plans started", " per 10,000 children"),
    "second_or_subsequent_plan_pct": ("The share of plans started that were a second or subsequent plan", ""),
    "ended_plans_2_years_or_more_pct": ("The share of plans ended that had lasted 2 years or more", ""),
    "on_plan_2_years_or_more_at_31_march_pct": ("The share of children on a plan on 31 March who had been on it 2 years or more", ""),
    "reviews_in_timescale_pct": ("The share of children whose reviews were all in timescale", ""),
}
"""How a sentence names each headline measure, and the unit after its value."""

VERDICT_WORDS = {"higher": "higher than", "lower": "lower than", "similar": "statistically similar to"}
"""How a sentence and a table say a verdict of :func:`cpstats.figures.uncertainty.verdict`."""

VERDICT_CELLS = {"higher": "Higher", "lower": "Lower", "similar": "Statistically similar"}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class FairComparison:
    """One headline measure of the report's year, with everything a fair comparison needs.

    ``value`` is the authority's protected figure; ``interval`` and ``position`` are ``Withheld``
    when it is. ``comparison`` is :func:`cpstats.data.comparators.comparator_values`' answer (DfE's
    published figures for England, the region and the neighbours).
    """

    measure: str
    value: object
    interval: object
    position: object
    comparison: object
    neighbours_median: float | None

    def _verdict(self, other) -> str | None:
        if is_withheld(self.value):
            return CONFIDENTIAL
        return verdict(self.interval, other)

    @property
    def against_england(self) -> str | None:
        return self._verdict(getattr(self.comparison, "england", None))

    @property
    def against_region(self) -> str | None:
        return self._verdict(getattr(self.comparison, "region", None))

    @property
    def against_neighbours(self) -> str | None:
        return self._verdict(self.neighbours_median)


def fair_comparisons(report, names=None) -> dict[str, FairComparison]:
    """Every headline measure of a :class:`~cpstats.present.context.ReportContext`'s year, as :class:`FairComparison`."""
    from cpstats.data.comparators import HEADLINE_MEASURES

    flat = report.figures.flat[report.year.label]
    comparisons = report.comparators(names)
    found = {}
    for name in names or HEADLINE_MEASURES:
        comparison = comparisons.get(name)
        value = flat.get(name)
        try:
            position = national_position(name, report.year, report.dataset.la_code, value, report.reference_dir)
        except (KeyError, ValueError, FileNotFoundError):
            position = None
        found[name] = FairComparison(
            measure=name, value=value, interval=interval_for(name, flat), position=position, comparison=comparison,
            neighbours_median=None if comparison is None else neighbours_median(comparison.neighbours),
        )
    return found


def _shown(name: str, value) -> str:
    if is_withheld(value):
        return CONFIDENTIAL
    if isinstance(value, str):
        return value  # DfE's own symbol, e.g. [c]
    if not _number(value):
        return NOT_AVAILABLE
    return format_percent(value, places=1) if name.endswith("_pct") else format_rate(value)


def _said(name: str, value) -> str:
    """A value as a sentence says it: percentages whole, as all prose rounds them (tables keep one decimal)."""
    if name.endswith("_pct") and _number(value) and not is_withheld(value):
        return format_percent(value)
    return _shown(name, value)


def _said_interval(interval) -> str:
    """An interval as a sentence says it: a percentage's ends whole (``20% to 27%``), a rate's to one decimal."""
    if isinstance(interval, Interval) and interval.kind == "percent":
        return f"{format_percent(interval.low)} to {format_percent(interval.high)}"
    return str(interval)


def _interval_cell(interval) -> str:
    if is_withheld(interval):
        return CONFIDENTIAL
    return str(interval) if isinstance(interval, Interval) else NOT_AVAILABLE


def _verdict_cell(found: str | None) -> str:
    if found == CONFIDENTIAL:
        return CONFIDENTIAL
    return VERDICT_CELLS.get(found, NOT_AVAILABLE)


def intervals_table(fair: Mapping[str, FairComparison], la_name: str, year, labels: Mapping[str, str] | None = None
                    ) -> pd.DataFrame | None:
    """The headline measures with their 95% intervals, beside England and the region, and the verdict on each.

    ``None`` when no measure has a value.
    """
    from cpstats.present.tables import COMPARATOR_LABELS

    labels = labels or COMPARATOR_LABELS
    rows = [f for f in fair.values() if f.value is not None and f.measure in labels]
    if not rows:
        return None
    label = getattr(year, "label", year)
    region = next((f.comparison.region_name for f in rows if f.comparison is not None and f.comparison.region_name),
                  "Region")
    return pd.DataFrame({
        "Measure": [labels[f.measure] for f in rows],
        f"{la_name} {label}": [_shown(f.measure, f.value) for f in rows],
        "95% interval": [_interval_cell(f.interval) for f in rows],
        f"England {label}": [_shown(f.measure, getattr(f.comparison, "england", None)) for f in rows],
        "Compared with England": [_verdict_cell(f.against_england) for f in rows],
        f"{region} {label}": [_shown(f.measure, getattr(f.comparison, "region", None)) for f in rows],
        f"Compared with {region}": [_verdict_cell(f.against_region) for f in rows],
    })


def _rank_cell(position) -> str:
    if is_withheld(position):
        return CONFIDENTIAL
    return f"{position.rank} of {position.of}" if isinstance(position, Position) else NOT_AVAILABLE


def _quarter_cell(position) -> str:
    if is_withheld(position):
        return CONFIDENTIAL
    if not isinstance(position, Position):
        return NOT_AVAILABLE
    words = position.quarter_words[0].upper() + position.quarter_words[1:]
    return words if position.band is None else f"{words} (band {position.band})"


def positions_table(fair: Mapping[str, FairComparison], labels: Mapping[str, str] | None = None) -> pd.DataFrame | None:
    """The headline measures' national rank and quarter, their polarity, and the neighbours' median and mean."""
    from cpstats.figures.uncertainty import POLARITY, POLARITY_CELLS
    from cpstats.present.tables import COMPARATOR_LABELS

    labels = labels or COMPARATOR_LABELS
    rows = [f for f in fair.values() if f.value is not None and f.measure in labels]
    if not rows:
        return None
    return pd.DataFrame({
        "Measure": [labels[f.measure] for f in rows],
        "National rank (1 = lowest)": [_rank_cell(f.position) for f in rows],
        "Quarter of English authorities": [_quarter_cell(f.position) for f in rows],
        "Is a high value better?": [POLARITY_CELLS[POLARITY.get(f.measure)] for f in rows],
        "Statistical neighbours' median": [_shown(f.measure, f.neighbours_median) for f in rows],
        "Statistical neighbours' average": [_shown(f.measure, getattr(f.comparison, "neighbours_average", None))
                                            for f in rows],
        "Compared with the neighbours' median": [_verdict_cell(f.against_neighbours) for f in rows],
        "Rank among neighbours (1 = lowest)": [_neighbours_rank_cell(f) for f in rows],
    })


def _neighbours_rank_cell(fair: FairComparison) -> str:
    """The authority's place among itself and its statistical neighbours ("2 of 11", 1 the lowest), from DfE's
    published figures; "[x]" where there is none, "[c]" beside a withheld figure."""
    rank, of = getattr(fair.comparison, "rank", None), getattr(fair.comparison, "rank_of", None)
    if is_withheld(fair.value):
        return CONFIDENTIAL
    return f"{rank} of {of}" if rank and of else NOT_AVAILABLE


def neighbour_names(report) -> list[str]:
    """The authority's statistical neighbours by name, closest first (DfE's list, ``data/reference``)."""
    from cpstats.data.comparators import authorities_table, neighbours_of

    try:
        codes = neighbours_of(report.dataset.la_code, report.reference_dir)
        table = authorities_table(report.reference_dir)
    except (KeyError, ValueError, FileNotFoundError):
        return []
    names = dict(zip(table["la_code"], table["la_name"]))
    return [names.get(code, str(code)) for code in codes]


def comparison_sentence(fair: FairComparison, year) -> str | None:
    """One sentence: the figure, its interval, and whether England's, the region's and the neighbours' median
    figures differ from it beyond chance. ``None`` when the figure is withheld, not applicable, or has no
    interval or no England figure to compare with."""
    from cpstats.present.sentences import say

    if fair.measure not in MEASURE_WORDS or not isinstance(fair.interval, Interval) or is_withheld(fair.value):
        return None
    england = fair.against_england
    if england not in VERDICT_WORDS:
        return None
    subject, unit = MEASURE_WORDS[fair.measure]
    others = []
    if fair.against_region in VERDICT_WORDS:
        others.append(say("fair_comparison.region", verdict=VERDICT_WORDS[fair.against_region],
                          region=fair.comparison.region_name, value=_said(fair.measure, fair.comparison.region)))
    if fair.against_neighbours in VERDICT_WORDS:
        others.append(say("fair_comparison.neighbours", verdict=VERDICT_WORDS[fair.against_neighbours],
                          value=_said(fair.measure, fair.neighbours_median)))
    return say("fair_comparison.england", subject=subject, unit=unit,
               year=getattr(year, "label", year), interval=_said_interval(fair.interval), verdict=VERDICT_WORDS[england],
               england=_said(fair.measure, fair.comparison.england),
               others="".join(f", {part}" for part in others[:-1]) + (f" and {others[-1]}" if others else ""))


def funnels(report) -> dict:
    """The funnel of each headline rate (:data:`cpstats.figures.funnel.FUNNEL_MEASURES`) for a report's year:
    a :class:`~cpstats.figures.funnel.Funnel`, a ``Withheld`` when the rate is, or ``None``."""
    from cpstats.figures.funnel import FUNNEL_MEASURES, funnel

    flat = report.figures.flat[report.year.label]
    found = {}
    for name in FUNNEL_MEASURES:
        try:
            found[name] = funnel(name, report.year, report.dataset.la_code, flat.get(name), flat.get("population"),
                                 report.reference_dir)
        except (KeyError, ValueError, FileNotFoundError):
            found[name] = None
    return found


def trend_comparison_sentence(report, measure: str = "cpp_rate_per_10000_at_31_march") -> str | None:
    """How the authority's rate compared with England's over the years of :attr:`ReportContext.trend`, judged
    each year by the authority's 95% interval (never by the two values alone). ``None`` with fewer than two
    years having both a published rate and England's."""
    from cpstats.present.numbers import format_count
    from cpstats.present.sentences import say

    judged = []
    for label, row in report.trend.iterrows():
        flat = report.figures.flat.get(label) or {}
        found = verdict(interval_for(measure, flat), row.get(f"england:{measure}"))
        if found is not None and not is_withheld(flat.get(measure)):
            judged.append((label, flat[measure], found))
    if len(judged) < 2:
        return None
    order = [v for v in ("lower", "similar", "higher") if any(found == v for _, _, found in judged)]
    counts = {v: sum(found == v for _, _, found in judged) for v in order}
    if len(order) == 1:
        relation = f"{VERDICT_WORDS[order[0]]} England's rate in every year"
    else:
        parts = [f"{VERDICT_WORDS[v]} {'England' + chr(39) + 's rate' if i == 0 else 'it'} in {format_count(counts[v])}"
                 + (f" of the {format_count(len(judged))} years" if i == 0 else "") for i, v in enumerate(order)]
        relation = ", ".join(parts[:-1]) + " and " + parts[-1]
    rates = [rate for _, rate, _ in judged]
    return say("fair_comparison.trend", first=judged[0][0], last=judged[-1][0], la_name=report.la_name,
               low=format_rate(min(rates)), high=format_rate(max(rates)), relation=relation)


def trend_intervals(report, measure: str = "cpp_rate_per_10000_at_31_march") -> list:
    """The 95% interval of ``measure`` in each year of :attr:`ReportContext.trend` (oldest first), from that year's
    protected figures: an :class:`~cpstats.figures.uncertainty.Interval`, a withheld one, or ``None``."""
    return [interval_for(measure, report.figures.flat.get(label) or {}) for label in report.trend.index]
def neighbours_note(report) -> str | None:
    """Who the statistical neighbours are, how DfE chose them, and what the ranks in the tables mean; ``None``
    where the reference data name no neighbours."""
    from cpstats.present.numbers import format_count
    from cpstats.present.sentences import _joined, say

    names = neighbour_names(report)
    if not names:
        return None
    return say("neighbours_note", la_name=report.la_name, count=format_count(len(names)), names=_joined(names))


COMPARATOR_SOURCES_NOTE = (
    "Where each of England's figures comes from. A figure from DfE's Local Authority Interactive Tool (LAIT) is "
    "the latest DfE publishes for that year: a rate there is worked out with today's ONS population estimates, "
    "so it can differ slightly from the rate in DfE's release for the year, which used the estimates of the time. "
    "A figure from the Children in need statistics (explore-education-statistics) is the one in DfE's release. "
    "The region's and the statistical neighbours' figures come from DfE's Children in need statistics for each "
    "authority; their rates per 10,000 children are worked out from DfE's published counts and the ONS mid-year "
    "population estimates DfE publishes with them."
)
"""What the comparator sources table says, for the reader."""


def reader_source(source: str, rate: bool = True) -> str:
    """Where one of England's figures comes from, in readers' words (the reference data's own citation, with its
    file and field names, stays in ``data/reference``).

    >>> reader_source("DfE Local Authority Interactive Tool (LAIT), LAIT 'Short Desc'=CPP_rate")
    "DfE's Local Authority Interactive Tool: the latest figure, with today's population estimates"
    >>> reader_source("DfE, Children in need statistics (explore-education-statistics), file d3_cpps_2013_to_2025.csv")
    "DfE's Children in need statistics release, table D3"
    """
    import re

    if source.startswith("DfE Local Authority Interactive Tool"):
        return ("DfE's Local Authority Interactive Tool: the latest figure"
                + (", with today's population estimates" if rate else ""))
    table = re.search(r"file ([a-z]\d+)_", source)
    if table:
        return f"DfE's Children in need statistics release, table {table.group(1).upper()}"
    if "Children in need statistics" in source:
        return "DfE's Children in need statistics release"
    return source


def comparator_sources_table(report, names=None) -> pd.DataFrame | None:
    """England's figure for each measure the report compares with it, with the DfE release or derivation it
    comes from; ``None`` when the reference data hold none for the year."""
    from cpstats.present.labels import figure_label

    names = names or [*MEASURE_WORDS]
    rows = []
    for name in names:
        found = report.england(name)
        if found is None:
            continue
        value, source = found
        shown = format_percent(value, places=1) if name.endswith("_pct") else format_rate(value)
        rows.append((figure_label(name), shown, reader_source(source, rate="per_10000" in name)))
    if not rows:
        return None
    label = report.year.label
    return pd.DataFrame({"Measure": [r[0] for r in rows], f"England {label}": [r[1] for r in rows],
                         "Source": [r[2] for r in rows]})
