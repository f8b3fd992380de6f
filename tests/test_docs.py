"""The analysts' documents are generated from the code and cannot drift from it."""

from __future__ import annotations

import re

import pytest

from cpstats.cli import main
from cpstats.data.contract import TABLES
from cpstats.figures import measures
from cpstats.figures.definitions import generate, stale_docs, write_docs
from tests.conftest import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs" / "guide"


def test_committed_docs_equal_freshly_generated_ones():
    """`cpstats docs` (make docs) after any change to the contract or a measure's docstring."""
    assert stale_docs(DOCS) == [], "run `cpstats docs` (make docs) and commit docs/guide/"
    assert main(["docs", "--check", "--out", str(DOCS)]) == 0


def test_check_fails_on_a_stale_document(tmp_path, capsys):
    write_docs(tmp_path)
    assert main(["docs", "--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "measures.md").write_text("edited by hand\n", encoding="utf-8")
    assert main(["docs", "--check", "--out", str(tmp_path)]) == 1
    assert "measures.md" in capsys.readouterr().err


def test_the_contract_lists_every_file_and_column_with_an_example():
    text = generate()["data-contract.md"]
    for table in TABLES.values():
        assert f"## `{table.filename}`" in text
        for f in table.fields:
            row = re.search(rf"^\| `{re.escape(f.name)}` \|.*\| `[^`]+` \|$", text, re.M)
            assert row, (table.name, f.name)
    assert "every `plan_id` is a `plan_id` of `cp_plans.csv`" in text
    assert "`la_code`" in text and "cpstats reference import" in text


def test_every_measure_is_defined_under_its_json_key():
    text = generate()["measures.md"]
    for name in (*measures.MEASURE_ORDER, *measures.LOCAL_MEASURE_ORDER):
        assert f"### `{name}`" in text and f"- JSON key: `{name}`" in text
    assert "c4_*.csv`, column `ICPC`" in text
    assert ">>>" not in text


def test_no_docstring_points_at_a_document_outside_docs():
    for path in (PROJECT_ROOT / "src").rglob("*.py"):
        if path.name == "definitions.py":  # names the files it writes
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?<![/\w`])(measures|data-contract)\.md", text), path


# ----------------------------------------------------------------- habits: no record-level data in git


def _hook():
    import importlib.util

    spec = importlib.util.spec_from_file_location("hook", PROJECT_ROOT / "scripts" / "check_no_record_level_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pre_commit_check_refuses_record_level_files(tmp_path, monkeypatch, capsys):
    hook = _hook()
    monkeypatch.chdir(tmp_path)
    for folder in ("data/sample", "data/my-la", "exports"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "data/sample/children.csv").write_text("child_id,sex\nC1,M\n")
    (tmp_path / "exports/children.csv").write_text("\ufeffChild_ID,sex\nC1,M\n")
    (tmp_path / "exports/summary.csv").write_text("year,referrals\n2017-18,308\n")
    (tmp_path / "data/my-la/la.yaml").write_text("name: X\nla_code: 886\n")
    assert hook.main(["data/sample/children.csv", "exports/summary.csv"]) == 0
    assert hook.main(["exports/children.csv"]) == 1
    assert hook.main(["data/my-la/la.yaml"]) == 1
    err = capsys.readouterr().err
    assert "exports/children.csv has a child_id column" in err and "data/my-la/la.yaml is under data/" in err


def test_every_data_folder_but_the_samples_and_reference_is_ignored():
    import subprocess

    def ignored(path):
        return subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=PROJECT_ROOT).returncode == 0

    assert ignored("data/my-la/children.csv") and ignored("data/kent/la.yaml")
    assert not ignored("data/sample/children.csv") and not ignored("data/county/children.csv")
    assert not ignored("data/reference/published.csv")


def test_make_help_shows_no_make_variable():
    import subprocess

    out = subprocess.run(["make", "-s", "help"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    assert "$(" not in out and "make lab" in out and "make docs" in out and "make hooks" in out


def test_the_published_report_ends_with_the_definitions_appendix_in_its_pages_and_pdf(tmp_path):
    """Every measure's definition, in readers' words (docs/guide/measures.md keeps the analysts' words, from the
    docstrings), as a page linked from the contents and as the PDF's last pages."""
    import datetime as dt

    from pypdf import PdfReader

    import html

    from cpstats.figures.definitions import measure_definitions
    from cpstats.present.definitions import READER_DEFINITIONS
    from cpstats.publish.render import ReportInfo, render_builtin

    info = ReportInfo(title="Child Protection Annual Report", subtitle="Rutland, 2017-18", period="2017-18",
                      lang="en-GB", version="0", pdf_name="report.pdf", timestamp=dt.datetime(2018, 3, 31, tzinfo=dt.timezone.utc))
    site = tmp_path / "site"
    site.mkdir()
    render_builtin(info, PROJECT_ROOT / "index.qmd", [], site, tmp_path, {"la-name": "Rutland", "report-year": "2017-18", "public": True,
                                                                       "disclosure-threshold": "5", "fewer-than": "6"})
    assert '<a href="definitions.html">Definitions</a>' in (site / "index.html").read_text(encoding="utf-8")
    page = (site / "definitions.html").read_text(encoding="utf-8")
    pdf = " ".join(" ".join(p.extract_text() for p in PdfReader(site / "report.pdf").pages).split())
    definitions = measure_definitions()
    assert len(definitions) == len(measures.MEASURE_ORDER) + len(measures.LOCAL_MEASURE_ORDER)
    for name, analysts, _ in definitions[:3]:
        definition = READER_DEFINITIONS[name]
        assert html.escape(definition, quote=False) in page and analysts not in page and "`" not in definition
        assert " ".join(definition.split()[:4]) in pdf
    assert '<th scope="row">Referrals</th>' in re.sub(r'<th[^>]*scope="row"[^>]*>', '<th scope="row">', page)  # it heads its row
    assert "Definitions" in pdf


# ----------------------------------------------------------------- the contract's claims hold


def _files_table() -> dict[str, str]:
    """docs/guide/data-contract.md's Files table: what loading does when each file is absent."""
    text = (DOCS / "data-contract.md").read_text(encoding="utf-8")
    section = text.split("## Files", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| `([\w.]+\.csv)` \| [^|]+ \| ([^|]+) \|$", section, re.M)}


def test_the_contract_says_truly_what_an_absent_file_does(tmp_path):
    """Each file the docs call refused is refused when absent, naming it; each one called noted is noted and the
    folder loads; a file refused 'while' others are given is refused with them and noted without them."""
    import shutil

    from cpstats.data.contract import DataValidationError
    from cpstats.data.dataset import load_dataset

    claims = _files_table()
    assert set(claims) == {f"{name}.csv" for name in (
        "children", "referrals", "s47_enquiries", "cp_plans", "cp_reviews", "conferences", "conference_children",
        "conference_agencies", "case_audits", "feedback", "marac")}
    for name, claim in claims.items():
        folder = tmp_path / name
        shutil.copytree(PROJECT_ROOT / "data" / "sample", folder)
        (folder / name).unlink()
        needing = re.findall(r"`([\w.]+\.csv)`", claim.split("refused while", 1)[1]) if "refused while" in claim else []
        if claim == "refused" or needing:
            with pytest.raises(DataValidationError) as caught:
                load_dataset(folder)
            assert name in str(caught.value), name
        for other in needing:
            (folder / other).unlink()
        if claim != "refused":
            assert claim.startswith("noted (not collected)"), claim
            ds = load_dataset(folder)
            assert f"{name}: not supplied; the sections that need it say 'not collected'" in ds.warnings, name


def test_every_la_yaml_key_is_documented_and_the_sample_uses_them_all():
    import yaml

    text = (DOCS / "data-contract.md").read_text(encoding="utf-8")
    section = text.split("## `la.yaml`", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", section, re.M)
    sample = yaml.safe_load((PROJECT_ROOT / "data" / "sample" / "la.yaml").read_text(encoding="utf-8"))
    assert documented == list(sample) == [
        "name", "la_code", "region", "statistical_neighbours", "extract_date", "first_year", "last_year",
        "published", "status", "contact", "revisions"]
