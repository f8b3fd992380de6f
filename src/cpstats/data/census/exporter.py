"""``cpstats export cin-census``: a census return for one year, written from contract data.

The return describes the year as it stood at 31 March (the census's
``ReferenceDate``):

- children with a CIN episode (referral) open at some time in the year, and
  any referral that holds a section 47 enquiry or a plan of the year;
- section 47 enquiries started in the year, or whose initial conference was in
  the year; child protection plans open at some time in the year, with all
  their reviews up to 31 March;
- nothing dated after 31 March: a plan or referral still open then has no end
  or closure date, a later conference date or review is left out, and a child
  born later has only an ``ExpectedPersonBirthDate``.

Each plan is written inside the child's latest referral that started on or
before the plan (the contract does not link plans to referrals). Items the
contract does not hold are not written (``UPN``, ``ReasonForClosure``,
assessment dates other than the start, ``CINPlanDates``); a disability ``Y``
is written ``DDA`` (other), ``N`` as ``NONE``. Factors identified at
assessment are written from ``assessment_factors.csv`` when the folder has it.

The file is checked against the schema for its year (see
:func:`cpstats.data.census.vocabulary.schema_for_year`) before it is put in place, from the folder of schemas
given (``--xsd-dir``, else ``$CPSTATS_SHARED_REFERENCE/cin-census/xsd``); with neither it is written unchecked
and the note says so. No folder is looked for from where the project sits, so the same command gives the same
result wherever the clone is.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

import pandas as pd
import pandera.pandas as pa
from lxml import etree

from cpstats import __version__
from cpstats.data.census.history import FACTORS_TABLE
from cpstats.data.census.vocabulary import FIRST_YEAR_WITH_SEX, SEX_TO_GENDER_CURRENT, schema_for_year
from cpstats.data.contract import DataValidationError, Problem, schema_for
from cpstats.data.dataset import Dataset, load_dataset
from cpstats.data.periods import ReportingYear

__all__ = ["ExportResult", "export_census", "census_return_tables", "default_xsd_dir", "validate_against_schema"]

def default_xsd_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where the CIN census schemas are looked for when ``--xsd-dir`` is not given.

    ``$CPSTATS_SHARED_REFERENCE/cin-census/xsd`` when that variable is set, else ``None``: the return is then
    written unchecked and the note says how to check it. Never a folder found from where cpstats or the clone
    sits, so the same command gives the same export, and the same note, wherever the project is.

    >>> default_xsd_dir({}) is None
    True
    >>> default_xsd_dir({"CPSTATS_SHARED_REFERENCE": "/srv/reference"}).as_posix()
    '/srv/reference/cin-census/xsd'
    """
    root = (os.environ if environ is None else environ).get("CPSTATS_SHARED_REFERENCE")
    return Path(root) / "cin-census" / "xsd" if root else None


NO_SCHEMA_NOTE = ("no CIN census schema given, so the return was not checked against one: give --xsd-dir, a folder "
                  "of CIN_schema_YYYY.xsd files (or set CPSTATS_SHARED_REFERENCE to a folder holding cin-census/xsd)")


@dataclass
class ExportResult:
    """A written return: where, for which year, what it holds, and the schema it was checked against."""

    path: Path
    year: ReportingYear
    schema: Path | None
    schema_note: str
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- choosing the records


def _read_factors(folder: Path) -> pd.DataFrame | None:
    path = folder / FACTORS_TABLE.filename
    if not path.exists():
        return None
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    try:
        schema_for(FACTORS_TABLE).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        raise DataValidationError([
            Problem(FACTORS_TABLE.filename, int(c.index) + 2 if pd.notna(c.index) else None, c.column, f"{c.failure_case!r} {c.check}")
            for c in cases.itertuples(index=False)
        ], str(folder)) from None
    frame["assessment_start_date"] = pd.to_datetime(frame["assessment_start_date"], format="%Y-%m-%d")
    return frame


