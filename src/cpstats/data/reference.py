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

from cpstats.data.periods import ReportingYear

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

DEFAULT_REFERENCE_DIR = Path(__file__).resolve().parents[3] / "data" / "reference"
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

    A measure ``england.csv`` does not hold is taken from England's row of ``published.csv``.
    """
    label = ReportingYear.parse(year).label
    is_count = not (measure.endswith("_pct") or "per_10000" in measure)
    table = _england(_dir(reference_dir) / "england.csv")
    match = table[(table["measure"] == measure) & (table["year"] == label)]
    if match.empty:  # England's row of DfE's files (published.csv), a derived value included
        found = published_value(ENGLAND_AREA, measure, label, reference_dir)
        if not isinstance(found, float):
            return None
        return (int(found) if is_count else found), "DfE, Children in need statistics (published.csv)"
    row = match.iloc[0]
    value = float(row["value"])
    return (int(value) if is_count else value), row["source"]


# ----------------------------------------------------------------- writing from DfE files


def _label(time_period: int) -> str:
    """DfE's ``time_period`` 2018 (year ending 31 March 2018) as ``2017-18``."""
    return ReportingYear(int(time_period) - 1).label


def write_population_table(ees_dir: Path, la_codes: list[int] | None, years: list[str] | None, out: Path) -> pd.DataFrame:
    """Write ``population.csv`` from DfE's ONS mid-year population file.

    The estimate for mid-year ``Y-1`` is the denominator for reporting year
    ``Y-1`` to ``Y`` (DfE convention), e.g. mid-2017 for ``2017-18``.
    """
    ons = pd.read_csv(Path(ees_dir) / ONS_FILE, dtype=str)
    ons = ons[ons["age_group"] == "Children aged 0 to 17 years"]
    national = ons["geographic_level"] == "National"
    ons = ons.assign(la_code=ons["old_la_code"].where(~national, str(ENGLAND_CODE)))
    ons = ons[ons["geographic_level"].isin(["Local authority", "National"]) & ons["population_estimate"].str.isdigit()]
    if la_codes is not None:
        ons = ons[ons["la_code"].isin([str(c) for c in la_codes])]
    table = pd.DataFrame({
        "la_code": ons["la_code"].astype(int),
        "year": ons["time_period"].astype(int).map(lambda mid: ReportingYear(mid).label),
        "population_0_17": ons["population_estimate"].astype(int),
        "source": "ONS mid-year population estimate for mid-" + ons["time_period"] + ", as published by " + EES_RELEASE + ", file " + ONS_FILE,
    })
    if years is not None:
        table = table[table["year"].isin(years)]
    table = table.sort_values(["la_code", "year"]).reset_index(drop=True)
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


# ----------------------------------------------------------------- import from EES downloads

# Our measure <- (EES file prefix, column). Files as downloaded from explore-education-statistics,
# "Children in need" release; the prefix is enough to find them whatever their year range.
EES_COLUMNS: dict[str, tuple[str, str]] = {
    "referrals": ("c1_", "referral_count"),
    "rereferrals_within_12_months_pct": ("c1_", "rereferral_percent"),
    "s47_enquiries": ("c4_", "Section47"),
    "icpcs": ("c4_", "ICPC"),
    "plan_starts": ("d3_", "CPP_start"),
    "second_or_subsequent_plan_pct": ("d3_", "CPP_subsequent_percent"),
    "children_on_plan_at_31_march": ("d5_", "CPP_At31"),
    "on_plan_2_years_or_more_at_31_march": ("d5_", "2_years_or_more"),
    "on_plan_2_years_or_more_at_31_march_pct": ("d5_", "2_years_or_more_percent"),
}
ICPC_BAND_COLUMNS = ("Duration_0-10_days", "Duration_11-15_days", "Duration_16-20_days", "Duration_21+_days")
GSS_SUPPRESSED = {"c", "x", "z", "low", "u", ":", ".."}
"""DfE's symbols for a value not shown, kept as the value's ``status``: ``c`` confidential (small
number), ``x`` not available, ``z`` not applicable, ``u`` low reliability, ``low`` rounds to zero."""

