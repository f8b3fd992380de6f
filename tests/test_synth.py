"""Tests of the synthetic sample authority in ``data/sample`` and of :mod:`cpstats.data.synth`.

The figures are recomputed here directly from the CSV files with pandas, following
``docs/guide/measures.md`` independently of :mod:`cpstats.figures.measures`; a last test checks that
:mod:`cpstats.figures.measures` agrees.
"""

from __future__ import annotations

import re
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import pytest
import yaml

from cpstats.data.synth import SAMPLE_FILES, write_sample

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
REPORT_YEARS = ["2014-15", "2015-16", "2016-17", "2017-18", "2018-19", "2019-20"]
SEED_YEAR = "2017-18"
POPULATION_2017_18 = 8166

COLUMNS = {
    "children": ["child_id", "family_id", "sex", "date_of_birth", "expected_date_of_birth", "ethnicity", "disability"],
    "referrals": ["referral_id", "child_id", "referral_date", "referral_source", "primary_need", "closure_date",
                  "no_further_action"],
    "s47_enquiries": ["s47_id", "child_id", "referral_id", "strategy_discussion_date", "s47_start_date",
                      "icpc_requested", "icpc_date"],
    "cp_plans": ["plan_id", "child_id", "start_date", "end_date", "initial_category", "latest_category",
                 "previous_plans"],
    "cp_reviews": ["plan_id", "review_date"],
    "conferences": ["conference_id", "family_id", "conference_type", "date", "domestic_abuse", "children_invited",
                    "children_attended"],
    "conference_children": ["conference_id", "child_id", "outcome", "advocate"],
    "conference_agencies": ["conference_id", "agency", "invited", "attended", "report_submitted", "report_on_time"],
    "case_audits": ["audit_id", "audit_date", "child_id", "grade"],
    "feedback": ["conference_id", "respondent", "rating"],
    "marac": ["victim_id", "referral_date", "children_in_household", "repeat"],
}
DATES = {
    "children": ["date_of_birth", "expected_date_of_birth"],
    "referrals": ["referral_date", "closure_date"],
    "s47_enquiries": ["strategy_discussion_date", "s47_start_date", "icpc_date"],
    "cp_plans": ["start_date", "end_date"],
    "cp_reviews": ["review_date"],
    "conferences": ["date"],
    "case_audits": ["audit_date"],
    "marac": ["referral_date"],
}
FLAGS = {
    "children": ["disability"], "referrals": ["no_further_action"], "s47_enquiries": ["icpc_requested"],
    "conferences": ["domestic_abuse"], "conference_children": ["advocate"],
    "conference_agencies": ["invited", "attended", "report_submitted", "report_on_time"], "marac": ["repeat"],
}
INTEGERS = {
    "cp_plans": ["previous_plans"], "conferences": ["children_invited", "children_attended"],
    "feedback": ["rating"], "marac": ["children_in_household"],
}
IDENTIFIERS = {
    "child_id": r"C\d{6}", "family_id": r"F\d{5}", "referral_id": r"R\d{6}", "s47_id": r"S\d{6}",
    "plan_id": r"P\d{5}", "conference_id": r"CONF\d{4}", "victim_id": r"V\d{4}", "audit_id": r"AUD\d{4}",
}
SORT_KEYS = {
    "children": ["child_id"], "referrals": ["referral_id"], "s47_enquiries": ["s47_id"], "cp_plans": ["plan_id"],
    "cp_reviews": ["plan_id", "review_date"], "conferences": ["conference_id"],
    "conference_children": ["conference_id", "child_id"], "conference_agencies": ["conference_id", "agency"],
    "case_audits": ["audit_id"], "feedback": ["conference_id", "respondent", "rating"],
    "marac": ["victim_id", "referral_date"],
}
ETHNICITY_CODES = ("WBRI WIRI WIRT WOTH WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR BOTH CHNE OOTH "
                   "REFU NOBT").split()
REFERRAL_SOURCES = "1A 1B 1C 1D 2A 2B 3A 3B 3C 3D 3E 3F 4 5A 5B 5C 5D 6 7 8 9 10".split()
AGENCIES = {"Police", "Health Visitor", "School Nurse", "School", "GP", "Probation", "Substance Misuse Service",
            "Specialist Domestic Abuse Service", "Adult Mental Health", "Learning Disability Team",
            "Targeted Intervention Practitioner", "Children's Social Care"}


# ----------------------------------------------------------------- reading the sample


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Every CSV of ``folder``, dates parsed (blank as ``NaT``) and whole numbers as ``int``."""
    tables = {}
    for name in COLUMNS:
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for column in DATES.get(name, []):
            frame[column] = pd.to_datetime(frame[column].replace("", None), format="%Y-%m-%d")
        for column in INTEGERS.get(name, []):
            frame[column] = frame[column].astype(int)
        tables[name] = frame
    return tables


@pytest.fixture(scope="module")
def t() -> dict[str, pd.DataFrame]:
    return read_tables(SAMPLE)


# ----------------------------------------------------------------- the measures, recomputed


def bounds(year: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    first = int(year[:4])
    return pd.Timestamp(first, 4, 1), pd.Timestamp(first + 1, 3, 31)


def previous_year(year: str) -> str:
    first = int(year[:4]) - 1
    return f"{first}-{(first + 1) % 100:02d}"


def months(dates, n: int):
    return dates + pd.DateOffset(months=n)


def in_year(dates: pd.Series, year: str) -> pd.Series:
    start, end = bounds(year)
    return dates.between(start, end)


def working_days(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Working days in ``(a, b]``, Monday to Friday without England bank holidays."""
    hol = np.array(sorted(holidays.country_holidays("GB", subdiv="ENG", years=range(2009, 2026))),
                   dtype="datetime64[D]")
    return np.busday_count(a.to_numpy("datetime64[D]") + 1, b.to_numpy("datetime64[D]") + 1, holidays=hol)


