"""Every measure of the report, one function each, as ``docs/guide/measures.md`` defines it.

Each function takes a validated :class:`~cpstats.data.dataset.Dataset` and a
reporting year (a :class:`~cpstats.data.periods.ReportingYear` or a label such as
``"2017-18"``) and returns the exact, unrounded value: an ``int`` count, a
``float`` percentage or rate (``None`` when its denominator is zero, i.e. not
applicable), or a ``dict`` breakdown. :func:`compute_measures` gathers them all
under their stable names, rounded for publication, as ``cpstats metrics
--json`` prints them.

Definitions follow the DfE "Characteristics of children in need" statistics
and the CIN census guide. Notation: the year runs from ``S`` (1 April) to
``E`` (31 March) inclusive. All functions are vectorised with pandas. :func:`compute_measures`
and :func:`compute_local_measures` run them on :meth:`Dataset.keyed
<cpstats.data.dataset.Dataset.keyed>`, where every identifier is an integer key
(:mod:`cpstats.data.keys`), so joins, membership (:func:`cpstats.data.dataset.is_in`) and
counts of distinct children work on integers; each function also answers on the text
identifiers of a plain :class:`~cpstats.data.dataset.Dataset`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from cpstats.data.contract import CATEGORY_CODES, ETHNIC_GROUPS, ETHNICITY_CODES
from cpstats.data.dataset import Dataset, is_in
from cpstats.data.periods import ReportingYear, add_months, working_days

YearLike = ReportingYear | str

ICPC_BANDS = ("0_to_10", "11_to_15", "16_to_20", "21_plus")
DURATION_BANDS = (
    "3_months_or_less",
    "over_3_to_6_months",
    "over_6_months_to_under_1_year",
    "1_to_under_2_years",
    "2_years_or_more",
)
AGE_BANDS = ("unborn", "under_1", "1_to_4", "5_to_9", "10_to_15", "16_plus")
CONFERENCE_TYPES = ("ICPC", "RCPC", "TRANSFER_IN")
ETHNIC_GROUP_ORDER = ("White", "Mixed", "Asian", "Black", "Other", "Not known")


# ----------------------------------------------------------------- helpers


def _year(year: YearLike) -> ReportingYear:
    return ReportingYear.parse(year)


def _in_year(dates: pd.Series, year: YearLike) -> pd.Series:
    y = _year(year)
    return dates.between(y.start, y.end)


def _pct(numerator: int | float, denominator: int | float) -> float | None:
    """A percentage, or ``None`` (not applicable) when the denominator is zero."""
    return None if denominator == 0 else 100.0 * numerator / denominator


def rate_per_10000(count: int, population: int | None) -> float | None:
    """``count / population * 10000``; ``None`` without a population.

    >>> round(rate_per_10000(19, 8166), 1)
    23.3
    """
    if not population:
        return None
    return count / population * 10000


def round_half_up(value: float | None, places: int = 1) -> float | None:
    """Round as published statistics do (0.05 goes up), not banker's rounding.

    >>> round_half_up(20.25), round_half_up(None)
    (20.3, None)
    """
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def _counts(values: pd.Series, keys) -> dict[str, int]:
    counted = values.value_counts()
    return {key: int(counted.get(key, 0)) for key in keys}


def _open_at(plans: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Plans open at the end of ``day``: started by then, not ended by then."""
    return (plans["start_date"] <= day) & (plans["end_date"].isna() | (plans["end_date"] > day))


def plans_open_at_31_march(ds: Dataset, year: YearLike) -> pd.DataFrame:
    """Plans open at ``E``: ``start_date <= E`` and (no ``end_date`` or ``end_date > E``)."""
    plans = ds.cp_plans
    return plans[_open_at(plans, _year(year).end)]


def plans_during_year(ds: Dataset, year: YearLike) -> pd.DataFrame:
    """Plans open at any time in the year: ``start_date <= E`` and (no end or ``end_date >= S``)."""
    y = _year(year)
    plans = ds.cp_plans
    return plans[(plans["start_date"] <= y.end) & (plans["end_date"].isna() | (plans["end_date"] >= y.start))]


