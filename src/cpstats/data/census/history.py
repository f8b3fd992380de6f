"""One history from several census returns, and the contract's tables from it.

A census return describes the year to its 31 March, so the same referral, plan
or review reappears in every return of a year it was open in. Returns are put
in ``ReferenceDate`` order and each record is matched on census items, the
latest return's version winning (it knows more: a plan open at one 31 March
has its end date in the next return):

============================  ==================================================
record                        matched on
============================  ==================================================
child                         ``LAchildID``
referral (CIN episode)        ``LAchildID`` + ``CINreferralDate``
section 47 enquiry            ``LAchildID`` + ``CINreferralDate`` + ``S47ActualStartDate``
child protection plan         ``LAchildID`` + ``CPPstartDate``
plan review                   the plan + ``CPPreviewDate``
assessment factor             the referral + ``AssessmentActualStartDate`` + factor
============================  ==================================================

Children are matched on ``LAchildID`` only. A child whose identifier changed
between returns is therefore two children: :func:`identifier_changes` lists
the likely cases (a shared ``UPN``/``FormerUPN``, or an identifier that stops
while another with the same date of birth and the same referral or plan dates
starts in the next return) so that they are corrected at source, never merged
or split silently.

Identifiers the contract needs are derived from census items, so the same
record gets the same identifier from every return:
``referral_id`` = ``<LAchildID>-R<CINreferralDate as YYYYMMDD>``,
``plan_id`` = ``<LAchildID>-P<CPPstartDate>``,
``s47_id`` = ``<referral_id>-S<S47ActualStartDate>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cpstats.data.census.reader import CENSUS_TABLES, CensusReturn
from cpstats.data.census.vocabulary import ASSESSMENT_FACTORS, ELEMENT_OF
from cpstats.data.contract import TABLES, Field, Table

__all__ = ["History", "merge_returns", "identifier_changes", "contract_tables", "FACTORS_TABLE", "MATCHED_ON"]

MATCHED_ON: dict[str, list[str]] = {
    "children": ["child_id"],
    "referrals": ["child_id", "referral_date"],
    "s47_enquiries": ["child_id", "referral_date", "s47_start_date"],
    "cp_plans": ["child_id", "start_date"],
    "cp_reviews": ["child_id", "plan_start_date", "review_date"],
    "assessment_factors": ["child_id", "referral_date", "assessment_start_date", "factor"],
}
"""The census items each kind of record is matched on across returns."""

FACTORS_TABLE = Table(
    "assessment_factors",
    (
        Field("child_id", "id"),
        Field("referral_id", "id"),
        Field("assessment_start_date", "date"),
        Field("factor", "code", codes=ASSESSMENT_FACTORS),
    ),
    core=False,
    optional=True,
    description="factors identified at assessment ([AssessmentFactors]), one row per factor",
)
"""``assessment_factors.csv``: kept beside the contract's tables, checked by the same rules."""

_CHILD_DETAILS = ["sex", "date_of_birth", "ethnicity", "disability"]


@dataclass
class History:
    """Several returns merged into one history of census-shaped records.

    Attributes
    ----------
    returns
        The returns, in ``ReferenceDate`` order.
    tables
        One row per matched record (the latest return's version), with the
        ``file`` it came from and its lines.
    seen
        Per table, the records read in all returns (before matching).
    in_several
        Per table, the matched records found in more than one return.
    plans_ended_later
        Plans open (no end date) in one return and ended in a later one.
    children_changed
        Children whose sex, date of birth, ethnicity or disability differ between returns.
    stacked_children
        Every return's children before matching (with ``order``, the return's
        position), used to look for changed identifiers.
    """

    returns: list[CensusReturn]
    tables: dict[str, pd.DataFrame]
    seen: dict[str, int] = field(default_factory=dict)
    in_several: dict[str, int] = field(default_factory=dict)
    plans_ended_later: int = 0
    children_changed: list[str] = field(default_factory=list)
    stacked_children: pd.DataFrame | None = None


