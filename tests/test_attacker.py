"""The attacker: reads what a public site publishes and tries to work out the counts of people it withholds.

A draft and then a public build of tiny authorities (a few families of the
sample; see :mod:`tests.tiny_authority`) go into one project, for two years.
The attacker knows the true figures (the measures of the data) only to judge
success; it reads every published file and tries, for each count of people
from 1 to the threshold:

* to find it as a number: in every ``figures.json`` and ``revisions.json`` of the
  site (older versions included), and in every table of every page, CSV and
  XLSX download, and every indicator of the open data;
* to work it out: totals minus parts, rates times the population, percentages
  times their denominators, the funnel from conference to plan, the project's
  local measure (children under 5) beside the age bands and the flow of plans
  from one year to the next, knowing that every ``[c]`` is at least 1 (zeros
  are shown), by integer programming over everything published (a count is
  recovered when a single whole number is left possible).

The relations it uses are its own, written from the measures' definitions,
not taken from the library.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sample_builds import copy_project, csv_rows, html_tables, published_text, xlsx_cells
from tests.tiny_authority import PROJECT_ROOT, write_tiny

THRESHOLD = 5
YEARS = ("2016-17", "2017-18")

PEOPLE = re.compile(
    r"^(referrals|s47_enquiries|icpc_requests|icpcs|children_on_plan_at_31_march|plan_starts|plan_ends|"
    r"children_with_plan_during_year|families_with_plan_during_year|unborn_at_plan_start|"
    r"on_plan_2_years_or_more_at_31_march|icpc_threshold_not_met|children_with_advocate|marac_victims|"
    r"marac_children|marac_repeat_victims|feedback_forms|"
    r"(category_during_year|initial_category_of_starts|latest_category_at_31_march|ended_plans_by_duration|"
    r"icpc_working_days_bands|age_bands|sex|disability|ethnicity\.by_group|ethnicity\.by_code|"
    r"children_invited_to_conferences)\.[^.]+|feedback_by_respondent\.[^.]+\.forms)$")
"""Figures that count people (children, families, victims, people returning a form)."""

BREAKDOWNS = {
    "category_during_year": "children_with_plan_during_year",
    "age_bands": "children_with_plan_during_year",
    "sex": "children_with_plan_during_year",
    "disability": "children_with_plan_during_year",
    "ethnicity.by_group": "children_with_plan_during_year",
    "ethnicity.by_code": "children_with_plan_during_year",
    "initial_category_of_starts": "plan_starts",
    "latest_category_at_31_march": "children_on_plan_at_31_march",
    "ended_plans_by_duration": "plan_ends",
    "icpc_working_days_bands": "icpcs",
}
"""A breakdown's parts and the figure they add up to (where they do, in the data)."""

RATES = {"cpp_rate_per_10000_at_31_march": "children_on_plan_at_31_march", "plan_start_rate_per_10000": "plan_starts"}
SHARES = {"ended_plans_2_years_or_more_pct": ("ended_plans_by_duration.2_years_or_more", "plan_ends")}


def truth(data: Path, year: str) -> dict:
    """The true flat figures of a year, straight from the measures (internal, nothing withheld)."""
    from cpstats.data.dataset import load_dataset
    from cpstats.figures.figures import flatten, year_values
    from cpstats.data.periods import ReportingYear

    from cpstats.figures.local import find_local_measures

    values, _ = year_values(load_dataset(data), ReportingYear.parse(year), PROJECT_ROOT / "data" / "reference",
                            find_local_measures(PROJECT_ROOT / "measures"))
    return flatten(values)


def small_people(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if PEOPLE.match(k) and isinstance(v, int) and 1 <= v <= THRESHOLD}


