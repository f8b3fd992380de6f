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
from cpstats.present.tables import LABELS, NOT_AVAILABLE_SYMBOL, _measure_cell

__all__ = ["CONFERENCE_SOURCES", "SOURCES_NOTE", "conference_check", "sources_table",
           "FEW_RECORDS", "RECONCILED_MEASURES", "reconcile", "reconciliation_table", "reconciliation_sentence", "EXPLANATION",
           "possible_cause", "LARGE_DIFFERENCE", "CAUSE_COLUMN"]

RECONCILED_MEASURES = {name: LABELS[name] for name in (
    "referrals", "rereferrals_within_12_months_pct", "s47_enquiries", "icpcs", "icpc_within_15_working_days_pct",
    "plan_starts", "plan_start_rate_per_10000", "children_on_plan_at_31_march", "cpp_rate_per_10000_at_31_march",
    "plan_ends", "second_or_subsequent_plan_pct", "on_plan_2_years_or_more_at_31_march",
    "ended_plans_2_years_or_more_pct", "reviews_in_timescale_pct")}
"""The measures DfE publishes for each authority, in report order, with the words the reader sees."""

EXPLANATION = (
    "DfE's figures come from the children in need census return, an extract of the case records made "
    "once, after the year ends, and checked by DfE. This report's figures are computed from the "
    "authority's own record-level data as extracted for the report. Records added, corrected, merged or "
    "closed between the two extracts make the two differ; a difference is not an error in either. "
    "A figure DfE suppressed to protect small numbers is shown as [c], and a difference that cannot be "
    "worked out as [x]. The last column says what each difference is consistent with, from its direction "
    "alone: records entered or backdated after the return make a count higher here, records merged or "
    "corrected since make it lower; a difference of more than a tenth of DfE's figure and more than five "
    "records, or in a percentage, is not explained by the data and is marked to check."
)
"""Why the two sets of figures differ: census return against local data."""

LARGE_DIFFERENCE = 0.10
FEW_RECORDS = 5
"""A count differing from DfE's by more than :data:`LARGE_DIFFERENCE` of DfE's figure and by more than
:data:`FEW_RECORDS` records is more than records entered late, merged or corrected usually make: the table
says it is not explained and is to be checked."""

CAUSE_COLUMN = "What the difference is consistent with"

RATE_COUNTS = {"plan_start_rate_per_10000": "plan_starts", "cpp_rate_per_10000_at_31_march": "children_on_plan_at_31_march"}
"""Each rate and the count it is worked out from (a rate's difference follows its count's)."""

MORE_HERE = "More here: records entered or backdated after the census return"
FEWER_HERE = "Fewer here: records merged, deleted or corrected after the census return"
TO_CHECK = "Not explained by the data; to check"
TOO_LARGE = "Larger than late or merged records usually make; not explained by the data; to check"


def possible_cause(name: str, difference, published, reconciled: Mapping[str, object] | None = None) -> str:
    """What a difference (this report minus DfE) is consistent with, stated only where its direction and size
    allow it; otherwise that the data do not explain it.

    A count higher here is what records entered or backdated after the census return make; lower here, what
    records merged, deleted or corrected since make. Either is said only for a difference of at most
    :data:`LARGE_DIFFERENCE` of DfE's figure or at most :data:`FEW_RECORDS` records. A rate follows its count; a percentage's numerator and
    denominator are not published by DfE, so its difference is not explained. A difference that is withheld or
    cannot be worked out has no cause either (its direction would say something of a withheld figure).

    >>> possible_cause("referrals", -3, 308)
    'Fewer here: records merged, deleted or corrected after the census return'
    >>> possible_cause("icpcs", -10, 34)
    'Larger than late or merged records usually make; not explained by the data; to check'
    >>> possible_cause("plan_start_rate_per_10000", -3.7, 28.2, {"plan_starts": -3})
    'Follows its count (Child Protection Plans started), whose difference is in the same direction'
    >>> possible_cause("referrals", 0, 308)
    'Agree'
    """
    if difference is None or is_withheld(difference) or not isinstance(published, (int, float)):
        return NOT_AVAILABLE_SYMBOL if not is_withheld(difference) else CONFIDENTIAL
    if difference == 0:
        return "Agree"
    if name in RATE_COUNTS:
        count = (reconciled or {}).get(RATE_COUNTS[name])
        if isinstance(count, (int, float)) and not is_withheld(count) and count != 0 and (count > 0) == (difference > 0):
            return f"Follows its count ({RECONCILED_MEASURES[RATE_COUNTS[name]]}), whose difference is in the same direction"
        if isinstance(count, (int, float)) and not is_withheld(count) and count == 0:
            return "Its count agrees: a different population estimate; to check"
        return TO_CHECK
    if name.endswith("_pct"):
        return TO_CHECK
    if abs(difference) > max(LARGE_DIFFERENCE * abs(published), FEW_RECORDS):
        return TOO_LARGE
    return MORE_HERE if difference > 0 else FEWER_HERE


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
    """The reconciliation as the reader sees it, each column labelled with its source and year, and what each
    difference is consistent with (:func:`possible_cause`)."""
    differences = dict(zip(reconciled["measure"], reconciled["difference"]))
    return pd.DataFrame({
        "Measure": [RECONCILED_MEASURES[name] for name in reconciled["measure"]],
        f"This report, {year.label} (local data)": [_cell(n, v) for n, v in zip(reconciled["measure"], reconciled["computed"])],
        f"Published by DfE, {year.label} (census)": [_cell(n, v) for n, v in zip(reconciled["measure"], reconciled["published"])],
        "Difference (this report minus DfE)": [_difference(n, v) for n, v in zip(reconciled["measure"], reconciled["difference"])],
        CAUSE_COLUMN: [possible_cause(n, d, p, differences)
                       for n, d, p in zip(reconciled["measure"], reconciled["difference"], reconciled["published"])],
    })


