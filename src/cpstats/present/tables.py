"""Tables of the report, built from computed measures.

Each function takes a report's protected figures (``report.values``: the
measures of :func:`cpstats.figures.measures.compute_measures`, with any value
the disclosure policy withholds as a :class:`~cpstats.figures.figures.Withheld`,
shown ``[c]``) and, where a table compares, England's figures, and returns a
:class:`pandas.DataFrame` whose column names and cells are what the reader
sees: counts with thousands separators, percentages to one decimal place, and
the GSS symbol ``[z]`` where a percentage is not applicable. No table holds
record-level data.

:func:`to_markdown` writes a table as a pandoc pipe table with a caption, the
form both renderers (pandoc to HTML and pandoc to Typst) and Quarto read as a
real table; :func:`show` wraps that for display in a notebook.

Examples
--------
>>> table = category_table({"EMO": 20, "NEG": 18, "PHY": 0, "SAB": 2, "MUL": 0})
>>> table.iloc[0].tolist()
['Emotional abuse', '20', '50.0%']
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

import pandas as pd

from cpstats.figures.figures import CONFIDENTIAL, is_withheld
from cpstats.data.periods import ReportingYear
from cpstats.present.numbers import format_count, format_percent, format_rate, percent_of

__all__ = [
    "NOT_APPLICABLE_SYMBOL",
    "NOT_AVAILABLE_SYMBOL",
    "CATEGORY_LABELS",
    "AGE_LABELS",
    "SEX_LABELS",
    "DURATION_LABELS",
    "ICPC_BAND_LABELS",
    "ETHNICITY_LABELS",
    "breakdown_table",
    "category_table",
    "categories_table",
    "demand_table",
    "funnel_rows",
    "rate_table",
    "icpc_timeliness_table",
    "age_table",
    "sex_table",
    "ethnic_group_table",
    "ethnicity_table",
    "disability_table",
    "reviews_table",
    "repeat_plans_table",
    "duration_table",
    "conferences_table",
    "comparison_table",
    "performance_table",
    "ended_plans_table",
    "conferences_held_table",
    "children_at_conferences_table",
    "domestic_abuse_table",
    "agency_attendance_table",
    "audits_by_month_table",
    "audit_grades_table",
    "feedback_table",
    "trend_table",
    "key_plan_table",
    "local_figures_table",
    "to_markdown",
    "withheld_note",
    "holds_withheld",
    "WITHHELD_SYMBOL",
    "TABLE_MIME",
    "table_payload",
    "TableDisplay",
    "show",
]

NOT_APPLICABLE_SYMBOL = "[z]"
"""GSS symbol for a value that is not applicable (e.g. a percentage of zero)."""
NOT_AVAILABLE_SYMBOL = "[x]"
"""GSS symbol for a value that is not available (e.g. no England figure)."""

CATEGORY_LABELS = {
    "EMO": "Emotional abuse",
    "NEG": "Neglect",
    "PHY": "Physical abuse",
    "SAB": "Sexual abuse",
    "MUL": "Multiple categories",
}
AGE_LABELS = {
    "unborn": "Unborn",
    "under_1": "Under 1",
    "1_to_4": "1 to 4",
    "5_to_9": "5 to 9",
    "10_to_15": "10 to 15",
    "16_plus": "16 and over",
}
SEX_LABELS = {"M": "Male", "F": "Female", "U": "Unborn or unknown"}
DISABILITY_LABELS = {"Y": "Disabled", "N": "Not disabled"}
DURATION_LABELS = {
    "3_months_or_less": "3 months or less",
    "over_3_to_6_months": "Over 3 months to 6 months",
    "over_6_months_to_under_1_year": "Over 6 months to under 1 year",
    "1_to_under_2_years": "1 year to under 2 years",
    "2_years_or_more": "2 years or more",
}
ICPC_BAND_LABELS = {
    "0_to_10": "0 to 10 working days",
    "11_to_15": "11 to 15 working days",
    "16_to_20": "16 to 20 working days",
    "21_plus": "21 working days or more",
}
CONFERENCE_LABELS = {
    "ICPC": "Initial conferences",
    "RCPC": "Review conferences",
    "TRANSFER_IN": "Transfer-in conferences",
    "total": "All conferences",
}
ETHNICITY_LABELS = {
    "WBRI": "White British",
    "WIRI": "White Irish",
    "WIRT": "Traveller of Irish Heritage",
    "WOTH": "Any other White background",
    "WROM": "Gypsy/Roma",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Caribbean",
    "BAFR": "African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}
"""DfE's descriptions of the CIN census ethnicity codes."""


# ----------------------------------------------------------------- cells


