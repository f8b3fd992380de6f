"""Sentences for the report, written from computed measures.

Every number in a sentence comes from the measures passed in; every year
label comes from the :class:`~cpstats.data.periods.ReportingYear` passed in. The
functions return plain text, one paragraph each, never Markdown: text from the
data (the authority's name, agency names) is in it as it is, and a notebook shows
sentences through :func:`paragraphs` or :func:`main_points`, whose outputs carry
them as pandoc blocks of text (:mod:`cpstats.present.text`), so no renderer
reads them as Markdown, HTML or Typst.

The words are not here: each sentence is a template in ``wording.yaml``
beside this module, filled by :func:`say` with the placeholder syntax and the
checks of commentary. A function here decides which template fits (a first
year, no change, a withheld figure) and writes the values it needs as words.

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

from pathlib import Path
from typing import Mapping

from cpstats.data.periods import ReportingYear
from cpstats.figures.figures import Withheld, is_withheld
from cpstats.present.numbers import (  # noqa: F401  (part of this module's interface)
    NOT_APPLICABLE, _capital, _one, _shown, article, change_phrase, date_phrase,
    format_count, format_percent, format_rate, percent_of, plural, share_phrase, withheld_breakdown,
)

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
    "Paragraphs",
    "conferences_sentence",
    "children_at_conferences_sentence",
    "agency_attendance_sentence",
    "audits_sentence",
    "timeliness_sentence",
    "marac_sentence",
    "feedback_sentence",
    "trend_sentence",
    "MAIN_POINTS_HEADING",
    "MainPoints",
    "main_points",
    "sources_sentence",
]

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


# ----------------------------------------------------------------- the templates


_WORDING = Path(__file__).resolve().parent / "wording.yaml"


def _templates() -> dict:
    import yaml

    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = yaml.safe_load(_WORDING.read_text(encoding="utf-8"))
    return _CATALOGUE


_CATALOGUE: dict | None = None


def say(key: str, **values) -> str:
    """The template ``key`` of ``wording.yaml`` (e.g. ``"referrals.change"``), filled with ``values``.

    Values are put in as written (strings) or as commentary prints them
    (numbers); a name the template uses and ``values`` lacks is an error
    naming the file and the template.

    >>> say("marac", victims="18 victims were", year="2017-18", children="24 children", repeat="8")
    'In 2017-18, 18 victims were referred to the Multi Agency Risk Assessment Conference (MARAC), with 24 children in their households; 8 of the victims were repeat victims.'
    """
    from cpstats.present.commentary import Context, fill

    template = _templates()
    for part in key.split("."):
        template = template[part]
    return fill(template, Context({}, words={name: _words(value) for name, value in values.items()}),
                source=f"{_WORDING.name}: {key}")


def _words(value) -> str:
    return value if isinstance(value, str) else format_count(value)


# ----------------------------------------------------------------- section 8


def referrals_sentence(current: Mapping, previous: Mapping | None, year: ReportingYear) -> str:
    """Referrals received in the year, compared with the year before."""
    count = current["referrals"]
    words = {"referrals": plural(count, "referral"), "year": year.label, "previous_year": year.previous().label}
    if previous is None:
        return say("referrals.first_year", **words)
    before = previous["referrals"]
    if is_withheld(count) or is_withheld(before):
        return say("referrals.withheld", previous=format_count(before), **words)
    change = change_phrase(count, before)
    if change is None:
        return say("referrals.none_before", **words)
    return say("referrals.change", change=change, previous=format_count(before), **words)


def s47_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Section 47 enquiries started and requests for an initial conference."""
    return say("s47", year=year.label, enquiries=plural(measures["s47_enquiries"], "section 47 enquiry", "section 47 enquiries"),
               requests=format_count(measures["icpc_requests"]))


