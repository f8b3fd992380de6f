"""Hostile and messy input, given to the real ``cpstats`` command: refused cleanly, or stopped cleanly.

Every case runs ``python -m cpstats`` in a subprocess, as a user would, and
checks what the user sees: exit status 2, the file, row and column in the
message, no traceback, and nothing written where the command would write.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.bad_inputs import HOSTILE, make_bad_copy
from tests.sample_builds import tree_hashes
from tests.small_project import make_project

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT_ROOT / "data" / "sample"


def cpstats(*args: str, cwd: Path = PROJECT_ROOT, timeout: float = 180, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cpstats", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def assert_refused(result: subprocess.CompletedProcess, *where: str) -> str:
    """Exit status 2, every ``where`` in the message, no traceback; the message."""
    err = result.stderr
    assert result.returncode == 2, (result.returncode, err[-2000:])
    assert "Traceback" not in err, err[-3000:]
    for part in where:
        assert part in err, err[-2000:]
    return err


# ----------------------------------------------------------------- data folders


@pytest.mark.parametrize("case", HOSTILE, ids=lambda case: case.name)
def test_hostile_data_is_refused_by_validate_with_its_location(tmp_path, case):
    """`cpstats validate` on each hostile folder: exit 2, file/row/column named, no traceback, never hangs."""
    folder = make_bad_copy(SAMPLE, case, tmp_path / "data")
    err = assert_refused(cpstats("validate", "--data", folder, timeout=60))
    assert case.is_named_in(err), err[-2000:]
    assert len(err) < 5000, f"{len(err)} characters of message"


def test_one_problem_is_one_line_and_a_long_value_is_cut(tmp_path):
    """A 1 MB cell is shown as its first 60 characters and its length, on one line."""
    case = next(c for c in HOSTILE if c.name == "1 MB agency name")
    folder = make_bad_copy(SAMPLE, case, tmp_path / "data")
    err = assert_refused(cpstats("validate", "--data", folder))
    assert err.count("\n") == 1, err
    assert f"'{'A' * 60}'... (1000000 characters)" in err


def test_trailing_empty_rows_are_ignored(tmp_path):
    """A spreadsheet's trailing ,,, rows are no problem: the folder validates."""
    folder = shutil.copytree(SAMPLE, tmp_path / "data")
    columns = (folder / "children.csv").read_text(encoding="utf-8").split("\n", 1)[0].count(",")
    with open(folder / "children.csv", "a", encoding="utf-8") as handle:
        handle.write(("," * columns + "\r\n") * 27)
    result = cpstats("validate", "--data", folder)
    assert result.returncode == 0, result.stderr
    assert "valid (1912 children" in result.stdout


def test_validate_needs_data():
    """`cpstats validate` without --data does not check the sample silently: exit 2, usage, no traceback."""
    err = assert_refused(cpstats("validate"), "--data")
    assert "required" in err


# ----------------------------------------------------------------- years the data do not cover


@pytest.mark.parametrize("args, where", [
    (("metrics", "--data", SAMPLE, "--year", "2030-31"), "la.yaml, column last_year: the data do not cover 2030-31"),
    (("metrics", "--data", SAMPLE, "--year", "2008-09"), "la.yaml, column first_year: the data do not cover 2008-09"),
    (("compare", "--la", "sample", "--from", "2010-11", "--to", "2017-18"), "la.yaml, column first_year: the data do not cover 2010-11"),
    (("metrics", "--data", SAMPLE, "--year", "2017-1"), "--year: reporting year '2017-1'"),
], ids=["metrics after", "metrics before", "compare before", "not a year"])
def test_years_outside_the_data_are_refused(args, where):
    assert_refused(cpstats(*args), where)


