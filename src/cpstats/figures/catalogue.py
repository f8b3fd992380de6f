"""What each figure is, and the sums the figures obey: declared here, as data, beside the measures.

The disclosure control (:mod:`cpstats.figures.figures`) and its audit (:mod:`cpstats.figures.audit`)
both read this catalogue; neither guesses a figure's kind or a relation from the characters of a
name. A figure's flat name is ``measure`` or ``measure.key`` (``measure.key.field`` for the two
breakdowns with fields): its **kind** is looked up by the measure (the part before the first
``.``, which is always one of the names below or a declared local measure) and, for a breakdown
with fields, by the field (the part after the last ``.``). The keys in between come from the data
(an agency's name, a respondent) and are never read for their characters.

Kinds:

* ``people``: a count of children, families, victims or forms returned by people; withheld in a
  public report from 1 to the threshold (primary suppression);
* ``count``: a count of something else (conferences, reports, audits, months, a target); never
  withheld;
* ``derived``: a rate, percentage, share or mean worked out from a numerator and a denominator
  (:data:`DERIVED`);
* ``reference``: England's, a region's or the neighbours' figure (published by DfE).

Relations (:data:`SUMS`, :data:`LINEAR`, :func:`declared_relations`): every identity between the
figures that a reader could know from the definitions in ``docs/guide/measures.md`` or could guess
(the parts of a breakdown and its total, the funnel from conference to plan, the flow of plans from
one 31 March to the next, numerator and denominator). A relation is used for a year only where it
holds exactly in that year's data, as a reader who checks it on the published years would find.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import re
from typing import Iterable, Mapping

__all__ = [
    "PEOPLE", "COUNT", "DERIVED_KIND", "REFERENCE", "KINDS", "FIELD_KINDS", "HIDDEN_KINDS", "DERIVED", "SUMS",
    "LINEAR", "PREVIOUS", "measure_of", "declared_kind", "declared_relations", "derived_sources",
    "derived_constraints", "CONFIDENTIAL",
]

PEOPLE, COUNT, DERIVED_KIND, REFERENCE = "people", "count", "derived", "reference"

CONFIDENTIAL = "[c]"
"""How a withheld value is shown (GSS symbol)."""

PREVIOUS = "<previous>"
"""The prefix of a figure of the year before, in the relations between two years."""

HIDDEN_PREFIX = "~"

KINDS: dict[str, str] = {
    # demand
    "referrals": PEOPLE, "rereferrals_within_12_months_pct": DERIVED_KIND, "s47_enquiries": PEOPLE,
    "icpc_requests": PEOPLE, "icpcs": PEOPLE, "icpc_within_15_working_days_pct": DERIVED_KIND,
    "icpc_working_days_bands": PEOPLE,
    # plans
    "children_on_plan_at_31_march": PEOPLE, "cpp_rate_per_10000_at_31_march": DERIVED_KIND, "plan_starts": PEOPLE,
    "plan_start_rate_per_10000": DERIVED_KIND, "plan_ends": PEOPLE, "children_with_plan_during_year": PEOPLE,
    "families_with_plan_during_year": PEOPLE, "unborn_at_plan_start": PEOPLE,
    "second_or_subsequent_plan_pct": DERIVED_KIND, "second_plan_within_2_years_pct": DERIVED_KIND,
    # category, duration and review
    "category_during_year": PEOPLE, "initial_category_of_starts": PEOPLE, "latest_category_at_31_march": PEOPLE,
    "ended_plans_by_duration": PEOPLE, "ended_plans_2_years_or_more_pct": DERIVED_KIND,
    "on_plan_2_years_or_more_at_31_march": PEOPLE, "on_plan_2_years_or_more_at_31_march_pct": DERIVED_KIND,
    "reviews_in_timescale_pct": DERIVED_KIND,
    # conferences (local tables)
    "conferences_held": COUNT, "conferences_with_domestic_abuse": COUNT,
    "conferences_with_domestic_abuse_pct": DERIVED_KIND, "icpc_threshold_not_met": PEOPLE,
    "children_with_advocate": PEOPLE, "children_invited_to_conferences": PEOPLE,
    # profile
    "age_bands": PEOPLE, "sex": PEOPLE, "ethnicity": PEOPLE, "disability": PEOPLE,
    # local tables of the report
    "marac_victims": PEOPLE, "marac_children": PEOPLE, "marac_repeat_victims": PEOPLE,
    "case_audits": COUNT, "case_audits_by_month": COUNT, "case_audit_grades": COUNT,
    "audit_target_per_month": COUNT, "audit_months": COUNT, "months_below_audit_target": COUNT,
    "months_meeting_audit_target": COUNT, "feedback_forms": PEOPLE,
    # the denominator of rates
    "population": COUNT,
}
"""The kind of every measure of the library, by its name (every key of a breakdown has its kind)."""

FIELD_KINDS: dict[str, dict[str, str]] = {
    "agency_attendance": {"invited": COUNT, "attended": COUNT, "attended_pct": DERIVED_KIND,
                          "reports_submitted": COUNT, "reports_on_time_pct": DERIVED_KIND},
    "feedback_by_respondent": {"forms": PEOPLE, "good_pct": DERIVED_KIND, "mean_rating": DERIVED_KIND},
}
"""Breakdowns by a key from the data (an agency, a respondent), each key holding these fields."""

HIDDEN_KINDS: dict[str, str] = {
    "~rereferrals": PEOPLE, "~icpcs_timed": PEOPLE, "~icpcs_within_15_working_days": PEOPLE,
    "~second_or_subsequent_plans": PEOPLE, "~second_plans_within_2_years": PEOPLE, "~children_reviewed": PEOPLE,
    "~children_reviewed_in_time": PEOPLE, "~children_reviewed_late": PEOPLE,
    "~agency_attendance": COUNT, "~feedback_by_respondent": PEOPLE,
}
"""Counts the report does not show but a reader could work out from a percentage (``~`` names)."""

DERIVED: dict[str, tuple[str | None, str]] = {
    "rereferrals_within_12_months_pct": ("~rereferrals", "referrals"),
    "icpc_within_15_working_days_pct": ("~icpcs_within_15_working_days", "~icpcs_timed"),
    "cpp_rate_per_10000_at_31_march": ("children_on_plan_at_31_march", "population"),
    "plan_start_rate_per_10000": ("plan_starts", "population"),
    "second_or_subsequent_plan_pct": ("~second_or_subsequent_plans", "plan_starts"),
    "second_plan_within_2_years_pct": ("~second_plans_within_2_years", "plan_starts"),
    "ended_plans_2_years_or_more_pct": ("ended_plans_by_duration.2_years_or_more", "plan_ends"),
    "on_plan_2_years_or_more_at_31_march_pct": ("on_plan_2_years_or_more_at_31_march", "children_on_plan_at_31_march"),
    "reviews_in_timescale_pct": ("~children_reviewed_in_time", "~children_reviewed"),
    "conferences_with_domestic_abuse_pct": ("conferences_with_domestic_abuse", "conferences_held.total"),
    "agency_attendance.*.attended_pct": ("agency_attendance.*.attended", "agency_attendance.*.invited"),
    "agency_attendance.*.reports_on_time_pct": ("~agency_attendance.*.reports_on_time", "agency_attendance.*.reports_submitted"),
    "feedback_by_respondent.*.good_pct": ("~feedback_by_respondent.*.good", "feedback_by_respondent.*.forms"),
    "feedback_by_respondent.*.mean_rating": (None, "feedback_by_respondent.*.forms"),
}
"""Each derived figure's numerator and denominator (``*`` stands for the same key on both sides).
Names starting ``~`` are counts the report does not show but a reader could work out."""

SCALES: dict[str, float] = {"cpp_rate_per_10000_at_31_march": 10000.0, "plan_start_rate_per_10000": 10000.0}
"""Derived figures that are not percentages: their scale (a rate per 10,000)."""

SUMS: tuple[tuple[str, str, str | tuple[str, ...]], ...] = (
    ("category during the year", "children_with_plan_during_year", "category_during_year.*"),
    ("age", "children_with_plan_during_year", "age_bands.*"),
    ("sex", "children_with_plan_during_year", "sex.*"),
    ("disability", "children_with_plan_during_year", "disability.*"),
    ("ethnic group", "children_with_plan_during_year", "ethnicity.by_group.*"),
    ("ethnicity", "children_with_plan_during_year", "ethnicity.by_code.*"),
    ("initial category", "plan_starts", "initial_category_of_starts.*"),
    ("latest category", "children_on_plan_at_31_march", "latest_category_at_31_march.*"),
    ("duration", "plan_ends", "ended_plans_by_duration.*"),
    ("conference timing", "~icpcs_timed", "icpc_working_days_bands.*"),
    ("conference timing", "icpcs", "icpc_working_days_bands.*"),
    ("within 15 working days", "~icpcs_within_15_working_days",
     ("icpc_working_days_bands.0_to_10", "icpc_working_days_bands.11_to_15")),
    ("feedback forms", "feedback_forms", "feedback_by_respondent.*.forms"),
    ("reviews", "~children_reviewed", ("~children_reviewed_in_time", "~children_reviewed_late")),
    ("children at conferences", "children_invited_to_conferences.invited", ("children_invited_to_conferences.attended",)),
)
"""Totals and their parts: ``(name, total, parts)``; ``measure.*`` is every key of a breakdown (one
level), ``measure.*.field`` that field of every key."""

LINEAR: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    ("from conference to plan", (("icpcs", 1), ("icpc_threshold_not_met", -1), ("plan_starts", -1))),
    ("from conference to plan, with transfers in",
     (("icpcs", 1), ("icpc_threshold_not_met", -1), ("plan_starts", -1), ("conferences_held.TRANSFER_IN", 1))),
    ("from conference to plan, by conferences",
     (("conferences_held.ICPC", 1), ("icpc_threshold_not_met", -1), ("plan_starts", -1))),
    ("flow of plans", ((PREVIOUS + "children_on_plan_at_31_march", 1), ("plan_starts", 1), ("plan_ends", -1),
                       ("children_on_plan_at_31_march", -1))),
    ("children during the year, from the start",
     ((PREVIOUS + "children_on_plan_at_31_march", 1), ("plan_starts", 1), ("children_with_plan_during_year", -1))),
    ("children during the year, to the end",
     (("children_on_plan_at_31_march", 1), ("plan_ends", 1), ("children_with_plan_during_year", -1))),
    ("unborn children", (("unborn_at_plan_start", 1), ("age_bands.unborn", -1))),
    ("unborn children and unknown sex", (("sex.U", 1), ("age_bands.unborn", -1))),
    ("families and children", (("families_with_plan_during_year", 1), ("children_with_plan_during_year", -1))),
    ("requests and conferences", (("icpc_requests", 1), ("icpcs", -1))),
    ("enquiries and conferences", (("s47_enquiries", 1), ("icpcs", -1))),
)
"""Other identities a reader could know or guess: ``(name, ((figure, coefficient), ...))`` summing to 0.
Names starting :data:`PREVIOUS` are the year before's. Each is used only in a year where it holds."""