def icpc_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Initial conferences held, how many on time, and where the threshold was not met.

    The threshold comes from the conference records, the children at a conference from the case records: the
    sentence says which source says what, and says so when the two do not agree
    (:func:`cpstats.present.reconciliation.conference_check`), rather than "the threshold was always met"
    beside more children at a conference than plans started.
    """
    from cpstats.present.reconciliation import conference_check

    held = measures["icpcs"]
    on_time = measures["icpc_within_15_working_days_pct"]
    children = plural(held, "child", "children")
    if on_time is not None and not is_withheld(on_time):
        text = say("icpc.held_on_time", children=children, year=year.label, on_time=format_percent(on_time))
    else:
        text = say("icpc.held", children=children, year=year.label)
    not_met = measures.get("icpc_threshold_not_met")
    if not_met is not None and (is_withheld(not_met) or not_met):
        text += " " + say("icpc.threshold_not_met", children=plural(not_met, "child", "children"))
    elif not_met == 0 and held:
        text += " " + say("icpc.threshold_always_met")
    if not_met is not None and conference_check(measures)["status"] == "differ":
        # the conference records' figure is said as theirs, beside what the case records show
        text += " " + say("icpc.sources_differ", icpcs=format_count(held), plans=format_count(measures["plan_starts"]))
    return text


def children_during_year_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Children and families with a plan at any time in the year, and the unborn among them."""
    children = measures["children_with_plan_during_year"]
    unborn = measures["unborn_at_plan_start"]
    if not is_withheld(children) and children == 0:
        return say("children_during_year.none", year=year.label)
    words = {"year": year.label, "verb": "was" if _one(children) else "were",
             "children": plural(children, "individual child", "individual children"),
             "families": plural(measures["families_with_plan_during_year"], "family", "families")}
    if unborn:
        return say("children_during_year.with_unborn", unborn=plural(unborn, "unborn baby", "unborn babies"), **words)
    return say("children_during_year.no_unborn", **words)


def open_at_31_march_sentence(measures: Mapping, year: ReportingYear, england=None) -> str:
    """Children on a plan at 31 March and the rate per 10,000 children, with England's rate."""
    count = measures["children_on_plan_at_31_march"]
    rate = measures["cpp_rate_per_10000_at_31_march"]
    words = {"date": date_phrase(year.end), "verb": "was" if _one(count) else "were",
             "children": plural(count, "child", "children")}
    if rate is None or is_withheld(rate):
        return say("open_at_31_march.count", **words)
    national = "" if england is None else say("open_at_31_march.england", year=year.label, rate=format_rate(england[0]))
    return say("open_at_31_march.with_rate", rate=format_rate(rate), england=national, **words)


# ----------------------------------------------------------------- section 9


