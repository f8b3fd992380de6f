"""Each measure of docs/guide/measures.md on tiny hand-built inputs, with exact expected values."""

from __future__ import annotations

import pytest

from cpstats.figures import measures as m
from cpstats.data.periods import working_days

Y = "2017-18"


def plan(pid, child, start, end="", **extra):
    return {"plan_id": pid, "child_id": child, "start_date": start, "end_date": end, **extra}


# ----------------------------------------------------------------- open at 31 March, starts, ends


def test_plan_ending_on_31_march_is_not_open_on_31_march(make_dataset):
    """A plan ending on 31 March is an ended plan of that year, not open at 31 March."""
    ds = make_dataset(cp_plans=[plan("P1", "C1", "2017-06-01", "2018-03-31")])
    assert m.children_on_plan_at_31_march(ds, Y) == 0
    assert m.plan_ends(ds, Y) == 1
    assert m.children_with_plan_during_year(ds, Y) == 1


def test_plan_ending_on_1_april_is_open_on_31_march(make_dataset):
    """A plan ending the day after 31 March was open at 31 March."""
    ds = make_dataset(cp_plans=[plan("P1", "C1", "2017-06-01", "2018-04-01")])
    assert m.children_on_plan_at_31_march(ds, Y) == 1
    assert m.plan_ends(ds, Y) == 0


def test_plan_starting_1_april_counts_in_the_new_year_only(make_dataset):
    """A plan starting 1 April is a start of the year that begins that day."""
    ds = make_dataset(cp_plans=[plan("P1", "C1", "2018-04-01")])
    assert m.plan_starts(ds, "2018-19") == 1
    assert m.plan_starts(ds, Y) == 0
    assert m.children_with_plan_during_year(ds, Y) == 0
    assert m.children_on_plan_at_31_march(ds, Y) == 0


def test_plan_ended_on_1_april_is_during_the_year(make_dataset):
    """A plan ending on the first day of the year was open during the year."""
    ds = make_dataset(cp_plans=[plan("P1", "C1", "2016-10-01", "2017-04-01")], children=[{"child_id": "C1", "family_id": "F9"}])
    assert m.children_with_plan_during_year(ds, Y) == 1
    assert m.families_with_plan_during_year(ds, Y) == 1
    assert m.plan_ends(ds, Y) == 1


def test_rates_per_10000_use_the_population_given(make_dataset):
    """Rates are count / population x 10,000, 1 dp, and null without a population."""
    ds = make_dataset(cp_plans=[plan(f"P{i}", f"C{i}", "2017-05-01") for i in range(19)])
    out = m.compute_measures(ds, Y, population=8166)
    assert out["children_on_plan_at_31_march"] == 19
    assert out["cpp_rate_per_10000_at_31_march"] == 23.3
    assert out["plan_start_rate_per_10000"] == 23.3
    assert m.compute_measures(ds, Y, population=None)["cpp_rate_per_10000_at_31_march"] is None


def test_families_count_distinct_family_ids(make_dataset):
    """Two siblings on plans are one family."""
    ds = make_dataset(
        children=[{"child_id": "C1", "family_id": "F1"}, {"child_id": "C2", "family_id": "F1"}, {"child_id": "C3", "family_id": "F2"}],
        cp_plans=[plan("P1", "C1", "2017-05-01"), plan("P2", "C2", "2017-05-01"), plan("P3", "C3", "2017-07-01")],
    )
    assert m.children_with_plan_during_year(ds, Y) == 3
    assert m.families_with_plan_during_year(ds, Y) == 2


# ----------------------------------------------------------------- unborn


