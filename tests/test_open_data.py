"""Open data as government portals accept it: a screener written from DfE's data standards, run on
a public build of the sample and on generated figures; the workbook as ODS; the zip of everything.

The screener (:func:`screen`) checks what DfE's explore-education-statistics (EES) screener checks
of a data file and its ``.meta.csv``, from DfE's published "Open data standards" and "EES data
screener" rules, written here independently of :mod:`cpstats.publish.opendata`:

* the standard columns first, in their order; every column name lower case ``snake_case``, once;
* ``time_period`` six digits of two consecutive years (``201718``) with ``Financial year`` (and, in one
  report's files, every year from the first to the last);
* geographic levels DfE uses, with codes of the right form that match ``data/reference``
  (``E92000001`` England, regions ``E12``/``E13``, authorities ``E06``/``E08``/``E09``/``E10``
  with their DfE three-digit codes);
* a meta row for every filter and indicator, none for a standard column, with the meta columns
  DfE asks for and values it allows (types, units, decimal places, grouping columns);
* no empty indicator or filter cell; only numbers or the GSS symbols ``c``, ``x``, ``z``, ``low``;
  numbers with the meta's decimal places;
* no two rows for the same time, place and filters.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sample_builds import LA, PROJECT_ROOT, YEAR, csv_rows, xlsx_cells

REFERENCE = PROJECT_ROOT / "data" / "reference"

STANDARD = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
            "region_name", "new_la_code", "old_la_code", "la_name"]
META = ["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp", "filter_hint",
        "filter_grouping_column"]
SYMBOLS = {"c", "x", "z", "low"}
UNITS = {"", "%", "£", "£m", "pp"}
LEVEL_COLUMNS = {
    "National": ("country_code", "country_name"),
    "Regional": ("country_code", "country_name", "region_code", "region_name"),
    "Local authority": ("country_code", "country_name", "region_code", "region_name", "new_la_code", "old_la_code",
                        "la_name"),
}
PEOPLE_COLUMNS = {
    "referrals", "s47_enquiries", "icpc_requests", "icpcs", "icpcs_0_to_10_working_days", "icpcs_11_to_15_working_days",
    "icpcs_16_to_20_working_days", "icpcs_21_working_days_or_more", "icpc_threshold_not_met", "children_with_advocate",
    "children_during_year", "plans_started", "children_at_31_march", "families_during_year", "unborn_at_plan_start",
    "plans_ended", "on_plan_2_years_or_more_at_31_march",
}
"""Indicator columns that count people (children, families): written here from the files' meta labels."""