def open_at(plans: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    return plans[(plans["start_date"] <= day) & (plans["end_date"].isna() | (plans["end_date"] > day))]


def during(plans: pd.DataFrame, year: str) -> pd.DataFrame:
    start, end = bounds(year)
    return plans[(plans["start_date"] <= end) & (plans["end_date"].isna() | (plans["end_date"] >= start))]


def duration_band(start: pd.Series, end: pd.Series) -> pd.Series:
    return pd.Series(np.select(
        [end <= months(start, 3), end <= months(start, 6), end < months(start, 12), end < months(start, 24)],
        ["3_months_or_less", "over_3_to_6_months", "over_6_months_to_under_1_year", "1_to_under_2_years"],
        "2_years_or_more"), index=start.index)


def reviewed_in_time(t: dict[str, pd.DataFrame], year: str) -> pd.Series:
    """Per child open at 31 March (plan started 3 months or more before): were all reviews in time?"""
    _, end = bounds(year)
    plans = open_at(t["cp_plans"], end)
    plans = plans[plans["start_date"] <= months(end, -3)]
    result = {}
    for plan in plans.itertuples():
        dates = t["cp_reviews"].loc[t["cp_reviews"]["plan_id"] == plan.plan_id, "review_date"]
        dates = sorted(d for d in dates if plan.start_date < d <= end)
        due, ok = months(plan.start_date, 3), True
        for d in dates:
            ok &= d <= due
            due = months(d, 6)
        result[plan.child_id] = result.get(plan.child_id, True) and ok and end <= due
    return pd.Series(result, dtype=bool)


def profile(t: dict[str, pd.DataFrame], year: str) -> pd.DataFrame:
    """Children with a plan during the year: age band at 31 March or plan end, sex, ethnicity, disability."""
    _, end = bounds(year)
    latest = during(t["cp_plans"], year).sort_values(["child_id", "start_date"]).groupby("child_id").tail(1)
    people = latest.merge(t["children"], on="child_id")
    on = people["end_date"].where(people["end_date"] <= end, end)
    born = people["date_of_birth"]
    unborn = born.isna() | (born > on)
    had_birthday = (on.dt.month > born.dt.month) | ((on.dt.month == born.dt.month) & (on.dt.day >= born.dt.day))
    age = on.dt.year - born.dt.year - (~had_birthday).astype(int)
    band = pd.cut(age, [-1, 0, 4, 9, 15, 99], labels=["under_1", "1_to_4", "5_to_9", "10_to_15", "16_plus"])
    people["age_band"] = band.astype(object).where(~unborn, "unborn")
    return people


def figures(t: dict[str, pd.DataFrame], year: str) -> dict:
    """The measures of ``docs/guide/measures.md`` for one year, recomputed from the tables."""
    start, end = bounds(year)
    plans, s47, conf = t["cp_plans"], t["s47_enquiries"], t["conferences"]
    referrals = t["referrals"]
    year_referrals = referrals[in_year(referrals["referral_date"], year)]
    earlier = year_referrals[["referral_id", "child_id", "referral_date"]].merge(
        referrals[["child_id", "referral_date"]].rename(columns={"referral_date": "before"}), on="child_id")
    rereferred = earlier[(earlier["before"] < earlier["referral_date"])
                         & (earlier["before"] >= months(earlier["referral_date"], -12))]["referral_id"].nunique()
    year_s47 = s47[in_year(s47["s47_start_date"], year)]
    icpcs = s47[in_year(s47["icpc_date"], year)]
    timed = icpcs[icpcs["icpc_date"] >= icpcs["s47_start_date"]]
    in_period = during(plans, year)
    starts = plans[in_year(plans["start_date"], year)]
    ends = plans[in_year(plans["end_date"], year)]
    children = t["children"].set_index("child_id")
    born = in_period["child_id"].map(children["date_of_birth"])
    earlier_plan = starts.apply(lambda p: ((plans["child_id"] == p.child_id) & (plans["start_date"] < p.start_date)).any(),
                                axis=1) if len(starts) else pd.Series(dtype=bool)
    latest = in_period.sort_values(["child_id", "start_date"]).groupby("child_id").tail(1)
    open_end = open_at(plans, end)
    year_conf = conf[in_year(conf["date"], year)]
    attendees = t["conference_children"].merge(year_conf[["conference_id", "conference_type"]], on="conference_id")
    marac = t["marac"][in_year(t["marac"]["referral_date"], year)]
    audits = t["case_audits"][in_year(t["case_audits"]["audit_date"], year)]
    in_time = reviewed_in_time(t, year)
    bands = duration_band(ends["start_date"], ends["end_date"]).value_counts()
    people = profile(t, year)
    pct = (lambda n, d: 100.0 * n / d if d else None)
    return {
        "referrals": len(year_referrals),
        "rereferrals_within_12_months_pct": pct(rereferred, len(year_referrals)),
        "s47_enquiries": len(year_s47),
        "icpc_requests": int((year_s47["icpc_requested"] == "Y").sum()),
        "icpcs": len(icpcs),
        "icpc_within_15_working_days_pct": pct(int((working_days(timed["s47_start_date"], timed["icpc_date"]) <= 15)
                                                   .sum()), len(timed)),
        "icpc_threshold_not_met": int(((attendees["conference_type"] == "ICPC") & (attendees["outcome"] == "NO_PLAN"))
                                      .sum()),
        "children_with_plan_during_year": in_period["child_id"].nunique(),
        "families_with_plan_during_year": in_period["child_id"].map(children["family_id"]).nunique(),
        "unborn_at_plan_start": in_period.loc[born.isna() | (born > in_period["start_date"]), "child_id"].nunique(),
        "children_on_plan_at_31_march": open_end["child_id"].nunique(),
        "plan_starts": len(starts),
        "plan_ends": len(ends),
        "second_or_subsequent_plan_pct": pct(int(((starts["previous_plans"] >= 1) | earlier_plan).sum()), len(starts)),
        "category_during_year": {c: int((latest["latest_category"] == c).sum()) for c in ["NEG", "PHY", "EMO", "SAB", "MUL"]},
        "ended_plans_by_duration": {band: int(bands.get(band, 0)) for band in [
            "3_months_or_less", "over_3_to_6_months", "over_6_months_to_under_1_year", "1_to_under_2_years",
            "2_years_or_more"]},
        "ended_plans_2_years_or_more_pct": pct(int(bands.get("2_years_or_more", 0)), len(ends)),
        "on_plan_2_years_or_more_at_31_march": open_end.loc[open_end["start_date"] <= months(end, -24),
                                                            "child_id"].nunique(),
        "reviews_in_timescale_pct": pct(int(in_time.sum()), len(in_time)),
        "conferences_held": len(year_conf),
        "conferences_by_type": year_conf["conference_type"].value_counts().to_dict(),
        "conferences_with_domestic_abuse": int((year_conf["domestic_abuse"] == "Y").sum()),
        "children_with_advocate": attendees.loc[attendees["advocate"] == "Y", "child_id"].nunique(),
        "marac": (len(marac), int(marac["children_in_household"].sum()), int((marac["repeat"] == "Y").sum())),
        "audits_per_month": audits["audit_date"].dt.to_period("M").value_counts().sort_index().tolist(),
        "age_bands": {band: int((people["age_band"] == band).sum())
                      for band in ["unborn", "under_1", "1_to_4", "5_to_9", "10_to_15", "16_plus"]},
        "sex": {s: int((people["sex"] == s).sum()) for s in ["M", "F", "U"]},
        "ethnicity": {code: int(n) for code, n in people["ethnicity"].value_counts().sort_index().items()},
        "disability": {flag: int((people["disability"] == flag).sum()) for flag in ["Y", "N"]},
    }


@pytest.fixture(scope="module")
def seed_figures(t) -> dict:
    return figures(t, SEED_YEAR)


# ----------------------------------------------------------------- regeneration and format


def test_regenerated_sample_is_byte_identical_to_committed_files(tmp_path):
    """write_sample with the default seed rewrites data/sample byte for byte."""
    written = write_sample(tmp_path)
    assert [p.name for p in written] == list(SAMPLE_FILES)
    for name in SAMPLE_FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_la_yaml_names_the_synthetic_authority():
    """la.yaml has exactly the keys name, la_code, region, statistical_neighbours, the extract's coverage and the
    release's date, status and contact."""
    la = yaml.safe_load((SAMPLE / "la.yaml").read_text(encoding="utf-8"))
    assert list(la) == ["name", "la_code", "region", "statistical_neighbours", "extract_date", "first_year", "last_year",
                        "published", "status", "contact", "revisions"]
    assert str(la["published"]["2017-18"]) == "2018-10-15" and la["status"] == "management information"
    assert str(la["extract_date"]) == "2020-03-31" and (la["first_year"], la["last_year"]) == ("2012-13", "2019-20")
    assert la["name"] == "Rutland (synthetic sample)"
    assert la["la_code"] == 857
    assert la["region"] == "East Midlands"
    assert len(la["statistical_neighbours"]) >= 3 and 857 not in la["statistical_neighbours"]
    assert all(isinstance(code, int) and 800 <= code < 1000 for code in la["statistical_neighbours"])


@pytest.mark.parametrize("name", list(COLUMNS))
def test_csv_is_utf8_with_lf_endings_and_contract_header(name):
    """Each CSV is UTF-8, LF-terminated, with the contract's columns in order."""
    raw = (SAMPLE / f"{name}.csv").read_bytes()
    text = raw.decode("utf-8")
    assert "\r" not in text and text.endswith("\n")
    assert text.splitlines()[0].split(",") == COLUMNS[name]


@pytest.mark.parametrize("name", list(COLUMNS))
def test_rows_are_sorted_by_identifier(name):
    """Rows are in identifier order."""
    frame = pd.read_csv(SAMPLE / f"{name}.csv", dtype=str, keep_default_na=False)
    assert frame.equals(frame.sort_values(SORT_KEYS[name], kind="stable").reset_index(drop=True))


@pytest.mark.parametrize("name", list(COLUMNS))
def test_dates_are_iso_flags_are_y_n_and_identifiers_are_synthetic(name):
    """Dates are YYYY-MM-DD or blank, flags Y/N, identifiers synthetic codes."""
    frame = pd.read_csv(SAMPLE / f"{name}.csv", dtype=str, keep_default_na=False)
    for column in DATES.get(name, []):
        assert frame[column].str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all(), column
    for column in FLAGS.get(name, []):
        assert frame[column].isin(["Y", "N"]).all(), column
    for column, pattern in IDENTIFIERS.items():
        if column in frame:
            assert frame[column].str.fullmatch(pattern).all(), column


def test_unique_identifiers_are_unique(t):
    """Each table's own identifier appears once."""
    for name, column in [("children", "child_id"), ("referrals", "referral_id"), ("s47_enquiries", "s47_id"),
                         ("cp_plans", "plan_id"), ("conferences", "conference_id"), ("case_audits", "audit_id")]:
        assert t[name][column].is_unique, name


def test_codes_are_from_the_contract(t):
    """Sex, ethnicity, sources, needs, categories, types, outcomes, grades and respondents use contract codes."""
    assert t["children"]["sex"].isin(["M", "F", "U"]).all()
    assert t["children"]["ethnicity"].isin(ETHNICITY_CODES).all()
    assert t["referrals"]["referral_source"].isin(REFERRAL_SOURCES).all()
    assert t["referrals"]["primary_need"].str.fullmatch(r"N\d").all()
    assert t["cp_plans"][["initial_category", "latest_category"]].isin(["NEG", "PHY", "EMO", "SAB", "MUL"]).all().all()
    assert (t["cp_plans"]["previous_plans"] >= 0).all()
    assert t["conferences"]["conference_type"].isin(["ICPC", "RCPC", "TRANSFER_IN"]).all()
    assert t["conference_children"]["outcome"].isin(["PLAN_START", "PLAN_CONTINUE", "PLAN_END", "NO_PLAN"]).all()
    assert t["conference_agencies"]["agency"].isin(AGENCIES).all()
    assert t["case_audits"]["grade"].isin(["OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE"]).all()
    assert t["feedback"]["respondent"].isin(["PARENT", "CHILD", "FAMILY_MEMBER", "PROFESSIONAL"]).all()
    assert t["feedback"]["rating"].between(1, 5).all()


def test_sample_passes_the_data_contract():
    """cpstats' own loader accepts the sample without a problem or warning."""
    dataset = pytest.importorskip("cpstats.data.dataset")
    if not hasattr(dataset, "load_dataset"):
        pytest.skip("cpstats.data.dataset.load_dataset is not available")
    ds = dataset.load_dataset(SAMPLE)
    assert not ds.warnings


# ----------------------------------------------------------------- the 2017-18 figures

SEED_2017_18 = {
    "referrals": 305,
    "s47_enquiries": 94,
    "icpc_requests": 35,
    "icpc_threshold_not_met": 4,
    "children_with_plan_during_year": 40,
    "families_with_plan_during_year": 20,
    "unborn_at_plan_start": 1,
    "children_on_plan_at_31_march": 19,
    "plan_starts": 20,
    "plan_ends": 21,
    "category_during_year": {"NEG": 18, "PHY": 0, "EMO": 20, "SAB": 2, "MUL": 0},
    "conferences_held": 52,
    "conferences_with_domestic_abuse": 20,
    "children_with_advocate": 11,
    "marac": (18, 24, 8),
    "reviews_in_timescale_pct": 100.0,
    "on_plan_2_years_or_more_at_31_march": 0,
    "ended_plans_2_years_or_more_pct": 0.0,
    "second_or_subsequent_plan_pct": 0.0,
    "audits_per_month": None,  # checked below: 8 months with 2, 4 with 1
    "age_bands": {"unborn": 1, "under_1": 2, "1_to_4": 9, "5_to_9": 13, "10_to_15": 14, "16_plus": 1},
    "sex": {"M": 22, "F": 17, "U": 1},
    "ethnicity": {"NOBT": 1, "WBRI": 35, "WOTH": 4},
}


@pytest.mark.parametrize("measure", [m for m, v in SEED_2017_18.items() if v is not None])
def test_2017_18_reproduces_the_model_report(seed_figures, measure):
    """Each 2017-18 figure of seed-figures.md comes out exactly."""
    assert seed_figures[measure] == SEED_2017_18[measure]


def test_2016_17_referrals_are_412(t):
    """2016-17 had 412 referrals, so 2017-18's 305 is a 26% fall."""
    assert figures(t, "2016-17")["referrals"] == 412


def test_2017_18_plans_ended_lasting_6_to_12_months(seed_figures):
    """5 of the 21 plans ended in 2017-18 lasted over 6 months and under a year (24%)."""
    assert seed_figures["ended_plans_by_duration"]["over_6_months_to_under_1_year"] == 5
    assert seed_figures["ended_plans_by_duration"]["2_years_or_more"] == 0


def test_2017_18_case_audits_two_a_month_with_four_short_months(seed_figures):
    """20 audits in 2017-18: 8 months with 2 and 4 months with 1."""
    assert sorted(seed_figures["audits_per_month"]) == [1] * 4 + [2] * 8


def test_2017_18_disability_is_mostly_n(seed_figures):
    """One or two of the 40 children have a disability."""
    assert seed_figures["disability"]["Y"] in (1, 2)
    assert sum(seed_figures["disability"].values()) == 40


def test_2017_18_unborn_child_is_born_after_31_march_with_sex_u(t):
    """The child unborn at 31 March 2018 is sex U, has an expected date of birth and was born after that day."""
    people = profile(t, SEED_YEAR)
    unborn = people[people["age_band"] == "unborn"]
    assert len(unborn) == 1
    child = unborn.iloc[0]
    assert child["sex"] == "U" and pd.notna(child["expected_date_of_birth"])
    assert pd.isna(child["date_of_birth"]) or child["date_of_birth"] > pd.Timestamp("2018-03-31")


def test_2017_18_plan_starts_are_all_first_plans(t):
    """No plan starting in 2017-18 has a recorded or an earlier plan in the data."""
    plans = t["cp_plans"]
    starts = plans[in_year(plans["start_date"], SEED_YEAR)]
    assert (starts["previous_plans"] == 0).all()
    first_start = plans.groupby("child_id")["start_date"].min()
    assert (starts["start_date"] == starts["child_id"].map(first_start)).all()


def test_2017_18_uses_the_reference_population():
    """19 children per 8,166 is the published rate of 23.3 per 10,000."""
    assert round(19 / POPULATION_2017_18 * 10000, 1) == 23.3


# ----------------------------------------------------------------- other years


@pytest.mark.parametrize("year", REPORT_YEARS)
def test_year_is_plausible_for_a_small_county(t, year):
    """Referrals, enquiries, ICPCs and plans are in the range of Rutland's published figures."""
    f = figures(t, year)
    assert 200 <= f["referrals"] <= 420
    assert 50 <= f["s47_enquiries"] <= 110
    assert 15 <= f["children_on_plan_at_31_march"] <= 35
    assert 20 <= f["plan_starts"] <= 45
    assert 15 <= f["rereferrals_within_12_months_pct"] <= 25
    assert f["reviews_in_timescale_pct"] == 100.0
    assert f["on_plan_2_years_or_more_at_31_march"] == 0
    assert 10 <= f["marac"][0] <= 30
    if year != SEED_YEAR:
        assert 30 <= f["icpcs"] <= 60
        assert 15 <= f["second_or_subsequent_plan_pct"] <= 40
        assert 1 <= f["icpc_threshold_not_met"] <= 10
        assert f["conferences_held"] >= 30


@pytest.mark.parametrize("year", REPORT_YEARS)
def test_flow_identity_holds(t, year):
    """On plan at 31 March last year + starts - ends = on plan at 31 March."""
    f, before = figures(t, year), figures(t, previous_year(year))
    assert before["children_on_plan_at_31_march"] + f["plan_starts"] - f["plan_ends"] == f["children_on_plan_at_31_march"]


def test_a_plan_open_on_31_march_is_open_on_1_april(t):
    """The children on a plan at the end of each year are on a plan on the first day of the next."""
    plans = t["cp_plans"]
    for year in REPORT_YEARS:
        _, end = bounds(year)
        day_after = end + pd.Timedelta(days=1)
        on_first_day = plans[(plans["start_date"] < day_after) & (plans["end_date"].isna() | (plans["end_date"] >= day_after))]
        assert set(open_at(plans, end)["child_id"]) == set(on_first_day["child_id"])


# ----------------------------------------------------------------- consistency of the records


def test_no_child_has_two_plans_open_at_once(t):
    """Each child's plans follow one another without overlap."""
    plans = t["cp_plans"].sort_values(["child_id", "start_date"])
    previous_end = plans.groupby("child_id")["end_date"].shift()
    later = plans.groupby("child_id").cumcount() > 0
    assert not (later & (previous_end.isna() | (plans["start_date"] <= previous_end))).any()


def test_reviews_lie_within_their_plans_and_plans_end_at_a_review(t):
    """Reviews fall after the start and not after the end; an ended plan ends on its last review."""
    reviews = t["cp_reviews"].merge(t["cp_plans"], on="plan_id", how="left", validate="many_to_one")
    assert reviews["start_date"].notna().all()
    assert (reviews["review_date"] > reviews["start_date"]).all()
    assert (reviews["end_date"].isna() | (reviews["review_date"] <= reviews["end_date"])).all()
    last = reviews.groupby("plan_id")["review_date"].max()
    ended = t["cp_plans"][t["cp_plans"]["end_date"].notna()].set_index("plan_id")
    assert (ended["end_date"] == last.reindex(ended.index)).all()


def test_every_plan_is_reviewed_on_time_at_realistic_intervals(t):
    """First review 2.5 to 3 months after the start, the next within 6 months; no plan lasts 2 years."""
    plans = t["cp_plans"].set_index("plan_id")
    for plan_id, dates in t["cp_reviews"].groupby("plan_id")["review_date"]:
        dates = sorted(dates)
        start = plans.at[plan_id, "start_date"]
        assert months(start, 2) <= dates[0] <= months(start, 3), plan_id
        for before, after in zip(dates, dates[1:]):
            assert after <= months(before, 6), plan_id
    ended = t["cp_plans"][t["cp_plans"]["end_date"].notna()]
    assert (ended["end_date"] < months(ended["start_date"], 24)).all()


def test_records_refer_to_existing_children_referrals_plans_and_conferences(t):
    """Every reference between tables resolves, and each enquiry's referral is of the same child."""
    children = set(t["children"]["child_id"])
    for name in ["referrals", "s47_enquiries", "cp_plans", "conference_children", "case_audits"]:
        assert set(t[name]["child_id"]) <= children, name
    referral_child = t["referrals"].set_index("referral_id")["child_id"]
    assert (t["s47_enquiries"]["referral_id"].map(referral_child) == t["s47_enquiries"]["child_id"]).all()
    assert set(t["cp_reviews"]["plan_id"]) <= set(t["cp_plans"]["plan_id"])
    conferences = set(t["conferences"]["conference_id"])
    for name in ["conference_children", "conference_agencies", "feedback"]:
        assert set(t[name]["conference_id"]) <= conferences, name
    assert set(t["children"]["child_id"]) == set(t["referrals"]["child_id"])


def test_children_have_birth_dates_unless_unborn(t):
    """A blank date of birth comes with sex U and an expected date after the extract; children are under 18."""
    c = t["children"]
    unborn = c[c["date_of_birth"].isna()]
    assert unborn["expected_date_of_birth"].notna().all() and (unborn["sex"] == "U").all()
    assert (unborn["expected_date_of_birth"] > pd.Timestamp("2020-03-31")).all()
    first_referral = t["referrals"].groupby("child_id")["referral_date"].min()
    born = c.set_index("child_id")["date_of_birth"]
    age_days = (first_referral - born.reindex(first_referral.index)).dt.days.dropna()
    assert (age_days < 18 * 365).all()
    plans = t["cp_plans"].merge(c, on="child_id")
    last_day = plans["end_date"].fillna(pd.Timestamp("2020-03-31"))
    assert (plans["date_of_birth"].isna() | (last_day < months(plans["date_of_birth"], 12 * 18))).all()


def test_referrals_close_after_they_open_and_some_are_re_referrals(t):
    """Closure is blank or on/after the referral; a child's referrals do not overlap."""
    r = t["referrals"].sort_values(["child_id", "referral_date"])
    assert (r["closure_date"].isna() | (r["closure_date"] >= r["referral_date"])).all()
    previous_closure = r.groupby("child_id")["closure_date"].shift()
    later = r.groupby("child_id").cumcount() > 0
    assert not (later & (previous_closure.isna() | (r["referral_date"] <= previous_closure))).any()


def test_enquiries_follow_referrals_and_strategy_discussions(t):
    """Referral <= strategy discussion <= s47 start <= ICPC; most ICPCs within 15 working days."""
    s = t["s47_enquiries"].merge(t["referrals"][["referral_id", "referral_date"]], on="referral_id")
    assert (s["referral_date"] <= s["strategy_discussion_date"]).all()
    assert (s["strategy_discussion_date"] <= s["s47_start_date"]).all()
    held = s[s["icpc_date"].notna()]
    assert (held["icpc_date"] >= held["s47_start_date"]).all()
    assert (held["icpc_requested"] == "Y").all()
    late = working_days(held["s47_start_date"], held["icpc_date"]) > 15
    assert 0 < late.mean() < 0.15


def test_initial_conferences_match_enquiries_and_plan_starts(t):
    """Each child at an ICPC has an enquiry with that ICPC date; each plan starts at an ICPC or transfer-in."""
    conf = t["conferences"].set_index("conference_id")
    attendees = t["conference_children"].join(conf[["conference_type", "date", "family_id"]], on="conference_id")
    icpc = attendees[attendees["conference_type"] == "ICPC"]
    held = set(zip(t["s47_enquiries"]["child_id"], t["s47_enquiries"]["icpc_date"]))
    assert all(key in held for key in zip(icpc["child_id"], icpc["date"]))
    starts = attendees[attendees["outcome"] == "PLAN_START"]
    assert starts["conference_type"].isin(["ICPC", "TRANSFER_IN"]).all()
    assert set(zip(starts["child_id"], starts["date"])) == set(zip(t["cp_plans"]["child_id"], t["cp_plans"]["start_date"]))
    assert (attendees[attendees["conference_type"] != "ICPC"]["outcome"] != "NO_PLAN").all()


def test_review_conferences_match_review_dates(t):
    """Each child at an RCPC has a review of their plan that day; PLAN_END falls on the plan's end."""
    conf = t["conferences"].set_index("conference_id")
    attendees = t["conference_children"].join(conf[["conference_type", "date"]], on="conference_id")
    rcpc = attendees[attendees["conference_type"] == "RCPC"]
    reviews = t["cp_reviews"].merge(t["cp_plans"][["plan_id", "child_id"]], on="plan_id")
    assert set(zip(rcpc["child_id"], rcpc["date"])) == set(zip(reviews["child_id"], reviews["review_date"]))
    ending = rcpc[rcpc["outcome"] == "PLAN_END"]
    ended = t["cp_plans"][t["cp_plans"]["end_date"].notna()]
    assert set(zip(ending["child_id"], ending["date"])) == set(zip(ended["child_id"], ended["end_date"]))


def test_conference_children_belong_to_the_conference_family(t):
    """The children at a conference are of the family named on it, and attendance never exceeds invitations."""
    family = t["children"].set_index("child_id")["family_id"]
    attendees = t["conference_children"].merge(t["conferences"][["conference_id", "family_id"]], on="conference_id")
    assert (attendees["child_id"].map(family) == attendees["family_id"]).all()
    assert (t["conferences"]["children_attended"] <= t["conferences"]["children_invited"]).all()


def test_agency_rows_are_consistent(t):
    """An agency not invited did not attend; a report on time was a report submitted; every conference has agencies."""
    a = t["conference_agencies"]
    assert not ((a["invited"] == "N") & (a["attended"] == "Y")).any()
    assert not ((a["report_on_time"] == "Y") & (a["report_submitted"] == "N")).any()
    assert set(a["conference_id"]) == set(t["conferences"]["conference_id"])
    assert not a.duplicated(["conference_id", "agency"]).any()


def test_feedback_is_collected_from_january_2017(t):
    """Feedback forms exist only for conferences from January 2017."""
    dates = t["feedback"]["conference_id"].map(t["conferences"].set_index("conference_id")["date"])
    assert (dates >= pd.Timestamp("2017-01-01")).all() and len(dates) > 0


def test_marac_repeats_follow_a_referral_within_12_months(t):
    """A repeat victim was referred in the 12 months before; no victim twice in a year."""
    m = t["marac"].sort_values(["victim_id", "referral_date"])
    before = m.groupby("victim_id")["referral_date"].shift()
    repeats = m[m["repeat"] == "Y"]
    assert (before[repeats.index] >= months(repeats["referral_date"], -12)).all()
    year = m["referral_date"].apply(lambda d: d.year if d.month >= 4 else d.year - 1)
    assert not pd.concat([m["victim_id"], year], axis=1).duplicated().any()


def test_case_audits_are_of_children_on_a_plan(t):
    """Every audited child was on a plan on the audit date."""
    audits = t["case_audits"].merge(t["cp_plans"], on="child_id")
    covered = (audits["start_date"] <= audits["audit_date"]) & (
        audits["end_date"].isna() | (audits["audit_date"] <= audits["end_date"]))
    assert covered.groupby(audits["audit_id"]).any().all()


# ----------------------------------------------------------------- agreement with cpstats.figures.measures

COMPARED = ["referrals", "s47_enquiries", "icpc_requests", "icpcs", "icpc_threshold_not_met",
            "children_with_plan_during_year", "families_with_plan_during_year", "unborn_at_plan_start",
            "children_on_plan_at_31_march", "plan_starts", "plan_ends", "category_during_year",
            "ended_plans_by_duration", "on_plan_2_years_or_more_at_31_march", "conferences_with_domestic_abuse",
            "children_with_advocate", "age_bands", "sex"]
COMPARED_PCT = ["rereferrals_within_12_months_pct", "icpc_within_15_working_days_pct",
                "second_or_subsequent_plan_pct", "reviews_in_timescale_pct", "ended_plans_2_years_or_more_pct"]


@pytest.mark.parametrize("year", REPORT_YEARS)
def test_cpstats_metrics_agree_with_the_recomputed_figures(t, year):
    """cpstats.figures.measures.compute_measures gives the same figures as the independent recomputation."""
    metrics = pytest.importorskip("cpstats.figures.measures")
    dataset = pytest.importorskip("cpstats.data.dataset")
    if not (hasattr(metrics, "compute_measures") and hasattr(dataset, "load_dataset")):
        pytest.skip("cpstats.figures.measures.compute_measures is not available")
    measures = metrics.compute_measures(dataset.load_dataset(SAMPLE), year, POPULATION_2017_18)
    mine = figures(t, year)
    for name in COMPARED:
        assert measures[name] == mine[name], name
    for name in COMPARED_PCT:
        expected = mine[name]
        assert (measures[name] is None) if expected is None else measures[name] == pytest.approx(expected, abs=0.051), name
    assert measures["conferences_held"]["total"] == mine["conferences_held"]
    if year == SEED_YEAR:
        assert measures["cpp_rate_per_10000_at_31_march"] == 23.3


# ----------------------------------------------------------------- every authority at its published figures
#
# `cpstats synth --national` builds each authority on its published headline figures in data/reference;
# `cpstats synth --check` computes its measures with cpstats.figures.measures and compares. Six authorities
# of every size: the two smallest (Isles of Scilly, City of London, most figures withheld), Rutland, Croydon,
# Leicestershire and the largest (Kent).

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NATIONAL_SAMPLE = {420: "isles-of-scilly", 201: "city-of-london", 857: "rutland", 306: "croydon",
                   855: "leicestershire", 886: "kent"}
NATIONAL_YEARS = ["2017-18", "2018-19", "2019-20"]
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


def _published(la_code: int, year: str, measure: str) -> float | None:
    from cpstats.data.reference import published_value

    value = published_value(la_code, measure, year, REFERENCE)
    return value if isinstance(value, float) else None


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """The six authorities, written by the command (the same seed twice) from a DfE list cut to them."""
    from cpstats.cli import main

    root = tmp_path_factory.mktemp("national")
    dfe = root / "dfe"
    dfe.mkdir()
    authorities = pd.read_csv(REFERENCE / "authorities.csv")
    authorities = authorities[authorities["la_code"].isin(NATIONAL_SAMPLE) & (authorities["current"] == "yes")]
    authorities[["la_code", "new_la_code", "la_name", "region_code", "region_name"]].to_csv(
        dfe / "local_authorities.csv", index=False)
    for out in ("one", "two"):
        assert main(["synth", "--national", "--out", str(root / out), "--dfe", str(dfe),
                     "--years", f"{NATIONAL_YEARS[0]}:{NATIONAL_YEARS[-1]}"]) == 0
    return root


def test_national_writes_the_six_authorities_the_same_bytes_each_time(national):
    one, two = national / "one", national / "two"
    assert sorted(p.name for p in one.iterdir()) == sorted(NATIONAL_SAMPLE.values())
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)


