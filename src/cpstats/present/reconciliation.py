"""Reconciliation: the authority's figures as DfE published them beside the ones this report computes.

DfE publishes each authority's children in need figures from the CIN census
return, an extract made once, after the year ends, and checked by DfE. This
report computes its figures from the authority's record-level data as
extracted for the report, usually later. The two can differ where records were
added, corrected, merged or closed between the two extracts. Showing both side
by side, with the difference, lets a reader see how close they are and which
one a number comes from.

The published figures come from ``data/reference/published.csv`` (see
:func:`cpstats.data.reference.published_figures`); a published cell DfE suppressed
keeps its GSS symbol, e.g. ``[c]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd

from cpstats.data.periods import ReportingYear
from cpstats.data.reference import ENGLAND_MEASURES, published_figures
from cpstats.figures.figures import CONFIDENTIAL, is_withheld
from cpstats.present.numbers import format_count, format_percent, format_rate
from cpstats.present.tables import NOT_AVAILABLE_SYMBOL, _measure_cell

__all__ = ["RECONCILED_MEASURES", "reconcile", "reconciliation_table", "reconciliation_sentence", "EXPLANATION"]

RECONCILED_MEASURES = {
    "referrals": "Referrals",
    "rereferrals_within_12_months_pct": "Re-referrals within 12 months (%)",
    "s47_enquiries": "Section 47 enquiries",
    "icpcs": "Children at an Initial Child Protection Conference",
    "icpc_within_15_working_days_pct": "Initial conferences within 15 working days (%)",
    "plan_starts": "Child Protection Plans started",
    "plan_start_rate_per_10000": "Plans started, per 10,000 children",
    "children_on_plan_at_31_march": "Children subject of a plan on 31 March",
    "cpp_rate_per_10000_at_31_march": "Children subject of a plan on 31 March, per 10,000",
    "plan_ends": "Child Protection Plans ended",
    "second_or_subsequent_plan_pct": "Second or subsequent plans (%)",
    "on_plan_2_years_or_more_at_31_march": "Children on a plan for 2 years or more on 31 March",
    "ended_plans_2_years_or_more_pct": "Plans ended that lasted 2 years or more (%)",
    "reviews_in_timescale_pct": "Children with all reviews in timescale (%)",
}
"""The measures DfE publishes for each authority, in report order, with the words the reader sees."""

EXPLANATION = (
    "DfE's figures come from the children in need census return, an extract of the case records made "
    "once, after the year ends, and checked by DfE. This report's figures are computed from the "
    "authority's own record-level data as extracted for the report. Records added, corrected, merged or "
    "closed between the two extracts make the two differ; a difference is not an error in either. "
    "A figure DfE suppressed to protect small numbers is shown as [c], and a difference that cannot be "
    "worked out as [x]."
)
"""Why the two sets of figures differ: census return against local data."""


def reconcile(measures: Mapping, published: Mapping) -> pd.DataFrame:
    """One row per measure DfE published: the name, the computed value, the published value, the difference.

    ``published`` is :func:`cpstats.data.reference.published_figures`' answer: a
    number, or a GSS symbol string where DfE suppressed it. The difference is
    computed minus published, ``None`` where either is not a number.

    >>> reconcile({"referrals": 305}, {"referrals": 308.0}).iloc[0].tolist()
    ['referrals', 305, 308, -3]
    """
    rows = []
    for name in RECONCILED_MEASURES:
        if name not in published or name not in ENGLAND_MEASURES:
            continue
        ours, theirs = measures.get(name), _as_count(name, published[name])
        numeric = isinstance(theirs, (int, float)) and ours is not None
        difference = None
        if numeric:
            difference = ours - theirs if isinstance(ours, int) and isinstance(theirs, int) else round(ours - theirs, 1)
        rows.append((name, ours, theirs, difference))
    return pd.DataFrame(rows, columns=["measure", "computed", "published", "difference"], dtype=object)


def _cell(name: str, value) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return NOT_AVAILABLE_SYMBOL
    return _measure_cell(name, value)


def _difference(name: str, value) -> str:
    if value is None:
        return NOT_AVAILABLE_SYMBOL
    if is_withheld(value):  # worked out from a withheld figure: it would give the figure back
        return CONFIDENTIAL
    # a difference is no count of children; in a public report show() withholds it with the count it comes from
    shown = format_rate(abs(value)) if isinstance(value, float) else format_count(abs(value))
    return ("+" if value > 0 else "-" if value < 0 else "") + shown


def reconciliation_table(reconciled: pd.DataFrame, la_name: str, year: ReportingYear) -> pd.DataFrame:
    """The reconciliation as the reader sees it, each column labelled with its source and year."""
    return pd.DataFrame({
        "Measure": [RECONCILED_MEASURES[name] for name in reconciled["measure"]],
        f"This report, {year.label} (local data)": [_cell(n, v) for n, v in zip(reconciled["measure"], reconciled["computed"])],
        f"Published by DfE, {year.label} (census)": [_cell(n, v) for n, v in zip(reconciled["measure"], reconciled["published"])],
        "Difference (this report minus DfE)": [_difference(n, v) for n, v in zip(reconciled["measure"], reconciled["difference"])],
    })


def _said(name: str, value) -> str:
    """A value as a sentence states it: in a public report a small count is "fewer than 6" (a table shows it as ``[c]``)."""
    if isinstance(value, int) and not isinstance(value, bool) and not name.endswith("_pct") and "per_10000" not in name:
        return format_count(value)
    if name.endswith("_pct") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_percent(value)  # prose rounds percentages to whole numbers; the table keeps one decimal
    return _cell(name, value)


def _lower_first(text: str) -> str:
    """A label inside a sentence: its first letter small, proper names and dates as they are.

    >>> _lower_first("Children subject of a plan on 31 March")
    'children subject of a plan on 31 March'
    """
    return text[:1].lower() + text[1:]


def reconciliation_sentence(reconciled: pd.DataFrame, la_name: str, year: ReportingYear) -> str:
    """How many published figures agree, and where they differ most (the table beside it gives each; the
    commentary explains why, measure by measure). :data:`EXPLANATION` is the general reason, for notes."""
    if reconciled.empty:
        return (
            f"DfE's published figures for {la_name} for {year.label} are not in the reference data, "
            "so they cannot be set beside this report's."
        )
    compared = reconciled[[d is not None and not is_withheld(d) for d in reconciled["difference"]]]
    differ = compared[[d != 0 for d in compared["difference"]]]
    hidden = len(reconciled) - len(compared)
    text = (
        f"DfE published {format_count(len(reconciled))} of this report's figures for {la_name} for "
        f"{year.label}. {format_count(len(compared) - len(differ))} of the "
        f"{format_count(len(compared))} that can be compared agree exactly"
    )
    if len(differ):
        largest = max(differ.itertuples(), key=lambda r: abs(r.difference) / max(abs(r.published), 1))
        text += (f"; the table sets out the other {format_count(len(differ))}, the largest relative difference being in "
                 f"{_lower_first(RECONCILED_MEASURES[largest.measure])} ({_said(largest.measure, largest.computed)} here, "
                 f"{_said(largest.measure, largest.published)} published)")
    text += "."
    if hidden:
        text += (f" {format_count(hidden)} {'was' if hidden == 1 else 'were'} suppressed by DfE or in this report, "
                 "or cannot be compared.")
    return text


def published_for(la_code: int | str, year: ReportingYear | str, reference_dir: Path | str | None = None) -> dict:
    """The authority's DfE-published figures for the year: counts as whole numbers, suppressed ones as their symbol.

    See :func:`cpstats.data.reference.published_figures`.
    """
    figures = published_figures(la_code, ReportingYear.parse(year).label, reference_dir)
    return {name: _as_count(name, value) for name, value in figures.items()}


def _as_count(name: str, value):
    is_count = not (name.endswith("_pct") or "per_10000" in name)
    return int(value) if is_count and isinstance(value, float) and value.is_integer() else value