@functools.lru_cache(maxsize=1)
def _reference():
    import pandas as pd

    authorities = pd.read_csv(REFERENCE / "authorities.csv", dtype=str, keep_default_na=False)
    regions = dict(zip(authorities["region_code"], authorities["region_name"]))
    return {row.la_code: row for row in authorities.itertuples()}, regions


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def screen_file(name: str, data: bytes, meta: bytes, *, every_year: bool = True) -> list[str]:
    """Every way one data file and its metadata break the standard, one line each.

    ``every_year``: also that the file's years run without a gap (one report's files cover every year up to
    the report's; a site's join authorities whose years differ).
    """
    problems: list[str] = []
    authorities, regions = _reference()
    rows, meta_rows = _rows(data), _rows(meta)
    header, body = rows[0], rows[1:]
    if header[:len(STANDARD)] != STANDARD:
        problems.append(f"{name}: standard columns {header[:len(STANDARD)]}")
    for column in header:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", column):
            problems.append(f"{name}: column name {column!r}")
    if len(set(header)) != len(header):
        problems.append(f"{name}: a column twice")
    if not body:
        problems.append(f"{name}: no rows")
    if not meta_rows or meta_rows[0] != META:
        return problems + [f"{name}: meta columns {meta_rows[:1]}"]
    described = {}
    for line, row in enumerate(meta_rows[1:], start=2):
        record = dict(zip(META, row))
        if len(row) != len(META):
            problems.append(f"{name}.meta row {line}: {len(row)} cells")
            continue
        column = record["col_name"]
        if column in described:
            problems.append(f"{name}.meta: {column} twice")
        described[column] = record
        if column in STANDARD:
            problems.append(f"{name}.meta: a row for the standard column {column}")
        if column not in header:
            problems.append(f"{name}.meta: {column} is not a column of the data")
        if record["col_type"] not in ("Filter", "Indicator"):
            problems.append(f"{name}.meta: {column} col_type {record['col_type']!r}")
        if not record["label"].strip():
            problems.append(f"{name}.meta: {column} has no label")
        if record["col_type"] == "Indicator":
            if record["indicator_unit"] not in UNITS:
                problems.append(f"{name}.meta: {column} unit {record['indicator_unit']!r}")
            if not re.fullmatch(r"\d", record["indicator_dp"]):
                problems.append(f"{name}.meta: {column} indicator_dp {record['indicator_dp']!r}")
            if record["filter_hint"] or record["filter_grouping_column"]:
                problems.append(f"{name}.meta: indicator {column} has filter fields")
        if record["col_type"] == "Filter":
            if record["indicator_grouping"] or record["indicator_unit"] or record["indicator_dp"]:
                problems.append(f"{name}.meta: filter {column} has indicator fields")
            group = record["filter_grouping_column"]
            if group and (group not in header or group in STANDARD):
                problems.append(f"{name}.meta: filter {column} grouped by {group!r}")
    for column in header[len(STANDARD):]:
        if column not in described:
            problems.append(f"{name}: no meta row for {column}")
    filters = [c for c in header if described.get(c, {}).get("col_type") == "Filter"]
    indicators = [c for c in header if described.get(c, {}).get("col_type") == "Indicator"]
    if header[len(STANDARD):] != filters + indicators:
        problems.append(f"{name}: filters do not all come before the indicators")
    seen: dict[tuple, int] = {}
    periods: set[str] = set()
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            problems.append(f"{name} row {line}: {len(row)} cells for {len(header)} columns")
            continue
        cell = dict(zip(header, row))
        period = cell["time_period"]
        periods.add(period)
        if not re.fullmatch(r"\d{6}", period) or (int(period[:4]) + 1) % 100 != int(period[4:]):
            problems.append(f"{name} row {line}: time_period {period!r}")
        if cell["time_identifier"] != "Financial year":
            problems.append(f"{name} row {line}: time_identifier {cell['time_identifier']!r}")
        level = cell["geographic_level"]
        if level not in LEVEL_COLUMNS:
            problems.append(f"{name} row {line}: geographic_level {level!r}")
            continue
        for column in STANDARD[3:]:
            if bool(cell[column]) != (column in LEVEL_COLUMNS[level]):
                problems.append(f"{name} row {line}: {level} with {column} {cell[column]!r}")
        if (cell["country_code"], cell["country_name"]) != ("E92000001", "England"):
            problems.append(f"{name} row {line}: country {cell['country_code']} {cell['country_name']}")
        if level in ("Regional", "Local authority"):
            if not re.fullmatch(r"E1[23]\d{6}", cell["region_code"]) or regions.get(cell["region_code"]) != cell["region_name"]:
                problems.append(f"{name} row {line}: region {cell['region_code']} {cell['region_name']}")
        if level == "Local authority":
            known = authorities.get(cell["old_la_code"])
            if not re.fullmatch(r"E0[689]\d{6}|E10\d{6}", cell["new_la_code"]) or known is None or \
                    known.new_la_code != cell["new_la_code"] or known.region_code != cell["region_code"]:
                problems.append(f"{name} row {line}: authority {cell['old_la_code']} {cell['new_la_code']}")
        for column in filters:
            if not cell[column].strip():
                problems.append(f"{name} row {line}: empty filter {column}")
        for column in indicators:
            value = cell[column]
            dp = int(described[column]["indicator_dp"]) if described[column]["indicator_dp"].isdigit() else None
            if value in SYMBOLS:
                continue
            if not re.fullmatch(r"-?\d+(\.\d+)?", value):
                problems.append(f"{name} row {line}: {column} {value!r}")
            elif dp is not None and len(value.partition(".")[2]) != dp:
                problems.append(f"{name} row {line}: {column} {value!r} not to {dp} decimal places")
        key = tuple(cell[c] for c in STANDARD + filters)
        if key in seen:
            problems.append(f"{name} row {line}: the same time, place and filters as row {seen[key]}")
        seen[key] = line
    years = sorted(int(p[:4]) for p in periods if re.fullmatch(r"\d{6}", p))
    if every_year and years and years != list(range(years[0], years[-1] + 1)):
        problems.append(f"{name}: years {years} are not consecutive")
    return problems


