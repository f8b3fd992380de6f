"""The whole report: all 19 sections of the model report in order, commentary, comparators, downloads, --final."""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import yaml
from pypdf import PdfReader

from cpstats.publish.build import UnwrittenCommentaryError, build_report
from cpstats.cli import main
from cpstats.present.commentary import MISSING_NOTE
from cpstats.publish.downloads import cell_value, workbook_name
from cpstats.publish.quarto import read_book_config, write_build_project

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_ROOT = PROJECT_ROOT / "data"
YEAR = "2017-18"
PDF = f"child-protection-report-sample-{YEAR}.pdf"
WORKBOOK = workbook_name("sample", YEAR)

# The contents of the model report (shared/seed), in its order, as the headings read.
MODEL_SECTIONS = [
    ("01_introduction", "1. Introduction"),
    ("02_conference_model", "2. Conference Model"),
    ("03_conference_attendance", "3. Conference Attendance"),
    ("04_plans", "4. Child Protection Plans"),
    ("05_quality_assurance", "5. Quality Assurance"),
    ("06_performance", "6. Performance"),
    ("07_staffing", "7. Staffing"),
    ("08_numbers", "8. Number of Children Subject of Child Protection Plans"),
    ("09_categories", "9. Abuse Categories for Children Subject of a Child Protection Plan"),
    ("10_profile", "10. Profile of Children Subject of a Child Protection Plan"),
    ("11_reviews", "11. Child Protection Cases Reviewed Within Timescale"),
    ("12_repeat_plans", "12. Children Becoming Subject of a Child Protection Plan for a Second or Subsequent Time"),
    ("13_duration", "13. Duration of a Child Protection Plan"),
    ("14_feedback", "14. Feedback from Conference Participants"),
    ("15_social_work_practice", "15. Social Work Practice"),
    ("16_organisational_culture", "16. Organisational Culture"),
    ("17_leadership", "17. Leadership"),
    ("18_consistency", "18. Consistency"),
    ("19_key_plan", "19. Key Plan"),
]
APPENDIX = ("20_reconciliation", "20. Reconciliation with the Department for Education's Published Figures")