def recovered(published: dict[str, dict], true: dict[str, dict]) -> list[str]:
    """The small counts of people a reader can work out from published figures of every year (one name each)."""
    from scipy.optimize import linprog

    variables, bounds, rows, constants, upper_rows, upper_constants = [], [], [], [], [], []

    def var(year: str, name: str):
        """A published figure as a number, or a variable (withheld); ``None`` when not published at all."""
        value = published[year].get(name)
        if value == "[c]":
            key = (year, name)
            if key not in variables:
                variables.append(key)
                bounds.append((1, None))  # zeros are shown: every [c] is at least 1
            return key
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def equation(terms: list[tuple[object, float]]) -> None:
        if any(t is None for t, _ in terms) or not any(isinstance(t, tuple) for t, _ in terms):
            return
        row, constant = {}, 0.0
        for term, coefficient in terms:
            if isinstance(term, tuple):
                row[term] = row.get(term, 0) + coefficient
            else:
                constant -= coefficient * term
        rows.append(row)
        constants.append(constant)

    def between(term, low: float, high: float) -> None:
        if isinstance(term, tuple):
            upper_rows.append({term: 1.0})
            upper_constants.append(high)
            upper_rows.append({term: -1.0})
            upper_constants.append(-low)

    years = sorted(published)
    for year in years:
        t = true[year]
        for prefix, total in BREAKDOWNS.items():
            parts = [k for k in t if k.startswith(prefix + ".") and k.count(".") == prefix.count(".") + 1]
            if parts and all(isinstance(t[p], int) for p in parts) and sum(t[p] for p in parts) == t.get(total):
                equation([(var(year, total), -1.0)] + [(var(year, p), 1.0) for p in parts])
        population = published[year].get("population")
        for rate, count in RATES.items():
            r = published[year].get(rate)
            if isinstance(r, (int, float)) and isinstance(population, int):
                between(var(year, count), (r - 0.05) * population / 10000, (r + 0.05) * population / 10000)
        for share, (part, whole) in SHARES.items():
            p, w = published[year].get(share), var(year, whole)
            if isinstance(p, (int, float)) and isinstance(w, (int, float)):
                between(var(year, part), (p - 0.05) * w / 100, (p + 0.05) * w / 100)
        # the funnel from an initial conference to a plan (transfers in start plans without one)
        funnel = [t.get(n) for n in ("icpcs", "icpc_threshold_not_met", "plan_starts", "conferences_held.TRANSFER_IN")]
        if all(isinstance(n, int) for n in funnel[:3]) and funnel[0] - funnel[1] - funnel[2] == 0:
            equation([(var(year, "icpcs"), 1.0), (var(year, "icpc_threshold_not_met"), -1.0),
                      (var(year, "plan_starts"), -1.0)])
        if all(isinstance(n, int) for n in funnel) and funnel[0] - funnel[1] - funnel[2] + funnel[3] == 0:
            equation([(var(year, "icpcs"), 1.0), (var(year, "icpc_threshold_not_met"), -1.0),
                      (var(year, "plan_starts"), -1.0), (var(year, "conferences_held.TRANSFER_IN"), 1.0)])
        # the project's local measure: children under 5 are the first three age bands
        under = [t.get(n) for n in ("under_5s", "age_bands.unborn", "age_bands.under_1", "age_bands.1_to_4")]
        if all(isinstance(n, int) for n in under) and under[0] == sum(under[1:]):
            equation([(var(year, "under_5s"), -1.0), (var(year, "age_bands.unborn"), 1.0),
                      (var(year, "age_bands.under_1"), 1.0), (var(year, "age_bands.1_to_4"), 1.0)])
    for before, after in zip(years, years[1:]):
        flow = [true[before].get("children_on_plan_at_31_march"), true[after].get("plan_starts"),
                true[after].get("plan_ends"), true[after].get("children_on_plan_at_31_march")]
        if all(isinstance(n, int) for n in flow) and flow[0] + flow[1] - flow[2] == flow[3]:
            equation([(var(before, "children_on_plan_at_31_march"), 1.0), (var(after, "plan_starts"), 1.0),
                      (var(after, "plan_ends"), -1.0), (var(after, "children_on_plan_at_31_march"), -1.0)])
    found = []
    if not variables:
        return found
    index = {v: i for i, v in enumerate(variables)}

    def matrix(source):
        return [[r.get(v, 0.0) for v in variables] for r in source] or None

    for key in variables:
        year, name = key
        if name not in small_people(true[year]):
            continue
        objective = [0.0] * len(variables)
        objective[index[key]] = 1.0
        ranges = []
        for sign in (1.0, -1.0):
            result = linprog([sign * c for c in objective], A_eq=matrix(rows), b_eq=constants or None,
                             A_ub=matrix(upper_rows), b_ub=upper_constants or None, bounds=bounds, method="highs",
                             integrality=[1] * len(variables))
            ranges.append(sign * result.fun if result.status == 0 else None)
        low, high = ranges
        if low is not None and high is not None and math.floor(high + 1e-6) == math.ceil(low - 1e-6):
            found.append(f"{year} {name} = {true[year][name]} worked out (between {low:.2f} and {high:.2f})")
    return found


