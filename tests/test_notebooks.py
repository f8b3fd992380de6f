"""The section notebooks: committed clean, parameterised, presentation only, and runnable as they are."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import nbformat
import pytest

from cpstats.publish.quarto import read_book_config

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = read_book_config(PROJECT_ROOT / "_quarto.yml").notebooks
SAMPLE = PROJECT_ROOT / "data" / "sample"
needs_sample = pytest.mark.skipif(not (SAMPLE / "la.yaml").exists(), reason="data/sample is not generated yet")


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    """No outputs and no execution counts are committed."""
    for cell in _code_cells(_read(path)):
        assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_holds_the_parameters_with_sample_defaults(path):
    """The first code cell is tagged 'parameters' and runs the sample data for 2017-18."""
    first = _code_cells(_read(path))[0]
    assert "parameters" in first.metadata.get("tags", [])
    values = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(first.source).body
        if isinstance(node, ast.Assign)
    }
    assert values == {
        "la": "sample", "year": "2017-18", "data_dir": "../data/sample", "reference_dir": "../data/reference",
        "commentary_dir": "../commentary", "disclosure": "internal", "disclosure_threshold": 5,
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_opens_with_its_section_heading(path):
    """The first cell is the model report's heading, numbered as the file is."""
    first = _read(path).cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith(f"# {int(path.stem[:2])}. ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_code_types_no_numbers(path):
    """Presentation only: no numeric literal in any code cell but the parameters' defaults; every number comes from cpstats."""
    for cell in _code_cells(_read(path)):
        if "parameters" in cell.metadata.get("tags", []):
            continue  # inputs, not results: e.g. the disclosure threshold, which the build replaces
        tokens = tokenize.generate_tokens(io.StringIO(cell.source).readline)
        numbers = [token.string for token in tokens if token.type == tokenize.NUMBER]
        assert numbers == [], f"{path.name}: numbers typed in a code cell: {numbers}"


NARRATIVE = {"01_introduction", "02_conference_model", "04_plans", "07_staffing", "15_social_work_practice",
             "16_organisational_culture", "17_leadership", "18_consistency"}
"""Sections whose body is the analyst's commentary alone."""
TABLE_ONLY = {"11_reviews", "12_repeat_plans", "19_key_plan", "20_reconciliation"}
"""Sections that show a table but draw no chart (a chart of two percentages beside England's adds nothing)."""


@pytest.fixture(scope="module")
def standalone_runs():
    """Every notebook run as it is, from notebooks/, with its defaults: what each one showed.

    One kernel runs them one after another, as ``cpstats build``'s workers do
    (:class:`cpstats.publish.execute.KernelSession`: the namespace emptied and the
    working directory set to the notebook's folder before each), so a kernel's
    start and imports are paid once, not twenty times.
    """
    from cpstats.publish.execute import KernelSession

    session = KernelSession()
    shown = {}
    try:
        for path in NOTEBOOKS:
            notebook = session.execute(_read(path), str(path.parent))
            shown[path.stem] = [
                output["data"]["text/markdown"]
                for cell in _code_cells(notebook)
                for output in cell.outputs
                if "text/markdown" in output.get("data", {})
            ]
    finally:
        session.shutdown()
    return shown


@needs_sample
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_standalone_with_its_defaults(path, standalone_runs):
    """Run from notebooks/ with its default parameters, it shows its commentary, and a table and a chart where it computes."""
    shown = standalone_runs[path.stem]
    assert shown, "nothing shown"
    has_table = any(text.startswith("| ") for text in shown)
    has_chart = any(text.startswith(("![Bar chart: ", "![Line chart: ")) and "data:image/svg+xml;base64," in text
                    for text in shown)
    assert has_table == (path.stem not in NARRATIVE), "table"
    assert has_chart == (path.stem not in NARRATIVE | TABLE_ONLY), "chart"
    assert not list(path.parent.glob("figures")), "a notebook wrote files next to itself"