def test_coverage_without_la_yaml_comes_from_the_referrals(tmp_path):
    """With no coverage in la.yaml the years run from the earliest referral's to the latest's."""
    folder = shutil.copytree(SAMPLE, tmp_path / "data")
    la = (folder / "la.yaml").read_text(encoding="utf-8").splitlines()
    (folder / "la.yaml").write_text("\n".join(line for line in la if not line.startswith(("first_year", "last_year", "extract_date"))) + "\n")
    assert_refused(cpstats("metrics", "--data", folder, "--year", "2020-21"),
                   "referrals.csv, column referral_date: the data do not cover 2020-21: they cover 2012-13 to 2019-20")
    assert cpstats("metrics", "--data", folder, "--year", "2012-13").returncode == 0


# ----------------------------------------------------------------- build: names, folders, years, key plan


@pytest.fixture
def project(tmp_path):
    """A small project (two sections) and a copy of the data, with an existing site that must not change."""
    project, data_root = make_project(tmp_path)
    site = tmp_path / "site"
    (site / "sample" / "2017-18").mkdir(parents=True)
    (site / "sample" / "2017-18" / "index.html").write_text("<p>published</p>\n", encoding="utf-8")
    return project, data_root, site


def build(project, data_root, *args, out=None, build_dir=None):
    tmp = project.parent
    return cpstats("build", "--year", "2017-18", "--data-root", data_root, "--renderer", "builtin",
                   "--out", out or tmp / "site", "--build-dir", build_dir or tmp / "_build", *args, cwd=project)


@pytest.mark.parametrize("la, where", [
    ("../escape/tiny", "--la '../escape/tiny' is not a folder name"),
    ("data/sample", "use --la sample"),
    ("/etc", "--la '/etc' is not a folder name"),
    ("sample,../x", "--la '../x' is not a folder name"),
])
def test_la_that_is_not_a_folder_name_is_refused(project, la, where):
    project, data_root, site = project
    before = tree_hashes(site)
    assert_refused(build(project, data_root, "--la", la), where)
    assert tree_hashes(site) == before and not (project.parent / "_build").exists()


@pytest.mark.parametrize("out, where", [
    (lambda p, d: Path("/"), "is the root of the file system"),
    (lambda p, d: d, "is the data root or holds it"),
    (lambda p, d: d / "sample", "is the data folder of sample or holds it"),
    (lambda p, d: d / "sample" / "site", "is inside the data root"),
    (lambda p, d: p, "is the project folder or holds it"),
    (lambda p, d: p.parent, "is the project folder or holds it"),
    (lambda p, d: p / "_quarto.yml", "is a file, not a folder"),
    (lambda p, d: p / "_quarto.yml" / "site", "cannot be created"),
    (lambda p, d: Path("/proc/cpstats-site"), "cannot be written"),
], ids=["root", "data root", "data folder", "inside data", "project", "parent of project", "a file", "under a file",
        "read-only file system"])
def test_out_that_would_overwrite_or_cannot_be_written_is_refused(project, out, where):
    project, data_root, site = project
    target = out(project, data_root)
    before = tree_hashes(project.parent)
    assert_refused(build(project, data_root, "--la", "sample", out=target), f"--out {target} ", where)
    assert tree_hashes(project.parent) == before


def test_build_dir_in_the_data_is_refused(project):
    project, data_root, site = project
    before = tree_hashes(project.parent)
    assert_refused(build(project, data_root, "--la", "sample", build_dir=data_root),
                   f"--build-dir {data_root} is the data root or holds it")
    assert tree_hashes(project.parent) == before


def test_read_only_out_is_refused_before_any_notebook_runs(project):
    """A folder this user cannot write is refused up front (skipped for a user who can write anywhere)."""
    project, data_root, site = project
    site.chmod(0o500)
    try:
        probe = site / "probe"
        try:
            probe.mkdir()
            probe.rmdir()
            pytest.skip("this user can write a read-only folder (root)")
        except PermissionError:
            pass
        assert_refused(build(project, data_root, "--la", "sample", out=site), f"--out {site} cannot be written")
        assert not (project.parent / "_build").exists()
    finally:
        site.chmod(0o700)