def plans_started(ds: Dataset, year: YearLike) -> pd.DataFrame:
    """Plans with ``start_date`` in the year."""
    return ds.cp_plans[_in_year(ds.cp_plans["start_date"], year)]


def plans_ended(ds: Dataset, year: YearLike) -> pd.DataFrame:
    """Plans with ``end_date`` in the year."""
    return ds.cp_plans[_in_year(ds.cp_plans["end_date"], year)]


def latest_plan_in_year(ds: Dataset, year: YearLike) -> pd.DataFrame:
    """Each child's latest plan (by start date, then plan id) among the plans during the year."""
    during = plans_during_year(ds, year)
    return during.sort_values(["child_id", "start_date", "plan_id"]).drop_duplicates("child_id", keep="last")


def conferences_in_year(ds: Dataset, year: YearLike) -> pd.DataFrame | None:
    """Conferences dated in the year, or ``None`` when conferences were not collected."""
    if ds.conferences is None:
        return None
    return ds.conferences[_in_year(ds.conferences["date"], year)]


# ----------------------------------------------------------------- demand


def referrals(ds: Dataset, year: YearLike) -> int:
    """Referrals with ``referral_date`` in the year; each referral counts.

    DfE: "number of referrals received during the year" (CIN census
    ``CINreferralDate``), not the number of children referred.
    """
    return int(_in_year(ds.referrals["referral_date"], year).sum())


def rereferrals_within_12_months_pct(ds: Dataset, year: YearLike) -> float | None:
    """Of the year's referrals, % where the same child had an earlier referral in the 12 months before.

    DfE: a re-referral is a referral "within 12 months of a previous referral"
    of the same child. An earlier referral is one dated in ``[d - 12 months, d)``.
    """
    y = _year(year)
    refs = ds.referrals[["child_id", "referral_date"]]
    refs = refs[refs["referral_date"].between(add_months(y.start, -12), y.end)]
    if not (refs["referral_date"] >= y.start).any():
        return None
    # Sort by child and date; among each child's distinct referral days, the one before is the latest earlier one.
    child = pd.factorize(refs["child_id"])[0]
    date = refs["referral_date"].to_numpy(dtype="datetime64[ns]")
    order = np.lexsort((date, child))
    child, date = child[order], date[order]
    new_day = np.r_[True, (child[1:] != child[:-1]) | (date[1:] != date[:-1])]
    day_child, day_date = child[new_day], date[new_day]
    earlier_day = np.r_[np.datetime64("NaT", "ns"), day_date[:-1]]
    earlier_day[np.r_[True, day_child[1:] != day_child[:-1]]] = np.datetime64("NaT", "ns")
    earlier = pd.Series(earlier_day[np.cumsum(new_day) - 1])
    on = pd.Series(date)
    counted = on >= y.start
    rereferred = counted & earlier.notna() & (earlier >= add_months(on, -12))
    return _pct(int(rereferred.sum()), int(counted.sum()))


def s47_enquiries(ds: Dataset, year: YearLike) -> int:
    """Section 47 enquiries with ``s47_start_date`` in the year (``S47ActualStartDate``)."""
    return int(_in_year(ds.s47_enquiries["s47_start_date"], year).sum())


def icpc_requests(ds: Dataset, year: YearLike) -> int:
    """Of the year's section 47 enquiries, those where an initial conference was requested."""
    s47 = ds.s47_enquiries
    return int((_in_year(s47["s47_start_date"], year) & s47["icpc_requested"]).sum())


def _icpcs_in_year(ds: Dataset, year: YearLike) -> pd.DataFrame:
    s47 = ds.s47_enquiries
    return s47[_in_year(s47["icpc_date"], year)]


def icpcs(ds: Dataset, year: YearLike) -> int:
    """Initial child protection conferences in the year, at child level (``DateOfInitialCPC``)."""
    return len(_icpcs_in_year(ds, year))