ENGLAND_AREA = "E92000001"
DERIVED_RATES = (
    ("cpp_rate_per_10000_at_31_march", "children_on_plan_at_31_march"),
    ("plan_start_rate_per_10000", "plan_starts"),
)

# DfE's boundary changes, as its files show them: a new authority's rows start in the year it
# was formed, under the DfE code given here; the authorities it replaced keep their own rows
# up to their last year. Where DfE kept the three-digit code and changed only the ONS code
# (North Yorkshire, Somerset, Buckinghamshire), the series continues under one code.
BOUNDARY_CHANGES: tuple[tuple[str, tuple[int, ...], tuple[int, ...], str], ...] = (
    ("2019-20", (835,), (838,), "Dorset (835) less Christchurch became Dorset (838)"),
    ("2019-20", (835, 836, 837), (839,),
     "Bournemouth (837), Poole (836) and Christchurch, from Dorset (835), became Bournemouth, Christchurch and Poole (839)"),
    ("2020-21", (825,), (825,), "Buckinghamshire became a unitary authority (E10000002 to E06000060), DfE code 825 kept"),
    ("2021-22", (928,), (940, 941), "Northamptonshire (928) replaced by North (940) and West (941) Northamptonshire"),
    ("2023-24", (909,), (942, 943), "Cumbria (909) replaced by Cumberland (942) and Westmorland and Furness (943)"),
    ("2023-24", (815,), (815,), "North Yorkshire became a unitary authority (E10000023 to E06000065), DfE code 815 kept"),
    ("2023-24", (933,), (933,), "Somerset became a unitary authority (E10000027 to E06000066), DfE code 933 kept"),
)


def _ees_file(ees_dir: Path, prefix: str) -> Path:
    found = sorted(Path(ees_dir).glob(f"{prefix}*.csv"))
    if not found:
        raise FileNotFoundError(f"{ees_dir}: no file {prefix}*.csv (download it from explore-education-statistics)")
    return found[-1]


def _source_id(path: Path, column: str | None = None) -> str:
    """A short source id: the DfE table's letter and number (``d5``) and the column, e.g. ``d5:CPP_At31``."""
    stem = path.name.split("_")[0]
    return f"{stem}:{column}" if column else stem


def _areas(frame: pd.DataFrame, la_codes: list[int] | None) -> pd.DataFrame:
    """Rows for the chosen LAs (every LA when ``None``), their regions and England, with an area code and type."""
    la = frame["geographic_level"] == "Local authority"
    chosen_la = la if la_codes is None else la & frame["old_la_code"].isin([str(c) for c in la_codes])
    regions = set(frame.loc[chosen_la, "region_code"])
    region = (frame["geographic_level"] == "Regional") & (frame["region_code"].isin(regions) | (la_codes is None))
    national = frame["geographic_level"] == "National"
    out = frame[chosen_la | region | national].copy()
    out["area_type"] = out["geographic_level"].map({"Local authority": "la", "Regional": "region", "National": "england"})
    out["area_code"] = out["old_la_code"].where(out["area_type"] == "la", out["region_code"].where(out["area_type"] == "region", ENGLAND_AREA))
    out["area_name"] = out["la_name"].where(out["area_type"] == "la", out["region_name"].where(out["area_type"] == "region", "England"))
    out["year"] = out["time_period"].astype(int).map(_label)
    return out