def _episode_of_plans(plans: pd.DataFrame, referrals: pd.DataFrame) -> pd.Series:
    """For each plan, the child's latest referral started on or before it (else the child's first referral)."""
    left = plans[["plan_id", "child_id", "start_date"]].sort_values("start_date")
    right = referrals[["referral_id", "child_id", "referral_date"]].sort_values("referral_date")
    before = pd.merge_asof(left, right, left_on="start_date", right_on="referral_date", by="child_id", direction="backward")
    after = pd.merge_asof(left, right, left_on="start_date", right_on="referral_date", by="child_id", direction="forward")
    chosen = before.set_index("plan_id")["referral_id"].fillna(after.set_index("plan_id")["referral_id"])
    return plans["plan_id"].map(chosen)


def census_return_tables(ds: Dataset, year: ReportingYear | str, factors: pd.DataFrame | None = None) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The records of the census return for ``year``, as they stood at its 31 March.

    Parameters
    ----------
    ds
        A validated dataset.
    year
        The census year, e.g. ``2017-18``.
    factors
        ``assessment_factors.csv`` as read, or ``None``.

    Returns
    -------
    tuple
        ``children``, ``referrals``, ``s47_enquiries``, ``cp_plans``,
        ``cp_reviews`` and ``assessment_factors`` for the return (dates after
        31 March blanked or left out), and notes on anything left out.
    """
    y = ReportingYear.parse(year)
    start, end = y.start, y.end
    notes = []
    referrals = ds.referrals[ds.referrals["referral_date"] <= end].copy()
    s47 = ds.s47_enquiries
    s47 = s47[(s47["s47_start_date"] <= end)
              & ((s47["s47_start_date"] >= start) | s47["icpc_date"].between(start, end))
              & s47["referral_id"].isin(referrals["referral_id"])].copy()
    plans = ds.cp_plans
    plans = plans[(plans["start_date"] <= end) & (plans["end_date"].isna() | (plans["end_date"] >= start))].copy()
    plans["referral_id"] = _episode_of_plans(plans, referrals)
    if plans["referral_id"].isna().any():
        notes.append(f"{int(plans['referral_id'].isna().sum())} plan(s) of children with no referral by 31 March left out")
        plans = plans[plans["referral_id"].notna()]
    active = referrals["closure_date"].isna() | (referrals["closure_date"] >= start)
    referrals = referrals[active | referrals["referral_id"].isin(s47["referral_id"]) | referrals["referral_id"].isin(plans["referral_id"])]
    children = ds.children[ds.children["child_id"].isin(referrals["child_id"])].copy()
    reviews = ds.cp_reviews[ds.cp_reviews["plan_id"].isin(plans["plan_id"]) & (ds.cp_reviews["review_date"] <= end)]
    if factors is not None:
        factors = factors[factors["referral_id"].isin(referrals["referral_id"]) & (factors["assessment_start_date"] <= end)]

    referrals.loc[referrals["closure_date"] > end, "closure_date"] = pd.NaT
    plans.loc[plans["end_date"] > end, "end_date"] = pd.NaT
    s47.loc[s47["icpc_date"] > end, "icpc_date"] = pd.NaT
    born_later = children["date_of_birth"] > end
    children.loc[born_later, "expected_date_of_birth"] = children.loc[born_later, "expected_date_of_birth"].fillna(
        children.loc[born_later, "date_of_birth"])
    children.loc[born_later, "date_of_birth"] = pd.NaT
    tables = {"children": children, "referrals": referrals, "s47_enquiries": s47, "cp_plans": plans,
              "cp_reviews": reviews, "assessment_factors": factors if factors is not None else pd.DataFrame(
                  columns=FACTORS_TABLE.columns)}
    return tables, notes


# ---------------------------------------------------------------- writing XML


def _iso(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Dates as ``YYYY-MM-DD`` text, ``""`` when blank; every other value as text."""
    out = frame.copy()
    for column in columns:
        out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
    return out


