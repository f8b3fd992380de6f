"""The report's figures as open data in the Department for Education's standard for statistics.

Enters: the report's protected figures (:func:`cpstats.figures.figures.report_figures`: every
covered year up to the report's, withheld values as :class:`~cpstats.figures.figures.Withheld`),
the authority's code and name and the reference tables (``data/reference``).
Leaves: ``open-data/`` in the published report: one tidy CSV file per subject, each with its
``.meta.csv``, and ``data-guidance.txt``, as explore-education-statistics (EES) asks for them:

* the standard columns first, in this order: ``time_period`` (``201718`` for the year 1 April 2017
  to 31 March 2018), ``time_identifier`` (``Financial year``), ``geographic_level`` (``National``,
  ``Regional`` or ``Local authority``), ``country_code``, ``country_name``, ``region_code``,
  ``region_name``, ``new_la_code``, ``old_la_code``, ``la_name``; then the filters, then the
  indicators;
* one row per year, place and combination of filters; every year the report covers in one file;
* an indicator cell is a number or a GSS symbol, never blank: ``c`` withheld to protect
  confidentiality, ``x`` not available, ``z`` not applicable, ``low`` rounds to zero (DfE's);
* ``<subject>.meta.csv`` has one row per filter and indicator (none for the standard columns):
  ``col_name, col_type, label, indicator_grouping, indicator_unit, indicator_dp, filter_hint,
  filter_grouping_column``.

The authority's rows are its protected figures and nothing else, so a public report's open
data withhold exactly what its tables withhold. Where the report compares a figure with England,
the region and the statistical neighbours, the file also has their rows, from DfE's published
statistics (``data/reference/published.csv`` and ``england.csv``) on the "Total" row of the
subject. Text from the data (the authority's name, agencies) is written as text, after a ``'``
when a spreadsheet would take it for a formula or when it begins with ``'`` itself
(:func:`cpstats.publish.downloads.csv_text`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, Sequence

# the site's join (write_site_open_data) runs on every build, a rebuild with nothing changed included, which
# loads no pandas: what needs the library's heavier modules imports them where it uses them

__all__ = [
    "FOLDER", "GUIDANCE", "STANDARD_COLUMNS", "SYMBOLS", "Subject", "SUBJECTS", "OpenDataFile", "open_data_files",
    "time_period", "write_open_data", "write_site_open_data", "SITE_BUNDLE",
]

FOLDER = "open-data"
GUIDANCE = "data-guidance.txt"
TIME_IDENTIFIER = "Financial year"
STANDARD_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
                    "region_code", "region_name", "new_la_code", "old_la_code", "la_name")
"""The columns every file starts with, in this order."""
SYMBOLS = {
    "c": "confidential: withheld so that no child, family or other person can be identified",
    "x": "not available: not collected or not published for this place or year",
    "z": "not applicable, e.g. a percentage of nothing, or a figure that has no meaning for this row",
    "low": "rounds to zero, but is not zero (in DfE's published figures only)",
}
"""The GSS symbols an indicator cell may hold instead of a number."""
ENGLAND = ("E92000001", "England")

NATIONAL, REGIONAL, LOCAL = "National", "Regional", "Local authority"


def time_period(label: str) -> str:
    """EES's ``time_period`` of a financial (reporting) year.

    >>> time_period("2017-18"), time_period("1999-00")
    ('201718', '199900')
    """
    first = int(label[:4])
    return f"{first}{(first + 1) % 100:02d}"


# ----------------------------------------------------------------- subjects


@dataclass(frozen=True)
class Indicator:
    """One indicator column: its name, label, unit (``count``, ``percent``, ``rate``) and what DfE publishes for it."""

    col: str
    label: str
    unit: str = "count"
    published: str | None = None  # the measure in data/reference that compares with it

    def __post_init__(self):
        # a measure of the report has one label, its tables' (cpstats.present.tables.LABELS), here too
        from cpstats.present.measure_labels import LABELS

        measure = self.published or self.col
        if measure in LABELS:
            object.__setattr__(self, "label", LABELS[measure])

    @property
    def dp(self) -> int:
        return 0 if self.unit == "count" else 1


@dataclass(frozen=True)
class Filter:
    col: str
    label: str
    hint: str = ""
    grouping: str = ""


Row = tuple[tuple[str, ...], dict[str, str]]
"""A row of a subject: its filter values and, per indicator column, the figure's flat name."""


