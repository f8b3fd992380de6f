"""Reading one CIN census return (XML) into census-shaped tables, streaming.

:func:`read_return` walks the file with ``lxml.etree.iterparse``, turns each
``<Child>`` into rows as soon as its closing tag is read, then frees it, so a
return of any size is read in little memory. Every value keeps the line of
the element it came from, so a problem found later, by the contract's checks,
is still reported as ``file, line N, element E``.

What is refused here (a :class:`XmlProblem`): a file that is not well formed,
text where only elements belong, a required item that is missing or
repeated, and codes the census defines but the value is not one of
(``Sex``/``GenderCurrent``, yes/no items, ``AssessmentFactors``). Everything
the contract checks (dates, codes, ranges, the order of dates) is left to the
contract's own checks, run on the converted tables.

What is only noted: items the contract has no place for (counted), elements
no census format defines, and breaches of census rules that the contract does
not make (an event after the ``ReferenceDate``, a plan starting before its
referral, an assessment authorised before it started).
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

from cpstats.data.census.vocabulary import ASSESSMENT_FACTORS, BOOLEAN_FROM_CENSUS, SEX_FROM_CENSUS, SKIPPED_ITEMS, census_year_of
from cpstats.data.contract import Problem
from cpstats.data.periods import ReportingYear

__all__ = ["XmlProblem", "CensusReturn", "read_return", "CENSUS_TABLES"]

CENSUS_TABLES = ("children", "referrals", "s47_enquiries", "cp_plans", "cp_reviews", "assessment_factors")
"""The census-shaped tables a return is read into, keyed by census items (no derived identifiers yet)."""

_BLOCKS = {
    "Child": {"ChildIdentifiers", "ChildCharacteristics", "CINdetails"},
    "ChildIdentifiers": {"LAchildID", "UPN", "FormerUPN", "UPNunknown", "PersonBirthDate",
                         "ExpectedPersonBirthDate", "GenderCurrent", "Sex", "PersonDeathDate"},
    "ChildCharacteristics": {"Ethnicity", "Disabilities"},
    "Disabilities": {"Disability"},
    "CINdetails": {"CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate", "ReasonForClosure",
                   "DateOfInitialCPC", "Assessments", "CINPlanDates", "Section47", "ReferralNFA",
                   "ChildProtectionPlans", "PreProceedingsandFGDM"},
    "Assessments": {"AssessmentActualStartDate", "AssessmentInternalReviewDate", "AssessmentAuthorisationDate",
                    "FactorsIdentifiedAtAssessment"},
    "FactorsIdentifiedAtAssessment": {"AssessmentFactors"},
    "Section47": {"S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"},
    "ChildProtectionPlans": {"CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse",
                             "NumberOfPreviousCPP", "Reviews"},
    "Reviews": {"CPPreviewDate"},
}
"""Each block of a ``<Child>`` and the elements it may hold, across census formats."""

_REPEATABLE = {"CINdetails", "Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans",
               "PreProceedingsandFGDM", "Disability", "AssessmentFactors", "CPPreviewDate"}

# (column, element, required); a column's line is the element's line, or its block's when absent.
_IDENTIFIER_ITEMS = (
    ("child_id", "LAchildID", True),
    ("date_of_birth", "PersonBirthDate", False),
    ("expected_date_of_birth", "ExpectedPersonBirthDate", False),
    ("upn", "UPN", False),
    ("former_upn", "FormerUPN", False),
)
_REFERRAL_ITEMS = (
    ("referral_date", "CINreferralDate", True),
    ("referral_source", "ReferralSource", True),
    ("primary_need", "PrimaryNeedCode", False),
    ("closure_date", "CINclosureDate", False),
    ("no_further_action", "ReferralNFA", True),
)
_S47_ITEMS = (
    ("s47_start_date", "S47ActualStartDate", True),
    ("icpc_date", "DateOfInitialCPC", False),
    ("icpc_not_required", "ICPCnotRequired", True),
)
_PLAN_ITEMS = (
    ("start_date", "CPPstartDate", True),
    ("end_date", "CPPendDate", False),
    ("initial_category", "InitialCategoryOfAbuse", True),
    ("latest_category", "LatestCategoryOfAbuse", True),
    ("previous_plans", "NumberOfPreviousCPP", True),
)

NOT_STATED_NEED = "N0"


class XmlProblem(Problem):
    """A problem in an XML file: ``row`` is the line number and ``column`` the element."""

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"element <{self.column}>")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class CensusReturn:
    """One census return as read: its header, census-shaped tables, problems and notes.

    Attributes
    ----------
    path
        The file read.
    reference_date, reference_line
        ``ReferenceDate`` as written, and its line.
    lea, lea_line
        The header's ``LEA`` (the DfE LA code), and its line.
    header_year
        The header's ``Year`` (only compared with ``ReferenceDate``).
    tables
        ``children``, ``referrals``, ``s47_enquiries``, ``cp_plans``,
        ``cp_reviews`` and ``assessment_factors`` as text, keyed by census
        items, each value's line in a ``line:<column>`` column.
    problems
        Why the file cannot be imported; empty when it can.
    notes
        What was skipped or looks wrong by census rules without breaking the contract.
    readable
        False when the file cannot be read, is not well-formed XML or is not a census return.
    """

    path: Path
    reference_date: str | None = None
    reference_line: int | None = None
    lea: str | None = None
    lea_line: int | None = None
    header_year: str | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    readable: bool = True

    @property
    def name(self) -> str:
        """The file name used in messages."""
        return self.path.name

    @property
    def census_year(self) -> ReportingYear | None:
        """The census year, from ``ReferenceDate`` (``None`` when it is missing or not a date)."""
        if self.reference_date is None or pd.isna(pd.to_datetime(self.reference_date, format="%Y-%m-%d", errors="coerce")):
            return None
        return census_year_of(self.reference_date)

    @property
    def sex_items(self) -> list[str]:
        """The sex items the return uses (``GenderCurrent`` before 2024-25, ``Sex`` after)."""
        children = self.tables.get("children")
        return [] if children is None or children.empty else sorted(children["sex_item"].unique())


def _name(element) -> str:
    """An element's name without any namespace."""
    tag = element.tag
    return tag if tag[0] != "{" else tag[tag.index("}") + 1:]


