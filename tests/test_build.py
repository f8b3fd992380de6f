"""The whole build on the sample data: the seed figures, navigation, manifest, same bytes, refusals."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader

from cpstats.publish.build import NotebookError, build_report
from cpstats.data.contract import DataValidationError
from cpstats.data.periods import ReportingYear
from cpstats.present.sentences import date_phrase

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_ROOT = PROJECT_ROOT / "data"
SAMPLE = DATA_ROOT / "sample"
YEAR = "2017-18"
PDF = f"child-protection-report-sample-{YEAR}.pdf"
SECTIONS = ["01_introduction", "02_conference_model", "03_conference_attendance", "04_plans",
            "05_quality_assurance", "06_performance", "07_staffing", "08_numbers", "09_categories", "10_profile",
            "11_reviews", "12_repeat_plans", "13_duration", "14_feedback", "15_social_work_practice",
            "16_organisational_culture", "17_leadership", "18_consistency", "19_key_plan", "20_reconciliation"]
SECTION_PAGES = [f"{stem}.html" for stem in SECTIONS]
CHARTED = ["03_conference_attendance.html", "05_quality_assurance.html", "06_performance.html", "08_numbers.html",
           "09_categories.html", "10_profile.html", "13_duration.html", "14_feedback.html"]
"""The sections that draw charts (the narrative sections, the key plan and the reconciliation have none, and
reviews and repeat plans, two percentages beside England's, are better read in their tables)."""

pytestmark = pytest.mark.skipif(not (SAMPLE / "la.yaml").exists(), reason="data/sample is not generated yet")

# The figures of the 2017-18 model report (shared/docs/seed-figures.md), as the report words them.
SEED_PHRASES = [
    "received 305 referrals in 2017-18, a 26% decrease on 2016-17 (412)",
    "94 section 47 enquiries started",
    "35 of them led to a request for an Initial Child Protection Conference",
    "the threshold for a plan was not met for 4 children",
    "40 individual children subject of a Child Protection Plan, from 20 families, including 1 unborn baby",
    "On 31 March 2018 there were 19 children subject of a Child Protection Plan",
    "a rate of 23.3 per 10,000 children under 18 (England 2017-18: 45.9 per 10,000)",
    "8,166 children and young people under the age of 18",
    "20 (50%) emotional abuse, 18 (45%) neglect",
    "within the required timescales was 100%",
    "In 2017-18, 21 Child Protection Plans ended. Of these, 5 (24%)",
    "In 2017-18, 52 Child Protection Conferences were held",
    "20 of the 52 Child Protection Conferences held (38%) had domestic abuse identified as a factor",
    "11 children were supported by the Independent Advocacy Service",
    "In 2017-18, 18 victims were referred to the Multi Agency Risk Assessment Conference (MARAC), "
    "with 24 children in their households; 8 of the victims were repeat victims",
    "In 2017-18, 20 case audits were completed against a target of 2 a month: the target was met in 8 of the "
    "12 months; in 4 months 1 audit was completed",
]


def _text(markup: str) -> str:
    """Visible text of an HTML page, whitespace and quotes normalised."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return _normal(html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def _normal(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\xa0", " ").split())


def _pdf_text(path: Path) -> str:
    return _normal(" ".join(page.extract_text() for page in PdfReader(path).pages))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(sample_report):
    """The sample report for 2017-18, built once for the session (see conftest)."""
    return sample_report


@pytest.fixture(scope="module")
def html_text(built):
    return _text(" ".join((built / page).read_text(encoding="utf-8") for page in ["index.html", *SECTION_PAGES]))


@pytest.fixture(scope="module")
def pdf_text(built):
    return _pdf_text(built / PDF)


def test_site_has_index_one_page_per_section_the_pdf_and_manifest(built):
    """_site/sample/2017-18 holds index.html, a page for each of the sections, the PDF and manifest.json."""
    for name in ["index.html", *SECTION_PAGES, PDF, "manifest.json", "report.css"]:
        assert (built / name).is_file(), name


@pytest.mark.parametrize("phrase", SEED_PHRASES)
def test_seed_figure_appears_in_the_html(html_text, phrase):
    """Each figure of the model report is shown, computed, on the site."""
    assert phrase in html_text


@pytest.mark.parametrize("phrase", SEED_PHRASES)
def test_seed_figure_appears_in_the_pdf(pdf_text, phrase):
    """Each figure of the model report is in the PDF's text."""
    assert phrase in pdf_text


def test_category_table_rows_show_emotional_20_and_neglect_18(built):
    """The category table of section 9 has Emotional abuse 20 and Neglect 18."""
    text = _text((built / "09_categories.html").read_text(encoding="utf-8"))
    assert "Emotional abuse 20 50.0%" in text
    assert "Neglect 18 45.0%" in text


def test_every_page_is_british_english_with_contents_and_section_navigation(built):
    """Pages declare lang en-GB; section pages link to contents and to their neighbours."""
    for number, page in enumerate(SECTION_PAGES):
        markup = (built / page).read_text(encoding="utf-8")
        assert '<html lang="en-GB">' in markup
        assert 'href="index.html"' in markup
        if number > 0:
            assert f'href="{SECTION_PAGES[number - 1]}" rel="prev"' in markup
        if number + 1 < len(SECTION_PAGES):
            assert f'href="{SECTION_PAGES[number + 1]}" rel="next"' in markup
    index = (built / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{page}"' in index for page in SECTION_PAGES)
    assert f'href="{PDF}"' in index


def test_every_link_and_image_resolves_to_a_published_file(built):
    """No page links to a file that is not in the site."""
    for page in built.glob("*.html"):
        for target in re.findall(r'(?:href|src)="([^"]+)"', page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            assert (page.parent / target.split("#")[0]).is_file(), f"{page.name} -> {target}"


def test_every_chart_has_a_text_alternative(built):
    """Each computed section shows at least one chart, and every image has alt text with its values."""
    for page in SECTION_PAGES:
        images = re.findall(r"<img [^>]*>", (built / page).read_text(encoding="utf-8"))
        assert bool(images) == (page in CHARTED), page
        for image in images:
            alt = re.search(r'alt="([^"]*)"', image)
            assert alt and alt.group(1).startswith(("Bar chart: ", "Line chart: ", "Funnel plot: ")) and re.search(r"\d", alt.group(1)), image


def test_no_code_is_shown(built):
    """Only outputs and text: no code cells reach the pages."""
    for page in SECTION_PAGES:
        markup = (built / page).read_text(encoding="utf-8")
        assert "<pre" not in markup and "import cpstats" not in markup and "compute_measures" not in markup


def test_pdf_is_a4_with_title_page_contents_and_page_numbers(built, pdf_text):
    """The PDF is A4, opens with the title and a contents list, and numbers its pages."""
    reader = PdfReader(built / PDF)
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)
    first = _normal(reader.pages[0].extract_text())
    assert first.removeprefix("Internal draft, not for publication: contains small numbers").strip().startswith(
        "Child Protection Annual Report")  # after the draft's header
    assert "Contents" in first  # the contents list is on the title page
    assert re.search(r"Page 1 of \d+", pdf_text)
    assert "6. Profile" not in pdf_text  # headings keep the model report's numbers, not re-numbered


def test_no_identifier_or_date_of_birth_is_published(built):
    """Only aggregates: no child, family, referral or plan id, and no date of birth, in any output."""
    children = pd.read_csv(SAMPLE / "children.csv", dtype=str)
    plans = pd.read_csv(SAMPLE / "cp_plans.csv", dtype=str)
    referrals = pd.read_csv(SAMPLE / "referrals.csv", dtype=str)
    secrets = set(children["child_id"]) | set(children["family_id"]) | set(plans["plan_id"]) | set(referrals["referral_id"])
    iso_births = set(children["date_of_birth"].dropna())
    year = ReportingYear.parse(YEAR)
    period = {date_phrase(year.start), date_phrase(year.end)}  # the period is printed; a birthday on it is no leak
    births = iso_births | {pd.Timestamp(d).strftime("%-d %B %Y") for d in iso_births} - period
    texts = [_text(p.read_text(encoding="utf-8")) for p in built.glob("*.html")]
    texts += [_pdf_text(built / PDF), (built / "manifest.json").read_text(encoding="utf-8")]
    words = set(re.findall(r"[\w-]+", " ".join(texts)))
    assert not (secrets & words)
    assert not [b for b in births if any(b in t for t in texts)]


def test_manifest_records_version_commit_parameters_inputs_and_outputs(built):
    """manifest.json has the cpstats version, commit, parameters, input checksums and every output."""
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cpstats_version"]
    assert manifest["git_commit"] is None or re.fullmatch(r"[0-9a-f]{40}", manifest["git_commit"])
    assert manifest["renderer"] == "builtin"
    assert {k: manifest["parameters"][k] for k in ("la", "year", "data_dir")} == {
        "la": "sample", "year": YEAR, "data_dir": "data/sample",
    }
    for name, digest in manifest["inputs"]["data"].items():
        assert hashlib.sha256((SAMPLE / name).read_bytes()).hexdigest() == digest
    assert set(manifest["inputs"]["data"]) >= {"la.yaml", "children.csv", "cp_plans.csv"}
    assert set(manifest["inputs"]["reference"]) >= {"population.csv", "england.csv"}
    assert manifest["outputs"] == sorted(_files(built))


def test_executed_notebooks_are_kept_in_the_build_folder(built):
    """_build/sample/2017-18 keeps each executed notebook, with its outputs, as provenance."""
    build_dir = built.parents[2] / "_build" / "sample" / YEAR
    for page in SECTION_PAGES:
        notebook = nbformat.read(build_dir / page.replace(".html", ".ipynb"), as_version=4)
        assert any(cell.get("outputs") for cell in notebook.cells)


def test_site_index_lists_the_published_report(built):
    """_site/index.html links to every published authority and year."""
    index = (built.parents[1] / "index.html").read_text(encoding="utf-8")
    assert f'href="sample/{YEAR}/index.html"' in index


def test_an_unchanged_rebuild_executes_nothing_and_changes_no_byte(built):
    """Incremental: with nothing changed, no notebook runs again and the site is the same."""
    root = built.parents[2]
    executed = sorted((root / "_build" / "sample" / YEAR).glob("*.ipynb"))
    stamps = [p.stat().st_mtime_ns for p in executed]
    before = _files(built)
    build_report("sample", YEAR, data_root=DATA_ROOT, out_root=root / "_site", build_root=root / "_build",
                 renderer="builtin", project_dir=PROJECT_ROOT)
    assert [p.stat().st_mtime_ns for p in executed] == stamps
    assert _files(built) == before


def test_a_full_rebuild_gives_byte_identical_files(built):
    """Same inputs, same output: executing every notebook again and publishing in place changes no byte."""
    before = _files(built)
    root = built.parents[2]
    build_report("sample", YEAR, data_root=DATA_ROOT, out_root=root / "_site", build_root=root / "_build",
                 renderer="builtin", project_dir=PROJECT_ROOT, incremental=False)
    after = _files(built)
    assert after.keys() == before.keys()
    assert [name for name in before if before[name] != after[name]] == []


# ----------------------------------------------------------------- refusals


def _published_site(root: Path) -> Path:
    """An existing published report: the last good version that a failed build must not touch."""
    site = root / "_drafts" / "sample" / YEAR  # where an internal build publishes
    site.mkdir(parents=True)
    (site / "index.html").write_text("last good version", encoding="utf-8")
    return site


def test_bad_data_is_refused_with_file_row_and_column_and_nothing_is_published(tmp_path):
    """A broken date in cp_plans.csv stops the build before anything is written."""
    data_root = tmp_path / "data"
    shutil.copytree(SAMPLE, data_root / "sample")
    shutil.copytree(DATA_ROOT / "reference", data_root / "reference")
    plans = (data_root / "sample" / "cp_plans.csv").read_text(encoding="utf-8").splitlines()
    header = plans[0].split(",")
    row = plans[1].split(",")
    row[header.index("start_date")] = "2017-02-30"
    plans[1] = ",".join(row)
    (data_root / "sample" / "cp_plans.csv").write_text("\n".join(plans) + "\n", encoding="utf-8")
    site = _published_site(tmp_path)

    with pytest.raises(DataValidationError) as error:
        build_report("sample", YEAR, data_root=data_root, out_root=tmp_path / "_site",
                     build_root=tmp_path / "_build", project_dir=PROJECT_ROOT)
    assert re.search(r"cp_plans\.csv, row \d+, column start_date", str(error.value))
    assert (site / "index.html").read_text(encoding="utf-8") == "last good version"
    assert [p.name for p in site.iterdir()] == ["index.html"]
    assert [p.name for p in site.parent.iterdir()] == [YEAR]
    assert not (tmp_path / "_build").exists()


def test_a_failing_notebook_names_its_section_and_cell_and_nothing_is_published(tmp_path):
    """An error in a section notebook is reported with the section, notebook and cell."""
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "index.qmd", project)
    (project / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: Test\n  chapters:\n    - index.qmd\n"
        "    - notebooks/13_duration.ipynb\n", encoding="utf-8",
    )
    notebook = nbformat.read(PROJECT_ROOT / "notebooks" / "13_duration.ipynb", as_version=4)
    notebook.cells.insert(3, nbformat.v4.new_code_cell('raise ValueError("no such measure")'))
    nbformat.write(notebook, project / "notebooks" / "13_duration.ipynb")
    site = _published_site(tmp_path)

    with pytest.raises(NotebookError) as error:
        build_report("sample", YEAR, data_root=DATA_ROOT, out_root=tmp_path / "_site",
                     build_root=tmp_path / "_build", project_dir=project)
    message = str(error.value)
    assert "Section '13. Duration of a Child Protection Plan' (13_duration.ipynb) failed in cell 4" in message
    assert "ValueError: no such measure" in message
    assert (site / "index.html").read_text(encoding="utf-8") == "last good version"
    assert [p.name for p in site.parent.iterdir()] == [YEAR]