@dataclass(frozen=True)
class Subject:
    """One open data file: its name, title, what it holds, its filters, indicators and rows."""

    name: str
    title: str
    about: str
    filters: tuple[Filter, ...]
    indicators: tuple[Indicator, ...]
    rows: Callable[[Mapping[str, object]], list[Row]]
    total: tuple[str, ...] = ()  # the filter values of the row comparators are shown on
    geography: str = "every"

    @property
    def columns(self) -> list[str]:
        return [*STANDARD_COLUMNS, *(f.col for f in self.filters), *(i.col for i in self.indicators)]


def _one(mapping: Mapping[str, str]) -> Callable[[Mapping], list[Row]]:
    return lambda flat: [((), dict(mapping))]


def _keys(flat: Mapping, prefix: str) -> list[str]:
    """The keys of a breakdown in the figures' order, e.g. ``NEG`` of ``category_during_year.NEG``."""
    seen: list[str] = []
    for name in flat:
        if name.startswith(prefix + "."):
            key = name[len(prefix) + 1:]
            if "." not in key and key not in seen:
                seen.append(key)
    return seen


def _categories(flat: Mapping) -> list[Row]:
    from cpstats.present.tables import CATEGORY_LABELS

    keys = list(CATEGORY_LABELS) + [k for k in _keys(flat, "category_during_year") if k not in CATEGORY_LABELS]
    rows: list[Row] = [((CATEGORY_LABELS.get(k, k),), {
        "children_during_year": f"category_during_year.{k}", "plans_started": f"initial_category_of_starts.{k}",
        "children_at_31_march": f"latest_category_at_31_march.{k}"}) for k in keys]
    rows.append((("Total",), {
        "children_during_year": "children_with_plan_during_year", "plans_started": "plan_starts",
        "children_at_31_march": "children_on_plan_at_31_march", "families_during_year": "families_with_plan_during_year",
        "unborn_at_plan_start": "unborn_at_plan_start", "rate_at_31_march": "cpp_rate_per_10000_at_31_march",
        "start_rate": "plan_start_rate_per_10000", "second_or_subsequent_pct": "second_or_subsequent_plan_pct",
        "second_within_2_years_pct": "second_plan_within_2_years_pct"}))
    return rows


def _durations(flat: Mapping) -> list[Row]:
    from cpstats.present.tables import DURATION_LABELS

    keys = list(DURATION_LABELS) + [k for k in _keys(flat, "ended_plans_by_duration") if k not in DURATION_LABELS]
    rows: list[Row] = [((DURATION_LABELS.get(k, k),), {"plans_ended": f"ended_plans_by_duration.{k}"}) for k in keys]
    rows.append((("Total",), {
        "plans_ended": "plan_ends", "plans_ended_2_years_or_more_pct": "ended_plans_2_years_or_more_pct",
        "on_plan_2_years_or_more_at_31_march": "on_plan_2_years_or_more_at_31_march",
        "on_plan_2_years_or_more_at_31_march_pct": "on_plan_2_years_or_more_at_31_march_pct"}))
    return rows


def _profile(flat: Mapping) -> list[Row]:
    from cpstats.present import tables as t

    groups = (("Age", "age_bands", t.AGE_LABELS), ("Sex", "sex", t.SEX_LABELS),
              ("Disability", "disability", t.DISABILITY_LABELS), ("Ethnic group", "ethnicity.by_group", {}),
              ("Ethnicity", "ethnicity.by_code", t.ETHNICITY_LABELS))
    rows: list[Row] = [(("Total", "Total"), {"children_during_year": "children_with_plan_during_year"})]
    for group, prefix, labels in groups:
        for key in list(labels) + [k for k in _keys(flat, prefix) if k not in labels]:
            rows.append(((group, labels.get(key, key)), {"children_during_year": f"{prefix}.{key}"}))
    return rows


def _attendance(flat: Mapping) -> list[Row]:
    fields = ("invited", "attended", "attended_pct", "reports_submitted", "reports_on_time_pct")
    agencies: list[str] = []
    for name in flat:
        if name.startswith("agency_attendance."):
            agency = name[len("agency_attendance."):].rpartition(".")[0]
            if agency and agency not in agencies:
                agencies.append(agency)
    return [((agency,), {f: f"agency_attendance.{agency}.{f}" for f in fields}) for agency in agencies]


