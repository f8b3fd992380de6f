"""Four reports on a LocalCluster, built once per session for the batch and site tests.

Two authorities x two years of the small project (two sections, see tests/small_project.py), built
by :func:`cpstats.publish.cluster.build_reports` on its default engine, a LocalCluster of two
worker processes, as public reports into one site. ``tests/test_cluster.py`` compares them with a
local build report by report and kills a worker during a rebuild; ``tests/test_site.py`` reads the
site, its index and versions (and changes the data only in a copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.small_project import make_project

LAS = ["sample", "county"]
YEARS = ["2016-17", "2017-18"]


@dataclass
class FourReports:
    root: Path
    project: Path
    data_root: Path
    site: Path
    build_root: Path
    records: list
    lines: list
    timeline: list

    @property
    def options(self) -> dict:
        """What every build of these reports is given besides where it writes."""
        return dict(data_root=self.data_root, renderer="builtin", project_dir=self.project, disclosure="public")


@pytest.fixture(scope="session")
def four_reports(tmp_path_factory) -> FourReports:
    from cpstats.publish.cluster import build_reports

    root = tmp_path_factory.mktemp("four-reports")
    project, data_root = make_project(root, authorities=tuple(LAS))
    site, build = root / "cluster" / "_site", root / "cluster" / "_build"
    built = FourReports(root, project, data_root, site, build, [], [], [])

    def report(label, what, seconds):
        built.lines.append((label, what))
        built.timeline.append(("report", label, what))

    built.records = build_reports(
        LAS, YEARS, out_root=site, build_root=build, jobs=2, progress=report,
        notebook_progress=lambda label, notebook, what, seconds: built.timeline.append(("notebook", label, notebook, what)),
        **built.options)
    return built
