"""Loading one local authority's folder and checking it against the contract.

:func:`load_dataset` reads every table of :data:`cpstats.data.contract.TABLES`
with Arrow's CSV reader, checks each cell against the table's rules over whole
columns (:func:`cpstats.data.contract.check_columns`, the rules of the
table's pandera schema), then checks the tables
against each other (keys exist, dates in order, one open plan per child). It
either returns a :class:`Dataset` of typed DataFrames or raises one
:class:`~cpstats.data.contract.DataValidationError` listing every problem found,
each with its file, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import pickle
import stat
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from cpstats.data.authority import LA_FILE, read_la
from cpstats.data.contract import (KEY_PLAN, LOCAL_FIGURES, NEEDS_CONFERENCES, TABLES, DataValidationError, Problem,
                                   Table, TextColumn, check_columns, shorten, stripped)
from cpstats.data.keys import IDENTIFIERS, Identifier, identifier_keys, member_of, pack_identifiers, positions_of
from cpstats.data.paths import file_in_folder_problem
from cpstats.data.periods import ReportingYear

__all__ = ["Dataset", "Coverage", "load_dataset", "file_fingerprint", "dataset_fingerprint", "VALIDATED_CACHE_ENV",
           "cached_dataset", "keep_dataset", "check_year_covered", "special_files", "read_text_table",
           "check_key_plan", "check_local_figures", "read_local_figures", "read_table", "is_in", "positions_in"]

_READERS = 2
"""Tables read and checked at once by :func:`load_dataset`."""
VALIDATED_CACHE_ENV = "CPSTATS_VALIDATED_CACHE"
"""Environment variable naming a folder of validated datasets (set by the build for its notebooks).

When it is set, :func:`load_dataset` first looks there for the folder's
tables as they were validated, keyed by the folder, the bytes of every file
in it and the source of the loader and the contract, so a changed file or
a changed rule always means reading and validating again."""


def _same_frames(made_for: dict | None, frames: dict) -> bool:
    """Whether ``frames`` are the very frames (the same objects) that ``made_for`` names."""
    return made_for is not None and made_for.keys() == frames.keys() and all(made_for[n] is f for n, f in frames.items())


@dataclass
class Dataset:
    """One authority's validated tables. Optional tables absent from the folder are ``None``."""

    path: Path
    la: dict
    children: pd.DataFrame
    referrals: pd.DataFrame
    s47_enquiries: pd.DataFrame
    cp_plans: pd.DataFrame
    cp_reviews: pd.DataFrame
    conferences: pd.DataFrame | None = None
    conference_children: pd.DataFrame | None = None
    conference_agencies: pd.DataFrame | None = None
    case_audits: pd.DataFrame | None = None
    feedback: pd.DataFrame | None = None
    marac: pd.DataFrame | None = None
    files: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    keys: dict[str, dict[str, np.ndarray]] = field(default_factory=dict, repr=False, compare=False)
    """Each identifier column as integer keys (:mod:`cpstats.data.keys`), by table and column."""

    def keyed(self) -> "Dataset":
        """This dataset with each identifier column replaced by its integer keys (:mod:`cpstats.data.keys`).

        For computing, where only the equality and order of identifiers matter:
        joins, groups and counts of distinct children on integers. Made once and
        kept with the dataset (not pickled with it), and made again when a table
        has been replaced since.
        """
        frames = {name: getattr(self, name) for name in TABLES}
        kept = self.__dict__.get("_keyed")
        if kept is not None and _same_frames(kept[0], frames):
            return kept[1]
        keys = self.keys if _same_frames(self.__dict__.get("_keys_for"), frames) else None
        if keys is None:  # a table replaced since loading (or a dataset made otherwise): its keys made again
            keys = identifier_keys({name: {c: _as_arrow_text(frame[c]) for c in frame.columns if c in IDENTIFIERS}
                                    for name, frame in frames.items() if frame is not None})
        replaced = {name: None if frame is None else frame.assign(**{c: pd.Series(k, index=frame.index) for c, k in keys.get(name, {}).items()})
                    for name, frame in frames.items()}
        keyed = Dataset(path=self.path, la=self.la, files=self.files, warnings=self.warnings, keys=keys, **replaced)
        keyed.__dict__["_keys_for"] = replaced
        keyed.__dict__["_keyed"] = (replaced, keyed)
        self.__dict__["_keyed"] = (frames, keyed)
        return keyed

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_keyed"}

    @property
    def la_code(self) -> int:
        """The DfE local authority code from ``la.yaml``."""
        return int(self.la["la_code"])

    @property
    def name(self) -> str:
        """The authority's name from ``la.yaml``."""
        return str(self.la["name"])

    @property
    def coverage(self) -> "Coverage":
        """The reporting years the data cover completely (see :class:`Coverage`)."""
        return coverage_of(self.la, self.referrals)


