"""The book configuration, sentences, tables, charts and the built-in renderer, piece by piece."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml
from pypdf import PdfReader

from cpstats.present import charts
from cpstats.present import sentences
from cpstats.present import tables
from cpstats.publish.build import BuildError, choose_renderer, publish, report_timestamp, resolve_input_dir
from cpstats.data.periods import ReportingYear
from cpstats.publish.quarto import QuartoError, read_book_config, write_build_project
from cpstats.publish.render import (
    ReportInfo,
    compile_pdf,
    expand_meta,
    extract_figures,
    front_page_markdown,
    markdown_to_html,
    markdown_to_typst,
    report_outputs,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
YEAR = ReportingYear.parse("2017-18")
SECTIONS = ["01_introduction", "02_conference_model", "03_conference_attendance", "04_plans",
            "05_quality_assurance", "06_performance", "07_staffing", "08_numbers", "09_categories", "10_profile",
            "11_reviews", "12_repeat_plans", "13_duration", "14_feedback", "15_social_work_practice",
            "16_organisational_culture", "17_leadership", "18_consistency", "19_key_plan", "20_reconciliation"]


@pytest.fixture(scope="module")
def book():
    return read_book_config(PROJECT_ROOT / "_quarto.yml")


def _info(**changes) -> ReportInfo:
    values = dict(
        title="Child Protection Annual Report", subtitle="Test authority, 2017-18",
        period="1 April 2017 to 31 March 2018", lang="en-GB", version="test",
        pdf_name="report.pdf", timestamp=report_timestamp(YEAR),
    )
    values.update(changes)
    return ReportInfo(**values)


# ----------------------------------------------------------------- _quarto.yml as data


def test_book_lists_front_page_then_the_section_notebooks_in_order(book):
    """The chapters are index.qmd, then notebooks 01 to 20 in order."""
    assert book.chapters == ("index.qmd", *(f"notebooks/{s}.ipynb" for s in SECTIONS))


def test_every_chapter_of_the_book_exists(book):
    """Each chapter named in _quarto.yml is a file in the project."""
    missing = [c for c in book.chapters if not (PROJECT_ROOT / c).is_file()]
    assert missing == []


def test_book_title_and_language(book):
    """The book is 'Child Protection Annual Report', in British English; Quarto makes HTML (the PDF is cpstats' own)."""
    assert book.title == "Child Protection Annual Report"
    assert book.lang == "en-GB"
    assert set(book.formats) == {"html"}


def test_book_never_executes_code_and_hides_it(book):
    """Quarto must not execute the notebooks (papermill does) and must not show code."""
    assert book.execute == {"enabled": False, "echo": False}


def test_read_book_config_refuses_a_project_that_is_not_a_book(tmp_path):
    """A website project is refused with the file named."""
    path = tmp_path / "_quarto.yml"
    path.write_text("project:\n  type: website\n", encoding="utf-8")
    with pytest.raises(QuartoError, match="_quarto.yml: project type must be 'book'"):
        read_book_config(path)


def test_build_project_lays_out_the_built_in_pages_with_text_from_data_as_text(tmp_path, book):
    """The build's _quarto.yml lists the built-in renderer's pages in order: index, about, the sections, definitions.

    Each .qmd holds only its title (pandoc's Markdown, escaped) and the div the Lua filter fills from its
    .json; the authority's name reaches Quarto's metadata escaped, never as Markdown or a shortcode.
    """
    from cpstats.publish.render import report_pages

    name = "Evil <b>*x*</b> {{< include /etc/passwd >}}"
    info = _info(subtitle=f"{name}, 2017-18")
    pages = report_pages(info, book.front_page, book.notebooks[:2], {"la-name": name, "report-year": "2017-18", "public": True,
                                                                    "disclosure-threshold": "5", "fewer-than": "6"})
    (tmp_path / "old.ipynb").write_text("{}", encoding="utf-8")  # a chapter an older cpstats wrote
    path = write_build_project(tmp_path, book, info, pages)
    project = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert project["project"]["type"] == "book"
    stems = ["index", "about", *SECTIONS[:2], "definitions", "accessibility"]
    assert project["book"]["chapters"] == [f"{stem}.qmd" for stem in stems]
    assert sorted(p.name for p in tmp_path.glob("*.qmd")) == sorted(f"{stem}.qmd" for stem in stems)
    assert not (tmp_path / "old.ipynb").exists()
    assert project["book"]["title"] == "Child Protection Annual Report"
    assert "Evil" not in path.read_text(encoding="utf-8")  # no text from data in Quarto's metadata
    assert project["execute"] == {"enabled": False, "echo": False}
    assert project["lang"] == "en-GB"
    assert project["filters"] == [{"path": "cpstats-blocks.lua", "at": "post-quarto"}]
    about = (tmp_path / "about.qmd").read_text(encoding="utf-8")
    assert about == '# About this report {#about-this-report .unnumbered}\n\n::: {.cpstats-blocks src="about.json"}\n:::\n'
    body = json.loads((tmp_path / "about.json").read_text(encoding="utf-8"))
    assert '{"t": "Str", "c": "<b>*x*</b>"}' in json.dumps(body["blocks"])  # the name as text, in the pandoc document
    assert "For those who audit" not in json.dumps(body)  # no version given: none shown
    statement = json.loads((tmp_path / "accessibility.json").read_text(encoding="utf-8"))
    assert '{"t": "Str", "c": "<b>*x*</b>"}' in json.dumps(statement["blocks"])  # the authority, as text


# ----------------------------------------------------------------- sentences


def test_referrals_sentence_gives_the_change_on_last_year():
    """305 against 412 is a 26% decrease, with both year labels from the parameters."""
    text = sentences.referrals_sentence({"referrals": 305}, {"referrals": 412}, YEAR)
    assert text == "Children's Social Care received 305 referrals in 2017-18, a 26% decrease on 2016-17 (412)."


def test_percentages_round_half_up_not_to_even():
    """0.5 rounds up, as published statistics do."""
    assert sentences.format_percent(2.5) == "3%"
    assert sentences.format_percent(0.25, places=1) == "0.3%"


def test_percentage_of_nothing_is_not_applicable_never_zero():
    """A zero denominator gives 'not applicable' in prose and [z] in tables."""
    assert sentences.percent_of(0, 0) is None
    assert sentences.format_percent(None) == "not applicable"
    table = tables.breakdown_table({"A": 0}, {"A": "A"}, label_heading="Thing")
    assert table["%"].tolist() == ["[z]", "[z]"]


def test_duration_sentence_gives_plans_ended_and_the_six_to_twelve_month_share():
    """5 of 21 ended plans lasting over 6 months to under a year is 24%."""
    measures = {"plan_ends": 21, "ended_plans_by_duration": {"over_6_months_to_under_1_year": 5}}
    text = sentences.duration_sentence(measures, YEAR)
    assert text.startswith("In 2017-18, 21 Child Protection Plans ended. Of these, 5 (24%)")


def test_open_at_31_march_sentence_quotes_england_for_the_same_year():
    """The rate is compared with England's rate labelled with the same year."""
    measures = {"children_on_plan_at_31_march": 19, "cpp_rate_per_10000_at_31_march": 23.3}
    text = sentences.open_at_31_march_sentence(measures, YEAR, (45.9, "DfE"))
    assert text == (
        "On 31 March 2018 there were 19 children subject of a Child Protection Plan, a rate of 23.3 "
        "per 10,000 children under 18 (England 2017-18: 45.9 per 10,000)."
    )


# ----------------------------------------------------------------- tables


def test_category_table_orders_largest_first_with_percentages_and_total():
    """Rows are label, count and % to one decimal place, then a total."""
    table = tables.category_table({"EMO": 20, "NEG": 18, "PHY": 0, "SAB": 2, "MUL": 0})
    assert table.values.tolist() == [
        ["Emotional abuse", "20", "50.0%"],
        ["Neglect", "18", "45.0%"],
        ["Sexual abuse", "2", "5.0%"],
        ["Physical abuse", "0", "0.0%"],
        ["Multiple categories", "0", "0.0%"],
        ["Total", "40", "100.0%"],
    ]


def test_counts_show_thousands_separators():
    """8166 is shown as 8,166."""
    table = tables.breakdown_table({"A": 8166}, {"A": "A"}, label_heading="Thing", total=False)
    assert table["Children"].tolist() == ["8,166"]


def test_to_markdown_writes_a_pipe_table_with_caption():
    """The table reaches pandoc as a pipe table with its caption line."""
    text = tables.to_markdown(tables.age_table({"age_bands": {"unborn": 1, "under_1": 2, "1_to_4": 9,
                                                               "5_to_9": 13, "10_to_15": 14, "16_plus": 1}}), "By age")
    lines = text.splitlines()
    assert lines[0].startswith("| Age")
    assert re.fullmatch(r"\|:-+\|-+:\|-+:\|", lines[1])
    assert lines[-1] == ": By age"


# ----------------------------------------------------------------- charts


def test_a_chart_is_the_same_bytes_every_time():
    """Two draws of the same data give identical SVG, with no date in it."""
    first = charts.bar_chart(["A", "B"], [1, 2], title="T", value_label="N")
    second = charts.bar_chart(["A", "B"], [1, 2], title="T", value_label="N")
    assert first.svg == second.svg
    assert "<dc:date>" not in first.svg


def test_a_chart_has_a_text_alternative_with_every_value():
    """The alt text names the chart and gives each bar's value."""
    chart = charts.chart_from_table(
        tables.duration_table({"ended_plans_by_duration": {"3_months_or_less": 3, "over_3_to_6_months": 4,
                                                           "over_6_months_to_under_1_year": 5,
                                                           "1_to_under_2_years": 9, "2_years_or_more": 0}}),
        label_column="Length of plan", value_column="Plans ended", title="Plans ended by length",
    )
    assert chart.alt == (
        "Bar chart: Plans ended by length. 3 months or less 3, Over 3 months to 6 months 4, "
        "Over 6 months to under 1 year 5, 1 year to under 2 years 9, 2 years or more 0."
    )
    assert chart.to_markdown().startswith("![Bar chart: Plans ended by length.")


def test_comparison_chart_draws_nothing_for_a_value_that_is_not_applicable():
    """No bar is drawn for a percentage that has no denominator."""
    assert charts.comparison_chart("LA", None, (90.5, "DfE"), year_label="2017-18", title="T") is None


# ----------------------------------------------------------------- renderer pieces


def test_report_outputs_keep_markdown_and_images_and_drop_printed_text():
    """Warnings, printed text and plain-text results never reach the report."""
    outputs = [
        {"output_type": "stream", "name": "stderr", "text": "UserWarning"},
        {"output_type": "execute_result", "data": {"text/plain": "42"}, "metadata": {}},
        {"output_type": "display_data", "data": {"text/markdown": "Hello", "text/plain": "Hello"}, "metadata": {}},
        {"output_type": "display_data", "data": {"image/png": "aGk="}, "metadata": {}},
    ]
    assert [o["output_type"] for o in report_outputs(outputs)] == ["display_data", "display_data"]


def test_figures_in_data_uris_become_files_named_after_the_section():
    """Each data: URI image is written out and linked as figures/<section>-<n>."""
    chart = charts.bar_chart(["A"], [1], title="T", value_label="N")
    markdown, files = extract_figures(f"Text\n\n{chart.to_markdown()}\n", "13_duration")
    assert markdown == f"Text\n\n![{chart.alt}](figures/13_duration-1.svg)\n"
    assert files["13_duration-1.svg"].decode() == chart.svg


def test_front_page_drops_front_matter_and_fills_meta_shortcodes(tmp_path):
    """index.qmd's YAML header is dropped and {{< meta >}} is filled from the build."""
    markdown = front_page_markdown(PROJECT_ROOT / "index.qmd", {"la-name": "Rutland", "report-year": "2017-18",
                                                                  "disclosure-threshold": "5", "fewer-than": "6"})
    assert not markdown.startswith("---")
    assert "Report of Rutland for 2017-18" in markdown
    assert "{{<" not in markdown


def test_unknown_meta_shortcode_is_an_error_naming_it():
    """A shortcode the build cannot fill is refused, never left blank."""
    with pytest.raises(KeyError, match="author"):
        expand_meta("By {{< meta author >}}", {})


def test_pipe_table_becomes_an_html_table_with_caption():
    """pandoc turns a pipe table into a real <table> with <caption>."""
    html = markdown_to_html(tables.to_markdown(tables.category_table({"EMO": 2, "NEG": 1}), "Categories"))
    assert "<caption>Categories</caption>" in html
    assert "<td style=\"text-align: right;\">2</td>" in html
    assert "<colgroup>" not in html


def test_pdf_has_title_page_contents_tables_charts_and_the_same_bytes_twice(tmp_path):
    """A small report compiles to an A4 PDF with its text, twice identically."""
    chart = charts.bar_chart(["Emotional abuse", "Neglect"], [20, 18], title="By category", value_label="Children")
    body, figures = extract_figures(
        "# 9. Abuse Categories\n\nSome 8,166 children.\n\n"
        + tables.to_markdown(tables.category_table({"EMO": 20, "NEG": 18}), "Categories")
        + "\n\n" + chart.to_markdown() + "\n",
        "09_categories",
    )
    source = markdown_to_typst(body, _info())
    assert 'alt: "Bar chart: By category. Emotional abuse 20, Neglect 18."' in source
    pdfs = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        pdfs.append(compile_pdf(source, figures, tmp_path / run / "r.pdf", tmp_path / run, _info().timestamp))
    assert pdfs[0].read_bytes() == pdfs[1].read_bytes()
    reader = PdfReader(io.BytesIO(pdfs[0].read_bytes()))
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in ("Child Protection Annual Report", "Contents", "8,166", "Emotional abuse", "52.6%", "Page 1 of"):
        assert expected in text


# ----------------------------------------------------------------- build helpers


def test_publish_swaps_in_the_new_version_and_removes_the_old(tmp_path):
    """After publishing, only the new files are in place and no temporary folder is left."""
    target = tmp_path / "site" / "2017-18"
    target.mkdir(parents=True)
    (target / "old.html").write_text("old")
    publish(target, lambda folder: (folder / "new.html").write_text("new"))
    assert [p.name for p in target.iterdir()] == ["new.html"]
    assert [p.name for p in target.parent.iterdir()] == ["2017-18"]


def test_a_failed_render_leaves_the_published_version_untouched(tmp_path):
    """An error while rendering leaves the old files as they were and no temporary folder."""
    target = tmp_path / "site" / "2017-18"
    target.mkdir(parents=True)
    (target / "index.html").write_text("last good")

    def fail(folder: Path) -> None:
        (folder / "index.html").write_text("half written")
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError, match="render failed"):
        publish(target, fail)
    assert (target / "index.html").read_text() == "last good"
    assert [p.name for p in target.parent.iterdir()] == ["2017-18"]


def test_unknown_renderer_is_refused():
    """Only auto, builtin and quarto are renderers."""
    with pytest.raises(BuildError, match="renderer must be one of"):
        choose_renderer("latex")


def test_notebook_paths_resolve_from_notebooks_folder_or_project_root(tmp_path, monkeypatch):
    """'../data/reference' works from notebooks/ and from the project root alike."""
    expected = (PROJECT_ROOT / "data" / "reference").resolve()
    monkeypatch.chdir(PROJECT_ROOT / "notebooks")
    assert resolve_input_dir("../data/reference") == expected
    monkeypatch.chdir(PROJECT_ROOT)
    assert resolve_input_dir("../data/reference") == expected


def test_source_notebooks_are_valid_nbformat_v4(book):
    """Every section notebook is a valid nbformat 4 document."""
    for notebook in book.notebooks:
        nbformat.validate(nbformat.read(notebook, as_version=4))
