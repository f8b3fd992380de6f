"""Fair comparisons in real builds: intervals, verdicts from the interval, national rank and quarter, the neighbours.

The public sample report is built once (``public_report``, real papermill, pandoc and Typst); what its section 8
shows is checked against the figures it publishes (``figures.json``) and DfE's published figures, worked out here
with the interval functions and an independent count of the authorities below it. A tiny authority, whose
figures the public report withholds, shows every interval, verdict and position as ``[c]``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cpstats.data.comparators import comparator_values, neighbours_of
from cpstats.figures.uncertainty import interval_for, neighbours_median, verdict
from tests.sample_builds import html_tables, html_text, pdf_text, public_report  # noqa: F401  (a fixture)

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
LA_CODE, YEAR = 857, "2017-18"
MEASURES = {
    "Children subject of a plan on 31 March, per 10,000": "cpp_rate_per_10000_at_31_march",
    "Child Protection Plans started, per 10,000": "plan_start_rate_per_10000",
    "Second or subsequent plans, ever (%)": "second_or_subsequent_plan_pct",
    "Plans ended that lasted 2 years or more (%)": "ended_plans_2_years_or_more_pct",
    "Children on a plan for 2 years or more on 31 March (% of those on a plan)": "on_plan_2_years_or_more_at_31_march_pct",
}
VERDICT_CELLS = {"higher": "Higher", "lower": "Lower", "similar": "Statistically similar"}


@pytest.fixture(scope="module")
def page(public_report):
    markup = (public_report.report / "08_numbers.html").read_text(encoding="utf-8")
    figures = json.loads((public_report.report / "figures.json").read_text(encoding="utf-8"))
    return markup, figures


def _flat(figures: dict) -> dict:
    """The published figures of the report's year as flat names (whatever nesting figures.json uses)."""
    found = figures.get("figures", figures)
    found = found.get(YEAR, found)

    def walk(node, prefix=""):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from walk(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", value
    return dict(walk(found))


def _table(markup: str, heading: str) -> list[list[str]]:
    found = [t for t in html_tables(markup) if heading in t[0]]
    assert len(found) == 1, f"one table with a column {heading!r}"
    return found[0]


def test_every_compared_rate_and_percentage_has_its_interval(page):
    markup, figures = page
    flat = _flat(figures)
    assert "children_on_plan_at_31_march" in flat and "population" in flat
    table = _table(markup, "95% interval")
    header, rows = table[0], {row[0]: row for row in table[1:]}
    assert header[:3] == ["Measure", "Rutland (synthetic sample) 2017-18", "95% interval"]
    for label, name in MEASURES.items():
        expected = interval_for(name, flat)
        assert rows[label][2] == str(expected)
        assert re.fullmatch(r"\d+\.\d%? to \d+\.\d%?", rows[label][2])
        england = comparator_values(name, YEAR, LA_CODE, REFERENCE).england
        assert rows[label][4] == VERDICT_CELLS[verdict(expected, england)]
    # the cpp rate: 19 children of 8,166, the exact Poisson interval
    assert rows["Children subject of a plan on 31 March, per 10,000"][1:5] == ["23.3", "14.0 to 36.3", "45.9", "Lower"]
    # none of the plans ended had lasted 2 years, but 3.4% for England lies inside 0.0% to 15.5%: similar, not lower
    assert rows["Plans ended that lasted 2 years or more (%)"][4] == "Statistically similar"


def test_sentences_say_the_verdict_from_the_interval(page, public_report):
    markup, _ = page
    text = html_text(markup)
    # the value itself and England's are in the section's main points already: the sentence gives the verdict and
    # the interval
    # England's figure is in the main point beside it
    assert ("The rate of children subject of a Child Protection Plan on 31 March in 2017-18 was lower than England's "
            "figure, lower than the East Midlands figure of 50.3 and lower than the statistical neighbours' median of "
            "37.4, allowing for chance: its 95% interval is 14.0 to 36.3 per 10,000 children.") in text
    pdf = " ".join(pdf_text(public_report.report / "child-protection-report-sample-2017-18.pdf").split())
    assert "allowing for chance: its 95% interval is 14.0 to 36.3 per 10,000 children" in pdf
    assert "Statistically similar" in pdf and "National rank" in pdf
    definitions = html_text((public_report.report / "definitions.html").read_text(encoding="utf-8"))
    assert "the Wilson score interval for a percentage" in definitions
    assert "exact (Garwood) Poisson interval" in definitions


def test_national_rank_quarter_and_neighbours(page):
    import pandas as pd

    markup, figures = page
    flat = _flat(figures)
    table = _table(markup, "National rank (1 = lowest)")
    rows = {row[0]: row for row in table[1:]}
    published = pd.read_csv(REFERENCE / "published.csv", dtype={"area_code": str})
    for label, name in MEASURES.items():
        others = published[(published["area_type"] == "la") & (published["measure"] == name)
                           & (published["year"] == YEAR) & (published["area_code"] != str(LA_CODE))
                           & published["status"].isin(["published", "derived"])]["value"].astype(float)
        if others.empty:
            assert rows[label][1] == "[x]"
            continue
        own = flat[name]
        rank, of = 1 + int((others < own).sum()), len(others) + 1
        assert rows[label][1] == f"{rank} of {of}"
        quarter = min(4, 1 + 4 * (rank - 1) // of)
        assert rows[label][2].lower() == ["the lowest quarter", "the second quarter from the lowest",
                                          "the third quarter from the lowest", "the highest quarter"][quarter - 1]
        assert rows[label][3] == "Neither high nor low"  # said, not coloured: no band of performance
        comparison = comparator_values(name, YEAR, LA_CODE, REFERENCE)
        median = neighbours_median(comparison.neighbours)
        assert rows[label][4].rstrip("%") == f"{median:.1f}"
        assert rows[label][5].rstrip("%") == f"{comparison.neighbours_average:.1f}"
    names = pd.read_csv(REFERENCE / "authorities.csv").set_index("la_code")["la_name"]
    listed = ", ".join(names[code] for code in neighbours_of(LA_CODE, REFERENCE))
    assert f"closest first): {listed}" in html_text(markup)


def test_a_withheld_figure_has_its_interval_and_position_withheld(tmp_path):
    from cpstats.present import fairness
    from cpstats.present.context import load_context
    from tests.tiny_authority import write_tiny

    data = write_tiny(tmp_path / "tiny", share=0.2, seed=1)
    report = load_context("tiny", YEAR, data, REFERENCE, tmp_path / "commentary", disclosure="public")
    fair = fairness.fair_comparisons(report)
    assert all(str(f.value) == "[c]" for f in fair.values())
    intervals = fairness.intervals_table(fair, report.la_name, report.year)
    positions = fairness.positions_table(fair)
    for table in (intervals, positions):
        for column in table.columns[1:]:
            if column.startswith(("England", "East Midlands 2017-18", "Statistical", "Is a high")):
                continue  # DfE's figures for England, the region and the neighbours, and the measure's polarity
            assert set(table[column]) == {"[c]"}, column
    assert all(fairness.comparison_sentence(f, report.year) is None for f in fair.values())
    internal = fairness.fair_comparisons(load_context("tiny", YEAR, data, REFERENCE, tmp_path / "commentary"))
    assert all(fairness.comparison_sentence(f, YEAR) for name, f in internal.items()
               if name in ("cpp_rate_per_10000_at_31_march", "plan_start_rate_per_10000"))


def test_funnel_plots_state_where_the_authority_stands(page, public_report):
    import html as html_module

    markup, _ = page
    alts = [html_module.unescape(a) for a in re.findall(r'<img\b[^>]*\balt="([^"]*)"', markup)]
    funnels = [a for a in alts if a.startswith("Funnel plot:")]
    assert len(funnels) == 2
    assert ("Rutland (synthetic sample): 23.3 per 10,000 with 8,166 children, below the 99.8% limit. "
            "England: 45.9.") in funnels[0]
    found = [t for t in html_tables(markup) if "95% limits at that size" in t[0]]
    assert len(found) == 2  # one table beside each funnel plot
    table = found[0]
    assert table[1][0] == "Rutland (synthetic sample)" and table[1][2:] == ["23.3", "32.4 to 63.1", "Below the 99.8% limit"]
    assert len(table) == 12 and all(row[0].endswith("(neighbour)") for row in table[2:])


def test_the_trend_is_judged_by_each_years_interval(page):
    """2013-14's 42.9 is above England's 42.1 and 2014-15's 35.4 below England's 43.1, but both intervals hold
    England's rate: similar, not above or below; the three later years are lower beyond chance."""
    markup, _ = page
    assert ("From 2013-14 to 2017-18, the rate of children subject of a Child Protection Plan on 31 March in "
            "Rutland (synthetic sample) was between 23.3 and 42.9 per 10,000 children; judged each year by its 95% "
            "interval, it was lower than England's rate in 3 of the 5 years and statistically similar to it in 2."
            ) in html_text(markup)


def test_every_authority_of_each_funnel_is_a_download_linked_beside_it(page, public_report):
    """Each funnel plot is followed by a link to its every-authority CSV: the authority's row is its published rate,
    every other row DfE's published rate and population for that year, the limits the formula's at each size."""
    import csv
    import io

    import pandas as pd

    from cpstats.figures.funnel import control_limits

    markup, figures = page
    links = [(href, number, re.sub(r"<[^>]+>", "", text)) for href, number, text in re.findall(
        r'<p class="download-link"><a href="(downloads/08_numbers-download-(\d)\.csv)">(.*?)</a>', markup)]
    assert [number for _, number, _ in links] == ["1", "2"]
    funnels = [m.start() for m in re.finditer(r'alt="Funnel plot:', markup)]
    positions = [markup.index(href) for href, _, _ in links]
    assert funnels[0] < positions[0] < funnels[1] < positions[1]  # each link right after its plot
    published = pd.read_csv(REFERENCE / "published.csv", dtype={"area_code": str})
    people = pd.read_csv(REFERENCE / "population.csv")
    people = dict(zip(people[people["year"] == YEAR]["la_code"], people[people["year"] == YEAR]["population_0_17"]))
    england_rates = {}
    for (href, _, words), name in zip(links, ("cpp_rate_per_10000_at_31_march", "plan_start_rate_per_10000")):
        header, *rows = list(csv.reader(io.StringIO((public_report.report / href).read_text(encoding="utf-8"))))
        assert words.endswith(f"(CSV, {len(rows)} rows)")
        assert header[:5] == ["Authority", "DfE code", "Role in the plot", "Children under 18", "Per 10,000"]
        year_rows = published[(published["measure"] == name) & (published["year"] == YEAR)]
        england = float(year_rows[year_rows["area_type"] == "england"]["value"].iloc[0])
        dfe = {int(r.area_code): float(r.value) for r in year_rows[year_rows["area_type"] == "la"].itertuples()
               if r.status in ("published", "derived")}
        own = rows[0]
        assert own[:3] == ["Rutland (synthetic sample)", str(LA_CODE), "This report's authority"]
        assert float(own[4]) == _flat(figures)[name]
        others = rows[1:]
        assert len(others) == len({c for c in dfe if c != LA_CODE and c in people}) > 140
        for row in others:
            code = int(row[1])
            assert float(row[4]) == dfe[code] and int(row[3]) == people[code], row
            low, high = control_limits(england, [int(row[3])], 0.95)
            assert row[5] == f"{low[0]:.1f} to {high[0]:.1f}", row
        neighbours = {str(c) for c in neighbours_of(LA_CODE, REFERENCE)}
        assert {row[1] for row in others if row[2] == "Statistical neighbour"} <= neighbours


def test_sections_11_12_and_13_give_the_interval_of_each_rate_and_percentage_compared(public_report):
    """The tables comparing a percentage with England in sections 11, 12 and 13 have its 95% interval beside it,
    worked out from the published figures; a count's is [z]."""
    figures = _flat(json.loads((public_report.report / "figures.json").read_text(encoding="utf-8")))
    checked = 0
    for page_name, rows in (("11_reviews.html", {"Children on a plan for 2 years or more on 31 March (% of those on "
                                                 "a plan)": "on_plan_2_years_or_more_at_31_march_pct"}),
                            ("12_repeat_plans.html", {"Second or subsequent plans, ever (%)":
                                                      "second_or_subsequent_plan_pct"}),
                            ("13_duration.html", {"Plans ended that lasted 2 years or more (%)":
                                                  "ended_plans_2_years_or_more_pct"})):
        table = _table((public_report.report / page_name).read_text(encoding="utf-8"), f"95% interval {YEAR}")
        column = table[0].index(f"95% interval {YEAR}")
        assert table[0][column + 1] == f"England {YEAR}"  # beside England's figure
        for row in table[1:]:
            if row[0] in rows:
                expected = interval_for(rows[row[0]], figures)
                assert row[column] == str(expected), (page_name, row)
                checked += 1
            elif "(%)" not in row[0]:
                assert row[column] == "[z]", (page_name, row)
    assert checked == 3


def test_the_trend_chart_draws_each_years_interval(page):
    """Section 8's rate over the years has error bars, and its text alternative gives every year's interval."""
    import html as html_module

    markup, figures = page
    alts = [html_module.unescape(a) for a in re.findall(r'<img\b[^>]*\balt="([^"]*)"', markup)]
    (alt,) = [a for a in alts if "Error bars: the 95% intervals of Rutland (synthetic sample):" in a]
    assert f"{YEAR} {interval_for('cpp_rate_per_10000_at_31_march', _flat(figures))}" in alt
    assert len(re.findall(r"\d{4}-\d{2} \d+\.\d to \d+\.\d", alt.split("Error bars:")[1])) == 5