def measure_of(name: str) -> str:
    """The measure a flat figure belongs to: the part of its name before the first ``.``."""
    return name.split(".", 1)[0]


def declared_kind(name: str, local: Mapping[str, str] | None = None) -> str | None:
    """The declared kind of a flat figure, or ``None`` when nothing declares it.

    >>> declared_kind("agency_attendance.A > B: C.attended"), declared_kind("category_during_year.NEG")
    ('count', 'people')
    >>> declared_kind("~children_reviewed"), declared_kind("<previous>plan_starts")
    ('people', 'people')
    >>> declared_kind("girls", {"girls": "people"}), declared_kind("girls")
    ('people', None)
    """
    if name.startswith(PREVIOUS):
        name = name[len(PREVIOUS):]
    measure = measure_of(name)
    if name.startswith(HIDDEN_PREFIX):
        return HIDDEN_KINDS.get(name, HIDDEN_KINDS.get(measure))
    if measure in FIELD_KINDS:
        return FIELD_KINDS[measure].get(name.rsplit(".", 1)[-1]) if "." in name else None
    if local and measure in local:
        return local[measure]
    return KINDS.get(measure)


def _expand(pattern: str, values: Iterable[str]) -> list[str]:
    """The figures a part of a sum names: ``measure.*`` is every key one level below ``measure``."""
    if "*" not in pattern:
        return [pattern]
    head, _, tail = pattern.partition("*")
    found = []
    for name in values:
        if not name.startswith(head) or not name.endswith(tail) or len(name) < len(head) + len(tail) + 1:
            continue
        key = name[len(head):len(name) - len(tail)] if tail else name[len(head):]
        if tail or "." not in key:  # one level below, or a field of every key (a key may hold dots)
            found.append(name)
    return found


