"""``la.yaml``: the authority's settings, read safely and checked against their schema.

The file is YAML, read with a loader that builds plain values only (PyYAML's
safe loader) and further refuses what an authority's settings never need:
anchors and aliases (a few lines of aliases can expand to billions of values,
the "billion laughs"), a key given twice, and YAML's own dates (a date is
read as the text written, then checked here, so ``2020-02-30`` is refused
naming its key rather than failing inside the YAML library). Each key then
has a kind:

=========================  ====================================================
``name``                   required; non-empty text (published on every page)
``la_code``                required; DfE's LA code, a whole number (``857``)
``region``                 non-empty text (published)
``statistical_neighbours`` a list of LA codes
``extract_date``           a real date written YYYY-MM-DD
``first_year``             a reporting year, ``2012-13``
``last_year``              a reporting year, ``2019-20``
``published``              each report's release date by its reporting year,
                           ``{2017-18: 2018-10-15}`` (dates after the year ends)
``status``                 the statistics' status: one of :data:`STATUSES`
``contact``                who answers questions about the report (text, published)
``revisions``              the revisions and corrections policy (text, published;
                           :data:`DEFAULT_REVISIONS` when not given)
=========================  ====================================================

The last four are what the Code of Practice for Statistics asks a release to state; the report's
About page shows them first (:func:`cpstats.present.release.release_facts`).

Any other key may hold text, numbers or lists of them. All text is one line
with no control or Unicode format character (:func:`cpstats.data.contract.text_problem`).
Every problem is a :class:`~cpstats.data.contract.Problem` naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from cpstats.data.contract import Problem, shorten, text_problem
from cpstats.data.periods import ReportingYear

__all__ = ["LA_FILE", "LA_KEYS", "STATUSES", "DEFAULT_REVISIONS", "read_la", "la_problems", "release_date"]

LA_FILE = "la.yaml"

LA_KEYS: dict[str, str] = {
    "name": "the authority's name, as every page and the PDF show it (required; text)",
    "la_code": "DfE's three-digit local authority code, e.g. 857 (required; a whole number)",
    "region": "the region, e.g. East Midlands (text)",
    "statistical_neighbours": "DfE codes of the authority's statistical neighbours, e.g. [815, 825] (a list of whole numbers)",
    "extract_date": "when the records were extracted, e.g. 2020-03-31 (a date written YYYY-MM-DD)",
    "first_year": "the first reporting year the data cover completely, e.g. 2012-13",
    "last_year": "the last reporting year the data cover completely, e.g. 2019-20",
    "published": "each report's release date by its reporting year, e.g. {2017-18: 2018-10-15} (dates written "
                 "YYYY-MM-DD, after the year ends)",
    "status": "the statistics' status: management information, official statistics or official statistics in "
              "development",
    "contact": "who answers questions about the report, e.g. Performance Team, performance@example.gov.uk (text, "
               "published)",
    "revisions": "the revisions and corrections policy, in a sentence or two (text, published, at most 500 "
                 "characters; a standard policy when not given)",
}
"""The keys of ``la.yaml`` cpstats reads, each with what it holds."""

_PUBLISHED_TEXT = ("name", "region", "contact")

STATUSES: dict[str, str] = {
    "management information": (
        "Management information: figures the authority uses to run and improve its services, published so that "
        "others can see them too. They are not official statistics; they are produced following the Code of "
        "Practice for Statistics' principles of trustworthiness, quality and value."),
    "official statistics": (
        "Official statistics, produced in line with the Code of Practice for Statistics."),
    "official statistics in development": (
        "Official statistics in development: new or changed statistics, produced in line with the Code of "
        "Practice for Statistics and published while their methods are still being developed and tested with users."),
}
"""The statuses ``status:`` may state, and what each means to a reader."""

DEFAULT_REVISIONS = (
    "Should an error be found, the report is corrected and published again as a new version, and the earlier "
    "versions are kept, with a page listing what changed in each. Figures for earlier years may differ from those "
    "published before, as records are corrected; each report gives the figures as the records stood when extracted."
)
"""The revisions and corrections policy a report states when ``revisions:`` gives none."""

REVISIONS_LENGTH = 500
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _Refused(yaml.MarkedYAMLError):
    """YAML that is well formed but not allowed in ``la.yaml``."""


class _LaLoader(yaml.SafeLoader):
    """PyYAML's safe loader without anchors, aliases, repeated keys or implicit dates."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(None, None, "uses a YAML anchor or alias (& or *); write each value out in full",
                           event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
                seen.add(key)
            except TypeError:  # a key that is a list or mapping: reported as not text below
                continue
            if repeated:
                raise _Refused(None, None, f"gives the key {shorten(key)} twice; keep one", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


# a date is the text written (checked by the schema), never a YAML timestamp
_LaLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _kind(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{'yes' if value else 'no'} (YAML reads yes, no, true, false, on and off as true or false; quote it)"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text"


def _text(la: dict, key: str, file: str, problems: list[Problem], *, published: bool) -> None:
    value = la[key]
    if not isinstance(value, str) or not value.strip():
        shown = "empty" if isinstance(value, str) or value is None else f"{_kind(value)}"
        problems.append(Problem(file, None, key, f"is {shown}; give text, e.g. {key}: Rutland" if key == "name"
                                else f"is {shown}; give text"))
        return
    _scalar_text(value, key, file, problems, published=published)


def _scalar_text(value: str, key: str, file: str, problems: list[Problem], *, published: bool) -> None:
    why = text_problem(value) if published else text_problem(value, formula=(), max_length=200)
    if why:
        problems.append(Problem(file, None, key, f"{shorten(value)} {why}"))


def _whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10_000


def la_problems(la, file: str = LA_FILE) -> list[Problem]:
    """Every way ``la`` (the value ``la.yaml`` holds) breaks the schema of the module's docstring."""
    if not isinstance(la, dict):
        return [Problem(file, None, None, f"is {_kind(la)}, not a mapping with the keys name and la_code")]
    problems: list[Problem] = []
    for key in la:
        if not isinstance(key, str):
            problems.append(Problem(file, None, str(key), f"the key {shorten(key)} is not text"))
    for key in ("name", "la_code"):
        if key not in la:
            problems.append(Problem(file, None, key, "is missing"))
    for key in _PUBLISHED_TEXT:
        if key in la:
            _text(la, key, file, problems, published=True)
    if "la_code" in la and not _whole_number(la["la_code"]):
        quoted = " written in quotes: write the number without them" if isinstance(la["la_code"], str) and la["la_code"].strip().isdigit() else ""
        problems.append(Problem(file, None, "la_code", f"{shorten(la['la_code'])} is not a DfE LA code (a whole number such as 857){quoted}"))
    neighbours = la.get("statistical_neighbours")
    if neighbours is not None and not (isinstance(neighbours, list) and all(_whole_number(n) for n in neighbours)):
        problems.append(Problem(file, None, "statistical_neighbours",
                                f"{shorten(neighbours)} is not a list of DfE LA codes, e.g. [815, 825]"))
    years = {}
    for key in ("first_year", "last_year"):
        if la.get(key) is None:
            continue
        if not isinstance(la[key], str):
            problems.append(Problem(file, None, key, f"{shorten(la[key])} is {_kind(la[key])}, not a reporting year such as 2012-13"))
            continue
        try:
            years[key] = ReportingYear.parse(la[key])
        except ValueError as exc:
            problems.append(Problem(file, None, key, str(exc)))
    if len(years) == 2 and years["first_year"] > years["last_year"]:
        problems.append(Problem(file, None, "last_year", f"{years['last_year'].label} is before first_year {years['first_year'].label}"))
    if la.get("extract_date") is not None:
        value = la["extract_date"]
        extract = _date(value)
        if extract is None:
            problems.append(Problem(file, None, "extract_date", f"{shorten(value)} is not a real date written YYYY-MM-DD"))
        elif "last_year" in years and extract < years["last_year"].end.date():
            problems.append(Problem(file, None, "last_year",
                                    f"{years['last_year'].label} ends after extract_date {extract}; a year is complete only when extracted after it ends"))
    _release_problems(la, file, problems)
    for key, value in la.items():  # every other text: one line, no control or format character
        if key in LA_KEYS or not isinstance(key, str):
            continue
        for text in _texts(value):
            _scalar_text(text, key, file, problems, published=False)
    return problems


def _release_problems(la: dict, file: str, problems: list[Problem]) -> None:
    """``published``, ``status`` and ``revisions`` (``contact`` is checked as published text)."""
    published = la.get("published")
    if "published" in la and not isinstance(published, dict):
        problems.append(Problem(file, None, "published", f"{shorten(published)} is {_kind(published)}; give each "
                                "report's release date by its reporting year, e.g. published: {2017-18: 2018-10-15}"))
    for year, day in (published.items() if isinstance(published, dict) else ()):
        try:
            reporting = ReportingYear.parse(str(year))
        except ValueError:
            problems.append(Problem(file, None, "published", f"{shorten(year)} is not a reporting year such as 2017-18"))
            continue
        date = _date(day)
        if date is None:
            problems.append(Problem(file, None, f"published.{reporting.label}", f"{shorten(day)} is not a real date written YYYY-MM-DD"))
        elif date <= reporting.end.date():
            problems.append(Problem(file, None, f"published.{reporting.label}",
                                    f"{date} is not after the year ends ({reporting.end.date()}); a report is released after its year"))
    if "status" in la:
        status = la["status"]
        if not isinstance(status, str) or " ".join(status.lower().split()) not in STATUSES:
            problems.append(Problem(file, None, "status", f"{shorten(status)} is not a status; give one of: "
                                    + ", ".join(STATUSES)))
    if "revisions" in la:
        revisions = la["revisions"]
        if not isinstance(revisions, str) or not revisions.strip():
            problems.append(Problem(file, None, "revisions", f"is {_kind(revisions) if revisions is not None else 'empty'}; "
                                    "give the policy as text"))
        elif why := text_problem(revisions, max_length=REVISIONS_LENGTH):
            problems.append(Problem(file, None, "revisions", f"{shorten(revisions)} {why}"))


def release_date(la: dict, year: ReportingYear) -> dt.date | None:
    """The release date ``published:`` gives the report of ``year``, or ``None``."""
    published = la.get("published") or {}
    return _date(published.get(year.label)) if isinstance(published, dict) else None


def _texts(value):
    if isinstance(value, dict):
        for child in value.values():
            yield from _texts(child)
    elif isinstance(value, list):
        for child in value:
            yield from _texts(child)
    elif isinstance(value, str):
        yield value


def _date(value) -> dt.date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def read_la(path: Path, problems: list[Problem], file: str = LA_FILE) -> dict:
    """The settings of ``la.yaml`` at ``path``; every problem is appended to ``problems`` (and ``{}`` returned).

    The caller makes sure ``path`` is a regular file before calling (a named
    pipe would block the read).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(file, None, None, f"is not UTF-8 text (byte {exc.start + 1})"))
        return {}
    try:
        la = yaml.load(text, Loader=_LaLoader)  # noqa: S506 - a safe loader, stricter still
    except _Refused as exc:
        problems.append(Problem(file, None, None, f"line {exc.problem_mark.line + 1}: {exc.problem}"))
        return {}
    except yaml.YAMLError as exc:
        problems.append(Problem(file, None, None, f"is not readable YAML: {shorten(' '.join(str(exc).split()), 200)}"))
        return {}
    found = la_problems({} if la is None else la, file)
    if found:
        problems.extend(found)
        return {}
    return la