@dataclass(frozen=True)
class Coverage:
    """The first and last reporting year the data cover completely, and where that was found.

    From ``la.yaml`` when it says so (``first_year``, ``last_year``; without
    ``last_year``, the last year ending on or before ``extract_date``);
    otherwise from the records: the years from the one holding the earliest
    referral to the one holding the latest.
    """

    first: ReportingYear | None
    last: ReportingYear | None
    file: str
    first_column: str | None
    last_column: str | None = None

    def covers(self, year: ReportingYear) -> bool:
        return self.first is not None and self.last is not None and self.first <= year <= self.last

    @property
    def label(self) -> str:
        if self.first is None or self.last is None:
            return "no year"
        return self.first.label if self.first == self.last else f"{self.first.label} to {self.last.label}"


def _year_of(day) -> ReportingYear:
    day = pd.Timestamp(day)
    return ReportingYear(day.year if day.month >= 4 else day.year - 1)


def _la_date(value) -> pd.Timestamp | None:
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    try:
        return pd.Timestamp(dt.date.fromisoformat(str(value).strip()))
    except ValueError:
        return None


def extract_limit(la: dict) -> tuple[pd.Timestamp | None, str | None]:
    """The latest date a record may hold, and the ``la.yaml`` key it comes from (``None`` if undeclared).

    ``extract_date`` when given, else the end of ``last_year``. Today's date is
    never used: the same files must give the same answer on any day.
    """
    if la.get("extract_date") is not None and _la_date(la["extract_date"]) is not None:
        return _la_date(la["extract_date"]), "extract_date"
    if la.get("last_year") is not None:
        try:
            return ReportingYear.parse(str(la["last_year"])).end, "last_year"
        except ValueError:
            return None, None
    return None, None


def coverage_of(la: dict, referrals: pd.DataFrame) -> Coverage:
    """The complete reporting years of a dataset: declared in ``la.yaml`` or worked out from the referrals."""
    first = last = None
    try:
        if la.get("first_year") is not None:
            first = ReportingYear.parse(str(la["first_year"]))
        if la.get("last_year") is not None:
            last = ReportingYear.parse(str(la["last_year"]))
    except ValueError:
        first = last = None
    if last is None and la.get("extract_date") is not None:
        extract = _la_date(la["extract_date"])
        if extract is not None:
            last = _year_of(extract)
            if extract < last.end:
                last = last.previous()
    dates = referrals["referral_date"].dropna() if referrals is not None and len(referrals) else pd.Series([], dtype="datetime64[ns]")
    if first is None and last is None:
        if dates.empty:
            return Coverage(None, None, "referrals.csv", "referral_date", "referral_date")
        return Coverage(_year_of(dates.min()), _year_of(dates.max()), "referrals.csv", "referral_date", "referral_date")
    first_column = "first_year" if first is not None else "referral_date"
    last_column = "last_year" if la.get("last_year") is not None else ("extract_date" if last is not None else "referral_date")
    if first is None:
        first = _year_of(dates.min()) if not dates.empty else last
    if last is None:
        last = _year_of(dates.max()) if not dates.empty else first
    return Coverage(first, last, LA_FILE, first_column, last_column)


def check_year_covered(dataset: "Dataset", *years) -> None:
    """Refuse any reporting year the dataset does not cover completely.

    Raises
    ------
    DataValidationError
        Naming the year, the coverage and where it comes from (``la.yaml`` or ``referrals.csv``).
    """
    coverage = dataset.coverage
    where = {LA_FILE: "from la.yaml first_year, last_year or extract_date, else the referrals"}.get(
        coverage.file, "the years of the earliest and latest referral; la.yaml may declare first_year and last_year")
    problems = []
    outside = [year for year in map(ReportingYear.parse, years) if not coverage.covers(year)]
    # one problem: the years before the coverage (named by its first year's key), then those after it
    sides = [[year for year in outside if (coverage.first is not None and year < coverage.first) == early]
             for early in (True, False)]
    if outside:
        early = bool(sides[0])
        column = coverage.first_column if early else (coverage.last_column or coverage.first_column)
        file = coverage.file if column in ("first_year", "last_year", "extract_date") else "referrals.csv"
        shown = " or ".join(found[0].label if len(found) == 1 else f"{found[0].label} to {found[-1].label}"
                            for found in sides if found)
        problems.append(Problem(file, None, column, f"the data do not cover {shown}: they cover {coverage.label} ({where})"))
    if problems:
        raise DataValidationError(problems, str(dataset.path))


