"""No identifier and no date of birth of the input in any published file, and no record-level rows.

Every file of the built sample site is read as a reader or a program could
read it: HTML text and attributes, the PDF's text and metadata (pypdf), CSV
cells, XLSX cells and document properties (openpyxl and the zip's XML), ODS
parts, every file inside the zip of everything, SVG and PNG metadata, and the
manifest. Each is searched for every identifier (child, family, MARAC victim,
referral, plan, section 47 enquiry, conference, audit) and every date of birth, written as ISO (2017-04-01), as the report
writes dates (1 April 2017) and day first (01/04/2017, 1/4/2017).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from tests.sample_builds import SAMPLE, csv_rows, html_tables, published_text

IDENTIFIERS = {
    "children.csv": ["child_id", "family_id"],
    "marac.csv": ["victim_id"],
    "referrals.csv": ["referral_id"],
    "cp_plans.csv": ["plan_id"],
    "s47_enquiries.csv": ["s47_id"],
    "conferences.csv": ["conference_id"],
    "case_audits.csv": ["audit_id"],
}


def _identifiers() -> set[str]:
    found = set()
    for name, columns in IDENTIFIERS.items():
        if (SAMPLE / name).exists():
            frame = pd.read_csv(SAMPLE / name, dtype=str, keep_default_na=False)
            for column in columns:
                found |= {value for value in frame[column] if value}
    return found


def _dates_of_birth() -> set[str]:
    """Every date of birth, in each way a date could be written."""
    births = pd.read_csv(SAMPLE / "children.csv", dtype=str, keep_default_na=False)["date_of_birth"]
    written = set()
    for iso in (b for b in births if b):
        day = pd.Timestamp(iso)
        written |= {iso, f"{day.day} {day:%B} {day.year}", f"{day:%d/%m/%Y}", f"{day.day}/{day.month}/{day.year}"}
    return written


def _published_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.is_file())


def _hits(site: Path) -> list[tuple[str, str]]:
    identifiers = _identifiers()
    births = _dates_of_birth()
    pattern = re.compile(r"(?<![\w/-])(" + "|".join(sorted(map(re.escape, births), key=len, reverse=True)) + r")(?![\w/])")
    hits = []
    for path in _published_files(site):
        text = published_text(path)
        words = set(re.findall(r"[A-Za-z0-9_]+", text))
        hits += [(path.name, identifier) for identifier in sorted(identifiers & words)]
        hits += [(path.name, match) for match in sorted(set(pattern.findall(text)))]
    return hits


@pytest.fixture(scope="module", params=["public", "internal"])
def site(request, public_report):
    """The site of a public build, and the drafts' tree of the internal build made before it."""
    return public_report.out_root if request.param == "public" else public_report.draft.parents[1]


def test_the_scan_knows_the_identifiers_and_dates_it_looks_for():
    """The input has thousands of identifiers and dates of birth, so a clean scan means something."""
    assert len(_identifiers()) > 5000
    assert len(_dates_of_birth()) > 4 * 1000


def test_no_identifier_or_date_of_birth_in_any_published_file(site):
    """0 hits: no child, family, victim, referral, plan, enquiry, conference or audit id, no date of birth."""
    files = _published_files(site)
    assert {p.suffix for p in files} >= {".html", ".pdf", ".json", ".svg"}
    hits = _hits(site)
    print(f"identifiers and dates of birth found in {len(files)} published files: {len(hits)}")
    assert hits == []


def test_no_published_csv_holds_record_level_rows(site):
    """Every CSV has no more rows than the largest table shown on the pages (an open data file: for each year, place
    and first filter), and no identifier column."""
    largest = max(len(table) for page in site.rglob("*.html") for table in html_tables(page.read_text(encoding="utf-8")))
    for path in site.rglob("*.csv"):
        rows = csv_rows(path)
        assert not {"child_id", "family_id", "referral_id", "plan_id", "victim_id"} & set(rows[0]), path.name
        if path.parent.name == "open-data" and rows[0][0] == "time_period":
            # tidy open data: every year and place in one file; each year, place and first filter no longer
            meta = csv_rows(path.with_name(path.name.removesuffix(".csv") + ".meta.csv"))
            width = 10 + any(row[1] == "Filter" for row in meta[1:])
            groups = Counter(tuple(row[:width]) for row in rows[1:])
            assert max(groups.values()) <= largest, path.name
        elif "-download-" in path.name and "DfE code" in rows[0]:
            # a table offered for download only, of every English authority (a funnel plot's values): one row an
            # authority, each a distinct DfE code that data/reference knows, never more rows than authorities
            known = set(pd.read_csv(SAMPLE.parent / "reference" / "authorities.csv", dtype=str)["la_code"])
            codes = [row[rows[0].index("DfE code")] for row in rows[1:]]
            assert len(codes) == len(set(codes)) and set(codes) <= known, path.name
        else:
            assert len(rows) <= largest, path.name