def _text(element) -> str:
    """An element's whole text: its own and what follows each comment or processing instruction inside it."""
    parts = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str) or child.tag is etree.Comment or child.tag is etree.ProcessingInstruction:
            parts.append(child.tail or "")
    return "".join(parts).strip()


def _value_problem(element) -> str | None:
    """Why an item's value is not plain text: an entity reference or an element inside it (``None`` when it is)."""
    for child in element:
        if child.tag is etree.Entity:
            return f"holds the entity reference {child.text}; write the value itself"
        if isinstance(child.tag, str):
            return f"holds the element <{_name(child)}>; a census item's value is text"
    return None


def _first(parent, name: str):
    """The first element called ``name`` directly inside ``parent`` (``None`` if none, or no parent)."""
    if parent is None:
        return None
    return next((e for e in parent if isinstance(e.tag, str) and _name(e) == name), None)


class _Reader:
    """Collects the rows of one return as its ``<Child>`` elements are read."""

    def __init__(self, census: CensusReturn):
        self.census = census
        self.rows: dict[str, list[dict]] = {name: [] for name in CENSUS_TABLES}
        self.skipped: Counter = Counter()
        self.unknown: dict[str, int] = {}
        self.counts: Counter = Counter()

    # ------------------------------------------------------------ helpers

    def problem(self, line: int | None, element: str | None, message: str) -> None:
        self.census.problems.append(XmlProblem(self.census.name, line, element, message))

    def parts(self, block) -> dict[str, list]:
        """The elements of a block grouped by name; stray text, repeats and unknown names are dealt with."""
        block_name = _name(block)
        allowed = _BLOCKS.get(block_name, set())
        if _text(block):
            self.problem(block.sourceline, block_name, f"holds unexpected text {_text(block)[:40]!r}")
        grouped: dict[str, list] = {}
        for element in block:
            if (element.tail or "").strip():
                self.problem(element.sourceline, block_name,
                             f"holds unexpected text {element.tail.strip()[:40]!r} after <{_name(element)}>")
            if not isinstance(element.tag, str):  # comment or processing instruction
                continue
            name = _name(element)
            if name not in allowed:
                self.unknown.setdefault(f"{block_name}/{name}", element.sourceline)
                continue
            grouped.setdefault(name, []).append(element)
        for name, found in grouped.items():
            if len(found) > 1 and name not in _REPEATABLE:
                self.problem(found[1].sourceline, name, f"appears {len(found)} times in <{block_name}>; it may appear once")
            if SKIPPED_ITEMS.get(name) == block_name:
                self.skipped[name] += len(found)
        return grouped

    def items(self, block, parts: dict[str, list], spec) -> dict:
        """The values of a block's single items, each with its line (the block's line when absent)."""
        block_name = _name(block)
        row = {}
        for column, element_name, required in spec:
            found = parts.get(element_name)
            if found:
                row[column], row[f"line:{column}"] = self.value(found[0]), found[0].sourceline
            else:
                row[column], row[f"line:{column}"] = "", block.sourceline
                if required:
                    self.problem(block.sourceline, element_name, f"is missing from <{block_name}>; it is required")
        return row

    def value(self, element) -> str:
        """An item's whole text; an entity reference or element inside it is refused at its line."""
        why = _value_problem(element)
        if why:
            self.problem(element.sourceline, _name(element), why)
        return _text(element)

    def yes_no(self, row: dict, column: str, element: str) -> None:
        """Turn a census yes/no value into ``Y``/``N`` in place (left as written when it is not one)."""
        value = row[column]
        if value == "":
            return
        if value not in BOOLEAN_FROM_CENSUS:
            self.problem(row[f"line:{column}"], element,
                         f"{value!r} is not a census yes/no value (true, false, 1 or 0)")
            return
        row[column] = BOOLEAN_FROM_CENSUS[value]

    # ------------------------------------------------------------ header

    def header(self, header) -> None:
        """Keep ``ReferenceDate``, ``Year`` and ``LEA`` with their lines."""
        census = self.census
        details, source = _first(header, "CollectionDetails"), _first(header, "Source")
        reference, year, lea = _first(details, "ReferenceDate"), _first(details, "Year"), _first(source, "LEA")
        if reference is not None:
            census.reference_date, census.reference_line = self.value(reference), reference.sourceline
        if year is not None:
            census.header_year = self.value(year)
        if lea is not None:
            census.lea, census.lea_line = self.value(lea), lea.sourceline

    # ------------------------------------------------------------ child

    def child(self, element) -> None:
        parts = self.parts(element)
        identifiers = self.single_block(element, parts, "ChildIdentifiers")
        characteristics = self.single_block(element, parts, "ChildCharacteristics")
        if identifiers is None:
            return
        person = self.identifiers(identifiers)
        person.update(self.characteristics(characteristics, element))
        self.rows["children"].append(person)
        for details in parts.get("CINdetails", []):
            self.episode(details, person)

    def single_block(self, parent, parts: dict, name: str):
        found = parts.get(name)
        if not found:
            self.problem(parent.sourceline, name, f"is missing from <{_name(parent)}>; it is required")
            return None
        return found[0]

    def identifiers(self, block) -> dict:
        parts = self.parts(block)
        person = self.items(block, parts, _IDENTIFIER_ITEMS)
        person["line"] = block.sourceline
        person["line:family_id"] = person["line:child_id"]
        item = "Sex" if "Sex" in parts else "GenderCurrent"
        person["sex_item"] = item
        found = parts.get(item)
        if not found:
            self.problem(block.sourceline, "Sex", "is missing from <ChildIdentifiers> (neither Sex nor GenderCurrent is given)")
            person["sex"], person["line:sex"] = "", block.sourceline
            return person
        code, line = self.value(found[0]), found[0].sourceline
        person["line:sex"] = line
        if code not in SEX_FROM_CENSUS[item]:
            allowed = ", ".join(SEX_FROM_CENSUS[item])
            self.problem(line, item, f"{code!r} is not an allowed {item} code ({allowed})")
            person["sex"] = code
        else:
            person["sex"] = SEX_FROM_CENSUS[item][code]
        return person

    def characteristics(self, block, child) -> dict:
        if block is None:
            return {"ethnicity": "", "line:ethnicity": child.sourceline, "disability": "N", "line:disability": child.sourceline}
        parts = self.parts(block)
        row = self.items(block, parts, (("ethnicity", "Ethnicity", True),))
        row["disability"], row["line:disability"] = "N", block.sourceline
        for disabilities in parts.get("Disabilities", []):
            codes = self.parts(disabilities).get("Disability", [])
            if not codes:
                self.problem(disabilities.sourceline, "Disabilities", "is empty; list at least one Disability (NONE for none)")
            for code in codes:
                if self.value(code) == "":
                    self.problem(code.sourceline, "Disability", "is blank; give a disability code or NONE")
                elif _text(code) != "NONE":
                    row["disability"], row["line:disability"] = "Y", code.sourceline
            if codes and row["disability"] == "N":
                row["line:disability"] = codes[0].sourceline
        return row

    # ------------------------------------------------------------ episode and its blocks

    def episode(self, details, person: dict) -> None:
        parts = self.parts(details)
        referral = self.items(details, parts, _REFERRAL_ITEMS)
        referral["line"] = details.sourceline
        referral["child_id"], referral["line:child_id"] = person["child_id"], person["line:child_id"]
        referral["line:referral_id"] = referral["line:referral_date"]
        if "PrimaryNeedCode" not in parts:
            referral["primary_need"] = NOT_STATED_NEED
            self.counts["need_not_stated"] += 1
        self.yes_no(referral, "no_further_action", "ReferralNFA")
        self.rows["referrals"].append(referral)
        keys = {"child_id": person["child_id"], "referral_date": referral["referral_date"],
                "line:child_id": person["line:child_id"], "line:referral_id": referral["line:referral_date"]}
        for assessment in parts.get("Assessments", []):
            self.assessment(assessment, keys)
        for enquiry in parts.get("Section47", []):
            self.section47(enquiry, keys)
        for plan in parts.get("ChildProtectionPlans", []):
            self.plan(plan, keys)

    def assessment(self, block, keys: dict) -> None:
        parts = self.parts(block)
        row = self.items(block, parts, (("assessment_start_date", "AssessmentActualStartDate", True),
                                         ("authorised", "AssessmentAuthorisationDate", False)))
        if row["authorised"] and row["assessment_start_date"] and row["authorised"] < row["assessment_start_date"]:
            self.counts["authorised_before_start"] += 1
        for factors in parts.get("FactorsIdentifiedAtAssessment", []):
            codes = self.parts(factors).get("AssessmentFactors", [])
            if not codes:
                self.problem(factors.sourceline, "FactorsIdentifiedAtAssessment",
                             "is empty; list at least one AssessmentFactors (21 when no factor was identified)")
            for code in codes:
                factor = self.value(code)
                if factor not in ASSESSMENT_FACTORS:
                    self.problem(code.sourceline, "AssessmentFactors", f"{factor!r} is not a census assessment factor code")
                self.rows["assessment_factors"].append({
                    **keys, "assessment_start_date": row["assessment_start_date"], "factor": factor,
                    "line": code.sourceline, "line:assessment_start_date": row["line:assessment_start_date"],
                    "line:factor": code.sourceline,
                })

    def section47(self, block, keys: dict) -> None:
        parts = self.parts(block)
        row = self.items(block, parts, _S47_ITEMS)
        self.yes_no(row, "icpc_not_required", "ICPCnotRequired")
        not_required = row.pop("icpc_not_required")
        row["icpc_requested"] = {"Y": "N", "N": "Y"}.get(not_required, not_required)
        row["line:icpc_requested"] = row.pop("line:icpc_not_required")
        row["line"] = block.sourceline
        self.rows["s47_enquiries"].append({**keys, **row})

    def plan(self, block, keys: dict) -> None:
        parts = self.parts(block)
        row = self.items(block, parts, _PLAN_ITEMS)
        row["line"] = block.sourceline
        self.rows["cp_plans"].append({**keys, **row})
        for reviews in parts.get("Reviews", []):
            dates = self.parts(reviews).get("CPPreviewDate", [])
            if not dates:
                self.problem(reviews.sourceline, "Reviews", "is empty; list at least one CPPreviewDate or leave Reviews out")
            for date in dates:
                self.rows["cp_reviews"].append({
                    "child_id": keys["child_id"], "plan_start_date": row["start_date"], "review_date": self.value(date),
                    "line": date.sourceline, "line:plan_id": row["line:start_date"], "line:review_date": date.sourceline,
                })


