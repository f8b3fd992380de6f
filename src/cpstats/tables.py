"""Tables of the report, built from computed measures.

Each function takes the measures of :func:`cpstats.metrics.compute_measures`
(and, where a table compares, England's figures) and returns a
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

from typing import Mapping, Sequence

import pandas as pd

from cpstats.periods import ReportingYear
from cpstats.sentences import format_count, format_percent, format_rate, percent_of

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
    "to_markdown",
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
    return NOT_AVAILABLE_SYMBOL if value is None else format_count(value)


def _percent(value: float | None) -> str:
    return NOT_APPLICABLE_SYMBOL if value is None else format_percent(value, places=1)


def _rate(value: float | None) -> str:
    return NOT_AVAILABLE_SYMBOL if value is None else format_rate(value)


def _england(value) -> str:
    """England's figure from a ``(value, source)`` pair, or ``[x]``."""
    if value is None:
        return NOT_AVAILABLE_SYMBOL
    number = value[0]
    return format_rate(number) if isinstance(number, float) else format_count(number)


# ----------------------------------------------------------------- breakdowns


def breakdown_table(
    counts: Mapping[str, int],
    labels: Mapping[str, str],
    *,
    label_heading: str,
    count_heading: str = "Children",
    total: bool = True,
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

    Returns
    -------
    pandas.DataFrame
        Columns ``label_heading``, ``count_heading`` and ``%``.
    """
    whole = sum(counts.values())
    rows = [
        (labels[key], _count(counts.get(key, 0)), _percent(percent_of(counts.get(key, 0), whole)))
        for key in labels
    ]
    if total:
        rows.append(("Total", _count(whole), _percent(percent_of(whole, whole))))
    return pd.DataFrame(rows, columns=[label_heading, count_heading, "%"])


def category_table(counts: Mapping[str, int], count_heading: str = "Children") -> pd.DataFrame:
    """Children (or plans) by category of abuse, largest category first.

    >>> category_table({"EMO": 1, "NEG": 3, "PHY": 0, "SAB": 0, "MUL": 0})["Category of abuse"].tolist()[:2]
    ['Neglect', 'Emotional abuse']
    """
    order = sorted(CATEGORY_LABELS, key=lambda code: -counts.get(code, 0))
    labels = {code: CATEGORY_LABELS[code] for code in order}
    return breakdown_table(counts, labels, label_heading="Category of abuse", count_heading=count_heading)


def categories_table(measures: Mapping, year: ReportingYear) -> pd.DataFrame:
    """The three category counts side by side: during the year, at plan start, at 31 March."""
    columns = {
        f"Children with a plan during {year.label} (latest category)": measures["category_during_year"],
        f"Plans started in {year.label} (initial category)": measures["initial_category_of_starts"],
        f"Plans open on 31 March {year.end.year} (latest category)": measures["latest_category_at_31_march"],
    }
    table = pd.DataFrame({"Category of abuse": list(CATEGORY_LABELS.values())})
    for heading, counts in columns.items():
        table[heading] = [_count(counts.get(code, 0)) for code in CATEGORY_LABELS]
    totals = ["Total"] + [_count(sum(counts.values())) for counts in columns.values()]
    table.loc[len(table)] = totals
    return table


# ----------------------------------------------------------------- section 8


def demand_table(current: Mapping, previous: Mapping | None, year: ReportingYear) -> pd.DataFrame:
    """Referrals through to plans, for the year and the year before.

    Parameters
    ----------
    current, previous : mapping
        Measures of the year and of the year before (``previous`` may be ``None``).
    year : ReportingYear
        The reporting year; its label and the previous year's head the columns.
    """
    rows = {
        "Referrals": "referrals",
        "Section 47 strategy discussions": "s47_enquiries",
        "Requests for an Initial Child Protection Conference": "icpc_requests",
        "Children at an Initial Child Protection Conference": "icpcs",
        "Children for whom the conference threshold was not met": "icpc_threshold_not_met",
        "Child Protection Plans started": "plan_starts",
        "Child Protection Plans ended": "plan_ends",
        "Children subject of a plan during the year": "children_with_plan_during_year",
        "Families of those children": "families_with_plan_during_year",
        "Of those children, unborn when the plan started": "unborn_at_plan_start",
        "Children subject of a plan on 31 March": "children_on_plan_at_31_march",
    }
    table = pd.DataFrame({"Measure": list(rows)})
    if previous is not None:
        table[year.previous().label] = [_count(previous.get(name)) for name in rows.values()]
    table[year.label] = [_count(current.get(name)) for name in rows.values()]
    return table


FUNNEL_MEASURES = (
    "Referrals",
    "Section 47 strategy discussions",
    "Requests for an Initial Child Protection Conference",
    "Children at an Initial Child Protection Conference",
)
"""The rows of :func:`demand_table` that follow a referral to its initial conference."""


def funnel_rows(demand: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`demand_table` from referral to initial conference, for a chart."""
    return demand[demand["Measure"].isin(FUNNEL_MEASURES)]


def rate_table(measures: Mapping, la_name: str, year: ReportingYear, england: Mapping[str, object]) -> pd.DataFrame:
    """Rates per 10,000 children under 18 for the authority and England, same year.

    ``england`` maps a measure name to :func:`cpstats.reference.england_value`'s
    answer (a ``(value, source)`` pair or ``None``).
    """
    rows = {
        "Children subject of a plan on 31 March, per 10,000": "cpp_rate_per_10000_at_31_march",
        "Plans started in the year, per 10,000": "plan_start_rate_per_10000",
    }
    return pd.DataFrame({
        "Measure": list(rows),
        f"{la_name} {year.label}": [_rate(measures.get(name)) for name in rows.values()],
        f"England {year.label}": [_england(england.get(name)) for name in rows.values()],
    })


def icpc_timeliness_table(measures: Mapping) -> pd.DataFrame:
    """Initial conferences by working days from the start of the section 47 enquiry."""
    return breakdown_table(
        measures["icpc_working_days_bands"], ICPC_BAND_LABELS,
        label_heading="Working days from section 47 start", count_heading="Conferences",
    )


# ----------------------------------------------------------------- section 10


def age_table(measures: Mapping) -> pd.DataFrame:
    """Children with a plan during the year by age at 31 March (or at plan end)."""
    return breakdown_table(measures["age_bands"], AGE_LABELS, label_heading="Age")


def sex_table(measures: Mapping) -> pd.DataFrame:
    """Children with a plan during the year by sex."""
    return breakdown_table(measures["sex"], SEX_LABELS, label_heading="Sex")


def ethnic_group_table(measures: Mapping) -> pd.DataFrame:
    """Children with a plan during the year by DfE major ethnic group."""
    groups = measures["ethnicity"]["by_group"]
    return breakdown_table(groups, {group: group for group in groups}, label_heading="Ethnic group")


def ethnicity_table(measures: Mapping, *, hide_zero: bool = True) -> pd.DataFrame:
    """Children with a plan during the year by DfE ethnicity, most common first.

    ``hide_zero`` leaves out the codes no child has, so the table stays short.
    """
    counts = measures["ethnicity"]["by_code"]
    codes = [code for code in ETHNICITY_LABELS if counts.get(code, 0) or not hide_zero]
    codes.sort(key=lambda code: -counts.get(code, 0))
    return breakdown_table(counts, {code: ETHNICITY_LABELS[code] for code in codes}, label_heading="Ethnicity")


def disability_table(measures: Mapping) -> pd.DataFrame:
    """Children with a plan during the year by disability."""
    return breakdown_table(measures["disability"], DISABILITY_LABELS, label_heading="Disability")


# ----------------------------------------------------------------- sections 11 to 13


def _comparison_table(rows: Sequence[tuple[str, str, object]], measures: Mapping, la_name: str, year: ReportingYear) -> pd.DataFrame:
    """Rows of (heading, measure name, England value) for the authority and England."""
    def cell(name: str) -> str:
        value = measures.get(name)
        return _percent(value) if name.endswith("_pct") else _count(value)

    def national(name: str, value) -> str:
        if value is None:
            return NOT_AVAILABLE_SYMBOL
        return _percent(value[0]) if name.endswith("_pct") else _england(value)

    return pd.DataFrame({
        "Measure": [heading for heading, _, _ in rows],
        f"{la_name} {year.label}": [cell(name) for _, name, _ in rows],
        f"England {year.label}": [national(name, value) for _, name, value in rows],
    })


def reviews_table(measures: Mapping, la_name: str, year: ReportingYear, england: Mapping[str, object]) -> pd.DataFrame:
    """Reviews in timescale and long plans, for the authority and England, same year."""
    rows = [
        ("Children on a plan for 3 months or more with all reviews in timescale (%)",
         "reviews_in_timescale_pct", england.get("reviews_in_timescale_pct")),
        ("Children on a plan for 2 years or more on 31 March",
         "on_plan_2_years_or_more_at_31_march", england.get("on_plan_2_years_or_more_at_31_march")),
    ]
    return _comparison_table(rows, measures, la_name, year)


def repeat_plans_table(measures: Mapping, la_name: str, year: ReportingYear, england: Mapping[str, object]) -> pd.DataFrame:
    """Plans started and the share that were second or subsequent plans."""
    rows = [
        ("Child Protection Plans started", "plan_starts", england.get("plan_starts")),
        ("Second or subsequent plans, ever (%)", "second_or_subsequent_plan_pct",
         england.get("second_or_subsequent_plan_pct")),
        ("Second plans within 2 years of the previous one ending (%)", "second_plan_within_2_years_pct", None),
    ]
    return _comparison_table(rows, measures, la_name, year)


def duration_table(measures: Mapping) -> pd.DataFrame:
    """Plans ended in the year by how long they lasted."""
    return breakdown_table(
        measures["ended_plans_by_duration"], DURATION_LABELS,
        label_heading="Length of plan", count_heading="Plans ended",
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


# ----------------------------------------------------------------- output


def _alignment(table: pd.DataFrame) -> tuple[str, ...]:
    """Left-align the first column, right-align the others (they hold numbers)."""
    return ("left",) + ("right",) * (len(table.columns) - 1)


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


def show(table: pd.DataFrame, caption: str | None = None):
    """Display a table in a notebook as Markdown, the form the renderers turn into a table.

    Returns
    -------
    IPython.display.Markdown
        The object to display (the last expression of a cell, or ``display(...)``).
    """
    from IPython.display import Markdown

    return Markdown(to_markdown(table, caption))
