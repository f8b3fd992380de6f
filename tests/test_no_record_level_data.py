"""Record-level data can never reach git: the pre-commit hook, installed by `make hooks`, in a real repository.

Each test commits in a temporary git repository holding the project's hook script, `.gitignore` and
Makefile (the hook installed by `make hooks` itself), and checks what `git commit` accepts and refuses.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

CENSUS = """<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header><CollectionDetails><Collection>CIN</Collection><Year>2018</Year><ReferenceDate>2018-03-31</ReferenceDate>
  </CollectionDetails><Source><LEA>857</LEA></Source></Header>
  <Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID></ChildIdentifiers></Child></Children>
</Message>
"""

needs_git = pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path):
    """A git repository with the project's hook script, .gitignore and Makefile, and `make hooks` run in it."""
    repo = tmp_path / "clone"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy2(PROJECT_ROOT / "scripts" / "check_no_record_level_data.py", repo / "scripts")
    shutil.copy2(PROJECT_ROOT / ".gitignore", repo / ".gitignore")
    shutil.copy2(PROJECT_ROOT / "Makefile", repo / "Makefile")
    assert _git(repo, "init", "-q", "-b", "main").returncode == 0
    for key, value in (("user.name", "Analyst"), ("user.email", "analyst@example.org"), ("commit.gpgsign", "false")):
        _git(repo, "config", key, value)
    installed = subprocess.run(["make", "-s", "hooks"], cwd=repo, capture_output=True, text=True)
    assert installed.returncode == 0 and "installed" in installed.stdout, installed.stderr
    _git(repo, "add", "-A")
    assert _git(repo, "commit", "-q", "-m", "project").returncode == 0
    return repo


def _commit(repo: Path, name: str, content: bytes | str, *, force: bool = False) -> subprocess.CompletedProcess:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    added = _git(repo, "add", *(["-f"] if force else []), name)
    assert added.returncode == 0, added.stderr
    return _git(repo, "commit", "-q", "-m", f"add {name}")


def _fixed(name: str) -> zipfile.ZipInfo:
    """A member dated 1 January 1980, so the same archive has the same bytes in every test process."""
    return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))


def _xlsx(cells: list[str]) -> bytes:
    """A minimal XLSX: the cells as shared strings (as Excel and openpyxl write text)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr(_fixed("[Content_Types].xml"), "<Types/>")
        strings = "".join(f"<si><t>{c}</t></si>" for c in cells)
        book.writestr(_fixed("xl/sharedStrings.xml"), f'<sst count="{len(cells)}">{strings}</sst>')
        book.writestr(_fixed("xl/worksheets/sheet1.xml"), "<worksheet><sheetData/></worksheet>")
    return buffer.getvalue()


@needs_git
@pytest.mark.parametrize(("name", "content", "why"), [
    ("cin_2018.xml", CENSUS, "is a CIN census return"),
    ("census/return.txt", CENSUS, "is a CIN census return"),                     # by content, not by its name
    ("notes/extract.dat", "<Children><Child><LAchildID>1</LAchildID></Child></Children>", "is XML holding CIN census items (<LAchildID>)"),
    ("analysis/kids.csv", "\ufeffChild_ID,sex\nC1,M\n", "has a child_id column"),
    ("analysis/kids.txt", "LAchildID;sex\nC1;M\n", "has a lachildid column"),
    ("analysis/families.tsv", "family_id\tsize\nF1\t3\n", "has a family_id column"),
    ("analysis/upn.csv", "UPN,year\nA123,2018\n", "has a upn column"),
    ("board/children.xlsx", _xlsx(["child_id", "sex", "C1", "M"]), "is a spreadsheet with a child_id column"),
    ("board/extract.zip", b"", "is an archive whose kids.csv has a child_id column"),
])
def test_record_level_files_are_refused_anywhere_by_their_content(repo, name, content, why):
    if name.endswith(".zip"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(_fixed("kids.csv"), "child_id,sex\nC1,M\n")
        content = buffer.getvalue()
    done = _commit(repo, name, content, force=True)  # forced past .gitignore: the hook still refuses
    assert done.returncode == 1, done.stdout
    assert f"refused: {name} {why}" in done.stderr
    assert _git(repo, "log", "--format=%s").stdout.splitlines() == ["project"]


@needs_git
@pytest.mark.parametrize(("name", "content"), [
    ("summary/figures.csv", "year,referrals,child_protection_plans\n2017-18,308,40\n"),
    ("summary/board.xlsx", _xlsx(["measure", "2017-18", "referrals", "308"])),
    ("docs/notes.md", "Each child_id is unique.\n"),
    ("src/layout.xml", "<layout><page/></layout>"),
    ("data/sample/children.csv", "child_id,sex\nC1,M\n"),
    ("data/reference/published.csv", "la_code,year,measure,value\n857,2017-18,referrals,308\n"),
])
def test_summaries_code_and_the_synthetic_samples_are_committed(repo, name, content):
    done = _commit(repo, name, content, force=name.endswith(".xml"))
    assert done.returncode == 0, done.stderr
    assert _git(repo, "log", "-1", "--format=%s").stdout.strip() == f"add {name}"


@needs_git
def test_the_staged_content_is_judged_not_the_working_copy(repo):
    """A record-level file staged, then replaced on disk by a harmless one, is still refused."""
    (repo / "x.csv").write_text("child_id\nC1\n")
    _git(repo, "add", "x.csv")
    (repo / "x.csv").write_text("year\n2018\n")
    done = _git(repo, "commit", "-q", "-m", "x")
    assert done.returncode == 1 and "refused: x.csv has a child_id column" in done.stderr


@needs_git
@pytest.mark.parametrize("name", [
    "cin_2018.xml", "CIN_Census_2019.xml", "returns/cin_2018.xml", "my-work/returns/2019.csv", "exports/children.csv",
    "extracts/mosaic.csv", "data/croydon/returns/cin_2018.xml", "data/croydon/la.yaml",
])
def test_the_usual_places_for_returns_and_extracts_are_ignored(repo, name):
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CENSUS)
    assert _git(repo, "check-ignore", "-q", name).returncode == 0
    assert _git(repo, "status", "--porcelain", "--untracked-files=all").stdout == ""


@needs_git
def test_documented_examples_read_returns_from_an_ignored_folder(repo):
    """Every census file the commands of the README and the user guide (docs/guide/) read or write is in a folder
    git ignores."""
    import re

    readme = "\n".join(path.read_text(encoding="utf-8")
                       for path in [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs" / "guide").glob("*.md"))])
    files = set(re.findall(r"(?<![\w/.-])([\w./<>-]+\.xml)\b", readme))
    commands = [line for line in readme.splitlines() if "cin-census" in line and line.lstrip().startswith(("cpstats", "`cpstats"))]
    assert commands and files
    for name in sorted(files):
        if name.startswith(("CIN_schema", "../")) or "<" in name:
            continue
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(CENSUS)
        assert _git(repo, "check-ignore", "-q", name).returncode == 0, name
        assert name.startswith("data/") and name.split("/")[1] not in ("sample", "county", "reference"), name