def category_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Children with a plan during the year by category of abuse, largest first.

    >>> category_sentence({"category_during_year": {"EMO": 20, "NEG": 18, "PHY": 0, "SAB": 2, "MUL": 0},
    ...                    "children_with_plan_during_year": 40}, ReportingYear.parse("2017-18"))
    'Of the 40 children subject of a Child Protection Plan during 2017-18, by the latest category of abuse: 20 (50%) emotional abuse, 18 (45%) neglect and 2 (5%) sexual abuse. No child was recorded under physical abuse or multiple categories.'
    """
    counts = measures["category_during_year"]
    total = measures.get("children_with_plan_during_year", sum(counts.values()))
    shown = withheld_breakdown(counts)
    ordered = sorted(((code, n) for code, n in shown.items() if n), key=lambda item: -item[1])
    parts = [f"{format_count(n)}{share_phrase(n, total)} {CATEGORY_WORDS[code]}" for code, n in ordered]
    small = [CATEGORY_WORDS[code] for code, n in counts.items() if isinstance(n, Withheld) and n.primary]
    hidden = [CATEGORY_WORDS[code] for code, n in counts.items() if _secondary(n)]
    if small:  # in a fixed order: sorting by size would say something about them
        parts.append(f"fewer than {counts_threshold(counts) + 1} {_joined(small)}")
    text = say("category.listed", children=plural(total, "child", "children"), year=year.label,
               listed=_joined(parts) if parts else "none is shown")
    none = [CATEGORY_WORDS[code] for code, n in shown.items() if n == 0]
    if none:
        text += " " + say("category.none_recorded", categories=_joined(none, "or"))
    if hidden:
        text += " " + say("category.hidden", numbers="numbers" if len(hidden) > 1 else "number",
                          categories=_joined(hidden), verb="are" if len(hidden) > 1 else "is")
    return text


def counts_threshold(counts: Mapping) -> int:
    """The disclosure threshold of the withheld counts among ``counts`` (5 when none says)."""
    return next((n.threshold for n in counts.values() if isinstance(n, Withheld)), 5)


def _joined(items: list[str], last: str = "and") -> str:
    """``a, b and c`` (or ``a, b or c``)."""
    return ", ".join(items[:-1]) + f" {last} " + items[-1] if len(items) > 1 else "".join(items)


def domestic_abuse_sentence(measures: Mapping, year: ReportingYear) -> str | None:
    """Conferences with domestic abuse recorded as a risk factor; ``None`` if not collected."""
    held = measures.get("conferences_held")
    with_da = measures.get("conferences_with_domestic_abuse")
    if held is None or with_da is None:
        return None
    return say("domestic_abuse", year=year.label, with_abuse=format_count(with_da),
               conferences=plural(held["total"], "Child Protection Conference"),
               share=share_phrase(with_da, held["total"]))


# ----------------------------------------------------------------- section 10


def population_sentence(population: int | None, la_name: str, year: ReportingYear) -> str:
    """The population denominator used for rates, and where it comes from."""
    if population is None:
        return say("population.unknown", la_name=la_name, year=year.label)
    return say("population.known", mid_year=str(year.population_mid_year), population=format_count(population),
               la_name=la_name, year=year.label)


def profile_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Sex and disability of the children with a plan during the year.

    >>> profile_sentence({"sex": {"M": 22, "F": 17, "U": 1}, "disability": {"Y": 2, "N": 38}},
    ...                  ReportingYear.parse("2017-18"))
    'Of the children subject of a Child Protection Plan during 2017-18, 22 were male and 17 female (56% male, 44% female, excluding unborn and unknown); 1 was unborn or of unknown sex. Of these children, 2 children had a disability.'
    """
    sex, disability = measures["sex"], measures["disability"]
    said = [f"{format_count(sex[k])} {word}" for k, word in (("M", "male"), ("F", "female")) if not _secondary(sex[k])]
    if said:
        first, *rest = said
        sexes = first.replace(" male", " were male").replace(" female", " were female")
        sexes += f" and {rest[0]}" if rest else ""
        born = sex["M"] + sex["F"]
        shares = ""
        if not is_withheld(born) and born:
            shares = say("profile.shares", male=format_percent(percent_of(sex["M"], born)),
                         female=format_percent(percent_of(sex["F"], born)))
        unborn = ""
        if not _secondary(sex["U"]) and (is_withheld(sex["U"]) or sex["U"]):
            unborn = say("profile.unborn", unborn=format_count(sex["U"]), verb="was" if _one(sex["U"]) else "were")
        text = say("profile.opening", year=year.label, sexes=sexes, shares=shares, unborn=unborn)
    else:
        text = say("profile.not_shown", year=year.label)
    if not _secondary(disability["Y"]):
        text += " " + say("profile.disability", children=plural(disability["Y"], "child", "children"))
    if any(_secondary(v) for v in [*sex.values(), *disability.values()]):
        text += " " + say("profile.some_hidden")
    return text


def _secondary(value) -> bool:
    """A value withheld to protect another (not itself small): prose leaves it out."""
    return is_withheld(value) and not (isinstance(value, Withheld) and value.primary)


# ----------------------------------------------------------------- section 11


def reviews_sentence(measures: Mapping, year: ReportingYear, england=None) -> str:
    """Reviews in timescale, with England's figure for the same year."""
    pct = measures["reviews_in_timescale_pct"]
    date = date_phrase(year.end)
    if pct is None:
        return say("reviews.not_applicable", date=date)
    national = "" if england is None else say("reviews.england", year=year.label, share=format_percent(england[0]))
    if is_withheld(pct):
        return say("reviews.withheld", date=date, england=national)
    return say("reviews.share", date=date, share=format_percent(pct), england=national)


