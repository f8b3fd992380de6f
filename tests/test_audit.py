"""The disclosure audit and the declared catalogue: what a reader can deduce, and what each figure is.

The audit (:mod:`cpstats.figures.audit`) reads the figures a public report publishes for every year
it shows, the relations the catalogue declares, every percentage and the rule that a ``[c]`` is at
least 1, and finds by integer programming the least and greatest value of every withheld count of
people. These tests run it on the sample and the county, every covered year, thresholds 5 and 10;
show that it finds a leak when one is made; and check that kinds are read from declarations, never
from the characters of a key that came from the data.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tiny_authority import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "data" / "reference"
MEASURES = PROJECT_ROOT / "measures"


def _figures(la: str, threshold: int, tmp_path, year: str = "2019-20"):
    from cpstats.data.dataset import load_dataset
    from cpstats.figures.disclosure import Policy
    from cpstats.figures.figures import report_figures

    return report_figures(load_dataset(PROJECT_ROOT / "data" / la), year, REFERENCE, Policy("public", threshold),
                          cache_dir=tmp_path, measures_dir=MEASURES)


def _truth(la: str, years):
    from cpstats.data.dataset import load_dataset
    from cpstats.data.periods import ReportingYear
    from cpstats.figures.figures import flatten, hidden_counts, year_values
    from cpstats.figures.local import find_local_measures

    ds = load_dataset(PROJECT_ROOT / "data" / la)
    flat, hidden = {}, {}
    for year in years:
        values, exact = year_values(ds, ReportingYear.parse(year), REFERENCE, find_local_measures(MEASURES))
        flat[year] = flatten(values)
        hidden[year] = hidden_counts(flat[year], exact)
    return flat, hidden


# ----------------------------------------------------------------- the lower bound of 1, by hand


def test_three_withheld_counts_summing_to_three_are_each_one():
    """2013-14's age table: three [c] beside 15, 26 and 15 out of 59. With [c] >= 1 each is pinned to 1."""
    from cpstats.figures.disclosure import deduce, recoverable

    bands = {"total": 59, "b1": 15, "b2": 26, "b3": 15}
    equation = [[("total", -1), ("b1", 1), ("b2", 1), ("b3", 1), ("u", 1), ("v", 1), ("w", 1)]]
    unknown = {"u", "v", "w"}
    assert recoverable(bands, unknown, equation) == set()  # a solver that lets [c] be 0 sees nothing
    assert recoverable(bands, unknown, equation, lower={n: 1 for n in unknown}) == unknown
    assert deduce(bands, unknown, equation, lower={n: 1 for n in unknown})["u"] == (1.0, 1.0)


def test_a_percentage_read_with_its_denominator_bounds_the_count():
    """A percentage to one decimal place with its withheld denominator is an inequality, as integers."""
    from cpstats.figures.figures import derived_constraints
    from cpstats.figures.disclosure import deduce

    rows = derived_constraints({"ended_plans_2_years_or_more_pct": 25.0})
    found = deduce({"ended_plans_by_duration.2_years_or_more": 1}, {"plan_ends"}, [], {"plan_ends"},
                   lower={"plan_ends": 1}, inequalities=rows)
    assert found["plan_ends"] == (4.0, 4.0)


# ----------------------------------------------------------------- kinds declared, not guessed


@pytest.mark.parametrize("agency", ["Police > CID", "GP: surgery", "~x", "<previous>y", "a.b.c", "england:1"])
def test_an_agency_name_never_changes_the_kind_of_its_attendance(agency):
    from cpstats.figures.figures import kind_of

    assert kind_of(f"agency_attendance.{agency}.attended") == "count"
    assert kind_of(f"agency_attendance.{agency}.attended_pct") == "derived"