SUBJECTS: tuple[Subject, ...] = (
    Subject(
        "referrals", "Referrals to children's social care",
        "Referrals received in the year and the percentage that were re-referrals within 12 months of a previous "
        "referral. (The data hold no assessments, so no figures of assessments are published.)",
        (), (Indicator("referrals", "Referrals", published="referrals"),
             Indicator("rereferrals_within_12_months_pct", "Re-referrals within 12 months (%)", "percent",
                       "rereferrals_within_12_months_pct")),
        _one({"referrals": "referrals", "rereferrals_within_12_months_pct": "rereferrals_within_12_months_pct"}),
        total=()),
    Subject(
        "section47_and_conferences", "Section 47 enquiries and child protection conferences",
        "Section 47 enquiries started, initial child protection conferences (ICPCs) requested and held, their "
        "timeliness from the start of the enquiry, and the conferences held in the year.",
        (), (Indicator("s47_enquiries", "Section 47 enquiries", published="s47_enquiries"),
             Indicator("icpc_requests", "Initial conferences requested"),
             Indicator("icpcs", "Initial conferences held", published="icpcs"),
             Indicator("icpcs_0_to_10_working_days", "Initial conferences within 0 to 10 working days"),
             Indicator("icpcs_11_to_15_working_days", "Initial conferences within 11 to 15 working days"),
             Indicator("icpcs_16_to_20_working_days", "Initial conferences within 16 to 20 working days"),
             Indicator("icpcs_21_working_days_or_more", "Initial conferences after 21 working days or more"),
             Indicator("icpc_within_15_working_days_pct", "Initial conferences within 15 working days (%)", "percent",
                       "icpc_within_15_working_days_pct"),
             Indicator("icpc_threshold_not_met", "Initial conferences where the threshold was not met"),
             Indicator("children_with_advocate", "Children with an advocate"),
             Indicator("conferences_initial", "Initial conferences (all conferences held)"),
             Indicator("conferences_review", "Review conferences"),
             Indicator("conferences_transfer_in", "Transfer-in conferences"),
             Indicator("conferences_total", "All conferences"),
             Indicator("conferences_with_domestic_abuse", "Conferences with domestic abuse"),
             Indicator("conferences_with_domestic_abuse_pct", "Conferences with domestic abuse (%)", "percent")),
        _one({"s47_enquiries": "s47_enquiries", "icpc_requests": "icpc_requests", "icpcs": "icpcs",
              "icpcs_0_to_10_working_days": "icpc_working_days_bands.0_to_10",
              "icpcs_11_to_15_working_days": "icpc_working_days_bands.11_to_15",
              "icpcs_16_to_20_working_days": "icpc_working_days_bands.16_to_20",
              "icpcs_21_working_days_or_more": "icpc_working_days_bands.21_plus",
              "icpc_within_15_working_days_pct": "icpc_within_15_working_days_pct",
              "icpc_threshold_not_met": "icpc_threshold_not_met", "children_with_advocate": "children_with_advocate",
              "conferences_initial": "conferences_held.ICPC", "conferences_review": "conferences_held.RCPC",
              "conferences_transfer_in": "conferences_held.TRANSFER_IN", "conferences_total": "conferences_held.total",
              "conferences_with_domestic_abuse": "conferences_with_domestic_abuse",
              "conferences_with_domestic_abuse_pct": "conferences_with_domestic_abuse_pct"})),
    Subject(
        "plans_by_category", "Child protection plans by category of abuse",
        "Children subject of a child protection plan during the year (by their latest category), plans started "
        "(by initial category) and children on a plan on 31 March (latest category); the Total row also has the "
        "families, unborn children, rates per 10,000 children and repeat plans.",
        (Filter("category_of_abuse", "Category of abuse", "Filter by the category of abuse of the plan"),),
        (Indicator("children_during_year", "Children subject of a plan during the year"),
         Indicator("plans_started", "Plans started", published="plan_starts"),
         Indicator("children_at_31_march", "Children subject of a plan on 31 March", published="children_on_plan_at_31_march"),
         Indicator("families_during_year", "Families with a child subject of a plan during the year"),
         Indicator("unborn_at_plan_start", "Unborn children at the start of their plan"),
         Indicator("rate_at_31_march", "Children subject of a plan on 31 March, per 10,000 children", "rate",
                   "cpp_rate_per_10000_at_31_march"),
         Indicator("start_rate", "Plans started in the year, per 10,000 children", "rate", "plan_start_rate_per_10000"),
         Indicator("second_or_subsequent_pct", "Second or subsequent plans (%)", "percent", "second_or_subsequent_plan_pct"),
         Indicator("second_within_2_years_pct", "Second plans within 2 years of the last (%)", "percent")),
        _categories, total=("Total",)),
    Subject(
        "duration", "Child protection plans ended, by length of plan",
        "Plans ended in the year by how long they lasted; the Total row also has the percentage that lasted 2 years "
        "or more and the children on a plan for 2 years or more on 31 March.",
        (Filter("length_of_plan", "Length of plan", "Filter by how long the plan lasted"),),
        (Indicator("plans_ended", "Plans ended"),
         Indicator("plans_ended_2_years_or_more_pct", "Plans ended that lasted 2 years or more (%)", "percent",
                   "ended_plans_2_years_or_more_pct"),
         Indicator("on_plan_2_years_or_more_at_31_march", "Children on a plan for 2 years or more on 31 March",
                   published="on_plan_2_years_or_more_at_31_march"),
         Indicator("on_plan_2_years_or_more_at_31_march_pct", "Children on a plan for 2 years or more on 31 March (%)",
                   "percent", "on_plan_2_years_or_more_at_31_march_pct")),
        _durations, total=("Total",)),
    Subject(
        "profile", "Children subject of a plan during the year, by age, sex, disability and ethnicity",
        "Children subject of a child protection plan at any time in the year, by characteristic.",
        (Filter("characteristic_group", "Characteristic group", "Filter by the kind of characteristic"),
         Filter("characteristic", "Characteristic", "Filter by characteristic", "characteristic_group")),
        (Indicator("children_during_year", "Children subject of a plan during the year"),),
        _profile),
    Subject(
        "reviews", "Reviews of child protection plans",
        "The percentage of children subject of a plan for at least three months whose every review was held in "
        "timescale.",
        (), (Indicator("reviews_in_timescale_pct", "Children with all reviews in timescale (%)", "percent",
                       "reviews_in_timescale_pct"),),
        _one({"reviews_in_timescale_pct": "reviews_in_timescale_pct"})),
    Subject(
        "attendance", "Agencies' attendance at child protection conferences and their reports",
        "For each agency: the conferences it was invited to and attended, and the reports it submitted and the "
        "percentage submitted on time. These count conferences and reports, not people.",
        (Filter("agency", "Agency", "Filter by agency"),),
        (Indicator("invited", "Conferences invited to"), Indicator("attended", "Conferences attended"),
         Indicator("attended_pct", "Conferences attended (%)", "percent"),
         Indicator("reports_submitted", "Reports submitted"),
         Indicator("reports_on_time_pct", "Reports submitted on time (%)", "percent")),
        _attendance),
)
"""Every open data file of a report, in the order the guidance lists them."""


