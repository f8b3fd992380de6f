"""Disclosure control of tables as the report shows them (cells as text): what protect_table withholds."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpstats.figures.disclosure import CONFIDENTIAL, SPEC_ATTR, Policy, current_policy, disclosure_policy, protect_table
from cpstats.data.periods import ReportingYear
from cpstats.present.tables import breakdown_table, show
from tests.test_disclosure import possible_values

PUBLIC = Policy("public")


def test_an_internal_table_is_shown_as_it_is():
    """Drafts withhold nothing."""
    table = breakdown_table({"a": 1, "b": 30}, {"a": "A", "b": "B"}, label_heading="Group")
    shown, log = protect_table(table, Policy("internal"))
    assert shown.equals(table) and log == []


def test_a_total_row_labelled_all_protects_only_the_rows_above_it():
    """A breakdown with an 'All ...' row and other measures below it: the breakdown gets secondary suppression."""
    table = pd.DataFrame({"Conference": ["Initial", "Review", "Transfer-in", "All conferences", "With domestic abuse"],
                          "Held": ["17", "35", "1", "53", "29"]})
    shown, _ = protect_table(table, PUBLIC)
    assert shown["Held"].tolist() == [CONFIDENTIAL, "35", CONFIDENTIAL, "53", "29"]


def test_a_two_way_table_with_row_and_column_totals_gets_secondary_suppression():
    """Row and column totals: no withheld cell can be worked out."""
    table = pd.DataFrame({"Age": ["Under 5", "5 to 9", "10 and over", "Total"], "Male": ["3", "10", "7", "20"],
                          "Female": ["8", "9", "2", "19"], "Total": ["11", "19", "9", "39"]})
    shown, _ = protect_table(table, PUBLIC)
    assert (shown == CONFIDENTIAL).sum().sum() == 4
    assert shown.loc[0, "Male"] == CONFIDENTIAL and shown.loc[2, "Female"] == CONFIDENTIAL


def test_exempt_columns_and_england_are_not_withheld():
    """A target column is no count of people, and England's figures are national."""
    table = pd.DataFrame({"Month": ["April", "May"], "Audits": ["1", "7"], "Target": ["2", "2"]})
    table.attrs[SPEC_ATTR] = {"exempt_columns": ["Target"]}
    shown, _ = protect_table(table, PUBLIC)
    assert shown.values.tolist() == [["April", CONFIDENTIAL, "2"], ["May", "7", "2"]]
    rates = pd.DataFrame({"Measure": ["Plans"], "Rutland": ["4"], "Rutland (%)": ["20.0%"], "England 2017-18": ["45.9"]})
    assert protect_table(rates, PUBLIC)[0].values.tolist() == [["Plans", CONFIDENTIAL, CONFIDENTIAL, "45.9"]]


def test_a_rate_computed_from_a_count_the_table_does_not_show_is_withheld_with_it():
    """hidden_counts names the counts behind a row's rate."""
    table = pd.DataFrame({"Measure": ["On a plan, per 10,000"], "Rutland": ["4.9"], "England": ["45.9"]})
    table.attrs[SPEC_ATTR] = {"hidden_counts": {"On a plan, per 10,000": [4]}}
    assert protect_table(table, PUBLIC)[0].values.tolist() == [["On a plan, per 10,000", CONFIDENTIAL, "45.9"]]


def test_show_applies_the_policy_in_force_and_records_what_it_withheld():
    """tables.show withholds in a public build; the withheld cells go in the output's metadata, not its text."""
    table = breakdown_table({"EMO": 20, "NEG": 18, "SAB": 2}, {"EMO": "Emotional", "NEG": "Neglect", "SAB": "Sexual"},
                            label_heading="Category")
    assert current_policy().mode == "internal"
    assert "| Sexual" in show(table).data and show(table).withheld == []
    with disclosure_policy("public"):
        shown = show(table, "By category")
    bundle, metadata = shown._repr_mimebundle_()
    assert "[c]" in bundle["text/markdown"] and "| 2 " not in bundle["text/markdown"]
    assert [entry["row"] for entry in shown.withheld if entry["column"] == "Children"] == ["Neglect", "Sexual"]
    assert list(metadata) and "primary" not in bundle["text/markdown"]


def test_sentences_follow_the_policy_in_force():
    """The same sentence, drafted and published."""
    from cpstats.present.sentences import children_during_year_sentence, duration_sentence

    measures = {"children_with_plan_during_year": 40, "families_with_plan_during_year": 20, "unborn_at_plan_start": 1,
                "plan_ends": 21, "ended_plans_by_duration": {"over_6_months_to_under_1_year": 5}}
    year = ReportingYear.parse("2017-18")
    assert "including 1 unborn baby." in children_during_year_sentence(measures, year)
    assert "5 of them (24%) concluded" in duration_sentence(measures, year)
    with disclosure_policy("public"):
        assert "including fewer than 6 unborn babies." in children_during_year_sentence(measures, year)
        assert "Fewer than 6 of them concluded" in duration_sentence(measures, year)


def test_an_unknown_mode_is_refused():
    """Only internal and public."""
    with pytest.raises(ValueError, match="internal, public"):
        Policy("secret")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=9), min_size=2, max_size=5))
def test_no_withheld_cell_of_a_shown_breakdown_can_be_worked_out(counts):
    """For any breakdown table as the report shows it, each withheld count can take at least two values."""
    keys = [f"k{i}" for i in range(len(counts))]
    table = breakdown_table(dict(zip(keys, counts)), {k: f"Group {k}" for k in keys}, label_heading="Group")
    shown, _ = protect_table(table, PUBLIC)
    numbers = pd.DataFrame({"n": counts + [sum(counts)]}, index=keys + ["Total"])
    hidden = {(keys[i] if i < len(keys) else "Total", "n") for i in shown.index if shown.at[i, "Children"] == CONFIDENTIAL}
    for i, value in enumerate(counts):
        assert (1 <= value <= 5) <= ((keys[i], "n") in hidden)
        assert (shown.at[i, "%"] == CONFIDENTIAL) == ((keys[i], "n") in hidden)
    if hidden and (sum(counts) + 1) ** len(hidden) <= 60_000:
        seen = possible_values(numbers, hidden, "Total", None, limit=sum(counts))
        assert all(len(values) >= 2 for values in seen.values()), (counts, hidden, seen)
