"""Every broken dataset of the corpus, given to `cpstats build`: refused, located, and nothing published.

Validation comes before any notebook runs, so each case costs a copy of the
sample and a load; the published site beside it is a real report (the public
build of the sample) and must come out of the refused build byte for byte as
it went in.
"""

from __future__ import annotations

import shutil

import pytest

from cpstats.cli import EXIT_BAD_DATA, main
from tests.bad_inputs import CASES, make_bad_copy
from tests.sample_builds import LA, SAMPLE, YEAR, tree_hashes


@pytest.fixture(scope="module")
def published(public_report, tmp_path_factory):
    """A site holding a published report, and its hashes: what every refused build must leave as it was."""
    site = tmp_path_factory.mktemp("published") / "_site"
    shutil.copytree(public_report.out_root, site)
    return site, tree_hashes(site)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_build_of_broken_data_is_refused_with_its_location_and_publishes_nothing(tmp_path, capsys, published, case):
    """`cpstats build` exits 2, names the file, row and column, and leaves the published site byte for byte."""
    original, hashes = published
    data_root = tmp_path / "data"
    make_bad_copy(SAMPLE, case, data_root / LA)
    shutil.copytree(SAMPLE.parent / "reference", data_root / "reference")
    site = tmp_path / "_site"
    shutil.copytree(original, site)

    status = main(["build", "--la", LA, "--year", YEAR, "--data-root", str(data_root), "--out", str(site),
                   "--build-dir", str(tmp_path / "_build"), "--renderer", "builtin", "--disclosure", "public"])

    message = capsys.readouterr().err
    assert status == EXIT_BAD_DATA, message
    assert case.is_named_in(message), message
    assert tree_hashes(site) == hashes
    assert not (tmp_path / "_build").exists()