def merge_returns(returns: list[CensusReturn]) -> History:
    """Match the records of several returns; the latest return's version of each record wins.

    Parameters
    ----------
    returns
        Returns read by :func:`~cpstats.data.census.reader.read_return`, for different census years.

    Returns
    -------
    History
    """
    ordered = sorted(returns, key=lambda r: (r.reference_date or "", r.name))
    history = History(returns=ordered, tables={})
    for name in CENSUS_TABLES:
        stacked = pd.concat(
            [r.tables[name].assign(file=r.name, order=i) for i, r in enumerate(ordered)], ignore_index=True
        )
        keys = MATCHED_ON[name]
        returns_per_record = stacked.groupby(keys, sort=False)["order"].nunique()
        history.seen[name] = len(stacked)
        history.in_several[name] = int((returns_per_record > 1).sum())
        history.tables[name] = stacked.drop_duplicates(keys, keep="last").reset_index(drop=True)
        if name == "cp_plans":
            history.plans_ended_later = _plans_ended_later(stacked, keys)
        if name == "children":
            history.children_changed = _children_changed(stacked)
            history.stacked_children = stacked
    return history


def _plans_ended_later(stacked: pd.DataFrame, keys: list[str]) -> int:
    """Plans with no end date in some return and an end date in the latest return holding them."""
    latest = stacked.drop_duplicates(keys, keep="last")
    earlier = stacked.drop(latest.index)
    open_before = earlier.loc[earlier["end_date"] == "", keys].drop_duplicates()
    ended = latest[latest["end_date"] != ""]
    return len(ended.merge(open_before, on=keys))


def _children_changed(stacked: pd.DataFrame) -> list[str]:
    """LAchildIDs whose details differ between returns."""
    differing = stacked.groupby("child_id")[_CHILD_DETAILS].nunique().gt(1).any(axis=1)
    return sorted(differing[differing].index)


# ---------------------------------------------------------------- identifier changes


def identifier_changes(history: History) -> list[str]:
    """Children who may be one child under two ``LAchildID``: one sentence per pair, not merged.

    Two signs are looked for. A ``UPN`` (or a ``FormerUPN`` that is another
    child's ``UPN``) recorded under two identifiers. Or an identifier whose last
    return comes before the first return of another identifier with the same
    date of birth and the same ``CINreferralDate`` or ``CPPstartDate`` (twins
    referred together appear in the same return, so they are not listed).
    """
    stacked = history.stacked_children
    if stacked is None or stacked.empty:
        return []
    years = [r.census_year.label if r.census_year else r.name for r in history.returns]
    span = stacked.groupby("child_id")["order"].agg(["min", "max"])

    def seen(child: str) -> str:
        first, last = years[span.at[child, "min"]], years[span.at[child, "max"]]
        return first if first == last else f"{first} to {last}"

    found = _shared_upn(stacked) | _same_person_later(history, stacked, span)
    return [
        f"LAchildID {a!r} ({seen(a)}) and {b!r} ({seen(b)}): {why}"
        for (a, b), why in sorted(found.items())
    ]


def _shared_upn(stacked: pd.DataFrame) -> dict[tuple[str, str], str]:
    pairs: dict[tuple[str, str], str] = {}
    people = stacked[["child_id", "upn", "former_upn"]].drop_duplicates()
    by_upn = people[people["upn"] != ""][["child_id", "upn"]].drop_duplicates()
    same = by_upn.merge(by_upn, on="upn")
    for row in same[same["child_id_x"] < same["child_id_y"]].itertuples(index=False):
        pairs[(row.child_id_x, row.child_id_y)] = f"share UPN {row.upn}"
    former = people[people["former_upn"] != ""][["child_id", "former_upn"]].merge(
        by_upn, left_on="former_upn", right_on="upn"
    )
    for row in former[former["child_id_x"] != former["child_id_y"]].itertuples(index=False):
        pair = tuple(sorted((row.child_id_x, row.child_id_y)))
        pairs.setdefault(pair, f"the FormerUPN of one is the UPN {row.upn} of the other")
    return pairs