def _icpc_working_days(ds: Dataset, year: YearLike) -> np.ndarray:
    """Working days from s47 start to ICPC, for the year's ICPCs held on or after the s47 start."""
    held = _icpcs_in_year(ds, year)
    timed = held[held["icpc_date"] >= held["s47_start_date"]]
    if timed.empty:
        return np.array([], dtype=int)
    return working_days(timed["s47_start_date"], timed["icpc_date"])


def icpc_within_15_working_days_pct(ds: Dataset, year: YearLike) -> float | None:
    """% of the year's ICPCs held within 15 working days of the section 47 start.

    Working days counted in ``(s47 start, ICPC]`` excluding weekends and England
    and Wales bank holidays. Conferences dated before the s47 start count in
    :func:`icpcs` but not here (DfE practice).
    """
    days = _icpc_working_days(ds, year)
    return _pct(int((days <= 15).sum()), len(days))


def icpc_working_days_bands(ds: Dataset, year: YearLike) -> dict[str, int]:
    """The same ICPCs by working days from s47 start: 0-10, 11-15, 16-20, 21 or more."""
    days = _icpc_working_days(ds, year)
    bands = pd.cut(days, bins=[-1, 10, 15, 20, np.inf], labels=ICPC_BANDS)
    return _counts(pd.Series(bands, dtype="object"), ICPC_BANDS)


# ----------------------------------------------------------------- plans


def children_on_plan_at_31_march(ds: Dataset, year: YearLike) -> int:
    """Distinct children with a plan open at 31 March (a plan ending on 31 March is not open)."""
    return int(plans_open_at_31_march(ds, year)["child_id"].nunique())


def plan_starts(ds: Dataset, year: YearLike) -> int:
    """Plans with ``start_date`` in the year (``CPPstartDate``)."""
    return len(plans_started(ds, year))


def plan_ends(ds: Dataset, year: YearLike) -> int:
    """Plans with ``end_date`` in the year (``CPPendDate``)."""
    return len(plans_ended(ds, year))


def children_with_plan_during_year(ds: Dataset, year: YearLike) -> int:
    """Distinct children with a plan open at any time in the year."""
    return int(plans_during_year(ds, year)["child_id"].nunique())


def families_with_plan_during_year(ds: Dataset, year: YearLike) -> int:
    """Distinct ``family_id`` of the children with a plan during the year."""
    children = plans_during_year(ds, year)["child_id"].unique()
    return int(ds.children.loc[is_in(ds.children["child_id"], children), "family_id"].nunique())


def unborn_at_plan_start(ds: Dataset, year: YearLike) -> int:
    """Children with a plan during the year who were unborn when a plan of the year started.

    Unborn: no ``date_of_birth``, or a ``date_of_birth`` after the plan's ``start_date``.
    """
    plans = plans_during_year(ds, year).merge(ds.children[["child_id", "date_of_birth"]], on="child_id")
    unborn = plans["date_of_birth"].isna() | (plans["date_of_birth"] > plans["start_date"])
    return int(plans.loc[unborn, "child_id"].nunique())


def _earlier_plans(ds: Dataset, year: YearLike) -> pd.DataFrame:
    """Each plan started in the year paired with every earlier-starting plan of the same child."""
    starts = plans_started(ds, year)[["plan_id", "child_id", "start_date"]]
    pairs = starts.merge(ds.cp_plans[["child_id", "start_date", "end_date"]], on="child_id", suffixes=("", "_earlier"))
    return pairs[pairs["start_date_earlier"] < pairs["start_date"]]


def second_or_subsequent_plan_pct(ds: Dataset, year: YearLike) -> float | None:
    """% of the year's plan starts that are a child's second or subsequent plan, ever.

    DfE: "regardless of how long ago". A start counts when ``previous_plans >= 1``
    (``NumberOfPreviousCPP``, which may count plans held elsewhere) or the child
    has an earlier plan in the data.
    """
    starts = plans_started(ds, year)
    if starts.empty:
        return None
    repeat = starts["previous_plans"].ge(1) | is_in(starts["plan_id"], _earlier_plans(ds, year)["plan_id"])
    return _pct(int(repeat.sum()), len(starts))