@pytest.mark.parametrize("year, where", [
    ("2030-31", "la.yaml, column last_year: the data do not cover 2030-31"),
    ("2005-06", "la.yaml, column first_year: the data do not cover 2005-06"),
])
def test_build_of_a_year_the_data_do_not_cover_is_refused(project, year, where):
    project, data_root, site = project
    before = tree_hashes(site)
    result = cpstats("build", "--la", "sample", "--year", year, "--data-root", data_root, "--out", site,
                     "--build-dir", project.parent / "_build", cwd=project)
    assert_refused(result, where)
    assert tree_hashes(site) == before and not (project.parent / "_build").exists()


@pytest.mark.parametrize("content, where", [
    ("action,who\n=HYPERLINK(\"http://x\"),Board\n", "row 2, column action"),
    ("action,who\n-2+3+cmd|' /C calc'!A0,Board\n", "row 2, column action"),
    ("action,who\nAudit plans,@SUM(1)\n", "row 2, column who"),
    ("action,who\nAudit plans,Board\n\n\"Two\nlines\",Board\n", "row 4, column action"),
    ("action,who\nAudit plans,Bo\x00ard\n", "row 2, column who"),
    ("action,who\n" + "A" * 600 + ",Board\n", "row 2, column action"),
    ("what,who\nAudit plans,Board\n", "row 1, column action"),
    ("action,who\n,Board\n", "row 2, column action"),
], ids=["formula", "minus formula", "at in who", "newline after a blank line", "NUL", "too long", "no action column", "blank action"])
def test_key_plan_that_breaks_its_rules_is_refused(project, content, where):
    project, data_root, site = project
    plan = project / "commentary" / "sample" / "2017-18" / "19_key_plan.csv"
    plan.write_text(content, encoding="utf-8")
    before = tree_hashes(site)
    assert_refused(build(project, data_root, "--la", "sample"), f"commentary/sample/2017-18/19_key_plan.csv, {where}")
    assert tree_hashes(site) == before and not (project.parent / "_build").exists()


@pytest.mark.parametrize("content, where", [
    ("action,who\nAudit pl\u202eans,Board\n", "row 2, column action"),
    ("action,who\nAudit plans,Bo\u200bard\n", "row 2, column who"),
], ids=["right-to-left override", "zero-width space"])
def test_key_plan_with_a_format_character_is_refused(project, content, where):
    project, data_root, site = project
    (project / "commentary" / "sample" / "2017-18" / "19_key_plan.csv").write_text(content, encoding="utf-8")
    before = tree_hashes(site)
    err = assert_refused(build(project, data_root, "--la", "sample"), f"commentary/sample/2017-18/19_key_plan.csv, {where}")
    assert "format character" in err and err.count("\n") == 1, err
    assert tree_hashes(site) == before and not (project.parent / "_build").exists()


# ----------------------------------------------------------------- build options


@pytest.mark.parametrize("args, where", [
    (("--jobs", "0"), "--jobs 0: give the number of notebooks to run at once, 1 or more"),
    (("--jobs", "-1"), "--jobs -1: give the number"),
    (("--threshold", "0", "--disclosure", "public"), "--threshold 0: give the largest count withheld"),
    (("--threshold", "-1", "--disclosure", "public"), "--threshold -1: give the largest count withheld"),
    (("--threshold", "0"), "--threshold 0:"),
    (("--threshold", "1", "--disclosure", "public"), "--threshold 1: a public report withholds counts from 1"),
], ids=["jobs 0", "jobs -1", "threshold 0", "threshold -1", "threshold 0 of a draft", "threshold 1 in public"])
def test_jobs_and_threshold_below_one_are_refused(project, args, where):
    project, data_root, site = project
    before = tree_hashes(site)
    err = assert_refused(build(project, data_root, "--la", "sample", *args), where)
    assert err.count("\n") == 1, err
    assert tree_hashes(site) == before and not (project.parent / "_build").exists()