def import_ees(ees_dir: Path | str, la_codes: list[int] | None, out_dir: Path | str) -> dict[str, Path]:
    """Write the reference tables from DfE's explore-education-statistics CSV files.

    Reads the "Children in need" release files c1, c4, d3, d5, the ONS
    population file and, when present beside them, DfE's benchmarking lists
    ``local_authorities.csv`` and ``statistical_neighbours.csv``, all in DfE's
    own format, and writes to ``out_dir``:

    * ``published.csv``: ``area_type, area_code, area_name, year, measure, value,
      status, source`` for each chosen LA (every authority DfE published when
      ``la_codes`` is ``None``), their regions and England; suppressed cells
      (``c``, ``x``, ``z``, ``u``, ``low``) are kept with their symbol as status;
      ``source`` is an id of ``sources.csv``.
    * ``population.csv``: the 0-17 denominators of the chosen LAs and England.
    * ``sources.csv``: ``source, citation``: what each source id names.
    * ``authorities.csv`` and ``neighbours.csv`` (all authorities only): every
      DfE code with its names, region and years, boundary changes, and each
      authority's ten statistical neighbours.

    Rates per 10,000 and the ICPC timeliness % are derived exactly as DfE
    derives them (the count over the ONS mid ``Y-1`` estimate; conferences in
    the 0-10 and 11-15 day bands over all four bands) and marked ``derived``.
    """
    ees_dir, out_dir = Path(ees_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for measure, (prefix, column) in EES_COLUMNS.items():
        path = _ees_file(ees_dir, prefix)
        if prefix not in frames:
            frames[prefix] = _areas(pd.read_csv(path, dtype=str, keep_default_na=False), la_codes)
        source = _source_id(path, column)
        sources[source] = f"{EES_RELEASE}, file {path.name}, column {column}"
        values = frames[prefix][column].to_numpy()
        for record, raw in zip(frames[prefix][["area_type", "area_code", "area_name", "year"]].to_dict("records"), values):
            rows.append(_published_row(record, measure, raw, source))
    c4 = _ees_file(ees_dir, "c4_")
    c4_source = _source_id(c4, "icpc_timeliness")
    sources[c4_source] = f"derived: ICPCs in the 0-10 and 11-15 working day bands of all four (columns {', '.join(ICPC_BAND_COLUMNS)}), {EES_RELEASE}, file {c4.name}"
    for record in frames["c4_"].to_dict("records"):
        rows.append(_published_row(record, "icpc_within_15_working_days_pct", _icpc_timeliness(record), c4_source, derived=True))
    published = pd.DataFrame(rows)
    chosen = None if la_codes is None else [*la_codes, ENGLAND_CODE]
    population = write_population_table(ees_dir, chosen, None, out_dir / "population.csv")
    regions = _region_population(ees_dir, set(published.loc[published["area_type"] == "region", "area_code"]))
    for rate, count in DERIVED_RATES:
        sources[f"rate:{count}"] = f"derived: {count} / ONS mid-year 0-17 population (mid Y-1) x 10,000, as DfE computes its rates; population from {ONS_FILE}"
    published = pd.concat([published, _derived_rates(published, population, regions)], ignore_index=True)
    published = published.sort_values(["area_type", "area_code", "year", "measure"]).reset_index(drop=True)
    published.to_csv(out_dir / "published.csv", index=False, lineterminator="\n")
    written = {"published": out_dir / "published.csv", "population": out_dir / "population.csv"}
    if la_codes is None:
        authorities = write_authorities(ees_dir, frames["d5_"], out_dir / "authorities.csv")
        sources.update(authorities)
        if (ees_dir / "statistical_neighbours.csv").exists():
            sources.update(write_neighbours(ees_dir / "statistical_neighbours.csv", out_dir / "neighbours.csv"))
    table = pd.DataFrame(sorted(sources.items()), columns=["source", "citation"])
    table.to_csv(out_dir / "sources.csv", index=False, lineterminator="\n")
    written["sources"] = out_dir / "sources.csv"
    for name in ("authorities", "neighbours"):
        if la_codes is None and (out_dir / f"{name}.csv").exists():
            written[name] = out_dir / f"{name}.csv"
    _clear_caches()
    return written


CACHE_CLEARERS: list = []
"""Functions that forget what was read from the reference tables (modules reading them add theirs)."""


def _clear_caches() -> None:
    for cached in (_population, _england, _published):
        cached.cache_clear()
    for clear in CACHE_CLEARERS:
        clear()


BENCHMARKING = "DfE children's services benchmarking tool, 2025 (Open Government Licence)"


def write_authorities(ees_dir: Path, d5_areas: pd.DataFrame, out: Path) -> dict[str, str]:
    """Write ``authorities.csv`` from the LA rows of a "Children in need" file and ``local_authorities.csv``.

    Returns the source ids it used, with their citations, for ``sources.csv``.
    """
    la = d5_areas[d5_areas["area_type"] == "la"]
    current = pd.DataFrame(columns=["la_code"])
    listed = Path(ees_dir) / "local_authorities.csv"
    if listed.exists():
        current = pd.read_csv(listed, dtype=str)
    replaces: dict[int, set[int]] = {}
    replaced_by: dict[int, set[int]] = {}
    changes: dict[int, list[str]] = {}
    for year, old, new, note in BOUNDARY_CHANGES:
        for code in new:
            replaces.setdefault(code, set()).update(c for c in old if c != code)
            changes.setdefault(code, []).append(f"{year}: {note}")
        for code in old:
            replaced_by.setdefault(code, set()).update(c for c in new if c != code)
            if code not in new:
                changes.setdefault(code, []).append(f"{year}: {note}")
    rows = []
    for code, group in la.groupby("old_la_code"):
        group = group.sort_values("year")
        last = group.iloc[-1]
        number = int(code)
        is_current = code in set(current["la_code"])
        rows.append({
            "la_code": number, "new_la_code": last["new_la_code"], "la_name": last["la_name"],
            "region_code": last["region_code"], "region_name": last["region_name"],
            "first_year": group["year"].iloc[0], "last_year": last["year"],
            "current": "yes" if is_current else "no",
            "replaces": " ".join(str(c) for c in sorted(replaces.get(number, ()))),
            "replaced_by": " ".join(str(c) for c in sorted(replaced_by.get(number, ()))),
            "change": "; ".join(changes.get(number, [])),
            "source": "dfe:authorities",
        })
    table = pd.DataFrame(rows).sort_values("la_code").reset_index(drop=True)
    table.to_csv(out, index=False, lineterminator="\n")
    return {"dfe:authorities": f"DfE, Children in need statistics (explore-education-statistics), local authority rows of the "
                               f"release's files; current authorities and regions from local_authorities.csv, {BENCHMARKING}"}


def write_neighbours(neighbours_csv: Path, out: Path) -> dict[str, str]:
    """Write ``neighbours.csv`` (``la_code, rank, neighbour_la_code``) from DfE's ``statistical_neighbours.csv``."""
    table = pd.read_csv(neighbours_csv, dtype={"la_code": int, "rank": int, "neighbour_la_code": int})
    table = table[["la_code", "rank", "neighbour_la_code"]].sort_values(["la_code", "rank"])
    table.to_csv(out, index=False, lineterminator="\n")
    return {"dfe:neighbours": f"statistical_neighbours.csv, {BENCHMARKING}"}



def _region_population(ees_dir: Path, region_codes: set[str]) -> dict[tuple[str, str], int]:
    """The ONS 0-17 estimate of each region, keyed by (region code, reporting year)."""
    ons = pd.read_csv(Path(ees_dir) / ONS_FILE, dtype=str, keep_default_na=False)
    ons = ons[(ons["age_group"] == "Children aged 0 to 17 years") & (ons["geographic_level"] == "Regional")]
    ons = ons[ons["region_code"].isin(region_codes) & ons["population_estimate"].str.isdigit()]
    return {(r.region_code, ReportingYear(int(r.time_period)).label): int(r.population_estimate) for r in ons.itertuples()}


def _icpc_timeliness(record: dict) -> str:
    """% of ICPCs within 15 working days from DfE's four duration bands, or the GSS symbol that hides it."""
    values = [str(record[c]).strip() for c in ICPC_BAND_COLUMNS]
    hidden = [v for v in values if v in GSS_SUPPRESSED or v == ""]
    if hidden:
        return hidden[0] or "x"
    counts = [float(v) for v in values]
    return repr(round(100 * (counts[0] + counts[1]) / sum(counts), 1)) if sum(counts) else "z"


def _published_row(r: dict, measure: str, raw: str, source: str, derived: bool = False) -> dict:
    raw = str(raw).strip()
    suppressed = raw in GSS_SUPPRESSED or raw == ""
    return {
        "area_type": r["area_type"], "area_code": r["area_code"], "area_name": r["area_name"], "year": r["year"],
        "measure": measure, "value": None if suppressed else float(raw),
        "status": (raw or "x") if suppressed else ("derived" if derived else "published"), "source": source,
    }


def _derived_rates(published: pd.DataFrame, population: pd.DataFrame, regions: dict | None = None) -> pd.DataFrame:
    """Rates per 10,000 from the counts and the ONS denominators, as DfE computes them.

    A count DfE withheld gives a rate withheld with the same symbol.
    """
    pop = population.assign(area_code=population["la_code"].astype(str).replace({str(ENGLAND_CODE): ENGLAND_AREA}))
    pop = pop.set_index(["area_code", "year"])["population_0_17"].to_dict()
    pop.update(regions or {})
    out = []
    for rate, count in DERIVED_RATES:
        counts = published[published["measure"] == count]
        for r in counts.to_dict("records"):
            denominator = pop.get((r["area_code"], r["year"]))
            if not denominator:
                # DfE's population file shows no estimate (x) for an area it has re-based, e.g. Dorset before 2019
                value, status = None, "x"
            elif r["status"] in ("published", "derived"):
                value, status = round(r["value"] / denominator * 10000, 1), "derived"
            else:
                value, status = None, r["status"]
            out.append({**r, "measure": rate, "value": value, "status": status, "source": f"rate:{count}"})
    return pd.DataFrame(out)


@lru_cache(maxsize=8)
def _published(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"area_type": str, "area_code": str, "year": str, "measure": str, "status": str, "source": str})


