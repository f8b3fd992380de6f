"""Which renderer lays a report out, and why: the project's choice, never what is on PATH.

``--renderer auto`` (the default) takes the renderer ``_quarto.yml`` names under ``cpstats: renderer``, the
built-in one when it names none; ``--renderer`` overrides it. A ``quarto`` command on PATH changes nothing. The
build's first line says which renderer and why, and a build whose renderer is not the published version's says
so, without a new version when nothing else changed. The real ``quarto`` (``make test`` installs one) is put on
PATH, or taken off it, by the PATH the test gives; nothing is stubbed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from cpstats.publish.build import BuildError, QuartoMissingError, RendererChoice, renderer_choice
from tests.quarto_builds import quarto_on_path
from tests.sample_builds import LA, PROJECT_ROOT, YEAR, copy_project, tree_hashes

NO_QUARTO = "no quarto on PATH and none installed in _build/tools/quarto"
SETTING = re.compile(r"^  renderer: .*$", re.M)


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
        if found and not (bare / tool).exists():
            (bare / tool).symlink_to(found)
    return str(bare)


def _choosing(quarto_yml: str, renderer: str | None) -> str:
    """The project's ``_quarto.yml`` with ``renderer`` under ``cpstats:`` (``None``: the line taken out)."""
    assert SETTING.search(quarto_yml), "the project's _quarto.yml names its renderer under cpstats:"
    return SETTING.sub("" if renderer is None else f"  renderer: {renderer}", quarto_yml, count=1)


def _project(tmp_path: Path, renderer: str | None) -> Path:
    """A folder with the project's ``_quarto.yml``, choosing ``renderer``."""
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    text = (PROJECT_ROOT / "_quarto.yml").read_text(encoding="utf-8")
    (project / "_quarto.yml").write_text(_choosing(text, renderer), encoding="utf-8")
    return project


def test_the_project_chooses_the_built_in_renderer():
    """The project as committed names its renderer, and it is the built-in one."""
    assert renderer_choice("auto", project_dir=PROJECT_ROOT) == RendererChoice(
        "builtin", "renderer: builtin under cpstats: in _quarto.yml")


@pytest.mark.parametrize("with_quarto", [True, False])
@pytest.mark.parametrize("published", ["builtin", "quarto", None])
@pytest.mark.parametrize("configured", [None, "builtin", "quarto"])
def test_auto_takes_the_renderer_the_project_chooses_whatever_is_on_path_or_was_published(
        tmp_path, monkeypatch, configured, published, with_quarto):
    monkeypatch.setenv("PATH", _path(with_quarto, tmp_path))
    project = _project(tmp_path, configured)
    site = tmp_path / "site" / LA / YEAR
    target = _published(site, published) if published else site
    if configured == "quarto" and not with_quarto:
        with pytest.raises(QuartoMissingError, match="_quarto.yml chooses Quarto .* no quarto command is on PATH") as error:
            renderer_choice("auto", target, project)
        assert error.value.exit_status == 2 and "\n" not in str(error.value)
        return
    choice = renderer_choice("auto", target, project)
    assert choice.renderer == (configured or "builtin") and choice.published == published
    assert choice.reason == (f"renderer: {configured} under cpstats: in _quarto.yml" if configured else
                             "the default: _quarto.yml names no renderer under cpstats:")


@pytest.mark.parametrize("written", ["latex", "Quarto", "[builtin]", "1", "auto"])
def test_a_renderer_setting_that_is_not_one_is_refused_naming_the_file_and_the_setting(tmp_path, written):
    from cpstats.data.paths import InputError

    project = _project(tmp_path, written)
    with pytest.raises(InputError) as error:
        renderer_choice("auto", None, project)
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"{project / '_quarto.yml'}: cpstats: renderer: ")
    assert message.endswith("is not a renderer; write builtin (the default) or quarto")
    assert renderer_choice("builtin", None, project).renderer == "builtin"  # asked for: the setting is not read


def test_a_renderer_asked_for_is_used_whatever_was_published_or_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path(True, tmp_path))
    project = _project(tmp_path, "builtin")
    target = _published(tmp_path / LA / YEAR, "builtin")
    assert renderer_choice("quarto", target, project) == RendererChoice("quarto", "--renderer quarto", "builtin")
    monkeypatch.setenv("PATH", _path(False, tmp_path))
    assert renderer_choice("builtin", target, _project(tmp_path, "quarto")).renderer == "builtin"
    with pytest.raises(QuartoMissingError, match="--renderer quarto was asked for but no quarto command is on PATH"):
        renderer_choice("quarto", target, project)
    with pytest.raises(BuildError, match="renderer must be one of"):
        renderer_choice("latex", target, project)


