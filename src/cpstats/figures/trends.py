"""Headline measures over several years, for the report's trend tables and charts.

A trend ends at the report's year and goes back at most five years, over the
years the data cover: a year is covered when the authority's data hold at
least one referral dated in it (referrals are a core table, collected every
year). England's rate for each year comes from the reference data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cpstats.data.dataset import Dataset
from cpstats.figures.measures import compute_measures, referrals
from cpstats.data.periods import ReportingYear
from cpstats.data.reference import england_value, population_for

__all__ = ["TREND_YEARS", "HEADLINE_TREND", "years_in_data", "headline_trend"]

TREND_YEARS = 5
"""The most years a trend shows, ending with the report's year."""

HEADLINE_TREND = ("referrals", "plan_starts", "children_on_plan_at_31_march", "cpp_rate_per_10000_at_31_march")
"""The headline measures followed over the years."""


def years_in_data(ds: Dataset, year: ReportingYear | str, most: int = TREND_YEARS) -> list[ReportingYear]:
    """The report's year and up to ``most - 1`` years before it that the data cover, oldest first.

    A year before the data's first complete year (:attr:`Dataset.coverage`, e.g. the year before the
    first census return, which holds only the referrals still open) is left out.
    """
    last = ReportingYear.parse(year)
    coverage = getattr(ds, "coverage", None)
    first = coverage.first if coverage is not None else None
    candidates = [ReportingYear(last.first_calendar_year - back) for back in range(most - 1, -1, -1)]
    return [y for y in candidates
            if y == last or (referrals(ds, y) > 0 and (first is None or y.first_calendar_year >= first.first_calendar_year))]


def headline_trend(
    ds: Dataset,
    year: ReportingYear | str,
    reference_dir: Path | str | None = None,
    measures: tuple[str, ...] = HEADLINE_TREND,
    most: int = TREND_YEARS,
) -> pd.DataFrame:
    """The headline measures for each year of the trend, with England's figure where it publishes one.

    Returns
    -------
    pandas.DataFrame
        One row per year (index: the year's label, oldest first); a column per
        measure, and ``england:<measure>`` for England's figure of the rates.
        Values are as :func:`cpstats.figures.measures.compute_measures` rounds them;
        a value not available is ``None``.
    """
    rows = {}
    for y in years_in_data(ds, year, most):
        values = compute_measures(ds, y, population_for(ds.la_code, y, reference_dir))
        row = {name: values[name] for name in measures}
        for name in measures:
            if "per_10000" in name:
                england = england_value(name, y, reference_dir)
                row[f"england:{name}"] = None if england is None else england[0]
        rows[y.label] = row
    table = pd.DataFrame.from_dict(rows, orient="index", dtype=object)
    return table.astype(object).where(table.notna(), None)