# ----------------------------------------------------------------- values


def _cell(value, indicator: Indicator) -> str:
    """A protected figure as an indicator cell: a number to the indicator's places, or a GSS symbol."""
    from cpstats.figures.figures import is_withheld

    if is_withheld(value):
        return "c"
    if value is None:
        return "z"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "x"
    if indicator.dp == 0:
        return str(int(round(value)))
    return f"{float(value):.{indicator.dp}f}"


def _published_index(reference_dir) -> dict[tuple[str, str, str], tuple[object, str]]:
    """``published.csv`` and ``england.csv`` as ``(area_code, year, measure) -> (value, status)``."""
    from cpstats.data.reference import CACHE_CLEARERS, _dir

    if _index.cache_clear not in CACHE_CLEARERS:
        CACHE_CLEARERS.append(_index.cache_clear)  # a new import of the reference tables is read afresh
    return _index(_dir(reference_dir))


@lru_cache(maxsize=4)
def _index(reference_dir: Path) -> dict[tuple[str, str, str], tuple[object, str]]:
    from cpstats.data.reference import ENGLAND_AREA, england_table, published_table

    table = published_table(reference_dir)
    keys = zip(table["area_code"].astype(str), table["year"].astype(str), table["measure"].astype(str))
    index = dict(zip(keys, zip(table["value"].tolist(), table["status"].astype(str))))
    england = england_table(reference_dir)
    for year, measure, value in zip(england["year"].astype(str), england["measure"].astype(str), england["value"].tolist()):
        index.setdefault((ENGLAND_AREA, year, measure), (value, "published"))
    return index


