"""Showing what is withheld honestly.

In the public sample report every table and chart holding ``[c]`` has the note saying what ``[c]`` means
under it, in the pages and in the PDF; a chart draws a withheld bar as a marked placeholder, never as a bar of
no height or not at all; the About page explains secondary suppression; and commentary that types a number
equal to a count the report withholds is listed with its file and line, and refused by ``--final``.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpstats.present.commentary import typed_numbers
from cpstats.present.tables import withheld_note
from tests.sample_builds import html_tables, html_text, normal, pdf_text

NOTE = withheld_note(5)
ELEMENT = re.compile(r'<div class="table-scroll"[^>]*>\s*<table\b.*?</table>\s*</div>|<figure\b.*?</figure>|<h[1-6]\b',
                     flags=re.S)


@pytest.fixture(scope="module")
def report(public_report):
    return public_report.report


def _pieces(markup: str):
    """Each table and chart of a page, with what follows it up to the next table, chart or heading."""
    main = markup[markup.index("<main"):]
    found = list(ELEMENT.finditer(main))
    for index, match in enumerate(found):
        if match.group(0).startswith("<h"):
            continue
        end = found[index + 1].start() if index + 1 < len(found) else len(main)
        yield match.group(0), main[match.end():end]


def _holds_withheld(element: str) -> bool:
    if element.startswith("<figure"):
        alt = html.unescape(re.search(r'alt="([^"]*)"', element)[1])
        return "[c]" in alt
    (table,) = html_tables(element)
    return any(cell == "[c]" for row in table[1:] for cell in row[1:])


@pytest.fixture(scope="module")
def pieces(report):
    """Every table and chart of every section page: (page, element, what follows it)."""
    return [(page.name, element, after) for page in sorted(report.glob("[0-9]*.html"))
            for element, after in _pieces(page.read_text(encoding="utf-8"))]


def test_every_table_and_chart_with_c_has_the_note_under_it_and_no_other_does(pieces):
    """The note follows each table and chart holding [c] (after its source), and none without."""
    withheld = [(page, element) for page, element, _ in pieces if _holds_withheld(element)]
    assert sum(element.startswith("<figure") for _, element in withheld) >= 3, "the sample draws withheld bars"
    assert sum(element.startswith("<div") for _, element in withheld) >= 10, "the sample's tables withhold cells"
    for page, element, after in pieces:
        says = NOTE in normal(html_text(after))
        assert says == _holds_withheld(element), (page, element[:200], after[:300])


def test_the_pdf_has_the_note_under_the_same_tables_and_charts(report, pieces):
    """The PDF says it as often as the pages do: once per table and chart holding [c]."""
    pdf = pdf_text(report / "child-protection-report-sample-2017-18.pdf")
    expected = sum(_holds_withheld(element) for _, element, _ in pieces)
    assert pdf.count(NOTE) == expected
    tables = re.findall(r"Table \d+: ", pdf)
    assert tables, "the PDF numbers its tables"


def test_a_withheld_bar_is_a_marked_placeholder_in_the_picture_and_the_text_alternative(report, pieces):
    """Each withheld bar of a chart is drawn as a hatched band with "[c] withheld" written on it, as many as
    its text alternative lists, and the text alternative says what [c] means."""
    charts = [element for _, element, _ in pieces if element.startswith("<figure") and _holds_withheld(element)]
    for element in charts:
        alt = html.unescape(re.search(r'alt="([^"]*)"', element)[1])
        values, _, meaning = alt.partition(" ([c]: ")
        assert "withheld to protect confidentiality" in meaning and "larger figure" in meaning, alt
        svg = (report / re.search(r'src="([^"]+)"', element)[1]).read_text(encoding="utf-8")
        marked = svg.count("<!-- [c] withheld -->") + svg.count("<!-- [c] -->")
        assert marked == values.count("[c]") >= 1, (alt, marked)
        if "<!-- [c] withheld -->" in svg:
            assert "<pattern" in svg, "the placeholder band is hatched"
    # every bar of the category chart is there, the withheld ones included: none is left out
    category = next(e for e in charts if "by category of abuse" in e)
    alt = html.unescape(re.search(r'alt="([^"]*)"', category)[1])
    for label in ("Emotional abuse", "Neglect", "Physical abuse", "Sexual abuse", "Multiple categories"):
        assert label in alt


def test_the_about_page_explains_secondary_suppression(report):
    """In plain words, on the page and in the PDF: a [c] may hide a large number, and why."""
    about = html_text((report / "about.html").read_text(encoding="utf-8"))
    pdf = pdf_text(report / "child-protection-report-sample-2017-18.pdf")
    for text in (about, pdf):
        assert "This is called secondary suppression" in text
        assert "So [c] does not mean that a number is small" in text
        assert "a count from 1 to 5, a larger count withheld to protect one" in text
        assert "Every table and chart that holds a [c] says what it means in a note beneath it" in text


# ----------------------------------------------------------------- numbers typed in commentary


@settings(max_examples=200, deadline=None)
@given(count=st.integers(min_value=1, max_value=99_999), lines_before=st.integers(min_value=0, max_value=5),
       words=st.sampled_from(["children", "families", "plans", "victims", "", "were referred."]))
def test_a_bare_count_is_always_found_on_its_line(count, lines_before, words):
    """A whole number written as a count, with or without thousands separators, is found with its line (a
    number that could be a year, 1900 to 2099, without a separator only when a word such as "children" says it
    counts)."""
    year_like = 1900 <= count <= 2099 and words not in ("children", "families", "plans", "victims")
    for written in {str(count), f"{count:,}"}:
        text = "Some words.\n" * lines_before + f"Neglect was close behind, at {written} {words}\n"
        expected = [] if year_like and written == str(count) else [(lines_before + 1, count)]
        assert [(n.line, n.value) for n in typed_numbers(text)] == expected


@settings(max_examples=200, deadline=None)
@given(year=st.integers(min_value=1900, max_value=2099), day=st.integers(min_value=1, max_value=31),
       share=st.integers(min_value=1, max_value=100), days=st.integers(min_value=1, max_value=99),
       section=st.integers(min_value=1, max_value=99))
def test_years_dates_percentages_times_and_references_are_not_counts(year, day, share, days, section):
    """Years, year labels, dates, percentages, lengths of time, section numbers and placeholders are not flagged."""
    text = (f"In {year} and {year}-{(year + 1) % 100:02d}, on {day} March {year} and {day}/03/{year}, "
            f"{share}% ({share} per cent) were seen within {days} working days or {days} months; "
            f"see section {section} and table {section}, and {{{{ referrals }}}}.\n"
            f"{section}. A numbered point\n## {section} A heading\n")
    assert typed_numbers(text) == []


def _withheld_count(data_root):
    """A count the public sample report for 2017-18 withholds, and its true value."""
    from cpstats.data.dataset import load_dataset
    from cpstats.figures.figures import is_withheld, report_figures

    dataset = load_dataset(data_root / "sample")
    public = report_figures(dataset, "2017-18", data_root / "reference", ("public", 5))
    internal = report_figures(dataset, "2017-18", data_root / "reference", ("internal", 5))
    name = "category_during_year.NEG"
    assert is_withheld(public.flat["2017-18"][name])
    return internal.flat["2017-18"][name]


def test_commentary_typing_a_withheld_count_is_listed_and_final_refuses_it(tmp_path, monkeypatch, capsys):
    """A public build lists the file and line of a typed withheld count as a warning and publishes; --final
    refuses it with exit status 2 and publishes nothing; a number that is a year or percentage is not listed."""
    from cpstats.cli import main
    from tests.small_project import make_project

    project, data_root = make_project(tmp_path)
    count = _withheld_count(data_root)
    words = project / "commentary" / "sample" / "2017-18" / "01_introduction.md"
    words.write_text("In {{ year }} the authority received {{ referrals }} referrals.\n"
                     "In 2017-18, 45% of conferences were held within 15 working days of the section 47 enquiry.\n"
                     f"Emotional abuse was the most common category, with neglect close behind at {count}.\n",
                     encoding="utf-8")
    monkeypatch.chdir(project)
    site = tmp_path / "_site"
    command = ["build", "--la", "sample", "--year", "2017-18", "--data-root", str(data_root), "--out", str(site),
               "--build-dir", str(tmp_path / "_build"), "--renderer", "builtin", "--disclosure", "public"]

    status = main([*command, "--final"])
    error = capsys.readouterr().err
    assert status == 2, error
    assert f"commentary/sample/2017-18/01_introduction.md, line 3: {count} is a count this report withholds" in error
    assert "line 2" not in error and "Nothing was published" in error
    assert not (site / "sample" / "2017-18").exists()

    assert main(command) == 0
    error = capsys.readouterr().err
    assert f"cpstats: warning: sample 2017-18: commentary/sample/2017-18/01_introduction.md, line 3: {count} " in error
    assert (site / "sample" / "2017-18" / "index.html").is_file()
    assert main(command) == 0  # nothing changed: still said
    assert "01_introduction.md, line 3" in capsys.readouterr().err

    words.write_text("In {{ year }} the authority received {{ referrals }} referrals, with neglect close behind at "
                     "{{ category_during_year.NEG }}.\n", encoding="utf-8")
    assert main([*command, "--final"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert "fewer than 6" in html_text((site / "sample" / "2017-18" / "01_introduction.html").read_text("utf-8")) or \
        "[c]" in html_text((site / "sample" / "2017-18" / "01_introduction.html").read_text("utf-8"))


def test_quarto_pages_carry_the_same_notes(quarto_report, public_report):
    """Quarto lays out the same documents: each page has the note as often as the built-in page has it."""
    counts = {}
    for page in sorted(public_report.report.glob("[0-9]*.html")):
        built_in = normal(html_text(page.read_text(encoding="utf-8"))).count(NOTE)
        quarto = normal(html_text((quarto_report.report / page.name).read_text(encoding="utf-8"))).count(NOTE)
        counts[page.name] = (built_in, quarto)
    assert sum(b for b, _ in counts.values()) >= 10
    assert all(b == q for b, q in counts.values()), counts
