"""The published site over the years: figures, back-tests, versions, revisions and the index.

Each published report, ``_site/<la>/<year>/``, keeps the figures it was built
from in ``figures.json``: every measure and local measure of the year
(:func:`report_figures`), flattened to ``name.key`` entries. The next build of
the same report is **back-tested** against them (:func:`backtest`): every
figure whose value changed is listed, printed by the build and written to
``_build/<la>/<year>/backtest.csv``.

Whenever anything the report publishes changed (its figures, the data's
fingerprint, or a section's text, tables, charts or commentary, each kept in
the manifest as a SHA-256 per section and kind, :func:`section_contents`), the
report published until then is kept, whole, under
``_site/<la>/<year>/versions/<n>/`` and ``revisions.html`` says in the
report's words what changed in each version ("Commentary changed in: 8.
Number of children ...", "Figures changed: Referrals"; :func:`what_changed`).
A rebuild that publishes the same (say, after a change in a comment of the
code) replaces the report in place and keeps no new version.

Every report states its version (:func:`provenance`): the reporting year,
the cpstats version, the git commit (and whether the notebooks, commentary,
measures or code had uncommitted changes), the fingerprint of the data, and a
build date taken from the data, never the clock (:func:`data_date`), or from
``SOURCE_DATE_EPOCH`` when set.

``_site/index.html`` (:func:`site_index_page`) lists every authority and
year, newest year first, with links to each report's pages and PDF.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from cpstats.data.periods import ReportingYear
from cpstats.publish.statement import ACCESSIBILITY_PAGE

__all__ = [
    "FIGURES_FILE",
    "REVISIONS_FILE",
    "VERSIONS_FOLDER",
    "DRAFT_VERSIONS_KEPT",
    "Change",
    "Published",
    "plain_figures",
    "backtest",
    "write_backtest",
    "format_backtest",
    "read_published",
    "data_date",
    "build_date",
    "provenance",
    "provenance_markdown",
    "keep_versions",
    "section_contents",
    "what_changed",
    "revisions_page",
    "site_index_page",
    "authorities",
]

FIGURES_FILE = "figures.json"
REVISIONS_FILE = "revisions.json"
REVISIONS_PAGE = "revisions.html"
VERSIONS_FOLDER = "versions"
DRAFT_VERSIONS_KEPT = 3
"""Versions an internal draft keeps, itself included: the current draft and the two before it (under
``versions/``); older drafts are dropped as a new one is published. A public report keeps every version."""
_EVENT_COLUMNS = {
    "referrals": ("referral_date", "closure_date"),
    "s47_enquiries": ("strategy_discussion_date", "s47_start_date", "icpc_date"),
    "cp_plans": ("start_date", "end_date"),
    "cp_reviews": ("review_date",),
    "conferences": ("date",),
    "case_audits": ("audit_date",),
    "marac": ("referral_date",),
}
"""Dates of things that happened; dates of birth and expected dates of birth are not events."""


# ----------------------------------------------------------------- figures and back-test


def _plain(value):
    """A figure as JSON keeps it: numpy numbers as Python ones, NaN as ``None``."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def plain_figures(figures: dict) -> dict:
    """Flat figures (``name.key``) with plain Python values, as ``figures.json`` holds them."""
    return {name: _plain(value) for name, value in figures.items()}


@dataclass(frozen=True)
class Change:
    """One figure that differs from the last published version (``None``: not there)."""

    figure: str
    published: object
    now: object


def backtest(published: Mapping[str, object] | None, now: Mapping[str, object]) -> list[Change]:
    """Every figure whose value is not the one last published, in the order of ``now``.

    >>> backtest({"a": 1, "b": 2, "gone": 3}, {"a": 1, "b": 5, "new": 0})
    [Change(figure='b', published=2, now=5), Change(figure='new', published=None, now=0), Change(figure='gone', published=3, now=None)]
    >>> backtest(None, {"a": 1})
    []
    """
    if published is None:
        return []
    changes = [Change(name, published.get(name), value) for name, value in now.items()
               if name not in published or published[name] != value]
    changes += [Change(name, value, None) for name, value in published.items() if name not in now]
    return changes