# ---------------------------------------------------------------- streaming


_TRACKED = ("{*}Message", "{*}Header", "{*}Children", "{*}Child")
"""The only elements iterparse reports; everything inside a child is read from the child's subtree."""


def _syntax_problem(reader: _Reader, exc: etree.XMLSyntaxError, open_elements: list[str]) -> None:
    """Report a well-formedness error at its line, naming the element the parser names, if any."""
    named = re.search(r"tag mismatch: (\S+) line|Premature end of data in tag (\S+) line|tag name (\S+)", exc.msg or "")
    element = next((g for g in named.groups() if g), None) if named else None
    if element is None and open_elements:
        element = open_elements[-1]
    reader.problem(exc.lineno or None, element, f"the file is not well-formed XML: {exc.msg}")


def _stream(census: CensusReturn, reader: _Reader) -> None:
    """Walk the file once, handing the header and each child to ``reader`` and freeing them."""
    open_elements: list[str] = []
    saw_message = False
    try:
        events = etree.iterparse(str(census.path), events=("start", "end"), tag=_TRACKED,
                                 resolve_entities=False, no_network=True, huge_tree=True)
        for event, element in events:
            name = _name(element)
            if event == "start":
                if not open_elements and (name != "Message" or element.tag != "Message" or element.getparent() is not None):
                    census.readable = False
                    while element.getparent() is not None:
                        element = element.getparent()
                    name = _name(element)
                    namespace = f" in the namespace {element.tag[1:element.tag.index('}')]!r}" if element.tag[0] == "{" else ""
                    reader.problem(element.sourceline, name,
                                   f"is not a CIN census return: the root element is <{name}>{namespace}; "
                                   "a census return's root is <Message>, in no namespace")
                    return
                saw_message = saw_message or (name == "Message" and not open_elements)
                open_elements.append(name)
                continue
            open_elements.pop()
            if name == "Header" and open_elements == ["Message"]:
                reader.header(element)
            elif name == "Child" and open_elements == ["Message", "Children"]:
                reader.child(element)
                element.clear(keep_tail=True)
                parent = element.getparent()
                while element.getprevious() is not None:
                    del parent[0]
        if not saw_message:
            census.readable = False
            root = events.root
            reader.problem(root.sourceline if root is not None else 1, _name(root) if root is not None else None,
                           "is not a CIN census return: the root element must be <Message>")
    except etree.XMLSyntaxError as exc:
        census.readable = False
        _syntax_problem(reader, exc, open_elements)
    except OSError as exc:
        census.readable = False
        reader.problem(None, None, f"cannot be read: {exc}")