def test_every_reported_years_headline_measures_are_within_10_percent(national):
    """Every published headline figure of every reported year, against the measures code: within 10%, or
    within the absolute tolerance where 10% is less than a child (repeat plans' share, two years or more)."""
    from cpstats.data.national import ABSOLUTE_TOLERANCE, HEADLINE
    from cpstats.figures.synthetic import check_national, worst_differences

    check = check_national(national / "one", REFERENCE)
    assert set(check["folder"]) == set(NATIONAL_SAMPLE.values())
    assert set(check["year"]) == set(NATIONAL_YEARS)
    # every headline measure is compared in every year for the four authorities DfE publishes in full
    for folder in ("rutland", "croydon", "leicestershire", "kent"):
        mine = check[check["folder"] == folder]
        code = int(mine["la_code"].iloc[0])
        for measure in HEADLINE:
            published = [y for y in NATIONAL_YEARS if _published(code, y, measure) is not None]
            assert sorted(mine.loc[mine["measure"] == measure, "year"]) == published, (folder, measure)
            if measure in ("referrals", "plan_starts", "children_on_plan_at_31_march"):
                assert published == NATIONAL_YEARS, (folder, measure)
    outside = check[~check["within"] & check["headline"]]
    assert outside.empty, outside.to_string()
    worst = worst_differences(check).set_index("measure")
    assert set(worst.index) == set(HEADLINE) | {"rereferrals_within_12_months_pct"}
    for measure, row in worst.loc[list(HEADLINE)].iterrows():
        assert row["worst_relative"] <= 0.10 or measure in ABSOLUTE_TOLERANCE, (measure, row.to_dict())


