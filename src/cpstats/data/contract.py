"""The input data contract (version 1), as pandera schemas.

Each table of ``docs/data-contract.md`` is described once, in :data:`TABLES`, as a
list of :class:`Field` objects; the pandera schema that checks a file is built
from that description. Values are read as text and checked before they are
converted, so a bad cell is reported as the analyst typed it.

Rows are numbered as in a spreadsheet: the header is row 1, the first record
row 2; blank lines and rows with every cell empty are skipped without
renumbering the others.

Text (``id`` and ``text`` fields) is one line: no control character (C0, C1,
NUL, tab, newline) and no Unicode line break, at most ``max_length``
characters. Free text that is published (``text``: agency names, the key plan
:data:`KEY_PLAN`) may not start with ``= + - @``, tab or carriage return, which
a spreadsheet reads as a formula; identifiers may not start with ``= + @``, tab
or carriage return. Messages show at most :data:`SHOWN` characters of a value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import re

import pandas as pd
import pandera.pandas as pa

__all__ = [
    "CONTRACT_VERSION",
    "Field",
    "Table",
    "TABLES",
    "Problem",
    "DataValidationError",
    "ETHNICITY_CODES",
    "ETHNIC_GROUPS",
    "CATEGORY_CODES",
    "schema_for",
    "KEY_PLAN",
    "CONTROL_CHARACTERS",
    "FORMULA_START",
    "shorten",
    "text_problem",
]

CONTRACT_VERSION = 1

ETHNIC_GROUPS: dict[str, str] = {
    "WBRI": "White", "WIRI": "White", "WIRT": "White", "WOTH": "White", "WROM": "White",
    "MWBC": "Mixed", "MWBA": "Mixed", "MWAS": "Mixed", "MOTH": "Mixed",
    "AIND": "Asian", "APKN": "Asian", "ABAN": "Asian", "AOTH": "Asian",
    "BCRB": "Black", "BAFR": "Black", "BOTH": "Black",
    "CHNE": "Other", "OOTH": "Other",
    "REFU": "Not known", "NOBT": "Not known",
}
"""DfE ethnicity codes and the major group each belongs to (CIN census guide)."""

ETHNICITY_CODES = tuple(ETHNIC_GROUPS)
CATEGORY_CODES = ("NEG", "PHY", "EMO", "SAB", "MUL")
REFERRAL_SOURCES = (
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F",
    "4", "5A", "5B", "5C", "5D", "6", "7", "8", "9", "10",
)
PRIMARY_NEEDS = tuple(f"N{i}" for i in range(10))
AUDIT_GRADES = ("OUTSTANDING", "GOOD", "REQUIRES_IMPROVEMENT", "INADEQUATE")

# Text that a spreadsheet would run as a formula (CSV injection). Identifiers are never
# published and may start with "-"; free text that is published (agency names, the key
# plan) may not, since "-2+3+cmd|..." is a formula too.
_FORMULA_START = ("=", "+", "@", "\t", "\r")
FORMULA_START = _FORMULA_START + ("-",)
"""What published free text may not start with: a spreadsheet would read it as a formula."""

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Characters no single-line value may hold: C0 and C1 controls (NUL, tab, newlines) and Unicode line breaks."""

SHOWN = 60
"""How many characters of a value a message shows."""