def second_plan_within_2_years_pct(ds: Dataset, year: YearLike) -> float | None:
    """% of the year's plan starts where the child's latest earlier plan ended within the 2 years before.

    A local measure: the earlier plan ended on or after ``start_date - 2 years``.
    It needs the plans' history in the data.
    """
    starts = plans_started(ds, year)
    if starts.empty:
        return None
    pairs = _earlier_plans(ds, year)
    recent = pairs[pairs["end_date"] >= pairs["start_date"] - pd.DateOffset(years=2)]
    return _pct(int(is_in(starts["plan_id"], recent["plan_id"]).sum()), len(starts))


# ----------------------------------------------------------------- category of abuse


def category_during_year(ds: Dataset, year: YearLike) -> dict[str, int]:
    """Children with a plan during the year by the latest category of their latest plan in the year."""
    return _counts(latest_plan_in_year(ds, year)["latest_category"], CATEGORY_CODES)


def initial_category_of_starts(ds: Dataset, year: YearLike) -> dict[str, int]:
    """Plans started in the year by initial category of abuse."""
    return _counts(plans_started(ds, year)["initial_category"], CATEGORY_CODES)


def latest_category_at_31_march(ds: Dataset, year: YearLike) -> dict[str, int]:
    """Plans open at 31 March by latest category of abuse."""
    return _counts(plans_open_at_31_march(ds, year)["latest_category"], CATEGORY_CODES)


# ----------------------------------------------------------------- duration and review


def _duration_band(start: pd.Series, end: pd.Series) -> pd.Series:
    """Band of each plan's length in calendar months, as DfE table D7 bands it."""
    conditions = [
        end <= add_months(start, 3),
        end <= add_months(start, 6),
        end < add_months(start, 12),
        end < add_months(start, 24),
    ]
    return pd.Series(np.select(conditions, DURATION_BANDS[:4], default=DURATION_BANDS[4]), index=start.index)


def ended_plans_by_duration(ds: Dataset, year: YearLike) -> dict[str, int]:
    """Plans ended in the year by duration: 3 months or less, over 3 to 6 months, over 6 months to
    under 1 year, 1 to under 2 years, 2 years or more (calendar months from start to end)."""
    ended = plans_ended(ds, year)
    return _counts(_duration_band(ended["start_date"], ended["end_date"]), DURATION_BANDS)


def ended_plans_2_years_or_more_pct(ds: Dataset, year: YearLike) -> float | None:
    """% of plans ended in the year that lasted 2 years or more."""
    bands = ended_plans_by_duration(ds, year)
    return _pct(bands["2_years_or_more"], sum(bands.values()))


def on_plan_2_years_or_more_at_31_march(ds: Dataset, year: YearLike) -> int:
    """Children on a plan at 31 March whose plan started on or before 31 March two years earlier."""
    y = _year(year)
    open_plans = plans_open_at_31_march(ds, y)
    return int(open_plans.loc[open_plans["start_date"] <= y.end - pd.DateOffset(years=2), "child_id"].nunique())


