"""Accessible content: the Analysis Function palette kept as data, nothing told by colour alone, a text
alternative for every chart, and a tagged PDF (PDF/UA-1) with its title and language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from cpstats.present import charts
from tests.sample_builds import LA, YEAR

AF_CATEGORICAL = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]


def test_the_palette_is_the_analysis_function_categorical_palette_kept_in_data():
    """palette.yaml holds the six Analysis Function colours, and the charts take theirs from it."""
    palette = yaml.safe_load(charts.PALETTE_FILE.read_text(encoding="utf-8"))
    assert palette["categorical"] == AF_CATEGORICAL
    assert list(charts.PALETTE) == AF_CATEGORICAL
    assert not re.search(r"#[0-9A-Fa-f]{6}", Path(charts.__file__).read_text(encoding="utf-8"))  # no colour in the code


def _fills(svg: str) -> set[str]:
    return {colour.upper() for colour in re.findall(r"fill:\s*(#[0-9a-fA-F]{6})", svg)}


def test_bars_take_palette_colours_and_each_is_labelled_with_its_value():
    """A bar chart is drawn in the palette, and its text alternative gives every bar's value."""
    chart = charts.bar_chart(["Neglect", "Emotional abuse"], [18, 20], title="By category", value_label="Children")
    assert _fills(chart.svg) & set(AF_CATEGORICAL) == {"#12436D"}
    assert chart.alt == "Bar chart: By category. Neglect 18, Emotional abuse 20."


def test_grouped_bars_name_their_group_beside_the_value_not_by_colour_alone():
    """Each bar of a grouped chart is labelled with its group and value, so colour is not needed to read it."""
    import pandas as pd

    data = pd.DataFrame({"label": ["Referrals", "Referrals"], "group": ["2016-17", "2017-18"], "value": [412.0, 305.0]})
    chart = charts.grouped_bar_chart(data, label="label", group="group", value="value", title="Referrals",
                                     value_label="Number")
    assert chart.alt == "Bar chart: Referrals. Referrals: 2016-17 412, 2017-18 305."
    # the labels are drawn as paths (text as outlines); matplotlib keeps each label's text in a comment
    assert "2016-17: 412" in chart.svg and "2017-18: 305" in chart.svg


def test_lines_differ_by_marker_and_dash_not_only_by_colour():
    """Each line of a line chart has its own marker and dash pattern."""
    assert len(set(charts.MARKERS)) >= 4 and len(set(charts.LINE_STYLES)) >= 2
    chart = charts.line_chart(["2016-17", "2017-18"], {"Rutland": [24.9, 23.3], "England": [43.3, 45.9]},
                              title="Rate", value_label="per 10,000")
    assert len(set(re.findall(r"stroke-dasharray:\s*([\d., ]+)", chart.svg))) >= 1
    assert chart.alt.startswith("Line chart: Rate. Rutland: 2016-17 24.9")


@pytest.fixture(scope="module")
def pdf(public_report):
    return PdfReader(public_report.report / f"child-protection-report-{LA}-{YEAR}.pdf")


def test_the_pdf_is_tagged_with_its_title_and_language(pdf):
    """The PDF is tagged (structure tree, marked content), titled, and in British English, in its metadata."""
    root = pdf.trailer["/Root"]
    assert pdf.metadata.title.startswith("Child Protection Annual Report")
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert pdf.xmp_metadata.dc_language == ["en-GB"]
    assert pdf.xmp_metadata.dc_title["x-default"] == pdf.metadata.title


def test_the_pdf_claims_pdf_ua_1_and_pdf_a_2a(pdf):
    """Typst checked the PDF against PDF/UA-1 and PDF/A-2a as it wrote it, and says so in the XMP metadata."""
    xmp = pdf.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r"pdfuaid:part>\s*1\s*<|pdfuaid:part=\"1\"", xmp)
    assert re.search(r"pdfaid:part>\s*2\s*<|pdfaid:part=\"2\"", xmp)


def test_every_chart_in_the_pdf_has_a_text_alternative(pdf):
    """Every figure in the PDF's structure tree carries an /Alt text."""
    figures, missing = 0, 0
    stack = [pdf.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not hasattr(node, "get"):
            continue
        if node.get("/S") == "/Figure":
            figures += 1
            missing += not str(node.get("/Alt", "")).strip()
        kids = node.get("/K")
        if kids is not None:
            stack.append(kids)
    assert figures >= 5
    assert missing == 0
