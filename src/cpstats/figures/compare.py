"""Year on year: every measure for two years side by side, with the change.

Breakdowns are flattened to one row per key (``category_during_year.EMO``,
``agency_attendance.Police.attended_pct``), so the comparison is one tidy
table that can be printed or saved as CSV.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cpstats.data.dataset import Dataset
from cpstats.figures.measures import compute_measures, round_half_up
from cpstats.data.periods import ReportingYear
from cpstats.data.reference import population_for
from cpstats.figures.figures import flatten  # noqa: F401  (part of this module's interface)

__all__ = ["flatten", "compare_years", "format_comparison"]


def _change(before, after) -> tuple[float | None, float | None]:
    if before is None or after is None:
        return None, None
    change = after - before
    pct = None if before == 0 else 100.0 * change / before
    return change, pct


def compare_years(ds: Dataset, first: str, second: str, reference_dir: Path | None = None) -> pd.DataFrame:
    """Every measure for ``first`` and ``second`` with the change and the % change.

    Returns a DataFrame with columns ``measure``, the two year labels,
    ``change`` and ``change_pct`` (``None`` where a value is not applicable or
    the first is zero). Percentages change in percentage points.
    """
    years = [ReportingYear.parse(first), ReportingYear.parse(second)]
    values = [
        flatten(compute_measures(ds, y, population_for(ds.la_code, y.label, reference_dir)))
        for y in years
    ]
    rows = []
    for name in values[1].keys() | values[0].keys():
        before, after = values[0].get(name), values[1].get(name)
        change, pct = _change(before, after)
        rows.append({
            "measure": name,
            years[0].label: before,
            years[1].label: after,
            "change": round_half_up(change) if isinstance(change, float) else change,
            "change_pct": round_half_up(pct),
        })
    order = {name: i for i, name in enumerate(values[1])}
    rows.sort(key=lambda r: (order.get(r["measure"], len(order)), r["measure"]))
    return pd.DataFrame(rows).astype(object).where(lambda f: f.notna(), None)


def format_comparison(table: pd.DataFrame) -> str:
    """The comparison as aligned text, 'n/a' where not applicable."""
    shown = table.astype(object).where(table.notna(), "n/a")
    return shown.to_string(index=False)