def _published_cell(found, indicator: Indicator) -> str:
    if found is None:
        return "x"
    value, status = found
    if status in ("published", "derived"):
        return _cell(float(value), indicator)
    return status if status in SYMBOLS else "x"


@dataclass(frozen=True)
class Place:
    level: str
    region_code: str = ""
    region_name: str = ""
    new_la_code: str = ""
    old_la_code: str = ""
    la_name: str = ""
    area: str = ""  # its code in published.csv

    def columns(self, year: str) -> list[str]:
        return [time_period(year), TIME_IDENTIFIER, self.level, *ENGLAND, self.region_code, self.region_name,
                self.new_la_code, self.old_la_code, self.la_name]


def _places(la_code: int, la_name: str, reference_dir) -> tuple[Place, list[Place]]:
    """The authority and the places the report compares it with: England, its region, its neighbours."""
    from cpstats.data.comparators import authorities_table, neighbours_of
    from cpstats.data.reference import ENGLAND_AREA

    table = authorities_table(reference_dir).set_index("la_code")
    own = table.loc[int(la_code)]
    authority = Place(LOCAL, own["region_code"], own["region_name"], own["new_la_code"], str(int(la_code)), la_name)
    others = [Place(NATIONAL, area=ENGLAND_AREA),
              Place(REGIONAL, own["region_code"], own["region_name"], area=own["region_code"])]
    for code in neighbours_of(la_code, reference_dir):
        if code in table.index:
            row = table.loc[code]
            others.append(Place(LOCAL, row["region_code"], row["region_name"], row["new_la_code"], str(code),
                                row["la_name"], area=str(code)))
    return authority, others


# ----------------------------------------------------------------- files


@dataclass
class OpenDataFile:
    """One subject's data and metadata, as the rows to write."""

    subject: Subject
    rows: list[list[str]] = field(default_factory=list)

    @property
    def data_name(self) -> str:
        return f"{self.subject.name}.csv"

    @property
    def meta_name(self) -> str:
        return f"{self.subject.name}.meta.csv"

    def meta_rows(self) -> list[list[str]]:
        rows = [["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
                 "filter_hint", "filter_grouping_column"]]
        rows += [[f.col, "Filter", f.label, "", "", "", f.hint, f.grouping] for f in self.subject.filters]
        rows += [[i.col, "Indicator", i.label, "", "%" if i.unit == "percent" else "", str(i.dp), "", ""]
                 for i in self.subject.indicators]
        return rows

    def data_bytes(self) -> bytes:
        return _csv([self.subject.columns, *self.rows])

    def meta_bytes(self) -> bytes:
        return _csv(self.meta_rows())


