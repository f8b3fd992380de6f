"""``cpstats import cin-census``: census returns in, a contract folder out, or nothing at all.

:func:`import_census` reads every file, checks each one on its own (XML
structure, then the contract's rules through :func:`cpstats.data.dataset.load_dataset`
on that file's records alone), merges them into one history, and writes the
result to a staging folder that is checked again as a whole, together with any
local tables (conferences, ...) already in the destination. Only when every
check passes are the files moved into place. Every problem is reported with
the XML file, line and element it comes from.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

from cpstats.data.census.history import FACTORS_TABLE, History, contract_tables, identifier_changes, merge_returns
from cpstats.data.census.reader import CensusReturn, XmlProblem, read_return
from cpstats.data.comparators import authorities_table, neighbours_of
from cpstats.data.contract import TABLES, DataValidationError, Field, Problem, Table, schema_for
from cpstats.data.authority import LA_FILE, read_la
from cpstats.data.dataset import load_dataset
from cpstats.data.paths import check_output_folder
from cpstats.data.periods import ReportingYear
from cpstats.data.reference import DEFAULT_REFERENCE_DIR

__all__ = ["ImportResult", "import_census", "read_families", "REPORT_FILE"]

REPORT_FILE = "import_report.txt"
FAMILIES_TABLE = Table("families", (Field("child_id", "id", unique=True), Field("family_id", "id")), core=False)
_WRITTEN_TABLES = ("children", "referrals", "s47_enquiries", "cp_plans", "cp_reviews", "assessment_factors")


@dataclass
class ImportResult:
    """What an import wrote.

    Attributes
    ----------
    out
        The destination folder.
    written
        The files written there.
    counts
        Rows per table written.
    report
        The import report (also in ``import_report.txt``).
    """

    out: Path
    written: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    report: str = ""


# ---------------------------------------------------------------- families


def _pandera_problems(name: str, error: pa.errors.SchemaErrors) -> list[Problem]:
    problems = []
    for case in error.failure_cases.itertuples(index=False):
        row = int(case.index) + 2 if pd.notna(case.index) else None
        check = "appears more than once; it must be unique" if case.check == "field_uniqueness" else str(case.check)
        problems.append(Problem(name, row, case.column if isinstance(case.column, str) else None, f"{case.failure_case!r} {check}"))
    return problems


def read_families(path: Path | str) -> tuple[dict[str, str], list[Problem]]:
    """Read a ``child_id,family_id`` CSV that groups children into families.

    Parameters
    ----------
    path
        A UTF-8 CSV with a header row and the columns ``child_id`` and
        ``family_id`` (identifiers, as in ``children.csv``).

    Returns
    -------
    tuple
        ``family_id`` by ``child_id``, and the problems found (file, row, column).
    """
    path = Path(path)
    if path.exists() and not path.is_file():  # never open a pipe or a device: reading one may wait for ever
        return {}, [Problem(path.name, None, None, "is not a regular file; it was not read")]
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return {}, [Problem(path.name, None, None, f"cannot be read as a UTF-8 CSV: {exc}")]
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    missing = [c for c in FAMILIES_TABLE.columns if c not in frame.columns]
    if missing:
        return {}, [Problem(path.name, 1, c, "column is missing") for c in missing]
    frame = frame[FAMILIES_TABLE.columns].apply(lambda column: column.str.strip()).reset_index(drop=True)
    try:
        schema_for(FAMILIES_TABLE).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return {}, _pandera_problems(path.name, exc)
    return dict(zip(frame["child_id"], frame["family_id"])), []


# ---------------------------------------------------------------- checks


def _check_together(returns: list[CensusReturn]) -> list[Problem]:
    """Returns imported together must be from one authority and for different years."""
    problems = []
    first_for_year: dict[str, CensusReturn] = {}
    leas = [r for r in returns if r.lea]
    for census in returns:
        year = census.census_year
        if year is None:
            continue
        if year.label in first_for_year:
            other = first_for_year[year.label]
            problems.append(XmlProblem(census.name, census.reference_line, "ReferenceDate",
                                       f"{other.name} is already the return for {year.label}; give one return per year"))
        else:
            first_for_year[year.label] = census
    for census in leas[1:]:
        if census.lea != leas[0].lea:
            problems.append(XmlProblem(census.name, census.lea_line, "LEA",
                                       f"{census.lea} differs from LEA {leas[0].lea} of {leas[0].name}; import one authority at a time"))
    return problems


def _la_settings(out: Path, lea: str | None) -> tuple[dict, bool, list[Problem]]:
    """The ``la.yaml`` to use: the existing one (checked against the LEA) or a new one."""
    path = out / LA_FILE
    if path.exists():
        if not path.is_file():
            return {}, False, [Problem(LA_FILE, None, None, "is not a regular file; it was not read")]
        problems: list[Problem] = []
        la = read_la(path, problems)
        if problems:
            return {}, False, problems
        if lea and lea.isdigit() and str(la.get("la_code", "")).strip() != str(int(lea)):
            return la, False, [Problem(LA_FILE, None, "la_code",
                                       f"is {la.get('la_code')!r} but the returns are for LEA {lea}; "
                                       "import into the folder of that authority")]
        return la, False, []
    code = int(lea) if lea and lea.isdigit() else 0
    return {"name": f"LA {code}", "la_code": code}, True, []


def reference_dir_for(out: Path) -> Path:
    """The reference tables an import into ``out`` describes the authority from.

    ``reference/`` beside the authority's folder (``data/reference`` for
    ``data/<la>``) when it holds ``authorities.csv``, else the project's own.
    """
    beside = Path(out).parent / "reference"
    return beside if (beside / "authorities.csv").is_file() else DEFAULT_REFERENCE_DIR


def authority_from_reference(code: int, reference_dir: Path) -> dict | None:
    """``name``, ``region`` and ``statistical_neighbours`` of an authority as ``data/reference`` knows it.

    Returns ``None`` when the code is not in ``authorities.csv`` (or there is no such table).
    """
    try:
        row = authorities_table(reference_dir).set_index("la_code").loc[int(code)]
        neighbours = neighbours_of(code, reference_dir)
    except (KeyError, ValueError, OSError):
        return None
    return {"name": str(row["la_name"]), "la_code": int(code), "region": str(row["region_name"]),
            "statistical_neighbours": [int(n) for n in neighbours]}


def new_la_settings(la: dict, returns: list[CensusReturn], reference_dir: Path) -> dict:
    """The ``la.yaml`` an import writes for a new authority folder.

    The authority's name, region and statistical neighbours from the reference
    tables (when they know its code), the extract date (the latest return's
    ``ReferenceDate``) and the census years the returns cover completely
    (``first_year``, ``last_year``). The extract date is left out when it falls
    before the end of the last year covered (a return dated before 31 March).
    """
    described = dict(authority_from_reference(la["la_code"], reference_dir) or la)
    years = [r.census_year for r in returns if r.census_year is not None]
    coverage = _coverage(years)
    dates = sorted(r.reference_date for r in returns if r.census_year is not None and r.reference_date)
    if dates and coverage and dates[-1] >= ReportingYear.parse(coverage["last_year"]).end.strftime("%Y-%m-%d"):
        described["extract_date"] = dates[-1]
    described.update(coverage)
    return described


def _kept_la_line(la: dict, returns: list[CensusReturn]) -> str:
    """What the import report says of an ``la.yaml`` it kept: its coverage, and the returns' when they differ."""
    coverage = _coverage([r.census_year for r in returns if r.census_year is not None])
    declared = {key: str(la[key]) for key in ("first_year", "last_year") if la.get(key) is not None}
    if not coverage:
        return "kept as it was"
    if len(declared) < 2:
        return (f"kept as it was (add first_year: {coverage['first_year']} and last_year: {coverage['last_year']} "
                "to it: the census years the returns cover)")
    if declared == coverage:
        return f"kept as it was (years covered completely: {declared['first_year']} to {declared['last_year']})"
    return (f"kept as it was (it declares {declared['first_year']} to {declared['last_year']}; the returns cover "
            f"{coverage['first_year']} to {coverage['last_year']}: change first_year and last_year if they should)")