def shorten(value, limit: int = SHOWN) -> str:
    """A value as a message shows it: quoted, cut to ``limit`` characters with its length when longer."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def text_problem(value: str, *, formula: tuple[str, ...] = FORMULA_START, max_length: int = 100) -> str | None:
    """Why a single-line text value is refused (control character, formula start, length), or ``None``."""
    found = CONTROL_CHARACTERS.search(value)
    if found:
        return f"holds a control character or line break ({found.group()!r} at character {found.start() + 1}); a value is one line of text"
    if value.startswith(formula):
        return f"starts with {value[0]!r}, which a spreadsheet reads as a formula ({' '.join(repr(c) for c in formula)}); refused"
    if len(value) > max_length:
        return f"is longer than {max_length} characters"
    return None


@dataclass(frozen=True)
class Field:
    """One column of a table and the rule its values follow.

    ``kind`` is one of ``id`` (identifier text), ``text``, ``date``, ``flag``
    (Y/N), ``code`` (one of ``codes``) or ``int`` (whole number from
    ``minimum`` to ``maximum``). ``required`` False allows a blank cell.
    """

    name: str
    kind: str
    required: bool = True
    unique: bool = False
    codes: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 100


@dataclass(frozen=True)
class Table:
    """A table of the contract: its file stem, fields and whether it must exist."""

    name: str
    fields: tuple[Field, ...]
    core: bool = True
    optional: bool = False  # may be absent: "not collected"
    description: str = ""

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table("children", (
            Field("child_id", "id", unique=True),
            Field("family_id", "id"),
            Field("sex", "code", codes=("M", "F", "U")),
            Field("date_of_birth", "date", required=False),
            Field("expected_date_of_birth", "date", required=False),
            Field("ethnicity", "code", codes=ETHNICITY_CODES),
            Field("disability", "flag"),
        )),
        Table("referrals", (
            Field("referral_id", "id", unique=True),
            Field("child_id", "id"),
            Field("referral_date", "date"),
            Field("referral_source", "code", codes=REFERRAL_SOURCES),
            Field("primary_need", "code", codes=PRIMARY_NEEDS),
            Field("closure_date", "date", required=False),
            Field("no_further_action", "flag"),
        )),
        Table("s47_enquiries", (
            Field("s47_id", "id", unique=True),
            Field("child_id", "id"),
            Field("referral_id", "id"),
            Field("strategy_discussion_date", "date"),
            Field("s47_start_date", "date"),
            Field("icpc_requested", "flag"),
            Field("icpc_date", "date", required=False),
        )),
        Table("cp_plans", (
            Field("plan_id", "id", unique=True),
            Field("child_id", "id"),
            Field("start_date", "date"),
            Field("end_date", "date", required=False),
            Field("initial_category", "code", codes=CATEGORY_CODES),
            Field("latest_category", "code", codes=CATEGORY_CODES),
            Field("previous_plans", "int", minimum=0, maximum=50),
        )),
        Table("cp_reviews", (
            Field("plan_id", "id"),
            Field("review_date", "date"),
        )),
        Table("conferences", (
            Field("conference_id", "id", unique=True),
            Field("family_id", "id"),
            Field("conference_type", "code", codes=("ICPC", "RCPC", "TRANSFER_IN")),
            Field("date", "date"),
            Field("domestic_abuse", "flag"),
            Field("children_invited", "int", minimum=0, maximum=30),
            Field("children_attended", "int", minimum=0, maximum=30),
        ), core=False),
        Table("conference_children", (
            Field("conference_id", "id"),
            Field("child_id", "id"),
            Field("outcome", "code", codes=("PLAN_START", "PLAN_CONTINUE", "PLAN_END", "NO_PLAN")),
            Field("advocate", "flag"),
        ), core=False),
        Table("conference_agencies", (
            Field("conference_id", "id"),
            Field("agency", "text"),
            Field("invited", "flag"),
            Field("attended", "flag"),
            Field("report_submitted", "flag"),
            Field("report_on_time", "flag"),
        ), core=False),
        Table("case_audits", (
            Field("audit_id", "id", unique=True),
            Field("audit_date", "date"),
            Field("child_id", "id"),
            Field("grade", "code", codes=AUDIT_GRADES),
        ), core=False, optional=True),
        Table("feedback", (
            Field("conference_id", "id"),
            Field("respondent", "code", codes=("PARENT", "CHILD", "FAMILY_MEMBER", "PROFESSIONAL")),
            Field("rating", "int", minimum=1, maximum=5),
        ), core=False, optional=True),
        Table("marac", (
            Field("victim_id", "id"),
            Field("referral_date", "date"),
            Field("children_in_household", "int", minimum=0, maximum=30),
            Field("repeat", "flag"),
        ), core=False, optional=True),
    ]
}
"""Every table of the contract, in the order of ``docs/data-contract.md``."""

KEY_PLAN = Table("19_key_plan", (
    Field("action", "text", max_length=500),
    Field("who", "text", required=False, max_length=200),
), core=False, optional=True, description="commentary/<la>/<year>/19_key_plan.csv: the report's key plan")
"""The key plan table written by the report's author (published as text in pages, PDF and downloads)."""

LOCAL_FIGURE_UNITS = ("people", "count", "percent", "rate", "average", "number")
"""What a local figure counts or measures: ``people`` is a count of people (children, families, staff),
withheld from 1 to the threshold in a public report like every count of people; ``count`` a count of
things (reviews, referrals, meetings); ``percent`` a percentage; ``rate``, ``average`` and ``number``
any other figure."""

LOCAL_FIGURES = Table("local_figures", (
    Field("name", "name", unique=True, max_length=60),
    Field("value", "number"),
    Field("unit", "code", codes=LOCAL_FIGURE_UNITS),
    Field("description", "text", max_length=200),
    Field("source", "text", max_length=300),
    Field("note", "text", required=False, max_length=300),
), core=False, optional=True,
    description="commentary/<la>/<year>/local_figures.csv: figures from other sources than the records")