def _with_lines(*columns: str) -> list[str]:
    return [*columns, *(f"line:{c}" for c in columns), "line"]


_COLUMNS = {
    "children": _with_lines("child_id", "family_id", "sex", "date_of_birth", "expected_date_of_birth", "ethnicity",
                            "disability", "upn", "former_upn") + ["sex_item"],
    "referrals": _with_lines("child_id", "referral_id", "referral_date", "referral_source", "primary_need",
                             "closure_date", "no_further_action"),
    "s47_enquiries": _with_lines("child_id", "referral_id", "referral_date", "s47_start_date", "icpc_date",
                                 "icpc_requested"),
    "cp_plans": _with_lines("child_id", "referral_id", "referral_date", "start_date", "end_date",
                            "initial_category", "latest_category", "previous_plans"),
    "cp_reviews": _with_lines("child_id", "plan_id", "plan_start_date", "review_date"),
    "assessment_factors": _with_lines("child_id", "referral_id", "referral_date", "assessment_start_date", "factor"),
}
"""The columns of each census-shaped table: values, their lines, and the record's own line."""


def _frames(reader: _Reader) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, rows in reader.rows.items():
        frame = pd.DataFrame(rows, columns=_COLUMNS[name], dtype=object)
        for column in _COLUMNS[name]:
            if column.startswith("line"):
                frame[column] = frame[column].fillna(0).astype("int64")
            else:
                frame[column] = frame[column].fillna("").astype(str)
        frames[name] = frame
    return frames