def _csv(rows: Sequence[Sequence[str]], *, escape: bool = True) -> bytes:
    """Rows as CSV (UTF-8, ``\\n`` line ends); with ``escape``, text a spreadsheet would take for a formula after
    a ``'`` (:func:`cpstats.publish.downloads.csv_text`). The site's join writes cells read back from the
    reports' files, escaped when they were written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if escape:
        from cpstats.publish.downloads import csv_text

        rows = [[csv_text(cell) for cell in row] for row in rows]
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def open_data_files(flat_years: Mapping[str, Mapping[str, object]], la_code: int, la_name: str,
                    reference_dir=None) -> list[OpenDataFile]:
    """Every subject's file from the protected flat figures of each covered year (oldest first).

    ``flat_years`` is :attr:`cpstats.figures.figures.Figures.flat`: ``year -> name -> value``, withheld
    values :class:`~cpstats.figures.figures.Withheld` (or ``[c]``). A subject no year has a figure of
    is left out.
    """
    authority, others = _places(la_code, la_name, reference_dir)
    index = _published_index(reference_dir)
    files = []
    for subject in SUBJECTS:
        out = OpenDataFile(subject)
        if not any(name in flat for flat in flat_years.values() for _, names in subject.rows(flat)
                   for name in names.values()):
            continue  # no year has a figure of it; otherwise every year is in the file, a missing figure x
        for year in sorted(flat_years):
            flat = flat_years[year]
            for filters, names in subject.rows(flat):
                cells = [_cell(flat[names[i.col]], i) if names.get(i.col) in flat
                         else ("x" if i.col in names else "z") for i in subject.indicators]
                out.rows.append([*authority.columns(year), *filters, *cells])
            comparable = [i for i in subject.indicators if i.published]
            if not comparable:
                continue
            for place in others:
                cells = [_published_cell(index.get((place.area, year, i.published)), i) if i.published else "x"
                         for i in subject.indicators]
                if all(c == "x" for c in cells):
                    continue
                out.rows.append([*place.columns(year), *subject.total, *cells])
        if out.rows:
            files.append(out)
    return files


def guidance_text(files: Sequence[OpenDataFile], *, la_name: str, years: Sequence[str], draft: bool,
                  threshold: int | None) -> str:
    """The data guidance: what each file holds, its sources, its symbols (plain text, UTF-8)."""
    first, last = years[0], years[-1]
    lines = [f"Child protection statistics: open data for {la_name}, {first} to {last}", ""]
    if draft:
        lines += ["INTERNAL DRAFT, NOT FOR PUBLICATION: these files hold every count, small numbers included;",
                  "a person could be identified from them. Publish only the files of a public build.", ""]
    lines += [
        "These files follow the Department for Education's standard for open data in explore-education-statistics:",
        "tidy CSV files (UTF-8), one row per year, place and filter, each with a .meta.csv describing its filters",
        "and indicators.", "",
        "Time: time_period 201718 with time_identifier \"Financial year\" is 1 April 2017 to 31 March 2018, the",
        "reporting year of the Department's children in need statistics (its own files label it \"Reporting year\" 2018).",
        "", "Files", "-----",
    ]
    for f in files:
        lines += [f"{f.data_name} (metadata {f.meta_name}): {f.subject.title}.", f"  {f.subject.about}",
                  f"  {len(f.rows)} rows; filters: {', '.join(x.col for x in f.subject.filters) or 'none'}; "
                  f"indicators: {', '.join(i.col for i in f.subject.indicators)}.", ""]
    lines += [
        "Sources", "-------",
        f"Rows for {la_name} (geographic_level \"Local authority\" with its own code) are computed by cpstats",
        "from the authority's record-level data, the same figures as the report's tables."
        + ("" if draft else " Counts of people from 1 to"
           f" {threshold} are withheld (c), with further figures withheld so that none can be worked out."),
        "Rows for England (\"National\"), the region (\"Regional\") and the statistical neighbours (other \"Local",
        "authority\" rows) are the Department for Education's published children in need statistics",
        "(explore-education-statistics, files c1, c4, d3 and d5; rates per 10,000 from the ONS mid-year estimate",
        "of children aged 0 to 17), shown on the Total row of the subjects the report compares, for the figures",
        "the Department publishes; the others are x. Neighbours are the Department's 2025 benchmarking list.",
        "", "Symbols", "-------",
        *[f"{symbol}: {meaning}" for symbol, meaning in SYMBOLS.items()],
        "", "Percentages and rates are to one decimal place, counts are whole numbers.",
    ]
    return "\n".join(lines) + "\n"


def write_open_data(site_dir: Path, figures, la_code: int, la_name: str, reference_dir=None) -> list[Path]:
    """Write ``open-data/`` into a report: every subject's CSV and ``.meta.csv``, and the data guidance.

    ``figures`` is the report's :class:`~cpstats.figures.figures.Figures`: in a public report, protected.
    Returns the files written.
    """
    files = open_data_files(figures.flat, la_code, la_name, reference_dir)
    folder = Path(site_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for f in files:
        (folder / f.data_name).write_bytes(f.data_bytes())
        (folder / f.meta_name).write_bytes(f.meta_bytes())
        written += [folder / f.data_name, folder / f.meta_name]
    policy = figures.policy
    text = guidance_text(files, la_name=la_name, years=sorted(figures.flat), draft=not policy.public,
                         threshold=policy.threshold)
    (folder / GUIDANCE).write_bytes(text.encode("utf-8"))
    written.append(folder / GUIDANCE)
    return written


# ----------------------------------------------------------------- the whole site


def _read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def site_open_data(out_root: Path) -> dict[str, tuple[list[list[str]], bytes]]:
    """The open data of every authority of a site in one file per subject: ``name -> (rows, meta bytes)``.

    Each authority's latest report holds every year it covers (earlier years as their own reports
    show them), so its files are read; rows for England, regions and neighbours are kept once, and
    a neighbour that is an authority of the site keeps only its own computed rows.
    """
    latest: dict[str, Path] = {}
    for folder in sorted(Path(out_root).glob(f"*/*/{FOLDER}")):
        la, year = folder.parent.parent.name, folder.parent.name
        if len(year) == 7 and year[4] == "-" and (folder.parent / "manifest.json").is_file():
            if la not in latest or year > latest[la].parent.name:
                latest[la] = folder
    reports = [latest[la] for la in sorted(latest)]
    own: dict[Path, str] = {}
    for folder in reports:
        for path in sorted(folder.glob("*.csv")):
            rows = _read_rows(path)
            if len(rows) > 1 and not path.name.endswith(".meta.csv"):
                own[folder] = rows[1][STANDARD_COLUMNS.index("old_la_code")]
                break
    sites_codes = set(own.values())
    merged: dict[str, tuple[list[list[str]], bytes]] = {}
    for subject in SUBJECTS:
        header, rows, meta, seen = None, [], None, set()
        width = len(STANDARD_COLUMNS) + len(subject.filters)
        for folder in reports:
            path, meta_path = folder / f"{subject.name}.csv", folder / f"{subject.name}.meta.csv"
            if not path.is_file() or not meta_path.is_file():
                continue
            found = _read_rows(path)
            if header is None:
                header, meta = found[0], meta_path.read_bytes()
            if found[0] != header:
                continue  # written by another version of cpstats: its columns differ
            code = own.get(folder)
            for row in found[1:]:
                level, row_code = row[2], row[STANDARD_COLUMNS.index("old_la_code")]
                if level == LOCAL and row_code != code and row_code in sites_codes:
                    continue  # another authority of the site: its own rows are the ones to keep
                key = tuple(row[:width])
                if key not in seen:
                    seen.add(key)
                    rows.append(row)
        if header is not None:
            order = {NATIONAL: 0, REGIONAL: 1, LOCAL: 2}
            rows.sort(key=lambda r: (r[0], r[STANDARD_COLUMNS.index("old_la_code")] not in sites_codes,
                                     order.get(r[2], 3)))
            merged[subject.name] = ([header, *rows], meta)
    return merged


SITE_BUNDLE = "open-data-all-files.zip"
"""The site's one download of its joined open data, beside them in ``open-data/``."""


