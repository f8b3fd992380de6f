"""DfE Children in Need (CIN) census returns: import into the data contract, export from it.

The CIN census is the XML return every English local authority's
case-management system already produces. ``cpstats import cin-census`` turns
one or more returns into the contract's core tables; ``cpstats export
cin-census`` writes the return of one year from contract data.

Import
------
- **Formats.** Returns from 2013-14 to 2025-26 are read: ``GenderCurrent``
  (1 male, 2 female, 0 not recorded or unborn, 9 indeterminate) or ``Sex``
  (M, F, U), yes/no items written ``true``/``false`` or ``1``/``0``. Blocks
  the contract has no place for (``CINPlanDates``, ``PreProceedingsandFGDM``,
  ``ReasonForClosure``, ``PersonDeathDate``, ...) are skipped and counted in
  the import report.
- **Census year.** Taken from the header's ``ReferenceDate`` (31 March), not
  its ``Year``. One return per year.
- **Children.** ``child_id`` is ``LAchildID``. Sex becomes ``M``/``F``/``U``
  (0 and 9 are ``U``); ethnicity codes pass through; ``disability`` is ``Y``
  when any ``Disability`` other than ``NONE`` is recorded.
- **Families.** The census has no family identifier. Each child is its own
  family (``family_id`` = ``child_id``) unless a CSV with columns
  ``child_id,family_id`` is given (``--families``); children missing from it
  are their own family. Family-level measures (families with a plan,
  conferences) are only as good as this grouping.
- **Identifiers** of referrals, enquiries and plans are derived from census
  items, so that the same record gets the same identifier from every return:
  see :mod:`cpstats.data.census.history`.
- **Section 47.** The census has no strategy discussion date:
  ``strategy_discussion_date`` is set to ``S47ActualStartDate``.
  ``icpc_requested`` is the opposite of ``ICPCnotRequired``. A
  ``DateOfInitialCPC`` standing directly in ``CINdetails`` (older returns) is
  not imported: the contract records conferences on section 47 enquiries.
- **Assessment factors** (``AssessmentFactors``: ``3A``/``3B``/``3C``
  domestic abuse, ``2A``-``2C`` drugs, ...) go to ``assessment_factors.csv``
  (``child_id, referral_id, assessment_start_date, factor``), beside the
  contract's tables.
- **Several years.** Records are matched across returns and the latest
  return's version kept (:mod:`cpstats.data.census.history`); the report says what
  was matched, and lists children who may be one child under two identifiers.
- **Errors.** A file that is not well formed, breaks the census structure or
  breaks a rule of the contract is refused with the file, line and element;
  nothing is written.

Export
------
See :mod:`cpstats.data.census.exporter`: the return as it stood at 31 March,
checked against the published schema of its year.
"""

from cpstats.data.census.exporter import ExportResult, census_return_tables, default_xsd_dir, export_census
from cpstats.data.census.history import History, contract_tables, merge_returns
from cpstats.data.census.importer import ImportResult, import_census, read_families
from cpstats.data.census.reader import CensusReturn, XmlProblem, read_return

__all__ = [
    "import_census",
    "export_census",
    "read_return",
    "read_families",
    "merge_returns",
    "contract_tables",
    "census_return_tables",
    "default_xsd_dir",
    "ImportResult",
    "ExportResult",
    "CensusReturn",
    "History",
    "XmlProblem",
]
