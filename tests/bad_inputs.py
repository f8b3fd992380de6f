"""A corpus of broken datasets, each a small variation of the sample, with the error expected.

Each case names how to break a copy of ``data/sample`` and where the error
must point: the file, and where it applies the row and column. Cases are
data, so adding one is one line.
"""

from __future__ import annotations

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
]


def make_bad_copy(sample: Path, case: BadInput, target: Path) -> Path:
    """A copy of the sample with ``case`` applied."""
    shutil.copytree(sample, target)
    case.change(target)
    return target
