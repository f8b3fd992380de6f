"""The measures' definitions in readers' words: what is counted, and when, following DfE's definitions.

The report's Definitions appendix shows these. The analysts' definitions, with the data's field names
(``referral_date``, ``S47ActualStartDate``, ``NO_PLAN``), are the measures' docstrings, which
``docs/measures.md`` gathers (:mod:`cpstats.figures.definitions`); a reader of the report never sees a
field name. Every measure of :func:`cpstats.figures.definitions.measure_definitions` has a definition here
(a test checks it), so a new measure cannot reach the appendix in the analysts' words.
"""

from __future__ import annotations

__all__ = ["READER_DEFINITIONS", "reader_definition"]

_YEAR = "in the reporting year (1 April to 31 March)"
_PLAN_YEAR = "at any time in the reporting year"

READER_DEFINITIONS: dict[str, str] = {
    "referrals": f"Referrals to children's social care received {_YEAR}. A child referred twice is counted twice, "
                 "as DfE counts referrals.",
    "rereferrals_within_12_months_pct": "Of the year's referrals, the percentage about a child who had also been "
                                        "referred in the 12 months before.",
    "s47_enquiries": f"Enquiries under section 47 of the Children Act 1989 (where there is reasonable cause to suspect "
                     f"that a child is suffering, or likely to suffer, significant harm) started {_YEAR}.",
    "icpc_requests": "Of the year's section 47 enquiries, those after which an Initial Child Protection Conference "
                     "was requested.",
    "icpcs": f"Children who had an Initial Child Protection Conference {_YEAR}: a conference about brothers and "
             "sisters counts each child, as DfE counts them.",
    "icpc_within_15_working_days_pct": "Of the children at an initial conference in the year, the percentage whose "
                                       "conference was held within 15 working days of the start of the section 47 "
                                       "enquiry, the timescale statutory guidance sets.",
    "icpc_working_days_bands": "The same children, by the working days from the start of the section 47 enquiry to "
                               "their initial conference: up to 10, 11 to 15, 16 to 20, and 21 or more.",
    "children_on_plan_at_31_march": "Children subject of a Child Protection Plan at the end of the year, on 31 March "
                                    "(a plan that ended on 31 March is not counted). A child is counted once.",
    "cpp_rate_per_10000_at_31_march": "Those children per 10,000 children aged under 18 living in the area (the ONS "
                                      "mid-year population estimate DfE uses for the year).",
    "plan_starts": f"Child Protection Plans that started {_YEAR}.",
    "plan_start_rate_per_10000": "Those plans per 10,000 children aged under 18 living in the area (the ONS mid-year "
                                 "population estimate DfE uses for the year).",
    "plan_ends": f"Child Protection Plans that ended {_YEAR}.",
    "children_with_plan_during_year": f"Children subject of a Child Protection Plan {_PLAN_YEAR}, each counted once.",
    "families_with_plan_during_year": "The families of those children, each family counted once.",
    "unborn_at_plan_start": "Of the children with a plan during the year, those whose plan started before they were "
                            "born.",
    "second_or_subsequent_plan_pct": "Of the plans started in the year, the percentage that were the child's second "
                                     "or later plan at any time, as DfE counts repeat plans.",
    "second_plan_within_2_years_pct": "Of the plans started in the year, the percentage where the child's previous "
                                      "plan had ended within the 2 years before.",
    "category_during_year": "Children with a plan during the year, by the category of abuse last recorded on their "
                            "latest plan: neglect, emotional abuse, physical abuse, sexual abuse or multiple categories.",
    "initial_category_of_starts": "Plans started in the year, by the category of abuse recorded when the plan started.",
    "latest_category_at_31_march": "Plans open on 31 March, by the category of abuse last recorded.",
    "ended_plans_by_duration": "Plans that ended in the year, by how long they lasted in calendar months: 3 months or "
                               "less, over 3 to 6 months, over 6 months to under a year, 1 to under 2 years, and 2 "
                               "years or more, as DfE bands them.",
    "ended_plans_2_years_or_more_pct": "Of the plans that ended in the year, the percentage that had lasted 2 years "
                                       "or more.",
    "on_plan_2_years_or_more_at_31_march": "Children on a plan on 31 March whose plan had started at least 2 years "
                                           "before.",
    "on_plan_2_years_or_more_at_31_march_pct": "Those children as a percentage of all children on a plan on 31 March.",
    "reviews_in_timescale_pct": "Of the children who on 31 March had been on a plan for 3 months or more, the "
                                "percentage whose review conferences had all been held within the timescales of "
                                "statutory guidance (the first within 3 months of the initial conference, then every "
                                "6 months).",
    "conferences_held": f"Child Protection Conferences held {_YEAR}, by kind: initial, review and transfer-in (for a "
                        "child whose plan moves from another authority). A conference about several children counts "
                        "once.",
    "conferences_with_domestic_abuse": "Conferences in the year at which domestic abuse was recorded as a risk factor.",
    "conferences_with_domestic_abuse_pct": "Those conferences as a percentage of all the conferences held in the year.",
    "icpc_threshold_not_met": "Children at an initial conference in the year for whom, by the authority's conference "
                              "records, the threshold for a Child Protection Plan was not met.",
    "children_with_advocate": "Children at a conference in the year who were supported by the Independent Advocacy "
                              "Service, each counted once.",
    "agency_attendance": "For each agency, the conferences in the year it was invited to and attended, and the reports "
                         "it shared, and how many on time (2 working days before an initial conference, 3 before a "
                         "review).",
    "age_bands": "Children with a plan during the year, by age: unborn, under 1, 1 to 4, 5 to 9, 10 to 15, and 16 "
                 "or over.",
    "sex": "Children with a plan during the year, by sex: male, female, and unborn or not known.",
    "ethnicity": "Children with a plan during the year, by ethnicity as DfE groups it.",
    "disability": "Children with a plan during the year, by whether they had a disability.",
    "marac_victims": "Victims of domestic abuse referred to the Multi Agency Risk Assessment Conference (MARAC) in the "
                     "year, each counted once.",
    "marac_children": "Children living in the households of those victims.",
    "marac_repeat_victims": "Of those victims, those referred to MARAC again in the year.",
    "case_audits_by_month": "Case audits completed in each month of the year.",
    "case_audit_grades": "Case audits completed in the year, by the grade given.",
    "feedback_by_respondent": "Feedback forms returned from conferences in the year, by who returned them (parent, "
                              "child or young person, other family member, professional), with the average rating "
                              "out of 5 and the percentage rating the conference good or very good (4 or 5).",
    "children_invited_to_conferences": "Children invited to their conference in the year (children over 11 are "
                                       "invited), and those who attended.",
}
"""Each measure's definition as the report's reader reads it."""


def reader_definition(name: str, analysts: str) -> str:
    """The reader's definition of a measure; a local measure (the project's own) keeps its docstring's words."""
    return READER_DEFINITIONS.get(name, analysts)