def screen(folder: Path, *, every_year: bool = True) -> list[str]:
    """Every problem of every open data file in ``folder`` (and files without their metadata)."""
    folder = Path(folder)
    data = sorted(p for p in folder.glob("*.csv") if not p.name.endswith(".meta.csv"))
    metas = {p.name for p in folder.glob("*.meta.csv")}
    problems = [f"{name}: metadata without data" for name in sorted(metas - {f"{p.stem}.meta.csv" for p in data})]
    for path in data:
        meta = path.with_name(f"{path.stem}.meta.csv")
        if not meta.exists():
            problems.append(f"{path.name}: no {meta.name}")
            continue
        problems += screen_file(path.name, path.read_bytes(), meta.read_bytes(), every_year=every_year)
    return problems


def people_cells(folder: Path, threshold: int = 5) -> list[tuple[str, str, str]]:
    """Cells of a count of people from 1 to ``threshold`` in the open data: (file, column, row)."""
    found = []
    for path in sorted(Path(folder).glob("*.csv")):
        if path.name.endswith(".meta.csv"):
            continue
        header, *rows = csv_rows(path)
        for row in rows:
            for column, value in zip(header, row):
                if column in PEOPLE_COLUMNS and re.fullmatch(r"\d+", value) and 1 <= int(value) <= threshold:
                    found.append((path.name, column, ",".join(row[:12])))
    return found


# ----------------------------------------------------------------- the screener itself


def test_the_screener_finds_what_breaks_the_standard(tmp_path):
    """Each rule fails a file that breaks it: the screener is not a check that cannot fail."""
    header = ",".join(STANDARD) + ",agency,invited\n"
    place = "201718,Financial year,Local authority,E92000001,England,E12000004,East Midlands,E06000017,857,Rutland"
    meta = (",".join(META) + "\nagency,Filter,Agency,,,,,\ninvited,Indicator,Invited,,,0,,\n").encode()
    good = (header + f"{place},Police,3\n{place},GP,c\n").encode()
    assert screen_file("good", good, meta) == []
    broken = {
        "empty indicator": good.replace(b"Police,3", b"Police,"),
        "bad symbol": good.replace(b"Police,3", b"Police,[c]"),
        "decimal places": good.replace(b"Police,3", b"Police,3.0"),
        "duplicate": good.replace(b"GP,c", b"Police,c"),
        "time period": good.replace(b"201718", b"201719", 1),
        "four digit year": good.replace(b"201718", b"2018", 1),
        "region code": good.replace(b"E12000004", b"E12000009", 1),
        "authority code": good.replace(b"E06000017", b"E06000099", 1),
        "column order": good.replace(b"new_la_code,old_la_code", b"old_la_code,new_la_code"),
    }
    for rule, data in broken.items():
        assert screen_file("broken", data, meta) != [], rule
    assert screen_file("good", good, meta.replace(b"invited,Indicator,Invited,,,0,,\n", b"")) != []
    assert screen_file("good", good, meta + b"la_name,Filter,Name,,,,,\n") != []
    assert screen_file("good", good, meta.replace(b"Indicator,Invited,,,0", b"Indicator,Invited,,,one")) != []


# ----------------------------------------------------------------- a public build of the sample


@pytest.fixture(scope="module")
def open_data(public_report) -> Path:
    return public_report.report / "open-data"


def test_the_public_sample_passes_the_screener(open_data):
    files = sorted(p.name for p in open_data.glob("*.csv"))
    print(f"open data files: {len(files)}: {', '.join(files)}")
    assert {"referrals.csv", "section47_and_conferences.csv", "plans_by_category.csv", "duration.csv", "profile.csv",
            "reviews.csv", "attendance.csv"} <= set(files)
    assert screen(open_data) == []


def test_every_covered_year_and_the_comparators_are_in_the_files(open_data):
    from cpstats.data.comparators import neighbours_of

    header, *rows = csv_rows(open_data / "plans_by_category.csv")
    periods = sorted({row[0] for row in rows})
    assert periods[0] == "201213" and periods[-1] == "201718"  # the sample covers 2012-13 onwards
    levels = {(row[2], row[8]) for row in rows}
    assert ("Local authority", "857") in levels and ("National", "") in levels and ("Regional", "") in levels
    assert {str(code) for code in neighbours_of(857, REFERENCE)} <= {code for _, code in levels}


