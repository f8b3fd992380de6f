"""Funnel plots (cpstats.figures.funnel): the control limits against the Poisson distribution, and the funnel of
every English authority from data/reference."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from cpstats.figures.figures import Withheld, is_withheld
from cpstats.figures.funnel import control_limits, funnel

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


@pytest.mark.parametrize("level", [0.95, 0.998])
@pytest.mark.parametrize("expected", [1, 4, 19, 37, 250, 1285])
def test_limits_are_the_exact_poisson_limits_of_the_expected_count(level, expected):
    """At a whole expected count E, the upper limit U is where P(X <= E) = a/2 for X ~ Poisson(U), and the lower
    limit L where P(X >= E) = a/2 for X ~ Poisson(L): the formula's definition, checked with scipy's Poisson."""
    population = 10_000
    low, high = control_limits(float(expected), [population], level)
    alpha = 1 - level
    assert poisson.cdf(expected, high[0]) == pytest.approx(alpha / 2, rel=1e-6)
    assert poisson.sf(expected - 1, low[0]) == pytest.approx(alpha / 2, rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.floats(5, 120), st.integers(2_000, 400_000), st.integers(2, 10))
def test_limits_hold_englands_rate_and_narrow_as_authorities_grow(rate, population, factor):
    for level in (0.95, 0.998):
        low, high = control_limits(rate, [population, population * factor], level)
        assert low[0] < rate < high[0] and low[1] < rate < high[1]
        assert high[1] - low[1] < high[0] - low[0]
    inner, outer = control_limits(rate, [population], 0.95), control_limits(rate, [population], 0.998)
    assert outer[0][0] < inner[0][0] and inner[1][0] < outer[1][0]


def test_limits_approach_the_normal_ones_for_a_large_authority():
    low, high = control_limits(45.9, [250_000], 0.998)
    half = 3.090232 * math.sqrt(45.9 * 10_000 / 250_000)
    assert low[0] == pytest.approx(45.9 - half, abs=0.2) and high[0] == pytest.approx(45.9 + half, abs=0.2)


def test_the_funnel_of_every_english_authority():
    import pandas as pd

    found = funnel("cpp_rate_per_10000_at_31_march", "2017-18", 857, 23.3, 8166, REFERENCE)
    published = pd.read_csv(REFERENCE / "published.csv", dtype={"area_code": str})
    rows = published[(published["area_type"] == "la") & (published["measure"] == "cpp_rate_per_10000_at_31_march")
                     & (published["year"] == "2017-18") & published["status"].isin(["published", "derived"])]
    people = pd.read_csv(REFERENCE / "population.csv")
    sizes = set(people[people["year"] == "2017-18"]["la_code"])
    assert len(found.points) == sum(int(code) in sizes for code in rows["area_code"] if code != "857") + 1
    assert found.england == 45.9
    assert list(found.points["role"]).count("authority") == 1
    assert (found.points["role"] == "neighbour").sum() == 10
    own = found.authority
    assert (own["rate"], own["population"]) == (23.3, 8166)
    assert found.position == "below the 99.8% limit"
    low, high = control_limits(45.9, found.points["population"], 0.95)
    inside = (found.points["rate"] + 0.05 >= low) & (found.points["rate"] - 0.05 <= high)
    assert list(found.points["within_95"]) == list(inside)
    average = funnel("cpp_rate_per_10000_at_31_march", "2017-18", 857, 45.9, 8166, REFERENCE)
    assert average.position.startswith("within the 95% limits")


def test_a_withheld_rate_has_no_place_in_the_funnel():
    assert is_withheld(funnel("plan_start_rate_per_10000", "2017-18", 857, Withheld(), 8166, REFERENCE))
    assert funnel("plan_start_rate_per_10000", "2017-18", 857, None, 8166, REFERENCE) is None
