"""Comparators: England, the authority's region and its statistical neighbours.

Public figures only: every value comes from ``data/reference/published.csv``
(DfE's published statistics, see :mod:`cpstats.data.reference`), never from an
authority's record-level data. Two further tables in ``data/reference/``, written
by ``cpstats reference import --ees DIR`` from DfE's 2025 children's services
benchmarking lists (Open Government Licence):

``authorities.csv``
    ``la_code, new_la_code, la_name, region_code, region_name, first_year,
    last_year, current, replaces, replaced_by, change, source``: every DfE
    authority code in the "Children in need" files, the years it has figures
    for, its region (Inner and Outer London as DfE's benchmarking tool has them)
    and the boundary changes it was part of.
``neighbours.csv``
    ``la_code, rank, neighbour_la_code``: each current authority's ten
    statistical neighbours, closest first.

:func:`comparator_values` sets an authority's published figure for one measure
and year beside England's, its region's and the average of its neighbours, with
its rank among them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cpstats.data.periods import ReportingYear
from cpstats.data.reference import (
    CACHE_CLEARERS,
    ENGLAND_AREA,
    _dir,
    england_value,
    published_table,
)

__all__ = [
    "HEADLINE_MEASURES",
    "Comparison",
    "authorities_table",
    "region_of",
    "neighbours_of",
    "predecessors_of",
    "comparator_values",
]

HEADLINE_MEASURES: tuple[str, ...] = (
    "cpp_rate_per_10000_at_31_march",
    "plan_start_rate_per_10000",
    "second_or_subsequent_plan_pct",
    "reviews_in_timescale_pct",
    "ended_plans_2_years_or_more_pct",
    "on_plan_2_years_or_more_at_31_march_pct",
)
"""The measures DfE's benchmarking tools compare across authorities; reviews in timescale and
plans ended after 2 years or more are published for England only, so their region and
neighbours' figures are ``None``."""



# ----------------------------------------------------------------- reading


@lru_cache(maxsize=8)
def _authorities(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False).assign(la_code=lambda t: t["la_code"].astype(int))


@lru_cache(maxsize=8)
def _neighbours(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=int)


def _require(path: Path) -> Path:
    if not path.exists():
        raise ValueError(f"{path} not found: write it with `cpstats reference import --ees DIR --out {path.parent}`")
    return path


def authorities_table(reference_dir: Path | str | None = None) -> pd.DataFrame:
    """``authorities.csv``: every DfE authority code, its region, years and boundary changes."""
    return _authorities(_require(_dir(reference_dir) / "authorities.csv")).copy()


def _authority(code: int | str, reference_dir) -> pd.Series:
    table = _authorities(_require(_dir(reference_dir) / "authorities.csv"))
    rows = table[table["la_code"] == int(code)]
    if rows.empty:
        raise ValueError(f"authority {code} is not in {_dir(reference_dir) / 'authorities.csv'}")
    return rows.iloc[0]


def region_of(code: int | str, reference_dir: Path | str | None = None) -> tuple[str, str]:
    """The authority's region as DfE compares it: ``(region_code, region_name)``.

    London's authorities are in Inner or Outer London, as in DfE's benchmarking tool.

    >>> region_of(886)
    ('E12000008', 'South East')
    >>> region_of(202)
    ('E13000001', 'Inner London')
    """
    row = _authority(code, reference_dir)
    return row["region_code"], row["region_name"]


def neighbours_of(code: int | str, reference_dir: Path | str | None = None) -> list[int]:
    """The authority's ten statistical neighbours, closest first (DfE's 2025 list).

    An authority that no longer exists (Cumbria, 909) has the neighbours of the first of the
    authorities that replaced it; one with no list has none.

    >>> neighbours_of(857)[:3]
    [865, 815, 893]
    """
    table = _neighbours(_require(_dir(reference_dir) / "neighbours.csv"))
    rows = table[table["la_code"] == int(code)]
    if rows.empty:
        successors = predecessors_of(code, reference_dir, successors=True)
        if successors:
            return neighbours_of(successors[0], reference_dir)
        return []
    return [int(c) for c in rows.sort_values("rank")["neighbour_la_code"]]


def predecessors_of(code: int | str, reference_dir: Path | str | None = None, successors: bool = False) -> list[int]:
    """The authorities a boundary change replaced with ``code`` (or, with ``successors``, those that replaced it).

    >>> predecessors_of(942)
    [909]
    >>> predecessors_of(835, successors=True)
    [838, 839]
    """
    try:
        row = _authority(code, reference_dir)
    except ValueError:
        return []
    text = row["replaced_by" if successors else "replaces"]
    return [int(c) for c in text.split()]


