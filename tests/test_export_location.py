"""The CIN census export is the same wherever the project's clone sits.

Two clones of the library (``src/``) are made in two folders, one of them beside a ``shared/reference/cin-census/xsd``
folder holding the schemas, as the clone on the project's own machines is; each exports the same year of the
same data with ``python -m cpstats`` run from its own ``src`` (``PYTHONPATH``). What the command prints and the
file it writes must be the same: the schemas a return is checked against are those given (``--xsd-dir`` or
``CPSTATS_SHARED_REFERENCE``), never a folder found beside the clone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, SAMPLE
from tests.test_census import XSD, needs_census_files

YEAR = "2017-18"


def _clone(folder: Path, with_schemas_beside: bool) -> Path:
    """A copy of the library at ``folder/clone/src``; with the schemas in ``folder/shared`` beside it, or not."""
    clone = folder / "clone"
    shutil.copytree(PROJECT_ROOT / "src", clone / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    if with_schemas_beside:
        shutil.copytree(XSD, folder / "shared" / "reference" / "cin-census" / "xsd")
    return clone


def _export(clone: Path, data: Path, out: Path, *extra: str) -> tuple[str, str, bytes]:
    """``cpstats export cin-census`` as that clone runs it: which cpstats ran, what it printed, what it wrote."""
    env = {key: value for key, value in os.environ.items() if key != "CPSTATS_SHARED_REFERENCE"}
    env.update(PYTHONPATH=str(clone / "src"), SOURCE_DATE_EPOCH="1522454400")
    code = ("import sys, cpstats; print(cpstats.__file__, file=sys.stderr); from cpstats.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", code, "export", "cin-census", "--data", str(data), "--year", YEAR,
                             "--out", str(out), *extra], cwd=clone, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    ran = result.stderr.splitlines()[0]
    return ran, result.stdout.replace(str(out), "OUT"), out.read_bytes()


@needs_census_files
@pytest.mark.skipif(not (SAMPLE / "la.yaml").exists(), reason="data/sample is not generated yet")
def test_an_export_does_not_depend_on_where_the_clone_sits(tmp_path):
    beside = _clone(tmp_path / "a", with_schemas_beside=True)
    elsewhere = _clone(tmp_path / "b" / "deeper", with_schemas_beside=False)
    data = tmp_path / "data" / "sample"
    shutil.copytree(SAMPLE, data)
    ran_a, said_a, written_a = _export(beside, data, tmp_path / "a.xml")
    ran_b, said_b, written_b = _export(elsewhere, data, tmp_path / "b.xml")
    assert ran_a.startswith(str(beside)) and ran_b.startswith(str(elsewhere))  # each clone ran its own cpstats
    assert said_a == said_b and written_a == written_b
    assert "not checked" in said_a and "--xsd-dir" in said_a  # and the note says how to check it
    # the schemas given are used by both alike
    _, checked_a, _ = _export(beside, data, tmp_path / "a2.xml", "--xsd-dir", str(XSD))
    _, checked_b, _ = _export(elsewhere, data, tmp_path / "b2.xml", "--xsd-dir", str(XSD))
    assert checked_a == checked_b and "checked against CIN_schema_2023.xsd" in checked_a
