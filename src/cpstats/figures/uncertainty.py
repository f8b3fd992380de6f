"""How sure a comparison is: intervals from the counts, and the authority's place among all of England's.

A small authority's rate moves by several points when two families move in, so a comparison with
England, the region or the statistical neighbours says how far chance alone could take it:

* **Intervals** (:func:`interval_for`): a 95% interval for each headline rate or percentage, worked
  out from the counts behind it as the report publishes them (:mod:`cpstats.figures.figures`):
  the Wilson score interval for a percentage (``scipy.stats.binomtest(...).proportion_ci(method=
  "wilson")``) and the exact (Garwood) Poisson interval for a rate per 10,000 children
  (``scipy.stats.chi2``). A figure withheld, or worked out from a withheld count, has a withheld
  interval; a percentage whose denominator the report does not publish (reviews in timescale:
  the number of children reviewed) has none, since its width would tell that number.
* **Verdicts** (:func:`verdict`): ``"higher"``, ``"lower"`` or ``"similar"`` from the authority's
  interval against a comparator's published value, never from the two point values alone.
* **National position** (:func:`national_position`): the authority's rank among every authority
  with a published value that year, as DfE's Local Authority Interactive Tool ranks them (rank 1 is
  the lowest value; tied values share the lowest rank among them), and its quarter of that ranking.
  A measure's polarity (:data:`POLARITY`) says whether a high value is better: for the plans'
  rates and shares neither is, and the quarter is named by value ("the lowest quarter"), not as a
  quartile band of performance.

Everything here reads the protected figures and DfE's published figures only, so it can show no
value the disclosure policy withholds: the interval and the position of a withheld figure are
withheld too (a :class:`~cpstats.figures.figures.Withheld`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Mapping

from cpstats.figures.figures import HIDDEN_PREFIX, Withheld, derived_sources, is_withheld

__all__ = [
    "LEVEL",
    "INTERVAL_METHOD",
    "POLARITY",
    "POLARITY_WORDS",
    "POLARITY_CELLS",
    "Interval",
    "wilson_interval",
    "poisson_rate_interval",
    "interval_for",
    "verdict",
    "Position",
    "lait_ranks",
    "national_position",
    "neighbours_median",
]

LEVEL = 0.95
"""The intervals' confidence level."""

INTERVAL_METHOD = (
    "Intervals: each rate and percentage compared with England, the region or the statistical neighbours "
    "has a 95% interval worked out from the counts behind it: the Wilson score interval for a percentage, "
    "and the exact (Garwood) Poisson interval for a rate per 10,000 children. A difference from England, "
    "the region or the neighbours is called higher or lower only when their figure lies outside the "
    "authority's interval; otherwise the two are statistically similar. The national rank counts every "
    "authority with a published figure that year, 1 being the lowest value (tied values share the lowest "
    "rank), as DfE's Local Authority Interactive Tool ranks them; the quarter is that rank's quarter of the "
    "list. The funnel plots' control limits are the exact Poisson limits around England's rate for an authority "
    "of each number of children: its 95% limits and its 99.8% limits. A withheld figure's interval, rank and place in a funnel "
    "are withheld too."
)
"""The method, as the report's Definitions state it once."""

POLARITY: dict[str, str | None] = {
    "cpp_rate_per_10000_at_31_march": None,
    "plan_start_rate_per_10000": None,
    "second_or_subsequent_plan_pct": None,
    "ended_plans_2_years_or_more_pct": None,
    "on_plan_2_years_or_more_at_31_march_pct": None,
    "reviews_in_timescale_pct": "high",
    "icpc_within_15_working_days_pct": "high",
    "rereferrals_within_12_months_pct": "low",
}
"""Whether a high (``"high"``) or low (``"low"``) value is better, or neither (``None``): how many children
need a plan, and for how long, depends on the children, so neither a high nor a low rate is good in itself.
Initial conferences held within 15 working days and reviews in timescale are better high; re-referrals
within 12 months better low (a case closed before its needs were met comes back), as DfE's Local
Authority Interactive Tool bands them."""

POLARITY_WORDS = {
    None: "neither high nor low is better in itself",
    "high": "higher is better",
    "low": "lower is better",
}
"""A measure's polarity in words, for a sentence."""

POLARITY_CELLS = {None: "Neither high nor low", "high": "Yes", "low": "No: a low one"}
"""A measure's polarity as a table answers "Is a high value better?"."""