def plans_reviewed_in_time(ds: Dataset, year: YearLike) -> pd.DataFrame:
    """For each child on a plan at 31 March that started at least 3 months before: were all reviews in time?

    Returns one row per plan with ``plan_id``, ``child_id``, ``start_date``,
    ``reviews`` (number counted) and ``in_time`` (bool). In time: the first
    review on or before ``start + 3 months``, each next one on or before the
    previous review ``+ 6 months``, and at 31 March the next review not yet
    overdue. Only reviews after the start and on or before 31 March count.
    """
    y = _year(year)
    plans = plans_open_at_31_march(ds, y)
    plans = plans.loc[plans["start_date"] <= add_months(y.end, -3), ["plan_id", "child_id", "start_date"]]
    reviews = ds.cp_reviews.merge(plans[["plan_id", "start_date"]], on="plan_id")
    reviews = reviews[(reviews["review_date"] > reviews["start_date"]) & (reviews["review_date"] <= y.end)]
    reviews = reviews.sort_values(["plan_id", "review_date"]).reset_index(drop=True)
    previous = reviews.groupby("plan_id")["review_date"].shift()
    due = add_months(previous, 6).where(previous.notna(), add_months(reviews["start_date"], 3))
    reviews["late"] = reviews["review_date"] > due
    grouped = reviews.groupby("plan_id")
    out = plans.copy()
    out["reviews"] = out["plan_id"].map(grouped.size()).fillna(0).astype(int) if len(reviews) else 0
    any_late = out["plan_id"].map(grouped["late"].any()).fillna(False).astype(bool) if len(reviews) else False
    last_review = out["plan_id"].map(grouped["review_date"].max()) if len(reviews) else pd.Series(pd.NaT, index=out.index)
    last_review = last_review.astype("datetime64[ns]")
    next_due = add_months(last_review, 6).where(last_review.notna(), add_months(out["start_date"], 3))
    out["in_time"] = ~any_late & (y.end <= next_due)
    return out


def reviews_in_timescale_pct(ds: Dataset, year: YearLike) -> float | None:
    """% of children on a plan at 31 March (for 3 months or more) whose reviews were all in time.

    DfE/LAIT "CPP reviewed within required timescales": first review within
    3 months of the plan starting, then at intervals of no more than 6 months.
    """
    checked = plans_reviewed_in_time(ds, year)
    if checked.empty:
        return None
    by_child = checked.groupby("child_id")["in_time"].all()
    return _pct(int(by_child.sum()), len(by_child))


# ----------------------------------------------------------------- conferences


def conferences_held(ds: Dataset, year: YearLike) -> dict[str, int] | None:
    """Conferences dated in the year by type (ICPC, RCPC, TRANSFER_IN) and in total."""
    conf = conferences_in_year(ds, year)
    if conf is None:
        return None
    counts = _counts(conf["conference_type"], CONFERENCE_TYPES)
    return {**counts, "total": len(conf)}


def conferences_with_domestic_abuse(ds: Dataset, year: YearLike) -> int | None:
    """Conferences in the year where domestic abuse was recorded as a risk factor."""
    conf = conferences_in_year(ds, year)
    return None if conf is None else int(conf["domestic_abuse"].sum())


def conferences_with_domestic_abuse_pct(ds: Dataset, year: YearLike) -> float | None:
    """Conferences with domestic abuse as a % of all conferences in the year."""
    conf = conferences_in_year(ds, year)
    return None if conf is None else _pct(int(conf["domestic_abuse"].sum()), len(conf))


def _children_at_conferences(ds: Dataset, year: YearLike) -> pd.DataFrame | None:
    conf = conferences_in_year(ds, year)
    if conf is None or ds.conference_children is None:
        return None
    return ds.conference_children.merge(conf[["conference_id", "conference_type"]], on="conference_id")


def icpc_threshold_not_met(ds: Dataset, year: YearLike) -> int | None:
    """Children at initial conferences in the year where the threshold for a plan was not met (``NO_PLAN``)."""
    at = _children_at_conferences(ds, year)
    if at is None:
        return None
    not_met = at[(at["conference_type"] == "ICPC") & (at["outcome"] == "NO_PLAN")]
    return len(not_met.drop_duplicates(["conference_id", "child_id"]))


def children_with_advocate(ds: Dataset, year: YearLike) -> int | None:
    """Distinct children at conferences in the year supported by the Independent Advocacy Service."""
    at = _children_at_conferences(ds, year)
    return None if at is None else int(at.loc[at["advocate"], "child_id"].nunique())


