"""The reconciliation's stated causes follow the differences they explain, for any figures."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cpstats.figures.figures import Withheld
from cpstats.present.reconciliation import (FEW_RECORDS, FEWER_HERE, LARGE_DIFFERENCE, MORE_HERE, TO_CHECK, TOO_LARGE,
                                            possible_cause, reconcile, reconciliation_table)

COUNTS = ["referrals", "s47_enquiries", "icpcs", "plan_starts", "children_on_plan_at_31_march"]


@given(name=st.sampled_from(COUNTS), ours=st.integers(0, 10_000), theirs=st.integers(0, 10_000))
def test_a_count_is_said_to_be_higher_or_lower_only_as_it_is(name, ours, theirs):
    cause = possible_cause(name, ours - theirs, theirs)
    small = abs(ours - theirs) <= max(LARGE_DIFFERENCE * theirs, FEW_RECORDS)
    assert cause == ("Agree" if ours == theirs else (MORE_HERE if ours > theirs else FEWER_HERE) if small else TOO_LARGE)


@given(ours=st.floats(0, 100), theirs=st.floats(0, 100), count=st.integers(-50, 50))
def test_a_rate_follows_its_count_only_in_the_same_direction(ours, theirs, count):
    difference = round(ours - theirs, 1)
    cause = possible_cause("plan_start_rate_per_10000", difference, theirs, {"plan_starts": count})
    if difference == 0:
        assert cause == "Agree"
    elif cause.startswith("Follows"):
        assert count != 0 and (count > 0) == (difference > 0)
    else:
        assert cause in (TO_CHECK, "Its count agrees: a different population estimate; to check")
    assert possible_cause("reviews_in_timescale_pct", difference, theirs) in ("Agree", TO_CHECK)


def test_a_withheld_difference_has_no_direction_said():
    """Its direction would say whether the withheld count is above or below DfE's."""
    table = reconciliation_table(reconcile({"plan_starts": Withheld(True)}, {"plan_starts": 3.0}), "X", __import__(
        "cpstats.data.periods", fromlist=["ReportingYear"]).ReportingYear.parse("2017-18"))
    assert table.iloc[0, -1] == "[c]" and table.iloc[0, -2] == "[c]"
