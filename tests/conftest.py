"""Shared fixtures: a factory that writes tiny contract-valid folders and loads them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cpstats.data.contract import TABLES
from cpstats.data.dataset import load_dataset
from tests.four_reports import four_reports  # noqa: F401  (four small reports on a LocalCluster, once per session)
from tests.sample_builds import public_report  # noqa: F401  (the public build of the sample, once per session)
from tests.quarto_builds import quarto_report  # noqa: F401  (the same, rendered by Quarto, once per session)
from tests.county_builds import county_public_report, county_quarto_report  # noqa: F401  (the public county, both renderers)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "data" / "sample"

DEFAULTS = {
    "children": {"family_id": "F1", "sex": "M", "date_of_birth": "2010-05-05", "expected_date_of_birth": "",
                 "ethnicity": "WBRI", "disability": "N"},
    "referrals": {"referral_source": "1A", "primary_need": "N1", "closure_date": "", "no_further_action": "N"},
    "s47_enquiries": {"icpc_requested": "Y", "icpc_date": ""},
    "cp_plans": {"end_date": "", "initial_category": "NEG", "latest_category": "NEG", "previous_plans": "0"},
    "conferences": {"domestic_abuse": "N", "children_invited": "0", "children_attended": "0"},
    "conference_children": {"advocate": "N", "outcome": "PLAN_START"},
    "conference_agencies": {"invited": "Y", "attended": "Y", "report_submitted": "Y", "report_on_time": "Y"},
}


def write_folder(folder: Path, **tables: list[dict]) -> Path:
    """Write a contract folder: core tables default to header only; rows get defaults filled in."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "la.yaml").write_text("name: Test authority\nla_code: 857\n", encoding="utf-8")
    for name, table in TABLES.items():
        rows = tables.get(name)
        if rows is None and not table.core:
            continue
        with open(folder / table.filename, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=table.columns, lineterminator="\n")
            writer.writeheader()
            for row in rows or []:
                writer.writerow({**DEFAULTS.get(name, {}), **row})
    return folder


@pytest.fixture
def make_dataset(tmp_path):
    """Build a Dataset from tiny tables, through the real loader and validation."""
    counter = iter(range(10_000))

    def make(**tables):
        children = {r["child_id"] for name in ("referrals", "s47_enquiries", "cp_plans", "conference_children")
                    for r in tables.get(name, []) if "child_id" in r}
        given = {r["child_id"] for r in tables.get("children", [])}
        tables["children"] = list(tables.get("children", [])) + [{"child_id": c} for c in sorted(children - given)]
        return load_dataset(write_folder(tmp_path / f"ds{next(counter)}", **tables))

    return make


# ----------------------------------------------------------------- one build of the sample report, shared

REPORT_YEAR = "2017-18"


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory):
    """The sample report for 2017-18, built once for the whole test session (built-in renderer).

    Returns the published folder ``<tmp>/_site/sample/2017-18``; the executed
    notebooks are in ``<tmp>/_build/sample/2017-18``. Tests that rebuild in
    place must leave the same bytes behind.
    """
    if not (SAMPLE / "la.yaml").exists():
        pytest.skip("data/sample is not generated yet")
    from cpstats.publish.build import build_report

    root = tmp_path_factory.mktemp("sample-report")
    return build_report(
        "sample", REPORT_YEAR, data_root=PROJECT_ROOT / "data", out_root=root / "_site",
        build_root=root / "_build", renderer="builtin", project_dir=PROJECT_ROOT,
    )


# ----------------------------------------------------------------- running the suite on several processes

SHARED_BUILDS = {
    "public_report": "sample-public", "quarto_report": "sample-public", "sample_report": "sample-internal",
    "county_public_report": "sample-public", "county_quarto_report": "sample-public",
    "four_reports": "four-reports",
}
"""The builds made once per session, and the group of tests that share each: ``make test`` runs the suite on
pytest-xdist workers (``--dist loadgroup``), and a group runs on one worker, so each build is made once."""


MODULE_GROUPS = {"tests/test_quarto.py": "sample-public", "tests/test_quarto_root.py": "sample-public",
                 "tests/test_browser.py": "sample-public", "tests/test_axe.py": "sample-public",
                 "tests/test_accessible_pages.py": "sample-public"}
"""Modules whose every test goes with a shared build's group: the tests that run Quarto, which keeps caches of its
own (one per installation, not safe for two renders at once), run one after another on one worker; the browser
tests ask for the builds by name (``request.getfixturevalue``)."""


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """Put each test in an xdist group: that of the shared build it uses, else that of its module.

    A module's tests stay on one worker, so a module-scoped fixture is made once; tests of several modules that
    use one session build go to the same worker, so the build is made once for all of them.
    """
    for item in items:
        names = getattr(item, "fixturenames", ())
        module = item.nodeid.split("::")[0]
        group = next((SHARED_BUILDS[name] for name in SHARED_BUILDS if name in names), MODULE_GROUPS.get(module))
        item.add_marker(pytest.mark.xdist_group(group or module))