def agency_attendance(ds: Dataset, year: YearLike) -> dict[str, dict] | None:
    """Per agency, for conferences in the year: invited, attended, % attended, reports submitted, % on time.

    % attended is of conferences invited to; % on time is of reports submitted
    (shared 2 working days before an ICPC, 3 before an RCPC).
    """
    conf = conferences_in_year(ds, year)
    if conf is None or ds.conference_agencies is None:
        return None
    rows = ds.conference_agencies[is_in(ds.conference_agencies["conference_id"], conf["conference_id"])]
    grouped = rows.groupby("agency")[["invited", "attended", "report_submitted", "report_on_time"]].sum()
    return {
        str(agency): {
            "invited": int(r.invited),
            "attended": int(r.attended),
            "attended_pct": _pct(int(r.attended), int(r.invited)),
            "reports_submitted": int(r.report_submitted),
            "reports_on_time_pct": _pct(int(r.report_on_time), int(r.report_submitted)),
        }
        for agency, r in grouped.sort_index().iterrows()
    }


# ----------------------------------------------------------------- profile


def _age_in_years(born: pd.Series, on: pd.Series) -> pd.Series:
    """Completed years of age on a date (a 29 February birthday falls on 1 March)."""
    had_birthday = (on.dt.month > born.dt.month) | ((on.dt.month == born.dt.month) & (on.dt.day >= born.dt.day))
    return on.dt.year - born.dt.year - (~had_birthday).astype(int)


def profile_children(ds: Dataset, year: YearLike) -> pd.DataFrame:
    """The children with a plan during the year, with age at 31 March, or at plan end if it ended in the year.

    One row per child (their latest plan in the year) with ``child_id``,
    ``age_band``, ``sex``, ``ethnicity``, ``ethnic_group``, ``disability``.
    Record-level: for computation only, never published.
    """
    y = _year(year)
    latest = latest_plan_in_year(ds, y)
    people = latest[["child_id", "end_date"]].merge(ds.children, on="child_id")
    on = people["end_date"].where(people["end_date"] <= y.end, y.end)
    unborn = people["date_of_birth"].isna() | (people["date_of_birth"] > on)
    age = _age_in_years(people["date_of_birth"], on)
    band = pd.cut(age, bins=[-1, 0, 4, 9, 15, np.inf], labels=AGE_BANDS[1:]).astype("object")
    people["age_band"] = band.where(~unborn, "unborn")
    people["sex"] = people["sex"].where(~unborn, "U")  # an unborn child's sex is not known
    people["ethnic_group"] = people["ethnicity"].map(ETHNIC_GROUPS)
    people["disability"] = people["disability"].map({True: "Y", False: "N"})
    return people[["child_id", "age_band", "sex", "ethnicity", "ethnic_group", "disability"]]


def _profile_breakdowns(people: pd.DataFrame) -> dict[str, dict]:
    """The four profile breakdowns of :func:`profile_children`'s rows."""
    return {
        "age_bands": _counts(people["age_band"], AGE_BANDS),
        "sex": _counts(people["sex"], ("M", "F", "U")),
        "ethnicity": {
            "by_code": _counts(people["ethnicity"], ETHNICITY_CODES),
            "by_group": _counts(people["ethnic_group"], ETHNIC_GROUP_ORDER),
        },
        "disability": _counts(people["disability"], ("Y", "N")),
    }


def age_bands(ds: Dataset, year: YearLike) -> dict[str, int]:
    """Children with a plan during the year by age: unborn, under 1, 1-4, 5-9, 10-15, 16 and over."""
    return _profile_breakdowns(profile_children(ds, year))["age_bands"]


def sex(ds: Dataset, year: YearLike) -> dict[str, int]:
    """Children with a plan during the year by sex: M, F, U (unborn at the date of age, or unknown)."""
    return _profile_breakdowns(profile_children(ds, year))["sex"]


def ethnicity(ds: Dataset, year: YearLike) -> dict[str, dict[str, int]]:
    """Children with a plan during the year by DfE ethnicity code and by major group."""
    return _profile_breakdowns(profile_children(ds, year))["ethnicity"]


def disability(ds: Dataset, year: YearLike) -> dict[str, int]:
    """Children with a plan during the year by disability: Y, N."""
    return _profile_breakdowns(profile_children(ds, year))["disability"]


