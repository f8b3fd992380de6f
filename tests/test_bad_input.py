"""The corpus of broken datasets: each refused, with its file, row and column named."""

from __future__ import annotations

import pytest

from cpstats.cli import main
from tests.bad_inputs import CASES, make_bad_copy
from tests.conftest import SAMPLE


def test_corpus_has_at_least_40_cases():
    """The corpus covers at least 40 ways to break the sample, each named once."""
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_broken_dataset_is_refused_with_its_location(tmp_path, capsys, case):
    """`cpstats validate` exits 2 and names the file, row and column of the problem."""
    folder = make_bad_copy(SAMPLE, case, tmp_path / "data")
    assert main(["validate", "--data", str(folder)]) == 2
    message = capsys.readouterr().err
    assert case.is_named_in(message), message