def test_unborn_child_counts_in_numerators(make_dataset):
    """An unborn child (no date of birth) and a child born after the plan start are unborn at start."""
    ds = make_dataset(
        children=[
            {"child_id": "U1", "sex": "U", "date_of_birth": "", "expected_date_of_birth": "2018-06-01"},
            {"child_id": "B1", "sex": "F", "date_of_birth": "2017-09-10"},
            {"child_id": "O1", "date_of_birth": "2017-05-01"},
            {"child_id": "L1", "sex": "F", "date_of_birth": "2018-04-20"},  # born after 31 March, sex now known
        ],
        cp_plans=[plan("P1", "U1", "2018-01-10"), plan("P2", "B1", "2017-08-01"), plan("P3", "O1", "2017-08-01"),
                  plan("P4", "L1", "2018-02-01")],
    )
    assert m.unborn_at_plan_start(ds, Y) == 3
    assert m.children_on_plan_at_31_march(ds, Y) == 4
    assert m.age_bands(ds, Y) == {"unborn": 2, "under_1": 2, "1_to_4": 0, "5_to_9": 0, "10_to_15": 0, "16_plus": 0}
    assert m.sex(ds, Y) == {"M": 1, "F": 1, "U": 2}


def test_age_is_taken_at_plan_end_when_the_plan_ended_in_the_year(make_dataset):
    """A child 5 on 31 March but 4 when the plan ended is counted as 4."""
    ds = make_dataset(
        children=[{"child_id": "C1", "date_of_birth": "2012-10-01"}, {"child_id": "C2", "date_of_birth": "2002-03-31"}],
        cp_plans=[plan("P1", "C1", "2017-04-10", "2017-09-30"), plan("P2", "C2", "2017-04-10")],
    )
    bands = m.age_bands(ds, Y)
    assert bands["1_to_4"] == 1 and bands["5_to_9"] == 0
    assert bands["16_plus"] == 1  # 16 exactly on 31 March 2018


def test_child_born_on_29_february_turns_a_year_older_on_1_march(make_dataset):
    """A leap-day birthday counts as reached on 1 March in other years."""
    ds = make_dataset(
        children=[{"child_id": "C1", "date_of_birth": "2012-02-29"}],
        cp_plans=[plan("P1", "C1", "2017-04-10", "2017-02-28".replace("2017", "2018"))],
    )
    # On 28 Feb 2018 the child is still 5.
    assert m.age_bands(ds, Y)["5_to_9"] == 1
    ds2 = make_dataset(children=[{"child_id": "C1", "date_of_birth": "2013-03-01"}],
                       cp_plans=[plan("P1", "C1", "2017-04-10", "2018-02-28")])
    assert m.age_bands(ds2, Y)["1_to_4"] == 1


def test_ethnicity_by_code_and_group(make_dataset):
    """Children are counted by DfE code and by major group, zeros included."""
    ds = make_dataset(
        children=[{"child_id": "C1", "ethnicity": "WBRI"}, {"child_id": "C2", "ethnicity": "WOTH"}, {"child_id": "C3", "ethnicity": "NOBT"}],
        cp_plans=[plan("P1", "C1", "2017-05-01"), plan("P2", "C2", "2017-05-01"), plan("P3", "C3", "2017-05-01")],
    )
    eth = m.ethnicity(ds, Y)
    assert eth["by_code"]["WBRI"] == 1 and eth["by_code"]["WOTH"] == 1 and eth["by_code"]["NOBT"] == 1
    assert eth["by_group"] == {"White": 2, "Mixed": 0, "Asian": 0, "Black": 0, "Other": 0, "Not known": 1}


# ----------------------------------------------------------------- categories


def test_category_during_year_uses_latest_category_of_latest_plan(make_dataset):
    """A child with two plans in the year is counted once, by the later plan's latest category."""
    ds = make_dataset(cp_plans=[
        plan("P1", "C1", "2016-11-01", "2017-06-01", initial_category="PHY", latest_category="PHY"),
        plan("P2", "C1", "2017-09-01", initial_category="EMO", latest_category="NEG"),
        plan("P3", "C2", "2017-09-01", initial_category="SAB", latest_category="SAB"),
    ])
    assert m.category_during_year(ds, Y) == {"NEG": 1, "PHY": 0, "EMO": 0, "SAB": 1, "MUL": 0}
    assert m.initial_category_of_starts(ds, Y) == {"NEG": 0, "PHY": 0, "EMO": 1, "SAB": 1, "MUL": 0}
    assert m.latest_category_at_31_march(ds, Y) == {"NEG": 1, "PHY": 0, "EMO": 0, "SAB": 1, "MUL": 0}


