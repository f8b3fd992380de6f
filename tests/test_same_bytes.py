"""Same inputs, same bytes: two builds in different folders, at different times, publish identical files.

The public sample build of the session (a copy of the project in one
temporary folder, built in this process) is compared with a second build of
another copy, deeper in another folder, run by `cpstats build` in a
subprocess with another time zone and, where ``faketime`` is installed, a
clock 400 days ahead. Every published file (HTML, PDF, CSV, XLSX, SVG, the
manifest, the site index) must be byte for byte the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from tests.sample_builds import LA, YEAR, copy_project, tree_hashes


def test_two_builds_in_different_folders_at_different_times_are_byte_identical(public_report, tmp_path):
    """n of n published files identical between the two builds."""
    project = copy_project(public_report.project, tmp_path / "elsewhere" / "deeper" / "other-checkout")
    command = [sys.executable, "-m", "cpstats", "build", "--la", LA, "--year", YEAR, "--data-root", "data",
               "--out", "_site", "--build-dir", "_build", "--renderer", "builtin", "--disclosure", "public"]
    clock = []
    if shutil.which("faketime"):
        clock = ["faketime", "-f", "+400d"]
    environment = {**os.environ, "TZ": "Pacific/Chatham", "LC_ALL": "C.UTF-8"}
    environment.pop("SOURCE_DATE_EPOCH", None)
    result = subprocess.run(clock + command, cwd=project, env=environment, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]

    first, second = tree_hashes(public_report.out_root), tree_hashes(project / "_site")
    assert sorted(first) == sorted(second)
    identical = [name for name in first if first[name] == second[name]]
    kinds = sorted({name.rsplit(".", 1)[-1] for name in first})
    print(f"byte-identical published files: {len(identical)} of {len(first)} ({', '.join(kinds)}); "
          f"clock: {'faketime +400 days' if clock else 'real'}, TZ Pacific/Chatham")
    assert [name for name in first if first[name] != second[name]] == []
    assert {"html", "pdf", "json", "svg"} <= set(kinds)