def write_site_open_data(out_root: Path, *, draft: bool = False) -> Path | None:
    """Write ``<out_root>/open-data/``: every subject across the site's authorities and years, its
    metadata and guidance; the folder is replaced whole. ``None`` when no report has open data."""
    import os
    import shutil

    out_root = Path(out_root)
    merged = site_open_data(out_root)
    target = out_root / FOLDER
    if not merged:
        return None
    files: dict[str, bytes] = {}
    lines = ["Child protection statistics: open data for every authority and year of this site", ""]
    if draft:
        lines += ["INTERNAL DRAFT, NOT FOR PUBLICATION: these files hold every count, small numbers included;",
                  "a person could be identified from them.", ""]
    lines += ["The files of each authority's latest report, joined: the same columns, one row per year, place and",
              "filter. Each report's own data-guidance.txt (in <authority>/<year>/open-data/) describes the",
              "columns, sources and symbols.", "", "Files", "-----"]
    for name, (rows, meta) in merged.items():
        files[f"{name}.csv"], files[f"{name}.meta.csv"] = _csv(rows, escape=False), meta
        lines.append(f"{name}.csv (metadata {name}.meta.csv): {len(rows) - 1} rows")
    lines += ["", "Symbols", "-------", *[f"{symbol}: {meaning}" for symbol, meaning in SYMBOLS.items()]]
    from cpstats.publish.zipfiles import CHECKSUMS, checksummed_zip

    lines += ["", f"{SITE_BUNDLE} holds every file above and {CHECKSUMS}, their SHA-256 checksums; each report's",
              "own zip (<authority>/<year>/child-protection-<authority>-<year>-all-files.zip) holds its PDF,",
              "tables, workbooks and open data."]
    files[GUIDANCE] = ("\n".join(lines) + "\n").encode("utf-8")
    files[SITE_BUNDLE] = checksummed_zip(list(files.items()))
    if target.is_dir() and sorted(p.name for p in target.iterdir()) == sorted(files) and \
            all((target / name).read_bytes() == data for name, data in files.items()):
        return target  # the same files: nothing to replace
    fresh = out_root / f".{FOLDER}.new-{os.getpid()}-"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    for name, data in files.items():
        (fresh / name).write_bytes(data)
    old = out_root / f".{FOLDER}.old-{os.getpid()}-"
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)
    return target