def test_the_open_data_are_the_report_figures(open_data, public_report):
    """The authority's rows hold the public figures.json of the report's year, withheld ones as c."""
    import json

    figures = json.loads((public_report.report / "figures.json").read_text(encoding="utf-8"))
    header, *rows = csv_rows(open_data / "plans_by_category.csv")
    mine = {row[10]: dict(zip(header, row)) for row in rows if row[0] == "201718" and row[8] == "857"}
    for key, words in (("NEG", "Neglect"), ("EMO", "Emotional abuse"), ("SAB", "Sexual abuse")):
        expected = figures[f"category_during_year.{key}"]
        assert mine[words]["children_during_year"] == ("c" if expected == "[c]" else str(expected))
    assert mine["Total"]["children_during_year"] == str(figures["children_with_plan_during_year"])
    assert mine["Total"]["rate_at_31_march"] == f"{figures['cpp_rate_per_10000_at_31_march']:.1f}"
    header, *rows = csv_rows(open_data / "referrals.csv")
    own = [dict(zip(header, row)) for row in rows if row[0] == "201718" and row[8] == "857"]
    assert own[0]["referrals"] == str(figures["referrals"])


def test_no_small_count_of_people_in_the_public_open_data(open_data, public_report, tmp_path):
    """No count of people from 1 to 5 is in the public files, though the same files of a draft have some."""
    from cpstats.data.dataset import load_dataset
    from cpstats.figures.disclosure import Policy
    from cpstats.figures.figures import report_figures
    from cpstats.publish.opendata import write_open_data

    assert people_cells(open_data) == []
    dataset = load_dataset(public_report.project / "data" / LA)
    internal = report_figures(dataset, YEAR, REFERENCE, Policy("internal"))
    write_open_data(tmp_path, internal, dataset.la_code, dataset.name, REFERENCE)
    small = people_cells(tmp_path / "open-data")
    print(f"counts of people from 1 to 5 in the draft's open data: {len(small)}; in the public: 0")
    assert len(small) >= 5
    assert screen(tmp_path / "open-data") == []
    guidance = (tmp_path / "open-data" / "data-guidance.txt").read_text(encoding="utf-8")
    assert "INTERNAL DRAFT" in guidance
    assert "INTERNAL DRAFT" not in (open_data / "data-guidance.txt").read_text(encoding="utf-8")
    # the draft built before the public report, with its own open data, marked as a draft
    draft = public_report.draft / "open-data"
    assert "INTERNAL DRAFT" in (draft / "data-guidance.txt").read_text(encoding="utf-8")
    assert screen(draft) == [] and people_cells(draft)


def test_the_data_guidance_lists_every_file_and_symbol(open_data):
    guidance = (open_data / "data-guidance.txt").read_text(encoding="utf-8")
    for path in open_data.glob("*.csv"):
        assert path.name in guidance
    for symbol in ("c:", "x:", "z:", "low:"):
        assert f"\n{symbol}" in guidance


# ----------------------------------------------------------------- generated figures


_AGENCY = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "S")), min_size=1,
                  max_size=30).map(str.strip).filter(lambda s: s and "." not in s)
_COUNT = st.one_of(st.integers(0, 5000), st.just("W"), st.none())
_SHARE = st.one_of(st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1)), st.just("W"), st.none())


