"""A corpus of broken datasets, each a small variation of the sample, with the error expected.

Each case names how to break a copy of ``data/sample`` and where the error
must point: the file, and where it applies the row and column. Cases are
data, so adding one is one line.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd


@dataclass(frozen=True)
class BadInput:
    """One broken dataset: a name, the change, and the location the message must name."""

    name: str
    change: Callable[[Path], None]
    file: str
    row: int | None = None
    column: str | None = None

    def is_named_in(self, message: str) -> bool:
        """Whether a line of ``message`` points at this file, row and column."""
        for line in message.splitlines():
            line = line.strip().removeprefix("cpstats: refused: ")
            where = line.split(": ", 1)[0]
            parts = where.split(", ")
            if parts[0].endswith(self.file) and (self.row is None or f"row {self.row}" in parts) and (
                self.column is None or f"column {self.column}" in parts
            ):
                return True
        return False


def _frame(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def _save(frame: pd.DataFrame, folder: Path, table: str) -> None:
    frame.to_csv(folder / f"{table}.csv", index=False, lineterminator="\n")


def set_cell(table: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Write ``value`` into a cell (row numbered as in the file: header is row 1)."""

    def change(folder: Path) -> None:
        frame = _frame(folder, table)
        frame.at[row - 2, column] = value
        _save(frame, folder, table)

    return change


def copy_cell(table: str, row: int, column: str, from_row: int) -> Callable[[Path], None]:
    """Copy a cell's value from another row of the same column."""

    def change(folder: Path) -> None:
        frame = _frame(folder, table)
        frame.at[row - 2, column] = frame.at[from_row - 2, column]
        _save(frame, folder, table)

    return change


def shift_date(table: str, row: int, column: str, days: int, relative_to: str | None = None) -> Callable[[Path], None]:
    """Set a date to another column's date (or its own) plus ``days``."""

    def change(folder: Path) -> None:
        frame = _frame(folder, table)
        base = frame.at[row - 2, relative_to or column]
        frame.at[row - 2, column] = (pd.Timestamp(base) + pd.Timedelta(days=days)).strftime("%Y-%m-%d")
        _save(frame, folder, table)

    return change