# ----------------------------------------------------------------- repeat plans


def test_second_plan_counts_previous_plans_recorded_or_in_data(make_dataset):
    """A start is a repeat when previous_plans >= 1 or an earlier plan of the child is in the data."""
    ds = make_dataset(cp_plans=[
        plan("P1", "C1", "2014-01-01", "2014-09-01"),
        plan("P2", "C1", "2017-06-01"),                      # earlier plan in data, 3 years ago
        plan("P3", "C2", "2017-06-01", previous_plans="1"),  # recorded elsewhere
        plan("P4", "C3", "2017-06-01"),
        plan("P5", "C4", "2016-01-01", "2016-06-01"),
        plan("P6", "C4", "2018-03-01"),                      # earlier plan ended 21 months before
    ])
    assert m.second_or_subsequent_plan_pct(ds, Y) == pytest.approx(75.0)
    assert m.second_plan_within_2_years_pct(ds, Y) == pytest.approx(25.0)


def test_second_plan_within_2_years_boundary_is_inclusive(make_dataset):
    """An earlier plan ending exactly 2 years before the new start counts; a day earlier does not."""
    ds = make_dataset(cp_plans=[
        plan("P1", "C1", "2015-01-01", "2015-06-01"), plan("P2", "C1", "2017-06-01"),
        plan("P3", "C2", "2015-01-01", "2015-05-31"), plan("P4", "C2", "2017-06-01"),
    ])
    assert m.second_plan_within_2_years_pct(ds, Y) == pytest.approx(50.0)


def test_percentages_with_no_denominator_are_not_applicable(make_dataset):
    """With no starts, no ICPCs, no ends, percentages are None, never 0."""
    ds = make_dataset()
    out = m.compute_measures(ds, Y, population=8000)
    for name in m.PERCENTAGES:
        assert out[name] is None, name


# ----------------------------------------------------------------- duration


@pytest.mark.parametrize("end, band", [
    ("2017-09-30", "3_months_or_less"),      # exactly start + 3 months
    ("2017-10-01", "over_3_to_6_months"),
    ("2017-12-30", "over_3_to_6_months"),    # exactly start + 6 months
    ("2017-12-31", "over_6_months_to_under_1_year"),
    ("2018-03-29", "over_6_months_to_under_1_year"),
])
def test_ended_plan_duration_bands_at_their_boundaries(make_dataset, end, band):
    """Bands are in calendar months; 3 and 6 months are inclusive, 1 year exclusive."""
    ds = make_dataset(cp_plans=[plan("P1", "C1", "2017-06-30", end)])
    bands = m.ended_plans_by_duration(ds, Y)
    assert bands[band] == 1 and sum(bands.values()) == 1


def test_plan_of_exactly_one_and_two_years(make_dataset):
    """A plan ending exactly 1 year after start is 1 to under 2 years; exactly 2 years is 2 years or more."""
    ds = make_dataset(cp_plans=[
        plan("P1", "C1", "2017-01-15", "2018-01-15"),
        plan("P2", "C2", "2016-02-29", "2018-02-28"),  # start on 29 Feb: + 2 years = 28 Feb 2018
        plan("P3", "C3", "2016-03-01", "2018-02-28"),
    ])
    bands = m.ended_plans_by_duration(ds, Y)
    assert bands["1_to_under_2_years"] == 2
    assert bands["2_years_or_more"] == 1
    assert m.ended_plans_2_years_or_more_pct(ds, Y) == pytest.approx(100 / 3)


def test_on_plan_2_years_boundary(make_dataset):
    """Open at 31 March and started on or before 31 March two years earlier."""
    ds = make_dataset(cp_plans=[plan("P1", "C1", "2016-03-31"), plan("P2", "C2", "2016-04-01")])
    assert m.on_plan_2_years_or_more_at_31_march(ds, Y) == 1