# ----------------------------------------------------------------- all measures

COUNTS = (
    "referrals", "s47_enquiries", "icpc_requests", "icpcs", "children_on_plan_at_31_march",
    "plan_starts", "plan_ends", "children_with_plan_during_year", "families_with_plan_during_year",
    "unborn_at_plan_start", "on_plan_2_years_or_more_at_31_march",
    "conferences_with_domestic_abuse", "icpc_threshold_not_met", "children_with_advocate",
)
PERCENTAGES = (
    "rereferrals_within_12_months_pct", "icpc_within_15_working_days_pct",
    "second_or_subsequent_plan_pct", "second_plan_within_2_years_pct",
    "ended_plans_2_years_or_more_pct", "reviews_in_timescale_pct",
    "conferences_with_domestic_abuse_pct",
)
BREAKDOWNS = (
    "icpc_working_days_bands", "category_during_year", "initial_category_of_starts",
    "latest_category_at_31_march", "ended_plans_by_duration", "conferences_held",
    "agency_attendance", "age_bands", "sex", "ethnicity", "disability",
)
RATES = {
    "cpp_rate_per_10000_at_31_march": "children_on_plan_at_31_march",
    "plan_start_rate_per_10000": "plan_starts",
}
MEASURE_ORDER = (
    "referrals", "rereferrals_within_12_months_pct", "s47_enquiries", "icpc_requests", "icpcs",
    "icpc_within_15_working_days_pct", "icpc_working_days_bands",
    "children_on_plan_at_31_march", "cpp_rate_per_10000_at_31_march", "plan_starts",
    "plan_start_rate_per_10000", "plan_ends", "children_with_plan_during_year",
    "families_with_plan_during_year", "unborn_at_plan_start", "second_or_subsequent_plan_pct",
    "second_plan_within_2_years_pct",
    "category_during_year", "initial_category_of_starts", "latest_category_at_31_march",
    "ended_plans_by_duration", "ended_plans_2_years_or_more_pct", "on_plan_2_years_or_more_at_31_march",
    "reviews_in_timescale_pct",
    "conferences_held", "conferences_with_domestic_abuse", "conferences_with_domestic_abuse_pct",
    "icpc_threshold_not_met", "children_with_advocate", "agency_attendance",
    "age_bands", "sex", "ethnicity", "disability",
)
"""Every measure name of ``docs/guide/measures.md``, in its order: the keys of ``cpstats metrics --json``."""


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, float):
        return round_half_up(value)
    return value


def compute_measures(ds: Dataset, year: YearLike, population: int | None) -> dict:
    """Every measure for one year under its stable name, rounded for publication.

    Counts are ``int``; rates and percentages are numbers to 1 decimal place,
    ``None`` when not applicable (zero denominator, no population, or a local
    table not collected); breakdowns are dicts keyed as ``docs/guide/measures.md`` says.
    """
    y = _year(year)
    ds = ds.keyed()
    module = globals()
    profile = _profile_breakdowns(profile_children(ds, y))  # one pass for the four profile measures
    values = {name: profile[name] if name in profile else module[name](ds, y) for name in MEASURE_ORDER if name not in RATES}
    for rate, count in RATES.items():
        values[rate] = rate_per_10000(values[count], population)
    return {name: _rounded(values[name]) for name in MEASURE_ORDER}


def report_measures(data_dir: Path | str, year: YearLike, reference_dir: Path | str | None = None) -> dict:
    """Load a folder, find its population in the reference data, and compute every measure."""
    from cpstats.data.dataset import load_dataset
    from cpstats.data.reference import population_for

    ds = load_dataset(data_dir)
    return compute_measures(ds, year, population_for(ds.la_code, _year(year).label, reference_dir))


# ----------------------------------------------------------------- local measures (local tables)
#
# These come from the local tables (MARAC, case audits, feedback, conference
# attendance). They are not DfE measures and are listed apart in ``docs/guide/measures.md``,
# so ``cpstats metrics --json`` does not print them; the report shows them.