def _check_header(census: CensusReturn) -> None:
    name = census.name
    if census.reference_date is None:
        census.problems.append(XmlProblem(name, None, "ReferenceDate", "is missing from the header; the census year is taken from it"))
    elif census.census_year is None:
        census.problems.append(XmlProblem(name, census.reference_line, "ReferenceDate",
                                          f"{census.reference_date!r} is not a date written YYYY-MM-DD"))
    if census.lea is None:
        census.problems.append(XmlProblem(name, None, "LEA", "is missing from the header; it is the authority's DfE code"))
    elif not (census.lea.isdigit() and len(census.lea) == 3):
        census.problems.append(XmlProblem(name, census.lea_line, "LEA", f"{census.lea!r} is not a DfE LA code (three digits)"))


def _duplicates(census: CensusReturn, table: str, keys: list[str], element: str, what: str) -> None:
    """Refuse a record that appears twice in one return (same census keys)."""
    frame = census.tables[table]
    if frame.empty:
        return
    repeated = frame[frame.duplicated(keys, keep="first")]
    first_line = frame.drop_duplicates(keys).set_index(keys)["line"]
    for row in repeated.itertuples(index=False):
        key = tuple(getattr(row, k) for k in keys)
        first = first_line.loc[key if len(keys) > 1 else key[0]]
        census.problems.append(XmlProblem(census.name, row.line, element,
                                          f"{what} appears twice in this return (first at line {first})"))