def _coverage(years: list[ReportingYear]) -> dict[str, str]:
    """The years a set of returns covers completely, as ``la.yaml`` records them (``first_year``, ``last_year``).

    A return covers its census year: every child in need during it. Earlier
    years are seen only through what was still open, so they are not covered;
    when a year is missing between returns, coverage starts after the gap.
    """
    if not years:
        return {}
    ordered = sorted(set(years))
    first = ordered[-1]
    for year in reversed(ordered[:-1]):
        if year.next() != first:
            break
        first = year
    return {"first_year": first.label, "last_year": ordered[-1].label}


def _locate(problems: list[Problem], provenance: dict[str, pd.DataFrame]) -> list[Problem]:
    """Contract problems in written CSVs, located back in the XML file, line and element they came from."""
    located = []
    for problem in problems:
        table = Path(problem.file).stem
        where = provenance.get(table)
        if where is None or problem.row is None or not 0 <= problem.row - 2 < len(where):
            located.append(problem)
            continue
        record = where.iloc[problem.row - 2]
        column = problem.column
        line = int(record[f"line:{column}"]) if column and f"line:{column}" in record else int(record["line"])
        element = record[f"element:{column}"] if column and f"element:{column}" in record else None
        rule = f"{table}.{column}" if column else table
        located.append(XmlProblem(record["file"], line, element, f"{problem.message} (the contract's {rule})"))
    return located


