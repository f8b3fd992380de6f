"""Drafts keep only their latest few versions; public reports keep every one.

A real draft of the sample, built five times from a copy of the project with an edit to the commentary before
each rebuild (each edit makes a new version): after each build the draft holds itself and at most
``DRAFT_VERSIONS_KEPT - 1`` earlier versions, the newest ones, and says so in its manifest, its About block and
its revisions page; its size stops growing. A build that fails leaves the last good draft byte for byte, and
the public site is never touched. :func:`keep_versions` itself is checked on real folders: it writes only into
the new report, and carries every version of a public report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cpstats.publish.site import DRAFT_VERSIONS_KEPT, VERSIONS_FOLDER, keep_versions, read_published
from tests.sample_builds import LA, PROJECT_ROOT, SAMPLE, YEAR, copy_project, html_text, tree_hashes

needs_sample = pytest.mark.skipif(not (SAMPLE / "la.yaml").exists(), reason="data/sample is not generated yet")


def _kept(report: Path) -> list[int]:
    folder = report / VERSIONS_FOLDER
    return sorted(int(p.name) for p in folder.iterdir()) if folder.is_dir() else []


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@needs_sample
def test_a_draft_rebuilt_five_times_keeps_its_latest_versions_and_stops_growing(public_report, tmp_path,
                                                                                monkeypatch, capsys):
    from cpstats.cli import main

    assert DRAFT_VERSIONS_KEPT == 3
    project = copy_project(PROJECT_ROOT, tmp_path / "project")
    site = project / "_site"
    shutil.copytree(public_report.report, site / LA / YEAR)  # a public report published beside the drafts
    public = tree_hashes(site)
    numbers = project / "commentary" / LA / YEAR / "08_numbers.md"
    monkeypatch.chdir(project)
    arguments = ["build", "--la", LA, "--year", YEAR, "--data-root", str(project / "data"), "--out", str(site),
                 "--build-dir", str(project / "_build"), "--renderer", "builtin"]
    draft = project / "_drafts" / LA / YEAR
    sizes = []
    for build in range(1, 6):
        if build > 1:  # an edit to the words: a new version
            numbers.write_text(numbers.read_text(encoding="utf-8") + f"\nEdit number {build} of the words.\n",
                               encoding="utf-8")
        assert main(arguments) == 0, capsys.readouterr().err[-2000:]
        capsys.readouterr()
        manifest = json.loads((draft / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["version"] == build
        assert _kept(draft) == list(range(max(1, build - DRAFT_VERSIONS_KEPT + 1), build))
        assert manifest["versions_kept"] == DRAFT_VERSIONS_KEPT
        sizes.append(_bytes(draft))
    print(f"draft bytes after builds 1 to 5: {sizes}")
    assert sizes[4] < sizes[2] * 1.05 and sizes[4] < 3.2 * sizes[0]  # three copies at most, never five
    about = html_text((draft / "about.html").read_text(encoding="utf-8"))
    assert "Versions kept: the latest 3 (a draft keeps itself and the 2 versions before it" in about
    revisions = (draft / "revisions.html").read_text(encoding="utf-8")
    assert f'href="{VERSIONS_FOLDER}/4/index.html"' in revisions and f'href="{VERSIONS_FOLDER}/3/index.html"' in revisions
    assert f'href="{VERSIONS_FOLDER}/2/' not in revisions and f'href="{VERSIONS_FOLDER}/1/' not in revisions
    assert "Replaces version 2 (no longer kept: a draft keeps its latest 3 versions)" in html_text(revisions)
    assert [r["version"] for r in read_published(draft).revisions] == [2, 3, 4, 5]  # every revision still told
    # a build that fails leaves the last good draft as it was
    good = tree_hashes(draft)
    numbers.write_text(numbers.read_text(encoding="utf-8") + "\nNow {{ referals }}.\n", encoding="utf-8")
    assert main(arguments) == 2
    assert "did you mean {{ referrals }}?" in capsys.readouterr().err
    assert tree_hashes(draft) == good
    assert tree_hashes(site) == public  # drafts never touch the public site


def _report(folder: Path, version: int) -> Path:
    """A published report of ``version`` as the site reads it back: its figures, manifest and a page."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "figures.json").write_text("{}\n", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    (folder / "index.html").write_text(f"<p>version {version}</p>\n" * 100, encoding="utf-8")
    return folder


@pytest.mark.parametrize("kept, expected", [(None, [1, 2, 3, 4, 5, 6]), (3, [5, 6]), (2, [6]), (1, [])])
def test_keep_versions_writes_only_the_new_report_and_carries_the_newest(tmp_path, kept, expected):
    """Version 6 published, versions 1 to 5 under it: the new report carries the newest ``kept - 1`` (every one for a
    public report, ``kept=None``), with the published one archived; the published report is not changed."""
    target = _report(tmp_path / "site" / LA / YEAR, 6)
    for version in range(1, 6):
        _report(target / VERSIONS_FOLDER / str(version), version)
    before = tree_hashes(target)
    staging = tmp_path / "site" / LA / "staging"
    staging.mkdir()
    assert keep_versions(target, staging, read_published(target), True, kept) == expected
    assert _kept(staging) == expected
    assert tree_hashes(target) == before
    for version in expected:  # each copy whole, and none holding versions of its own
        assert (staging / VERSIONS_FOLDER / str(version) / "index.html").read_text().startswith(f"<p>version {version}")
        assert not (staging / VERSIONS_FOLDER / str(version) / VERSIONS_FOLDER).exists()