def _grouped(frame: pd.DataFrame, key: str, order: list[str]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for record in frame.sort_values(order, kind="stable").to_dict("records"):
        groups.setdefault(record[key], []).append(record)
    return groups


def _sub(parent, name: str, text: str | None = None):
    element = etree.SubElement(parent, name)
    if text is not None:
        element.text = text
    return element


def _yes_no(flag: bool) -> str:
    return "1" if flag else "0"


class _ReturnWriter:
    """Builds one ``<Child>`` element at a time from the return's tables."""

    def __init__(self, tables: dict[str, pd.DataFrame], year: ReportingYear):
        t = tables
        self.use_sex = year >= FIRST_YEAR_WITH_SEX
        self.children = _iso(t["children"], ["date_of_birth", "expected_date_of_birth"]).sort_values("child_id").to_dict("records")
        self.referrals = _grouped(_iso(t["referrals"], ["referral_date", "closure_date"]), "child_id", ["child_id", "referral_date", "referral_id"])
        self.s47 = _grouped(_iso(t["s47_enquiries"], ["s47_start_date", "icpc_date"]), "referral_id", ["s47_start_date", "s47_id"])
        self.plans = _grouped(_iso(t["cp_plans"], ["start_date", "end_date"]), "referral_id", ["start_date", "plan_id"])
        self.reviews = _grouped(_iso(t["cp_reviews"], ["review_date"]), "plan_id", ["review_date"])
        factors = _iso(t["assessment_factors"], ["assessment_start_date"]) if len(t["assessment_factors"]) else t["assessment_factors"]
        self.factors = _grouped(factors, "referral_id", ["assessment_start_date", "factor"])

    def child(self, person: dict):
        child = etree.Element("Child")
        identifiers = _sub(child, "ChildIdentifiers")
        _sub(identifiers, "LAchildID", person["child_id"])
        if person["date_of_birth"]:
            _sub(identifiers, "PersonBirthDate", person["date_of_birth"])
        if person["expected_date_of_birth"]:
            _sub(identifiers, "ExpectedPersonBirthDate", person["expected_date_of_birth"])
        if self.use_sex:
            _sub(identifiers, "Sex", person["sex"])
        else:
            _sub(identifiers, "GenderCurrent", SEX_TO_GENDER_CURRENT[person["sex"]])
        characteristics = _sub(child, "ChildCharacteristics")
        _sub(characteristics, "Ethnicity", person["ethnicity"])
        _sub(_sub(characteristics, "Disabilities"), "Disability", "DDA" if person["disability"] else "NONE")
        for referral in self.referrals.get(person["child_id"], []):
            self.episode(child, referral)
        return child

    def episode(self, child, referral: dict) -> None:
        details = _sub(child, "CINdetails")
        _sub(details, "CINreferralDate", referral["referral_date"])
        _sub(details, "ReferralSource", referral["referral_source"])
        _sub(details, "PrimaryNeedCode", referral["primary_need"])
        if referral["closure_date"]:
            _sub(details, "CINclosureDate", referral["closure_date"])
        self.assessments(details, self.factors.get(referral["referral_id"], []))
        for enquiry in self.s47.get(referral["referral_id"], []):
            block = _sub(details, "Section47")
            _sub(block, "S47ActualStartDate", enquiry["s47_start_date"])
            if enquiry["icpc_date"]:
                _sub(block, "DateOfInitialCPC", enquiry["icpc_date"])
            _sub(block, "ICPCnotRequired", _yes_no(not enquiry["icpc_requested"]))
        _sub(details, "ReferralNFA", _yes_no(referral["no_further_action"]))
        for plan in self.plans.get(referral["referral_id"], []):
            self.plan(details, plan)

    @staticmethod
    def assessments(details, factors: list[dict]) -> None:
        by_start: dict[str, list[str]] = {}
        for factor in factors:
            by_start.setdefault(factor["assessment_start_date"], []).append(factor["factor"])
        for started, codes in by_start.items():
            block = _sub(details, "Assessments")
            _sub(block, "AssessmentActualStartDate", started)
            listed = _sub(block, "FactorsIdentifiedAtAssessment")
            for code in codes:
                _sub(listed, "AssessmentFactors", code)

    def plan(self, details, plan: dict) -> None:
        block = _sub(details, "ChildProtectionPlans")
        _sub(block, "CPPstartDate", plan["start_date"])
        if plan["end_date"]:
            _sub(block, "CPPendDate", plan["end_date"])
        _sub(block, "InitialCategoryOfAbuse", plan["initial_category"])
        _sub(block, "LatestCategoryOfAbuse", plan["latest_category"])
        _sub(block, "NumberOfPreviousCPP", str(plan["previous_plans"]))
        reviews = self.reviews.get(plan["plan_id"], [])
        if reviews:
            listed = _sub(block, "Reviews")
            for review in reviews:
                _sub(listed, "CPPreviewDate", review["review_date"])


def _created_at() -> str:
    """The header's ``DateTime``: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _header(la_code: int, year: ReportingYear):
    header = etree.Element("Header")
    details = _sub(header, "CollectionDetails")
    _sub(details, "Collection", "CIN")
    _sub(details, "Year", str(year.first_calendar_year + 1))
    _sub(details, "ReferenceDate", year.end.strftime("%Y-%m-%d"))
    source = _sub(header, "Source")
    _sub(source, "SourceLevel", "L")
    _sub(source, "LEA", f"{la_code:03d}")
    _sub(source, "SoftwareCode", "cpstats")
    _sub(source, "Release", __version__)
    _sub(source, "SerialNo", "001")
    _sub(source, "DateTime", _created_at())
    return header


def _write_xml(path: Path, tables: dict[str, pd.DataFrame], la_code: int, year: ReportingYear) -> None:
    """Stream the return to ``path``, one child at a time."""
    writer = _ReturnWriter(tables, year)

    def indented(element, level: int):
        etree.indent(element, space="  ", level=level)
        return element

    with etree.xmlfile(str(path), encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("Message"):
            xf.write("\n  ")
            xf.write(indented(_header(la_code, year), 1))
            xf.write("\n  ")
            with xf.element("Children"):
                for person in writer.children:
                    xf.write("\n    ")
                    xf.write(indented(writer.child(person), 2))
                xf.write("\n  ")
            xf.write("\n")


def validate_against_schema(path: Path, schema: Path) -> list[str]:
    """Check a written return against an XSD; the schema's complaints, each with its line."""
    xsd = etree.XMLSchema(etree.parse(str(schema)))
    document = etree.parse(str(path))
    if xsd.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in xsd.error_log]


