"""A real Quarto for the tests, and the sample report built with it once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.sample_builds import LA, PROJECT_ROOT, YEAR, Build

INSTALLED = PROJECT_ROOT / "_build" / "tools" / "quarto" / "bin"
"""Where ``make test`` installs the offline Quarto of ../shared/tools/quarto."""


def quarto_on_path() -> dict | None:
    """An environment whose PATH finds ``quarto`` (the one on PATH, else ``_build/tools/quarto``), or None."""
    env = dict(os.environ)
    if not shutil.which("quarto"):
        if not (INSTALLED / "quarto").is_file():
            return None
        env["PATH"] = f"{INSTALLED}{os.pathsep}{env.get('PATH', '')}"
    return env


def quarto_build_beside(public: Build, la: str, year: str = YEAR) -> Build:
    """The public report of ``la`` built in ``public``'s project laid out by Quarto, into ``_quarto_site/`` beside its
    ``_site/`` and from the same build folder (the notebooks come from the execution cache); skipped without Quarto."""
    env = quarto_on_path()
    if env is None:
        pytest.skip("no quarto on PATH and none installed in _build/tools/quarto (make test installs it "
                    "from ../shared/tools/quarto when that folder exists)")
    from cpstats.publish.build import build_report

    project = public.project
    build = Build(project, project / "_quarto_site", public.build_root)
    mp = pytest.MonkeyPatch()
    mp.setenv("PATH", env["PATH"])
    try:
        build_report(la, year, data_root=project / "data", out_root=build.out_root, build_root=build.build_root,
                     renderer="quarto", project_dir=project, disclosure="public")
    finally:
        mp.undo()
    return build


@pytest.fixture(scope="session")
def quarto_report(public_report) -> Build:
    """The public sample report for 2017-18 rendered by Quarto, in the project of :func:`public_report`.

    It is published into ``_quarto_site/`` beside that build's ``_site/``, from the same build folder, so the
    notebooks the built-in build executed are taken from the execution cache: only the rendering differs.
    """
    return quarto_build_beside(public_report, LA)