def file_fingerprint(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def dataset_fingerprint(files: dict[str, Path]) -> str:
    """One sha256 over the names and contents of every input file, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + file_fingerprint(files[name]).encode() + b"\n")
    return digest.hexdigest()


# ----------------------------------------------------------------- reading


def special_files(folder: Path) -> list[Problem]:
    """Entries of a data folder that are neither regular files nor folders (pipes, devices, sockets).

    Found with ``lstat``/``stat`` only: such a file is never opened, since
    reading a named pipe waits for a writer and a device may never end.
    """
    problems = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        return [Problem(str(folder), None, None, f"cannot be read: {exc.strerror}")]
    for entry in entries:
        try:
            mode = os.stat(entry.path).st_mode  # follows a symbolic link to what it names
        except OSError:
            if entry.name == LA_FILE or entry.name.endswith(".csv"):
                problems.append(Problem(entry.name, None, None, "is a broken link; give a regular file"))
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            kind = ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file")
            problems.append(Problem(entry.name, None, None, f"is {kind}, not a regular file; it was not read. Remove it from the data folder"))
    return problems


def _read_la(folder: Path, problems: list[Problem]) -> dict:
    path = folder / LA_FILE
    if not path.exists():
        problems.append(Problem(LA_FILE, None, None, "file is missing (name and la_code of the authority)"))
        return {}
    if not path.is_file():  # a pipe or device is reported by special_files, without opening it
        return {}
    return read_la(path, problems)


def _first_non_utf8(path: Path) -> tuple[int, str | None, int]:
    """Row, column and byte offset of the first byte that is not UTF-8 (row 1 is the header)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        return 1, None, 0
    except UnicodeDecodeError as exc:
        offset = exc.start
    line_start = data.rfind(b"\n", 0, offset) + 1
    row = data.count(b"\n", 0, offset) + 1
    header = data.split(b"\n", 1)[0].decode("utf-8", "replace").strip().split(",")
    field = data[line_start:offset].count(b",")
    return row, (header[field] if field < len(header) else None), offset


def _header(path: Path) -> list[str] | None:
    """The names in a CSV's first record, or ``None`` when it cannot be read as UTF-8 CSV."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None


def _read_arrow(path: Path) -> dict[str, pa.Array] | None:
    """Every column as Arrow text (blank as ``""``, blank lines kept), or ``None`` for pandas' reader to report on."""
    names = _header(path)
    if not names or len(set(names)) != len(names):
        return None
    try:
        table = pcsv.read_csv(path, read_options=pcsv.ReadOptions(block_size=16 << 20),  # fewer pieces to join
                              parse_options=pcsv.ParseOptions(ignore_empty_lines=False),
                              convert_options=pcsv.ConvertOptions(
                                  column_types={name: pa.large_string() for name in names},
                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
        return None
    if table.column_names != names:
        return None
    columns = {}
    for name in names:  # each column joined into one piece, its pieces freed before the next is joined
        columns[name] = table.column(0).combine_chunks()
        table = table.remove_column(0)
    return columns


class _LongerRows(Exception):
    """A CSV whose rows have more fields than its header: ``row`` is the first such (``None`` if not found)."""

    def __init__(self, row: int | None, message: str):
        super().__init__(message)
        self.row = row


def _longer_rows(path: Path) -> _LongerRows:
    """Where a CSV's rows first have more fields than its header (pandas then reads the first as an index)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        for row, record in enumerate(reader, start=2):
            if len(record) > len(header):
                return _LongerRows(row, f"has {len(record)} fields but the header has {len(header)}; "
                                        "remove the extra commas (a comma at the end of each row?)")
    return _LongerRows(None, "has rows with more fields than its header; remove the extra commas")


def _read_csv_text(path: Path) -> tuple[dict[str, pa.Array], np.ndarray]:
    """Every cell as Arrow text, blanks as ``""``, and each record's row as a spreadsheet shows it (header = row 1).

    Blank lines are kept while reading, so a record's position in the file
    gives its row; rows with every cell empty (blank lines, a spreadsheet's
    trailing ``,,,`` rows) are then dropped without renumbering the others.
    Arrow's reader is used, or pandas' own for files it refuses: pandas'
    errors (encoding, ragged rows, empty file) are the ones turned into the
    analyst's messages.
    """
    columns = _read_arrow(path)
    if columns is None:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", skip_blank_lines=False)
        if not isinstance(frame.index, pd.RangeIndex):  # pandas took the first column(s) as the index
            raise _longer_rows(path)
        columns = {str(c): _as_arrow_text(frame[c]) for c in frame.columns}
        del frame
    count = len(next(iter(columns.values()))) if columns else 0
    rows = np.arange(2, count + 2, dtype=np.int64)
    if count:
        filled = np.zeros(count, dtype=bool)
        for values in columns.values():  # a row is empty only where every column is: most tables stop at the first
            empty = np.flatnonzero(~filled)
            if not len(empty):
                break
            lengths = pc.binary_length(values.take(pa.array(empty)) if len(empty) < count else values)
            filled[empty] = np.asarray(lengths.to_numpy(zero_copy_only=False)) > 0
        if not filled.all():
            keep = pa.array(np.flatnonzero(filled))
            columns = {name: values.take(keep) for name, values in columns.items()}
            rows = rows[filled]
    return columns, rows


def _read_columns(path: Path, table: Table, problems: list[Problem], notes: list[str]):
    """The columns of ``table`` in one CSV as Arrow text, stripped, with each record's row; ``None`` when unreadable."""
    name = table.filename
    try:
        read, rows = _read_csv_text(path)
    except UnicodeDecodeError:
        row, column, offset = _first_non_utf8(path)
        problems.append(Problem(name, row, column, f"is not UTF-8 text (byte {offset} of the file); save it as UTF-8 CSV"))
        return None
    except pd.errors.EmptyDataError:
        problems.append(Problem(name, None, None, "is empty; it needs at least a header row"))
        return None
    except _LongerRows as exc:
        problems.append(Problem(name, exc.row, None, str(exc)))
        return None
    except pd.errors.ParserError as exc:
        problems.append(Problem(name, None, None, f"is not a well-formed CSV: {shorten(' '.join(str(exc).split()), 200)}"))
        return None
    found, twice = {}, False
    for position, (column, values) in enumerate(read.items()):
        column = column.strip().lstrip("\ufeff") or f"Unnamed: {position}"
        if column in found:
            problems.append(Problem(name, 1, column, "appears more than once in the header; give each column once"))
            twice = True
        found.setdefault(column, values)
    if twice:
        return None
    missing = [c for c in table.columns if c not in found]
    for column in missing:
        header = shorten(", ".join(found), 200)
        problems.append(Problem(name, 1, column, f"column is missing (the header has: {header})"))
    if missing:
        return None
    extra = [c for c in found if c not in table.columns]
    if extra:
        notes.append(f"{name}: extra column(s) ignored: {shorten(', '.join(extra), 200)}")
    # every cell as the analyst typed it, less the white space around it (pandas' str.strip does the same)
    columns = {c: stripped(TextColumn(found[c])) for c in table.columns}
    del read, found
    return columns, rows


def _as_arrow_text(values: pd.Series) -> pa.Array:
    array = pa.array(values.astype(str), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' text dtype (``str``), holding the Arrow array without a copy."""


def _checked_columns(path: Path, table: Table, problems: list[Problem], notes: list[str] | None):
    """One CSV's columns, its rows and the typed values of :func:`check_columns`; ``None`` (its problems added to
    ``problems``) when it cannot be read or a cell breaks a rule."""
    read = _read_columns(Path(path), table, problems, [] if notes is None else notes)
    if read is None:
        return None
    columns, rows = read
    identifiers = {f.name: Identifier.of(columns[f.name]) for f in table.fields if f.kind == "id"}
    found, converted = check_columns(table, columns, rows)
    if found:
        problems.extend(found)
        return None
    return columns, rows, converted, identifiers


def read_text_table(path: Path, table: Table, problems: list[Problem], notes: list[str] | None = None) -> pd.DataFrame | None:
    """Read one CSV of ``table`` as text and check its cells; ``None`` when it cannot be checked.

    Every problem found is added to ``problems`` with the file's name, the
    row a spreadsheet shows (header = row 1) and the column. The frame
    returned holds the text of each cell, stripped; its index is the record's
    position in the file (row ``index + 2``).
    """
    checked = _checked_columns(path, table, problems, notes)
    if checked is None:
        return None
    columns, rows, _, _ = checked
    return pd.DataFrame({c: pd.Series(v, dtype=_TEXT) for c, v in columns.items()}, index=pd.Index(rows - 2))


def read_table(path: Path, table: Table, problems: list[Problem], notes: list[str] | None = None) -> pd.DataFrame | None:
    """Read one CSV of ``table``, check its cells and type them; ``None`` when a cell breaks a rule.

    Dates become ``datetime64[ns]`` (blank as ``NaT``), flags ``bool``, whole
    numbers ``int64``, the rest text; the index (``row``) is the row in the file.
    """
    read = _read_typed(path, table, problems, notes)
    return None if read is None else read[0]


def _read_typed(path: Path, table: Table, problems: list[Problem], notes: list[str] | None = None):
    """:func:`read_table`'s frame and the table's identifier columns as :class:`TextColumn`; ``None`` as it."""
    checked = _checked_columns(path, table, problems, notes)
    if checked is None:
        return None
    columns, rows, converted, identifiers = checked
    typed = {}
    for f in table.fields:
        if f.kind in ("date", "int", "flag"):
            typed[f.name] = pd.Series(converted.pop(f.name))
        else:
            typed[f.name] = pd.Series(columns[f.name], dtype=_TEXT)
        columns[f.name] = None
    frame = pd.DataFrame(typed)
    frame.index = pd.Index(rows, name="row")
    return frame, identifiers




def _is_arrow_text(values) -> bool:
    return isinstance(getattr(values, "dtype", None), pd.StringDtype) and values.dtype.storage == "pyarrow"


def positions_in(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """For each of ``values``, the position in ``keys`` of the cell equal to it (``-1`` when none); ``keys`` unique.

    Text columns (pandas' Arrow-backed ``str``) are compared without a Python
    object per cell, as integer keys (:func:`cpstats.data.keys.pack_identifiers`).
    """
    if not _is_arrow_text(values) or not _is_arrow_text(keys):
        return np.asarray(pd.Index(keys).get_indexer(values), dtype=np.int64)
    left, right = pack_identifiers([_as_arrow_text(values), _as_arrow_text(keys)])
    return positions_of(left, right)


def is_in(values: pd.Series, allowed) -> np.ndarray:
    """Which of ``values`` are among ``allowed``, as a ``bool`` array: ``Series.isin``, without a Python object per cell.

    pandas' ``isin`` on Arrow-backed text makes a Python object of each
    allowed value; text is compared as integer keys
    (:func:`cpstats.data.keys.pack_identifiers`), and identifiers' keys as they are.
    """
    if _is_arrow_text(values):
        allowed = allowed if isinstance(allowed, pd.Series) else pd.Series(allowed, dtype=values.dtype)
        if _is_arrow_text(allowed):
            left, right = pack_identifiers([_as_arrow_text(values), _as_arrow_text(allowed)])
            return member_of(left, right)
    if values.dtype.kind == "i" and getattr(getattr(allowed, "dtype", None), "kind", None) == "i":  # identifiers' keys
        return member_of(values.to_numpy(), np.asarray(allowed))
    return values.isin(allowed).to_numpy(dtype=bool)


# ----------------------------------------------------------------- cross-table checks


def _missing_keys(problems, keys, t, table: str, column: str, parent: str, key: str):
    orphan = np.flatnonzero(~member_of(keys[table][column], keys[parent][key]))
    frame = t[table]
    for row, value in zip(frame.index[orphan], frame[column].take(orphan).tolist()):
        problems.append(Problem(f"{table}.csv", row, column, f"{value!r} does not exist in {parent}.csv ({key})"))


def _dates_in_order(problems, frame, file, earlier, later, message):
    bad = frame[frame[later].notna() & frame[earlier].notna() & (frame[later] < frame[earlier])]
    for row, values in bad.iterrows():
        problems.append(Problem(file, row, later, f"{values[later].date()} is before {earlier} {values[earlier].date()}: {message}"))


def _conference_families(problems, keys, t) -> None:
    """A conference is held for a family of ``children.csv``, and each child at it belongs to that family."""
    conferences, attending = t.get("conferences"), t.get("conference_children")
    if conferences is None:
        return
    family = keys["conferences"]["family_id"]
    unknown = np.flatnonzero(~member_of(family, keys["children"]["family_id"]))
    for row, value in zip(conferences.index[unknown], conferences["family_id"].take(unknown).tolist()):
        problems.append(Problem("conferences.csv", row, "family_id", f"{value!r} is the family_id of no child in children.csv"))
    if attending is None:
        return
    child = positions_of(keys["conference_children"]["child_id"], keys["children"]["child_id"])
    held = positions_of(keys["conference_children"]["conference_id"], keys["conferences"]["conference_id"])
    both = np.flatnonzero((child >= 0) & (held >= 0))
    other = both[keys["children"]["family_id"][child[both]] != family[held[both]]]
    for position in other.tolist():
        row = attending.index[position]
        problems.append(Problem(
            "conference_children.csv", row, "child_id",
            f"{attending['child_id'].iat[position]!r} is of family {t['children']['family_id'].iat[child[position]]!r} "
            f"in children.csv, but conference {attending['conference_id'].iat[position]!r} is of family "
            f"{conferences['family_id'].iat[held[position]]!r} in conferences.csv"))


CENSUS_KEYS = (
    # table, identifier key columns, date column, what the census holds once a day
    ("referrals", ("child_id",), "referral_date", "referral (CIN episode) of a child"),
    ("s47_enquiries", ("referral_id",), "s47_start_date", "section 47 enquiry of a referral"),
    ("cp_plans", ("child_id",), "start_date", "plan start of a child"),
    ("cp_reviews", ("plan_id",), "review_date", "review of a plan"),
)
"""Records the CIN census tells apart only by their owner and a date (its ``CINreferralDate``,
``S47ActualStartDate``, ``CPPstartDate``, ``CPPreviewDate``): two on one day cannot both be in a return."""


def _census_key_repeats(problems, keys, t) -> None:
    """Refuse two records the CIN census cannot tell apart: the same owner (child, referral, plan) and day.

    Owner key and day are packed into one integer (days since 1970 take 17 bits up to 2100) and
    looked up in a hash table: linear in the rows, which matters at England's size.
    """
    for table, (owner,), column, what in CENSUS_KEYS:
        frame = t[table]
        if len(frame) < 2:
            continue
        day = frame[column].to_numpy(dtype="datetime64[D]").astype(np.int64)
        packed = pd.Series((keys[table][owner].astype(np.int64) << 17) | day)
        repeated = np.flatnonzero(packed.duplicated(keep="first").to_numpy())
        if not len(repeated):
            continue
        first = {}
        for i, value in enumerate(packed.tolist()):
            first.setdefault(value, i)
        for i in repeated.tolist():
            problems.append(Problem(
                f"{table}.csv", frame.index[i], column,
                f"{frame[column].iat[i].date()} is also the {column} of row {frame.index[first[packed.iat[i]]]} for "
                f"{frame[owner].iat[i]!r}: the CIN census holds one {what} a day; merge the two or correct the date"))


def _check_across_tables(t: dict[str, pd.DataFrame], keys: dict[str, dict[str, np.ndarray]], problems: list[Problem]) -> None:
    """Keys exist, linked records agree, dates are in order, one open plan per child; joins on the identifiers' keys."""
    children = t["children"]
    unborn_without_edd = children[children["date_of_birth"].isna() & children["expected_date_of_birth"].isna()]
    for row in unborn_without_edd.index:
        problems.append(Problem("children.csv", row, "expected_date_of_birth", "is required when date_of_birth is blank (unborn child)"))

    for name in ("referrals", "s47_enquiries", "cp_plans", "case_audits", "conference_children"):
        if t.get(name) is not None:
            _missing_keys(problems, keys, t, name, "child_id", "children", "child_id")
    _missing_keys(problems, keys, t, "s47_enquiries", "referral_id", "referrals", "referral_id")
    _missing_keys(problems, keys, t, "cp_reviews", "plan_id", "cp_plans", "plan_id")
    for name in NEEDS_CONFERENCES:
        if t.get(name) is not None:
            if t.get("conferences") is None:
                problems.append(Problem(f"{name}.csv", None, None, "needs conferences.csv, which is missing"))
            else:
                _missing_keys(problems, keys, t, name, "conference_id", "conferences", "conference_id")
    _conference_families(problems, keys, t)
    _census_key_repeats(problems, keys, t)

    s47 = t["s47_enquiries"]
    at = positions_of(keys["s47_enquiries"]["referral_id"], keys["referrals"]["referral_id"])  # unique by now
    known = np.flatnonzero(at >= 0)
    other_child = np.zeros(len(s47), dtype=bool)
    other_child[known] = keys["referrals"]["child_id"][at[known]] != keys["s47_enquiries"]["child_id"][known]
    other_child = np.flatnonzero(other_child)
    for row, value in zip(s47.index[other_child], s47["referral_id"].take(other_child).tolist()):
        problems.append(Problem("s47_enquiries.csv", row, "referral_id", f"{value!r} is a referral of another child"))

    _dates_in_order(problems, t["referrals"], "referrals.csv", "referral_date", "closure_date", "a referral cannot close before it starts")
    _dates_in_order(problems, s47, "s47_enquiries.csv", "strategy_discussion_date", "s47_start_date", "the enquiry starts at or after its strategy discussion")
    _dates_in_order(problems, t["cp_plans"], "cp_plans.csv", "start_date", "end_date", "a plan cannot end before it starts")

    plans, reviews = t["cp_plans"], t["cp_reviews"]
    start, end = plans["start_date"].to_numpy(), plans["end_date"].to_numpy()
    at = positions_of(keys["cp_reviews"]["plan_id"], keys["cp_plans"]["plan_id"])
    linked = np.flatnonzero(at >= 0)
    review_date = reviews["review_date"].to_numpy()[linked]
    plan_start, plan_end = start[at[linked]], end[at[linked]]
    outside = linked[(review_date < plan_start) | (~np.isnat(plan_end) & (review_date > plan_end))]
    for i in outside:
        row, plan = reviews.index[i], at[i]
        shown_end = plans["end_date"].iat[plan].date() if pd.notna(plans["end_date"].iat[plan]) else "open"
        problems.append(Problem("cp_reviews.csv", row, "review_date", f"{reviews['review_date'].iat[i].date()} is outside plan "
                                f"{reviews['plan_id'].iat[i]!r} ({plans['start_date'].iat[plan].date()} to {shown_end})"))

    child, plan = keys["cp_plans"]["child_id"], keys["cp_plans"]["plan_id"]
    order = np.lexsort((plan, start, child))  # by child, then start date, then plan id
    same_child = np.r_[False, child[order][1:] == child[order][:-1]]
    previous_end = np.r_[np.datetime64("NaT", "ns"), end[order][:-1]]
    overlapping = order[same_child & (np.isnat(previous_end) | (start[order] < previous_end))]
    for i in overlapping:
        problems.append(Problem("cp_plans.csv", plans.index[i], "start_date", f"child {plans['child_id'].iat[i]!r} already has a plan open "
                                f"on {plans['start_date'].iat[i].date()}; a child has one open plan at a time"))

    if t.get("conferences") is not None:
        conf = t["conferences"]
        for row in conf.index[conf["children_attended"] > conf["children_invited"]]:
            problems.append(Problem("conferences.csv", row, "children_attended", "is more than children_invited"))
    if t.get("conference_agencies") is not None:
        agencies = t["conference_agencies"]
        for row in agencies.index[agencies["attended"] & ~agencies["invited"]]:
            problems.append(Problem("conference_agencies.csv", row, "attended", "is Y but invited is N"))
        for row in agencies.index[agencies["report_on_time"] & ~agencies["report_submitted"]]:
            problems.append(Problem("conference_agencies.csv", row, "report_on_time", "is Y but report_submitted is N"))


def _check_extract_date(t: dict[str, pd.DataFrame | None], la: dict, problems: list[Problem]) -> None:
    """Refuse any date after the latest a record could hold (``la.yaml``'s ``extract_date`` or ``last_year``).

    ``expected_date_of_birth`` is exempt: an unborn child's is in the future.
    """
    limit, key = extract_limit(la)
    if limit is None:
        return
    why = f"is after the data's {key} ({la[key]}) in la.yaml; a record cannot be dated after its extract"
    for table in TABLES.values():
        frame = t.get(table.name)
        if frame is None:
            continue
        for f in table.fields:
            if f.kind != "date" or f.name == "expected_date_of_birth":
                continue
            late = frame[f.name] > limit
            for row in frame.index[late.fillna(False).to_numpy()][:20]:
                problems.append(Problem(table.filename, int(row), f.name, f"{frame.at[row, f.name].date()} {why}"))
            if int(late.sum()) > 20:
                problems.append(Problem(table.filename, None, f.name, f"... {int(late.sum()) - 20} more dates {why}"))


def _commentary_root(path: Path) -> Path:
    """The ``commentary/`` folder of a file kept at ``commentary/<la>/<year>/<file>``: links may not lead out of it."""
    return Path(path).absolute().parents[2]


def check_key_plan(path: Path, shown: str | None = None) -> list[Problem]:
    """The problems of a key plan CSV (columns ``action``, ``who``): each with the file, row and column.

    Its text is published in pages, the PDF and the downloads, so it follows
    the rules of published text: one line, no control characters, no formula
    start (``= + - @``, tab, carriage return), at most 500 characters for an
    action and 200 for who. ``shown`` is the file's name in messages.
    """
    path = Path(path)
    shown = shown or path.name
    why = file_in_folder_problem(path, _commentary_root(path))
    if why is not None:
        return [Problem(shown, None, None, why)]
    if not path.exists():
        return []
    problems: list[Problem] = []
    read_text_table(path, KEY_PLAN, problems)
    return [Problem(shown, p.row, p.column, p.message) for p in problems]


def check_local_figures(path: Path, shown: str | None = None) -> list[Problem]:
    """The problems of a local figures CSV (:data:`cpstats.data.contract.LOCAL_FIGURES`), each with file, row, column.

    Every figure needs a name (lower case, unique), a number, a unit, a description and a source; its
    text follows the rules of published text (one line, no formula start, limited length).
    """
    problems: list[Problem] = []
    read_local_figures(path, shown, problems)
    return problems


def read_local_figures(path: Path, shown: str | None = None, problems: list[Problem] | None = None) -> list[dict] | None:
    """The rows of a local figures CSV, each a dict with ``value`` a number (``int`` when whole), or ``None``
    when the file does not exist or breaks its rules.

    The problems found are added to ``problems``; without that list, they raise :class:`DataValidationError`.
    """
    path = Path(path)
    shown = shown or path.name
    raising = problems is None
    found: list[Problem] = []
    why = file_in_folder_problem(path, _commentary_root(path))
    if why is None and not path.exists():
        return None
    if why is not None:
        found.append(Problem(shown, None, None, why))
        frame = None
    else:
        frame = read_text_table(path, LOCAL_FIGURES, found)
    found = [Problem(shown, p.row, p.column, p.message) for p in found]
    if raising and found:
        raise DataValidationError(found)
    if problems is not None:
        problems += found
    if frame is None or found:
        return None
    rows = []
    for record in frame.to_dict("records"):
        number = float(record["value"])
        record["value"] = int(number) if number.is_integer() and "." not in record["value"] else number
        rows.append(record)
    return rows


# ----------------------------------------------------------------- entry point


def load_dataset(folder: Path | str) -> Dataset:
    """Read and validate one authority's folder.

    Parameters
    ----------
    folder
        A folder laid out as ``docs/guide/data-contract.md`` describes (``la.yaml`` and CSVs).

    Returns
    -------
    Dataset
        Typed tables (dates as ``datetime64``, flags as ``bool``); the index of
        each table is the row number in its file (header = row 1).

    Raises
    ------
    DataValidationError
        Listing every problem found, each with file, row and column.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError([Problem(str(folder), None, None, "data folder does not exist")])
    cache_dir = os.environ.get(VALIDATED_CACHE_ENV)
    if cache_dir:
        cached = cached_dataset(folder, Path(cache_dir))
        if cached is not None:
            return cached
    problems: list[Problem] = special_files(folder)
    if problems:  # never open a pipe or a device: reading one may wait for ever
        raise DataValidationError(problems, str(folder))
    notes: list[str] = []
    la = _read_la(folder, problems)
    files: dict[str, Path] = {}
    if (folder / LA_FILE).exists():
        files[LA_FILE] = folder / LA_FILE
    raw: dict[str, pd.DataFrame | None] = {name: None for name in TABLES}
    found: dict[str, list[Problem]] = {name: [] for name in TABLES}  # each table's problems and notes, kept apart
    noted: dict[str, list[str]] = {name: [] for name in TABLES}      # so that they are reported in the contract's order
    reading: dict[str, Path] = {}
    for table in TABLES.values():
        path = folder / table.filename
        if path.exists() and not path.is_file():
            found[table.name].append(Problem(table.filename, None, None, "is a folder, not a CSV file"))
        elif not path.exists():
            if table.core:
                found[table.name].append(Problem(table.filename, None, None, "file is missing; it is a core table of the data contract"))
            else:
                noted[table.name].append(f"{table.filename}: not supplied; the sections that need it say 'not collected'")
        else:
            files[table.filename] = path
            reading[table.name] = path
    # Two tables at a time: Arrow's reader and most of the checks run without Python's lock. Each table is
    # typed at once, so the text of a large table is freed before the next is read.
    identifiers: dict[str, dict] = {}
    pool = ThreadPoolExecutor(max_workers=_READERS)
    try:
        done = {name: pool.submit(_read_typed, path, TABLES[name], found[name], noted[name]) for name, path in reading.items()}
        for name, future in done.items():
            read = future.result()
            if read is not None:
                raw[name], identifiers[name] = read
        for name in TABLES:
            problems.extend(found[name])
            notes.extend(noted[name])
        if problems or any(raw[name] is None for name, t in TABLES.items() if t.core):
            raise DataValidationError(problems, str(folder))
        keys = identifier_keys(identifiers, pool)
    finally:  # on an error or Ctrl-C, the tables not yet started are not read
        pool.shutdown(wait=True, cancel_futures=True)
    del identifiers
    typed = raw
    _check_across_tables(typed, keys, problems)
    _check_extract_date(typed, la, problems)
    if problems:
        raise DataValidationError(problems, str(folder))
    for note in notes:
        if "extra column" in note:
            warnings.warn(note, stacklevel=2)
    dataset = Dataset(path=folder, la=la, files=files, warnings=notes, keys=keys, **typed)
    dataset.__dict__["_keys_for"] = dict(typed)  # the keys hold for these frames only
    if cache_dir:
        keep_dataset(dataset, Path(cache_dir))
    return dataset


def _validated_key(folder: Path) -> str:
    """What a validated dataset depends on: its folder, every file's bytes, the loader, the contract and the keys."""
    folder = Path(folder)
    digest = hashlib.sha256(str(folder if folder.is_absolute() else Path.cwd() / folder).encode())
    here = Path(__file__).resolve().parent
    for source in ("dataset.py", "contract.py", "keys.py", "authority.py"):
        digest.update(hashlib.sha256((here / source).read_bytes()).digest())
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cached_dataset(folder: Path, cache_dir: Path) -> Dataset | None:
    """The folder's validated dataset from ``cache_dir``, or ``None`` when it is not there."""
    path = Path(cache_dir) / f"{_validated_key(folder)}.pickle"
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def keep_dataset(dataset: Dataset, cache_dir: Path) -> Path:
    """Keep a validated dataset in ``cache_dir`` for the next :func:`load_dataset` of the same files."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{_validated_key(dataset.path)}.pickle"
    partial = cache_dir / f".{path.name}.{os.getpid()}"
    with open(partial, "wb") as handle:
        pickle.dump(dataset, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)
    return path
