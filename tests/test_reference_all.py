"""Reference data for every English authority, its region and England; comparators."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from cpstats.data.comparators import (
    HEADLINE_MEASURES,
    authorities_table,
    comparator_values,
    neighbours_of,
    predecessors_of,
    region_of,
)
from cpstats.data.reference import (
    GSS_SUPPRESSED,
    population_for,
    published_figures,
    published_table,
    published_value,
    require_authority,
)
from tests.conftest import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "data" / "reference"
SHARED_REFERENCE = Path(os.environ.get("CPSTATS_SHARED_REFERENCE", PROJECT_ROOT.parent / "shared" / "reference"))
DFE = SHARED_REFERENCE / "dfe"
needs_dfe = pytest.mark.skipif(not DFE.is_dir(), reason=f"DfE reference files not found at {DFE}")


def test_shipped_reference_data_is_small():
    """Every authority, region and England for 2012-13 to 2024-25 in a few MB of plain CSV."""
    total = sum(p.stat().st_size for p in REFERENCE.glob("*.csv"))
    assert total < 4_000_000, total


def test_every_current_authority_has_figures_for_every_year_it_existed():
    authorities = authorities_table()
    current = authorities[authorities["current"] == "yes"]
    assert len(current) == 153
    table = published_table()
    la = table[table["area_type"] == "la"]
    years = la.groupby("area_code")["year"].nunique()
    assert years["886"] == 13 and years["202"] == 13
    assert years["942"] == 2  # Cumberland, formed 1 April 2023
    assert set(table["area_type"]) == {"la", "region", "england"}
    assert table[table["area_type"] == "region"]["area_code"].nunique() == 11  # nine regions, Inner and Outer London


def test_each_value_has_a_source_that_sources_csv_names():
    table = published_table()
    sources = pd.read_csv(REFERENCE / "sources.csv")
    assert set(table["source"]) <= set(sources["source"])
    assert sources["citation"].str.len().gt(20).all()


def test_dfe_symbols_are_kept():
    table = published_table()
    hidden = table[~table["status"].isin(["published", "derived"])]
    assert set(hidden["status"]) <= GSS_SUPPRESSED
    assert {"c", "x", "z"} <= set(hidden["status"])
    assert hidden["value"].isna().all()
    assert published_figures(857, "2017-18")["second_or_subsequent_plan_pct"] == "[c]"


@pytest.mark.parametrize("code, name", [(886, "Kent"), (202, "Camden"), (942, "Cumberland"), (857, "Rutland"), (909, "Cumbria")])
def test_require_authority_accepts_any_authority_dfe_published(code, name):
    assert require_authority(code) == name
    assert require_authority(str(code)) == name


def test_require_authority_refuses_a_code_without_reference_data(tmp_path):
    with pytest.raises(ValueError) as error:
        require_authority(999)
    message = str(error.value)
    assert "\n" not in message and "999" in message and "cpstats reference import --ees" in message
    with pytest.raises(ValueError, match="cpstats reference import"):
        require_authority(886, tmp_path)


def test_kent_2017_18_figures_are_dfes():
    """Kent (886), 2017-18: DfE's d5 file has 1,462 children on a plan at 31 March."""
    assert published_value(886, "children_on_plan_at_31_march", "2017-18") == 1462
    assert population_for(886, "2017-18") > 300_000
    rate = published_value(886, "cpp_rate_per_10000_at_31_march", "2017-18")
    assert rate == round(1462 / population_for(886, "2017-18") * 10000, 1)


def test_boundary_changes_map_old_and_new_codes():
    assert predecessors_of(942) == [909] and predecessors_of(943) == [909]
    assert predecessors_of(909, successors=True) == [942, 943]
    assert predecessors_of(838) == [835]
    assert predecessors_of(839) == [835, 836, 837]
    assert predecessors_of(940) == [928] and predecessors_of(941) == [928]
    table = authorities_table().set_index("la_code")
    assert table.loc[909, "last_year"] == "2022-23" and table.loc[942, "first_year"] == "2023-24"
    assert table.loc[928, "last_year"] == "2020-21" and table.loc[940, "first_year"] == "2021-22"
    assert table.loc[835, "last_year"] == "2018-19" and table.loc[838, "first_year"] == "2019-20"
    # North Yorkshire and Somerset kept their DfE code and took a new ONS code: one series
    assert table.loc[815, "new_la_code"] == "E06000065" and "E10000023" in table.loc[815, "change"]
    assert table.loc[933, "new_la_code"] == "E06000066" and table.loc[933, "first_year"] == "2012-13"
    years = published_table().query("area_code == '815' and measure == 'referrals'")["year"]
    assert len(years) == 13


def test_region_and_neighbours():
    assert region_of(886) == ("E12000008", "South East")
    assert region_of(202) == ("E13000001", "Inner London")
    assert region_of(942) == ("E12000002", "North West")
    assert len(neighbours_of(886)) == 10 and 886 not in neighbours_of(886)
    assert neighbours_of(909) == neighbours_of(942)


def test_comparator_values_for_kent():
    c = comparator_values("cpp_rate_per_10000_at_31_march", "2017-18", 886)
    assert c.authority == published_value(886, "cpp_rate_per_10000_at_31_march", "2017-18")
    assert c.england == published_value("E92000001", "cpp_rate_per_10000_at_31_march", "2017-18")
    assert c.region == published_value("E12000008", "cpp_rate_per_10000_at_31_march", "2017-18")
    values = [published_value(n, "cpp_rate_per_10000_at_31_march", "2017-18") for n in neighbours_of(886)]
    assert c.neighbours_used == 10
    assert c.neighbours_average == round(sum(values) / 10, 1)
    assert c.rank == 1 + sum(v < c.authority for v in values) and c.rank_of == 11
    own = comparator_values("cpp_rate_per_10000_at_31_march", "2017-18", 886, value=1000.0)
    assert own.rank == 11


def test_comparators_skip_withheld_neighbours_and_fall_back_on_england_only_figures():
    c = comparator_values("second_or_subsequent_plan_pct", "2017-18", 857)
    assert c.authority == "[c]" and c.rank is None
    reviews = comparator_values("reviews_in_timescale_pct", "2017-18", 886)
    assert reviews.england == 90.5 and reviews.region is None and reviews.neighbours_average is None


def test_a_neighbour_formed_later_stands_in_with_its_predecessor_for_rates():
    c = comparator_values("cpp_rate_per_10000_at_31_march", "2017-18", 942)
    assert c.substituted == {943: 909}
    assert c.neighbours[943] == published_value(909, "cpp_rate_per_10000_at_31_march", "2017-18")
    counts = comparator_values("children_on_plan_at_31_march", "2017-18", 942)
    assert counts.substituted == {} and counts.neighbours[943] is None


@pytest.mark.parametrize("measure", HEADLINE_MEASURES)
def test_every_headline_measure_has_england_for_2017_18(measure):
    assert isinstance(comparator_values(measure, "2017-18", 886).england, float)


@needs_dfe
def test_importing_one_authority_writes_only_it_its_region_and_england(tmp_path):
    from cpstats.data.reference import import_ees

    written = import_ees(DFE, [886], tmp_path)
    assert set(written) == {"published", "population", "sources"}
    table = pd.read_csv(tmp_path / "published.csv", dtype={"area_code": str})
    assert set(table["area_code"]) == {"886", "E12000008", "E92000001"}
