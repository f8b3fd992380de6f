"""Reporting periods, working days and calendar-month arithmetic.

A reporting year is named like ``2017-18`` and runs from 1 April 2017 to
31 March 2018 inclusive (DfE "year ending 31 March").

Working days are Monday to Friday excluding England and Wales bank holidays,
taken from the ``holidays`` package (``GB`` with subdivision ``ENG``), which
includes one-off holidays such as the 2022 State Funeral and the 2023
Coronation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: naming a year must not load pandas (a rebuild with nothing to do never does)
    import numpy as np
    import pandas as pd

__all__ = [
    "ReportingYear",
    "working_days",
    "add_months",
    "bank_holidays",
]

_YEAR_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class ReportingYear:
    """A reporting year, 1 April to 31 March inclusive.

    Examples
    --------
    >>> y = ReportingYear.parse("2017-18")
    >>> y.start.date(), y.end.date()
    (datetime.date(2017, 4, 1), datetime.date(2018, 3, 31))
    >>> y.previous().label
    '2016-17'
    >>> y.population_mid_year
    2017
    """

    first_calendar_year: int

    @classmethod
    def parse(cls, label: str | "ReportingYear") -> "ReportingYear":
        """Read a label such as ``2017-18``; raise ``ValueError`` otherwise."""
        if isinstance(label, ReportingYear):
            return label
        match = _YEAR_PATTERN.match(str(label).strip())
        if not match:
            raise ValueError(
                f"reporting year {label!r} is not of the form YYYY-YY, e.g. 2017-18"
            )
        first = int(match.group(1))
        if (first + 1) % 100 != int(match.group(2)):
            raise ValueError(
                f"reporting year {label!r}: the second part must be the year after "
                f"{first}, i.e. {first}-{(first + 1) % 100:02d}"
            )
        return cls(first)

    @property
    def label(self) -> str:
        """The year's name, e.g. ``2017-18``."""
        return f"{self.first_calendar_year:04d}-{(self.first_calendar_year + 1) % 100:02d}"

    @property
    def start(self) -> pd.Timestamp:
        """1 April, the first day of the year."""
        import pandas as pd

        return pd.Timestamp(self.first_calendar_year, 4, 1)

    @property
    def end(self) -> pd.Timestamp:
        """31 March, the last day of the year."""
        import pandas as pd

        return pd.Timestamp(self.first_calendar_year + 1, 3, 31)

    @property
    def population_mid_year(self) -> int:
        """The ONS mid-year estimate DfE uses as this year's denominator (mid ``Y-1``)."""
        return self.first_calendar_year

    def previous(self) -> "ReportingYear":
        """The year before."""
        return ReportingYear(self.first_calendar_year - 1)

    def next(self) -> "ReportingYear":
        """The year after."""
        return ReportingYear(self.first_calendar_year + 1)

    def __str__(self) -> str:
        return self.label


def year_range(spec: str) -> list[ReportingYear]:
    """Years from a ``2014-15:2019-20`` range (inclusive) or a single year.

    >>> [y.label for y in year_range("2016-17:2018-19")]
    ['2016-17', '2017-18', '2018-19']
    """
    if ":" in spec:
        first, last = (ReportingYear.parse(part) for part in spec.split(":", 1))
        if last < first:
            raise ValueError(f"year range {spec!r} ends before it starts")
        return [ReportingYear(y) for y in range(first.first_calendar_year, last.first_calendar_year + 1)]
    return [ReportingYear.parse(spec)]


@lru_cache(maxsize=None)
def bank_holidays(first_year: int = 2009, last_year: int = 2035) -> np.ndarray:
    """England and Wales bank holidays as ``datetime64[D]``, sorted.

    >>> "2022-09-19" in bank_holidays().astype(str)
    True
    """
    import holidays
    import numpy as np

    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(days.keys()), dtype="datetime64[D]")


def _as_days(values) -> np.ndarray:
    import pandas as pd

    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]")


def working_days(start, end):
    """Working days in ``(start, end]``: Monday to Friday, not bank holidays.

    The same day gives 0; the next working day gives 1. Works on scalars and on
    array-likes (vectorised with ``numpy.busday_count``). When ``end`` is before
    ``start`` the count is negative.

    Examples
    --------
    >>> working_days("2018-03-29", "2018-04-03")  # across Good Friday and Easter Monday
    1
    >>> working_days("2017-06-05", "2017-06-05")
    0
    """
    import numpy as np

    scalar = np.ndim(start) == 0 and np.ndim(end) == 0
    a = _as_days([start] if np.ndim(start) == 0 else start)
    b = _as_days([end] if np.ndim(end) == 0 else end)
    hol = bank_holidays()
    # busday_count counts [a, b); shifting both by one day gives (a, b].
    counts = np.busday_count(a + 1, b + 1, holidays=hol)
    return int(counts[0]) if scalar else counts


def add_months(dates: pd.Series | pd.Timestamp, months: int):
    """Add calendar months the way pandas' ``DateOffset`` does (30 Nov + 3 = 28/29 Feb).

    >>> import pandas as pd
    >>> add_months(pd.Timestamp("2017-11-30"), 3).date()
    datetime.date(2018, 2, 28)
    """
    import pandas as pd

    return dates + pd.DateOffset(months=months)