def numbers_shown(site: Path, true: dict[str, dict]) -> list[str]:
    """Small counts of people published as numbers: in figures and revisions, and in table cells by their labels."""
    found = []
    for path in sorted(site.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        if "\x00" in text or "\\u0000" in text:
            found.append(f"{path.relative_to(site)}: an internal key")
        data = json.loads(text)
        if path.name == "figures.json":
            year = path.parent.name if re.match(r"^\d{4}-\d{2}$", path.parent.name) else path.parents[2].name
            for name, value in data.items():
                if name in small_people(true.get(year, {})) and value != "[c]":
                    found.append(f"{path.relative_to(site)}: {name} = {value}")
        if path.name == "revisions.json":
            for revision in data if isinstance(data, list) else data.get("revisions", []):
                for change in revision.get("changes", []):
                    for side in ("published", "now"):
                        value = change.get(side)
                        if isinstance(value, int) and 1 <= value <= THRESHOLD and PEOPLE.match(change.get("figure", "")):
                            found.append(f"{path.relative_to(site)}: {change['figure']} {side} {value}")
    return found


def table_cells(site: Path) -> list[tuple[str, str, str, object]]:
    """Every table cell the site publishes: (file, row label, column heading, cell)."""
    cells = []
    for page in sorted(site.rglob("*.html")):
        for table in html_tables(page.read_text(encoding="utf-8")):
            header, *rows = table
            cells += [(page.name, row[0], column, cell) for row in rows for column, cell in zip(header[1:], row[1:])]
    for path in sorted(site.rglob("*.csv")):
        header, *rows = csv_rows(path)
        if path.parent.name == "open-data":  # tidy open data: its metadata says which columns are figures
            if path.name.endswith(".meta.csv"):
                continue
            meta = csv_rows(path.with_name(path.name.removesuffix(".csv") + ".meta.csv"))
            filters = [r[0] for r in meta[1:] if r[1] == "Filter"]
            indicators = {r[0] for r in meta[1:] if r[1] == "Indicator"}
            for row in rows:
                cell = dict(zip(header, row))
                label = " ".join([cell["geographic_level"], cell["old_la_code"], *(cell[f] for f in filters)])
                cells += [(path.name, label, column, cell[column]) for column in header if column in indicators]
            continue
        cells += [(path.name, row[0], column, cell) for row in rows for column, cell in zip(header[1:], row[1:])]
    return cells


NOT_PEOPLE_COLUMNS = {"Held", "Invited", "Attended", "Reports submitted", "Case audits", "Target",
                      # the open data's columns of conferences and reports
                      "invited", "attended", "reports_submitted", "conferences_initial", "conferences_review",
                      "conferences_transfer_in", "conferences_total", "conferences_with_domestic_abuse"}
"""Column headings whose whole numbers count no people: conferences held, agencies' attendance, audits, the target."""
NOT_PEOPLE_ROWS = re.compile(r"conferences$|^All conferences$|^Conferences with domestic abuse", re.IGNORECASE)
"""Row labels whose whole numbers count conferences, not people."""


def small_cells_of_people(site: Path) -> list:
    """Cells holding a whole number from 1 to the threshold that count people (not conferences, audits, months)."""
    found = []
    for name, row, column, cell in table_cells(site):
        text = str(cell).strip()
        if not re.fullmatch(r"\d+", text) or not 1 <= int(text) <= THRESHOLD:
            continue
        if column in NOT_PEOPLE_COLUMNS or NOT_PEOPLE_ROWS.search(str(row)):
            continue
        found.append((name, row, column, text))
    return found


# ----------------------------------------------------------------- the builds


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory):
    """A draft and then the public builds of a tiny authority, two years, into one project."""
    from cpstats.publish.build import build_report

    project = copy_project(PROJECT_ROOT, tmp_path_factory.mktemp("attacker") / "project")
    data = write_tiny(project / "data" / "tiny", share=0.12, seed=6)  # 7 children on a plan each year
    # a draft first (as an analyst would), then the public reports of both years, into the same project
    for disclosure, year in (("internal", YEARS[-1]), ("public", YEARS[0]), ("public", YEARS[-1])):
        build_report("tiny", year, data_root=project / "data", out_root=project / "_site",
                     build_root=project / "_build", renderer="builtin", project_dir=project,
                     disclosure=disclosure, jobs=2)
    return project / "_site", {year: truth(data, year) for year in YEARS}


def _published(site: Path) -> dict[str, dict]:
    return {year: json.loads((site / "tiny" / year / "figures.json").read_text(encoding="utf-8")) for year in YEARS}


def test_the_tiny_authority_has_small_counts_to_protect(tiny_site):
    """The test means something: each year has counts of people from 1 to 5."""
    _, true = tiny_site
    assert all(len(small_people(true[year])) >= 5 for year in YEARS)