def _count(value: int | None) -> str:
    if is_withheld(value):
        return WITHHELD_SYMBOL
    return NOT_AVAILABLE_SYMBOL if value is None else format_count(value)


WITHHELD_SYMBOL = "[c]"
"""A table cell the disclosure policy withholds (GSS: confidential)."""


def withheld_note(threshold: int) -> str:
    """What ``[c]`` means, said under every table and chart that holds one (in a public report).

    The same words under every such table, whichever of its cells are small counts and whichever were
    withheld to protect them: saying per cell (or per table) which ``[c]`` is a small count would tell
    a reader that the others are larger than the threshold, and a total less a count known to be at
    least 6 can pin the small one it protects (a total of 7 split into a small count and a larger one
    is 1 and 6).

    >>> withheld_note(5)
    '[c]: withheld to protect confidentiality: a count of people from 1 to 5, a larger figure withheld so that such a count cannot be worked out from the totals and other figures, or a rate or percentage worked out from one of these.'
    """
    return (f"{WITHHELD_SYMBOL}: withheld to protect confidentiality: a count of people from 1 to {threshold}, a larger "
            "figure withheld so that such a count cannot be worked out from the totals and other figures, or a rate or "
            "percentage worked out from one of these.")


def holds_withheld(rows: Sequence[Sequence[object]]) -> bool:
    """Whether any cell of a table's rows is ``[c]``.

    >>> holds_withheld([["Neglect", "[c]"]]), holds_withheld([["Neglect", "18"]])
    (True, False)
    """
    return any(str(cell).strip() == WITHHELD_SYMBOL for row in rows for cell in row)


def _percent(value: float | None) -> str:
    return NOT_APPLICABLE_SYMBOL if value is None else format_percent(value, places=1)


def _rate(value: float | None) -> str:
    return NOT_AVAILABLE_SYMBOL if value is None else format_rate(value)


# ----------------------------------------------------------------- breakdowns


def breakdown_table(
    counts: Mapping[str, int],
    labels: Mapping[str, str],
    *,
    label_heading: str,
    count_heading: str = "Children",
    total: bool = True,
    whole=None,
) -> pd.DataFrame:
    """A breakdown as rows of label, count and percentage of the total.

    Parameters
    ----------
    counts : mapping
        Count per key, e.g. ``{"EMO": 20, "NEG": 18}``.
    labels : mapping
        Words for each key, in the order the rows should follow.
    label_heading, count_heading : str
        Column headings.
    total : bool
        Add a ``Total`` row.
    whole
        The total the parts add up to, as the figures state it (by default their sum).

    Returns
    -------
    pandas.DataFrame
        Columns ``label_heading``, ``count_heading`` and ``%``.
    """
    whole = sum(counts.values()) if whole is None else whole
    rows = [
        (labels[key], _count(counts.get(key, 0)), _percent(percent_of(counts.get(key, 0), whole)))
        for key in labels
    ]
    if total:
        rows.append(("Total", _count(whole), _percent(percent_of(whole, whole))))
    return pd.DataFrame(rows, columns=[label_heading, count_heading, "%"])


def category_table(counts: Mapping[str, int], count_heading: str = "Children", whole=None) -> pd.DataFrame:
    """Children (or plans) by category of abuse, largest category first.

    >>> category_table({"EMO": 1, "NEG": 3, "PHY": 0, "SAB": 0, "MUL": 0})["Category of abuse"].tolist()[:2]
    ['Neglect', 'Emotional abuse']
    """
    order = sorted(CATEGORY_LABELS, key=lambda code: _largest_first(counts.get(code, 0)))
    labels = {code: CATEGORY_LABELS[code] for code in order}
    return breakdown_table(counts, labels, label_heading="Category of abuse", count_heading=count_heading,
                           whole=whole)


def _largest_first(value) -> tuple:
    """Sort key: the largest count first, withheld counts after every shown one (their order would tell)."""
    return (1, 0) if is_withheld(value) else (0, -value)


def categories_table(measures: Mapping, year: ReportingYear) -> pd.DataFrame:
    """The three category counts side by side: during the year, at plan start, at 31 March."""
    columns = {
        f"Children with a plan during {year.label} (latest category)":
            (measures["category_during_year"], measures.get("children_with_plan_during_year")),
        f"Plans started in {year.label} (initial category)": (measures["initial_category_of_starts"], measures.get("plan_starts")),
        f"Plans open on 31 March {year.end.year} (latest category)": (measures["latest_category_at_31_march"], None),
    }
    table = pd.DataFrame({"Category of abuse": list(CATEGORY_LABELS.values())})
    for heading, (counts, _) in columns.items():
        table[heading] = [_count(counts.get(code, 0)) for code in CATEGORY_LABELS]
    totals = ["Total"] + [_count(_total(counts, whole)) for counts, whole in columns.values()]
    table.loc[len(table)] = totals
    return table