def test_the_first_reported_year_starts_from_the_published_stock(national):
    """No ramp-up from empty: the plans open on 1 April of the first reported year are the children the
    authority published on a plan at the 31 March before, and the records begin years earlier with plans open."""
    from cpstats.data.dataset import load_dataset
    from cpstats.figures.measures import compute_measures

    for code, folder in NATIONAL_SAMPLE.items():
        ds = load_dataset(national / "one" / folder)
        plans = ds.cp_plans
        first_day = pd.Timestamp("2017-04-01")
        open_then = plans[(plans["start_date"] < first_day)
                          & (plans["end_date"].isna() | (plans["end_date"] >= first_day))]
        before = _published(code, "2016-17", "children_on_plan_at_31_march")
        if before is not None:
            assert open_then["child_id"].nunique() == before, folder
            assert compute_measures(ds, "2016-17", None)["children_on_plan_at_31_march"] == before, folder
        assert ds.referrals["referral_date"].min() < pd.Timestamp("2014-05-01"), folder  # three years of history
        if code in (306, 855, 886):
            earliest = ds.cp_plans["start_date"].min()
            assert earliest < pd.Timestamp("2014-04-01"), folder  # plans open when the records begin


def test_la_yaml_says_which_fallback_each_withheld_figure_uses_and_whose_ethnic_mix(national):
    notes = {folder: yaml.safe_load((national / "one" / folder / "la.yaml").read_text())["synthetic_notes"]
             for folder in NATIONAL_SAMPLE.values()}
    for folder, lines in notes.items():
        assert "ethnicity: one England-wide mix, not this authority's (DfE's files give none by authority)" in lines, folder
    city = "\n".join(notes["city-of-london"])
    assert re.search(r"^plan_starts: .*2016-17 \[c\].*: 2015-16's used$", city, re.M)
    assert re.search(r"^plan_starts: 2017-18 \[c\], 2019-20 \[c\]: 2018-19's used$", city, re.M)
    assert re.search(r"children_on_plan_at_31_march: .*2017-18 \[c\].*: 1 \(.*\[c\] is a small count\) used", city)
    assert not [line for line in notes["kent"] if "[" in line]  # Kent's figures are all published
    la = yaml.safe_load((national / "one" / "rutland" / "la.yaml").read_text())
    assert la["la_code"] == 857 and la["first_year"] == NATIONAL_YEARS[0] and la["last_year"] == NATIONAL_YEARS[-1]
    assert la["statistical_neighbours"][:3] == [865, 815, 893]  # from data/reference when --dfe has none