@settings(max_examples=200, deadline=None)
@given(key=st.text(min_size=1, max_size=30))
def test_a_key_from_the_data_never_decides_a_kind(key):
    """Whatever characters a breakdown's key holds, its figure has the kind its measure declares."""
    from cpstats.figures import figures

    saved = dict(figures.LOCAL_KINDS)
    figures.LOCAL_KINDS.clear()
    figures.LOCAL_KINDS.update({"girls_by_age": "people", "rooms_booked": "count"})
    try:
        assert figures.kind_of(f"age_bands.{key}") == "people"
        assert figures.kind_of(f"conferences_held.{key}") == "count"
        assert figures.kind_of(f"agency_attendance.{key}.invited") == "count"
        assert figures.kind_of(f"feedback_by_respondent.{key}.forms") == "people"
        assert figures.kind_of(f"girls_by_age.{key}") == "people"
        assert figures.kind_of(f"rooms_booked.{key}") == "count"
    finally:
        figures.LOCAL_KINDS.clear()
        figures.LOCAL_KINDS.update(saved)


def test_a_local_breakdown_key_with_a_colon_is_protected_as_people(tmp_path):
    """A local measure (people) with a key "Girls: under 5" is withheld when small, not taken for England's figure."""
    import shutil

    from cpstats.data.dataset import load_dataset
    from cpstats.figures.disclosure import Policy
    from cpstats.figures.figures import is_withheld, report_figures

    measures = tmp_path / "measures"
    measures.mkdir()
    (measures / "girls.py").write_text(
        'KINDS = {"girls": "people"}\n'
        'RELATIONS = {"girls": {"parts_sum_to": "sex.F"}}\n\n'
        "def girls(ds, year):\n"
        "    from cpstats.figures.measures import sex\n"
        "    f = sex(ds, year)['F']\n"
        "    return {'Girls: under 5': 1, 'Girls: older': f - 1}\n", encoding="utf-8")
    shutil.copytree(PROJECT_ROOT / "data" / "sample", tmp_path / "sample")
    figures = report_figures(load_dataset(tmp_path / "sample"), "2017-18", REFERENCE, Policy("public"),
                             cache_dir=tmp_path / "cache", measures_dir=measures)
    assert is_withheld(figures.flat["2017-18"]["girls.Girls: under 5"])
    assert is_withheld(figures.flat["2017-18"]["girls.Girls: older"])  # else sex.F minus it gives the 1 back


def test_a_public_report_refuses_a_local_measure_without_declared_relations(tmp_path):
    from cpstats.data.dataset import load_dataset
    from cpstats.figures.disclosure import Policy
    from cpstats.figures.figures import report_figures
    from cpstats.figures.local import LocalMeasureError

    measures = tmp_path / "measures"
    measures.mkdir()
    (measures / "babies.py").write_text('KINDS = {"babies": "people"}\n\ndef babies(ds, year):\n    return 3\n',
                                        encoding="utf-8")
    ds = load_dataset(PROJECT_ROOT / "data" / "sample")
    with pytest.raises(LocalMeasureError, match=r"babies\.py: babies has no declared relations"):
        report_figures(ds, "2017-18", REFERENCE, Policy("public"), cache_dir=tmp_path / "c1", measures_dir=measures)
    internal = report_figures(ds, "2017-18", REFERENCE, Policy("internal"), cache_dir=tmp_path / "c2",
                              measures_dir=measures)
    assert internal.values["babies"] == 3  # a draft shows it


# ----------------------------------------------------------------- the audit on the shipped data


@pytest.mark.parametrize("la", ["sample", "county"])
@pytest.mark.parametrize("threshold", [5, 10])
def test_no_withheld_count_of_any_covered_year_can_be_pinned(la, threshold, tmp_path):
    """Every covered year of the sample and the county, public at 5 and 10: the audit passes, and it audited."""
    from cpstats.figures.audit import audit
    from cpstats.figures.disclosure import Policy

    figures = _figures(la, threshold, tmp_path)
    assert len(figures.flat) == 8  # 2012-13 to 2019-20
    assert figures.audit["pinned"] == 0
    assert figures.audit["withheld"] >= 40 and figures.audit["counts_of_people_audited"] >= 400
    # and again from the outside, with every interval: each withheld count of people has two values or more
    truth, hidden = _truth(la, list(figures.flat))
    result = audit(figures.flat, truth, hidden, Policy("public", threshold), local_kinds={"under_5s": "people"},
                   local_relations={"under_5s": ["age_bands.unborn", "age_bands.under_1", "age_bands.1_to_4"]})
    assert result.pinned == []
    assert all(high - low >= 1 for low, high in result.intervals.values())