# ----------------------------------------------------------------- reviews


def reviews(pid, *dates):
    return [{"plan_id": pid, "review_date": d} for d in dates]


def test_review_on_its_due_date_is_in_time_and_one_day_late_is_not(make_dataset):
    """First review due start + 3 months, the next previous + 6 months; on the day is in time."""
    ds = make_dataset(
        cp_plans=[plan("P1", "C1", "2017-05-15"), plan("P2", "C2", "2017-05-15")],
        cp_reviews=reviews("P1", "2017-08-15", "2018-02-15") + reviews("P2", "2017-08-16", "2018-02-15"),
    )
    checked = m.plans_reviewed_in_time(ds, Y).set_index("plan_id")["in_time"]
    assert checked.to_dict() == {"P1": True, "P2": False}
    assert m.reviews_in_timescale_pct(ds, Y) == pytest.approx(50.0)


def test_overdue_at_31_march_is_not_in_time(make_dataset):
    """A plan whose next review was due before 31 March and not held is out of time."""
    ds = make_dataset(
        cp_plans=[plan("P1", "C1", "2017-06-01"), plan("P2", "C2", "2017-12-31"), plan("P3", "C3", "2018-01-01")],
        cp_reviews=reviews("P1", "2017-08-30"),  # next due 28 Feb 2018, overdue at 31 March
    )
    checked = m.plans_reviewed_in_time(ds, Y)
    # P2 started exactly 3 months before 31 March: included, first review due 31 March: not overdue.
    # P3 started less than 3 months before: excluded.
    assert checked.set_index("plan_id")["in_time"].to_dict() == {"P1": False, "P2": True}


def test_reviews_before_start_or_after_31_march_are_ignored(make_dataset):
    """Only reviews after the start and on or before 31 March count."""
    ds = make_dataset(
        cp_plans=[plan("P1", "C1", "2017-10-01", "2018-06-01")],
        cp_reviews=reviews("P1", "2017-10-01", "2017-12-20", "2018-04-20"),
    )
    row = m.plans_reviewed_in_time(ds, Y).iloc[0]
    assert row["reviews"] == 1 and bool(row["in_time"]) is True


def test_first_review_due_date_from_29_february(make_dataset):
    """A plan starting 29 Feb has its first review due 29 May."""
    ds = make_dataset(
        cp_plans=[plan("P1", "C1", "2016-02-29"), plan("P2", "C2", "2016-02-29")],
        cp_reviews=reviews("P1", "2016-05-29", "2016-11-29", "2017-05-29", "2017-11-29")
        + reviews("P2", "2016-05-30", "2016-11-29", "2017-05-29", "2017-11-29"),
    )
    checked = m.plans_reviewed_in_time(ds, Y).set_index("plan_id")["in_time"]
    assert checked.to_dict() == {"P1": True, "P2": False}


# ----------------------------------------------------------------- referrals, s47, ICPC


def test_rereferral_window_is_12_calendar_months(make_dataset):
    """An earlier referral exactly 12 months before counts as a re-referral; a day more does not. (Two referrals
    of a child on one day are refused by the contract, as the CIN census holds one a day.)"""
    refs = [
        {"referral_id": "R1", "child_id": "C1", "referral_date": "2016-09-10"},
        {"referral_id": "R2", "child_id": "C1", "referral_date": "2017-09-10"},
        {"referral_id": "R3", "child_id": "C2", "referral_date": "2016-09-09"},
        {"referral_id": "R4", "child_id": "C2", "referral_date": "2017-09-10"},
        {"referral_id": "R5", "child_id": "C3", "referral_date": "2017-09-10"},
        {"referral_id": "R6", "child_id": "C3", "referral_date": "2017-09-11"},  # the day after: within 12 months
    ]
    ds = make_dataset(referrals=refs)
    assert m.referrals(ds, Y) == 4
    assert m.rereferrals_within_12_months_pct(ds, Y) == pytest.approx(50.0)