def test_synth_check_prints_the_worst_difference_per_measure(national, capsys):
    from cpstats.cli import main

    assert main(["synth", "--check", str(national / "one")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "6 authorities; worst difference from the published figure, per measure:"
    assert re.fullmatch(r"  referrals: 0\.0% \(\d+ for \d+, [a-z-]+ 20\d\d-\d\d\); \d+ of \d+ within 10%", out[1])
    assert out[8].startswith("  rereferrals_within_12_months_pct: ")
    assert out[8].endswith(" (drawn towards the figure, not built on it)")
    assert len(out) == 9 and not any("outside" in line for line in out)


def test_synth_check_fails_when_a_figure_is_off(national, tmp_path, capsys):
    """The checker can fail: Croydon with a quarter of its 2019-20 referrals gone is outside."""
    import shutil

    from cpstats.cli import main

    folder = tmp_path / "croydon"
    shutil.copytree(national / "one" / "croydon", folder)
    referrals = pd.read_csv(folder / "referrals.csv", dtype=str, keep_default_na=False)
    late = referrals.index[referrals["referral_date"] >= "2019-04-01"]
    s47 = pd.read_csv(folder / "s47_enquiries.csv", dtype=str, keep_default_na=False)
    with_enquiry = set(s47["referral_id"])
    dropped = [i for i, r in zip(late, referrals.loc[late, "referral_id"]) if r not in with_enquiry][: len(late) // 4]
    referrals.drop(index=dropped).to_csv(folder / "referrals.csv", index=False, lineterminator="\n")
    assert main(["synth", "--check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "  outside: croydon 2019-20 referrals:" in out


@pytest.mark.parametrize("argv, message", [
    (["synth", "--check", "no-such-folder"], "--check no-such-folder: no authority folder"),
    (["synth", "--national", "--out", "x", "--history", "40"], "--history 40: give 0 to 10 years"),
    (["synth", "--national", "--out", "x", "--dfe", "no-such-dfe"], "--dfe no-such-dfe: no local_authorities.csv"),
])
def test_synth_national_refuses_bad_options_in_one_line(argv, message, capsys, tmp_path, monkeypatch):
    from cpstats.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


_year_figures = st.fixed_dictionaries({
    "referrals": st.integers(40, 400), "plan_starts": st.integers(0, 40),
    "children_on_plan_at_31_march": st.integers(0, 60), "on_plan_2_years_or_more_at_31_march": st.integers(0, 6),
    "second_or_subsequent_plan_pct": st.floats(0, 60).map(lambda x: round(x, 1)),
    "s47_enquiries": st.integers(0, 40), "icpcs": st.integers(0, 40),
})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(figures=st.lists(_year_figures, min_size=4, max_size=4), seed=st.integers(0, 2**32 - 1))
def test_any_figures_are_met_exactly_or_la_yaml_says_by_how_much_not(figures, seed, tmp_path_factory):
    """Whatever the figures, each year's counts are the figures (repeat plans to the nearest child), or, where
    the plans cannot give them (too few plans open long enough, more referrals than ...), la.yaml says by how much."""
    from cpstats.data.dataset import load_dataset
    from cpstats.data.national import Targets, write_authority
    from cpstats.figures.measures import compute_measures

    years = [2015, 2016, 2017, 2018]
    values = {m: {y: float(f[m]) for y, f in zip(years, figures)} for m in figures[0]}
    folder = tmp_path_factory.mktemp("any") / "la"
    write_authority(folder, 857, "Anywhere", "East Midlands", [], Targets(857, years, values), np.random.default_rng(seed),
                    history=2)
    ds = load_dataset(folder)
    notes = "\n".join(yaml.safe_load((folder / "la.yaml").read_text())["synthetic_notes"])
    for year in years[2:]:
        label = f"{year}-{(year + 1) % 100:02d}"
        got = compute_measures(ds, label, None)
        f = {m: values[m][year] for m in values}
        assert got["plan_starts"] == f["plan_starts"]
        repeats = round(f["second_or_subsequent_plan_pct"] * f["plan_starts"] / 100)
        if f["plan_starts"]:
            assert got["second_or_subsequent_plan_pct"] == round(100 * repeats / f["plan_starts"] + 1e-9, 1)
        for measure in ("children_on_plan_at_31_march", "on_plan_2_years_or_more_at_31_march", "referrals",
                        "s47_enquiries", "icpcs"):
            noted = re.search(rf"^{measure} {label}: ([+-]?\d+) from the figure", notes, re.M)
            assert got[measure] - f[measure] == (int(noted.group(1)) if noted else 0), (measure, label, got, f, notes)


def test_recent_years_and_new_authorities_are_within_10_percent_with_short_notes(tmp_path):
    """2020-21 to 2024-25 for the Isles of Scilly (referrals published, most else withheld: enquiries taken
    from other years are lowered to fit them) and the two authorities formed from Cumbria in 2023-24
    (earlier years not published: the nearest year's figures); every note one line of at most 200 characters."""
    from cpstats.data.national import NOTE_LENGTH
    from cpstats.figures.synthetic import check_national
    from cpstats.data.scale import write_national

    folders = write_national(tmp_path, None, ["2020-21", "2021-22", "2022-23", "2023-24", "2024-25"],
                             reference_dir=REFERENCE, la_codes=[420, 942, 943])
    assert sorted(f.name for f in folders) == ["cumberland", "isles-of-scilly", "westmorland-and-furness"]
    check = check_national(tmp_path, REFERENCE)
    outside = check[~check["within"] & check["headline"]]
    assert outside.empty, outside.to_string()
    assert set(check.loc[check["folder"] == "cumberland", "year"]) == {"2023-24", "2024-25"}
    for folder in folders:
        notes = yaml.safe_load((folder / "la.yaml").read_text())["synthetic_notes"]
        assert all(len(line) <= NOTE_LENGTH and "\n" not in line for line in notes)
    scilly = yaml.safe_load((tmp_path / "isles-of-scilly" / "la.yaml").read_text())["synthetic_notes"]
    assert "s47_enquiries 2021-22: lowered to 5, at most half the year's referrals" in scilly
    cumberland = yaml.safe_load((tmp_path / "cumberland" / "la.yaml").read_text())["synthetic_notes"]
    assert "plan_starts: 2017-18 to 2022-23 not published: 2023-24's used" in cumberland