def test_years_far_outside_the_data_are_one_line(project):
    """`--years 0001-02:9998-99`: one line naming both ends and the coverage, exit 2, at once."""
    project, data_root, site = project
    started = time.monotonic()
    result = cpstats("build", "--la", "sample", "--years", "0001-02:9998-99", "--data-root", data_root,
                     "--renderer", "builtin", "--out", site, "--build-dir", project.parent / "_build", cwd=project)
    err = assert_refused(result, "la.yaml, column first_year: the data do not cover 0001-02 to 2011-12 or 2020-21 to "
                                 "9998-99: they cover 2012-13 to 2019-20")
    assert err.count("\n") == 1, err
    assert time.monotonic() - started < 60
    assert not (project.parent / "_build").exists()


@pytest.mark.parametrize("drafts, where", [
    (lambda site: site, "is the public site --out"),
    (lambda site: site / "drafts", "is inside the public site --out"),
    ("above", "holds the public site --out"),
    ("link", "is the public site --out"),
    ("link inside", "is inside the public site --out"),
], ids=["equal", "inside", "above", "a link to it", "inside a link to it"])
def test_drafts_out_that_meets_the_public_site_is_refused(project, drafts, where):
    """Drafts hold small numbers: --drafts-out may be neither --out, inside it, above it, nor a link to it."""
    project, data_root, site = project
    out = site
    if drafts == "above":  # a folder holding the public site, not the project
        out, target = site / "public", site
    elif isinstance(drafts, str):
        link = project.parent / "drafts-link"
        link.symlink_to(site, target_is_directory=True)
        target = link if drafts == "link" else link / "drafts"
    else:
        target = drafts(site)
    before = tree_hashes(site)
    err = assert_refused(build(project, data_root, "--la", "sample", "--drafts-out", target, out=out),
                         f"--drafts-out {target} {where}")
    assert err.count("\n") == 1, err
    assert tree_hashes(site) == before and not (project.parent / "_build").exists()


def test_public_policy_threshold_below_one_is_refused():
    from cpstats.figures.policy import Policy

    for threshold in (0, -1, 1):
        with pytest.raises(ValueError, match="2 or more"):
            Policy("public", threshold=threshold)
    with pytest.raises(ValueError):
        Policy("public", threshold=True)
    assert Policy("public", threshold=2).hides(2) and not Policy("public", threshold=2).hides(3)


# ----------------------------------------------------------------- commentary files


def _link_to_passwd(folder: Path, project: Path) -> str:
    (folder / "01_introduction.md").unlink(missing_ok=True)
    (folder / "01_introduction.md").symlink_to("/etc/passwd")
    return "01_introduction.md: is a symbolic link to /etc/passwd, outside"


def _link_to_a_draft(folder: Path, project: Path) -> str:
    figures = project.parent / "_drafts" / "sample" / "2017-18" / "figures.json"
    figures.parent.mkdir(parents=True)
    figures.write_text('{"age_bands.16_plus": 1}\n', encoding="utf-8")
    (folder / "01_introduction.md").unlink(missing_ok=True)
    (folder / "01_introduction.md").symlink_to(figures)
    return "01_introduction.md: is a symbolic link to"


def _fifo(name: str):
    def make(folder: Path, project: Path) -> str:
        (folder / name).unlink(missing_ok=True)
        os.mkfifo(folder / name)
        return f"{name}: is a named pipe, not a regular file"
    return make


def _link_to_a_key_plan_outside(folder: Path, project: Path) -> str:
    outside = project.parent / "plan.csv"
    outside.write_text("action,who\nAudit plans,Board\n", encoding="utf-8")
    (folder / "19_key_plan.csv").unlink(missing_ok=True)
    (folder / "19_key_plan.csv").symlink_to(outside)
    return "19_key_plan.csv: is a symbolic link to"


def _device(folder: Path, project: Path) -> str:
    (folder / "02_conference_model.md").unlink(missing_ok=True)
    (folder / "02_conference_model.md").symlink_to("/dev/zero")
    return "02_conference_model.md: is a symbolic link to /dev/zero, outside"