def declared_relations(values: Iterable[str], local_relations: Mapping[str, object] | None = None,
                       ethnic_groups: Mapping[str, str] | None = None) -> list[tuple[str, tuple[tuple[str, int], ...]]]:
    """Every declared identity over the figures named in ``values``: ``(name, ((figure, coefficient), ...))``.

    ``local_relations`` are the local measures' own (:mod:`cpstats.figures.local`): a measure and the
    figures it is the sum of, or ``{"parts_sum_to": figure}`` for a breakdown whose keys sum to a figure.
    Whether each holds is for the caller to check against the year's values.
    """
    names = list(values)
    found: list[tuple[str, tuple[tuple[str, int], ...]]] = []
    for label, total, parts in SUMS:
        members = [p for pattern in ((parts,) if isinstance(parts, str) else parts) for p in _expand(pattern, names)]
        if len(members) >= 1 and total in names:
            found.append((label, ((total, -1), *((p, 1) for p in members))))
    for group in sorted(set((ethnic_groups or {}).values())):
        codes = [f"ethnicity.by_code.{c}" for c, g in ethnic_groups.items() if g == group]
        found.append((f"ethnicity {group}", ((f"ethnicity.by_group.{group}", -1), *((c, 1) for c in codes))))
    found.extend(LINEAR)
    for measure, declared in (local_relations or {}).items():
        if isinstance(declared, Mapping) and "parts_sum_to" in declared:
            found.append((f"{measure} (local)", ((str(declared["parts_sum_to"]), -1),
                                                  *((p, 1) for p in _expand(f"{measure}.*", names)))))
        elif declared:
            found.append((f"{measure} (local)", ((measure, -1), *((str(p), 1) for p in declared))))
    return found