# ---------------------------------------------------------------- entry point


def export_census(data: Path | str, year: ReportingYear | str, out: Path | str, xsd_dir: Path | str | None = None) -> ExportResult:
    """Write the CIN census return of one year from a contract folder.

    Parameters
    ----------
    data
        The authority's data folder (validated with :func:`cpstats.data.dataset.load_dataset`).
    year
        The census year, e.g. ``2017-18`` (``ReferenceDate`` 31 March 2018).
    out
        The XML file to write.
    xsd_dir
        Folder of ``CIN_schema_YYYY.xsd`` files (default: :func:`default_xsd_dir`; none: not checked, and the
        note says so).

    Returns
    -------
    ExportResult

    Raises
    ------
    DataValidationError
        When the folder breaks the data contract.
    ValueError
        When the written return fails its schema; nothing is written then.
    """
    y = ReportingYear.parse(year)
    out = Path(out)
    ds = load_dataset(data)
    tables, notes = census_return_tables(ds, y, _read_factors(Path(data)))
    if tables["children"].empty:
        raise ValueError(f"no child had a CIN episode open in {y.label}; a census return needs at least one child")
    folder = Path(xsd_dir) if xsd_dir else default_xsd_dir()
    schema, schema_note = schema_for_year(y, folder) if folder is not None else (None, NO_SCHEMA_NOTE)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(handle)
    try:
        _write_xml(Path(staged), tables, ds.la_code, y)
        complaints = validate_against_schema(Path(staged), schema) if schema else []
        if complaints:
            shown = "\n  ".join(complaints[:20])
            raise ValueError(f"the {y.label} return does not pass {schema.name}:\n  {shown}")
        os.replace(staged, out)
    finally:
        if os.path.exists(staged):
            os.remove(staged)
    counts = {name: len(frame) for name, frame in tables.items()}
    return ExportResult(path=out, year=y, schema=schema, schema_note=schema_note, counts=counts, notes=notes)