@dataclass(frozen=True)
class Comparison:
    """One measure in one year: the authority beside England, its region and its neighbours.

    A value is a number, a GSS symbol in brackets as DfE printed it (``"[c]"``: withheld,
    ``"[x]"``: not available, ``"[z]"``: not applicable), or ``None`` when nothing was published.
    ``rank`` is the authority's place among itself and the neighbours with a number, 1 the
    lowest value (ties share the lower place), as the national rank counts (DfE's LAIT), out of
    ``rank_of``; ``None`` without a number.
    """

    measure: str
    year: str
    la_code: int
    authority: object
    england: object
    region: object
    region_name: str
    neighbours_average: float | None
    neighbours_used: int
    neighbours: dict[int, object] = field(default_factory=dict)
    substituted: dict[int, int] = field(default_factory=dict)
    rank: int | None = None
    rank_of: int | None = None

    def as_dict(self) -> dict:
        return {
            "measure": self.measure, "year": self.year, "la_code": self.la_code, "authority": self.authority,
            "england": self.england, "region": self.region, "region_name": self.region_name,
            "neighbours_average": self.neighbours_average, "neighbours_used": self.neighbours_used,
            "rank": self.rank, "rank_of": self.rank_of,
        }


def _values(measure: str, label: str, reference_dir) -> dict[str, object]:
    """Every area's published ``measure`` for the year ``label``: the number, or the symbol DfE printed (``"[c]"``)."""
    path = _dir(reference_dir) / "published.csv"
    if not path.exists():  # looked for at each call, as published_table does: an import may write it later
        return {}
    return dict(_published_values(path).get((measure, label), {}))


@lru_cache(maxsize=8)
def _published_values(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    """``published.csv`` as ``{(measure, year): {area code: value}}``, made once per process from the table
    :func:`published_table` read (both forgotten together by :func:`cpstats.data.reference._clear_caches`); a later
    row of the same area wins, as it did when each call filtered the table. A report asks for every headline
    measure of its year in each section that compares, and filtering the whole table cost about 9 ms a call."""
    found: dict[tuple[str, str], dict[str, object]] = {}
    table = published_table(path.parent)
    for measure, year, area, value, status in zip(table["measure"], table["year"], table["area_code"], table["value"],
                                                  table["status"]):
        found.setdefault((measure, year), {})[area] = float(value) if status in ("published", "derived") else f"[{status}]"
    return found


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def comparator_values(
    name: str,
    year: str | ReportingYear,
    code: int | str,
    reference_dir: Path | str | None = None,
    value: float | None = None,
) -> Comparison:
    """The authority's published ``name`` for ``year`` beside England's, its region's and its neighbours' average.

    ``value``, when given (the authority's own computed figure), replaces its published
    figure in the rank. The neighbours' average is the plain mean of the neighbours with a
    published number, as DfE's Local Authority Interactive Tool averages them; a neighbour
    formed after ``year`` (Cumberland before 2023-24) stands in with the figure of the one
    authority it replaced, for rates and percentages only, and is listed in ``substituted``.
    England's figure falls back on ``england.csv`` (which also holds figures DfE
    publishes for England only).

    >>> c = comparator_values("cpp_rate_per_10000_at_31_march", "2017-18", 886)
    >>> c.england, c.region_name, c.neighbours_used
    (45.9, 'South East', 10)
    """
    label = ReportingYear.parse(year).label
    code = int(code)
    values = _values(name, label, reference_dir)
    england = values.get(ENGLAND_AREA)
    if england is None:
        fallback = england_value(name, label, reference_dir)
        england = fallback[0] if fallback is not None else None
    region_code, region_name = region_of(code, reference_dir)
    rate_like = name.endswith("_pct") or "per_10000" in name
    neighbour_values: dict[int, object] = {}
    substituted: dict[int, int] = {}
    for neighbour in neighbours_of(code, reference_dir):
        found = values.get(str(neighbour))
        if found is None and rate_like:
            before = predecessors_of(neighbour, reference_dir)
            if len(before) == 1 and values.get(str(before[0])) is not None:
                found, substituted[neighbour] = values[str(before[0])], before[0]
        neighbour_values[neighbour] = found
    numbers = [v for v in neighbour_values.values() if _number(v)]
    average = round(sum(numbers) / len(numbers), 1) if numbers else None
    own = values.get(str(code))
    mine = value if value is not None else own
    rank = rank_of = None
    if _number(mine) and numbers:
        rank = 1 + sum(1 for v in numbers if v < mine)
        rank_of = len(numbers) + 1
    return Comparison(
        measure=name, year=label, la_code=code, authority=own, england=england,
        region=values.get(region_code), region_name=region_name,
        neighbours_average=average, neighbours_used=len(numbers), neighbours=neighbour_values,
        substituted=substituted, rank=rank, rank_of=rank_of,
    )


def clear_caches() -> None:
    _authorities.cache_clear()
    _neighbours.cache_clear()
    _published_values.cache_clear()


CACHE_CLEARERS.append(clear_caches)  # a new import of the reference tables is read afresh here too