def long_plans_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Children on a plan for 2 years or more at 31 March."""
    count = measures["on_plan_2_years_or_more_at_31_march"]
    if count == 0:
        return say("long_plans.none", date=date_phrase(year.end))
    return say("long_plans.some", date=date_phrase(year.end), children=plural(count, "child", "children"))


# ----------------------------------------------------------------- section 12


def repeat_plans_sentence(measures: Mapping, year: ReportingYear, england=None) -> str:
    """Plans starting in the year that were a second or subsequent plan."""
    starts = measures["plan_starts"]
    pct = measures["second_or_subsequent_plan_pct"]
    if pct is None:
        return say("repeat_plans.no_starts", year=year.label)
    national = "" if england is None else say("repeat_plans.england", year=year.label, share=format_percent(england[0]))
    words = {"plans": plural(starts, "Child Protection Plan"), "year": year.label, "england": national}
    if is_withheld(pct):
        return say("repeat_plans.withheld", **words)
    if pct == 0:
        return say("repeat_plans.none", **words)
    return say("repeat_plans.share", share=format_percent(pct), **words)


# ----------------------------------------------------------------- section 13


def duration_sentence(measures: Mapping, year: ReportingYear) -> str:
    """Plans ended in the year, and the share that lasted from 6 months to under a year."""
    ended = measures["plan_ends"]
    if not ended:
        return say("duration.none", year=year.label)
    expected = measures["ended_plans_by_duration"]["over_6_months_to_under_1_year"]
    text = say("duration.ended", plans=plural(ended, "Child Protection Plan"), year=year.label)
    if _secondary(expected):
        return text
    if expected == 0:
        return text + " " + say("duration.expected_none")
    return text + " " + say("duration.expected", expected=format_count(expected),
                            share=share_phrase(expected, ended))


# ----------------------------------------------------------------- showing sentences


class Paragraphs:
    """Sentences shown in a notebook, one paragraph of text each (see :func:`paragraphs`).

    The output carries them as pandoc blocks (:data:`cpstats.present.text.BLOCKS_MIME`), which the
    renderers lay out, and as escaped Markdown for Jupyter.
    """

    def __init__(self, texts):
        self.texts = [" ".join(str(text).split()) for text in texts if text]

    def __repr__(self) -> str:
        return f"Paragraphs({self.texts!r})"

    @property
    def blocks(self) -> list:
        from cpstats.present.text import paragraph

        return [paragraph(text) for text in self.texts]

    def _repr_mimebundle_(self, include=None, exclude=None):
        from cpstats.present.text import BLOCKS_MIME, markdown_escape

        return {"text/markdown": "\n\n".join(map(markdown_escape, self.texts)), BLOCKS_MIME: self.blocks}, {}


def paragraphs(*texts: str | None) -> Paragraphs:
    """Sentences to show in a notebook, one paragraph each; those that are ``None`` (not collected) left out.

    >>> paragraphs("One.", None, "Two (2017-18).").texts
    ['One.', 'Two (2017-18).']
    """
    return Paragraphs(texts)


# ----------------------------------------------------------------- section 3


def conferences_sentence(values: Mapping, year: ReportingYear) -> str | None:
    """Conferences held in the year by type; ``None`` when conferences were not collected.

    >>> conferences_sentence({"conferences_held": {"ICPC": 16, "RCPC": 36, "TRANSFER_IN": 0, "total": 52}},
    ...                      ReportingYear.parse("2017-18"))
    'In 2017-18, 52 Child Protection Conferences were held: 16 initial, 36 review and no transfer-in conferences.'
    """
    held = values.get("conferences_held")
    if held is None:
        return None
    kinds = [(held["ICPC"], "initial"), (held["RCPC"], "review"), (held["TRANSFER_IN"], "transfer-in")]
    listed = [f"{'no' if not is_withheld(n) and n == 0 else _shown(n)} {kind}" for n, kind in kinds]
    return say("conferences", conferences=plural(held["total"], "Child Protection Conference"),
               verb="was" if _one(held["total"]) else "were", year=year.label, kinds=_joined(listed))


def children_at_conferences_sentence(values: Mapping, year: ReportingYear) -> str | None:
    """Children invited to and attending their conferences, and supported by the advocacy service."""
    invited = values.get("children_invited_to_conferences")
    advocated = values.get("children_with_advocate")
    if invited is None:
        return None
    text = say("children_at_conferences.invited", year=year.label,
               invited=plural(invited["invited"], "child was", "children were"), attended=format_count(invited["attended"]))
    if advocated is not None:
        text += " " + say("children_at_conferences.advocate",
                          advocated=plural(advocated, "child was", "children were"))
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
    listed = [f"{name} ({format_percent(pct)})" for pct, name in sorted(rated)[:lowest]]
    return say("agency_attendance", year=year.label, agencies=_joined(listed))


# ----------------------------------------------------------------- section 5


def audits_sentence(values: Mapping, target: int, year: ReportingYear) -> str | None:
    """Case audits in the year against the monthly target, and the months that fell short.

    >>> months = dict(zip("abcdefghijkl", [1, 2, 2, 2, 1, 2, 2, 2, 2, 1, 1, 2]))
    >>> audits_sentence({"case_audits_by_month": months}, 2, ReportingYear.parse("2017-18"))
    'In 2017-18, 20 case audits were completed against a target of 2 a month: the target was met in 8 of the 12 months; in 4 months 1 audit was completed.'
    """
    months = values.get("case_audits_by_month")
    if months is None:
        return None
    counts = list(months.values())
    parts = []
    for n in sorted({n for n in counts if n < target}, reverse=True):
        number = plural(sum(c == n for c in counts), "month")
        parts.append(f"in {number} no audit was completed" if n == 0
                     else f"in {number} {plural(n, 'audit')} {'was' if _one(n) else 'were'} completed")
    return say("audits.completed", audits=plural(sum(counts), "case audit"),
               verb="was" if _one(sum(counts)) else "were", year=year.label, target=format_count(target),
               met=format_count(sum(n >= target for n in counts)), months=format_count(len(counts)),
               shortfalls="; " + "; ".join(parts) if parts else "")


# ----------------------------------------------------------------- section 6


def timeliness_sentence(measures: Mapping, year: ReportingYear, england=None, previous: Mapping | None = None) -> str:
    """Initial conferences within 15 working days, with the year before and England the same year."""
    pct = measures["icpc_within_15_working_days_pct"]
    if pct is None:
        return say("timeliness.none", year=year.label)
    if is_withheld(pct):
        return say("timeliness.withheld", year=year.label)
    comparators = []
    before = previous.get("icpc_within_15_working_days_pct") if previous is not None else None
    if before is not None and not is_withheld(before):
        comparators.append(f"{year.previous().label}: {format_percent(before)}")
    if england is not None:
        comparators.append(f"England {year.label}: {format_percent(england[0])}")
    return say("timeliness.share", year=year.label, share=format_percent(pct),
               comparators=f" ({'; '.join(comparators)})" if comparators else "")


# ----------------------------------------------------------------- section 9: domestic abuse and MARAC


def marac_sentence(values: Mapping, year: ReportingYear) -> str | None:
    """Victims referred to MARAC, the children in their households, and repeat victims.

    >>> marac_sentence({"marac_victims": 18, "marac_children": 24, "marac_repeat_victims": 8},
    ...                ReportingYear.parse("2017-18"))
    'In 2017-18, 18 victims were referred to the Multi Agency Risk Assessment Conference (MARAC), with 24 children in their households; 8 of the victims were repeat victims.'
    """
    victims = values.get("marac_victims")
    if victims is None:
        return None
    return say("marac", victims=plural(victims, "victim was", "victims were"), year=year.label,
               children=plural(values["marac_children"], "child", "children"),
               repeat=format_count(values["marac_repeat_victims"]))


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
        return say("feedback.none", year=year.label)
    given = [(key, f) for key, f in feedback.items() if is_withheld(f["forms"]) or f["forms"]]
    counts = [plural(f["forms"], *RESPONDENT_WORDS[key]) for key, f in given if not _secondary(f["forms"])]
    shares = [f"{format_percent(f['good_pct'])} of {RESPONDENT_WORDS[key][1]}" for key, f in given
              if not is_withheld(f["good_pct"]) and f["good_pct"] is not None]
    if any(_secondary(f["forms"]) for _, f in given):
        counts.append("others not shown separately")
    return say("feedback.returned", forms=plural(total, "feedback form"),
               verb="was" if _one(total) else "were", year=year.label, respondents=_joined(counts),
               shares=_joined(shares) if shares else "a share not shown")


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
    if below == len(pairs):
        relation = "below England's rate in every year"
    elif below == 0:
        relation = "at or above England's rate in every year"
    else:
        relation = f"below England's rate in {format_count(below)} of the {format_count(len(pairs))} years"
    return say("trend", first=pairs[0][0], last=pairs[-1][0], la_name=la_name,
               low=format_rate(min(la for _, la, _ in pairs)), high=format_rate(max(la for _, la, _ in pairs)),
               relation=relation)


# ----------------------------------------------------------------- main points


MAIN_POINTS_HEADING = "Main points"
"""The heading of the bullets a section opens with, as statistical bulletins open."""


class MainPoints:
    """A section's main points: its computed facts as a bulleted list, under the heading "Main points".

    Each point is a sentence of this module (from the report's protected
    figures), plain text; those that are ``None`` (not collected) are left out.
    The output carries the heading and the list as pandoc blocks of text
    (:data:`cpstats.present.text.BLOCKS_MIME`), which the renderers lay out,
    and as Markdown with every point escaped, for Jupyter. The points
    listed in ``headline`` (by position) are also the report's headline points,
    which the front page shows first: the output's metadata carries them
    (``cpstats.main_points.headline``).

    >>> print(MainPoints(["One.", None, "Two [c]."], headline=(1,)).markdown)
    ## Main points
    <BLANKLINE>
    - One\\.
    - Two \\[c\\]\\.
    >>> MainPoints(["One.", None, "Two."], headline=(1,)).headline
    ['Two.']
    """

    def __init__(self, points, headline: tuple[int, ...] = ()):
        self.points = [" ".join(str(point).split()) for point in points if point]
        self.headline = [self.points[i] for i in headline if i < len(self.points)]

    def __repr__(self) -> str:  # the executed notebook's text/plain: the same for the same points, run after run
        return f"MainPoints({self.points!r}, headline={self.headline!r})"

    @property
    def markdown(self) -> str:
        """Jupyter's copy: the heading and the points as Markdown, every point escaped."""
        from cpstats.present.text import markdown_escape

        if not self.points:
            return ""
        return f"## {MAIN_POINTS_HEADING}\n\n" + "\n".join(f"- {markdown_escape(point)}" for point in self.points)

    @property
    def blocks(self) -> list:
        """What the renderers lay out: the heading and a bulleted list of text (nothing when there are no points)."""
        from cpstats.present.text import bullet_list, heading

        if not self.points:
            return []
        return [heading(2, MAIN_POINTS_HEADING, "main-points"), bullet_list(self.points)]

    def _repr_mimebundle_(self, include=None, exclude=None):
        from cpstats.present.text import BLOCKS_MIME

        return ({"text/markdown": self.markdown, BLOCKS_MIME: self.blocks},
                {"cpstats": {"main_points": {"headline": self.headline}}})