def published_table(reference_dir: Path | str | None = None) -> pd.DataFrame:
    """``published.csv``: every DfE-published figure of every area, or an empty table."""
    path = _dir(reference_dir) / "published.csv"
    if not path.exists():
        return pd.DataFrame(columns=["area_type", "area_code", "area_name", "year", "measure", "value", "status", "source"])
    return _published(path)


def published_value(area_code: int | str, measure: str, year: str | ReportingYear, reference_dir: Path | str | None = None):
    """One published figure: the number, the GSS symbol DfE printed (``"[c]"``), or ``None`` when not in the table."""
    table = published_table(reference_dir)
    label = ReportingYear.parse(year).label
    rows = table[(table["area_code"] == str(area_code)) & (table["measure"] == measure) & (table["year"] == label)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return float(row["value"]) if row["status"] in ("published", "derived") else f"[{row['status']}]"


def require_authority(code: int | str, reference_dir: Path | str | None = None) -> str:
    """The authority's name when ``data/reference`` holds its published figures; a one-line ValueError otherwise.

    >>> require_authority(857)
    'Rutland'
    """
    table = published_table(reference_dir)
    rows = table[(table["area_type"] == "la") & (table["area_code"] == str(code).strip())]
    if rows.empty:
        where = _dir(reference_dir)
        raise ValueError(
            f"no reference data for authority {code} in {where}: add it with "
            f"`cpstats reference import --ees DIR --out {where}` (DIR holding DfE's 'Children in need' CSV files)"
        )
    return str(rows["area_name"].iloc[-1])


def published_figures(la_code: int | str, year: str, reference_dir: Path | str | None = None) -> dict:
    """The authority's own DfE-published figures for a year from ``published.csv`` (value or GSS symbol)."""
    table = published_table(reference_dir)
    rows = table[(table["area_type"] == "la") & (table["area_code"] == str(la_code)) & (table["year"] == ReportingYear.parse(year).label)]
    return {r.measure: (r.value if r.status in ("published", "derived") else f"[{r.status}]") for r in rows.itertuples()}