def _total(counts: Mapping, whole=None):
    """The total of a breakdown: the figure that states it when it equals the parts' sum, else the sum."""
    parts = sum(counts.values())
    if whole is not None and (is_withheld(parts) or (not is_withheld(whole) and whole == parts)):
        return whole
    return parts


# ----------------------------------------------------------------- section 8


from cpstats.present.measure_labels import LABELS  # noqa: E402  (one label per measure, without pandas)


def _rows(*names: str) -> tuple[tuple[str, str], ...]:
    """A table's rows: each measure's one label (:data:`LABELS`) and its name."""
    return tuple((LABELS[name], name) for name in names)


DEMAND_ROWS = _rows("referrals", "s47_enquiries", "icpc_requests", "icpcs", "icpc_threshold_not_met", "plan_starts",
                    "plan_ends", "children_with_plan_during_year", "families_with_plan_during_year",
                    "unborn_at_plan_start", "children_on_plan_at_31_march")
"""The rows of :func:`demand_table`: the words the reader sees and the measure's name."""


def demand_table(current: Mapping, previous: Mapping | None, year: ReportingYear) -> pd.DataFrame:
    """Referrals through to plans, for the year and the year before.

    Parameters
    ----------
    current, previous : mapping
        Measures of the year and of the year before (``previous`` may be ``None``).
    year : ReportingYear
        The reporting year; its label and the previous year's head the columns.
    """
    rows = dict(DEMAND_ROWS)
    table = pd.DataFrame({"Measure": list(rows)})
    if previous is not None:
        table[year.previous().label] = [_count(previous.get(name)) for name in rows.values()]
    table[year.label] = [_count(current.get(name)) for name in rows.values()]
    return table


FUNNEL_MEASURES = tuple(LABELS[name] for name in ("referrals", "s47_enquiries", "icpc_requests", "icpcs"))
"""The rows of :func:`demand_table` that follow a referral to its initial conference."""


