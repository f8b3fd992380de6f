"""A small report project for build tests: the real introduction and a tiny section that reads the files.

The full book executes twenty notebooks; these tests are about what runs again and
what is published, so two sections are enough: ``01_introduction`` (the project's
own notebook, with its commentary) and ``99_counts``, which reads a data file and a
reference file directly and shows what it found.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

PROJECT_ROOT = Path(__file__).resolve().parents[1]

COUNTS_CODE = '''import pandas as pd
from IPython.display import Markdown

from cpstats.data.paths import resolve_input_dir

referrals = pd.read_csv(resolve_input_dir(data_dir) / "referrals.csv")
population = pd.read_csv(resolve_input_dir(reference_dir) / "population.csv")
Markdown(f"The data hold {len(referrals):,} referral rows; the reference holds {len(population):,} population rows.")'''

PARAMETERS = '''la = "sample"
year = "2017-18"
data_dir = "../data/sample"
reference_dir = "../data/reference"
commentary_dir = "../commentary"'''


def counts_notebook(heading: str = "# 99. Counts", code: str = COUNTS_CODE):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    parameters = nbformat.v4.new_code_cell(PARAMETERS)
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(heading), parameters, nbformat.v4.new_code_cell(code)]
    return nb


def make_project(root: Path, authorities=("sample",)) -> tuple[Path, Path]:
    """Write the project and a copy of the data; return (project folder, data root)."""
    project = root / "project"
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "index.qmd", project)
    shutil.copy(PROJECT_ROOT / "notebooks" / "01_introduction.ipynb", project / "notebooks")
    nbformat.write(counts_notebook(), project / "notebooks" / "99_counts.ipynb")
    (project / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: Child Protection Annual Report\n  chapters:\n    - index.qmd\n"
        "    - notebooks/01_introduction.ipynb\n    - notebooks/99_counts.ipynb\nlang: en-GB\n", encoding="utf-8",
    )
    for la in authorities:
        words = project / "commentary" / la / "2017-18" / "01_introduction.md"
        words.parent.mkdir(parents=True)
        words.write_text("In {{ year }} the authority received {{ referrals }} referrals.\n", encoding="utf-8")
    data_root = root / "data"
    for name in (*authorities, "reference"):
        shutil.copytree(PROJECT_ROOT / "data" / name, data_root / name)
    return project, data_root
