"""Intervals, verdicts and national positions (cpstats.figures.uncertainty), against published values and statsmodels."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpstats.figures.figures import Withheld, is_withheld
from cpstats.figures.uncertainty import (
    Interval,
    interval_for,
    lait_ranks,
    national_position,
    neighbours_median,
    poisson_rate_interval,
    verdict,
    wilson_interval,
)

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


# ----------------------------------------------------------------- against published values


@pytest.mark.parametrize("count, total, low, high", [
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3 (Wilson score)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe(count, total, low, high):
    found = wilson_interval(count, total)
    assert found[0] == pytest.approx(100 * low, abs=0.01)
    assert found[1] == pytest.approx(100 * high, abs=0.01)


@pytest.mark.parametrize("count, low, high", [
    # exact (Garwood) 95% limits of a Poisson count, as tabulated (e.g. Ulm 1990; PHE's technical guide)
    (0, 0.0, 3.689),
    (1, 0.0253, 5.572),
    (10, 4.795, 18.39),
    (19, 11.44, 29.67),
])
def test_exact_poisson_matches_tables(count, low, high):
    found = poisson_rate_interval(count, 10_000)
    assert found[0] == pytest.approx(low, abs=0.001 if count < 10 else 0.01)
    assert found[1] == pytest.approx(high, abs=0.001 if count < 10 else 0.01)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_statsmodels(pair):
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    count, total = pair
    low, high = proportion.proportion_confint(count, total, alpha=0.05, method="wilson")
    found = wilson_interval(count, total)
    assert found == pytest.approx((100 * low, 100 * high), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3000), st.integers(100, 300_000))
def test_exact_poisson_matches_statsmodels(count, population):
    rates = pytest.importorskip("statsmodels.stats.rates")
    low, high = rates.confint_poisson(count, population, method="exact-c", alpha=0.05)
    found = poisson_rate_interval(count, population)
    assert found == pytest.approx((10_000 * low, 10_000 * high), rel=1e-9, abs=1e-12)


# ----------------------------------------------------------------- properties


@given(st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), st.integers(2, 20))
def test_wilson_holds_the_estimate_and_widens_as_counts_shrink(pair, factor):
    count, total = pair
    low, high = wilson_interval(count, total)
    assert 0 <= low <= 100 * count / total <= high <= 100
    bigger = wilson_interval(count * factor, total * factor)
    assert high - low > bigger[1] - bigger[0]


@given(st.integers(0, 2000), st.integers(500, 200_000), st.integers(2, 20))
def test_poisson_holds_the_estimate_and_widens_as_counts_shrink(count, population, factor):
    low, high = poisson_rate_interval(count, population)
    assert 0 <= low <= 10_000 * count / population <= high
    bigger = poisson_rate_interval(count * factor, population * factor)
    assert high - low > bigger[1] - bigger[0]


@given(st.floats(0, 100), st.floats(0, 100), st.floats(0, 100))
def test_verdict_follows_the_interval_not_the_point(a, b, other):
    interval = Interval(min(a, b), max(a, b), "percent")
    found = verdict(interval, other)
    assert found == ("similar" if interval.low <= other <= interval.high else "lower" if other > interval.high else "higher")


def test_bad_counts_are_refused():
    for bad in ((-1, 10), (3, 2), (1.5, 10), (True, 10)):
        with pytest.raises(ValueError):
            wilson_interval(*bad)
    with pytest.raises(ValueError):
        poisson_rate_interval(3, 0)


# ----------------------------------------------------------------- from the protected figures


FIGURES = {
    "cpp_rate_per_10000_at_31_march": 23.3, "children_on_plan_at_31_march": 19, "population": 8166,
    "plan_start_rate_per_10000": 29.4, "plan_starts": 24,
    "second_or_subsequent_plan_pct": 12.5,
    "plan_ends": 30, "ended_plans_by_duration.2_years_or_more": 3, "ended_plans_2_years_or_more_pct": 10.0,
    "reviews_in_timescale_pct": 95.0,
}


def test_intervals_from_the_figures():
    rate = interval_for("cpp_rate_per_10000_at_31_march", FIGURES)
    assert str(rate) == "14.0 to 36.3" and rate.kind == "rate"
    assert (rate.low, rate.high) == poisson_rate_interval(19, 8166)
    repeat = interval_for("second_or_subsequent_plan_pct", FIGURES)  # 3 of 24, worked out from 12.5% of 24
    assert (repeat.low, repeat.high) == wilson_interval(3, 24)
    ended = interval_for("ended_plans_2_years_or_more_pct", FIGURES)
    assert (ended.low, ended.high) == wilson_interval(3, 30)
    assert interval_for("reviews_in_timescale_pct", FIGURES) is None  # the children reviewed are not published
    assert interval_for("referrals", {"referrals": 305}) is None


def test_a_withheld_figure_has_a_withheld_interval():
    hidden = {**FIGURES, "ended_plans_2_years_or_more_pct": Withheld(), "ended_plans_by_duration.2_years_or_more": Withheld(True)}
    assert is_withheld(interval_for("ended_plans_2_years_or_more_pct", hidden))
    behind = {**FIGURES, "plan_starts": Withheld(True)}
    assert is_withheld(interval_for("second_or_subsequent_plan_pct", behind))
    assert is_withheld(interval_for("plan_start_rate_per_10000", behind))
    assert is_withheld(national_position("cpp_rate_per_10000_at_31_march", "2017-18", 857, Withheld(), REFERENCE))


# ----------------------------------------------------------------- national rank, as DfE's LAIT ranks


def test_ranks_share_the_lowest_place():
    assert lait_ranks({"a": 2.0, "b": 2.0, "c": 1.0, "d": 3.0, "e": 2.0}) == {"a": 2, "b": 2, "c": 1, "d": 5, "e": 2}


@pytest.mark.parametrize("measure", ["cpp_rate_per_10000_at_31_march", "plan_start_rate_per_10000",
                                     "second_or_subsequent_plan_pct"])
def test_rank_of_every_authority_in_one_year(measure):
    import pandas as pd

    table = pd.read_csv(REFERENCE / "published.csv", dtype={"area_code": str})
    rows = table[(table["area_type"] == "la") & (table["measure"] == measure) & (table["year"] == "2017-18")
                 & table["status"].isin(["published", "derived"])]
    values = dict(zip(rows["area_code"], rows["value"].astype(float)))
    assert len(values) > 140
    for code, value in values.items():
        position = national_position(measure, "2017-18", int(code), value, REFERENCE)
        below = sum(v < value for v in values.values())
        assert position.rank == 1 + below and position.of == len(values)
        assert position.quarter == min(4, 1 + 4 * below // len(values))
        assert position.band is None  # neither high nor low is better: no band of performance


@pytest.mark.parametrize("measure, better", [("icpc_within_15_working_days_pct", "high"),
                                             ("rereferrals_within_12_months_pct", "low")])
def test_band_of_every_authority_in_one_year(measure, better):
    """A measure with a polarity has a quartile band, A the best quarter: for every authority in 2017-18, counted
    afresh from data/reference (ties sharing the lowest rank, as LAIT does)."""
    import csv

    with open(REFERENCE / "published.csv", encoding="utf-8") as handle:
        values = {row["area_code"]: float(row["value"]) for row in csv.DictReader(handle)
                  if row["area_type"] == "la" and row["measure"] == measure and row["year"] == "2017-18"
                  and row["status"] in ("published", "derived")}
    assert len(values) > 130  # some authorities' timeliness is not published ([x])
    bands = []
    for code, value in values.items():
        position = national_position(measure, "2017-18", int(code), value, REFERENCE)
        rank = 1 + sum(v < value for v in values.values())
        lowest_quarter_first = "ABCD"[min(3, 4 * (rank - 1) // len(values))]
        expected = lowest_quarter_first if better == "low" else "DCBA"["ABCD".index(lowest_quarter_first)]
        assert (position.rank, position.band, position.polarity) == (rank, expected, better), code
        bands.append(expected)
    assert set(bands) == set("ABCD")


def test_neighbours_median():
    assert neighbours_median({1: 3.0, 2: 1.0, 3: "[c]", 4: None, 5: 2.0}) == 2.0
    assert neighbours_median({1: "[x]"}) is None