AUDIT_TARGET_PER_MONTH = 2
"""Case audits a month the quality assurance service aims for (children on a plan)."""


def marac_victims(ds: Dataset, year: YearLike) -> int | None:
    """Distinct victims referred to the Multi Agency Risk Assessment Conference in the year."""
    if ds.marac is None:
        return None
    return int(ds.marac.loc[_in_year(ds.marac["referral_date"], year), "victim_id"].nunique())


def marac_children(ds: Dataset, year: YearLike) -> int | None:
    """Children in the households of the year's MARAC referrals (sum over referrals)."""
    if ds.marac is None:
        return None
    return int(ds.marac.loc[_in_year(ds.marac["referral_date"], year), "children_in_household"].sum())


def marac_repeat_victims(ds: Dataset, year: YearLike) -> int | None:
    """Distinct victims with a repeat MARAC referral in the year."""
    if ds.marac is None:
        return None
    rows = ds.marac[_in_year(ds.marac["referral_date"], year) & ds.marac["repeat"]]
    return int(rows["victim_id"].nunique())


def case_audits_by_month(ds: Dataset, year: YearLike) -> dict[str, int] | None:
    """Case audits completed in each month of the year, keyed ``YYYY-MM``, April first, zeros included."""
    if ds.case_audits is None:
        return None
    y = _year(year)
    months = pd.period_range(y.start, y.end, freq="M")
    audits = ds.case_audits[_in_year(ds.case_audits["audit_date"], y)]
    counted = audits["audit_date"].dt.to_period("M").value_counts()
    return {str(month): int(counted.get(month, 0)) for month in months}


def case_audit_grades(ds: Dataset, year: YearLike) -> dict[str, int] | None:
    """Case audits in the year by grade."""
    if ds.case_audits is None:
        return None
    from cpstats.data.contract import AUDIT_GRADES

    audits = ds.case_audits[_in_year(ds.case_audits["audit_date"], year)]
    return _counts(audits["grade"], AUDIT_GRADES)


def feedback_by_respondent(ds: Dataset, year: YearLike) -> dict[str, dict] | None:
    """Feedback forms from conferences in the year, per respondent: forms, mean rating, % rating 4 or 5."""
    conf = conferences_in_year(ds, year)
    if conf is None or ds.feedback is None:
        return None
    forms = ds.feedback[is_in(ds.feedback["conference_id"], conf["conference_id"])]
    out = {}
    for respondent in ("PARENT", "CHILD", "FAMILY_MEMBER", "PROFESSIONAL"):
        ratings = forms.loc[forms["respondent"] == respondent, "rating"]
        out[respondent] = {
            "forms": len(ratings),
            "mean_rating": None if ratings.empty else float(ratings.mean()),
            "good_pct": _pct(int((ratings >= 4).sum()), len(ratings)),
        }
    return out


def children_invited_to_conferences(ds: Dataset, year: YearLike) -> dict[str, int] | None:
    """Children invited to and attending their conferences in the year (over 11s are invited)."""
    conf = conferences_in_year(ds, year)
    if conf is None:
        return None
    return {"invited": int(conf["children_invited"].sum()), "attended": int(conf["children_attended"].sum())}


LOCAL_MEASURE_ORDER = (
    "marac_victims", "marac_children", "marac_repeat_victims",
    "case_audits_by_month", "case_audit_grades", "feedback_by_respondent",
    "children_invited_to_conferences",
)
"""The local measures, in report order."""


def compute_local_measures(ds: Dataset, year: YearLike) -> dict:
    """Every local measure for one year, rounded for publication; ``None`` where a table was not collected."""
    y = _year(year)
    ds = ds.keyed()
    module = globals()
    values = {name: _rounded(module[name](ds, y)) for name in LOCAL_MEASURE_ORDER}
    months = values["case_audits_by_month"]
    values["case_audits"] = None if months is None else sum(months.values())
    values["months_meeting_audit_target"] = None if months is None else sum(n >= AUDIT_TARGET_PER_MONTH for n in months.values())
    return values
