"""The project's reference tables agree with DfE's own published files."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from cpstats.data.reference import (
    ENGLAND_MEASURES,
    england_table,
    england_value,
    population_for,
    import_ees,
    population_table,
    published_figures,
)

from cpstats.cli import main
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
    assert set(YEARS) <= set(rutland["year"])
    assert rutland["source"].str.contains("ONS mid-year population estimate for mid-").all()


def test_england_has_each_comparator_for_2017_18_with_its_source():
    """England's figures for the same year: 45.9 per 10,000 and 90.5% reviews in timescale."""
    assert england_value("cpp_rate_per_10000_at_31_march", "2017-18")[0] == 45.9
    assert england_value("reviews_in_timescale_pct", "2017-18")[0] == 90.5
    assert england_value("referrals", "2017-18")[0] == 655630
    assert england_table()["source"].str.len().gt(10).all()


@needs_dfe
def test_reference_import_from_dfe_files_gives_the_committed_tables(tmp_path):
    """`cpstats reference import --ees` on DfE's own files rebuilds every shipped table byte for byte."""
    assert main(["reference", "import", "--ees", str(DFE), "--out", str(tmp_path)]) == 0
    for name in ("population.csv", "published.csv", "sources.csv", "authorities.csv", "neighbours.csv"):
        assert (tmp_path / name).read_bytes() == (PROJECT_ROOT / "data" / "reference" / name).read_bytes(), name


@needs_dfe
def test_imported_figures_for_rutland_2017_18_are_dfes(tmp_path):
    """Rutland's published 2017-18 figures: 308 referrals, 98 s47, 34 ICPCs, 23 starts, 19 at 31 March, region too."""
    import_ees(DFE, [857], tmp_path)
    figures = published_figures(857, "2017-18", tmp_path)
    assert figures["referrals"] == 308 and figures["s47_enquiries"] == 98 and figures["icpcs"] == 34
    assert figures["plan_starts"] == 23 and figures["children_on_plan_at_31_march"] == 19
    assert figures["cpp_rate_per_10000_at_31_march"] == 23.3
    assert figures["second_or_subsequent_plan_pct"] == "[c]"
    table = pd.read_csv(tmp_path / "published.csv", dtype={"area_code": str})
    assert set(table["area_name"]) == {"Rutland", "East Midlands", "England"}
    assert population_for(857, "2017-18", tmp_path) == 8166


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