def rename_column(table: str, old: str, new: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        _save(_frame(folder, table).rename(columns={old: new}), folder, table)

    return change


def drop_column(table: str, column: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        _save(_frame(folder, table).drop(columns=[column]), folder, table)

    return change


def remove_file(name: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        (folder / name).unlink()

    return change


def write_bytes(name: str, content: bytes) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        (folder / name).write_bytes(content)

    return change


def header_only(table: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        _save(_frame(folder, table).iloc[0:0], folder, table)

    return change


def to_latin1(table: str, row: int, column: str) -> Callable[[Path], None]:
    """Put an accented character in a cell and save the file as Latin-1, not UTF-8."""

    def change(folder: Path) -> None:
        frame = _frame(folder, table)
        frame.at[row - 2, column] = frame.at[row - 2, column] + "é"
        (folder / f"{table}.csv").write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("latin-1"))

    return change


def second_open_plan(folder: Path) -> None:
    """Give the child of the first open plan another plan starting while it is open."""
    plans = _frame(folder, "cp_plans")
    first = plans[plans["end_date"] == ""].index[0]
    extra = plans.loc[[first]].copy()
    extra["plan_id"] = "P99999"
    extra["start_date"] = (pd.Timestamp(plans.at[first, "start_date"]) + pd.Timedelta(days=10)).strftime("%Y-%m-%d")
    _save(pd.concat([plans, extra], ignore_index=True), folder, "cp_plans")


def _open_plan_row(folder: Path) -> int:
    plans = _frame(folder, "cp_plans")
    return int(plans[plans["end_date"] == ""].index[0]) + 2


def set_la(**values: str) -> Callable[[Path], None]:
    """Set keys of ``la.yaml`` (YAML text, written as given after the keys kept)."""

    def change(folder: Path) -> None:
        kept = [line for line in (folder / "la.yaml").read_text(encoding="utf-8").splitlines()
                if line.split(":", 1)[0] not in values]
        (folder / "la.yaml").write_text("\n".join(kept + [f"{k}: {v}" for k, v in values.items()]) + "\n", encoding="utf-8")

    return change


def named_pipe(name: str) -> Callable[[Path], None]:
    """Put a named pipe (FIFO) called ``name`` in the folder, in place of any file of that name."""

    def change(folder: Path) -> None:
        (folder / name).unlink(missing_ok=True)
        os.mkfifo(folder / name)

    return change


def unix_socket(name: str) -> Callable[[Path], None]:
    """Leave a listening Unix socket called ``name`` in the folder (bound, then the socket object closed)."""

    def change(folder: Path) -> None:
        import socket

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(str(folder / name))

    return change


def blank_lines_then(table: str, row: int, column: str, value: str, blank_after: int = 2) -> Callable[[Path], None]:
    """Insert two blank lines after spreadsheet row ``blank_after``, then set ``value`` at row ``row`` as it now stands."""

    def change(folder: Path) -> None:
        path = folder / f"{table}.csv"
        lines = path.read_text(encoding="utf-8").split("\n")
        lines[blank_after:blank_after] = ["", ""]
        path.write_text("\n".join(lines), encoding="utf-8")
        header = lines[0].split(",")
        cells = lines[row - 1].split(",")
        cells[header.index(column)] = value
        lines[row - 1] = ",".join(cells)
        path.write_text("\n".join(lines), encoding="utf-8")

    return change


def trailing_empty_rows(table: str, count: int = 25) -> Callable[[Path], None]:
    """Add the empty ``,,,`` rows a spreadsheet leaves at the end of a saved CSV."""

    def change(folder: Path) -> None:
        path = folder / f"{table}.csv"
        columns = path.read_text(encoding="utf-8").split("\n", 1)[0].count(",")
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(("," * columns + "\r\n") * count)

    return change


def both(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        for one in changes:
            one(folder)

    return change


_ALIAS_BOMB = ("name: Bomb\nla_code: 857\n"
               + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
               + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))).encode()
"""A "billion laughs": nine levels of aliases, 9**10 values once expanded."""


HOSTILE: list[BadInput] = [
    # text that is not one line of text
    BadInput("NUL in agency name", set_cell("conference_agencies", 2, "agency", "Police\x00Nurse"), "conference_agencies.csv", 2, "agency"),
    BadInput("newline in agency name", set_cell("conference_agencies", 3, "agency", "School\nNurse"), "conference_agencies.csv", 3, "agency"),
    BadInput("vertical tab in family id", set_cell("children", 4, "family_id", "F1\x0bF2"), "children.csv", 4, "family_id"),
    BadInput("tab inside child id", set_cell("marac", 3, "victim_id", "V1\tV2"), "marac.csv", 3, "victim_id"),
    BadInput("escape character in agency name", set_cell("conference_agencies", 4, "agency", "GP\x1b[31m"), "conference_agencies.csv", 4, "agency"),
    BadInput("line separator in agency name", set_cell("conference_agencies", 5, "agency", "GP\u2028Police"), "conference_agencies.csv", 5, "agency"),
    BadInput("1 MB agency name", set_cell("conference_agencies", 6, "agency", "A" * 1_000_000), "conference_agencies.csv", 6, "agency"),
    # formulas in published text, '-' included
    BadInput("minus formula in agency name", set_cell("conference_agencies", 7, "agency", "-2+3+cmd|' /C calc'!A0"), "conference_agencies.csv", 7, "agency"),
    BadInput("at formula in agency name", set_cell("conference_agencies", 8, "agency", "@SUM(1+1)"), "conference_agencies.csv", 8, "agency"),
    # la.yaml
    BadInput("newline in la name", set_la(name='"Evil\\nCouncil"'), "la.yaml", column="name"),
    BadInput("NUL in la name", set_la(name='"Evil\\0Council"'), "la.yaml", column="name"),
    BadInput("formula as la name", set_la(name='"=HYPERLINK(1)"'), "la.yaml", column="name"),
    BadInput("control character in region", set_la(region='"East\\x07Midlands"'), "la.yaml", column="region"),
    BadInput("last year not a year", set_la(last_year="2019-2020"), "la.yaml", column="last_year"),
    BadInput("first year after last year", set_la(first_year="2019-20", last_year="2015-16", extract_date="2020-03-31"), "la.yaml", column="last_year"),
    BadInput("extract date not a date", set_la(extract_date="soon"), "la.yaml", column="extract_date"),
    # la.yaml read by a strict loader against its schema
    BadInput("la.yaml alias bomb", write_bytes("la.yaml", _ALIAS_BOMB), "la.yaml"),
    BadInput("la.yaml anchor under an unused key", set_la(notes="&n [1, 2]", more="*n"), "la.yaml"),
    BadInput("la.yaml key given twice", write_bytes("la.yaml", b"name: A\nla_code: 857\nname: B\n"), "la.yaml"),
    BadInput("la name null", set_la(name="null"), "la.yaml", column="name"),
    BadInput("la name empty", set_la(name='""'), "la.yaml", column="name"),
    BadInput("la name no", set_la(name="no"), "la.yaml", column="name"),
    BadInput("la name a list", set_la(name="[Rutland, Leicester]"), "la.yaml", column="name"),
    BadInput("la name a number", set_la(name="857"), "la.yaml", column="name"),
    BadInput("la name a mapping", set_la(name="{a: b}"), "la.yaml", column="name"),
    BadInput("region a list", set_la(region="[East, Midlands]"), "la.yaml", column="region"),
    BadInput("la code in quotes", set_la(la_code='"857"'), "la.yaml", column="la_code"),
    BadInput("la code a fraction", set_la(la_code="857.5"), "la.yaml", column="la_code"),
    BadInput("extract date not a real date", set_la(extract_date="2020-02-30"), "la.yaml", column="extract_date"),
    BadInput("statistical neighbours not codes", set_la(statistical_neighbours="[Rutland]"), "la.yaml",
             column="statistical_neighbours"),
    # Unicode format characters (category Cf) in published text
    BadInput("right-to-left override in agency name", set_cell("conference_agencies", 9, "agency", "gnp\u202e.exe"),
             "conference_agencies.csv", 9, "agency"),
    BadInput("zero-width space in agency name", set_cell("conference_agencies", 10, "agency", "Pro\u200bbation"),
             "conference_agencies.csv", 10, "agency"),
    BadInput("isolate in agency name", set_cell("conference_agencies", 11, "agency", "\u2067Police\u2069"),
             "conference_agencies.csv", 11, "agency"),
    BadInput("byte order mark inside agency name", set_cell("conference_agencies", 12, "agency", "GP\ufeff"),
             "conference_agencies.csv", 12, "agency"),
    BadInput("right-to-left override in la name", set_la(name='"Rutland\u202e"'), "la.yaml", column="name"),
    BadInput("zero-width joiner in region", set_la(region='"East\u200dMidlands"'), "la.yaml", column="region"),
    # dates after the extract (la.yaml: extract_date 2020-03-31)
    BadInput("referral dated 2099", set_cell("referrals", 5, "referral_date", "2099-01-01"), "referrals.csv", 5, "referral_date"),
    BadInput("plan ending after the extract", set_cell("cp_plans", 4, "end_date", "2020-04-01"), "cp_plans.csv", 4, "end_date"),
    BadInput("review after the extract", set_cell("cp_reviews", 2, "review_date", "2020-04-01"), "cp_reviews.csv", 2, "review_date"),
    BadInput("marac referral after last year", both(set_la(extract_date="null"), set_cell("marac", 4, "referral_date", "2020-04-02")),
             "marac.csv", 4, "referral_date"),
    # files that are not regular files
    BadInput("named pipe as a table", named_pipe("marac.csv"), "marac.csv"),
    BadInput("named pipe beside the tables", named_pipe("notes.txt"), "notes.txt"),
    BadInput("socket beside the tables", unix_socket("s.sock"), "s.sock"),
    # rows as a spreadsheet numbers them
    BadInput("bad cell after blank lines", blank_lines_then("children", 6, "sex", "X"), "children.csv", 6, "sex"),
    BadInput("bad cell before trailing empty rows", both(trailing_empty_rows("children"), set_cell("children", 3, "sex", "X")), "children.csv", 3, "sex"),
]
"""Hostile and messy inputs: each refused with its file, row and column."""


CASES: list[BadInput] = [
    # files
    BadInput("missing children file", remove_file("children.csv"), "children.csv"),
    BadInput("missing plans file", remove_file("cp_plans.csv"), "cp_plans.csv"),
    BadInput("missing la.yaml", remove_file("la.yaml"), "la.yaml"),
    BadInput("la code not a number", write_bytes("la.yaml", b"name: Test\nla_code: Rutland\n"), "la.yaml", column="la_code"),
    BadInput("empty referrals file", write_bytes("referrals.csv", b""), "referrals.csv"),
    BadInput("non-UTF-8 children file", to_latin1("children", 2, "family_id"), "children.csv"),
    BadInput("header-only children file", header_only("children"), "case_audits.csv", row=2, column="child_id"),
    # columns
    BadInput("missing column", drop_column("cp_plans", "start_date"), "cp_plans.csv", row=1, column="start_date"),
    BadInput("misspelt column", rename_column("referrals", "referral_date", "referal_date"), "referrals.csv", row=1, column="referral_date"),
    BadInput("misspelt review column", rename_column("cp_reviews", "review_date", "reveiw_date"), "cp_reviews.csv", row=1, column="review_date"),
    # codes
    BadInput("unknown sex", set_cell("children", 3, "sex", "X"), "children.csv", 3, "sex"),
    BadInput("unknown ethnicity", set_cell("children", 4, "ethnicity", "WHITE"), "children.csv", 4, "ethnicity"),
    BadInput("unknown disability flag", set_cell("children", 5, "disability", "yes"), "children.csv", 5, "disability"),
    BadInput("unknown referral source", set_cell("referrals", 7, "referral_source", "11"), "referrals.csv", 7, "referral_source"),
    BadInput("unknown primary need", set_cell("referrals", 8, "primary_need", "N10"), "referrals.csv", 8, "primary_need"),
    BadInput("unknown NFA flag", set_cell("referrals", 9, "no_further_action", "n"), "referrals.csv", 9, "no_further_action"),
    BadInput("unknown initial category", set_cell("cp_plans", 2, "initial_category", "NEGLECT"), "cp_plans.csv", 2, "initial_category"),
    BadInput("unknown latest category", set_cell("cp_plans", 6, "latest_category", "emo"), "cp_plans.csv", 6, "latest_category"),
    BadInput("unknown conference type", set_cell("conferences", 3, "conference_type", "CORE"), "conferences.csv", 3, "conference_type"),
    BadInput("unknown conference outcome", set_cell("conference_children", 4, "outcome", "CLOSED"), "conference_children.csv", 4, "outcome"),
    BadInput("unknown respondent", set_cell("feedback", 2, "respondent", "GRANDPARENT"), "feedback.csv", 2, "respondent"),
    BadInput("unknown audit grade", set_cell("case_audits", 2, "grade", "EXCELLENT"), "case_audits.csv", 2, "grade"),
    # dates
    BadInput("impossible date", set_cell("children", 6, "date_of_birth", "2015-02-30"), "children.csv", 6, "date_of_birth"),
    BadInput("date written day first", set_cell("referrals", 10, "referral_date", "03/05/2017"), "referrals.csv", 10, "referral_date"),
    BadInput("absurd year", set_cell("cp_plans", 3, "start_date", "1066-10-14"), "cp_plans.csv", 3, "start_date"),
    BadInput("blank required date", set_cell("s47_enquiries", 2, "s47_start_date", ""), "s47_enquiries.csv", 2, "s47_start_date"),
    BadInput("plan ends before it starts", shift_date("cp_plans", 2, "end_date", -1, relative_to="start_date"), "cp_plans.csv", 2, "end_date"),
    BadInput("referral closed before it opened", shift_date("referrals", 2, "closure_date", -3, relative_to="referral_date"), "referrals.csv", 2, "closure_date"),
    BadInput("s47 before its strategy discussion", shift_date("s47_enquiries", 3, "s47_start_date", -2, relative_to="strategy_discussion_date"), "s47_enquiries.csv", 3, "s47_start_date"),
    BadInput("review after its plan ended", shift_date("cp_reviews", 2, "review_date", 400), "cp_reviews.csv", 2, "review_date"),
    BadInput("review before its plan started", shift_date("cp_reviews", 3, "review_date", -400), "cp_reviews.csv", 3, "review_date"),
    # identifiers and keys
    BadInput("duplicate child id", copy_cell("children", 3, "child_id", 2), "children.csv", 3, "child_id"),
    BadInput("duplicate plan id", copy_cell("cp_plans", 5, "plan_id", 4), "cp_plans.csv", 5, "plan_id"),
    BadInput("duplicate referral id", copy_cell("referrals", 4, "referral_id", 3), "referrals.csv", 4, "referral_id"),
    BadInput("blank child id", set_cell("referrals", 2, "child_id", ""), "referrals.csv", 2, "child_id"),
    BadInput("orphan child in referrals", set_cell("referrals", 5, "child_id", "C999999"), "referrals.csv", 5, "child_id"),
    BadInput("orphan referral in s47", set_cell("s47_enquiries", 4, "referral_id", "R999999"), "s47_enquiries.csv", 4, "referral_id"),
    BadInput("s47 names another child's referral", copy_cell("s47_enquiries", 2, "referral_id", 30), "s47_enquiries.csv", 2, "referral_id"),
    BadInput("orphan plan in reviews", set_cell("cp_reviews", 6, "plan_id", "P99999"), "cp_reviews.csv", 6, "plan_id"),
    BadInput("orphan child in plans", set_cell("cp_plans", 7, "child_id", "C999999"), "cp_plans.csv", 7, "child_id"),
    BadInput("orphan conference", set_cell("conference_agencies", 2, "conference_id", "CONF9999"), "conference_agencies.csv", 2, "conference_id"),
    BadInput("orphan child at conference", set_cell("conference_children", 2, "child_id", "C999999"), "conference_children.csv", 2, "child_id"),
    BadInput("feedback for no conference", set_cell("feedback", 3, "conference_id", "CONF9999"), "feedback.csv", 3, "conference_id"),
    BadInput("two open plans for one child", second_open_plan, "cp_plans.csv", column="start_date"),
    # values
    BadInput("negative previous plans", set_cell("cp_plans", 2, "previous_plans", "-1"), "cp_plans.csv", 2, "previous_plans"),
    BadInput("absurd previous plans", set_cell("cp_plans", 2, "previous_plans", "999"), "cp_plans.csv", 2, "previous_plans"),
    BadInput("fractional count", set_cell("conferences", 2, "children_invited", "1.5"), "conferences.csv", 2, "children_invited"),
    BadInput("absurd household size", set_cell("marac", 2, "children_in_household", "250"), "marac.csv", 2, "children_in_household"),
    BadInput("rating out of range", set_cell("feedback", 2, "rating", "7"), "feedback.csv", 2, "rating"),
    BadInput("more attended than invited", set_cell("conferences", 2, "children_attended", "9"), "conferences.csv", 2, "children_attended"),
    BadInput("attended without invitation", set_cell("conference_agencies", 2, "invited", "N"), "conference_agencies.csv", 2, "attended"),
    BadInput("unborn child without expected date", set_cell("children", 2, "date_of_birth", ""), "children.csv", 2, "expected_date_of_birth"),
    # text that a spreadsheet would run
    BadInput("formula in agency name", set_cell("conference_agencies", 2, "agency", '=HYPERLINK("http://example.invalid","x")'), "conference_agencies.csv", 2, "agency"),
    BadInput("formula in family id", set_cell("children", 2, "family_id", "+cmd|' /C calc'!A0"), "children.csv", 2, "family_id"),
    BadInput("formula in victim id", set_cell("marac", 2, "victim_id", "@SUM(1+1)"), "marac.csv", 2, "victim_id"),
    *HOSTILE,
]


def make_bad_copy(sample: Path, case: BadInput, target: Path) -> Path:
    """A copy of the sample with ``case`` applied."""
    shutil.copytree(sample, target)
    case.change(target)
    return target
