"""The analysts' documents are generated from the code and cannot drift from it."""

from __future__ import annotations

import re

from cpstats.cli import main
from cpstats.data.contract import TABLES
from cpstats.figures import measures
from cpstats.figures.definitions import generate, stale_docs, write_docs
from tests.conftest import PROJECT_ROOT

DOCS = PROJECT_ROOT / "docs"


def test_committed_docs_equal_freshly_generated_ones():
    """`cpstats docs` (make docs) after any change to the contract or a measure's docstring."""
    assert stale_docs(DOCS) == [], "run `cpstats docs` (make docs) and commit docs/"
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
