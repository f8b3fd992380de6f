"""`compare` puts two years side by side with the change."""

from __future__ import annotations

from cpstats.figures.compare import compare_years


def test_compare_gives_both_years_and_the_change(make_dataset):
    """Counts change by their difference and % change; breakdowns are flattened."""
    refs = [{"referral_id": f"A{i}", "child_id": f"C{i}", "referral_date": "2016-06-01"} for i in range(4)]
    refs += [{"referral_id": f"B{i}", "child_id": f"C{i}", "referral_date": "2017-06-01"} for i in range(3)]
    plans = [{"plan_id": "P1", "child_id": "C1", "start_date": "2017-05-01", "initial_category": "EMO", "latest_category": "EMO"}]
    table = compare_years(make_dataset(referrals=refs, cp_plans=plans), "2016-17", "2017-18").set_index("measure")
    assert table.loc["referrals"].to_dict() == {"2016-17": 4, "2017-18": 3, "change": -1, "change_pct": -25.0}
    assert table.loc["category_during_year.EMO"].to_dict() == {"2016-17": 0, "2017-18": 1, "change": 1, "change_pct": None}
    assert table.loc["plan_start_rate_per_10000", "2017-18"] == 1.2  # 1 / 8,166 x 10,000
    assert table.loc["second_or_subsequent_plan_pct", "2016-17"] is None
