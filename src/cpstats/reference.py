"""Reference data: population denominators and England's comparators.

Two small tables live in ``data/reference/``:

``population.csv``
    ``la_code, year, population_0_17, source``: the ONS mid-year estimate of
    children aged 0 to 17 that DfE uses as the denominator for each reporting
    year (mid ``Y-1``: mid-2017 for ``2017-18``). ``la_code`` 970 is England.
``england.csv``
    ``year, measure, value, source``: England's published figure for each of
    the report's measures, named as cpstats names its own measures.

Both are written from DfE's explore-education-statistics CSV files by
:func:`write_population_table` and :func:`write_england_table`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from cpstats.periods import ReportingYear

__all__ = [
    "DEFAULT_REFERENCE_DIR",
    "ENGLAND_CODE",
    "population_for",
    "england_value",
    "england_table",
    "population_table",
    "write_population_table",
    "write_england_table",
    "ENGLAND_MEASURES",
]

DEFAULT_REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
ENGLAND_CODE = 970

ONS_FILE = "ons_mid-year_population_estimates_2012_to_2024.csv"
EES_RELEASE = "DfE, Children in need statistics (explore-education-statistics)"

# Our measure name <- the measure name of the published indicator series
# (DfE EES tables b1, c1, c4, d3, d5 and LAIT), as in cp_indicators_long.csv.
ENGLAND_MEASURES: dict[str, str] = {
    "referrals": "referrals",
    "rereferrals_within_12_months_pct": "rereferrals_within_12m_pct",
    "s47_enquiries": "s47_enquiries",
    "icpcs": "icpcs",
    "icpc_within_15_working_days_pct": "icpc_within_15wd_pct",
    "children_on_plan_at_31_march": "cpp_at_31_march",
    "cpp_rate_per_10000_at_31_march": "cpp_rate_per_10k_at_31_march",
    "plan_starts": "cpp_starts",
    "plan_start_rate_per_10000": "cpp_starts_rate_per_10k",
    "plan_ends": "cpp_ends",
    "second_or_subsequent_plan_pct": "cpp_starts_second_or_subsequent_pct",
    "ended_plans_2_years_or_more_pct": "cpp_ended_lasting_2y_plus_pct",
    "on_plan_2_years_or_more_at_31_march": "cpp_at31_duration_2y_plus_n",
    "reviews_in_timescale_pct": "cpp_reviewed_in_timescale_pct",
}


def _dir(reference_dir: Path | str | None) -> Path:
    return Path(reference_dir) if reference_dir is not None else DEFAULT_REFERENCE_DIR


@lru_cache(maxsize=8)
def _population(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"year": str, "la_code": int, "population_0_17": int})


@lru_cache(maxsize=8)
def _england(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"year": str, "measure": str, "source": str})


def population_table(reference_dir: Path | str | None = None) -> pd.DataFrame:
    """The population table of ``population.csv``."""
    return _population(_dir(reference_dir) / "population.csv").copy()


def england_table(reference_dir: Path | str | None = None) -> pd.DataFrame:
    """England's comparators from ``england.csv``."""
    return _england(_dir(reference_dir) / "england.csv").copy()


def population_for(la_code: int | str, year: str | ReportingYear, reference_dir: Path | str | None = None) -> int | None:
    """The 0-17 population that is the denominator for ``year``, or ``None`` if not in the table.

    >>> population_for(857, "2017-18")
    8166
    """
    label = ReportingYear.parse(year).label
    table = _population(_dir(reference_dir) / "population.csv")
    match = table[(table["la_code"] == int(la_code)) & (table["year"] == label)]
    return int(match["population_0_17"].iloc[0]) if len(match) else None


def england_value(measure: str, year: str | ReportingYear, reference_dir: Path | str | None = None):
    """England's published value of ``measure`` for ``year`` and its source, or ``None``.

    >>> england_value("cpp_rate_per_10000_at_31_march", "2017-18")[0]
    45.9
    """
    label = ReportingYear.parse(year).label
    table = _england(_dir(reference_dir) / "england.csv")
    match = table[(table["measure"] == measure) & (table["year"] == label)]
    if match.empty:
        return None
    row = match.iloc[0]
    value = float(row["value"])
    is_count = not (measure.endswith("_pct") or "per_10000" in measure)
    return (int(value) if is_count else value), row["source"]


# ----------------------------------------------------------------- writing from DfE files


def _label(time_period: int) -> str:
    """DfE's ``time_period`` 2018 (year ending 31 March 2018) as ``2017-18``."""
    return ReportingYear(int(time_period) - 1).label


def write_population_table(ees_dir: Path, la_codes: list[int], years: list[str], out: Path) -> pd.DataFrame:
    """Write ``population.csv`` from DfE's ONS mid-year population file.

    The estimate for mid-year ``Y-1`` is the denominator for reporting year
    ``Y-1`` to ``Y`` (DfE convention), e.g. mid-2017 for ``2017-18``.
    """
    ons = pd.read_csv(Path(ees_dir) / ONS_FILE, dtype=str)
    ons = ons[ons["age_group"] == "Children aged 0 to 17 years"]
    national = ons["geographic_level"] == "National"
    ons = ons.assign(la_code=ons["old_la_code"].where(~national, str(ENGLAND_CODE)))
    ons = ons[ons["la_code"].isin([str(c) for c in la_codes])]
    table = pd.DataFrame({
        "la_code": ons["la_code"].astype(int),
        "year": ons["time_period"].astype(int).map(lambda mid: ReportingYear(mid).label),
        "population_0_17": ons["population_estimate"].astype(int),
        "source": "ONS mid-year population estimate for mid-" + ons["time_period"] + ", as published by " + EES_RELEASE + ", file " + ONS_FILE,
    })
    table = table[table["year"].isin(years)].sort_values(["la_code", "year"]).reset_index(drop=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, lineterminator="\n")
    return table


def write_england_table(indicators_csv: Path, years: list[str], out: Path) -> pd.DataFrame:
    """Write ``england.csv`` from a long table of published indicators.

    ``indicators_csv`` has one row per area, year and measure with ``status``
    and the source of each value (``cp_indicators_long.csv``). Only values with
    status ``published`` are kept (never derived estimates); where two sources
    publish the same value, the EES file is named.
    """
    long = pd.read_csv(indicators_csv, dtype=str)
    long = long[(long["area"] == "England") & (long["status"] == "published") & long["period_label"].isin(years)]
    rows = []
    for ours, theirs in ENGLAND_MEASURES.items():
        found = long[long["measure"] == theirs].sort_values(["period_label", "source_repo"])
        for label, group in found.groupby("period_label"):
            first = group.iloc[0]
            source = (
                f"{EES_RELEASE}, file {Path(first['source_path']).name}"
                if first["source_path"].endswith(".csv")
                else f"DfE Local Authority Interactive Tool (LAIT), {first['note'] or first['measure']}"
            )
            rows.append({"year": label, "measure": ours, "value": first["value"], "source": source})
    table = pd.DataFrame(rows).sort_values(["year", "measure"]).reset_index(drop=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, lineterminator="\n")
    return table