@pytest.mark.parametrize("change", [_link_to_passwd, _link_to_a_draft, _fifo("01_introduction.md"),
                                    _fifo("19_key_plan.csv"), _fifo("local_figures.csv"),
                                    _link_to_a_key_plan_outside, _device],
                         ids=["link to /etc/passwd", "link to a draft's figures.json", "named pipe as commentary",
                              "named pipe as the key plan", "named pipe as local figures", "key plan linked from outside",
                              "link to a device"])
def test_commentary_that_is_not_a_regular_file_inside_commentary_is_refused(project, change):
    """Links out of commentary/, named pipes and devices: one line, exit 2, before anything runs; never a hang."""
    project, data_root, site = project
    folder = project / "commentary" / "sample" / "2017-18"
    folder.mkdir(parents=True, exist_ok=True)
    where = change(folder, project)
    before = tree_hashes(site)
    err = assert_refused(build(project, data_root, "--la", "sample"), f"commentary/sample/2017-18/{where}")
    assert err.count("\n") == 1, err
    assert tree_hashes(site) == before and not (project.parent / "_build").exists()


def test_commentary_linked_inside_commentary_is_read(project):
    """A link to another file inside commentary/ (last year's text) is a regular file inside the folder: allowed."""
    from cpstats.data.paths import file_in_folder_problem, folder_files_problems

    project, data_root, site = project
    root = project / "commentary"
    (root / "sample" / "2016-17").mkdir(parents=True)
    (root / "sample" / "2016-17" / "01_introduction.md").write_text("Last year.\n", encoding="utf-8")
    link = root / "sample" / "2017-18" / "01_introduction.md"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(Path("..") / "2016-17" / "01_introduction.md")
    assert file_in_folder_problem(link, root) is None
    assert folder_files_problems(link.parent, root) == []
    assert "outside" in file_in_folder_problem(link, root / "sample" / "2017-18")


# ----------------------------------------------------------------- census files


def _census(child_id_xml: str, root: str = "<Message>", end: str = "</Message>", doctype: str = "") -> str:
    return (
        f'<?xml version="1.0"?>\n{doctype}{root}<Header><CollectionDetails><Collection>CIN</Collection>\n'
        "<ReferenceDate>2018-03-31</ReferenceDate></CollectionDetails><Source><LEA>857</LEA></Source></Header>\n"
        "<Children>\n<Child><ChildIdentifiers>\n"
        f"<LAchildID>{child_id_xml}</LAchildID>\n"
        "<PersonBirthDate>2010-05-05</PersonBirthDate><GenderCurrent>1</GenderCurrent></ChildIdentifiers>\n"
        "<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>\n"
        "<CINdetails><CINreferralDate>2017-06-01</CINreferralDate><ReferralSource>2A</ReferralSource>"
        "<PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>false</ReferralNFA></CINdetails>\n"
        f"</Child>\n</Children>{end}\n"
    )


def test_census_value_with_a_comment_inside_is_read_whole(tmp_path):
    """<LAchildID>C00<!-- x -->0240</LAchildID> is the child C000240, and la.yaml records the year covered."""
    xml = tmp_path / "cin.xml"
    xml.write_text(_census("C00<!-- x -->0240"), encoding="utf-8")
    result = cpstats("import", "cin-census", xml, "--out", tmp_path / "la")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "la" / "children.csv").read_text(encoding="utf-8").splitlines()[1].startswith("C000240,")
    la = (tmp_path / "la" / "la.yaml").read_text(encoding="utf-8")
    assert "first_year: 2017-18" in la and "last_year: 2017-18" in la