def _same_person_later(history: History, stacked: pd.DataFrame, span: pd.DataFrame) -> dict[tuple[str, str], str]:
    if len(history.returns) < 2:
        return {}
    born = stacked.drop_duplicates("child_id", keep="last").set_index("child_id")["date_of_birth"]
    events = pd.concat([
        history.tables["referrals"][["child_id", "referral_date"]].rename(columns={"referral_date": "date"}).assign(what="CINreferralDate"),
        history.tables["cp_plans"][["child_id", "start_date"]].rename(columns={"start_date": "date"}).assign(what="CPPstartDate"),
    ], ignore_index=True)
    events["born"] = events["child_id"].map(born)
    events = events[(events["born"] != "") & (events["date"] != "")]
    pairs = events.merge(events, on=["born", "date", "what"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["child_id_a"] != pairs["child_id_b"]]
    stops_then_starts = pairs["child_id_a"].map(span["max"]).lt(pairs["child_id_b"].map(span["min"]))
    found = {}
    for row in pairs[stops_then_starts].itertuples(index=False):
        found.setdefault((row.child_id_a, row.child_id_b),
                         f"same date of birth {row.born} and {row.what} {row.date}, and the first is in no return once the second appears")
    return found


# ---------------------------------------------------------------- contract tables


def _compact(dates: pd.Series) -> pd.Series:
    return dates.str.replace("-", "", regex=False)


def _with_ids(tables: dict[str, pd.DataFrame], family_of: dict[str, str]) -> dict[str, pd.DataFrame]:
    """Add the derived identifiers and the columns the contract needs to each census-shaped table."""
    t = {name: frame.copy() for name, frame in tables.items()}
    children = t["children"]
    children["family_id"] = [family_of.get(child, child) for child in children["child_id"]]
    for name in ("referrals", "s47_enquiries", "cp_plans", "assessment_factors"):
        frame = t[name]
        frame["referral_id"] = frame["child_id"] + "-R" + _compact(frame["referral_date"])
    s47 = t["s47_enquiries"]
    s47["s47_id"] = s47["referral_id"] + "-S" + _compact(s47["s47_start_date"])
    s47["strategy_discussion_date"] = s47["s47_start_date"]
    for column in ("s47_id", "strategy_discussion_date"):
        s47[f"line:{column}"] = s47["line:s47_start_date"]
    plans = t["cp_plans"]
    plans["plan_id"] = plans["child_id"] + "-P" + _compact(plans["start_date"])
    plans["line:plan_id"] = plans["line:start_date"]
    reviews = t["cp_reviews"]
    reviews["plan_id"] = reviews["child_id"] + "-P" + _compact(reviews["plan_start_date"])
    return t


_ORDER = {
    "children": ["child_id"],
    "referrals": ["child_id", "referral_date"],
    "s47_enquiries": ["child_id", "referral_date", "s47_start_date"],
    "cp_plans": ["child_id", "start_date"],
    "cp_reviews": ["plan_id", "review_date"],
    "assessment_factors": ["child_id", "referral_date", "assessment_start_date", "factor"],
}


def contract_tables(
    tables: dict[str, pd.DataFrame], family_of: dict[str, str] | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """The contract's core tables (and ``assessment_factors``) from census-shaped tables.

    Parameters
    ----------
    tables
        Census-shaped tables, e.g. :attr:`History.tables`.
    family_of
        ``family_id`` by ``child_id``; a child not in it is its own family.

    Returns
    -------
    tuple
        The tables as text in the contract's columns, in a stable order; and,
        row for row, where each value came from: ``file``, ``line:<column>``
        and ``element:<column>``.
    """
    t = _with_ids(tables, family_of or {})
    contract, provenance = {}, {}
    for name, frame in t.items():
        table = FACTORS_TABLE if name == "assessment_factors" else TABLES[name]
        frame = frame.sort_values(_ORDER[name], kind="stable").reset_index(drop=True)
        contract[name] = frame[table.columns]
        where = pd.DataFrame({"file": frame["file"] if "file" in frame else "", "line": frame["line"]})
        for column in table.columns:
            where[f"line:{column}"] = frame.get(f"line:{column}", frame["line"])
            where[f"element:{column}"] = ELEMENT_OF[name][column]
        if name == "children":
            where["element:sex"] = frame["sex_item"]
        provenance[name] = where
    return contract, provenance
