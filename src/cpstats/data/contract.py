"""The input data contract (version 1), as pandera schemas.

Each table of ``docs/guide/data-contract.md`` is described once, in :data:`TABLES`, as a
list of :class:`Field` objects; the pandera schema that checks a file is built
from that description. Values are read as text and checked before they are
converted, so a bad cell is reported as the analyst typed it.

Rows are numbered as in a spreadsheet: the header is row 1, the first record
row 2; blank lines and rows with every cell empty are skipped without
renumbering the others.

Text (``id`` and ``text`` fields) is one line: no control character (C0, C1,
NUL, tab, newline) and no Unicode line break, at most ``max_length``
characters. Free text that is published (``text``: agency names, the key plan
:data:`KEY_PLAN`, local figures) holds no Unicode format character (category
``Cf``: bidirectional overrides and isolates, zero-width characters), and may not start with ``= + - @``, tab or carriage return, which
a spreadsheet reads as a formula; identifiers may not start with ``= + @``, tab
or carriage return. Messages show at most :data:`SHOWN` characters of a value.
"""

from __future__ import annotations

import functools

from dataclasses import dataclass, replace
from pathlib import Path

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
    "format_character_at",
    "format_problem",
    "FORMULA_START",
    "shorten",
    "text_problem",
    "check_columns",
    "LA_KEYS",
    "NEEDS_CONFERENCES",
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


def format_character_at(value: str) -> int | None:
    """Where ``value`` first holds a Unicode format character (category ``Cf``), or ``None``.

    Format characters are invisible, yet reorder what is shown (bidirectional
    overrides and isolates U+202A-202E and U+2066-2069, marks U+200E/200F) or
    make names that look equal differ (zero-width U+200B-200D, U+2060, U+FEFF,
    the soft hyphen U+00AD). Python's ``unicodedata`` says which they are.
    """
    if value.isascii():
        return None
    return next((i for i, c in enumerate(value) if c > "\x7f" and unicodedata.category(c) == "Cf"), None)


def _holds_format_character(values: pd.Series) -> pd.Series:
    return values.map(lambda value: isinstance(value, str) and format_character_at(value) is not None).astype(bool)


_FORMAT_RE2 = r"\p{Cf}"
"""Format characters for RE2 (pyarrow's regular expressions): Unicode's category ``Cf``, as RE2's tables have it
(their Unicode may be a version newer than Python's, which adds the few format characters assigned since)."""

_FORMAT_MESSAGE = ("holds an invisible Unicode format character (a bidirectional override or isolate, a "
                   "zero-width character, ...), which can disguise the text; remove it")


def format_problem(value: str) -> str | None:
    """Why published text holding a Unicode format character (category ``Cf``) is refused, or ``None``."""
    at = format_character_at(value)
    if at is not None:
        return (f"holds an invisible Unicode format character (U+{ord(value[at]):04X} at character "
                f"{at + 1}), which can disguise the text; remove it")
    return None

SHOWN = 60
"""How many characters of a value a message shows."""