@functools.lru_cache(maxsize=65536)
def derived_sources(name: str) -> tuple[str | None, str] | None:
    """The numerator and denominator of a derived figure's flat name, or ``None``."""
    for pattern, (numerator, denominator) in DERIVED.items():
        if fnmatch.fnmatchcase(name, pattern):
            if "*" not in pattern:
                return numerator, denominator
            regex = "^" + re.escape(pattern).replace(r"\*", "(.+)") + "$"
            key = re.match(regex, name).group(1)
            return (numerator.replace("*", key) if numerator else None), denominator.replace("*", key)
    return None


def derived_constraints(values: Mapping[str, object], names: Iterable[str] | None = None) -> list[tuple]:
    """What each published rate or percentage tells a reader of its counts: ``(terms, low, high, name)``.

    A percentage ``p`` shown to one decimal place of a numerator ``n`` and a denominator ``d`` says
    ``(p - 0.05) * d <= 100 * n <= (p + 0.05) * d``: linear in both counts, whichever of them is
    known. A rate per 10,000 is the same with 10,000 for 100.
    """
    out = []
    for name in (values if names is None else names):
        value = values.get(name)
        sources = derived_sources(name)
        if sources is None or sources[0] is None or str(value) == CONFIDENTIAL or value is None or isinstance(value, bool):
            continue
        if not isinstance(value, (int, float)):
            continue
        numerator, denominator = sources
        scale = SCALES.get(name, 100.0)
        half = 0.05 + 1e-9
        out.append((((numerator, scale), (denominator, -(float(value) + half))), -math.inf, 0.0, name))
        out.append((((numerator, scale), (denominator, -(float(value) - half))), 0.0, math.inf, name))
    return out