def s47(sid, child, start, icpc="", requested="Y"):
    return {"s47_id": sid, "child_id": child, "referral_id": f"R{sid}", "strategy_discussion_date": start,
            "s47_start_date": start, "icpc_requested": requested, "icpc_date": icpc}


def s47_dataset(make_dataset, rows):
    refs = [{"referral_id": f"R{r['s47_id']}", "child_id": r["child_id"], "referral_date": r["s47_start_date"]} for r in rows]
    return make_dataset(referrals=refs, s47_enquiries=rows)


def test_working_days_exclude_weekends_and_bank_holidays():
    """Working days in (a, b]: same day 0; Easter 2019 and the one-off 2022 and 2023 holidays excluded."""
    assert working_days("2019-04-01", "2019-04-24") == 15
    assert working_days("2019-04-01", "2019-04-01") == 0
    assert working_days("2022-09-16", "2022-09-20") == 1   # State Funeral, Mon 19 Sep 2022
    assert working_days("2023-05-05", "2023-05-09") == 1   # Coronation, Mon 8 May 2023


def test_icpc_across_easter_within_15_working_days(make_dataset):
    """Good Friday and Easter Monday do not count: 24 April 2019 is day 15 from 1 April, 25 April day 16."""
    ds = s47_dataset(make_dataset, [s47("1", "C1", "2019-04-01", "2019-04-24"), s47("2", "C2", "2019-04-01", "2019-04-25")])
    assert m.icpc_within_15_working_days_pct(ds, "2019-20") == pytest.approx(50.0)
    assert m.icpc_working_days_bands(ds, "2019-20") == {"0_to_10": 0, "11_to_15": 1, "16_to_20": 1, "21_plus": 0}


def test_icpc_before_s47_start_counts_in_icpcs_but_not_in_timeliness(make_dataset):
    """A conference dated before its s47 start is an ICPC but is left out of the 15-day measure."""
    ds = s47_dataset(make_dataset, [s47("1", "C1", "2017-06-05", "2017-06-01"), s47("2", "C2", "2017-06-05", "2017-06-12")])
    assert m.icpcs(ds, Y) == 2
    assert m.icpc_within_15_working_days_pct(ds, Y) == pytest.approx(100.0)
    assert sum(m.icpc_working_days_bands(ds, Y).values()) == 1


def test_s47_counts_and_icpc_requests(make_dataset):
    """s47 enquiries by start date in year; requests are those with icpc_requested Y."""
    ds = s47_dataset(make_dataset, [
        s47("1", "C1", "2017-04-01"), s47("2", "C2", "2018-03-31", requested="N"), s47("3", "C3", "2018-04-01"),
    ])
    assert m.s47_enquiries(ds, Y) == 2
    assert m.icpc_requests(ds, Y) == 1


# ----------------------------------------------------------------- conferences


def test_conference_measures(make_dataset):
    """Conferences by type, domestic abuse, threshold not met, advocacy and agency attendance."""
    ds = make_dataset(
        children=[{"child_id": "C1"}, {"child_id": "C2"}],
        conferences=[
            {"conference_id": "K1", "family_id": "F1", "conference_type": "ICPC", "date": "2017-05-01", "domestic_abuse": "Y"},
            {"conference_id": "K2", "family_id": "F1", "conference_type": "RCPC", "date": "2017-08-01"},
            {"conference_id": "K3", "family_id": "F1", "conference_type": "RCPC", "date": "2017-03-31"},
        ],
        conference_children=[
            {"conference_id": "K1", "child_id": "C1", "outcome": "NO_PLAN", "advocate": "Y"},
            {"conference_id": "K1", "child_id": "C2", "outcome": "PLAN_START"},
            {"conference_id": "K2", "child_id": "C1", "outcome": "PLAN_CONTINUE", "advocate": "Y"},
            {"conference_id": "K3", "child_id": "C2", "outcome": "PLAN_CONTINUE", "advocate": "Y"},
        ],
        conference_agencies=[
            {"conference_id": "K1", "agency": "Police", "attended": "N", "report_on_time": "N"},
            {"conference_id": "K2", "agency": "Police"},
            {"conference_id": "K1", "agency": "GP", "invited": "N", "attended": "N", "report_submitted": "N", "report_on_time": "N"},
        ],
    )
    assert m.conferences_held(ds, Y) == {"ICPC": 1, "RCPC": 1, "TRANSFER_IN": 0, "total": 2}
    assert m.conferences_with_domestic_abuse(ds, Y) == 1
    assert m.conferences_with_domestic_abuse_pct(ds, Y) == pytest.approx(50.0)
    assert m.icpc_threshold_not_met(ds, Y) == 1
    assert m.children_with_advocate(ds, Y) == 1
    assert m.agency_attendance(ds, Y) == {
        "GP": {"invited": 0, "attended": 0, "attended_pct": None, "reports_submitted": 0, "reports_on_time_pct": None},
        "Police": {"invited": 2, "attended": 1, "attended_pct": 50.0, "reports_submitted": 2, "reports_on_time_pct": 50.0},
    }