def test_the_command_line_refuses_a_bad_setting_in_one_line_before_anything_runs(tmp_path, monkeypatch, capsys):
    """``cpstats build`` in a project whose ``_quarto.yml`` names no renderer it knows, or Quarto where none is
    installed: one line naming the file (or Quarto), exit status 2, and nothing built or published."""
    from cpstats.cli import main

    project = copy_project(PROJECT_ROOT, tmp_path / "project")
    monkeypatch.chdir(project)
    monkeypatch.setenv("PATH", _path(False, tmp_path))
    quarto_yml = project / "_quarto.yml"
    committed = quarto_yml.read_text(encoding="utf-8")
    for renderer, said in (("latex", f"cpstats: refused: {quarto_yml}: cpstats: renderer: 'latex' is not a "
                                     "renderer; write builtin (the default) or quarto"),
                           ("quarto", "cpstats: not published: _quarto.yml chooses Quarto (renderer: quarto under "
                                      "cpstats:) but no quarto command is on PATH: install Quarto "
                                      "(https://quarto.org/docs/download/) or build with --renderer builtin")):
        quarto_yml.write_text(_choosing(committed, renderer), encoding="utf-8")
        status = main(["build", "--la", LA, "--year", YEAR, "--data-root", str(project / "data")])
        output = capsys.readouterr()
        assert (status, output.err.splitlines(), output.out) == (2, [said], "")
        assert not any((project / name).exists() for name in ("_site", "_drafts", "_build"))


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
    lays it out with the built-in renderer, as the project chooses; its pages stay those of the built-in renderer,
    in the same version."""
    out = tmp_path / "_site"
    shutil.copytree(public_report.report, out / LA / YEAR)
    path = (quarto_on_path() or os.environ)["PATH"]  # with Quarto on it wherever there is one
    lines = _build(public_report.project, out, public_report.build_root, path=path, monkeypatch=monkeypatch,
                   capsys=capsys)
    assert lines[0] == (f"cpstats: {LA} {YEAR}: HTML by the built-in renderer (pandoc and Typst) "
                        "(renderer: builtin under cpstats: in _quarto.yml)")
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
    # and the next build, asked nothing, keeps the built-in renderer the project chooses, with Quarto still on PATH
    before = tree_hashes(report)
    lines = _build(quarto_report.project, out, quarto_report.build_root, path=quarto_on_path()["PATH"],
                   monkeypatch=monkeypatch, capsys=capsys)
    assert lines[0].endswith("(renderer: builtin under cpstats: in _quarto.yml)") and tree_hashes(report) == before


@contextmanager
def _setting(project: Path, renderer: str | None):
    """The project's ``_quarto.yml`` choosing ``renderer`` for a while, then as it was, byte for byte."""
    quarto_yml = project / "_quarto.yml"
    committed = quarto_yml.read_bytes()
    quarto_yml.write_text(_choosing(committed.decode("utf-8"), renderer), encoding="utf-8")
    try:
        yield
    finally:
        quarto_yml.write_bytes(committed)


def test_a_project_that_chooses_quarto_is_laid_out_by_quarto_without_a_new_version(
        public_report, tmp_path, monkeypatch, capsys):
    """The report the built-in renderer published, rebuilt asking nothing in a project whose ``_quarto.yml`` now
    says ``renderer: quarto``: the first line says why, Quarto lays it out (its pages say so), a line says the
    renderer changed and nothing the report shows did, and the version stays 1."""
    path = _path(True, tmp_path)
    out = tmp_path / "_site"
    shutil.copytree(public_report.report, out / LA / YEAR)
    with _setting(public_report.project, "quarto"):
        lines = _build(public_report.project, out, public_report.build_root, path=path, monkeypatch=monkeypatch,
                       capsys=capsys)
    assert lines[0] == f"cpstats: {LA} {YEAR}: HTML by Quarto 1.7.34 (renderer: quarto under cpstats: in _quarto.yml)"
    assert [line for line in lines if "no longer by" in line] == [
        f"cpstats: {LA} {YEAR}: laid out by Quarto 1.7.34, no longer by the built-in renderer (pandoc and Typst); "
        "what it shows is the same, so no new version: still version 1"], lines
    report = out / LA / YEAR
    assert json.loads((report / "manifest.json").read_text())["renderer"] == "quarto"
    assert 'name="generator" content="quarto-' in (report / "index.html").read_text(encoding="utf-8")
    assert not (report / "versions").exists()


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