def shorten(value, limit: int = SHOWN) -> str:
    """A value as a message shows it: quoted, cut to ``limit`` characters with its length when longer."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def text_problem(value: str, *, formula: tuple[str, ...] = FORMULA_START, max_length: int = 100) -> str | None:
    """Why a single-line text value is refused (control or format character, formula start, length), or ``None``."""
    found = CONTROL_CHARACTERS.search(value)
    if found:
        return f"holds a control character or line break ({found.group()!r} at character {found.start() + 1}); a value is one line of text"
    if (why := format_problem(value)) is not None:
        return why
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
"""Every table of the contract, in the order of ``docs/guide/data-contract.md``."""

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


def _checks_for(f: Field) -> list:
    """The element-wise checks of one field, each with the message an analyst reads."""
    import pandera.pandas as pandera

    def blank_ok(ok):
        return ok if f.required else (lambda values: ok(values) | (values == ""))

    checks = []
    if f.required:
        checks.append(pandera.Check(lambda s: s != "", element_wise=False, error="is blank but required"))
    if f.kind == "date":
        checks.append(pandera.Check(blank_ok(_is_iso_date), error="is not a real date written YYYY-MM-DD (1990 to 2100)"))
    elif f.kind == "flag":
        checks.append(pandera.Check(blank_ok(lambda s: s.isin(["Y", "N"])), error="must be Y or N"))
    elif f.kind == "code":
        allowed = ", ".join(f.codes)
        checks.append(pandera.Check(blank_ok(lambda s, c=f.codes: s.isin(c)), error=f"is not an allowed code ({allowed})"))
    elif f.kind == "name":
        checks.append(pandera.Check(blank_ok(lambda s: s.str.fullmatch(r"[a-z][a-z0-9_]*").fillna(False)),
                               error="is not a name of lower-case letters, digits and _ starting with a letter"))
    elif f.kind == "number":
        checks.append(pandera.Check(blank_ok(lambda s: s.str.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,6})?").fillna(False)),
                               error="is not a number written with digits and at most one decimal point (no sign, %, comma or unit)"))
    elif f.kind == "int":
        checks.append(pandera.Check(blank_ok(_is_whole_number), error="is not a whole number"))
        checks.append(pandera.Check(_within(f.minimum, f.maximum), error=f"is outside the allowed range {f.minimum} to {f.maximum}"))
    if f.kind in ("id", "text"):
        starts = FORMULA_START if f.kind == "text" else _FORMULA_START
        shown = " ".join(repr(c) for c in starts)
        checks.append(pandera.Check(
            lambda s: ~s.str.contains(CONTROL_CHARACTERS).fillna(False),
            error="holds a control character or line break (NUL, tab, newline, ...); a value is one line of text",
        ))
        if f.kind == "text":
            checks.append(pandera.Check(lambda s: ~_holds_format_character(s), error=_FORMAT_MESSAGE))
        checks.append(pandera.Check(
            lambda s, starts=starts: ~s.str.startswith(starts).fillna(False),
            error=f"starts with a character a spreadsheet reads as a formula ({shown}); refused",
        ))
        checks.append(pandera.Check(lambda s, n=f.max_length: s.str.len() <= n, error=f"is longer than {f.max_length} characters"))
    return checks


def schema_for(table: Table) -> "pandera.pandas.DataFrameSchema":
    """The pandera schema that checks one table read as text (blank cells as ``""``)."""
    import pandera.pandas as pandera

    return pandera.DataFrameSchema(
        {
            f.name: pandera.Column(str, checks=_checks_for(f), unique=f.unique, nullable=False, required=True)
            for f in table.fields
        },
        strict=False,
        coerce=False,
        name=table.filename,
    )


# ---------------------------------------------------------------- the same rules, over whole columns
#
# :func:`check_columns` applies the rules of :func:`schema_for` to whole Arrow
# text columns and reports exactly the problems the pandera schema reports
# (``tests/test_validation.py`` compares the two on every table). No rule makes
# a Python object per cell: each works on the column's UTF-8 bytes and offsets
# with numpy, or with ``pyarrow.compute``, and the failing rows are located
# (and their values shown) only when a rule fails. A column made only of
# printable ASCII (the usual case) is settled from its bytes; a column holding
# anything else gets the exact ``pyarrow.compute`` test of the rule. Cells other
# than ASCII in date and number columns (a full-width or Arabic-Indic digit,
# which Python's ``\d`` accepts) are checked by the pandera checks themselves,
# on those cells alone.

_CONTROL_RE2 = r"[\x00-\x1f\x7f-\x9f\x{2028}\x{2029}]"
"""``CONTROL_CHARACTERS`` written for RE2 (pyarrow's regular expressions): the same characters."""

_CONTROL_MESSAGE = "holds a control character or line break (NUL, tab, newline, ...); a value is one line of text"
_DIGIT_POSITIONS = [0, 1, 2, 3, 5, 6, 8, 9]


def _mask(values) -> np.ndarray:
    """An Arrow boolean array (or chunked array) as a writable numpy ``bool`` array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return np.array(values.to_numpy(zero_copy_only=False), dtype=bool)


class TextColumn:
    """One column of text (no nulls) as Arrow holds it: the UTF-8 bytes of every cell end to end, and offsets."""

    def __init__(self, values: pa.Array):
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if not pa.types.is_large_string(values.type):
            values = values.cast(pa.large_string())
        self.values = values
        buffers = values.buffers()
        self.offsets = np.frombuffer(buffers[1], dtype=np.int64)[values.offset: values.offset + len(values) + 1]
        data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
        self.data = data[self.offsets[0]: self.offsets[-1]] if len(values) else data[:0]
        self.blank = self.offsets[1:] == self.offsets[:-1]
        self.lowest = int(self.data.min()) if len(self.data) else 0x20
        self.printable_ascii = not len(self.data) or (self.lowest >= 0x20 and int(self.data.max()) < 0x7F)

    @functools.cached_property
    def lengths(self) -> np.ndarray:
        """Each cell's length in bytes (made when first asked for: eight bytes a cell)."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.values)

    def first_bytes(self) -> np.ndarray:
        """The first byte of each cell (0 for a blank one)."""
        first = np.zeros(len(self), dtype=np.uint8)
        filled = ~self.blank
        first[filled] = self.data[self.offsets[:-1][filled] - self.offsets[0]]
        return first

    def fixed(self, width: int) -> np.ndarray | None:
        """The bytes of the non-blank cells as rows of ``width`` bytes, when every one has that length; else ``None``."""
        if not np.all(self.blank | (self.lengths == width)):
            return None
        return self.data.reshape(-1, width)

    def is_ascii(self) -> np.ndarray:
        if self.printable_ascii or not len(self.data) or int(self.data.max()) < 0x80:
            return np.ones(len(self), dtype=bool)
        return _mask(pc.string_is_ascii(self.values))


def text_column(values) -> TextColumn:
    """``values`` as a :class:`TextColumn` (itself when it is one already)."""
    return values if isinstance(values, TextColumn) else TextColumn(values)


def stripped(column: TextColumn) -> TextColumn:
    """The cells without white space around them, as pandas' ``str.strip`` (``utf8_trim_whitespace``) leaves them."""
    filled = ~column.blank
    if column.printable_ascii and (not len(column.data) or column.lowest > 0x20) or not filled.any():
        return column  # no space, control or other than ASCII anywhere
    start = column.offsets[:-1][filled] - column.offsets[0]
    end = column.offsets[1:][filled] - column.offsets[0] - 1
    edges = np.concatenate([column.data[start], column.data[end]])
    if int(edges.min()) > 0x20 and int(edges.max()) < 0x7F:  # no cell starts or ends with a space or other than ASCII
        return column
    return TextColumn(pc.utf8_trim_whitespace(column.values))


def strip_text(values: pa.Array) -> pa.Array:
    """The cells without white space around them, as pandas' ``str.strip`` (``utf8_trim_whitespace``) leaves them."""
    return stripped(text_column(values)).values


def _ascii_dates(column: TextColumn, ascii_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which ASCII cells are real dates ``YYYY-MM-DD`` from 1990 to 2100, and the dates (``datetime64[ns]``, else NaT)."""
    n = len(column)
    rows = column.fixed(10)
    if rows is not None:
        try:  # Arrow's own reading of YYYY-MM-DD: refuses anything but a real date of that shape
            days = pc.cast(pc.if_else(pa.array(column.blank), "2000-01-01", column.values), pa.date32())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            days = None
        if days is not None:
            days = np.array(days.to_numpy(zero_copy_only=False), dtype="datetime64[D]")
            ok = ~column.blank & (days >= np.datetime64("1990-01-01")) & (days <= np.datetime64("2100-12-31"))
            dates = days.astype("datetime64[ns]")
            dates[~ok] = np.datetime64("NaT")
            return ok, dates
        cells = np.flatnonzero(~column.blank)
    else:  # cells of other lengths: gather the 10-byte ones
        cells = np.flatnonzero((column.lengths == 10) & ascii_)
        rows = column.data[(column.offsets[:-1][cells] - column.offsets[0])[:, None] + np.arange(10)]
    digits = rows - np.uint8(ord("0"))  # below "0" wraps round to more than 9
    shaped = np.all(digits[:, _DIGIT_POSITIONS] <= 9, axis=1) & (rows[:, 4] == ord("-")) & (rows[:, 7] == ord("-"))
    digits = digits.astype(np.int32)
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month = digits[:, 5] * 10 + digits[:, 6]
    day = digits[:, 8] * 10 + digits[:, 9]
    year = np.where(shaped, year, 1970)
    month = np.where(shaped, month, 1)
    day = np.where(shaped, day, 1)
    first = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    month_days = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    good = shaped & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days) & (year >= 1990) & (year <= 2100)
    ok = np.zeros(n, dtype=bool)
    ok[cells] = good
    dates = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    dates[cells[good]] = (first[good].astype("datetime64[D]") + (day[good] - 1)).astype("datetime64[ns]")
    return ok, dates


def _repeated(column: TextColumn) -> np.ndarray:
    """Which cells hold a value found in another cell too."""
    n = len(column)
    if n < 2:
        return np.zeros(n, dtype=bool)
    width = int(column.lengths[0])
    if width and np.all(column.lengths == width):  # identifiers of one width: in order means unique
        keys = column.data.reshape(n, width).view(f"S{width}").ravel()
        if np.all(keys[1:] > keys[:-1]):
            return np.zeros(n, dtype=bool)
    encoded = pc.dictionary_encode(column.values)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return np.bincount(codes)[codes] > 1


def check_columns(table: Table, columns: dict[str, "pa.Array | TextColumn"], rows: np.ndarray) -> tuple[list[Problem], dict[str, np.ndarray]]:
    """Check a table's text columns (blank cells ``""``) against its fields, over whole columns.

    ``rows`` gives each record's row in the file. Returns the problems, each
    as :func:`schema_for` would report it, and the values of the date
    (``datetime64[ns]``, blank as ``NaT``), flag (``bool``) and whole-number
    (``int64``) columns, meaningful only when no problem was found.
    """
    problems: list[Problem] = []
    converted: dict[str, np.ndarray] = {}

    def report(f: Field, values: pa.Array, failed: np.ndarray, error: str, unique: bool = False) -> None:
        where = np.flatnonzero(failed)
        if not len(where):
            return
        for row, value in zip(rows[where].tolist(), values.take(pa.array(where)).to_pylist()):
            if unique:
                message = f"{shorten(value)} appears more than once; it must be unique"
            else:
                message = f"{shorten(value)} {error}" if value != "" else error
            problems.append(Problem(table.filename, int(row), f.name, message))

    for f in table.fields:
        column = text_column(columns[f.name])
        values, blank = column.values, column.blank
        allowed_blank = blank if not f.required else np.zeros(len(column), dtype=bool)
        if f.required:
            report(f, values, blank, "is blank but required")
        if f.unique:
            report(f, values, _repeated(column), "", unique=True)
        if f.kind in ("date", "int"):
            ascii_ = column.is_ascii()
            other = np.flatnonzero(~ascii_)
            cells = pd.Series(values.take(pa.array(other)).to_pylist(), dtype=str) if len(other) else None
        if f.kind == "date":
            ok, dates = _ascii_dates(column, ascii_)
            if len(other):  # other than ASCII: the pandera check itself, on these cells only
                ok[other] = _is_iso_date(cells).to_numpy(dtype=bool)
                dates[other] = pd.to_datetime(cells.where(ok[other], None), format="%Y-%m-%d",
                                              errors="coerce").to_numpy("datetime64[ns]")
            converted[f.name] = dates
            report(f, values, ~(ok | allowed_blank), "is not a real date written YYYY-MM-DD (1990 to 2100)")
        elif f.kind == "flag":
            one = column.fixed(1)
            if one is not None and not blank.any():
                ok, yes = (one[:, 0] == ord("Y")) | (one[:, 0] == ord("N")), one[:, 0] == ord("Y")
            else:
                ok = _mask(pc.is_in(values, value_set=pa.array(["Y", "N"], type=values.type)))
                yes = _mask(pc.equal(values, "Y"))
            converted[f.name] = yes
            report(f, values, ~(ok | allowed_blank), "must be Y or N")
        elif f.kind == "code":
            ok = _mask(pc.is_in(values, value_set=pa.array(list(f.codes), type=values.type)))
            report(f, values, ~(ok | allowed_blank), f"is not an allowed code ({', '.join(f.codes)})")
        elif f.kind == "name":
            ok = _mask(pc.match_substring_regex(values, r"^[a-z][a-z0-9_]*$"))
            report(f, values, ~(ok | blank), "is not a name of lower-case letters, digits and _ starting with a letter")
        elif f.kind == "number":
            ok = _mask(pc.match_substring_regex(values, r"^[0-9]{1,12}(\.[0-9]{1,6})?$"))
            report(f, values, ~(ok | blank),
                   "is not a number written with digits and at most one decimal point (no sign, %, comma or unit)")
        elif f.kind == "int":
            plain = values if not len(other) else pc.if_else(pa.array(ascii_), values, "")
            whole = _mask(pc.ascii_is_decimal(plain)) & (column.lengths <= 6)
            numbers = np.array(pc.cast(pc.if_else(pa.array(whole), plain, "0"), pa.int64()))
            outside = whole & ((numbers < f.minimum) | (numbers > f.maximum))
            if len(other):
                whole[other] = _is_whole_number(cells).to_numpy(dtype=bool)
                outside[other] = ~_within(f.minimum, f.maximum)(cells).to_numpy(dtype=bool)
                numbers[other] = [int(v) if w else 0 for v, w in zip(cells, whole[other])]
            converted[f.name] = numbers
            report(f, values, ~(whole | allowed_blank), "is not a whole number")
            report(f, values, outside, f"is outside the allowed range {f.minimum} to {f.maximum}")
        if f.kind in ("id", "text"):
            starts = FORMULA_START if f.kind == "text" else _FORMULA_START
            shown = " ".join(repr(c) for c in starts)
            if not column.printable_ascii:
                report(f, values, _mask(pc.match_substring_regex(values, _CONTROL_RE2)), _CONTROL_MESSAGE)
                if f.kind == "text":
                    report(f, values, _mask(pc.match_substring_regex(values, _FORMAT_RE2)), _FORMAT_MESSAGE)
            first = column.first_bytes()
            formula = ~blank & np.isin(first, np.frombuffer("".join(starts).encode("ascii"), dtype=np.uint8))
            report(f, values, formula, f"starts with a character a spreadsheet reads as a formula ({shown}); refused")
            if len(column) and int(column.lengths.max()) > f.max_length:  # a character is at least one byte
                report(f, values, _mask(pc.greater(pc.utf8_length(values), f.max_length)),
                       f"is longer than {f.max_length} characters")
        columns[f.name] = values
    return problems, converted


# ----------------------------------------------------------------- la.yaml and the tables that need others

LA_KEYS: tuple[tuple[str, str, str], ...] = (
    ("name", "required: the authority's name as the report shows it (one line of text)", "Rutland"),
    ("la_code", "required: the DfE local authority code, a number (the LEA of a CIN census header); "
                "`data/reference/` must hold the authority's published figures (`cpstats reference import "
                "--ees DIR` adds them)", "857"),
    ("region", "optional: the authority's region, as DfE compares it; a record for readers of the folder "
               "(the report's region and neighbours come from `data/reference/` by `la_code`)", "East Midlands"),
    ("statistical_neighbours", "optional: the DfE codes of the authority's statistical neighbours, closest "
                               "first; a record for readers of the folder, as `region`", "[865, 815, 893]"),
    ("extract_date", "optional: the day the records were extracted, `YYYY-MM-DD`; a record dated after it "
                     "is refused (an unborn child's expected date of birth excepted)", "2020-03-31"),
    ("first_year", "optional: the first reporting year the records cover completely; trends start there "
                   "(without it, the year of the earliest referral)", "2012-13"),
    ("last_year", "optional: the last reporting year the records cover completely: not before `first_year`, "
                  "and ending by `extract_date` (without it, the last year ending by `extract_date`, else the "
                  "year of the latest referral); a report for a year outside the coverage is refused", "2019-20"),
    ("published", "optional: each report's release date by its reporting year, `YYYY-MM-DD`, after the year "
                  "ends; the About page shows it first (without it: \"Not stated\"; a draft says it is not published)",
     "{2017-18: 2018-10-15}"),
    ("status", "optional: the statistics' status, one of `management information`, `official statistics` or "
               "`official statistics in development`; the About page says what it means", "management information"),
    ("contact", "optional: who answers questions about the report (published text, as `name`)",
     "Performance Team, performance@example.gov.uk"),
    ("revisions", "optional: the revisions and corrections policy (published text, at most 500 characters; "
                  "without it, a standard policy: errors corrected in a new version, earlier versions kept with "
                  "what changed)", "Errors are corrected within 10 working days and the correction is noted."),
)
"""Every key ``la.yaml`` may hold: name, rule and example. `cpstats import cin-census` writes all of them
for a new folder, from ``data/reference/`` and the returns (``name``, ``region`` and
``statistical_neighbours`` when the reference tables know the code)."""

NEEDS_CONFERENCES = ("conference_children", "conference_agencies", "feedback")
"""Local tables whose rows name a conference: given without ``conferences.csv``, they are refused."""
