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


def _parameters(cell_source: str, environment: dict[str, str]) -> dict:
    """The values a parameters cell sets, run in a namespace of its own with ``environment`` as os.environ."""
    import os
    from unittest.mock import patch

    namespace: dict = {}
    with patch.dict(os.environ, environment, clear=True):
        exec(compile(cell_source, "parameters", "exec"), namespace)
    return {name: value for name, value in namespace.items() if not name.startswith("__") and name != "os"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_holds_the_parameters_with_sample_defaults(path):
    """The first code cell is tagged 'parameters' and runs the sample data for 2017-18, or the authority and year
    CPSTATS_LA and CPSTATS_YEAR name (`make lab LA=... YEAR=...`)."""
    first = _code_cells(_read(path))[0]
    assert "parameters" in first.metadata.get("tags", [])
    defaults = {
        "la": "sample", "year": "2017-18", "data_dir": "../data/sample", "reference_dir": "../data/reference",
        "commentary_dir": "../commentary", "disclosure": "internal", "disclosure_threshold": 5,
    }
    assert _parameters(first.source, {}) == defaults
    assert _parameters(first.source, {"CPSTATS_LA": "", "CPSTATS_YEAR": ""}) == defaults
    assert _parameters(first.source, {"CPSTATS_LA": "county", "CPSTATS_YEAR": "2016-17"}) == {
        **defaults, "la": "county", "year": "2016-17", "data_dir": "../data/county"}
    assigned = [node.targets[0].id for node in ast.parse(first.source).body if isinstance(node, ast.Assign)]
    assert assigned == list(defaults)


@needs_sample
def test_a_notebook_run_by_papermill_reports_the_authority_and_year_of_the_environment(tmp_path, monkeypatch):
    """`make lab LA=county YEAR=2016-17` sets CPSTATS_LA and CPSTATS_YEAR: a notebook run with them (by papermill,
    without parameters) shows the county in 2016-17; parameters given to papermill still win over them."""
    import papermill

    if not (PROJECT_ROOT / "data" / "county" / "la.yaml").exists():
        pytest.skip("data/county is not generated")
    notebook = PROJECT_ROOT / "notebooks" / "08_numbers.ipynb"
    monkeypatch.setenv("CPSTATS_LA", "county")
    monkeypatch.setenv("CPSTATS_YEAR", "2016-17")

    def shown(output: Path, **parameters) -> str:
        papermill.execute_notebook(str(notebook), str(output), parameters=parameters, cwd=str(notebook.parent),
                                   progress_bar=False, kernel_name="python3")
        return "\n".join(out["data"]["text/markdown"] for cell in _code_cells(_read(output)) for out in cell.outputs
                         if "text/markdown" in out.get("data", {}))

    text = shown(tmp_path / "county.ipynb")
    assert "Leicestershire (synthetic county)" in text and "2016-17" in text
    # the other authority's own name (a neighbour is named by its plain name in section 8's comparisons)
    assert "Rutland (synthetic sample)" not in text and "2017-18" not in text.replace("2016-17", "")
    text = shown(tmp_path / "sample.ipynb", la="sample", year="2017-18", data_dir="../data/sample")
    assert "Rutland (synthetic sample)" in text and "Leicestershire (synthetic county)" not in text


def test_make_lab_opens_the_notebooks_on_the_authority_and_year_asked_for_and_allows_root_only_as_root():
    """`make lab` passes LA and YEAR to JupyterLab as CPSTATS_LA and CPSTATS_YEAR, adds --allow-root only when run
    as root, and refuses an authority without a data folder or a year of another form, in one line, exit status 2."""
    import os
    import subprocess

    # as a user types it, not as a make inside `make test` (which would print its directory)
    plain = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}

    def dry(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["make", "-n", "lab", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, env=plain)

    command = dry("LA=county", "YEAR=2016-17").stdout.strip().splitlines()[-1]
    assert command.startswith('CPSTATS_LA="county" CPSTATS_YEAR="2016-17" .venv/bin/jupyter lab')
    assert command.endswith("--allow-root") == (os.geteuid() == 0)

    def run(*args: str) -> subprocess.CompletedProcess:
        # the checks come before JupyterLab starts: with the lab extra's stamp in place make runs them only
        return subprocess.run(["make", "-s", "-o", ".venv/.installed-lab", "lab", *args], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=60, env=plain)

    missing = run("LA=no-such-authority")
    assert missing.returncode == 2 and missing.stderr.splitlines()[0] == (
        "make lab: data/no-such-authority/la.yaml not found: LA names a folder of data/ (e.g. LA=sample)")
    wrong = run("YEAR=2017")
    assert wrong.returncode == 2 and wrong.stderr.splitlines()[0] == (
        "make lab: YEAR=2017 is not a reporting year such as 2017-18")


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