@st.composite
def flat_years(draw):
    """Two to four years of flat figures as the library names them, some withheld, some missing."""
    from cpstats.figures.figures import Withheld
    from cpstats.present.tables import CATEGORY_LABELS, DURATION_LABELS

    def value(strategy):
        v = draw(strategy)
        return Withheld() if v == "W" else v

    first = draw(st.integers(2012, 2020))
    agencies = draw(st.lists(_AGENCY, min_size=0, max_size=4, unique=True))
    years = {}
    for year in range(first, first + draw(st.integers(2, 4))):
        flat: dict = {}
        for name in ("referrals", "s47_enquiries", "icpcs", "icpc_requests", "children_with_plan_during_year",
                     "plan_starts", "children_on_plan_at_31_march", "plan_ends", "families_with_plan_during_year"):
            if draw(st.booleans()) or name == "referrals":
                flat[name] = value(_COUNT)
        for name in ("rereferrals_within_12_months_pct", "reviews_in_timescale_pct", "cpp_rate_per_10000_at_31_march"):
            flat[name] = value(_SHARE)
        for key in CATEGORY_LABELS:
            flat[f"category_during_year.{key}"] = value(_COUNT)
        for key in DURATION_LABELS:
            flat[f"ended_plans_by_duration.{key}"] = value(_COUNT)
        for key in ("M", "F", "U"):
            flat[f"sex.{key}"] = value(_COUNT)
        for agency in agencies:
            flat[f"agency_attendance.{agency}.invited"] = value(_COUNT)
            flat[f"agency_attendance.{agency}.attended_pct"] = value(_SHARE)
        years[f"{year}-{(year + 1) % 100:02d}"] = flat
    return years


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(years=flat_years(), code=st.sampled_from([857, 855, 202, 330, 938]))
def test_generated_figures_give_files_that_pass_the_screener(tmp_path_factory, years, code):
    """Whatever the figures (withheld, missing, any agency's name), the files pass, and hold exactly the figures."""
    from cpstats.figures.figures import is_withheld
    from cpstats.publish.opendata import open_data_files

    files = open_data_files(years, code, "An authority, \"quoted\"", REFERENCE)
    for f in files:
        assert screen_file(f.data_name, f.data_bytes(), f.meta_bytes()) == [], f.data_name
    referrals = next(f for f in files if f.subject.name == "referrals")
    header, *rows = _rows(referrals.data_bytes())
    own = {row[0]: dict(zip(header, row)) for row in rows if row[8] == str(code)}
    for year, flat in years.items():
        expected = flat["referrals"]
        shown = own[year[:4] + year[5:]]["referrals"]
        assert shown == ("c" if is_withheld(expected) else "z" if expected is None else str(expected))
    attendance = [f for f in files if f.subject.name == "attendance"]
    for f in attendance:
        header, *rows = _rows(f.data_bytes())
        agencies = {row[header.index("agency")] for row in rows}
        wanted = {name.split(".")[1] for flat in years.values() for name in flat if name.startswith("agency_attendance.")}
        assert {a[1:] if a.startswith("'") else a for a in agencies} == wanted


# ----------------------------------------------------------------- ODS, and the zip of everything


def test_the_ods_workbook_has_the_xlsx_sheets_and_cells(public_report):
    import pandas as pd

    folder = public_report.report / "downloads"
    xlsx = next(folder.glob("*.xlsx"))
    ods = xlsx.with_suffix(".ods")
    expected = xlsx_cells(xlsx)
    sheets = pd.read_excel(ods, engine="odf", sheet_name=None, header=None)
    assert list(sheets) == list(expected)
    assert list(sheets)[:3] == ["Cover", "Contents", "Notes"]
    for name, frame in sheets.items():
        shown = [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]
        wanted = [row for row in expected[name] if any(v is not None for v in row)]
        shown = [row for row in shown if any(v is not None for v in row)]
        assert [[v for v in row if v is not None] for row in shown] == \
            [[v for v in row if v is not None] for row in wanted], name
    with zipfile.ZipFile(ods) as archive:
        assert archive.namelist()[0] == "mimetype" and archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        assert b"table:formula" not in archive.read("content.xml")
    print(f"ODS sheets read back by pandas (odf): {len(sheets)}")


def test_text_like_a_formula_stays_text_in_the_ods(tmp_path):
    import datetime as dt

    import pandas as pd

    from cpstats.publish.downloads import Table, write_workbook
    from cpstats.publish.ods import write_ods

    hostile = ["=HYPERLINK(\"http://x\")", "+SUM(1)", "@cmd", "-2+3"]
    table = Table("05_x", "Section", 1, "Caption", None, ("Agency", "Count"), tuple((h, "3") for h in hostile))
    stamp = dt.datetime(2018, 3, 31, tzinfo=dt.timezone.utc)
    xlsx = write_workbook([table], tmp_path / "t.xlsx", title="T", subtitle="S", period="P", source="Src", timestamp=stamp)
    ods = write_ods(xlsx, tmp_path / "t.ods", title="T", timestamp=stamp)
    frame = pd.read_excel(ods, engine="odf", sheet_name="05_x-1", header=None)
    cells = [str(v) for v in frame.to_numpy().ravel() if not pd.isna(v)]
    assert all(h in cells for h in hostile)
    with zipfile.ZipFile(ods) as archive:
        content = archive.read("content.xml")
    assert b"table:formula" not in content
    first = ods.read_bytes()
    assert write_ods(xlsx, tmp_path / "again.ods", title="T", timestamp=stamp).read_bytes() == first


