"""Sentences for the report, written from computed measures.

Every number in a sentence comes from the measures passed in; every year
label comes from the :class:`~cpstats.data.periods.ReportingYear` passed in. The
functions return Markdown text, one paragraph each, for a notebook to show
with ``IPython.display.Markdown``.

Prose rounds percentages to whole numbers, as the model report does ("a 26%
decrease"); tables show them to one decimal place (see :mod:`cpstats.present.tables`).
A value that is not applicable (``None``) is never written as zero.

The measures passed in are a report's protected figures
(:mod:`cpstats.figures.figures`): in a public report a withheld value is a
:class:`~cpstats.figures.figures.Withheld`, which :func:`format_count` and
:func:`plural` write "fewer than 6" (a small count) or ``[c]``, and a
percentage or change worked out from one is left out. Nothing here decides
what is withheld.

Examples
--------
>>> from cpstats.data.periods import ReportingYear
>>> referrals_sentence({"referrals": 305}, {"referrals": 412}, ReportingYear.parse("2017-18"))
"Children's Social Care received 305 referrals in 2017-18, a 26% decrease on 2016-17 (412)."
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Mapping

from cpstats.figures.figures import CONFIDENTIAL, Withheld, is_withheld
from cpstats.data.periods import ReportingYear

__all__ = [
    "NOT_APPLICABLE",
    "WITHHELD_NOTE",
    "share_phrase",
    "withheld_breakdown",
    "format_count",
    "format_percent",
    "format_rate",
    "percent_of",
    "change_phrase",
    "plural",
    "date_phrase",
    "referrals_sentence",
    "s47_sentence",
    "icpc_sentence",
    "children_during_year_sentence",
    "open_at_31_march_sentence",
    "category_sentence",
    "domestic_abuse_sentence",
    "population_sentence",
    "profile_sentence",
    "reviews_sentence",
    "long_plans_sentence",
    "repeat_plans_sentence",
    "duration_sentence",
    "england_comparison",
    "paragraphs",
    "conferences_sentence",
    "children_at_conferences_sentence",
    "agency_attendance_sentence",
    "audits_sentence",
    "timeliness_sentence",
    "marac_sentence",
    "feedback_sentence",
    "trend_sentence",
]

NOT_APPLICABLE = "not applicable"
"""What a sentence says where a percentage or rate has no denominator."""
WITHHELD_NOTE = "[c]: not shown, to protect the confidentiality of small numbers"
"""What a public sentence adds when it withholds a number."""

CATEGORY_WORDS = {
    "EMO": "emotional abuse",
    "NEG": "neglect",
    "PHY": "physical abuse",
    "SAB": "sexual abuse",
    "MUL": "multiple categories",
}
"""Category of abuse codes (CIN census) in the words of the report."""


# ----------------------------------------------------------------- formatting numbers


def _round_half_up(value: float, places: int) -> Decimal:
    """Round as published statistics do: 0.5 goes up, not to even."""
    step = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)


def format_count(value: int | None) -> str:
    """A count with thousands separators; a withheld one as the figures word it ("fewer than 6" or ``[c]``).

    >>> format_count(8166), format_count(None), format_count(Withheld(primary=True)), format_count(Withheld())
    ('8,166', 'not applicable', 'fewer than 6', '[c]')
    """
    if value is None:
        return NOT_APPLICABLE
    if is_withheld(value):
        return value.phrase if isinstance(value, Withheld) else CONFIDENTIAL
    return f"{int(value):,}"


def format_percent(value: float | None, places: int = 0) -> str:
    """A percentage, rounded half up to ``places`` decimals.

    >>> format_percent(23.81)
    '24%'
    >>> format_percent(90.45, places=1)
    '90.5%'
    >>> format_percent(None)
    'not applicable'
    """
    if value is None:
        return NOT_APPLICABLE
    if is_withheld(value):
        return CONFIDENTIAL
    return f"{_round_half_up(value, places):,}%"


def format_rate(value: float | None) -> str:
    """A rate per 10,000 to one decimal place.

    >>> format_rate(23.27)
    '23.3'
    """
    if is_withheld(value):
        return CONFIDENTIAL
    return NOT_APPLICABLE if value is None else f"{_round_half_up(value, 1):,}"


def percent_of(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``; ``None`` when ``whole`` is zero.

    >>> round(percent_of(5, 21), 2)
    23.81
    >>> percent_of(1, 0) is None
    True
    """
    return None if not whole else 100 * part / whole


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` followed by the right form of a noun.

    >>> plural(1, "family", "families"), plural(20, "family", "families")
    ('1 family', '20 families')
    >>> plural(Withheld(primary=True), "unborn baby", "unborn babies")
    'fewer than 6 unborn babies'
    """
    if is_withheld(count):
        return f"{format_count(count)} {plural_form or singular + 's'}"
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{format_count(count)} {word}"


def share_phrase(part: int, whole: int, places: int = 0) -> str:
    """``part`` as a percentage of ``whole``, in brackets; nothing if ``whole`` is 0 or either is withheld.

    >>> share_phrase(5, 21), share_phrase(Withheld(), 21)
    (' (24%)', '')
    """
    if is_withheld(part) or is_withheld(whole) or not whole:
        return ""
    return f" ({format_percent(percent_of(part, whole), places)})"


def _percent_withheld(pct, whole=None) -> bool:
    """Whether a percentage is withheld by the figures."""
    return is_withheld(pct)


def withheld_breakdown(counts: Mapping[str, int]) -> dict[str, int | None]:
    """The parts of a breakdown as a sentence states them; ``None`` for those the figures withhold.

    >>> withheld_breakdown({"EMO": 20, "NEG": Withheld(), "SAB": Withheld(primary=True)})
    {'EMO': 20, 'NEG': None, 'SAB': None}
    """
    return {key: None if is_withheld(value) else value for key, value in counts.items()}


def _one(count: int | None) -> bool:
    """Whether a count is written as exactly one (so takes a singular verb): not when it is withheld."""
    return not is_withheld(count) and count == 1


def _capital(text: str) -> str:
    """A sentence that may start with "fewer than 6", with its first letter a capital."""
    return text[:1].upper() + text[1:]


def _shown(value: int | None) -> str:
    """A part of :func:`withheld_breakdown` as a sentence states it."""
    return CONFIDENTIAL if value is None else format_count(value)


def change_phrase(current: int, previous: int | None) -> str | None:
    """Describe the change from ``previous`` to ``current`` as a whole percentage.

    >>> change_phrase(305, 412)
    'a 26% decrease'
    >>> change_phrase(50, 40)
    'a 25% increase'
    >>> change_phrase(7, 7)
    'no change'
    >>> change_phrase(3, 0) is None
    True
    """
    if is_withheld(current) or is_withheld(previous) or not previous:
        return None
    if current == previous:
        return "no change"
    change = percent_of(abs(current - previous), previous)
    direction = "increase" if current > previous else "decrease"
    return f"a {format_percent(change)} {direction}"


def date_phrase(day) -> str:
    """A date as the report writes it, e.g. ``31 March 2018``.

    >>> import pandas as pd
    >>> date_phrase(pd.Timestamp(2018, 3, 31))
    '31 March 2018'
    """
    return f"{day.day} {day.strftime('%B')} {day.year}"


def england_comparison(value, year: ReportingYear, unit: str = "") -> str:
    """A bracketed comparison with England's figure for the same year, or nothing.

    ``value`` is what :func:`cpstats.data.reference.england_value` returns: a
    ``(value, source)`` pair or ``None``.

    >>> england_comparison((45.9, "DfE"), ReportingYear.parse("2017-18"), " per 10,000")
    ' (England 2017-18: 45.9 per 10,000)'
    >>> england_comparison(None, ReportingYear.parse("2017-18"))
    ''
    """
    if value is None:
        return ""
    number = value[0]
    shown = format_rate(number) if isinstance(number, float) else format_count(number)
    return f" (England {year.label}: {shown}{unit})"


# ----------------------------------------------------------------- section 8


def referrals_sentence(current: Mapping, previous: Mapping | None, year: ReportingYear) -> str:
    """Referrals received in the year, compared with the year before.

    Parameters
    ----------
    current, previous : mapping
        Measures of the year and of the year before (``previous`` may be
        ``None`` when the data do not cover it).
    year : ReportingYear
        The reporting year.

    Returns
    -------
    str
        One sentence.
    """
    count = current["referrals"]
    text = f"Children's Social Care received {plural(count, 'referral')} in {year.label}"
    if previous is None:
        return text + "."
    before = previous["referrals"]
    change = change_phrase(count, before)
    last = year.previous().label
    if is_withheld(count) or is_withheld(before):
        return text + f", against {format_count(before)} in {last}."
    if change is None:
        return text + f", with none in {last}."
    return text + f", {change} on {last} ({format_count(before)})."


def s47_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Section 47 strategy discussions and requests for an initial conference."""
    s47 = measures["s47_enquiries"]
    requests = measures["icpc_requests"]
    return (
        f"In {year.label}, {plural(s47, 'referral')} resulted in a section 47 multi-agency "
        f"strategy discussion, and {format_count(requests)} of those discussions resulted in "
        "a request for an Initial Child Protection Conference."
    )


def icpc_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Initial conferences held, how many on time, and where the threshold was not met."""
    held = measures["icpcs"]
    on_time = measures["icpc_within_15_working_days_pct"]
    text = _capital(f"{plural(held, 'child', 'children')} had an Initial Child Protection Conference in {year.label}")
    if on_time is not None and not _percent_withheld(on_time, held):
        text += f"; {format_percent(on_time)} of these conferences were held within 15 working days of the section 47 enquiry starting"
    text += "."
    not_met = measures.get("icpc_threshold_not_met")
    if not_met is not None:
        text += (
            f" At Initial Child Protection Conferences the threshold for a plan was not met for "
            f"{plural(not_met, 'child', 'children')}; a Child in Need plan was made instead."
        )
    return text


def children_during_year_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Children and families with a plan at any time in the year, and the unborn among them."""
    children = measures["children_with_plan_during_year"]
    families = measures["families_with_plan_during_year"]
    unborn = measures["unborn_at_plan_start"]
    unborn_phrase = (
        f"including {plural(unborn, 'unborn baby', 'unborn babies')}" if unborn
        else "none of them unborn when their plan started"
    )
    verb = "was" if _one(children) else "were"
    return (
        f"During {year.label} there {verb} {plural(children, 'individual child', 'individual children')} "
        f"subject of a Child Protection Plan, from {plural(families, 'family', 'families')}, {unborn_phrase}."
    )


def open_at_31_march_sentence(measures: Mapping, year: ReportingYear, england=None) -> str:
    """Children on a plan at 31 March and the rate per 10,000 children, with England's rate."""
    count = measures["children_on_plan_at_31_march"]
    rate = measures["cpp_rate_per_10000_at_31_march"]
    text = (
        f"On {date_phrase(year.end)} there {'was' if _one(count) else 'were'} "
        f"{plural(count, 'child', 'children')} subject of a Child Protection Plan"
    )
    if rate is None or is_withheld(rate):
        return text + "."
    return (
        text + f", a rate of {format_rate(rate)} per 10,000 children under 18"
        + england_comparison(england, year, " per 10,000") + "."
    )


# ----------------------------------------------------------------- section 9


def category_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Children with a plan during the year by category of abuse, largest first.

    >>> category_sentence({"category_during_year": {"EMO": 20, "NEG": 18, "PHY": 0, "SAB": 2, "MUL": 0},
    ...                    "children_with_plan_during_year": 40}, ReportingYear.parse("2017-18"))
    'Of the 40 children subject of a Child Protection Plan during 2017-18, by the latest category of abuse: 20 (50%) emotional abuse, 18 (45%) neglect and 2 (5%) sexual abuse; no child was recorded under physical abuse or multiple categories.'
    """
    counts = measures["category_during_year"]
    total = measures.get("children_with_plan_during_year", sum(counts.values()))
    shown = withheld_breakdown(counts)
    ordered = sorted(((code, n) for code, n in shown.items() if n), key=lambda item: -item[1])
    parts = [f"{format_count(n)}{share_phrase(n, total)} {CATEGORY_WORDS[code]}" for code, n in ordered]
    small = [CATEGORY_WORDS[code] for code, n in counts.items() if isinstance(n, Withheld) and n.primary]
    hidden = [CATEGORY_WORDS[code] for code, n in counts.items() if is_withheld(n) and not (isinstance(n, Withheld) and n.primary)]
    if small:  # in a fixed order: sorting by size would say something about them
        parts.append(f"fewer than {counts_threshold(counts) + 1} {_joined(small)}")
    text = (f"Of the {plural(total, 'child', 'children')} subject of a Child Protection Plan during "
            f"{year.label}, by the latest category of abuse: {_joined(parts) if parts else 'none is shown'}")
    none = [CATEGORY_WORDS[code] for code, n in shown.items() if n == 0]
    if none:
        text += "; no child was recorded under " + (", ".join(none[:-1]) + " or " + none[-1] if len(none) > 1 else none[0])
    if hidden:
        text += (f". The number{'s' if len(hidden) > 1 else ''} for {_joined(hidden)} {'are' if len(hidden) > 1 else 'is'} "
                 "not shown, so that the small numbers cannot be worked out from the total")
    return text + "."


def counts_threshold(counts: Mapping) -> int:
    """The disclosure threshold of the withheld counts among ``counts`` (5 when none says)."""
    return next((n.threshold for n in counts.values() if isinstance(n, Withheld)), 5)


def _joined(items: list[str]) -> str:
    """``a, b and c``."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def domestic_abuse_sentence(measures: Mapping, year: ReportingYear) -> str | None:
    """Conferences with domestic abuse recorded as a risk factor; ``None`` if not collected."""
    held = measures.get("conferences_held")
    with_da = measures.get("conferences_with_domestic_abuse")
    if held is None or with_da is None:
        return None
    return (
        f"In {year.label}, {format_count(with_da)} of the "
        f"{plural(held['total'], 'Child Protection Conference')} held"
        f"{share_phrase(with_da, held['total'])} had domestic abuse identified "
        "as a factor."
    )


# ----------------------------------------------------------------- section 10


def population_sentence(population: int | None, la_name: str, year: ReportingYear) -> str:
    """The population denominator used for rates, and where it comes from."""
    if population is None:
        return f"No population estimate for {la_name} for {year.label} is in the reference data, so no rates are shown."
    return (
        f"Rates are per 10,000 children under 18: the ONS mid-{year.population_mid_year} estimate "
        f"is {format_count(population)} children and young people under the age of 18 living in "
        f"{la_name}, the denominator DfE uses for {year.label}."
    )


def profile_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Sex and disability of the children with a plan during the year.

    >>> profile_sentence({"sex": {"M": 22, "F": 17, "U": 1}, "disability": {"Y": 2, "N": 38}},
    ...                  ReportingYear.parse("2017-18"))
    'Of the children subject of a Child Protection Plan during 2017-18, 22 were male and 17 female (56% male, 44% female, excluding unborn and unknown); 1 was unborn or of unknown sex. 2 children had a disability.'
    """
    sex, disability = measures["sex"], measures["disability"]
    said = [f"{format_count(sex[k])} {word}" for k, word in (("M", "male"), ("F", "female"))
            if not _secondary(sex[k])]
    text = f"Of the children subject of a Child Protection Plan during {year.label}, "
    if said:
        first, *rest = said
        text += first.replace(" male", " were male").replace(" female", " were female")
        if rest:
            text += " and " + rest[0]
    born = sex["M"] + sex["F"]
    if not is_withheld(born) and born and not is_withheld(sex["M"]) and not is_withheld(sex["F"]):
        text += (f" ({format_percent(percent_of(sex['M'], born))} male, "
                 f"{format_percent(percent_of(sex['F'], born))} female, excluding unborn and unknown)")
    if not _secondary(sex["U"]) and (is_withheld(sex["U"]) or sex["U"]):
        text += f"; {format_count(sex['U'])} {'was' if _one(sex['U']) else 'were'} unborn or of unknown sex"
    if not said:
        text = f"The numbers of boys and girls subject of a Child Protection Plan during {year.label} are not shown"
    text += "."
    if not _secondary(disability["Y"]):
        text += " " + _capital(f"{plural(disability['Y'], 'child', 'children')} had a disability.")
    if any(_secondary(v) for v in [*sex.values(), *disability.values()]):
        text += " Some of these numbers are not shown, so that small numbers cannot be worked out from the totals."
    return text


def _secondary(value) -> bool:
    """A value withheld to protect another (not itself small): prose leaves it out."""
    return isinstance(value, Withheld) and not value.primary or (is_withheld(value) and not isinstance(value, Withheld))


# ----------------------------------------------------------------- section 11


def reviews_sentence(measures: Mapping, year: ReportingYear, england=None) -> str:
    """Reviews in timescale, with England's figure for the same year."""
    pct = measures["reviews_in_timescale_pct"]
    if pct is None:
        return (
            f"No child had been subject of a Child Protection Plan for 3 months or more on "
            f"{date_phrase(year.end)}, so the timeliness of reviews is not applicable."
        )
    comparison = ""
    if england is not None:
        comparison = f" The national figure for {year.label} was {format_percent(england[0], 1)}."
    return (
        "The percentage of children subject of a Child Protection Plan for 3 months or more on "
        f"{date_phrase(year.end)} whose reviews were all carried out within the required "
        f"timescales was {format_percent(pct)}.{comparison}"
    )


def long_plans_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Children on a plan for 2 years or more at 31 March."""
    count = measures["on_plan_2_years_or_more_at_31_march"]
    if count == 0:
        return f"No child had been subject of a Child Protection Plan for 2 years or more on {date_phrase(year.end)}."
    return (
        f"On {date_phrase(year.end)}, {plural(count, 'child', 'children')} had been subject of a "
        "Child Protection Plan for 2 years or more."
    )


# ----------------------------------------------------------------- section 12


def repeat_plans_sentence(measures: Mapping, year: ReportingYear, england=None) -> str:
    """Plans starting in the year that were a second or subsequent plan."""
    starts = measures["plan_starts"]
    pct = measures["second_or_subsequent_plan_pct"]
    if pct is None:
        return f"No Child Protection Plan started in {year.label}."
    national = "" if england is None else f" (England {year.label}: {format_percent(england[0], 1)})"
    if is_withheld(pct):
        return (
            f"Of the {plural(starts, 'Child Protection Plan')} that started in {year.label}, the share that "
            f"were a second or subsequent plan is not shown, to protect the confidentiality of small numbers{national}."
        )
    if pct == 0:
        return (
            f"None of the {plural(starts, 'Child Protection Plan')} that started in {year.label} "
            f"was a second or subsequent plan{national}."
        )
    return (
        f"Of the {plural(starts, 'Child Protection Plan')} that started in {year.label}, "
        f"{format_percent(pct)} were a second or subsequent plan for the child{national}."
    )


# ----------------------------------------------------------------- section 13


def duration_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Plans ended in the year, and the share that lasted from 6 months to under a year."""
    bands = measures["ended_plans_by_duration"]
    ended = measures["plan_ends"]
    if not ended:
        return f"No Child Protection Plan ended in {year.label}."
    expected = bands["over_6_months_to_under_1_year"]
    return (
        _capital(f"{plural(ended, 'Child Protection Plan')} ended in {year.label}. ")
        + _capital(f"{format_count(expected)} of them{share_phrase(expected, ended)} ")
        + "concluded between 6 and 12 months, the expected time for most plans to reach conclusion."
    )


# ----------------------------------------------------------------- showing sentences


def paragraphs(*texts: str | None):
    """Sentences to show in a notebook, one paragraph each; those that are ``None`` (not collected) left out.

    >>> print(paragraphs("One.", None, "Two.").data)
    One.
    <BLANKLINE>
    Two.
    """
    from IPython.display import Markdown

    return Markdown("\n\n".join(text for text in texts if text))


# ----------------------------------------------------------------- section 3


def conferences_sentence(values: Mapping, year: ReportingYear) -> str | None:
    """Conferences held in the year by type; ``None`` when conferences were not collected.

    >>> conferences_sentence({"conferences_held": {"ICPC": 16, "RCPC": 36, "TRANSFER_IN": 0, "total": 52}},
    ...                      ReportingYear.parse("2017-18"))
    '52 Child Protection Conferences were held in 2017-18: 16 initial, 36 review and no transfer-in conferences.'
    """
    held = values.get("conferences_held")
    if held is None:
        return None
    shown = withheld_breakdown({key: held[key] for key in ("ICPC", "RCPC", "TRANSFER_IN")})
    kinds = [(shown["ICPC"], "initial"), (shown["RCPC"], "review"), (shown["TRANSFER_IN"], "transfer-in")]
    listed = [f"{'no' if n == 0 else _shown(n)} {kind}" for n, kind in kinds]
    verb = "was" if _one(held["total"]) else "were"
    return _capital(
        f"{plural(held['total'], 'Child Protection Conference')} {verb} held in {year.label}: "
        f"{listed[0]}, {listed[1]} and {listed[2]} conferences."
    )


def children_at_conferences_sentence(values: Mapping, year: ReportingYear) -> str | None:
    """Children invited to and attending their conferences, and supported by the advocacy service."""
    invited = values.get("children_invited_to_conferences")
    advocated = values.get("children_with_advocate")
    if invited is None:
        return None
    text = (
        f"In {year.label}, {plural(invited['invited'], 'child was', 'children were')} invited to their "
        f"conference and {format_count(invited['attended'])} attended."
    )
    if advocated is not None:
        text += (
            f" {plural(advocated, 'child was', 'children were')} supported by the Independent Advocacy Service."
        )
    return text


def agency_attendance_sentence(values: Mapping, year: ReportingYear, lowest: int = 3) -> str | None:
    """The agencies that attended the smallest share of the conferences they were invited to."""
    agencies = values.get("agency_attendance")
    if not agencies:
        return None
    rated = [(a["attended_pct"], name) for name, a in agencies.items()
             if a["attended_pct"] is not None and not is_withheld(a["attended_pct"])]
    if not rated:
        return None
    worst = sorted(rated)[:lowest]
    listed = [f"{name} ({CONFIDENTIAL if _percent_withheld(pct, agencies[name].get('invited')) else format_percent(pct)})"
              for pct, name in worst]
    joined = ", ".join(listed[:-1]) + " and " + listed[-1] if len(listed) > 1 else listed[0]
    return (
        f"Of the agencies invited to conferences in {year.label}, the lowest attendance was from {joined} "
        "of the conferences they were invited to."
    )


# ----------------------------------------------------------------- section 5


def audits_sentence(values: Mapping, target: int, year: ReportingYear) -> str | None:
    """Case audits in the year against the monthly target, and the months that fell short.

    >>> months = dict(zip("abcdefghijkl", [1, 2, 2, 2, 1, 2, 2, 2, 2, 1, 1, 2]))
    >>> audits_sentence({"case_audits_by_month": months}, 2, ReportingYear.parse("2017-18"))
    '20 case audits were completed in 2017-18 against a target of 2 a month: the target was met in 8 of the 12 months; in 4 months 1 audit was completed.'
    """
    months = values.get("case_audits_by_month")
    if months is None:
        return None
    counts = list(months.values())
    met = sum(n >= target for n in counts)
    text = _capital(
        f"{plural(sum(counts), 'case audit')} {'was' if _one(sum(counts)) else 'were'} completed in "
        f"{year.label} against a target of {format_count(target)} a month: the target was met in "
        f"{format_count(met)} of the {format_count(len(counts))} months"
    )
    short = sorted({n for n in counts if n < target}, reverse=True)
    parts = []
    for n in short:
        number = sum(c == n for c in counts)
        months_phrase = plural(number, "month")
        parts.append(f"in {months_phrase} no audit was completed" if n == 0
                     else f"in {months_phrase} {plural(n, 'audit')} {'was' if _one(n) else 'were'} completed")
    return text + ("; " + "; ".join(parts) if parts else "") + "."


# ----------------------------------------------------------------- section 6


def timeliness_sentence(measures: Mapping, year: ReportingYear, england=None, previous: Mapping | None = None) -> str:
    """Initial conferences within 15 working days, with the year before and England the same year."""
    pct = measures["icpc_within_15_working_days_pct"]
    if pct is None:
        return f"No Initial Child Protection Conference held in {year.label} can be timed from a section 47 enquiry."
    if _percent_withheld(pct, measures.get("icpcs")):
        return (
            f"The share of Initial Child Protection Conferences held within 15 working days of the section 47 "
            f"enquiry starting in {year.label} is not shown, to protect the confidentiality of small numbers."
        )
    comparators = []
    if previous is not None and previous.get("icpc_within_15_working_days_pct") is not None:
        comparators.append(f"{year.previous().label}: {format_percent(previous['icpc_within_15_working_days_pct'])}")
    if england is not None:
        comparators.append(f"England {year.label}: {format_percent(england[0], 1)}")
    bracket = f" ({'; '.join(comparators)})" if comparators else ""
    return (
        f"In {year.label}, {format_percent(pct)} of Initial Child Protection Conferences were held within "
        f"15 working days of the section 47 enquiry starting{bracket}."
    )


# ----------------------------------------------------------------- section 9: domestic abuse and MARAC


def marac_sentence(values: Mapping, year: ReportingYear) -> str | None:
    """Victims referred to MARAC, the children in their households, and repeat victims.

    >>> marac_sentence({"marac_victims": 18, "marac_children": 24, "marac_repeat_victims": 8},
    ...                ReportingYear.parse("2017-18"))
    '18 victims were referred to the Multi Agency Risk Assessment Conference (MARAC) in 2017-18, with 24 children in their households; 8 of the victims were repeat victims.'
    """
    victims = values.get("marac_victims")
    if victims is None:
        return None
    return _capital(
        f"{plural(victims, 'victim was', 'victims were')} referred to the Multi Agency Risk Assessment "
        f"Conference (MARAC) in {year.label}, with {plural(values['marac_children'], 'child', 'children')} "
        f"in their households; {format_count(values['marac_repeat_victims'])} of the victims were repeat victims."
    )


# ----------------------------------------------------------------- section 14


RESPONDENT_WORDS = {
    "PARENT": ("parent", "parents"),
    "CHILD": ("child or young person", "children and young people"),
    "FAMILY_MEMBER": ("other family member", "other family members"),
    "PROFESSIONAL": ("professional", "professionals"),
}


def feedback_sentence(values: Mapping, year: ReportingYear) -> str | None:
    """Feedback forms returned by each kind of participant, and the share rating the conference 4 or 5."""
    feedback = values.get("feedback_by_respondent")
    if feedback is None:
        return None
    total = values.get("feedback_forms", sum(f["forms"] for f in feedback.values()))
    if not total:
        return f"No feedback forms were returned from conferences in {year.label}."
    given = [(key, f) for key, f in feedback.items() if f["forms"]]
    counts = [plural(f["forms"], *RESPONDENT_WORDS[key]) for key, f in given]
    shares = [f"{CONFIDENTIAL if _percent_withheld(f['good_pct'], f['forms']) else format_percent(f['good_pct'])} "
              f"of {RESPONDENT_WORDS[key][1]}" for key, f in given]
    join = lambda items: ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]  # noqa: E731
    return _capital(
        f"{plural(total, 'feedback form')} {'was' if _one(total) else 'were'} returned from conferences in "
        f"{year.label}, from {join(counts)}. The conference was rated good or very good (4 or 5 out of 5) "
        f"by {join(shares)}."
    )


# ----------------------------------------------------------------- trends


def trend_sentence(trend, la_name: str, measure: str = "cpp_rate_per_10000_at_31_march") -> str | None:
    """How the authority's rate compared with England's in each year of a trend table."""
    pairs = [
        (year, row[measure], row.get(f"england:{measure}"))
        for year, row in trend.iterrows()
        if row[measure] is not None and row.get(f"england:{measure}") is not None and not is_withheld(row[measure])
    ]
    if len(pairs) < 2:
        return None
    below = sum(la < england for _, la, england in pairs)
    first, last = pairs[0][0], pairs[-1][0]
    if below == len(pairs):
        relation = "below England's rate in every year"
    elif below == 0:
        relation = "at or above England's rate in every year"
    else:
        relation = (f"below England's rate in {format_count(below)} of the "
                    f"{format_count(len(pairs))} years")
    low = min(la for _, la, _ in pairs)
    high = max(la for _, la, _ in pairs)
    return (
        f"From {first} to {last}, the rate of children subject of a Child Protection Plan on 31 March in "
        f"{la_name} was between {format_rate(low)} and {format_rate(high)} per 10,000 children, {relation}."
    )
