"""The CIN census items cpstats reads and writes, and how they map to the data contract.

One place for the census's vocabulary: element names, code lists, the
translation of census codes into the contract's codes and back, and which
published schema (XSD) describes the return of a given census year.
"""

from __future__ import annotations

import re
from pathlib import Path

from cpstats.data.periods import ReportingYear

__all__ = [
    "SEX_FROM_CENSUS",
    "SEX_TO_GENDER_CURRENT",
    "BOOLEAN_FROM_CENSUS",
    "ASSESSMENT_FACTORS",
    "ELEMENT_OF",
    "SKIPPED_ITEMS",
    "FIRST_YEAR_WITH_SEX",
    "census_year_of",
    "schema_for_year",
]

SEX_FROM_CENSUS: dict[str, dict[str, str]] = {
    # GenderCurrent (to 2023-24): 1 male, 2 female, 0 not recorded or unborn, 9 indeterminate.
    "GenderCurrent": {"1": "M", "2": "F", "0": "U", "9": "U"},
    # Sex (from 2024-25): M, F, U.
    "Sex": {"M": "M", "F": "F", "U": "U"},
}
"""Census sex codes, by item, as the contract's ``M``/``F``/``U``."""

SEX_TO_GENDER_CURRENT = {"M": "1", "F": "2", "U": "0"}
"""The contract's sex as ``GenderCurrent`` (unknown is written 0, "not recorded or unborn")."""

FIRST_YEAR_WITH_SEX = ReportingYear(2024)
"""``Sex`` replaces ``GenderCurrent`` from the 2024-25 census."""

BOOLEAN_FROM_CENSUS = {"true": "Y", "TRUE": "Y", "1": "Y", "false": "N", "FALSE": "N", "0": "N"}
"""Census yes/no items (``ReferralNFA``, ``ICPCnotRequired``) as ``Y``/``N``."""

ASSESSMENT_FACTORS = (
    "1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C",
    "5A", "5B", "5C", "6A", "6B", "6C", "7A", "8B", "8C", "8D", "8E", "8F",
    "9A", "10A", "11A", "12A", "13A", "14A", "15A", "16A", "17A",
    "18A", "18B", "18C", "19A", "19B", "19C", "20", "21", "22A", "23A", "24A",
)
"""Factors identified at assessment (``AssessmentFactors``), old and new codes.

Domestic abuse is ``3A`` (the child), ``3B`` (a parent or carer) and ``3C``
(another person in the household); ``21`` means no factor identified.
``18A``/``19A`` are the codes physical and sexual abuse had before they were
split into child-on-child (``B``) and adult-on-child (``C``).
"""

ELEMENT_OF: dict[str, dict[str, str]] = {
    "children": {
        "child_id": "LAchildID", "family_id": "LAchildID", "sex": "GenderCurrent",
        "date_of_birth": "PersonBirthDate", "expected_date_of_birth": "ExpectedPersonBirthDate",
        "ethnicity": "Ethnicity", "disability": "Disability",
    },
    "referrals": {
        "referral_id": "CINreferralDate", "child_id": "LAchildID", "referral_date": "CINreferralDate",
        "referral_source": "ReferralSource", "primary_need": "PrimaryNeedCode",
        "closure_date": "CINclosureDate", "no_further_action": "ReferralNFA",
    },
    "s47_enquiries": {
        "s47_id": "S47ActualStartDate", "child_id": "LAchildID", "referral_id": "CINreferralDate",
        "strategy_discussion_date": "S47ActualStartDate", "s47_start_date": "S47ActualStartDate",
        "icpc_requested": "ICPCnotRequired", "icpc_date": "DateOfInitialCPC",
    },
    "cp_plans": {
        "plan_id": "CPPstartDate", "child_id": "LAchildID", "start_date": "CPPstartDate",
        "end_date": "CPPendDate", "initial_category": "InitialCategoryOfAbuse",
        "latest_category": "LatestCategoryOfAbuse", "previous_plans": "NumberOfPreviousCPP",
    },
    "cp_reviews": {"plan_id": "CPPstartDate", "review_date": "CPPreviewDate"},
    "assessment_factors": {
        "child_id": "LAchildID", "referral_id": "CINreferralDate",
        "assessment_start_date": "AssessmentActualStartDate", "factor": "AssessmentFactors",
    },
}
"""The census element each column of the imported tables comes from.

``sex`` is read from ``Sex`` in returns from 2024-25; the element actually
read is kept with each child.
"""

SKIPPED_ITEMS: dict[str, str] = {
    "UPN": "ChildIdentifiers", "FormerUPN": "ChildIdentifiers", "UPNunknown": "ChildIdentifiers",
    "PersonDeathDate": "ChildIdentifiers", "ReasonForClosure": "CINdetails",
    "DateOfInitialCPC": "CINdetails", "CINPlanDates": "CINdetails", "PreProceedingsandFGDM": "CINdetails",
    "AssessmentInternalReviewDate": "Assessments", "AssessmentAuthorisationDate": "Assessments",
    "InitialCPCtarget": "Section47",
}
"""Census items read but not imported (the contract has no place for them), by parent block.

``UPN`` and ``FormerUPN`` are used only to spot a child whose ``LAchildID``
changed between returns. ``DateOfInitialCPC`` is skipped where it stands
directly in ``CINdetails``; inside ``Section47`` it is the enquiry's ICPC date.
"""


def census_year_of(reference_date: str) -> ReportingYear:
    """The reporting year a census ``ReferenceDate`` falls in.

    The census year ends on its ``ReferenceDate`` (31 March); a date that is
    not 31 March gives the reporting year that contains it.

    Examples
    --------
    >>> census_year_of("2018-03-31").label
    '2017-18'
    >>> census_year_of("2022-07-21").label
    '2022-23'
    """
    year, month = int(reference_date[:4]), int(reference_date[5:7])
    return ReportingYear(year if month >= 4 else year - 1)


_SCHEMA_NAME = re.compile(r"^CIN_schema_(\d{4})\.xsd$")


def schema_for_year(year: ReportingYear, xsd_dir: Path) -> tuple[Path | None, str]:
    """The schema a return for ``year`` is checked against, and a sentence saying why.

    Schemas are named by the census's end year (``CIN_schema_2025.xsd`` is
    2024-25). The choice is the schema of the year itself; else the newest
    schema older than the year (the format then in force); else, for a year
    older than every schema, the oldest one. Variants such as
    ``*_lenient.xsd`` are not used: a written return must pass the strict form.

    Parameters
    ----------
    year
        The census year of the return.
    xsd_dir
        A folder holding ``CIN_schema_YYYY.xsd`` files.

    Returns
    -------
    tuple
        The schema's path (``None`` when the folder holds none) and a note.
    """
    found = {}
    if xsd_dir.is_dir():
        for path in xsd_dir.iterdir():
            match = _SCHEMA_NAME.match(path.name)
            if match:
                found[int(match.group(1))] = path
    if not found:
        return None, f"no CIN census schema found in {xsd_dir}; the return was not checked against a schema"
    end_year = year.first_calendar_year + 1
    if end_year in found:
        return found[end_year], f"checked against {found[end_year].name}, the schema for {year.label}"
    older = [y for y in found if y < end_year]
    chosen = max(older) if older else min(found)
    described = ReportingYear(chosen - 1).label
    why = "the newest schema before that year" if older else "the oldest schema available"
    return found[chosen], (
        f"no schema for {year.label} is available; checked against {found[chosen].name} "
        f"({described}), {why}"
    )
