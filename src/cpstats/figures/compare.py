"""A range of years side by side, from the protected figures only.

:func:`figures_for_range` gives the figures a report of the range's last year
publishes under its disclosure policy (:func:`cpstats.figures.figures.report_figures`:
every covered year, each protected with the year before as its reader sees
it, so a year's figures are those of whichever report shows them) and the
years of the range. :mod:`cpstats.present.board` lays them out for a board
pack; nothing here works out a figure of its own, so no comparison can show
a value the public report withholds.
"""

from __future__ import annotations

from pathlib import Path

from cpstats.data.periods import ReportingYear
from cpstats.figures.disclosure import Policy
from cpstats.figures.figures import Figures, flatten, report_figures  # noqa: F401  (flatten: part of this module's interface)

__all__ = ["flatten", "years_between", "figures_for_range"]


def years_between(first: str, last: str) -> list[str]:
    """The reporting years from ``first`` to ``last`` inclusive, oldest first.

    >>> years_between("2016-17", "2018-19")
    ['2016-17', '2017-18', '2018-19']
    >>> years_between("2018-19", "2016-17")
    Traceback (most recent call last):
    ...
    ValueError: --from 2018-19 is after --to 2016-17
    """
    start, end = ReportingYear.parse(first), ReportingYear.parse(last)
    if start.first_calendar_year > end.first_calendar_year:
        raise ValueError(f"--from {start.label} is after --to {end.label}")
    return [ReportingYear(y).label for y in range(start.first_calendar_year, end.first_calendar_year + 1)]


def figures_for_range(ds, first: str, last: str, reference_dir: Path | str, policy: Policy | str | None = None,
                      measures_dir: Path | None = None) -> tuple[Figures, list[str]]:
    """The protected figures of a report of ``last`` and the years from ``first`` to ``last`` (all among them).

    ``policy`` is a :class:`~cpstats.figures.disclosure.Policy` or a disclosure mode (``"public"``).
    """
    years = years_between(first, last)
    policy = Policy(policy) if isinstance(policy, str) else (policy or Policy())
    figures = report_figures(ds, years[-1], reference_dir, policy, measures_dir=measures_dir)
    missing = [y for y in years if y not in figures.flat]
    if missing:
        raise ValueError(f"the data do not cover {missing[0]}: they cover {min(figures.flat)} to {max(figures.flat)}")
    return figures, years
