"""Every figure in the report's words: the labels its tables give, for a figure's flat name.

A figure's flat name (``referrals``, ``category_during_year.NEG``,
``agency_attendance.Police.attended_pct``) is the key of ``figures.json``, of
commentary placeholders and of ``cpstats metrics --json``; a reader never sees
it. :func:`figure_label` gives the words the report's own tables use for it
(:mod:`cpstats.present.tables`: the rows of its tables and the labels of its
breakdowns), so a comparison for a board, the revisions page and the
definitions appendix name a figure as the report does. A local measure
(:mod:`cpstats.figures.local`) is named by the first line of its docstring.
"""

from __future__ import annotations

from typing import Mapping

from cpstats.present import tables as t

__all__ = ["MEASURE_LABELS", "BREAKDOWN_LABELS", "figure_label", "prose_label", "local_labels", "unit_of"]

MEASURE_LABELS: dict[str, str] = {}
"""A figure's flat name to the words of the row that shows it in the report's tables (first table wins)."""
for _rows in (t.DEMAND_ROWS, t.RATE_ROWS, t.PERFORMANCE_ROWS, t.REVIEW_ROWS, t.REPEAT_PLAN_ROWS, t.ENDED_PLAN_ROWS,
              t.CONFERENCE_ROWS, t.CHILDREN_AT_CONFERENCE_ROWS, t.DOMESTIC_ABUSE_ROWS):
    for _label, _name in _rows:
        MEASURE_LABELS.setdefault(_name, _label)
for _name, _label in t.COMPARATOR_LABELS.items():
    MEASURE_LABELS.setdefault(_name, _label)
MEASURE_LABELS.update({
    "population": "Children aged 0 to 17 (ONS mid-year estimate)",
    "case_audits": "Case audits",
    "months_meeting_audit_target": "Months in which the case audit target was met",
    "audit_target_per_month": "Case audit target per month",
    "audit_months": "Months of case audits",
    "months_below_audit_target": "Months below the case audit target",
    "feedback_forms": "Feedback forms returned",
})

_CHILDREN = "Children subject of a plan during the year"
BREAKDOWN_LABELS: dict[str, tuple[str, Mapping[str, str]]] = {
    "icpc_working_days_bands": ("Children at an initial conference by working days from the section 47 start", t.ICPC_BAND_LABELS),
    "category_during_year": (f"{_CHILDREN} (latest category)", t.CATEGORY_LABELS),
    "initial_category_of_starts": ("Child Protection Plans started (initial category)", t.CATEGORY_LABELS),
    "latest_category_at_31_march": ("Children subject of a plan on 31 March (latest category)", t.CATEGORY_LABELS),
    "ended_plans_by_duration": ("Child Protection Plans ended, length of plan", t.DURATION_LABELS),
    "age_bands": (f"{_CHILDREN}, age", t.AGE_LABELS),
    "sex": (f"{_CHILDREN}, sex", t.SEX_LABELS),
    "disability": (f"{_CHILDREN}, disability", t.DISABILITY_LABELS),
    "ethnicity.by_group": (f"{_CHILDREN}, ethnic group", {}),
    "ethnicity.by_code": (f"{_CHILDREN}, ethnicity", t.ETHNICITY_LABELS),
    "case_audit_grades": ("Case audits graded", t.AUDIT_GRADE_LABELS),
    "case_audits_by_month": ("Case audits", {}),
    "conferences_held": ("Conferences held", t.CONFERENCE_LABELS),
}
"""A breakdown's flat prefix to the words before its part and the labels of its parts, as its table shows them."""

WHOLE_LABELS = {
    **{prefix: words for prefix, (words, _) in BREAKDOWN_LABELS.items()},
    "ethnicity": f"{_CHILDREN}, ethnicity",
    "agency_attendance": "Agency attendance at conferences",
    "feedback_by_respondent": "Feedback from conferences",
    "children_invited_to_conferences": "Children invited to and attending their conference",
    "case_audits_by_month": "Case audits by month",
}
"""A breakdown as a whole (its definition, say) in words."""