def _normal(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\xa0", " ").split())


def _text(markup: str) -> str:
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return _normal(html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def _page(site: Path, stem: str) -> str:
    return (site / f"{stem}.html").read_text(encoding="utf-8")


class _Tables(HTMLParser):
    """The tables of an HTML page: each a list of rows of cell texts, header row first."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(_normal(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _html_tables(markup: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(markup)
    return parser.tables


@pytest.fixture(scope="module")
def site(sample_report):
    return sample_report


@pytest.fixture(scope="module")
def pdf_text(site):
    return _normal(" ".join(page.extract_text() for page in PdfReader(site / PDF).pages))


# ----------------------------------------------------------------- all the sections, in order


def test_book_chapters_are_the_front_page_then_the_model_reports_sections_then_the_appendix():
    """_quarto.yml lists index.qmd, the 19 sections of the model report in its order, then the reconciliation."""
    book = read_book_config(PROJECT_ROOT / "_quarto.yml")
    stems = [stem for stem, _ in [*MODEL_SECTIONS, APPENDIX]]
    assert book.chapters == ("index.qmd", *(f"notebooks/{stem}.ipynb" for stem in stems))


def test_html_has_every_section_in_the_model_reports_order(site):
    """The contents page lists the 19 sections, then the appendix, in order, each linking to its page."""
    index = _page(site, "index")
    positions = [index.index(f'<a href="{stem}.html">{html.escape(title)}</a>') for stem, title in [*MODEL_SECTIONS, APPENDIX]]
    assert positions == sorted(positions)
    for stem, title in [*MODEL_SECTIONS, APPENDIX]:
        assert f"<h1" in _page(site, stem) and title in html.unescape(_page(site, stem))


def test_pdf_has_every_section_heading_in_the_model_reports_order(site, pdf_text):
    """The PDF's text holds the 19 headings in order (after its contents list), then the appendix."""
    body = pdf_text[pdf_text.index("Every figure in this report"):]
    positions = [body.index(title) for _, title in [*MODEL_SECTIONS, APPENDIX]]
    assert positions == sorted(positions)


# ----------------------------------------------------------------- computed sections


def test_agency_attendance_table_shows_each_agency_invited_attended_and_reports(site):
    """Section 3 restores the table the typed report lost: per agency invited, attended, %, reports, % on time."""
    tables = _html_tables(_page(site, "03_conference_attendance"))
    agencies = next(t for t in tables if t[0][0] == "Agency")
    assert agencies[0] == ["Agency", "Invited", "Attended", "% attended", "Reports submitted", "% of reports on time"]
    assert ["Police", "51", "21", "41.2%", "36", "72.2%"] in agencies
    assert ["Specialist Domestic Abuse Service", "20", "5", "25.0%", "8", "37.5%"] in agencies


def test_conference_table_shows_52_conferences_and_20_with_domestic_abuse_beside_the_year_before(site):
    """Section 3's conference table has 2016-17 and 2017-18 columns: 52 conferences, 20 (38.5%) with domestic abuse."""
    tables = _html_tables(_page(site, "03_conference_attendance"))
    held = next(t for t in tables if t[0][0] == "Conferences")
    assert held[0] == ["Conferences", "2016-17", "2017-18"]
    assert held[4][0] == "All conferences" and held[4][2] == "52"
    assert held[5][2] == "20" and held[6][2] == "38.5%"


def test_audits_table_has_twelve_months_against_the_target_and_the_total(site):
    """Section 5: 12 months, 8 meeting the target of 2, 4 with 1 audit, 20 in total."""
    audits = _html_tables(_page(site, "05_quality_assurance"))[0]
    months = audits[1:-1]
    assert len(months) == 12
    assert sum(row[3] == "Yes" for row in months) == 8
    assert sorted(row[1] for row in months if row[3] == "No") == ["1"] * 4
    assert {row[2] for row in months} == {"2"}
    assert audits[-1] == ["Total", "20", "24", "8 of 12 months"]


def test_marac_table_shows_victims_children_and_repeat_victims(site):
    """Section 9: MARAC 18 victims, 24 children, 8 repeat victims in 2017-18."""
    tables = _html_tables(_page(site, "09_categories"))
    marac = next(t for t in tables if any(row[0] == "Victims referred to MARAC" for row in t))
    rows = {row[0]: row[-1] for row in marac}
    assert rows["Victims referred to MARAC"] == "18"
    assert rows["Children in the households of victims referred to MARAC"] == "24"
    assert rows["Victims referred to MARAC again (repeat victims)"] == "8"


def test_headline_comparisons_show_the_year_before_and_england_each_labelled_with_its_year(site):
    """Reviews, repeat plans, ended plans and performance: the authority in 2016-17 and 2017-18, England in 2017-18.
    Section 8 states its rates once, beside England with their intervals (the year before is in its trend table)."""
    la = "Rutland (synthetic sample)"
    for stem in ("06_performance", "11_reviews", "12_repeat_plans", "13_duration"):
        headers = [table[0] for table in _html_tables(_page(site, stem))]
        interval = ["95% interval 2017-18"] if stem in ("11_reviews", "12_repeat_plans", "13_duration") else []
        assert ["Measure", f"{la} 2016-17", f"{la} 2017-18", *interval, "England 2017-18"] in headers, stem
    rates = next(t for t in _html_tables(_page(site, "08_numbers"))
                 if t[0][:4] == ["Measure", f"{la} 2017-18", "95% interval", "England 2017-18"])
    assert rates[1][1:4] == ["23.3", "14.0 to 36.3", "45.9"]
    assert not any(t[0][-1] == "England 2017-18" for t in _html_tables(_page(site, "08_numbers"))), \
        "section 8's rates are stated once"
    reviews = next(t for t in _html_tables(_page(site, "11_reviews")) if t[0][-1] == "England 2017-18")
    assert reviews[1][2:] == ["100.0%", "[x]", "90.5%"]  # no interval: the report shows no count of children reviewed


def test_trend_over_five_years_with_england_and_a_line_chart(site):
    """Section 8: the headline measures for 2013-14 to 2017-18, England's rate where published, line charts."""
    page = _page(site, "08_numbers")
    trend = next(t for t in _html_tables(page) if t[0][0] == "Measure" and "2013-14" in t[0])
    assert trend[0] == ["Measure", "2013-14", "2014-15", "2015-16", "2016-17", "2017-18"]
    rows = {row[0]: row[1:] for row in trend}
    assert rows["Referrals"][-2:] == ["412", "305"]
    # England's rates for every year, the early ones DfE's own derived values (published.csv)
    assert rows["England: children subject of a plan on 31 March, per 10,000"] == ["42.1", "43.1", "43.4", "43.8", "45.9"]
    assert 'alt="Line chart: Children subject of a plan on 31 March per 10,000 children, 2013-14 to 2017-18.' in page


def test_reconciliation_sets_dfe_published_figures_beside_the_computed_ones(site):
    """The appendix: 305 referrals computed against 308 published by DfE, a difference of -3, explained."""
    page = _page(site, "20_reconciliation")
    table = _html_tables(page)[0]
    assert table[0] == ["Measure", "This report, 2017-18 (local data)", "Published by DfE, 2017-18 (census)",
                        "Difference (this report minus DfE)", "What the difference is consistent with"]
    rows = {row[0]: row[1:] for row in table}
    assert rows["Referrals"] == ["305", "308", "-3",
                                 "Fewer here: records merged, deleted or corrected after the census return"]
    assert rows["Children subject of a plan on 31 March"] == ["19", "19", "0", "Agree"]
    assert rows["Initial conferences within 15 working days of the section 47 enquiry starting (%)"][1:] == ["[c]", "[x]", "[x]"]
    assert rows["Children at an Initial Child Protection Conference"][2:] == [
        "-10", "Larger than late or merged records usually make; not explained by the data; to check"]
    assert "children in need census return" in _text(page)


def test_no_reconciliation_reason_contradicts_the_difference_it_explains(site):
    """Each row's stated cause agrees with the sign and size of its difference as the page shows them."""
    table = _html_tables(_page(site, "20_reconciliation"))[0]
    for measure, _, published, difference, cause in table[1:]:
        if cause.startswith("More here"):
            assert difference.startswith("+") and abs(float(difference)) <= max(0.1 * float(published), 5), measure
        elif cause.startswith("Fewer here"):
            assert difference.startswith("-") and abs(float(difference)) <= max(0.1 * float(published), 5), measure
        elif cause == "Agree":
            assert difference in ("0", "0.0"), measure
        elif cause.startswith("Follows its count"):
            count = next(row for row in table if row[0] in cause)
            assert count[3][:1] == difference[:1] and difference[:1] in "+-", measure
        else:
            assert cause.startswith(("Larger than", "Not explained", "Its count agrees")) or cause in ("[x]", "[c]"), measure


def test_key_plan_is_a_table_of_actions_and_who(site):
    """Section 19 shows the key plan file as a table with Action and Who, labelled with the year."""
    page = _page(site, "19_key_plan")
    plan = _html_tables(page)[0]
    assert plan[0] == ["Action", "Who"]
    assert len(plan) == 14
    assert "Key plan arising from the 2017-18 report" in _text(page)


# ----------------------------------------------------------------- commentary


def test_every_section_shows_its_commentary_with_placeholders_filled(site):
    """No section shows the 'not yet written' note, and no placeholder is left unfilled anywhere."""
    for stem, _ in [*MODEL_SECTIONS, APPENDIX]:
        text = _text(_page(site, stem))
        assert MISSING_NOTE not in text, stem
        assert "{{" not in text and "}}" not in text, stem


def test_commentary_values_come_from_the_measures(tmp_path):
    """Commentary placeholders print the computed values: this year, last year, the change, England, local ones."""
    from cpstats.present.context import load_context

    folder = tmp_path / "sample" / "2017-18"
    folder.mkdir(parents=True)
    (folder / "08_numbers.md").write_text(
        "Referrals fell in {{ year }}: {{ referrals }}, {{ change:referrals }} on {{ previous_year }} "
        "({{ previous:referrals }}); England's rate was {{ england:cpp_rate_per_10000_at_31_march }} per 10,000. "
        "The Police attended {{ agency_attendance.Police.attended_pct }}% of their conferences; "
        "{{ marac_victims }} victims were referred to MARAC; the target is {{ audit_target_per_month }} audits a month.",
        encoding="utf-8")
    report = load_context("sample", "2017-18", DATA_ROOT / "sample", DATA_ROOT / "reference", tmp_path)
    assert report.commentary("08_numbers").markdown == (
        "Referrals fell in 2017-18: 305, a 26% decrease on 2016-17 (412); England's rate was 45.9 per 10,000. "
        "The Police attended 41.2% of their conferences; 18 victims were referred to MARAC; "
        "the target is 2 audits a month.")


@pytest.fixture(scope="module")
def draft_2016_17(tmp_path_factory):
    """The 2016-17 report, which has no commentary: built as a draft."""
    root = tmp_path_factory.mktemp("draft")
    site = build_report("sample", "2016-17", data_root=DATA_ROOT, out_root=root / "_site", build_root=root / "_build",
                        renderer="builtin", project_dir=PROJECT_ROOT)
    return root, site


def test_a_year_without_commentary_builds_with_the_note_in_every_section(draft_2016_17):
    """2016-17 has no commentary: it builds, and every section shows 'Commentary not yet written'."""
    _, site = draft_2016_17
    for stem, _ in [*MODEL_SECTIONS, APPENDIX]:
        assert MISSING_NOTE in _text(_page(site, stem)), stem
    assert "2016-17" in _text(_page(site, "index")) and "received 412 referrals in 2016-17" in _text(_page(site, "08_numbers"))


def test_final_build_refuses_while_commentary_is_missing_and_publishes_nothing(draft_2016_17, capsys):
    """cpstats build --final exits non-zero, lists the sections and their files, and writes nothing to the site."""
    root, _ = draft_2016_17
    out = root / "_final_site"
    status = main(["build", "--la", "sample", "--year", "2016-17", "--data-root", str(DATA_ROOT), "--out", str(out),
                   "--build-dir", str(root / "_build"), "--renderer", "builtin", "--final"])
    message = capsys.readouterr().err
    assert status == 1
    assert "not yet written for 20 sections" in message
    assert "  - 1. Introduction: write commentary/sample/2016-17/01_introduction.md" in message
    assert "  - 19. Key Plan: write commentary/sample/2016-17/19_key_plan.csv" in message
    assert "Nothing was published" in message
    assert not out.exists()


def test_final_build_of_a_year_with_all_commentary_goes_ahead(site, tmp_path):
    """With every commentary file written, --final publishes (from a copy of the build folder and its cache)."""
    import shutil

    shutil.copytree(site.parents[2] / "_build", tmp_path / "_build")
    published = build_report("sample", YEAR, data_root=DATA_ROOT, out_root=tmp_path / "_site",
                             build_root=tmp_path / "_build", renderer="builtin", project_dir=PROJECT_ROOT, final=True)
    assert (published / "index.html").is_file()


def test_final_refusal_error_names_each_unwritten_section():
    """The error lists sections with the file to write."""
    from cpstats.present.commentary import Unwritten

    error = UnwrittenCommentaryError([Unwritten("07_staffing", "7. Staffing", "sample/2018-19/07_staffing.md")], "commentary")
    assert "not yet written for 1 section:\n  - 7. Staffing: write commentary/sample/2018-19/07_staffing.md" in str(error)


# ----------------------------------------------------------------- downloads


def _csvs(site: Path) -> dict[str, list[list[str]]]:
    return {p.name: list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"))))
            for p in sorted((site / "downloads").glob("*.csv"))}


def test_every_html_table_has_a_csv_with_the_same_values(site):
    """Each table of each section page is downloads/<section>-<n>.csv, cell for cell the same values."""
    csvs = _csvs(site)
    expected = set()
    for stem, _ in [*MODEL_SECTIONS, APPENDIX]:
        for number, table in enumerate(_html_tables(_page(site, stem)), start=1):
            name = f"{stem}-{number}.csv"
            expected.add(name)
            assert name in csvs, name
            assert csvs[name][0] == table[0], name
            assert [[cell_value(c) for c in row] for row in csvs[name][1:]] == \
                   [[cell_value(c) for c in row] for row in table[1:]], name
    # and the tables offered for download only: every English authority of section 8's two funnel plots
    assert set(csvs) - expected == {"08_numbers-download-1.csv", "08_numbers-download-2.csv"}


def test_csv_cells_are_numbers_or_gss_symbols_never_blank(site):
    """CSV cells hold plain numbers (no separators or % signs), text, or [c] [x] [z]; none is empty."""
    csvs = _csvs(site)
    assert csvs["03_conference_attendance-3.csv"][0][3] == "% attended"
    police = next(row for row in csvs["03_conference_attendance-3.csv"] if row[0] == "Police")
    assert police == ["Police", "51", "21", "41.2", "36", "72.2"]
    assert ["Referrals", "305", "308", "-3", "Fewer here: records merged, deleted or corrected after the census return"] \
        in csvs["20_reconciliation-1.csv"]
    for name, rows in csvs.items():
        for row in rows:
            assert all(cell.strip() for cell in row), name
            assert not any(re.fullmatch(r"[\d,]+,\d{3}|[\d.]+%", cell) for cell in row), name


def test_workbook_has_cover_contents_notes_and_a_sheet_per_table(site):
    """The XLSX opens, with Cover, Contents and Notes first, then one titled sheet per CSV, numbers as numbers."""
    book = openpyxl.load_workbook(site / "downloads" / WORKBOOK)
    tables = [name[:-len(".csv")] for name in _csvs(site)]
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"] and sorted(book.sheetnames[3:]) == sorted(tables)
    shown = [name for name in tables if "-download-" not in name]
    assert [name for name in book.sheetnames[3:] if "-download-" not in name] == shown  # in the report's order
    assert book["Cover"]["A1"].value == "Child Protection Annual Report: tables"
    contents = [row[0] for row in book["Contents"].iter_rows(values_only=True)]
    assert all(name in contents for name in tables)
    notes = " ".join(str(c) for row in book["Notes"].iter_rows(values_only=True) for c in row if c)
    assert "[c] confidential" in notes and "[x] not available" in notes and "[z] not applicable" in notes
    sheet = book["03_conference_attendance-3"]
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][0] == "Attendance at conferences and reports submitted, by agency, 2017-18"
    assert any(str(row[0]).startswith("Source:") for row in cells)
    assert ("Police", 51, 21, 41.2, 36, 72.2) in cells
    assert book.properties.created.isoformat() == "2020-03-31T00:00:00"  # the build date the front page states


def test_workbook_zip_entries_have_fixed_dates(site):
    """Every entry of the XLSX is dated 1 January 1980, so rebuilds give the same bytes."""
    import zipfile

    with zipfile.ZipFile(site / "downloads" / WORKBOOK) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_each_section_page_links_its_downloads_and_the_contents_page_the_pdf_and_download_all(site):
    """A section page links its CSVs and the workbook; the contents page links the PDF and the zip of everything
    ("Download all"), not each CSV; the About page links the workbook."""
    page = _page(site, "03_conference_attendance")
    for number in (1, 2, 3):
        assert f'href="downloads/03_conference_attendance-{number}.csv"' in page
    assert f'href="downloads/{WORKBOOK}"' in page
    index = _page(site, "index")
    assert f'href="{PDF}"' in index and 'all-files.zip"' in index and "Download all" in index
    assert not any(f'href="downloads/{name}"' in index for name in _csvs(site))
    assert f'href="downloads/{WORKBOOK}"' in _page(site, "about")


def test_the_pdf_lists_no_download_links(pdf_text):
    """The download blocks are for the web pages only."""
    assert "Download the tables" not in pdf_text


# ----------------------------------------------------------------- the Quarto book


def test_quarto_build_project_has_the_same_pages_commentary_and_downloads(site, tmp_path):
    """The Quarto project of the executed notebooks: the built-in pages (index, about, sections, definitions), the
    commentary, the index's main points and downloads, each section's download links at its end."""
    import datetime as dt
    import json

    from cpstats.publish.downloads import prepare_downloads
    from cpstats.publish.render import ReportInfo, report_pages

    book = read_book_config(PROJECT_ROOT / "_quarto.yml")
    executed_dir = site.parents[2] / "_build" / "sample" / YEAR
    executed = [executed_dir / notebook.name for notebook in book.notebooks]
    before = {path: path.read_bytes() for path in executed}
    downloads = prepare_downloads(executed, "sample", YEAR)
    info = ReportInfo(title=book.title, subtitle="Sample, 2017-18", period="1 April 2017 to 31 March 2018", lang="en-GB",
                      version="test", pdf_name=PDF, timestamp=dt.datetime(2018, 3, 31, tzinfo=dt.timezone.utc),
                      downloads=downloads.index_links, section_downloads=downloads.section_links)
    metadata = {"la-name": "Sample", "report-year": YEAR, "public": True, "disclosure-threshold": "5", "fewer-than": "6"}
    project_dir = tmp_path / "book"
    project_dir.mkdir()
    path = write_build_project(project_dir, book, info, report_pages(info, book.front_page, executed, metadata))
    project = yaml.safe_load(path.read_text(encoding="utf-8"))
    stems = ["index", "about", *(stem for stem, _ in [*MODEL_SECTIONS, APPENDIX]), "definitions", "accessibility"]
    assert project["book"]["chapters"] == [f"{stem}.qmd" for stem in stems]

    def text(stem: str) -> str:
        return json.dumps(json.loads((project_dir / f"{stem}.json").read_text(encoding="utf-8")), ensure_ascii=False)

    index = text("index")
    assert '"downloads/03_conference_attendance-1.csv"' not in index  # each CSV is on its section's page
    assert f'"{PDF}"' in index and '"about.html"' in index and '"definitions.html"' in index
    assert f'"downloads/{WORKBOOK}"' in text("about")  # the workbook: on the About page
    assert "accessible" in text("accessibility") and "axe-core" in text("accessibility")  # the statement's page
    assert '"year-in-brief"' in index
    assert "Signs" in text("01_introduction") and "Safety" in text("01_introduction")
    attendance = json.loads((project_dir / "03_conference_attendance.json").read_text(encoding="utf-8"))["blocks"]
    assert "downloads/03_conference_attendance-1.csv" in json.dumps(attendance[-1:])  # the links end the page
    assert '"table-responsive"' in text("03_conference_attendance")  # each table scrolls in a box of its own
    assert "downloads/" not in text("02_conference_model")  # a section with no table has nothing to download
    assert {path: path.read_bytes() for path in executed} == before, "the executed notebooks were changed"
