"""The project's reference tables agree with DfE's own published files."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from cpstats.reference import (
    ENGLAND_MEASURES,
    england_table,
    england_value,
    population_for,
    population_table,
    write_population_table,
)

from tests.conftest import PROJECT_ROOT

SHARED_REFERENCE = Path(os.environ.get("CPSTATS_SHARED_REFERENCE", PROJECT_ROOT.parent / "shared" / "reference"))
DFE = SHARED_REFERENCE / "dfe"
needs_dfe = pytest.mark.skipif(not DFE.is_dir(), reason=f"DfE reference files not found at {DFE} (set CPSTATS_SHARED_REFERENCE)")

YEARS = [f"{y}-{(y + 1) % 100:02d}" for y in range(2013, 2020)]


def test_population_of_the_sample_for_2017_18_is_the_mid_2017_estimate():
    """DfE's denominator for 2017-18 is ONS mid-2017: 8,166 for Rutland."""
    assert population_for(857, "2017-18") == 8166
    assert population_for(857, "2030-31") is None


def test_population_covers_2013_14_to_2019_20_with_sources():
    """Every year the sample needs has a population and a named source."""
    table = population_table()
    rutland = table[table["la_code"] == 857]
    assert list(rutland["year"]) == YEARS
    assert rutland["source"].str.contains("ONS mid-year population estimate for mid-").all()


def test_england_has_each_comparator_for_2017_18_with_its_source():
    """England's figures for the same year: 45.9 per 10,000 and 90.5% reviews in timescale."""
    assert england_value("cpp_rate_per_10000_at_31_march", "2017-18")[0] == 45.9
    assert england_value("reviews_in_timescale_pct", "2017-18")[0] == 90.5
    assert england_value("referrals", "2017-18")[0] == 655630
    assert england_table()["source"].str.len().gt(10).all()


@needs_dfe
def test_population_table_matches_dfe_ons_file(tmp_path):
    """Regenerating population.csv from DfE's ONS file gives the committed table."""
    codes = sorted(population_table()["la_code"].unique())
    rebuilt = write_population_table(DFE, codes, YEARS, tmp_path / "population.csv")
    assert (tmp_path / "population.csv").read_bytes() == (PROJECT_ROOT / "data" / "reference" / "population.csv").read_bytes()
    assert len(rebuilt) == len(codes) * len(YEARS)


@needs_dfe
@pytest.mark.parametrize("measure, file, column", [
    ("referrals", "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", "referral_count"),
    ("rereferrals_within_12_months_pct", "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv", "rereferral_percent"),
    ("s47_enquiries", "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv", "Section47"),
    ("icpcs", "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv", "ICPC"),
    ("plan_starts", "d3_cpps_subsequent_plan_2013_to_2025.csv", "CPP_start"),
    ("second_or_subsequent_plan_pct", "d3_cpps_subsequent_plan_2013_to_2025.csv", "CPP_subsequent_percent"),
    ("children_on_plan_at_31_march", "d5_cpps_at31march_by_duration_2013_to_2025.csv", "CPP_At31"),
    ("on_plan_2_years_or_more_at_31_march", "d5_cpps_at31march_by_duration_2013_to_2025.csv", "2_years_or_more"),
])
def test_england_values_equal_the_dfe_files(measure, file, column):
    """Each England figure taken from an EES table equals the national row of that DfE file."""
    assert measure in ENGLAND_MEASURES
    dfe = pd.read_csv(DFE / file, dtype=str)
    national = dfe[dfe["geographic_level"] == "National"].set_index("time_period")[column]
    ours = england_table()
    ours = ours[ours["measure"] == measure]
    assert len(ours) >= 5
    for row in ours.itertuples():
        time_period = str(int(row.year[:4]) + 1)
        assert float(national[time_period]) == pytest.approx(float(row.value)), (measure, row.year)