QUARTER_WORDS = ("the lowest quarter", "the second quarter from the lowest", "the third quarter from the lowest",
                 "the highest quarter")
BAND_LETTERS = ("A", "B", "C", "D")


def _half_up(value: float, places: int = 1) -> str:
    return str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Interval:
    """A 95% interval, in the unit of its figure (percent, or per 10,000 children).

    >>> str(Interval(20.04, 27.35, "rate")), str(Interval(0.0, 16.14, "percent"))
    ('20.0 to 27.4', '0.0% to 16.1%')
    """

    low: float
    high: float
    kind: str  # "percent" or "rate"

    def __str__(self) -> str:
        unit = "%" if self.kind == "percent" else ""
        return f"{_half_up(self.low)}{unit} to {_half_up(self.high)}{unit}"

    def __format__(self, spec: str) -> str:
        return str(self)

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def _whole(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 0:
        raise ValueError(f"{what} must be a whole number from 0, not {value!r}")
    return int(value)


def wilson_interval(count: int, total: int, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval of ``count`` out of ``total``, in percent.

    >>> [round(x, 2) for x in wilson_interval(81, 263)]  # Newcombe (1998), example 1: 0.2553 to 0.3662
    [25.53, 36.62]
    """
    from scipy.stats import binomtest

    count, total = _whole(count, "count"), _whole(total, "total")
    if total == 0 or count > total:
        raise ValueError(f"a count of {count} out of {total} has no interval")
    ci = binomtest(count, total).proportion_ci(confidence_level=level, method="wilson")
    return 100 * float(ci.low), 100 * float(ci.high)


def poisson_rate_interval(count: int, population: int, per: int = 10_000, level: float = LEVEL) -> tuple[float, float]:
    """The exact (Garwood) Poisson interval of ``count`` events in ``population``, per ``per``.

    >>> [round(x, 2) for x in poisson_rate_interval(19, 10_000)]  # exact limits of 19 events: 11.44 to 29.67
    [11.44, 29.67]
    """
    from scipy.stats import chi2

    count, population = _whole(count, "count"), _whole(population, "population")
    if population == 0:
        raise ValueError("a rate of a population of 0 has no interval")
    alpha = 1 - level
    low = 0.0 if count == 0 else float(chi2.ppf(alpha / 2, 2 * count)) / 2
    high = float(chi2.ppf(1 - alpha / 2, 2 * count + 2)) / 2
    return low * per / population, high * per / population


def _kind(name: str) -> str | None:
    if "per_10000" in name:
        return "rate"
    if name.endswith("_pct"):
        return "percent"
    return None


def interval_for(name: str, values: Mapping[str, object]) -> Interval | Withheld | None:
    """The 95% interval of the figure ``name`` from a year's protected flat figures (``Figures.flat[year]``).

    A :class:`~cpstats.figures.figures.Withheld` when the figure or a count behind it is withheld;
    ``None`` when there is nothing to bound (the figure is not applicable) or when the report does not
    publish the counts behind it. A percentage whose numerator the report does not show (second or
    subsequent plans) takes the count a reader works out from the percentage and its published
    denominator.

    >>> str(interval_for("cpp_rate_per_10000_at_31_march", {"cpp_rate_per_10000_at_31_march": 23.3,
    ...     "children_on_plan_at_31_march": 19, "population": 8166}))
    '14.0 to 36.3'
    >>> interval_for("reviews_in_timescale_pct", {"reviews_in_timescale_pct": 90.0}) is None
    True
    """
    value = values.get(name)
    kind, sources = _kind(name), derived_sources(name)
    if value is None or kind is None or sources is None or sources[0] is None:
        return None
    if is_withheld(value):
        return Withheld(False, getattr(value, "threshold", 5))
    numerator_name, denominator_name = sources
    if denominator_name.startswith(HIDDEN_PREFIX):
        return None
    denominator = values.get(denominator_name)
    if numerator_name.startswith(HIDDEN_PREFIX):
        if denominator is None or is_withheld(denominator):
            return None if denominator is None else Withheld(False)
        numerator = int(Decimal(repr(float(value) * float(denominator) / 100)).quantize(Decimal(1), ROUND_HALF_UP))
    else:
        numerator = values.get(numerator_name)
    if is_withheld(numerator) or is_withheld(denominator):
        return Withheld(False)
    if numerator is None or denominator is None or not denominator:
        return None
    if kind == "rate":
        low, high = poisson_rate_interval(numerator, denominator)
    else:
        low, high = wilson_interval(min(numerator, denominator), denominator)
    return Interval(low, high, kind)


def verdict(interval: Interval | Withheld | None, other) -> str | None:
    """``"higher"`` or ``"lower"`` (the authority's figure than ``other``) when ``other`` lies outside the
    authority's interval, ``"similar"`` when inside; ``None`` when either is not a number.

    >>> verdict(Interval(14.0, 36.3, "rate"), 45.9), verdict(Interval(14.0, 36.3, "rate"), 30.0)
    ('lower', 'similar')
    """
    if not isinstance(interval, Interval) or isinstance(other, bool) or not isinstance(other, (int, float)):
        return None
    if other > interval.high:
        return "lower"
    if other < interval.low:
        return "higher"
    return "similar"


# ----------------------------------------------------------------- national position


def lait_ranks(values: Mapping[object, float]) -> dict[object, int]:
    """Ranks as DfE's Local Authority Interactive Tool gives them: 1 the lowest value, ties sharing the lowest rank.

    >>> lait_ranks({"a": 5.0, "b": 1.0, "c": 5.0, "d": 9.0})
    {'a': 2, 'b': 1, 'c': 2, 'd': 4}
    """
    import pandas as pd

    series = pd.Series(values, dtype=float)
    return {key: int(rank) for key, rank in series.rank(method="min", ascending=True).items()}


@dataclass(frozen=True)
class Position:
    """The authority's place among every English authority with a published figure for the measure that year.

    ``rank`` is 1 for the lowest value (ties share the lowest rank), out of ``of``; ``quarter`` is 1
    (lowest quarter) to 4. ``band`` is a quartile band of performance, ``A`` the best quarter, only
    where the measure has a polarity; ``None`` otherwise.
    """

    measure: str
    year: str
    rank: int
    of: int
    quarter: int
    polarity: str | None

    @property
    def band(self) -> str | None:
        if self.polarity is None:
            return None
        best_first = self.quarter if self.polarity == "low" else 5 - self.quarter
        return BAND_LETTERS[best_first - 1]

    @property
    def quarter_words(self) -> str:
        return QUARTER_WORDS[self.quarter - 1]

    @property
    def polarity_words(self) -> str:
        return POLARITY_WORDS[self.polarity]

    def __str__(self) -> str:
        return f"{self.rank} of {self.of}"


def _quarter(rank: int, of: int) -> int:
    """The quarter of a ranking that ``rank`` (1 = lowest) falls in, 1 to 4.

    >>> [_quarter(r, 8) for r in range(1, 9)]
    [1, 1, 2, 2, 3, 3, 4, 4]
    """
    return min(4, 1 + (4 * (rank - 1)) // of)


def national_position(name: str, year: str, code: int | str, value, reference_dir: Path | str | None = None
                      ) -> Position | Withheld | None:
    """The authority's national rank and quarter for ``name`` in ``year``, its own figure being ``value``.

    ``value`` is the authority's figure as the report publishes it; it stands in for the authority's
    DfE-published figure among every other authority's published one (``data/reference/published.csv``).
    A withheld ``value`` gives a withheld position; ``None`` when there is no value or no other authority
    has a published figure.
    """
    from cpstats.data.periods import ReportingYear
    from cpstats.data.reference import published_table

    if value is None:
        return None
    if is_withheld(value):
        return Withheld(False, getattr(value, "threshold", 5))
    label = ReportingYear.parse(year).label
    table = published_table(reference_dir)
    rows = table[(table["area_type"] == "la") & (table["measure"] == name) & (table["year"] == label)
                 & table["status"].isin(("published", "derived"))]
    others = {str(r.area_code): float(r.value) for r in rows.itertuples() if str(r.area_code) != str(int(code))}
    if not others:
        return None
    ranks = lait_ranks({**others, "__self__": float(value)})
    rank, of = ranks["__self__"], len(ranks)
    return Position(name, label, rank, of, _quarter(rank, of), POLARITY.get(name))


def neighbours_median(neighbour_values: Mapping[int, object]) -> float | None:
    """The median of the neighbours' published numbers (DfE's children's social care dashboards use it), or ``None``.

    >>> neighbours_median({1: 30.0, 2: "[c]", 3: 40.0, 4: 35.5})
    35.5
    """
    import statistics

    numbers = [float(v) for v in neighbour_values.values()
               if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
    return round(statistics.median(numbers), 1) if numbers else None