"""Figures the records cannot give (caseloads, school census shares, national studies), written by the
report's author with their source; published as text and numbers in pages, PDF and downloads."""


@dataclass(frozen=True, order=True)
class Problem:
    """One breach of the contract, located by file, row and column."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class DataValidationError(ValueError):
    """Input data that breaks the contract; ``problems`` lists every breach."""

    def __init__(self, problems: list[Problem], folder: str = ""):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
        self.folder = folder
        if len(self.problems) == 1:  # one line: the file (with its folder), row, column and why
            only = self.problems[0]
            if folder and not Path(only.file).is_absolute() and not only.file.startswith(folder):
                only = replace(only, file=str(Path(folder) / only.file))
            super().__init__(str(only))
            return
        lines = [f"{len(self.problems)} problems in the input data{f' in {folder}' if folder else ''}:"]
        shown = self.problems[:200]
        lines += [f"  {p}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        super().__init__("\n".join(lines))


# ---------------------------------------------------------------- pandera schemas


def _is_iso_date(values: pd.Series) -> pd.Series:
    shape_ok = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False)
    parsed = pd.to_datetime(values.where(shape_ok), format="%Y-%m-%d", errors="coerce")
    plausible = parsed.between(pd.Timestamp("1990-01-01"), pd.Timestamp("2100-12-31"))
    return shape_ok & parsed.notna() & plausible


def _is_whole_number(values: pd.Series) -> pd.Series:
    return values.str.fullmatch(r"\d{1,6}").fillna(False)


def _within(lowest: int, highest: int):
    """A check that whole numbers lie in ``[lowest, highest]`` (other text is left to the number check)."""

    def check(values: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(values.where(_is_whole_number(values)), errors="coerce")
        return numbers.isna() | numbers.between(lowest, highest)

    return check


def _checks_for(f: Field) -> list[pa.Check]:
    """The element-wise checks of one field, each with the message an analyst reads."""
    def blank_ok(ok):
        return ok if f.required else (lambda values: ok(values) | (values == ""))

    checks = []
    if f.required:
        checks.append(pa.Check(lambda s: s != "", element_wise=False, error="is blank but required"))
    if f.kind == "date":
        checks.append(pa.Check(blank_ok(_is_iso_date), error="is not a real date written YYYY-MM-DD (1990 to 2100)"))
    elif f.kind == "flag":
        checks.append(pa.Check(blank_ok(lambda s: s.isin(["Y", "N"])), error="must be Y or N"))
    elif f.kind == "code":
        allowed = ", ".join(f.codes)
        checks.append(pa.Check(blank_ok(lambda s, c=f.codes: s.isin(c)), error=f"is not an allowed code ({allowed})"))
    elif f.kind == "name":
        checks.append(pa.Check(blank_ok(lambda s: s.str.fullmatch(r"[a-z][a-z0-9_]*").fillna(False)),
                               error="is not a name of lower-case letters, digits and _ starting with a letter"))
    elif f.kind == "number":
        checks.append(pa.Check(blank_ok(lambda s: s.str.fullmatch(r"\d{1,12}(\.\d{1,6})?").fillna(False)),
                               error="is not a number written with digits and at most one decimal point (no sign, %, comma or unit)"))
    elif f.kind == "int":
        checks.append(pa.Check(blank_ok(_is_whole_number), error="is not a whole number"))
        checks.append(pa.Check(_within(f.minimum, f.maximum), error=f"is outside the allowed range {f.minimum} to {f.maximum}"))
    if f.kind in ("id", "text"):
        starts = FORMULA_START if f.kind == "text" else _FORMULA_START
        shown = " ".join(repr(c) for c in starts)
        checks.append(pa.Check(
            lambda s: ~s.str.contains(CONTROL_CHARACTERS).fillna(False),
            error="holds a control character or line break (NUL, tab, newline, ...); a value is one line of text",
        ))
        checks.append(pa.Check(
            lambda s, starts=starts: ~s.str.startswith(starts).fillna(False),
            error=f"starts with a character a spreadsheet reads as a formula ({shown}); refused",
        ))
        checks.append(pa.Check(lambda s, n=f.max_length: s.str.len() <= n, error=f"is longer than {f.max_length} characters"))
    return checks


def schema_for(table: Table) -> pa.DataFrameSchema:
    """The pandera schema that checks one table read as text (blank cells as ``""``)."""
    return pa.DataFrameSchema(
        {
            f.name: pa.Column(str, checks=_checks_for(f), unique=f.unique, nullable=False, required=True)
            for f in table.fields
        },
        strict=False,
        coerce=False,
        name=table.filename,
    )