def test_the_issues_funnel_and_local_measure_give_nothing_back(tmp_path):
    """2017-18: children at an initial conference, threshold not met and plans started no longer give the [c]
    back; nor does the local measure under_5s beside the age table."""
    from cpstats.figures.audit import audit
    from cpstats.figures.disclosure import Policy
    from cpstats.figures.figures import is_withheld

    figures = _figures("sample", 5, tmp_path)
    year = figures.flat["2017-18"]
    assert is_withheld(year["icpc_threshold_not_met"])
    assert sum(is_withheld(year[n]) for n in ("icpcs", "plan_starts")) >= 1
    assert is_withheld(year["age_bands.16_plus"])
    truth, hidden = _truth("sample", list(figures.flat))
    result = audit(figures.flat, truth, hidden, Policy("public"), local_kinds={"under_5s": "people"},
                   local_relations={"under_5s": ["age_bands.unborn", "age_bands.under_1", "age_bands.1_to_4"]})
    low, high = result.intervals["2017-18|icpc_threshold_not_met"]
    assert high - low >= 1
    low, high = result.intervals["2017-18|age_bands.16_plus"]
    assert high - low >= 1


def test_the_audit_finds_a_leak_when_a_protecting_figure_is_published(tmp_path):
    """The audit can fail: publish one figure withheld to protect another, and the other is pinned."""
    from cpstats.figures.audit import audit
    from cpstats.figures.disclosure import Policy

    figures = _figures("sample", 5, tmp_path)
    truth, hidden = _truth("sample", list(figures.flat))
    secondary = [e for e in figures.log if e["reason"].startswith("secondary") and e["year"] == "2017-18"]
    assert secondary
    leaks = 0
    for entry in secondary:
        opened = {y: dict(v) for y, v in figures.flat.items()}
        opened[entry["year"]][entry["figure"]] = truth[entry["year"]][entry["figure"]]
        result = audit(opened, truth, hidden, Policy("public"), local_kinds={"under_5s": "people"},
                       local_relations={"under_5s": ["age_bands.unborn", "age_bands.under_1", "age_bands.1_to_4"]})
        leaks += not result.passed
        if not result.passed:
            assert "can be worked out exactly" in result.message()
    assert leaks >= len(secondary) // 2


def test_a_second_version_published_with_another_threshold_is_read_with_the_first(tmp_path):
    """Read together, the versions of 2014-15 at thresholds 5 and 6 pin counts each withholds: the audit says so."""
    from cpstats.figures.audit import audit
    from cpstats.figures.disclosure import Policy

    five = _figures("sample", 5, tmp_path / "5", "2014-15")
    six = _figures("sample", 6, tmp_path / "6", "2014-15")
    truth, hidden = _truth("sample", list(six.flat))
    result = audit(six.flat, truth, hidden, Policy("public", 6), versions=[five.flat],
                   local_kinds={"under_5s": "people"},
                   local_relations={"under_5s": ["age_bands.unborn", "age_bands.under_1", "age_bands.1_to_4"]})
    assert not result.passed


# ----------------------------------------------------------------- the build's policy bounds


def test_a_public_build_with_another_threshold_into_the_same_site_is_refused(public_report):
    """The site holds the sample published at threshold 5; a build at 6 into it is refused before anything runs."""
    from tests.sample_builds import tree_hashes

    before = tree_hashes(public_report.out_root)
    done = subprocess.run(
        [sys.executable, "-m", "cpstats", "build", "--la", "sample", "--year", "2017-18", "--disclosure", "public",
         "--threshold", "6", "--out", str(public_report.out_root), "--build-dir", str(public_report.build_root),
         "--data-root", str(public_report.project / "data"),
         "--renderer", "builtin"],
        cwd=public_report.project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "published with --threshold 5" in lines[0], done.stderr
    assert tree_hashes(public_report.out_root) == before
