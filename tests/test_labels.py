"""One label per measure, from the measure's definition, wherever the report names it: tables, the
comparisons, the reconciliation, the open data and the built report's pages and downloads."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

import pytest

import cpstats.present.tables as tables
from cpstats.present.labels import figure_label, prose_label
from cpstats.present.reconciliation import RECONCILED_MEASURES


def _every_label_in_the_code() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for name in dir(tables):
        rows = getattr(tables, name)
        if name.endswith("_ROWS") and isinstance(rows, tuple):
            for label, measure in rows:
                found[measure].add(label)
    for source in (tables.COMPARATOR_LABELS, RECONCILED_MEASURES):
        for measure, label in source.items():
            found[measure].add(label)
    from cpstats.publish import opendata

    for value in vars(opendata).values():
        for indicator in _indicators(value):
            measure = indicator.published or indicator.col
            if measure in tables.LABELS:
                found[measure].add(indicator.label)
    return found


def _indicators(value):
    from cpstats.publish.opendata import Indicator

    if isinstance(value, Indicator):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _indicators(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _indicators(getattr(value, name, None))


def test_every_measure_has_one_label_in_every_table_comparison_reconciliation_and_download():
    for measure, labels in _every_label_in_the_code().items():
        assert labels == {tables.LABELS[measure]}, (measure, labels)
        assert figure_label(measure) == tables.LABELS[measure]


def test_a_sentence_names_a_measure_by_its_label_without_the_unit():
    assert prose_label("second_or_subsequent_plan_pct") == "Second or subsequent plans, ever"
    assert prose_label("plan_start_rate_per_10000") == "Child Protection Plans started"


def test_the_built_report_names_each_measure_one_way(public_report):
    """In the built sample, the rows of every table (pages and CSV downloads) that show a measure of LABELS
    use its label; the old second names are gone (94 is "Section 47 enquiries" in every table and sentence)."""
    from tests.sample_builds import html_text

    report = public_report.report
    text = " ".join(html_text(page.read_text(encoding="utf-8")) for page in sorted(report.glob("*.html")))
    for old in ("Section 47 strategy discussions", "Timeliness of conferences and reviews", "Families of those children",
                "Plans started in the year, per 10,000", "Children with all reviews in timescale (%)",
                "Re-referrals within 12 months (%)"):
        assert old not in text, old
    labels = set(tables.LABELS.values())
    first_cells = set()
    for path in sorted((report / "downloads").glob("*.csv")):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        first_cells |= {row[0] for row in rows if row}
    # every first cell naming one of the measures' words names it by its label
    for cell in first_cells:
        close = [label for label in labels if cell != label and cell.lower().startswith(label.lower()[:25])
                 and re.sub(r"\W", "", cell.lower()) != re.sub(r"\W", "", label.lower())]
        assert not close or any(cell.startswith(label) for label in labels), (cell, close)