def funnel_rows(demand: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`demand_table` from referral to initial conference, for a chart."""
    return demand[demand["Measure"].isin(FUNNEL_MEASURES)]


RATE_ROWS = _rows("cpp_rate_per_10000_at_31_march", "plan_start_rate_per_10000")


def rate_table(measures: Mapping, la_name: str, year: ReportingYear, england: Mapping[str, object],
               previous: Mapping | None = None) -> pd.DataFrame:
    """Rates per 10,000 children under 18: the authority (the year before and the year) and England, same year.

    ``england`` maps a measure name to :func:`cpstats.data.reference.england_value`'s
    answer (a ``(value, source)`` pair or ``None``).
    """
    return comparison_table(RATE_ROWS, measures, la_name, year, england, previous)


def icpc_timeliness_table(measures: Mapping) -> pd.DataFrame:
    """Children at an initial conference by working days from the start of the section 47 enquiry (the
    conferences are counted per child, as DfE counts them, so the column is "Children")."""
    return breakdown_table(
        measures["icpc_working_days_bands"], ICPC_BAND_LABELS,
        label_heading="Working days from section 47 start", count_heading="Children",
    )


# ----------------------------------------------------------------- section 10


def age_table(measures: Mapping) -> pd.DataFrame:
    """Children with a plan during the year by age at 31 March (or at plan end)."""
    return breakdown_table(measures["age_bands"], AGE_LABELS, label_heading="Age", whole=_children(measures, "age_bands"))


def sex_table(measures: Mapping) -> pd.DataFrame:
    """Children with a plan during the year by sex."""
    return breakdown_table(measures["sex"], SEX_LABELS, label_heading="Sex", whole=_children(measures, "sex"))


def ethnic_group_table(measures: Mapping) -> pd.DataFrame:
    """Children with a plan during the year by DfE major ethnic group."""
    groups = measures["ethnicity"]["by_group"]
    return breakdown_table(groups, {group: group for group in groups}, label_heading="Ethnic group",
                           whole=_total(groups, measures.get("children_with_plan_during_year")))


def ethnicity_table(measures: Mapping, *, hide_zero: bool = True) -> pd.DataFrame:
    """Children with a plan during the year by DfE ethnicity, most common first.

    ``hide_zero`` leaves out the codes no child has, so the table stays short.
    """
    counts = measures["ethnicity"]["by_code"]
    codes = [code for code in ETHNICITY_LABELS if counts.get(code, 0) or not hide_zero]
    codes.sort(key=lambda code: _largest_first(counts.get(code, 0)))
    return breakdown_table(counts, {code: ETHNICITY_LABELS[code] for code in codes}, label_heading="Ethnicity",
                           whole=_total(counts, measures.get("children_with_plan_during_year")))


def disability_table(measures: Mapping) -> pd.DataFrame:
    """Children with a plan during the year by disability."""
    return breakdown_table(measures["disability"], DISABILITY_LABELS, label_heading="Disability",
                           whole=_children(measures, "disability"))


def _children(measures: Mapping, name: str):
    """The children with a plan during the year, as the total of one of their breakdowns."""
    return _total(measures[name], measures.get("children_with_plan_during_year"))


# ----------------------------------------------------------------- sections 11 to 13


def _measure_cell(name: str, value) -> str:
    """A value in the form its measure is shown: a percentage, a rate per 10,000 or a count."""
    if name.endswith("_pct"):
        return _percent(value)
    if "per_10000" in name:
        return _rate(value)
    return _count(value)


def _comparable(name: str) -> bool:
    """Whether England's figure can stand beside an authority's: a rate or percentage, not a count."""
    return name.endswith("_pct") or "per_10000" in name


def comparison_table(
    rows: Sequence[tuple[str, str]],
    current: Mapping,
    la_name: str,
    year: ReportingYear,
    england: Mapping[str, object] | None = None,
    previous: Mapping | None = None,
    intervals: bool = False,
) -> pd.DataFrame:
    """Headline measures with their comparators, each column labelled with its year.

    Columns: ``Measure``; the authority in the year before (when ``previous``
    is given); the authority in the year; with ``intervals``, its 95% interval
    (:func:`cpstats.figures.uncertainty.interval_for`: ``[c]`` for a withheld
    figure, ``[x]`` where the report shows no counts to work it from, ``[z]``
    for a count); England in the same year (``[x]`` where England publishes no
    such figure).

    Parameters
    ----------
    rows : sequence of (str, str)
        The heading the reader sees and the measure's name.
    current, previous : mapping
        Measures of the year and of the year before.
    england : mapping
        Measure name to :func:`cpstats.data.reference.england_value`'s answer.

    Examples
    --------
    >>> year = ReportingYear.parse("2017-18")
    >>> comparison_table([("Referrals", "referrals")], {"referrals": 305}, "Rutland", year,
    ...                  {"referrals": (655630, "DfE")}, {"referrals": 412}).iloc[0].tolist()
    ['Referrals', '412', '305', '[z]']
    """
    england = england or {}

    def national(name: str) -> str:
        value = england.get(name)
        if not _comparable(name):  # England's count beside an authority's says nothing: [z]
            return NOT_APPLICABLE_SYMBOL
        return NOT_AVAILABLE_SYMBOL if value is None else _measure_cell(name, value[0])

    table = pd.DataFrame({"Measure": [heading for heading, _ in rows]})
    if previous is not None:
        table[f"{la_name} {year.previous().label}"] = [_measure_cell(name, previous.get(name)) for _, name in rows]
    table[f"{la_name} {year.label}"] = [_measure_cell(name, current.get(name)) for _, name in rows]
    if intervals:
        table[f"95% interval {year.label}"] = [_interval_cell(name, current) for _, name in rows]
    table[f"England {year.label}"] = [national(name) for _, name in rows]
    return table


def _interval_cell(name: str, current: Mapping) -> str:
    """A rate's or percentage's 95% interval as a table shows it ("20.0 to 27.4"), from the year's figures.

    >>> _interval_cell("cpp_rate_per_10000_at_31_march", {"cpp_rate_per_10000_at_31_march": 23.3,
    ...                "children_on_plan_at_31_march": 19, "population": 8166})
    '14.0 to 36.3'
    >>> _interval_cell("plan_starts", {"plan_starts": 20}), _interval_cell("reviews_in_timescale_pct", {})
    ('[z]', '[x]')
    """
    from cpstats.figures.figures import flatten
    from cpstats.figures.uncertainty import Interval, interval_for

    if not _comparable(name):
        return NOT_APPLICABLE_SYMBOL
    found = interval_for(name, flatten(current))
    if is_withheld(found):
        return CONFIDENTIAL
    return str(found) if isinstance(found, Interval) else NOT_AVAILABLE_SYMBOL


REVIEW_ROWS = _rows("reviews_in_timescale_pct", "on_plan_2_years_or_more_at_31_march",
                    "on_plan_2_years_or_more_at_31_march_pct")
REPEAT_PLAN_ROWS = _rows("plan_starts", "second_or_subsequent_plan_pct", "second_plan_within_2_years_pct")
PERFORMANCE_ROWS = _rows("icpc_within_15_working_days_pct", "reviews_in_timescale_pct",
                         "rereferrals_within_12_months_pct", "ended_plans_2_years_or_more_pct")


ENDED_PLAN_ROWS = _rows("plan_ends", "ended_plans_2_years_or_more_pct")


COMPARATOR_LABELS = {name: LABELS[name] for name in (
    "cpp_rate_per_10000_at_31_march", "plan_start_rate_per_10000", "second_or_subsequent_plan_pct",
    "reviews_in_timescale_pct", "ended_plans_2_years_or_more_pct", "on_plan_2_years_or_more_at_31_march_pct")}


def comparators_table(measures: Mapping, comparisons: Mapping, la_name: str, year: ReportingYear) -> pd.DataFrame | None:
    """The headline measures beside England, the region and the statistical neighbours' average, with the rank.

    ``comparisons`` is :meth:`cpstats.present.context.ReportContext.comparators`' answer; the
    comparators are DfE's published figures. ``None`` where the reference data know no comparator.

    >>> from types import SimpleNamespace as C
    >>> c = C(england=45.9, region=50.3, region_name="East Midlands", neighbours_average=39.3, rank=11, rank_of=11)
    >>> comparators_table({"cpp_rate_per_10000_at_31_march": 23.3}, {"cpp_rate_per_10000_at_31_march": c},
    ...                   "Rutland", ReportingYear.parse("2017-18")).iloc[0].tolist()
    ['Children subject of a plan on 31 March, per 10,000', '23.3', '45.9', '50.3', '39.3', '11 of 11']
    """
    rows = [(name, c) for name, c in comparisons.items()
            if c is not None and name in COMPARATOR_LABELS and measures.get(name) is not None]
    if not rows:
        return None
    region = next((c.region_name for _, c in rows if c.region_name), "Region")

    def published(name: str, value) -> str:
        if isinstance(value, str):
            return value  # DfE's own symbol, e.g. [c]
        return NOT_AVAILABLE_SYMBOL if value is None else _measure_cell(name, value)

    return pd.DataFrame({
        "Measure": [COMPARATOR_LABELS[name] for name, _ in rows],
        f"{la_name} {year.label}": [published(name, measures.get(name)) for name, _ in rows],
        f"England {year.label}": [published(name, c.england) for name, c in rows],
        f"{region} {year.label}": [published(name, c.region) for name, c in rows],
        f"Statistical neighbours' average {year.label}": [published(name, c.neighbours_average) for name, c in rows],
        "Rank among neighbours (1 = lowest)": [
            f"{c.rank} of {c.rank_of}" if c.rank and not is_withheld(measures.get(name)) else NOT_AVAILABLE_SYMBOL
            for name, c in rows],
    })


def ended_plans_table(measures: Mapping, la_name: str, year: ReportingYear, england: Mapping[str, object],
                      previous: Mapping | None = None) -> pd.DataFrame:
    """Plans ended and the share that lasted 2 years or more: the year before, the year and its 95% interval, and
    England the same year."""
    return comparison_table(ENDED_PLAN_ROWS, measures, la_name, year, england, previous, intervals=True)


def reviews_table(measures: Mapping, la_name: str, year: ReportingYear, england: Mapping[str, object],
                  previous: Mapping | None = None) -> pd.DataFrame:
    """Reviews in timescale and long plans: the year before, the year and its 95% interval, and England the same year."""
    return comparison_table(REVIEW_ROWS, measures, la_name, year, england, previous, intervals=True)


def repeat_plans_table(measures: Mapping, la_name: str, year: ReportingYear, england: Mapping[str, object],
                       previous: Mapping | None = None) -> pd.DataFrame:
    """Plans started and the share that were second or subsequent plans, with the 95% interval and comparators."""
    return comparison_table(REPEAT_PLAN_ROWS, measures, la_name, year, england, previous, intervals=True)


def performance_table(measures: Mapping, la_name: str, year: ReportingYear, england: Mapping[str, object],
                      previous: Mapping | None = None) -> pd.DataFrame:
    """Timeliness of conferences and reviews: the year before, the year, and England the same year."""
    return comparison_table(PERFORMANCE_ROWS, measures, la_name, year, england, previous)


def duration_table(measures: Mapping) -> pd.DataFrame:
    """Plans ended in the year by how long they lasted."""
    return breakdown_table(
        measures["ended_plans_by_duration"], DURATION_LABELS,
        label_heading="Length of plan", count_heading="Plans ended",
        whole=_total(measures["ended_plans_by_duration"], measures.get("plan_ends")),
    )


def conferences_table(measures: Mapping) -> pd.DataFrame | None:
    """Conferences held by type, or ``None`` where conferences were not collected."""
    held = measures.get("conferences_held")
    if held is None:
        return None
    return pd.DataFrame({
        "Conference": [CONFERENCE_LABELS[key] for key in CONFERENCE_LABELS],
        "Held": [_count(held.get(key)) for key in CONFERENCE_LABELS],
    })


# ----------------------------------------------------------------- local tables (sections 3, 5, 9, 14)

AGENCY_COLUMNS = ("Invited", "Attended", "% attended", "Reports submitted", "% of reports on time")
AUDIT_GRADE_LABELS = {
    "OUTSTANDING": "Outstanding",
    "GOOD": "Good",
    "REQUIRES_IMPROVEMENT": "Requires improvement",
    "INADEQUATE": "Inadequate",
}
RESPONDENT_LABELS = {
    "PARENT": "Parents",
    "CHILD": "Children and young people",
    "FAMILY_MEMBER": "Other family members",
    "PROFESSIONAL": "Professionals",
}


def _by_year(rows: Sequence[tuple[str, str]], current: Mapping, previous: Mapping | None, year: ReportingYear,
             heading: str = "Measure") -> pd.DataFrame:
    """Rows of (heading, value name) for the year before (when known) and the year.

    A name may reach into a breakdown with a dot, e.g. ``conferences_held.total``.
    """
    def value(values: Mapping, name: str):
        found = values
        for part in name.split("."):
            found = None if found is None else found.get(part)
        return found

    table = pd.DataFrame({heading: [label for label, _ in rows]})
    if previous is not None:
        table[year.previous().label] = [_measure_cell(name, value(previous, name)) for _, name in rows]
    table[year.label] = [_measure_cell(name, value(current, name)) for _, name in rows]
    return table


CONFERENCE_ROWS = _rows("conferences_held.ICPC", "conferences_held.RCPC", "conferences_held.TRANSFER_IN",
                        "conferences_held.total", "conferences_with_domestic_abuse", "conferences_with_domestic_abuse_pct")
CHILDREN_AT_CONFERENCE_ROWS = _rows("children_invited_to_conferences.invited", "children_invited_to_conferences.attended",
                                    "children_with_advocate")
DOMESTIC_ABUSE_ROWS = _rows("conferences_with_domestic_abuse", "conferences_with_domestic_abuse_pct", "marac_victims",
                            "marac_children", "marac_repeat_victims")


def conferences_held_table(current: Mapping, previous: Mapping | None, year: ReportingYear) -> pd.DataFrame | None:
    """Conferences by type and those with domestic abuse as a risk factor, the year before and the year.

    ``None`` where conferences were not collected.
    """
    if current.get("conferences_held") is None:
        return None
    return _by_year(CONFERENCE_ROWS, current, previous, year, heading="Conferences")


def children_at_conferences_table(current: Mapping, previous: Mapping | None, year: ReportingYear) -> pd.DataFrame | None:
    """Children invited to and attending their conferences, and supported by an advocate."""
    if current.get("children_invited_to_conferences") is None:
        return None
    return _by_year(CHILDREN_AT_CONFERENCE_ROWS, current, previous, year, heading="Children")


def domestic_abuse_table(current: Mapping, previous: Mapping | None, year: ReportingYear) -> pd.DataFrame | None:
    """Domestic abuse at conferences and the Multi Agency Risk Assessment Conference (MARAC)."""
    if current.get("conferences_held") is None and current.get("marac_victims") is None:
        return None
    return _by_year(DOMESTIC_ABUSE_ROWS, current, previous, year)


def agency_attendance_table(measures: Mapping) -> pd.DataFrame | None:
    """Per agency: conferences invited to and attended, reports submitted and on time, with all agencies.

    ``None`` where attendance was not collected.

    >>> row = agency_attendance_table({"agency_attendance": {"Police": {"invited": 51, "attended": 21,
    ...     "attended_pct": 41.2, "reports_submitted": 36, "reports_on_time_pct": 72.2}}}).iloc[0]
    >>> row.tolist()
    ['Police', '51', '21', '41.2%', '36', '72.2%']
    """
    agencies = measures.get("agency_attendance")
    if not agencies:  # not collected, or no conference in the year
        return None
    rows = [
        (agency, _count(a["invited"]), _count(a["attended"]), _percent(a["attended_pct"]),
         _count(a["reports_submitted"]), _percent(a["reports_on_time_pct"]))
        for agency, a in agencies.items()
    ]
    return pd.DataFrame(rows, columns=["Agency", *AGENCY_COLUMNS])


def audits_by_month_table(values: Mapping, target: int) -> pd.DataFrame | None:
    """Case audits completed each month against the monthly target, with the year's total.

    ``values`` holds :func:`cpstats.figures.measures.compute_local_measures`' ``case_audits_by_month``.
    """
    months = values.get("case_audits_by_month")
    if months is None:
        return None
    met = sum(count >= target for count in months.values())
    rows = [
        (pd.Period(month).strftime("%B %Y"), _count(count), _count(target), "Yes" if count >= target else "No")
        for month, count in months.items()
    ]
    rows.append(("Total", _count(sum(months.values())), _count(target * len(months)),
                 f"{format_count(met)} of {format_count(len(months))} months"))
    table = pd.DataFrame(rows, columns=["Month", "Case audits", "Target", "Target met"])
    return table


def audit_grades_table(values: Mapping) -> pd.DataFrame | None:
    """Case audits in the year by grade."""
    grades = values.get("case_audit_grades")
    if grades is None:
        return None
    return breakdown_table(grades, AUDIT_GRADE_LABELS, label_heading="Grade", count_heading="Case audits")


def feedback_table(values: Mapping) -> pd.DataFrame | None:
    """Feedback forms from conferences by respondent: forms, average rating (1 to 5), % rating 4 or 5."""
    feedback = values.get("feedback_by_respondent")
    if feedback is None:
        return None
    rows = [
        (RESPONDENT_LABELS[key], _count(f["forms"]),
         NOT_APPLICABLE_SYMBOL if f["mean_rating"] is None else format_rate(f["mean_rating"]),
         _percent(f["good_pct"]))
        for key, f in feedback.items()
    ]
    return pd.DataFrame(rows, columns=["Respondent", "Forms returned", "Average rating (1 to 5)",
                                       "Rating good or very good, 4 or 5 (%)"])


# ----------------------------------------------------------------- trends and the key plan

TREND_ROWS = {
    "referrals": "Referrals",
    "plan_starts": "Child Protection Plans started",
    "children_on_plan_at_31_march": "Children subject of a plan on 31 March",
    "cpp_rate_per_10000_at_31_march": "{la_name}: children subject of a plan on 31 March, per 10,000",
    "england:cpp_rate_per_10000_at_31_march": "England: children subject of a plan on 31 March, per 10,000",
}
"""The rows of :func:`trend_table`: the measure's name and the words the reader sees."""


def trend_table(trend: pd.DataFrame, la_name: str) -> pd.DataFrame:
    """Headline measures over the years, one column per year (oldest first).

    ``trend`` is :func:`cpstats.figures.trends.headline_trend`'s answer: one row per
    year (indexed by its label), one column per measure name, ``england:``
    before the name for England's figure; a missing value is ``None``.
    """
    rows = [name for name in TREND_ROWS if name in trend.columns]
    table = pd.DataFrame({"Measure": [TREND_ROWS[name].format(la_name=la_name) for name in rows]})
    for year, values in trend.iterrows():
        table[str(year)] = [_measure_cell(name.split(":")[-1], _missing_as_none(values[name])) for name in rows]
    return table


def _missing_as_none(value):
    return None if value is None or (isinstance(value, float) and value != value) else value


def local_figures_table(local: Mapping[str, Mapping]) -> pd.DataFrame | None:
    """The figures from other sources (:attr:`cpstats.present.context.ReportContext.local_figures`), one row
    each with its source (its note in brackets after its description): ``None`` when there are none. A percentage to one decimal place, as in every table;
    a withheld count of people ``[c]``."""
    if not local:
        return None
    rows = []
    for row in local.values():
        value = row["value"]
        if is_withheld(value):
            shown = CONFIDENTIAL
        elif row["unit"] == "percent":
            shown = format_percent(value, places=1)
        else:
            shown = f"{value:,}"
        note = row.get("note") or ""
        rows.append({"Figure": f"{row['description']} ({note})" if note else row["description"], "Value": shown,
                     "Source": row["source"]})
    return pd.DataFrame(rows)


def key_plan_table(plan: pd.DataFrame) -> pd.DataFrame:
    """The key plan: one row per action, with who will carry it out (``[x]`` when not said)."""
    return plan.assign(Who=plan["Who"].where(plan["Who"] != "", NOT_AVAILABLE_SYMBOL))


# ----------------------------------------------------------------- output


_NUMERIC_CELL = re.compile(r"^[+-]?[\d,]*\.?\d+%?$|^\[[cxz]\]$")


def _alignment(table: pd.DataFrame) -> tuple[str, ...]:
    """Left-align the first column and any column of words; right-align columns of numbers.

    >>> _alignment(pd.DataFrame({"Action": ["Audit"], "Who": ["SQAS"], "Audits": ["20"], "%": ["[z]"]}))
    ('left', 'left', 'right', 'right')
    """
    def numeric(column) -> bool:
        return all(_NUMERIC_CELL.match(str(cell).strip()) for cell in table[column])

    return ("left",) + tuple("right" if numeric(c) else "left" for c in table.columns[1:])


def to_markdown(table: pd.DataFrame, caption: str | None = None) -> str:
    """A pandoc pipe table, with its caption below it when given.

    >>> print(to_markdown(pd.DataFrame({"Age": ["Under 1"], "Children": ["2"]}), "Children by age"))
    | Age     |   Children |
    |:--------|-----------:|
    | Under 1 |          2 |
    <BLANKLINE>
    : Children by age
    """
    text = table.to_markdown(index=False, colalign=_alignment(table), disable_numparse=True)
    if caption:
        text += f"\n\n: {caption}"
    return text


TABLE_MIME = "application/vnd.cpstats.table+json"
"""The MIME type of a table's machine-readable copy in a notebook's output."""


def table_payload(table: pd.DataFrame, caption: str | None = None, source: str | None = None,
                  download_only: bool = False) -> dict:
    """A table as JSON-ready data: caption, column headings and rows of cells as shown.

    >>> table_payload(pd.DataFrame({"Age": ["Under 1"], "Children": ["2"]}), "By age")
    {'caption': 'By age', 'source': None, 'columns': ['Age', 'Children'], 'rows': [['Under 1', '2']]}
    """
    payload = {
        "caption": caption,
        "source": source,
        "columns": [str(column) for column in table.columns],
        "rows": [[str(cell) for cell in row] for row in table.itertuples(index=False, name=None)],
    }
    if download_only:
        payload["download_only"] = True
    return payload


def table_file_stem(section: str, number: int, download_only: bool = False) -> str:
    """The file name (without extension) of a section's ``number``-th table, or of its ``number``-th table offered
    for download only (:func:`offer`), which has a numbering of its own.

    >>> table_file_stem("08_numbers", 3), table_file_stem("08_numbers", 1, download_only=True)
    ('08_numbers-3', '08_numbers-download-1')
    """
    return f"{section}-download-{number}" if download_only else f"{section}-{number}"


class TableDisplay:
    """A table as a notebook shows it.

    Its output holds the pandoc pipe table the renderers lay out
    (``text/markdown``) and a machine-readable copy of the same cells
    (:data:`TABLE_MIME`), from which the build writes the table's CSV and its
    sheet of the report's workbook.
    """

    def __init__(self, table: pd.DataFrame, caption: str | None = None, source: str | None = None,
                 withheld: Sequence[dict] = (), download_only: bool = False):
        self.table = table
        self.caption = caption
        self.source = source
        self.withheld = list(withheld)
        self.download_only = download_only

    @property
    def data(self) -> str:
        """The Markdown shown (as :class:`IPython.display.Markdown` has it); for a table offered for download only,
        a line saying so (a report lays out a link to its CSV instead)."""
        if self.download_only:
            return f"*For download only (CSV, {len(self.table)} rows): {self.caption or 'table'}*"
        return to_markdown(self.table, self.caption)

    def _repr_markdown_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        # the notebook's text/plain copy: the table itself, never a memory address, so that the same
        # table gives the same executed notebook (and the same assembly key) on every run
        return self.data

    def _repr_mimebundle_(self, include=None, exclude=None):
        # the cells withheld (see show) go in the output's metadata: kept in the executed notebook for the
        # build's suppression log, never shown
        metadata = {TABLE_MIME: {"withheld": self.withheld}} if self.withheld else {}
        return {"text/markdown": self.data,
                TABLE_MIME: table_payload(self.table, self.caption, self.source, self.download_only)}, metadata


DEFAULT_SOURCE = "the authority's own records, computed by cpstats"
"""The source line of a table or chart that names no other: every one has a source line (Code of Practice)."""


def show(table: pd.DataFrame, caption: str | None = None, source: str | None = None) -> TableDisplay:
    """Display a table in a notebook: as Markdown for the reader, and as data for the downloads.

    Every table has a source line: ``source``, or :data:`DEFAULT_SOURCE` for a table of the authority's own figures.

    The table is built from the report's protected figures, so in a public report
    what the policy withholds is already ``[c]`` in the page, the PDF and the
    downloads alike; nothing is decided here.

    Returns
    -------
    TableDisplay
        The object to display (the last expression of a cell, or ``display(...)``).
    """
    return TableDisplay(table, caption, source or DEFAULT_SOURCE)


def offer(table: pd.DataFrame, caption: str, source: str | None = None) -> TableDisplay:
    """Offer a table for download only: too long for the page (every English authority), it is a CSV and a sheet
    of the workbook like every table shown, and the page links to its CSV where the notebook displays it (HTML
    only; the PDF holds no files). Built from the report's protected figures, like every table."""
    return TableDisplay(table, caption, source or DEFAULT_SOURCE, download_only=True)