@pytest.mark.parametrize("text, where", [
    (_census("C00&id;1", doctype='<!DOCTYPE Message [<!ENTITY id "0240">]>\n'), "cin.xml, line 7, element <LAchildID>: holds the entity reference &id;"),
    (_census("C00<b>1</b>"), "cin.xml, line 6, element <LAchildID>: holds the element <b>"),
    (_census("C1", root='<Message xmlns="urn:other">'), "cin.xml, line 2, element <Message>: is not a CIN census return"),
    (_census("C1", root="<Wrapper><Message>", end="</Message></Wrapper>"), "cin.xml, line 2, element <Wrapper>: is not a CIN census return"),
], ids=["entity", "element in a value", "other namespace", "not the root"])
def test_census_file_that_is_not_plain_census_is_refused_at_its_line(tmp_path, text, where):
    xml = tmp_path / "cin.xml"
    xml.write_text(text, encoding="utf-8")
    assert_refused(cpstats("import", "cin-census", xml, "--out", tmp_path / "la"), where)
    assert not (tmp_path / "la").exists()


def test_census_file_that_is_a_named_pipe_is_refused_without_reading_it(tmp_path):
    fifo = tmp_path / "cin.xml"
    os.mkfifo(fifo)
    assert_refused(cpstats("import", "cin-census", fifo, "--out", tmp_path / "la", timeout=60),
                   "cin.xml: is not a regular file")
    assert not (tmp_path / "la").exists()


def test_census_import_into_an_existing_file_is_refused(tmp_path):
    xml = tmp_path / "cin.xml"
    xml.write_text(_census("C1"), encoding="utf-8")
    target = tmp_path / "notes.txt"
    target.write_text("keep me\n", encoding="utf-8")
    assert_refused(cpstats("import", "cin-census", xml, "--out", target), f"--out {target} is a file, not a folder")
    assert target.read_text(encoding="utf-8") == "keep me\n"


# ----------------------------------------------------------------- clean stops


def test_metrics_into_a_closed_pipe_ends_quietly():
    """`cpstats metrics | head`: the reader goes away; no BrokenPipe traceback."""
    process = subprocess.Popen([sys.executable, "-m", "cpstats", "metrics", "--data", str(SAMPLE), "--year", "2017-18"],
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first line is written
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err


@pytest.mark.parametrize("whole_group", [False, True], ids=["SIGINT to cpstats", "Ctrl-C to the process group"])
def test_ctrl_c_stops_a_build_at_once_and_keeps_the_published_report(tmp_path, whole_group):
    """SIGINT while notebooks execute: stopped within seconds, status 130, one line, the site byte for byte."""
    project, data_root = make_project(tmp_path)
    site, build_dir = tmp_path / "site", tmp_path / "_build"
    args = [sys.executable, "-m", "cpstats", "build", "--la", "sample", "--year", "2017-18", "--data-root", str(data_root),
            "--out", str(site), "--build-dir", str(build_dir), "--renderer", "builtin", "--jobs", "2"]
    first = subprocess.run(args, cwd=project, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    published = tree_hashes(site)

    process = subprocess.Popen([*args, "--force"], cwd=project, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=whole_group)
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, b"")), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    # executing: the first line of progress (a notebook executed) is written while the others run
    while time.monotonic() < deadline and process.poll() is None and not lines:
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before it could be interrupted"
    sent = time.monotonic()
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    stopped = time.monotonic() - sent
    reader.join(timeout=10)
    err = b"".join(lines).decode()
    assert process.returncode == 130, err[-3000:]
    assert stopped < 10, f"took {stopped:.1f} s to stop"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    assert "interrupted" in err.strip().splitlines()[-1]
    # what is published is byte for byte as it was; a hidden folder the build was assembling is not
    # published, and the next build clears it
    assert {k: v for k, v in tree_hashes(site).items() if not any(part.startswith(".") for part in k.split("/"))} == published


