"""Which renderer lays a report out, and why: never changed unasked by what is on PATH.

``--renderer auto`` keeps the renderer the published version's manifest names; a report not yet published
takes Quarto when a ``quarto`` command is on PATH. The build's first line says which and why, and a build
whose renderer is not the published version's says so. The real ``quarto`` (``make test`` installs one) is put
on PATH, or taken off it, by the PATH the test gives; nothing is stubbed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cpstats.publish.build import BuildError, RendererChoice, renderer_choice
from tests.quarto_builds import quarto_on_path
from tests.sample_builds import LA, PROJECT_ROOT, YEAR, tree_hashes

NO_QUARTO = "no quarto on PATH and none installed in _build/tools/quarto"


def _published(folder: Path, renderer: str | None, version: int = 2) -> Path:
    """A published report as the build reads it back: its figures and its manifest."""
    folder.mkdir(parents=True)
    (folder / "figures.json").write_text("{}\n", encoding="utf-8")
    manifest = {"version": version, **({"renderer": renderer} if renderer else {})}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _path(with_quarto: bool, tmp_path: Path) -> str:
    """A PATH with the real quarto on it, or one where no quarto is found."""
    if with_quarto:
        env = quarto_on_path()
        if env is None:
            pytest.skip(NO_QUARTO)
        return env["PATH"]
    bare = tmp_path / "bin"
    bare.mkdir(exist_ok=True)
    for tool in ("git", "python3"):  # what a build may call besides quarto
        found = shutil.which(tool)
        if found:
            (bare / tool).symlink_to(found)
    return str(bare)


@pytest.mark.parametrize("published, with_quarto, expected", [
    ("builtin", True, "builtin"),   # Quarto installed since: the report keeps its renderer
    ("quarto", True, "quarto"),
    ("quarto", False, "builtin"),   # Quarto gone: the built-in renderer, and the reason says so
    ("builtin", False, "builtin"),
    (None, True, "quarto"),         # nothing published yet: Quarto when it is on PATH
    (None, False, "builtin"),
])
def test_auto_keeps_the_published_renderer_and_takes_quarto_only_for_a_first_publication(
        tmp_path, monkeypatch, published, with_quarto, expected):
    monkeypatch.setenv("PATH", _path(with_quarto, tmp_path))
    target = _published(tmp_path / "site" / LA / YEAR, published) if published else tmp_path / "site" / LA / YEAR
    choice = renderer_choice("auto", target)
    assert (choice.renderer, choice.published) == (expected, published)
    assert choice.reason.startswith("--renderer auto")
    if published and published == expected:
        assert "keeps the renderer of the published version 2" in choice.reason
    elif published:
        assert "published version 2 was laid out by Quarto" in choice.reason and "no quarto command" in choice.reason
    else:
        assert "nothing published yet" in choice.reason
        assert ("quarto command is on PATH" if with_quarto else "no quarto command on PATH") in choice.reason


def test_a_renderer_asked_for_is_used_whatever_was_published(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path(True, tmp_path))
    target = _published(tmp_path / LA / YEAR, "builtin")
    assert renderer_choice("quarto", target) == RendererChoice("quarto", "--renderer quarto", "builtin")
    monkeypatch.setenv("PATH", _path(False, tmp_path))
    assert renderer_choice("builtin", target).renderer == "builtin"
    with pytest.raises(BuildError, match="no quarto command is installed"):
        renderer_choice("quarto", target)


def _build(project: Path, out: Path, build_root: Path, *extra: str, path: str, monkeypatch, capsys) -> list[str]:
    """``cpstats build`` of the public sample report from ``project``: its standard output, line by line."""
    from cpstats.cli import main

    monkeypatch.chdir(project)
    monkeypatch.setenv("PATH", path)
    status = main(["build", "--la", LA, "--year", YEAR, "--data-root", str(project / "data"), "--out", str(out),
                   "--build-dir", str(build_root), "--disclosure", "public", "--jobs", "2", *extra])
    output = capsys.readouterr()
    assert status == 0, output.err[-2000:]
    return output.out.splitlines()


def test_quarto_on_path_does_not_change_the_renderer_of_a_report_published_by_the_built_in_one(
        public_report, tmp_path, monkeypatch, capsys):
    """With Quarto on PATH, a rebuild of a report the built-in renderer published says on its first line that it
    keeps the built-in renderer, and why; its pages stay those of the built-in renderer, in the same version."""
    out = tmp_path / "_site"
    shutil.copytree(public_report.report, out / LA / YEAR)
    path = (quarto_on_path() or os.environ)["PATH"]  # with Quarto on it wherever there is one
    lines = _build(public_report.project, out, public_report.build_root, path=path, monkeypatch=monkeypatch,
                   capsys=capsys)
    assert lines[0] == (f"cpstats: {LA} {YEAR}: HTML by the built-in renderer (pandoc and Typst) "
                        "(--renderer auto keeps the renderer of the published version 1)")
    assert "no longer by" not in "\n".join(lines)
    assert lines[-1].endswith("rendered by the built-in renderer (pandoc and Typst))") and "(version 1;" in lines[-1]
    assert json.loads((out / LA / YEAR / "manifest.json").read_text())["renderer"] == "builtin"
    assert not (out / LA / YEAR / "versions").exists()


def test_a_rebuild_whose_only_change_is_the_renderer_says_so_and_makes_no_new_version(
        quarto_report, tmp_path, monkeypatch, capsys):
    """The report Quarto published, rebuilt with ``--renderer builtin``: the first line says it was asked for, a
    line says the renderer changed and nothing the report shows did, and the version stays 1."""
    out = tmp_path / "_site"
    shutil.copytree(quarto_report.report, out / LA / YEAR)
    lines = _build(quarto_report.project, out, quarto_report.build_root, "--renderer", "builtin",
                   path=quarto_on_path()["PATH"], monkeypatch=monkeypatch, capsys=capsys)
    assert lines[0] == f"cpstats: {LA} {YEAR}: HTML by the built-in renderer (pandoc and Typst) (--renderer builtin)"
    change = [line for line in lines if "no longer by" in line]
    assert change == [f"cpstats: {LA} {YEAR}: laid out by the built-in renderer (pandoc and Typst), no longer by "
                      "Quarto 1.7.34; what it shows is the same, so no new version: still version 1"], lines
    report = out / LA / YEAR
    assert json.loads((report / "manifest.json").read_text())["renderer"] == "builtin"
    assert not (report / "versions").exists() and not (report / "revisions.html").exists()
    # and the next build, asked nothing, keeps the built-in renderer with Quarto still on PATH
    before = tree_hashes(report)
    lines = _build(quarto_report.project, out, quarto_report.build_root, path=quarto_on_path()["PATH"],
                   monkeypatch=monkeypatch, capsys=capsys)
    assert "keeps the renderer of the published version 1" in lines[0] and tree_hashes(report) == before


def test_make_quarto_says_where_to_get_quarto_when_there_is_none(tmp_path):
    """Without ../shared/tools/quarto and with no quarto on PATH, ``make quarto`` names Quarto's installer and
    conda-forge, and says the Quarto tests are skipped until a quarto is on PATH."""
    env = {**os.environ, "PATH": _path(False, tmp_path) + os.pathsep + os.path.dirname(shutil.which("make"))}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not (Path(p) / "quarto").exists())
    result = subprocess.run(["make", "-s", "quarto", f"QUARTO_SRC={tmp_path / 'none'}"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, check=True)
    said = " ".join(result.stdout.split())
    assert "https://quarto.org/docs/download/" in said and "conda-forge" in said, said
    assert "the Quarto tests then use it" in said and "skipped" in said, said
