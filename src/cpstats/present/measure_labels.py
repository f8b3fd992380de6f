"""One label per measure (:data:`LABELS`), kept apart from :mod:`cpstats.present.tables` so that what needs
only the words (the open data's definitions, read when the site's index is written) does not load pandas."""

from __future__ import annotations

__all__ = ["LABELS"]

LABELS: dict[str, str] = {
    "referrals": "Referrals",
    "s47_enquiries": "Section 47 enquiries",
    "icpc_requests": "Requests for an Initial Child Protection Conference",
    "icpcs": "Children at an Initial Child Protection Conference",
    "icpc_threshold_not_met": "Children for whom the conference threshold was not met",
    "plan_starts": "Child Protection Plans started",
    "plan_ends": "Child Protection Plans ended",
    "children_with_plan_during_year": "Children subject of a plan during the year",
    "families_with_plan_during_year": "Families with a child subject of a plan during the year",
    "unborn_at_plan_start": "Children unborn when their plan started",
    "children_on_plan_at_31_march": "Children subject of a plan on 31 March",
    "cpp_rate_per_10000_at_31_march": "Children subject of a plan on 31 March, per 10,000",
    "plan_start_rate_per_10000": "Child Protection Plans started, per 10,000",
    "icpc_within_15_working_days_pct": "Initial conferences within 15 working days of the section 47 enquiry starting (%)",
    "reviews_in_timescale_pct": "Children on a plan for 3 months or more with all reviews in timescale (%)",
    "rereferrals_within_12_months_pct": "Re-referrals within 12 months of a previous referral (%)",
    "ended_plans_2_years_or_more_pct": "Plans ended that lasted 2 years or more (%)",
    "on_plan_2_years_or_more_at_31_march": "Children on a plan for 2 years or more on 31 March",
    "on_plan_2_years_or_more_at_31_march_pct": "Children on a plan for 2 years or more on 31 March (% of those on a plan)",
    "second_or_subsequent_plan_pct": "Second or subsequent plans, ever (%)",
    "second_plan_within_2_years_pct": "Second plans within 2 years of the previous one ending (%)",
    "conferences_held.ICPC": "Initial Child Protection Conferences",
    "conferences_held.RCPC": "Review Child Protection Conferences",
    "conferences_held.TRANSFER_IN": "Transfer-in conferences",
    "conferences_held.total": "All conferences",
    "conferences_with_domestic_abuse": "Conferences with domestic abuse as a risk factor",
    "conferences_with_domestic_abuse_pct": "Conferences with domestic abuse as a risk factor (%)",
    "children_invited_to_conferences.invited": "Children invited to their conference",
    "children_invited_to_conferences.attended": "Children who attended their conference",
    "children_with_advocate": "Children supported by the Independent Advocacy Service",
    "marac_victims": "Victims referred to MARAC",
    "marac_children": "Children in the households of victims referred to MARAC",
    "marac_repeat_victims": "Victims referred to MARAC again (repeat victims)",
}
"""One label per measure, from the measure's definition: every table, sentence that names a measure, the
appendix, the reconciliation and the downloads use these words (:func:`cpstats.present.labels.figure_label`)."""