def _processes() -> dict[int, tuple[int, str, bytes]]:
    """Every process now: pid -> (parent, start time, command line), from /proc."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()
            if fields[0] in (b"Z", b"X"):
                continue
            found[int(entry)] = (int(fields[1]), fields[19].decode(), Path(f"/proc/{entry}/cmdline").read_bytes())
        except (OSError, IndexError):
            continue
    return found


def _descendants(pid: int) -> dict[int, tuple[int, str, bytes]]:
    processes = _processes()
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, started, cmdline) in processes.items():
            if ppid == parent and child not in found:
                found[child] = (ppid, started, cmdline)
                frontier.append(child)
    return found


def test_bad_data_in_a_batch_closes_the_cluster_started_while_it_was_checked(tmp_path):
    """Two authorities, the second's data broken: the local cluster a batch starts while it checks the data is
    closed again. One line naming the file, row and column, exit 2, nothing published, and none of the processes
    the command started (the scheduler's workers among them) left running."""
    project, data_root = make_project(tmp_path, authorities=("sample", "county"))
    case = next(c for c in HOSTILE if c.name == "vertical tab in family id")
    shutil.rmtree(data_root / "county")
    make_bad_copy(PROJECT_ROOT / "data" / "county", case, data_root / "county")
    site, build_dir = tmp_path / "site", tmp_path / "_build"
    process = subprocess.Popen(
        [sys.executable, "-m", "cpstats", "build", "--la", "sample,county", "--years", "2016-17:2017-18",
         "--data-root", str(data_root), "--out", str(site), "--build-dir", str(build_dir), "--renderer", "builtin",
         "--jobs", "2"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    started: dict = {}
    while process.poll() is None:
        started.update(_descendants(process.pid))
        time.sleep(0.02)
    err = process.stderr.read().decode()
    assert process.returncode == 2, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert err.count("\n") == 1 and case.is_named_in(err), err
    assert not site.exists() or not [p for p in site.rglob("*") if p.is_file()]
    workers = [pid for pid, (_, _, cmdline) in started.items() if b"multiprocessing" in cmdline]
    assert workers, f"no cluster was started while the data were checked: {started}"
    time.sleep(0.5)
    now = _processes()
    survivors = {pid: cmdline for pid, (_, start, cmdline) in started.items() if pid in now and now[pid][1] == start}
    assert not survivors, survivors


@pytest.mark.parametrize("signum, jobs, status", [
    (signal.SIGTERM, "2", 143), (signal.SIGHUP, "2", 129), (signal.SIGTERM, "1", 143), (signal.SIGINT, "1", 130),
], ids=["SIGTERM", "SIGHUP", "SIGTERM with --jobs 1", "Ctrl-C with --jobs 1"])
def test_a_stop_signal_ends_every_process_and_kernel_the_build_started(tmp_path, signum, jobs, status):
    """A signal while a Jupyter kernel runs: one line, exit 128 + the signal, no process the build started left
    (workers, kernels, the resource tracker), the published report byte for byte as it was."""
    project, data_root = make_project(tmp_path)
    site, build_dir = tmp_path / "site", tmp_path / "_build"
    args = [sys.executable, "-m", "cpstats", "build", "--la", "sample", "--year", "2017-18", "--data-root", str(data_root),
            "--out", str(site), "--build-dir", str(build_dir), "--renderer", "builtin", "--jobs", jobs]
    first = subprocess.run(args, cwd=project, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    published = tree_hashes(site)

    process = subprocess.Popen([*args, "--force"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, b"")), daemon=True)
    reader.start()
    deadline, started = time.monotonic() + 120, {}
    while time.monotonic() < deadline and process.poll() is None:
        started = _descendants(process.pid)
        if any(b"ipykernel" in cmdline for _, _, cmdline in started.values()):
            break
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before a kernel started"
    time.sleep(0.5)  # the kernel at work on a notebook
    started.update(_descendants(process.pid))
    assert any(b"ipykernel" in cmdline for _, _, cmdline in started.values()), started
    sent = time.monotonic()
    process.send_signal(signum)
    process.wait(timeout=30)
    stopped = time.monotonic() - sent
    reader.join(timeout=10)
    err = b"".join(lines).decode()
    assert process.returncode == status, err[-3000:]
    assert stopped < 10, f"took {stopped:.1f} s to stop"
    assert "Traceback" not in err and "FAILED" not in err, err[-3000:]
    assert err.strip().splitlines()[-1].startswith("cpstats: " + ("interrupted" if signum == signal.SIGINT else "stopped by"))
    time.sleep(0.5)
    now = _processes()
    survivors = {pid: cmdline for pid, (_, start, cmdline) in started.items() if pid in now and now[pid][1] == start}
    assert not survivors, survivors
    assert {k: v for k, v in tree_hashes(site).items() if not any(part.startswith(".") for part in k.split("/"))} == published


def test_sigterm_stops_a_batch_on_a_local_dask_cluster_and_every_process_it_started(tmp_path):
    """Several reports run on a LocalCluster: SIGTERM while a kernel runs ends the scheduler's and workers'
    processes and their kernels too, with one line and exit 143, the published reports byte for byte."""
    project, data_root = make_project(tmp_path)
    for year in ("2016-17",):
        words = project / "commentary" / "sample" / year / "01_introduction.md"
        words.parent.mkdir(parents=True)
        words.write_text("In {{ year }} the authority received {{ referrals }} referrals.\n", encoding="utf-8")
    site, build_dir = tmp_path / "site", tmp_path / "_build"
    args = [sys.executable, "-m", "cpstats", "build", "--la", "sample", "--years", "2016-17:2017-18", "--data-root",
            str(data_root), "--out", str(site), "--build-dir", str(build_dir), "--renderer", "builtin", "--jobs", "2"]
    first = subprocess.run(args, cwd=project, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    published = tree_hashes(site)

    process = subprocess.Popen([*args, "--force"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, b"")), daemon=True)
    reader.start()
    deadline, started = time.monotonic() + 180, {}
    while time.monotonic() < deadline and process.poll() is None:
        started.update(_descendants(process.pid))
        if any(b"ipykernel" in cmdline for _, _, cmdline in started.values()):
            break
        time.sleep(0.05)
    assert process.poll() is None, "the batch ended before a kernel started"
    started.update(_descendants(process.pid))
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    reader.join(timeout=10)
    err = b"".join(lines).decode()
    assert process.returncode == 143, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert err.strip().splitlines()[-1].startswith("cpstats: stopped by SIGTERM"), err[-3000:]
    time.sleep(0.5)
    now = _processes()
    survivors = {pid: cmdline for pid, (_, start, cmdline) in started.items() if pid in now and now[pid][1] == start}
    assert not survivors, survivors
    assert {k: v for k, v in tree_hashes(site).items() if not any(part.startswith(".") for part in k.split("/"))} == published


def test_quarto_prepare_refuses_a_named_pipe_in_the_commentary(tmp_path):
    """`cpstats quarto-prepare` (what `quarto render` at the root runs first) checks the commentary folder as
    `build` does: a named pipe is refused in one line, exit 2, without being opened."""
    project, _ = make_project(tmp_path)
    os.mkfifo(project / "commentary" / "sample" / "2017-18" / "02_conference_model.md")
    err = assert_refused(cpstats("quarto-prepare", "--project", project, cwd=project, timeout=120),
                         "commentary/sample/2017-18/02_conference_model.md: is a named pipe")
    assert err.count("\n") == 1, err
    assert not (project / "_build").exists()


def test_an_alias_bomb_in_la_yaml_is_refused_at_its_first_anchor(tmp_path):
    """A billion laughs (ten levels of nine aliases) is refused at the first anchor, before any expansion."""
    from cpstats.data.authority import read_la

    levels = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 12))
    path = tmp_path / "la.yaml"
    path.write_text("name: Bomb\nla_code: 857\nl0: &l0 [lol]\n" + levels, encoding="utf-8")
    problems: list = []
    started = time.perf_counter()
    assert read_la(path, problems) == {}
    assert time.perf_counter() - started < 1
    assert [str(p) for p in problems] == ["la.yaml: line 3: uses a YAML anchor or alias (& or *); write each value out in full"]