def _note_census_rules(census: CensusReturn, reader: _Reader) -> None:
    """Notes on census rules the contract does not make; they do not refuse the file."""
    t, notes = census.tables, census.notes
    if census.reference_date and census.census_year is not None:
        if not census.reference_date.endswith("-03-31"):
            notes.append(f"ReferenceDate {census.reference_date} is not 31 March; census year {census.census_year.label} is the year containing it")
        end_year = str(census.census_year.first_calendar_year + 1)
        if census.header_year and census.header_year != end_year and census.reference_date.endswith("-03-31"):
            notes.append(f"header Year {census.header_year} differs from ReferenceDate {census.reference_date}; the census year is taken from ReferenceDate")
        late = _dates_after(t, census.reference_date)
        if late:
            notes.append(f"{late[0]} date(s) after the ReferenceDate (first at line {late[1]})")
    for table, column, what in (("cp_plans", "start_date", "plan(s) start"), ("s47_enquiries", "s47_start_date", "section 47 enquiry(ies) start")):
        frame = t[table]
        if not frame.empty:
            early = frame[(frame[column] != "") & (frame["referral_date"] != "") & (frame[column] < frame["referral_date"])]
            if len(early):
                notes.append(f"{len(early)} {what} before the referral of their CINdetails (first at line {early['line:' + column].iloc[0]})")
    if reader.counts["authorised_before_start"]:
        notes.append(f"{reader.counts['authorised_before_start']} assessment(s) authorised before they started (not imported: only the factors are)")
    if reader.counts["need_not_stated"]:
        notes.append(f"{reader.counts['need_not_stated']} CINdetails without PrimaryNeedCode, imported as {NOT_STATED_NEED} (not stated)")
    if reader.skipped:
        listed = ", ".join(f"{name} x{count}" for name, count in sorted(reader.skipped.items()))
        notes.append(f"not imported (no place in the data contract): {listed}")
    for where, line in reader.unknown.items():
        notes.append(f"element <{where.split('/')[1]}> in <{where.split('/')[0]}> is not a census item; skipped (first at line {line})")