def _without_repeats(problems: list[Problem]) -> list[Problem]:
    """Keep the first problem reported at each place (a missing item is not also 'blank')."""
    kept, places = [], set()
    for problem in problems:
        place = (problem.file, problem.row, problem.column)
        if place not in places:
            kept.append(problem)
            places.add(place)
    return kept


# ---------------------------------------------------------------- writing


def _write(folder: Path, tables: dict[str, pd.DataFrame], la: dict | None) -> None:
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
    if la is not None:
        (folder / LA_FILE).write_text(yaml.safe_dump(la, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _contract_problems(folder: Path, tables: dict[str, pd.DataFrame], provenance: dict[str, pd.DataFrame]) -> list[Problem]:
    """Run the contract's checks on a written folder, and its rules on the factors; problems located in the XML."""
    problems = []
    try:
        schema_for(FACTORS_TABLE).validate(tables["assessment_factors"], lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems += _pandera_problems(FACTORS_TABLE.filename, exc)
    try:
        load_dataset(folder)
    except DataValidationError as exc:
        problems += exc.problems
    return _locate(problems, provenance)


def _check_alone(census: CensusReturn, la: dict) -> list[Problem]:
    """The contract's checks on one return's records alone."""
    tables, provenance = contract_tables(merge_returns([census]).tables)
    with tempfile.TemporaryDirectory(prefix="cpstats-census-") as staging:
        _write(Path(staging), tables, la)
        return _contract_problems(Path(staging), tables, provenance)


def _copy_local_tables(out: Path, staging: Path) -> list[str]:
    """Copy the local tables already in ``out`` so the staged folder is checked as it will be."""
    copied = []
    for table in TABLES.values():
        if not table.core and (out / table.filename).exists():
            shutil.copy2(out / table.filename, staging / table.filename)
            copied.append(table.filename)
    return copied


def _move(staging: Path, out: Path, names: list[str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    moved = []
    for name in names:
        shutil.move(str(staging / name), str(out / name))
        moved.append(out / name)
    return moved


# ---------------------------------------------------------------- report


def _return_line(census: CensusReturn) -> str:
    t = census.tables
    return (
        f"  {census.name}: census year {census.census_year.label} (ReferenceDate {census.reference_date}), "
        f"LEA {census.lea}, {'/'.join(census.sex_items) or 'no children'}; "
        f"{len(t['children'])} children, {len(t['referrals'])} CINdetails, {len(t['s47_enquiries'])} Section47, "
        f"{len(t['cp_plans'])} plans, {len(t['cp_reviews'])} reviews"
    )


_MATCHED = (
    ("children", "children", "LAchildID"),
    ("referrals", "referrals", "LAchildID + CINreferralDate"),
    ("s47_enquiries", "section 47 enquiries", "LAchildID + CINreferralDate + S47ActualStartDate"),
    ("cp_plans", "plans", "LAchildID + CPPstartDate"),
    ("cp_reviews", "reviews", "plan + CPPreviewDate"),
    ("assessment_factors", "assessment factors", "referral + AssessmentActualStartDate + factor"),
)


def _matching_lines(history: History, tables: dict[str, pd.DataFrame]) -> list[str]:
    lines = ["Matching across returns (the latest return's version of a record is kept):"]
    for name, label, keys in _MATCHED:
        lines.append(f"  {label} ({keys}): {len(tables[name])} from {history.seen[name]} read; "
                     f"{history.in_several[name]} in more than one return")
    lines.append(f"  plans open at one 31 March and ended in a later return: {history.plans_ended_later}")
    changed = history.children_changed
    example = f" (e.g. {', '.join(changed[:5])}); the latest return's details kept" if changed else ""
    lines.append(f"  children whose details differ between returns: {len(changed)}{example}")
    return lines


def _identity_lines(history: History, shown: int = 50) -> list[str]:
    suspects = identifier_changes(history)
    lines = ["Children who may be one child under two LAchildIDs (kept apart; correct the identifier at source):"]
    lines += [f"  {s}" for s in suspects[:shown]] or [
        "  none found (shared UPN or FormerUPN; same date of birth and referral or plan start date "
        "under an identifier that stops as another starts)"]
    if len(suspects) > shown:
        lines.append(f"  ... and {len(suspects) - shown} more")
    return lines


def _family_line(children: pd.DataFrame, families: Path | None, family_of: dict[str, str]) -> str:
    if families is None:
        return "Families: the census has no family identifier; each child is its own family (family_id = LAchildID)"
    ids = set(children["child_id"])
    grouped, unknown = len(ids & set(family_of)), len(set(family_of) - ids)
    alone = f"; the other {len(ids) - grouped} are each their own family" if grouped < len(ids) else ""
    extra = f"; {unknown} child_id(s) in it are in no return" if unknown else ""
    return f"Families: from {families.name}: {grouped} of {len(ids)} children given a family_id{alone}{extra}"


def describe(history: History, tables: dict[str, pd.DataFrame], la: dict, new_la: bool,
             families: Path | None, family_of: dict[str, str], local: list[str]) -> str:
    """The import report: files, years, how records were matched, what was skipped.

    Parameters
    ----------
    history
        The merged returns.
    tables
        The contract tables written.
    la, new_la
        The ``la.yaml`` used, and whether it was written by this import.
    families, family_of
        The ``--families`` file (or ``None``) and its ``family_id`` by ``child_id``.
    local
        Local tables already in the destination, checked with the new tables.

    Returns
    -------
    str
        The report, one fact per line.
    """
    returns = history.returns
    years = [r.census_year.label for r in returns]
    span = f"census year {years[0]}" if len(years) == 1 else f"census years {years[0]} to {years[-1]}"
    if new_la:
        covered = f"; years covered completely: {la['first_year']} to {la['last_year']}" if "first_year" in la else ""
        region = (f", region {la['region']}, {len(la.get('statistical_neighbours', []))} statistical neighbours"
                  if "region" in la else f"; LA {la['la_code']} is not in the reference tables, so no region or "
                  "statistical neighbours: `cpstats reference import --ees DIR --la CODE` adds it; then set name "
                  "and region in la.yaml")
        extract = f", extract date {la['extract_date']}" if "extract_date" in la else ""
        la_line = f"written (name {la['name']!r}{region}{extract}{covered})"
    else:
        la_line = _kept_la_line(la, returns)
    lines = [f"CIN census import: {len(returns)} return(s), {span}", "Files:"]
    lines += [_return_line(r) for r in returns]
    lines.append(f"Authority: LEA {returns[0].lea}; la.yaml {la_line}")
    lines += _matching_lines(history, tables)
    lines += _identity_lines(history)
    lines.append(_family_line(tables["children"], families, family_of))
    if local:
        lines.append(f"Checked together with the local tables already there: {', '.join(local)}")
    lines.append("Notes:")
    lines += [f"  {r.name}: {note}" for r in returns for note in r.notes]
    lines.append("  strategy_discussion_date is not a census item: it is set to S47ActualStartDate")
    lines.append("Written: " + ", ".join(f"{name}.csv ({len(frame)} rows)" for name, frame in tables.items()))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- entry point


def import_census(files: list[Path | str], out: Path | str, families: Path | str | None = None) -> ImportResult:
    """Import CIN census returns into a contract folder.

    Parameters
    ----------
    files
        One or more census returns (XML), any census years, one per year.
    out
        The authority's data folder, e.g. ``data/<la>/``. Its core tables and
        ``assessment_factors.csv`` are replaced; ``la.yaml`` and local tables
        already there are kept (and checked with the new tables).
    families
        Optional CSV with columns ``child_id,family_id``; without it each child
        is its own family.

    Returns
    -------
    ImportResult

    Raises
    ------
    DataValidationError
        When any file is not well formed or breaks the census structure or the
        contract's rules; each problem names the file, line and element.
        Nothing is written.
    """
    out = Path(out)
    paths = [Path(f) for f in files]
    if not paths:
        raise ValueError("give at least one CIN census XML file")
    check_output_folder(out, "--out", {})
    returns, la, new_la, family_of = _read_and_check(paths, out, families)
    if new_la:
        la = new_la_settings(la, returns, reference_dir_for(out))
    history = merge_returns(returns)
    tables, provenance = contract_tables(history.tables, family_of)
    with tempfile.TemporaryDirectory(prefix="cpstats-import-") as tmp:
        staging = Path(tmp)
        _write(staging, tables, la)
        local = _copy_local_tables(out, staging)
        problems = _contract_problems(staging, tables, provenance)
        if problems:
            raise DataValidationError(_without_repeats(problems), str(out))
        report = describe(history, tables, la, new_la, Path(families) if families else None, family_of, local)
        (staging / REPORT_FILE).write_text(report, encoding="utf-8")
        names = [f"{name}.csv" for name in _WRITTEN_TABLES] + ([LA_FILE] if new_la else []) + [REPORT_FILE]
        written = _move(staging, out, names)
    return ImportResult(out=out, written=written, counts={n: len(f) for n, f in tables.items()}, report=report)


def _read_and_check(paths: list[Path], out: Path, families: Path | str | None):
    """Read every return and the families file; raise with every problem found in any of them.

    Each file is checked on its own against the contract when several are
    imported (so that a problem is traced to its file even if a later return
    corrects it) or when structural problems were found (so that all problems
    are listed at once). A single clean file is checked once, after merging.
    """
    returns = [read_return(p) for p in paths]
    readable = [r for r in returns if r.readable and r.census_year is not None]
    problems = [p for r in returns for p in r.problems] + _check_together(readable)
    lea = next((r.lea for r in returns if r.lea), None)
    la, new_la, la_problems = _la_settings(out, lea)
    problems += la_problems
    family_of: dict[str, str] = {}
    if families is not None:
        family_of, family_problems = read_families(families)
        problems += family_problems
    if problems or len(returns) > 1:
        code = int(lea) if lea and lea.isdigit() else 0
        for census in readable:
            problems += _check_alone(census, {"name": "check", "la_code": code})
    if problems:
        raise DataValidationError(_without_repeats(problems))
    return returns, la, new_la, family_of
