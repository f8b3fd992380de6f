"""Quarto's pre-render step for the book at the project root (``project: pre-render`` in ``_quarto.yml``).

Quarto runs it with its Python (``QUARTO_PYTHON``) before ``quarto render`` and
``quarto preview``: ``cpstats quarto-prepare`` executes the report the active
profile names and lays its pages out in ``_build/quarto-root/``.
"""

from cpstats.cli import main

if __name__ == "__main__":  # the notebooks' worker processes import this module again
    raise SystemExit(main(["quarto-prepare"]))