def write_backtest(changes: Sequence[Change], path: Path) -> Path:
    """``backtest.csv``: columns ``figure``, ``published``, ``now`` (blank: not there)."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["figure", "published", "now"])
        writer.writerows([c.figure, "" if c.published is None else c.published, "" if c.now is None else c.now]
                         for c in changes)
    return path


def format_backtest(label: str, changes: Sequence[Change], first: bool) -> str:
    """The back-test as the build prints it.

    >>> print(format_backtest("sample 2017-18", [Change("referrals", 305, 306)], first=False))
    back-test sample 2017-18: 1 figure changed since the last published version
      referrals: 305 -> 306
    """
    if first:
        return f"back-test {label}: first publication, nothing to compare"
    if not changes:
        return f"back-test {label}: no figure changed since the last published version"
    lines = [f"back-test {label}: {len(changes)} figure{'s' if len(changes) != 1 else ''} changed since the last published version"]
    lines += [f"  {c.figure}: {_shown(c.published)} -> {_shown(c.now)}" for c in changes]
    return "\n".join(lines)


def _shown(value) -> str:
    return "(none)" if value is None else str(value)


@dataclass(frozen=True)
class Published:
    """What is published now for one report: its figures, version number, revisions and what it shows."""

    figures: dict | None
    version: int
    revisions: list
    contents: dict | None = None
    provenance: dict | None = None
    renderer: str | None = None
    """The renderer that laid the published version out (``builtin`` or ``quarto``), as its manifest says."""


def read_published(target: Path) -> Published | None:
    """The report published at ``target`` (``_site/<la>/<year>``), or ``None`` if there is none."""
    target = Path(target)
    if not (target / FIGURES_FILE).is_file():
        return None
    figures = json.loads((target / FIGURES_FILE).read_text(encoding="utf-8"))
    manifest = target / "manifest.json"
    version, contents, about, renderer = 1, None, None, None
    if manifest.is_file():
        found = json.loads(manifest.read_text(encoding="utf-8"))
        version, contents, about = int(found.get("version", 1)), found.get("contents"), found.get("provenance")
        renderer = found.get("renderer") if found.get("renderer") in ("builtin", "quarto") else None
    revisions_file = target / REVISIONS_FILE
    revisions = json.loads(revisions_file.read_text(encoding="utf-8")) if revisions_file.is_file() else []
    return Published(figures, version, revisions, contents, about, renderer)


# ----------------------------------------------------------------- what a report shows, and what changed

CONTENT_KINDS = ("text", "tables", "charts", "commentary")
KIND_WORDS = {
    "figures": "Figures changed",
    "data": "Data changed",
    "text": "Text changed in",
    "tables": "Tables changed in",
    "charts": "Charts changed in",
    "commentary": "Commentary changed in",
}
"""How the revisions page names each kind of change."""
FRONT_PAGE = "Front page"


def _kind_of_output(output: Mapping) -> str | None:
    """Which kind of published content a notebook output is: ``None`` for what a reader never sees."""
    from cpstats.present.tables import TABLE_MIME

    data = output.get("data", {})
    if TABLE_MIME in data:
        return "tables"
    if output.get("metadata", {}).get("cpstats", {}).get("commentary"):
        return "commentary"
    if any(key.startswith("image/") for key in data):
        return "charts"
    markdown = data.get("text/markdown")
    if markdown is None:
        return None  # printed text, warnings: not published
    return "charts" if "](data:image/" in "".join(markdown) else "text"


def section_contents(notebooks: Sequence[Path], front_page: Path | None = None) -> dict[str, dict[str, str]]:
    """What each executed section shows, as one SHA-256 per kind (text, tables, charts, commentary), with its title.

    Markdown cells and sentences are text; papermill's injected parameters (which name folders) are left out.
    The front page (``index.qmd``) is text too.
    """
    import hashlib

    import nbformat

    from cpstats.publish.downloads import _title

    out: dict[str, dict[str, str]] = {}
    if front_page is not None and Path(front_page).is_file():
        out[Path(front_page).name] = {"title": FRONT_PAGE,
                                      "text": hashlib.sha256(Path(front_page).read_bytes()).hexdigest()}
    for path in map(Path, notebooks):
        notebook = nbformat.read(path, as_version=4)
        parts: dict[str, list] = {kind: [] for kind in CONTENT_KINDS}
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                parts["text"].append(cell.source)
            for output in cell.get("outputs", []):
                kind = _kind_of_output(output)
                if kind is not None:  # what is shown, not an object's plain-text repr
                    parts[kind].append({k: v for k, v in output.get("data", {}).items() if k != "text/plain"})
        out[path.stem] = {"title": _title(notebook.cells) or path.stem,
                          **{kind: hashlib.sha256(json.dumps(parts[kind], sort_keys=True, default=str).encode()).hexdigest()
                             for kind in CONTENT_KINDS}}
    return out


def what_changed(published: Published | None, contents: Mapping[str, Mapping[str, str]], fingerprint: str,
                 figures: Sequence[Change]) -> list[dict]:
    """The kinds of change since the published version: figures, data, and per kind the sections' titles.

    A kind the published version did not record (a report published before they were kept) counts as unchanged.

    >>> before = Published({}, 1, [], {"08_numbers": {"title": "8. Numbers", "text": "a", "commentary": "b"}},
    ...                    {"data_fingerprint": "f"})
    >>> what_changed(before, {"08_numbers": {"title": "8. Numbers", "text": "a", "commentary": "c"}}, "f", [])
    [{'kind': 'commentary', 'sections': ['8. Numbers']}]
    """
    if published is None:
        return []
    found: list[dict] = []
    if figures:
        found.append({"kind": "figures"})
    was = (published.provenance or {}).get("data_fingerprint")
    if was is not None and was != fingerprint:
        found.append({"kind": "data"})
    before = published.contents or {}

    def differs(name: str, kind: str) -> bool:
        if not before or kind not in contents[name]:
            return False  # nothing recorded to compare with
        if name not in before:
            return True  # a new section
        return kind in before[name] and before[name][kind] != contents[name][kind]

    for kind in CONTENT_KINDS:
        sections = [now["title"] for name, now in contents.items() if differs(name, kind)]
        sections += [old["title"] for name, old in before.items() if name not in contents and kind in old]
        if sections:
            found.append({"kind": kind, "sections": sections})
    return found


# ----------------------------------------------------------------- the version of a report


def data_date(ds) -> dt.date | None:
    """The build date the data give: the 31 March ending the reporting year of the latest event.

    Events are referrals, enquiries, plans, reviews, conferences, audits and
    MARAC referrals (dates of birth are not). Taking the end of that reporting
    year caps a stray future date and keeps the date a report prints a
    reporting-year boundary, never a day that could be a child's.
    """
    import pandas as pd

    latest = None
    for table, columns in _EVENT_COLUMNS.items():
        frame = getattr(ds, table, None)
        if frame is None or frame.empty:
            continue
        for column in columns:
            value = frame[column].max()
            if pd.notna(value) and (latest is None or value > latest):
                latest = value
    if latest is None:
        return None
    first = latest.year if latest.month >= 4 else latest.year - 1
    return ReportingYear(first).end.date()


def build_date(ds, environ: Mapping[str, str] | None = None) -> tuple[dt.date | None, str]:
    """The date a report states and where it comes from: ``SOURCE_DATE_EPOCH``, else the data.

    >>> build_date(None, {"SOURCE_DATE_EPOCH": "1521936000"})
    (datetime.date(2018, 3, 25), 'SOURCE_DATE_EPOCH')
    """
    epoch = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date(), "SOURCE_DATE_EPOCH"
    return data_date(ds), "the latest reporting year in the data"


def provenance(*, year: str, version: int, cpstats_version: str, commit: str | None, fingerprint: str,
               date: dt.date | None, date_source: str, dirty: bool = False) -> dict:
    """The version of one report as its pages, PDF and manifest state it (``dirty``: uncommitted changes)."""
    return {
        "version": version, "year": year, "cpstats_version": cpstats_version, "git_commit": commit,
        "git_dirty": bool(commit and dirty), "data_fingerprint": fingerprint,
        "build_date": date.isoformat() if date else None, "build_date_source": date_source,
    }


def provenance_markdown(info: Mapping, revisions: bool = False, kept: int | None = None) -> str:
    """The "For those who audit this report" block that ends the About page (HTML and PDF): the build's provenance;
    with ``kept`` (a draft's :data:`DRAFT_VERSIONS_KEPT`), a line saying how many versions it keeps.

    >>> print(provenance_markdown({"version": 2, "year": "2017-18", "cpstats_version": "0.1.0",
    ...     "git_commit": "0123456789abcdef0123456789abcdef01234567", "data_fingerprint": "ab" * 32,
    ...     "build_date": "2020-03-31", "build_date_source": "the data"}))
    ## For those who audit this report {.unnumbered}
    <BLANKLINE>
    What this version of the report was built from, so that it can be rebuilt and checked.
    <BLANKLINE>
    - Version: 2
    - Reporting year: 2017-18
    - cpstats: 0.1.0
    - Git commit: 0123456789ab
    - Data fingerprint (SHA-256): abababababababab
    - Date stamped in the files: 31 March 2020 (from the data), fixed so that a rebuild gives the same bytes
    <BLANKLINE>
    """
    import pandas as pd

    from cpstats.present.numbers import date_phrase

    date = info.get("build_date")
    shown = f"{date_phrase(pd.Timestamp(date))} (from {info.get('build_date_source')})" if date else "not known"
    commit = info.get("git_commit")
    if commit:
        commit = commit[:12] + (" with uncommitted changes" if info.get("git_dirty") else "")
    lines = [
        "## For those who audit this report {.unnumbered}", "",
        "What this version of the report was built from, so that it can be rebuilt and checked.", "",
        f"- Version: {info['version']}",
        f"- Reporting year: {info['year']}",
        f"- cpstats: {info['cpstats_version']}",
        f"- Git commit: {commit or 'not in git'}",
        f"- Data fingerprint (SHA-256): {info['data_fingerprint'][:16]}",
        f"- Date stamped in the files: {shown}, fixed so that a rebuild gives the same bytes",
    ]
    if revisions:
        lines.append(f"- Earlier versions and what changed: [revisions]({REVISIONS_PAGE})")
    if kept is not None:
        lines.append(f"- Versions kept: the latest {kept} (a draft keeps itself and the {kept - 1} versions before "
                     "it; a public report keeps every version)")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- versions and revisions


def keep_versions(target: Path, staging: Path, published: Published | None, archive: bool,
                  kept: int | None = None) -> list[int]:
    """Carry the earlier versions into the new report; with ``archive``, the current one too.

    Only the new report (``staging``) is written: the one published at ``target`` is read, never changed, so a
    build that fails after this leaves it whole.

    Parameters
    ----------
    target : Path
        The report as published now (``_site/<la>/<year>``).
    staging : Path
        The new report, being written beside it before the swap.
    published : Published or None
        What :func:`read_published` found at ``target``.
    archive : bool
        Keep the report published now as ``versions/<its version>/``.
    kept : int, optional
        How many versions the new report keeps, itself included (:data:`DRAFT_VERSIONS_KEPT` for a draft): only
        the newest ``kept - 1`` earlier versions are carried. ``None`` (a public report) carries every one.

    Returns
    -------
    list of int
        The earlier versions the new report holds under ``versions/``, oldest first.
    """
    target, staging = Path(target), Path(staging)
    folder = target / VERSIONS_FOLDER
    earlier = {int(p.name): p for p in folder.iterdir() if p.is_dir() and p.name.isdigit()} if folder.is_dir() else {}
    if archive and published is not None:
        earlier[published.version] = target
    numbers = sorted(earlier)
    if kept is not None:
        numbers = numbers[max(0, len(numbers) - (kept - 1)):] if kept > 1 else []
    for number in numbers:
        source = earlier[number]
        shutil.copytree(source, staging / VERSIONS_FOLDER / str(number), dirs_exist_ok=True,
                        ignore=lambda where, names: [VERSIONS_FOLDER] if Path(where) == target else [])
    return numbers


def _head(lang: str, title: str, stylesheet: str | None = None) -> str:
    """The start of a page: language, the Content-Security-Policy every page states, title and stylesheet."""
    from cpstats.publish.render import CONTENT_SECURITY_POLICY

    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CONTENT_SECURITY_POLICY)}">\n'
        '<link rel="icon" href="data:,">\n'  # no icon: the browser asks for no /favicon.ico
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        + (f'<link rel="stylesheet" href="{html.escape(stylesheet)}">\n' if stylesheet else "")
        + "</head>\n<body>\n"
    )


def _draft_banner(draft: bool) -> str:
    from cpstats.publish.render import DRAFT_MARK

    return f'<p class="draft-banner" role="note"><strong>{html.escape(DRAFT_MARK)}</strong></p>\n' if draft else ""


def _figure_words(change: Mapping) -> str:
    from cpstats.present.labels import figure_label

    return change.get("label") or figure_label(change["figure"])


def revision_lines(revision: Mapping) -> list[str]:
    """What changed in one version, a line per kind, in the report's words.

    >>> revision_lines({"changes": [{"figure": "referrals", "published": 305, "now": 304}],
    ...                 "what": [{"kind": "figures"}, {"kind": "commentary", "sections": ["8. Numbers"]}]})
    ['Figures changed: Referrals', 'Commentary changed in: 8. Numbers']
    """
    what = revision.get("what") or ([{"kind": "figures"}] if revision.get("changes") else [])
    lines = []
    for item in what:
        words = KIND_WORDS.get(item["kind"], item["kind"])
        if item["kind"] == "figures":
            names = [_figure_words(c) for c in revision.get("changes", [])]
            shown = "; ".join(names[:8]) + (f"; and {len(names) - 8} more (listed below)" if len(names) > 8 else "")
            lines.append(f"{words}: {shown}")
        elif item["kind"] == "data":
            lines.append(f"{words}: the data the report is computed from are not those of the version before "
                         "(a new data fingerprint)")
        else:
            lines.append(f"{words}: {'; '.join(item.get('sections', []))}")
    return lines


def revisions_page(revisions: Sequence[Mapping], title: str, subtitle: str, lang: str = "en-GB",
                   draft: bool = False, kept: Sequence[int] | None = None) -> str:
    """``revisions.html``: each version after the first, newest first, with what changed in the report's words.

    Each links the version it replaces, when ``kept`` (the versions the report holds; every one by default)
    holds it."""
    import pandas as pd

    from cpstats.present.numbers import date_phrase

    parts = []
    for revision in sorted(revisions, key=lambda r: r["version"], reverse=True):
        date = revision.get("build_date")
        when = f", data to {date_phrase(pd.Timestamp(date))}" if date else ""
        previous = revision["replaces"]
        items = "".join(f"<li>{html.escape(line)}</li>" for line in revision_lines(revision))
        table = ""
        if revision.get("changes"):
            rows = "".join(
                f"<tr><th scope=\"row\">{html.escape(_figure_words(c))}</th><td>{html.escape(_shown(c['published']))}</td>"
                f"<td>{html.escape(_shown(c['now']))}</td></tr>" for c in revision["changes"]
            )
            count = len(revision["changes"])
            table = (f"<table><caption>{count} figure{'s' if count != 1 else ''} changed</caption>"
                     f"<thead><tr><th scope=\"col\">Figure</th><th scope=\"col\">Version {previous}</th>"
                     f"<th scope=\"col\">Version {revision['version']}</th></tr>"
                     f"</thead><tbody>{rows}</tbody></table>")
        parts.append(
            f"<section><h2>Version {revision['version']}{html.escape(when)}</h2>"
            + (f"<p>Replaces <a href=\"{VERSIONS_FOLDER}/{previous}/index.html\">version {previous}</a>. "
               if kept is None or previous in kept else
               f"<p>Replaces version {previous} (no longer kept: a draft keeps its latest {DRAFT_VERSIONS_KEPT} "
               "versions). ")
            + "What changed:</p>"
            f"<ul>{items}</ul>{table}</section>"
        )
    return (
        _head(lang, f"Revisions - {title}: {subtitle}", "report.css") + _draft_banner(draft) + "<main>\n"
        f"<h1>Revisions</h1>\n<p class=\"lead\">{html.escape(title)}: {html.escape(subtitle)}</p>\n"
        '<p><a href="index.html">Back to the current version</a></p>\n'
        + "\n".join(parts) + "\n</main>\n" + _footer(ACCESSIBILITY_PAGE) + "</body>\n</html>\n"
    )


def _footer(statement: str | None) -> str:
    """A page's footer: the link to the accessibility statement (``statement``, relative to the page), if any."""
    return (f'<footer class="report-footer">\n<p><a href="{html.escape(statement)}">Accessibility statement</a></p>\n'
            "</footer>\n") if statement else ""


def write_revisions(staging: Path, revisions: Sequence[Mapping], title: str, subtitle: str, lang: str,
                    draft: bool = False, kept: Sequence[int] | None = None) -> list[Path]:
    """``revisions.json`` and ``revisions.html`` in the new report, when there are revisions (``kept``: the
    earlier versions it holds, see :func:`revisions_page`)."""
    if not revisions:
        return []
    staging = Path(staging)
    (staging / REVISIONS_FILE).write_text(json.dumps(list(revisions), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (staging / REVISIONS_PAGE).write_text(revisions_page(revisions, title, subtitle, lang, draft, kept),
                                          encoding="utf-8")
    return [staging / REVISIONS_FILE, staging / REVISIONS_PAGE]


# ----------------------------------------------------------------- the site


def authorities(data_root: Path) -> list[str]:
    """The authorities under ``data_root``: folders with ``la.yaml``, not ``reference``.

    >>> "reference" in authorities(Path(__file__).resolve().parents[3] / "data")
    False
    """
    data_root = Path(data_root)
    return sorted(p.name for p in data_root.iterdir()
                  if p.is_dir() and p.name != "reference" and not p.name.startswith(".") and (p / "la.yaml").is_file())


def site_index_page(out_root: Path, title: str = "Child Protection Annual Reports", draft: bool = False) -> str:
    """The page ``_site/index.html``: every published authority and year, newest year first.

    Each entry links to the report's pages and its PDF and gives its version; below them, the site's joined
    open data (one zip and its guidance) when ``open-data/`` holds them.
    The page is styled as the reports are, with the stylesheet of the first report it lists.
    Folders whose names start with a dot (a build's temporary folders) are skipped.
    """
    out_root = Path(out_root)
    entries = []
    for manifest_path in sorted(out_root.glob("*/*/manifest.json")):
        if any(part.startswith(".") for part in manifest_path.relative_to(out_root).parts):
            continue
        folder = manifest_path.parent
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        params = manifest.get("parameters", {})
        pdf = next((name for name in manifest.get("outputs", []) if name.endswith(".pdf") and "/" not in name), None)
        entries.append({
            "year": params.get("year", folder.name), "name": params.get("la_name", params.get("la", folder.parent.name)),
            "folder": folder.relative_to(out_root).as_posix(), "pdf": pdf, "version": manifest.get("version"),
        })
    entries.sort(key=lambda e: e["name"])
    entries.sort(key=lambda e: e["year"], reverse=True)
    rows = []
    for e in entries:
        folder = html.escape(e["folder"])
        name = f'{html.escape(e["name"])}, {html.escape(e["year"])}'
        pdf = f'<a href="{folder}/{html.escape(e["pdf"])}">PDF</a>' if e["pdf"] else ""
        version = f"version {e['version']}" if e["version"] else ""
        rows.append(f'<tr><td>{html.escape(e["year"])}</td><td>{html.escape(e["name"])}</td>'
                    f'<td><a href="{folder}/index.html">{name}</a></td><td>{pdf}</td><td>{version}</td></tr>')
    title = f"{title}: internal drafts" if draft else title
    # the open data of every authority joined (written before this page): one zip and its guidance
    joined = out_root / "open-data"
    open_data = ""
    if (joined / "open-data-all-files.zip").is_file() and (joined / "data-guidance.txt").is_file():
        open_data = ('<p>Open data for every authority and year, in the Department for Education\'s '
                     'format: <a href="open-data/open-data-all-files.zip">all files (zip)</a> and '
                     '<a href="open-data/data-guidance.txt">the data guidance</a>.</p>\n')
    # styled as the reports are: their stylesheet, which every published report carries
    stylesheet = f'{entries[0]["folder"]}/report.css' if entries else None
    # the accessibility statement of the report the page is styled by, which every report of this cpstats has
    statement = f'{entries[0]["folder"]}/{ACCESSIBILITY_PAGE}' if entries else None
    if statement and not (out_root / statement).is_file():
        statement = None
    return (
        _head("en-GB", title, stylesheet) + _draft_banner(draft)
        + f'<header class="report-header">\n<p class="report-title">{html.escape(title)}</p>\n'
        f'<p class="report-subtitle">{len(entries)} report{"s" if len(entries) != 1 else ""}, newest year first</p>\n'
        "</header>\n"
        + f'<main id="main">\n<h1>{html.escape(title)}</h1>\n'
        '<div class="table-scroll" role="region" tabindex="0" aria-label="Reports">\n'
        "<table>\n<caption>Every published report, with its PDF and version</caption>\n"
        "<thead><tr><th scope=\"col\">Year</th><th scope=\"col\">Authority</th><th scope=\"col\">Report (HTML)</th>"
        "<th scope=\"col\">PDF</th><th scope=\"col\">Version</th></tr></thead>\n"
        f"<tbody>\n{chr(10).join(rows)}\n</tbody>\n</table>\n</div>\n{open_data}</main>\n{_footer(statement)}</body>\n</html>\n"
    )