def _dates_after(tables: dict[str, pd.DataFrame], reference_date: str) -> tuple[int, int] | None:
    """How many dates fall after the reference date, and the first line (ISO dates compare as text)."""
    count, lines = 0, []
    date_columns = {
        "children": ["date_of_birth"], "referrals": ["referral_date", "closure_date"],
        "s47_enquiries": ["s47_start_date", "icpc_date"], "cp_plans": ["start_date", "end_date"],
        "cp_reviews": ["review_date"], "assessment_factors": ["assessment_start_date"],
    }
    for table, columns in date_columns.items():
        frame = tables[table]
        for column in columns if not frame.empty else []:
            late = frame[column].str.match(r"\d{4}-\d{2}-\d{2}$").fillna(False).astype(bool) & (frame[column] > reference_date)
            count += int(late.sum())
            lines += list(frame.loc[late, f"line:{column}"])
    return (count, min(lines)) if count else None


def read_return(path: Path | str) -> CensusReturn:
    """Read one CIN census return into census-shaped tables.

    Parameters
    ----------
    path
        A CIN census XML file (any format from 2013-14 to 2025-26).

    Returns
    -------
    CensusReturn
        Tables as text with each value's line; ``problems`` lists why the file
        cannot be imported (empty when it can) and ``notes`` what was skipped.
        The contract's own checks are not run here: see
        :func:`cpstats.data.census.importer.import_census`.
    """
    census = CensusReturn(path=Path(path))
    reader = _Reader(census)
    try:
        regular = stat.S_ISREG(os.stat(census.path).st_mode)
    except OSError as exc:
        census.readable = False
        reader.problem(None, None, f"cannot be read: {exc.strerror}")
        census.tables = _frames(reader)
        return census
    if not regular:  # a named pipe or device is never opened: reading one may wait for ever
        census.readable = False
        reader.problem(None, None, "is not a regular file (a named pipe, device or socket); it was not read")
        census.tables = _frames(reader)
        return census
    _stream(census, reader)
    census.tables = _frames(reader)
    if not census.readable:
        return census
    _check_header(census)
    _duplicates(census, "children", ["child_id"], "LAchildID", "this LAchildID")
    _duplicates(census, "referrals", ["child_id", "referral_date"], "CINreferralDate",
                "a CINreferralDate of the same child")
    _duplicates(census, "s47_enquiries", ["child_id", "referral_date", "s47_start_date"], "S47ActualStartDate",
                "an S47ActualStartDate in the same CINdetails")
    _duplicates(census, "cp_plans", ["child_id", "start_date"], "CPPstartDate", "a CPPstartDate of the same child")
    _note_census_rules(census, reader)
    return census