def test_conference_measures_are_null_when_not_collected(make_dataset):
    """Without conferences.csv the conference measures are None, not zero."""
    out = m.compute_measures(make_dataset(), Y, population=100)
    assert out["conferences_held"] is None and out["children_with_advocate"] is None


def test_compute_measures_gives_every_measure_name_in_order(make_dataset):
    """The keys are exactly the measure names, counts int, percentages rounded to 1 dp."""
    ds = make_dataset(referrals=[{"referral_id": f"R{i}", "child_id": "C1", "referral_date": f"2017-0{4 + i}-01"} for i in range(3)])
    out = m.compute_measures(ds, Y, population=1000)
    assert tuple(out) == m.MEASURE_ORDER
    assert out["referrals"] == 3 and isinstance(out["referrals"], int)
    assert out["rereferrals_within_12_months_pct"] == 66.7


# ----------------------------------------------------------------- local measures


def test_marac_counts_victims_children_and_repeats_in_year(make_dataset):
    """Distinct victims referred in the year, children in their households, victims referred again."""
    ds = make_dataset(marac=[
        {"victim_id": "V1", "referral_date": "2017-04-01", "children_in_household": "2", "repeat": "N"},
        {"victim_id": "V1", "referral_date": "2017-09-01", "children_in_household": "2", "repeat": "Y"},
        {"victim_id": "V2", "referral_date": "2018-03-31", "children_in_household": "1", "repeat": "N"},
        {"victim_id": "V3", "referral_date": "2018-04-01", "children_in_household": "5", "repeat": "Y"},
    ])
    assert (m.marac_victims(ds, Y), m.marac_children(ds, Y), m.marac_repeat_victims(ds, Y)) == (2, 5, 1)


def test_case_audits_by_month_include_months_without_audits(make_dataset):
    """Twelve months from April, zeros included; months meeting the target of 2 counted."""
    ds = make_dataset(children=[{"child_id": "C1"}], case_audits=[
        {"audit_id": "A1", "audit_date": "2017-04-03", "child_id": "C1", "grade": "GOOD"},
        {"audit_id": "A2", "audit_date": "2017-04-28", "child_id": "C1", "grade": "INADEQUATE"},
        {"audit_id": "A3", "audit_date": "2018-03-31", "child_id": "C1", "grade": "GOOD"},
    ])
    months = m.case_audits_by_month(ds, Y)
    assert list(months)[0] == "2017-04" and list(months)[-1] == "2018-03" and len(months) == 12
    assert months["2017-04"] == 2 and months["2018-03"] == 1 and months["2017-05"] == 0
    local = m.compute_local_measures(ds, Y)
    assert local["case_audits"] == 3 and local["months_meeting_audit_target"] == 1
    assert local["case_audit_grades"] == {"OUTSTANDING": 0, "GOOD": 2, "REQUIRES_IMPROVEMENT": 0, "INADEQUATE": 1}
    assert local["marac_victims"] is None