def unexplained(reconciled: pd.DataFrame) -> set[str]:
    """The measures whose difference from DfE's published figure the data do not explain (marked "to check" in
    :func:`reconciliation_table`): a figure not to headline until it is checked.

    >>> unexplained(reconcile({"referrals": 305, "icpcs": 24}, {"referrals": 308, "icpcs": 34}))
    {'icpcs'}
    """
    if reconciled is None or reconciled.empty:
        return set()
    differences = dict(zip(reconciled["measure"], reconciled["difference"]))
    return {n for n, d, p in zip(reconciled["measure"], reconciled["difference"], reconciled["published"])
            if possible_cause(n, d, p, differences).endswith("to check")}


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
        f"{year.label}. Of the {format_count(len(compared))} that can be compared, "
        f"{format_count(len(compared) - len(differ))} agree exactly"
    )
    if len(differ):
        largest = max(differ.itertuples(), key=lambda r: abs(r.difference) / max(abs(r.published), 1))
        text += (f"; the table sets out the other {format_count(len(differ))}, the largest relative difference being in "
                 f"{_lower_first(RECONCILED_MEASURES[largest.measure])} ({_said(largest.measure, largest.computed)} here, "
                 f"{_said(largest.measure, largest.published)} published)")
    text += "."
    if hidden:
        text += (" The remaining figure was" if hidden == 1 else f" The remaining {format_count(hidden)} were") + \
            " suppressed by DfE or in this report, or cannot be compared."
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


# ----------------------------------------------------------------- the conference records beside the case records


CONFERENCE_SOURCES = (
    ("icpcs", "Case records: each child's section 47 enquiry and the date of its initial conference",
     "8. Number of children; 20. Reconciliation with DfE"),
    ("plan_starts", "Case records: each child's Child Protection Plans", "8. Number of children; 12. Repeat plans"),
    ("icpc_threshold_not_met", "The authority's conference records: each child's conference and its outcome",
     "8. Number of children"),
    ("conferences_held.ICPC", "The authority's conference records: each conference held",
     "3. Conference attendance; 9. Abuse categories"),
)
"""The figures about initial conferences, the source each is counted from, and the sections that use it:
the case records (those of the children in need census) and the authority's own conference records are
two sources, which this report sets side by side rather than letting one contradict the other unseen."""

SOURCES_NOTE = (
    "Two sources describe initial conferences: the case records (section 47 enquiries and plans, as the children in "
    "need census has them) and the authority's own conference records (each conference, and for each child whether "
    "the threshold for a plan was met). The table says which source each figure comes from. The check beneath it "
    "compares them: children at an initial conference less plans started should be close to the children for whom "
    "the threshold was not met; a gap of more than a tenth of the children and more than five is marked to check."
)
"""What the sources table is, for the reader."""


def conference_check(values: Mapping[str, object]) -> dict:
    """Whether the conference records agree with the case records, from a year's protected figures.

    ``status`` is ``"agree"``, ``"differ"`` or ``"unknown"`` (a figure withheld or not collected); with the
    children at an initial conference less plans started (``without_plan``, case records) and the children for
    whom the threshold was not met (``not_met``, conference records).

    >>> conference_check({"icpcs": 1308, "plan_starts": 727, "icpc_threshold_not_met": 0})["status"]
    'differ'
    >>> conference_check({"icpcs": 35, "plan_starts": 32, "icpc_threshold_not_met": 3})["status"]
    'agree'
    """
    icpcs, starts, not_met = (values.get(name) for name in ("icpcs", "plan_starts", "icpc_threshold_not_met"))
    found = {"icpcs": icpcs, "plan_starts": starts, "not_met": not_met, "without_plan": None, "status": "unknown"}
    numbers = [icpcs, starts, not_met]
    if any(v is None or is_withheld(v) or not isinstance(v, int) for v in numbers):
        return found
    found["without_plan"] = icpcs - starts
    gap = abs(found["without_plan"] - not_met)
    found["status"] = "differ" if gap > max(LARGE_DIFFERENCE * icpcs, FEW_RECORDS) else "agree"
    return found


def sources_table(values: Mapping[str, object]) -> pd.DataFrame | None:
    """The figures about initial conferences, each with its value, its source and where the report uses it;
    ``None`` when the conference records were not collected (there is then one source only)."""
    from cpstats.present.labels import figure_label
    from cpstats.present.tables import _count

    if values.get("icpc_threshold_not_met") is None:
        return None
    flat = _flat(values)
    return pd.DataFrame({
        "Figure": [figure_label(name) for name, _, _ in CONFERENCE_SOURCES],
        "Value": [_count(flat.get(name)) for name, _, _ in CONFERENCE_SOURCES],
        "Source": [source for _, source, _ in CONFERENCE_SOURCES],
        "Used in": [used for _, _, used in CONFERENCE_SOURCES],
    })


def _flat(values: Mapping[str, object]) -> dict:
    from cpstats.figures.figures import flatten

    return flatten(values)