def test_one_zip_holds_every_download_with_its_checksum(public_report):
    from cpstats.data.periods import ReportingYear
    from cpstats.publish.build import pdf_name
    from cpstats.publish.bundle import FIXED_DATE, bundle_name

    report = public_report.report
    path = report / bundle_name(LA, YEAR)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        sums = dict(line.split("  ", 1)[::-1] for line in archive.read("SHA256SUMS").decode().splitlines())
        for name in names:
            if name != "SHA256SUMS":
                data = archive.read(name)
                assert data == (report / name).read_bytes(), name
                assert sums[name] == hashlib.sha256(data).hexdigest()
        assert {info.date_time for info in archive.infolist()} == {FIXED_DATE}
    wanted = {p.relative_to(report).as_posix() for folder in ("downloads", "open-data") for p in (report / folder).iterdir()}
    assert set(names) == wanted | {pdf_name(LA, ReportingYear.parse(YEAR)), "SHA256SUMS"}
    assert any(n.endswith(".ods") for n in names) and any(n.endswith(".xlsx") for n in names)
    assert any(n.endswith(".pdf") for n in names) and "open-data/data-guidance.txt" in names
    print(f"files in the zip: {len(names)}, {path.stat().st_size} bytes")


# ----------------------------------------------------------------- the whole site


def test_the_site_joins_every_authority_s_open_data(open_data, public_report):
    site = public_report.out_root / "open-data"
    assert screen(site) == []
    assert (site / "plans_by_category.csv").read_bytes() == (open_data / "plans_by_category.csv").read_bytes()


def test_the_site_offers_its_open_data_in_one_zip_with_checksums(public_report):
    """open-data/open-data-all-files.zip: every other file of the folder, byte for byte, and SHA256SUMS that
    check them; written again from the same files, the same bytes."""
    import hashlib
    import zipfile

    from cpstats.publish.opendata import SITE_BUNDLE, write_site_open_data

    site = public_report.out_root / "open-data"
    bundle = site / SITE_BUNDLE
    with zipfile.ZipFile(bundle) as archive:
        held = {name: archive.read(name) for name in archive.namelist()}
    files = {p.name: p.read_bytes() for p in site.iterdir() if p.name != SITE_BUNDLE}
    sums = held.pop("SHA256SUMS").decode("utf-8").splitlines()
    assert held == files
    assert sorted(sums) == sorted(f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in files.items())
    index = (public_report.out_root / "index.html").read_text(encoding="utf-8")
    assert 'href="open-data/open-data-all-files.zip"' in index and 'href="open-data/data-guidance.txt"' in index
    before = bundle.read_bytes()
    bundle.unlink()
    write_site_open_data(public_report.out_root)
    assert bundle.read_bytes() == before


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(first=flat_years(), second=flat_years())
def test_two_authorities_neighbours_of_each_other_give_one_clean_site_file(tmp_path_factory, first, second):
    """Rutland (857) and Leicestershire (855), each the other's neighbour: each keeps its own computed rows
    only (not DfE's rows for it from the other's file), England and the region once; the files pass."""
    from cpstats.publish.opendata import open_data_files, write_site_open_data

    out_root = tmp_path_factory.mktemp("site")
    for la, code, years in (("rutland", 857, first), ("leics", 855, second)):
        older = {label: flat for label, flat in list(years.items())[:1]}
        for year, figures in ((list(years)[0], older), (list(years)[-1], years)):  # the latest report is joined
            folder = out_root / la / year / "open-data"
            folder.mkdir(parents=True, exist_ok=True)
            (folder.parent / "manifest.json").write_text("{}", encoding="utf-8")
            for f in open_data_files(figures, code, la.title(), REFERENCE):
                (folder / f.data_name).write_bytes(f.data_bytes())
                (folder / f.meta_name).write_bytes(f.meta_bytes())
    site = write_site_open_data(out_root)
    assert screen(site, every_year=False) == []
    header, *rows = csv_rows(site / "referrals.csv")
    names = {(row[8], row[9]) for row in rows if row[2] == "Local authority" and row[8] in ("857", "855")}
    assert names == {("857", "Rutland"), ("855", "Leics")}
    periods = {row[0] for row in rows if row[8] == "857"}
    assert periods == {year[:4] + year[5:] for year in first}