class Headline(str):
    """A main point that the front page shows too (see :func:`headline`)."""


def headline(point: str | None) -> Headline | None:
    """Mark a main point as one of the report's headline points, which the front page shows first.

    >>> main_points("One.", headline("Two.")).headline
    ['Two.']
    """
    return Headline(point) if point else None


def main_points(*points: str | None) -> MainPoints:
    """The main points a section opens with (see :class:`MainPoints`); those marked with :func:`headline` are
    the front page's too."""
    kept = [point for point in points if point]
    return MainPoints(kept, headline=tuple(i for i, point in enumerate(kept) if isinstance(point, Headline)))


def sources_sentence(values: Mapping[str, object], year: ReportingYear) -> str | None:
    """The check of the conference records against the case records, in words; ``None`` without conference records."""
    from cpstats.present.reconciliation import conference_check

    if values.get("icpc_threshold_not_met") is None:
        return None
    check = conference_check(values)
    words = {"year": year.label, "icpcs": format_count(check["icpcs"]), "plans": format_count(check["plan_starts"]),
             "not_met": plural(check["not_met"], "child", "children")}
    if check["status"] == "unknown":
        return say("sources.unknown", **words)
    gap = check["without_plan"]
    without = (f", so {format_count(gap)} without a plan starting" if gap >= 0
               else f", {format_count(-gap)} more plans than children")
    if check["status"] == "differ":
        return say("sources.differ", without=without, **words)
    return say("sources.agree", without=without, **words)