_AGENCY_FIELDS = dict(zip(("invited", "attended", "attended_pct", "reports_submitted", "reports_on_time_pct"),
                          t.AGENCY_COLUMNS))
_FEEDBACK_FIELDS = {"forms": "Forms returned", "mean_rating": "Average rating (1 to 5)",
                    "good_pct": "Rating good or very good, 4 or 5 (%)"}


def _month(key: str) -> str:
    import pandas as pd

    try:
        return pd.Period(key).strftime("%B %Y")
    except ValueError:
        return key


def local_labels(measures) -> dict[str, str]:
    """The project's local measures (:class:`cpstats.figures.local.LocalMeasure`) named by their docstrings' first line."""
    labels = {}
    for measure in measures:
        doc = (measure.function.__doc__ or "").strip().splitlines()
        labels[measure.name] = doc[0].strip().rstrip(".") if doc and doc[0].strip() else measure.name.replace("_", " ")
    return labels


def figure_label(name: str, local: Mapping[str, str] | None = None) -> str:
    """The words the report uses for a figure's flat name (``local``: the local measures' labels).

    >>> figure_label("referrals"), figure_label("category_during_year.NEG")
    ('Referrals', 'Children subject of a plan during the year (latest category): Neglect')
    >>> figure_label("agency_attendance.Police.attended_pct")
    'Agency attendance at conferences, Police: % attended'
    >>> figure_label("under_5s", {"under_5s": "Children under 5"}), figure_label("case_audits_by_month.2017-04")
    ('Children under 5', 'Case audits: April 2017')
    """
    local = local or {}
    if name in MEASURE_LABELS:
        return MEASURE_LABELS[name]
    if name in local:
        return local[name]
    if name in WHOLE_LABELS:
        return WHOLE_LABELS[name]
    head, _, rest = name.partition(".")
    if head in local:
        return f"{local[head]}: {rest.replace('_', ' ')}"
    if head == "agency_attendance" and "." in rest:
        agency, _, field = rest.rpartition(".")
        return f"Agency attendance at conferences, {agency}: {_AGENCY_FIELDS.get(field, field)}"
    if head == "feedback_by_respondent" and "." in rest:
        who, _, field = rest.rpartition(".")
        return f"Feedback from conferences, {t.RESPONDENT_LABELS.get(who, who)}: {_FEEDBACK_FIELDS.get(field, field)}"
    for prefix, (words, parts) in sorted(BREAKDOWN_LABELS.items(), key=lambda item: -len(item[0])):
        if name.startswith(prefix + "."):
            key = name[len(prefix) + 1:]
            part = parts.get(key) or (_month(key) if prefix == "case_audits_by_month" else key.replace("_", " "))
            return f"{words}: {part}"
    return name.replace("_", " ").replace(".", ": ").capitalize()


def unit_of(name: str) -> str:
    """How a figure is measured: ``percent``, ``rate`` (per 10,000 children), ``mean`` or ``count``.

    >>> [unit_of(n) for n in ("referrals", "reviews_in_timescale_pct", "plan_start_rate_per_10000")]
    ['count', 'percent', 'rate']
    """
    if name.endswith("_pct"):
        return "percent"
    if "per_10000" in name:
        return "rate"
    if name.endswith("mean_rating"):
        return "mean"
    return "count"


UNIT_SUFFIXES = (" (%)", ", per 10,000")
"""What a table's label ends with to give its unit, which a sentence says with the value instead."""


def prose_label(name: str, local: Mapping[str, str] | None = None) -> str:
    """A figure's one label (:func:`figure_label`) as a sentence names it: without the unit a table's label
    ends with (the sentence gives the value with its unit).

    >>> prose_label("rereferrals_within_12_months_pct"), prose_label("referrals")
    ('Re-referrals within 12 months of a previous referral', 'Referrals')
    """
    label = figure_label(name, local)
    for suffix in UNIT_SUFFIXES:
        if label.endswith(suffix):
            return label[: -len(suffix)]
    return label
