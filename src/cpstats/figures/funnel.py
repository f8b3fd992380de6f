"""Funnel plots: every English authority's rate against its child population, with England's control limits.

For a headline rate per 10,000 children (:data:`FUNNEL_MEASURES`), :func:`funnel` sets every authority's
published rate (``data/reference/published.csv``) against its 0-17 population (``population.csv``),
the authority's own rate (from the report's protected figures) among them, and draws from England's
rate the 95% and 99.8% control limits (funnel plots as Spiegelhalter describes them, "Funnel plots for
comparing institutional performance", 2005): for the count an authority of each size would expect at
England's rate, ``E = rate x population / 10,000``, the chi-squared form of the exact Poisson limits,
``chi2.ppf(a/2, 2E) / 2`` and ``chi2.ppf(1 - a/2, 2E + 2) / 2``, as a rate. An authority outside the 95%
limits differs from England by more than chance would make about one time in 20; outside the 99.8%
limits, about one time in 500. (For an expected count of a few children, as in the Isles of Scilly,
the continuous limits are approximate.) Child protection rates vary between authorities far more than
chance alone would make them, so many authorities lie outside the limits: the plot shows how far.

A withheld rate gives a withheld funnel: the authority's position is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cpstats.figures.figures import Withheld, is_withheld

__all__ = ["FUNNEL_MEASURES", "LIMITS", "control_limits", "Funnel", "funnel"]

FUNNEL_MEASURES = ("cpp_rate_per_10000_at_31_march", "plan_start_rate_per_10000")
"""The headline rates a funnel plot shows."""

LIMITS = (0.95, 0.998)
"""The control limits drawn: 95% (about two standard deviations) and 99.8% (about three)."""

PER = 10_000


def control_limits(rate: float, populations, level: float, per: int = PER) -> tuple[np.ndarray, np.ndarray]:
    """The exact Poisson control limits, per ``per``, around ``rate`` for authorities of ``populations`` children.

    >>> low, high = control_limits(45.9, [8166], 0.95)
    >>> round(float(low[0]), 1), round(float(high[0]), 1)
    (32.4, 63.1)
    """
    from scipy.stats import chi2

    populations = np.asarray(populations, dtype=float)
    expected = rate * populations / per
    alpha = 1 - level
    low = np.where(expected > 0, chi2.ppf(alpha / 2, 2 * expected) / 2, 0.0)
    high = chi2.ppf(1 - alpha / 2, 2 * expected + 2) / 2
    return low * per / populations, high * per / populations


@dataclass(frozen=True)
class Funnel:
    """One funnel: the points, England's rate, the limits along the populations, and where the authority stands.

    ``points`` has a row per authority with a published rate and population: ``la_code``, ``la_name``,
    ``population``, ``rate``, ``role`` (``"authority"``, ``"neighbour"`` or ``"other"``), and each limit's
    verdict for it (``within_95``, ``within_998``). ``limits`` has ``population`` and ``low_95``, ``high_95``,
    ``low_998``, ``high_998`` along a smooth range of populations.
    """

    measure: str
    year: str
    england: float
    points: pd.DataFrame
    limits: pd.DataFrame

    @property
    def authority(self) -> pd.Series:
        return self.points[self.points["role"] == "authority"].iloc[0]

    @property
    def position(self) -> str:
        """Where the authority stands: ``"within the 95% limits"``, or beyond a limit and on which side."""
        row = self.authority
        if row["within_95"]:
            return "within the 95% limits: not different from England beyond chance"
        side = "below" if row["rate"] < self.england else "above"
        if row["within_998"]:
            return f"{side} the 95% limit but within the 99.8% limits"
        return f"{side} the 99.8% limit"

    def outside(self, level: str = "95") -> tuple[int, int]:
        """How many authorities lie below and above the ``"95"`` or ``"998"`` limits."""
        column = self.points[f"within_{level}"]
        below = int(((~column) & (self.points["rate"] < self.england)).sum())
        return below, int((~column).sum()) - below


def funnel(name: str, year, code: int | str, value, population, reference_dir: Path | str | None = None
           ) -> Funnel | Withheld | None:
    """The funnel of ``name`` in ``year`` with the authority ``code`` at ``value`` (its population ``population``).

    ``None`` when England's rate or the other authorities' are not published; a :class:`Withheld` when
    ``value`` (or the population) is withheld.
    """
    from cpstats.data.comparators import authorities_table, neighbours_of
    from cpstats.data.periods import ReportingYear
    from cpstats.data.reference import ENGLAND_AREA, _dir, published_table

    if value is None or population is None:
        return None
    if is_withheld(value) or is_withheld(population):
        return Withheld(False)
    label, code = ReportingYear.parse(year).label, int(code)
    table = published_table(reference_dir)
    rows = table[(table["measure"] == name) & (table["year"] == label) & table["status"].isin(("published", "derived"))]
    england = rows[rows["area_code"] == ENGLAND_AREA]["value"]
    if england.empty:
        return None
    england_rate = float(england.iloc[0])
    rates = rows[rows["area_type"] == "la"][["area_code", "value"]]
    rates = rates.assign(la_code=rates["area_code"].astype(int), rate=rates["value"].astype(float))
    people = pd.read_csv(_dir(reference_dir) / "population.csv", dtype={"la_code": int})
    people = people[people["year"] == label][["la_code", "population_0_17"]].rename(columns={"population_0_17": "population"})
    names = authorities_table(reference_dir)[["la_code", "la_name"]]
    others = (rates[rates["la_code"] != code][["la_code", "rate"]]
              .merge(people, on="la_code").merge(names, on="la_code", how="left"))
    if others.empty:
        return None
    neighbours = set(neighbours_of(code, reference_dir))
    others["role"] = np.where(others["la_code"].isin(neighbours), "neighbour", "other")
    own_name = names[names["la_code"] == code]["la_name"]
    points = pd.concat([
        others,
        pd.DataFrame([{"la_code": code, "rate": float(value), "population": int(population),
                       "la_name": own_name.iloc[0] if not own_name.empty else str(code), "role": "authority"}]),
    ], ignore_index=True)
    points["population"] = points["population"].astype(int)
    for level, suffix in zip(LIMITS, ("95", "998")):
        low, high = control_limits(england_rate, points["population"], level)
        # a published rate is rounded to one decimal place: it is outside only when its rounding range is
        points[f"within_{suffix}"] = (points["rate"] + 0.05 >= low) & (points["rate"] - 0.05 <= high)
    span = np.geomspace(max(100, points["population"].min() * 0.8), points["population"].max() * 1.05, 200)
    limits = pd.DataFrame({"population": span})
    for level, suffix in zip(LIMITS, ("95", "998")):
        limits[f"low_{suffix}"], limits[f"high_{suffix}"] = control_limits(england_rate, span, level)
    points = points.sort_values(["role", "la_code"], kind="stable").reset_index(drop=True)
    return Funnel(name, label, england_rate, points, limits)