def test_no_small_count_of_people_is_published_as_a_number(tiny_site):
    site, true = tiny_site
    assert numbers_shown(site, true) == []
    assert small_cells_of_people(site) == []


def test_no_small_count_of_people_can_be_worked_out(tiny_site):
    site, true = tiny_site
    assert recovered(_published(site), true) == []


def test_nothing_published_carries_an_internal_value(tiny_site):
    """No internal sentinel, no "nan" and no "None" in any published file's text."""
    site, _ = tiny_site
    bad = []
    for path in sorted(p for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".csv", ".svg")):
        text = published_text(path)
        for token in ("\x00", "\\u0000"):
            if token in text:
                bad.append((path.relative_to(site).as_posix(), repr(token)))
        # a value printed as Python writes it ("None of them" is English)
        bad += [(path.relative_to(site).as_posix(), m.group(0)) for m in re.finditer(r"\bnan\b|\bNone\b(?! of\b)", text)]
    assert bad == []


# ----------------------------------------------------------------- many tiny authorities, figures only


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.03, 0.06, 0.12, 0.25]))
def test_generated_tiny_authorities_keep_their_small_counts(tmp_path_factory, seed, share):
    """For generated authorities (a few children to a few dozen), the public figures of two years give nothing back.

    Where no suppression can protect a year (what the year before published pins it), the build refuses
    (:class:`~cpstats.figures.figures.DisclosureError`, publishing nothing: see
    ``test_a_year_no_suppression_can_protect_is_refused_and_nothing_is_published``); such an example is
    rejected here, so the property is checked on the years that are published.
    """
    from hypothesis import event, reject

    from cpstats.data.dataset import load_dataset
    from cpstats.figures.disclosure import Policy
    from cpstats.figures.figures import DisclosureError, report_figures

    data = write_tiny(tmp_path_factory.mktemp("tiny") / "data", share=share, seed=seed)
    dataset = load_dataset(data)
    try:
        figures = report_figures(dataset, YEARS[-1], PROJECT_ROOT / "data" / "reference", Policy("public"),
                                 measures_dir=PROJECT_ROOT / "measures")
    except DisclosureError as refused:
        assert "can be worked out from the published figures" in str(refused)
        event("refused: no suppression protects the year")  # counted in the statistics (pytest --hypothesis-show-statistics)
        reject()
    published = {year: {k: ("[c]" if str(v) == "[c]" else v) for k, v in figures.flat[year].items()} for year in YEARS}
    true = {year: truth(data, year) for year in YEARS}
    assert recovered(published, true) == []
    assert [(year, name) for year in YEARS for name in small_people(true[year]) if published[year][name] != "[c]"] == []


def test_a_year_no_suppression_can_protect_is_refused_and_nothing_is_published(tmp_path):
    """A tiny authority whose 2017-18 cannot be protected: 2016-17 published 9 children on a plan during the year
    and 5 plans ended ("fewer than 6"), so 2017-18's children at the start are at least 4; with 6 plans started ([c], and not "fewer than 6") at
    least 10 children had a plan in 2017-18, and with 5 on a plan at 31 March and 5 plans ended (each "fewer
    than 6") at most 10: both small counts would be known exactly, and every figure beside them is withheld
    or a zero. The public build stops with one line naming the year and the figure, and publishes nothing."""
    import subprocess
    import sys

    project = copy_project(PROJECT_ROOT, tmp_path / "project")
    write_tiny(project / "data" / "tiny", share=0.25, seed=1156)

    def build(year: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cpstats", "build", "--la", "tiny", "--year", year,
                               "--disclosure", "public", "--renderer", "builtin", "--data-root", project / "data",
                               "--out", project / "_site", "--build-dir", project / "_build"],
                              cwd=project, capture_output=True, text=True, timeout=600)

    assert build(YEARS[0]).returncode == 0  # 2016-17 can be published
    before = sorted(p.relative_to(project).as_posix() for p in (project / "_site").rglob("*"))
    refused = build(YEARS[-1])
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "Traceback" not in refused.stderr
    lines = [line for line in refused.stderr.splitlines() if "can be worked out" in line]
    assert len(lines) == 1 and "2017-18" in lines[0] and "children_with_plan_during_year" in lines[0], refused.stderr
    assert sorted(p.relative_to(project).as_posix() for p in (project / "_site").rglob("*")) == before
    assert not (project / "_site" / "tiny" / YEARS[-1]).exists()
