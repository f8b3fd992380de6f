"""The public county report for 2017-18, built once per test session by each renderer.

Like :func:`tests.sample_builds.public_report`, from a copy of the project in a temporary folder: the built-in
renderer's site in ``_site/``, Quarto's (from the same executed notebooks) in ``_quarto_site/``.
"""

from __future__ import annotations

import shutil

import pytest

from tests.quarto_builds import quarto_build_beside
from tests.sample_builds import PROJECT_ROOT, Build, copy_project

COUNTY = "county"
YEAR = "2017-18"


@pytest.fixture(scope="session")
def county_public_report(tmp_path_factory) -> Build:
    """The county's public report for 2017-18, laid out by the built-in renderer."""
    if not (PROJECT_ROOT / "data" / COUNTY / "la.yaml").exists():
        pytest.skip("data/county is not generated yet")
    from cpstats.publish.build import build_report

    project = copy_project(PROJECT_ROOT, tmp_path_factory.mktemp("county") / "project")
    shutil.copytree(PROJECT_ROOT / "data" / COUNTY, project / "data" / COUNTY)
    build = Build(project, project / "_site", project / "_build")
    build_report(COUNTY, YEAR, data_root=project / "data", out_root=build.out_root, build_root=build.build_root,
                 renderer="builtin", project_dir=project, disclosure="public")
    return build


@pytest.fixture(scope="session")
def county_quarto_report(county_public_report) -> Build:
    """The same public county report laid out by Quarto, into ``_quarto_site/`` of the same project."""
    return quarto_build_beside(county_public_report, COUNTY)
