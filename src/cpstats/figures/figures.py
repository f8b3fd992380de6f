"""The figures of a report: every value with its kind, protected once by the disclosure policy.

Enters: a validated dataset, the report's year, the reference tables and the disclosure policy.
Leaves: :class:`Figures`, the measures of every year the data cover up to the report's year, each
value of which is either publishable or a :class:`Withheld`, and nothing else. Tables, charts,
sentences, commentary placeholders, downloads and ``figures.json`` read these figures only, so no
output can show a value the policy withholds, or anything worked out from one.

Each figure has a **kind** (:func:`kind_of`):

* ``people``: a count of children, families, victims or forms returned by people. In a public
  report a count from 1 to the threshold is withheld (primary suppression).
* ``count``: a count of something else (conferences, audits, months, a target). Never withheld.
* ``derived``: a rate, percentage, share or mean worked out from a numerator and a denominator
  (:data:`DERIVED`). Withheld when either is withheld, when the numerator, the denominator or
  their difference is a count of people from 1 to the threshold (``75.0%`` of 8 children would
  say that 2 were not), or when it is worked out from withheld figures in any other way. Where the
  report shows neither count and their difference is itself a count it does not show (reviews in
  timescale: the children reviewed, those reviewed in time and those reviewed late), a reader learns
  that difference only as far as the percentage and the relations allow: a small difference alone
  withholds the percentage only when secondary suppression finds it could be worked out (99.5% of
  the children reviewed in time says that some were late, not how many).

Secondary suppression runs over every relation a reader could use (:func:`relations`): the parts
of a breakdown and its total, the flow of plans from one 31 March to the next, the counts behind
a percentage. Years are protected in order, each with the year before as the reader sees it, so
the figures of a year are the same whichever report shows them.

Arithmetic on a :class:`Withheld` gives a :class:`Withheld`; turning one into a number raises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

from cpstats.data.paths import InputError
from cpstats.figures.disclosure import CONFIDENTIAL, Policy, recoverable

__all__ = [
    "PEOPLE", "COUNT", "DERIVED_KIND", "REFERENCE", "DERIVED", "Withheld", "is_withheld", "kind_of",
    "flatten", "unflatten", "Figures", "protect_years", "report_figures", "CONFIDENTIAL", "protect_local_figures",
]

from cpstats.figures.catalogue import (COUNT, DERIVED, DERIVED_KIND, PEOPLE, PREVIOUS, REFERENCE,  # noqa: E402
                                       declared_kind, declared_relations, derived_constraints, derived_sources)

HIDDEN_PREFIX = "~"

HEADLINE = frozenset({
    "referrals", "s47_enquiries", "icpcs", "children_on_plan_at_31_march", "plan_starts", "plan_ends",
    "children_with_plan_during_year", "families_with_plan_during_year",
})
"""Figures that secondary suppression withholds last: the totals a report is read for."""


# ----------------------------------------------------------------- a withheld value


class Withheld:
    """A value the disclosure policy withholds: shown as ``[c]``, never as a number.

    Arithmetic with it gives a withheld value (a change, share or sum worked out
    from it is withheld too); ``int()``, ``float()`` and ordering raise, so no
    output can turn it back into a number by accident.

    >>> w = Withheld(primary=True, threshold=5)
    >>> str(w), f"{w:,}", str(w + 1), w.phrase
    ('[c]', '[c]', '[c]', 'fewer than 6')
    >>> Withheld(primary=False).phrase
    '[c]'
    """

    __slots__ = ("primary", "threshold")
    symbol = CONFIDENTIAL

    def __init__(self, primary: bool = False, threshold: int = 5):
        self.primary = primary
        self.threshold = threshold

    @property
    def phrase(self) -> str:
        """How prose says it: ``fewer than 6`` for a small count, else ``[c]``."""
        return f"fewer than {self.threshold + 1}" if self.primary else CONFIDENTIAL

    def __str__(self) -> str:
        return CONFIDENTIAL

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return CONFIDENTIAL

    def __eq__(self, other) -> bool:
        return isinstance(other, Withheld) or other == CONFIDENTIAL

    def __hash__(self) -> int:
        return hash(CONFIDENTIAL)

    def __bool__(self) -> bool:  # a withheld count is not known to be zero
        return True

    def _derived(self, *_):
        return Withheld(False, self.threshold)

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _derived
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __pow__ = _derived
    __neg__ = __pos__ = __abs__ = __round__ = _derived

    def _refuse(self, *_):
        raise TypeError("a withheld figure has no number to compare or convert")

    __lt__ = __le__ = __gt__ = __ge__ = __int__ = __float__ = __index__ = _refuse


def is_withheld(value) -> bool:
    """Whether a value is withheld (a :class:`Withheld` or the symbol ``[c]``)."""
    return isinstance(value, Withheld) or (isinstance(value, str) and value == CONFIDENTIAL)


# ----------------------------------------------------------------- kinds


LOCAL_KINDS: dict[str, str] = {}
"""The kinds of the project's local measures (:mod:`cpstats.figures.local`), by name, as last loaded."""

LOCAL_RELATIONS: dict[str, object] = {}
"""The relations the project's local measures declare (:mod:`cpstats.figures.local`), as last loaded."""


def kind_of(name: str) -> str:
    """The declared kind of a flat figure (:mod:`cpstats.figures.catalogue`); an undeclared one counts people.

    The kind is read from the measure a name belongs to (and, for a breakdown with fields, the field),
    never from the characters of a key that came from the data.

    >>> kind_of("category_during_year.EMO"), kind_of("conferences_held.total"), kind_of("plan_start_rate_per_10000")
    ('people', 'count', 'derived')
    >>> kind_of("agency_attendance.Police > CID: team.attended"), kind_of("~children_reviewed")
    ('count', 'people')
    """
    return declared_kind(name, LOCAL_KINDS) or PEOPLE


# ----------------------------------------------------------------- flat and nested


def flatten(measures: Mapping, prefix: str = "") -> dict[str, object]:
    """Nested breakdowns as ``name.key`` entries.

    >>> flatten({"a": 1, "b": {"x": 2, "y": {"z": None}}})
    {'a': 1, 'b.x': 2, 'b.y.z': None}
    """
    flat: dict[str, object] = {}
    for name, value in measures.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


def unflatten(flat: Mapping[str, object], like: Mapping) -> dict:
    """``flat`` values put back in the shape of ``like`` (the nested measures they came from)."""
    def build(node: Mapping, prefix: str) -> dict:
        out = {}
        for name, value in node.items():
            key = f"{prefix}{name}"
            out[name] = build(value, key + ".") if isinstance(value, Mapping) else flat.get(key, value)
        return out
    return build(like, "")


# ----------------------------------------------------------------- the counts a reader could work out


def _estimate(pct, denominator) -> tuple[float, float] | None:
    """The range of the count behind a percentage rounded to one decimal place."""
    if pct is None or denominator is None or isinstance(pct, bool):
        return None
    low = max(0.0, (float(pct) - 0.05) * float(denominator) / 100)
    high = (float(pct) + 0.05) * float(denominator) / 100
    return low, high


def hidden_counts(values: Mapping[str, object], exact: Mapping[str, int] | None = None) -> dict[str, object]:
    """The counts behind the year's percentages that the report does not show (``~`` names).

    ``exact`` gives those known exactly; the others are worked out from the
    percentage and its denominator as a range ``(low, high)``.
    """
    out: dict[str, object] = dict(exact or {})
    bands = {k: v for k, v in values.items() if k.startswith("icpc_working_days_bands.")}
    if bands and all(isinstance(v, int) for v in bands.values()):
        out.setdefault("~icpcs_timed", sum(bands.values()))
        out.setdefault("~icpcs_within_15_working_days",
                       sum(v for k, v in bands.items() if k.endswith(("0_to_10", "11_to_15"))))
    for name in values:
        sources = derived_sources(name)
        if sources is None or sources[0] is None or not sources[0].startswith(HIDDEN_PREFIX) or sources[0] in out:
            continue
        denominator = values.get(sources[1], out.get(sources[1]))
        estimate = _estimate(values[name], denominator) if not isinstance(denominator, tuple) else None
        if estimate is not None:
            out[sources[0]] = estimate
    return out


# ----------------------------------------------------------------- relations a reader could use


@dataclass(frozen=True)
class Relation:
    """A sum the figures obey: ``sum(coefficient * figure) == 0``, e.g. parts minus their total."""

    terms: tuple[tuple[str, int], ...]
    name: str = ""


def relations(values: Mapping[str, object], previous_on_plan: str | None = None) -> list[Relation]:
    """Every declared relation (:func:`cpstats.figures.catalogue.declared_relations`) that holds in the year's
    flat figures and hidden counts: the tools a reader who knows the definitions could use.

    ``previous_on_plan`` names the year before's children on a plan at 31 March in ``values``, if there.
    """
    from cpstats.data.contract import ETHNIC_GROUPS

    found: list[Relation] = []
    for name, terms in declared_relations(values, LOCAL_RELATIONS, ETHNIC_GROUPS):
        if any(n.startswith(PREVIOUS) for n, _ in terms) and previous_on_plan is None:
            continue
        numbers = [values.get(n) for n, _ in terms]
        if len(terms) < 2 or any(not isinstance(v, int) or isinstance(v, bool) for v in numbers):
            continue  # a figure not there, or not known exactly
        if sum(c * v for (_, c), v in zip(terms, numbers)) != 0:
            continue  # a reader could not rely on it: it does not hold
        found.append(Relation(tuple(terms), name))
    return found


# ----------------------------------------------------------------- protection


@dataclass
class Protected:
    """One year's figures after the policy: the flat values to publish and what was withheld, and why."""

    values: dict[str, object]
    log: list[dict] = field(default_factory=list)


def _small(value, threshold: int) -> bool:
    if isinstance(value, tuple):  # a range worked out from a rounded percentage
        low, high = value
        return math.floor(high + 1e-9) >= 1 and math.ceil(low - 1e-9) <= threshold and high >= 1 - 1e-9 and low <= threshold
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return 1 <= value <= threshold


def _exact_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _history(history, threshold: int) -> dict:
    """What a reader of the earlier years knows: their published figures, withheld counts with their bounds, the
    relations that hold in each and between consecutive ones, and their percentages; names ``<year>|<figure>``."""
    model = {"known": {}, "unknown": set(), "lower": {}, "upper": {}, "targets": set(), "equations": [],
             "inequalities": []}
    for index, (label, shown, truth, hidden) in enumerate(history):
        before = history[index - 1] if index else None
        values = {**truth, **hidden}
        carried = None
        if before is not None and "children_on_plan_at_31_march" in before[2]:
            carried = PREVIOUS + "children_on_plan_at_31_march"
            values[carried] = before[2]["children_on_plan_at_31_march"]

        def named(name: str) -> str:
            return f"{before[0]}|{name[len(PREVIOUS):]}" if name.startswith(PREVIOUS) else f"{label}|{name}"

        model["equations"] += [tuple((named(n), c) for n, c in r.terms) for r in relations(values, carried)]
        for name, value in shown.items():
            key = f"{label}|{name}"
            if is_withheld(value):
                model["unknown"].add(key)
                if kind_of(name) != DERIVED_KIND:
                    model["lower"][key] = 1.0
                if kind_of(name) == PEOPLE:
                    model["targets"].add(key)
                    if getattr(value, "primary", False):
                        model["upper"][key] = float(threshold)
                    else:
                        model["lower"][key] = float(threshold + 1)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                model["known"][key] = float(value)
        model["unknown"] |= {f"{label}|{n}" for n in hidden}
        model["inequalities"] += [(tuple((f"{label}|{n}", c) for n, c in terms), low, high, f"{label}|{name}")
                                  for terms, low, high, name in derived_constraints(shown)]
    return model


def protect_year(values: Mapping[str, object], hidden: Mapping[str, object], policy: Policy, *,
                 year: str = "", history: list | None = None) -> Protected:
    """Protect one year's flat figures: primary, derived and secondary suppression.

    ``hidden`` holds the counts the report does not show (``~`` names); ``history`` the earlier years,
    oldest first, each ``(label, published, computed, hidden)``: a reader reads the years together (the
    flow of plans joins them), so their relations, percentages and withheld counts are part of what is
    checked.

    Secondary suppression withholds more figures until no withheld count of people (nor a count the
    report does not show from 1 to the threshold, nor an earlier year's withheld count) can be pinned
    to one value by a reader who knows every declared relation that holds (:func:`relations`), what
    every published percentage says of its counts (:func:`derived_constraints`), that every ``[c]`` is
    a whole number at least 1 (zeros are shown), that a small count ("fewer than 6" in prose) is at
    most the threshold and any other withheld count of people above it. The deduction is an integer
    programme (:func:`cpstats.figures.disclosure.deduce`).
    """
    if not policy.public:
        return Protected(dict(values))
    threshold = policy.threshold
    history = list(history or [])
    everything: dict[str, object] = {**values, **hidden}
    carried = None
    last = history[-1] if history else None
    if last is not None and "children_on_plan_at_31_march" in last[2]:
        carried = PREVIOUS + "children_on_plan_at_31_march"
        everything[carried] = last[2]["children_on_plan_at_31_march"]
    rels = [Relation(tuple(((f"{last[0]}|{n[len(PREVIOUS):]}" if n.startswith(PREVIOUS) else n), c) for n, c in r.terms),
                     r.name) for r in relations(everything, carried)]
    everything.pop(carried, None)
    model = _history(history, threshold)
    rels += [Relation(terms, "an earlier year") for terms in model["equations"]]
    before_known, before_unknown = model["known"], model["unknown"]
    before_lower, before_upper, before_ineq = model["lower"], model["upper"], model["inequalities"]
    before_targets = model["targets"]
    withheld: dict[str, str] = {}
    log: list[dict] = []

    def hide(name: str, reason: str) -> None:
        if name not in withheld:
            withheld[name] = reason
            log.append({"year": year, "figure": name, "reason": reason})

    for name, value in values.items():
        if kind_of(name) == PEOPLE and _small(value, threshold) and not isinstance(value, tuple):
            hide(name, f"primary: a count of people from 1 to {threshold}")
    _withhold_derived(values, everything, withheld, threshold, hide)

    equations = [r.terms for r in rels]
    small_hidden = {n for n, v in hidden.items() if kind_of(n) == PEOPLE and _exact_int(v) and 1 <= v <= threshold}
    tried: set[tuple[str, str]] = set()
    safe: set[str] = set()  # withholding more never narrows what a reader can deduce: a safe figure stays safe
    degree: dict[str, int] = {}
    for r in rels:
        for n, _ in r.terms:
            degree[n] = degree.get(n, 0) + 1
    while True:
        unknowns = set(withheld) | set(hidden) | before_unknown
        known = {k: float(v) for k, v in everything.items()
                 if k not in unknowns and isinstance(v, (int, float)) and not isinstance(v, bool)}
        known.update(before_known)
        lower = {n: 1.0 for n in withheld if kind_of(n) != DERIVED_KIND}  # zeros are shown: a [c] is 1 or more
        lower.update(before_lower)
        upper = {n: float(threshold) for n, why in withheld.items() if why.startswith("primary")}
        upper.update(before_upper)
        # prose says "fewer than 6" of a small count only: any other withheld count of people is known to be larger
        lower.update({n: float(threshold + 1) for n, why in withheld.items()
                      if not why.startswith("primary") and kind_of(n) == PEOPLE})
        inequalities = derived_constraints({k: v for k, v in values.items() if k not in withheld}) + before_ineq
        targets = ({n for n in withheld if kind_of(n) == PEOPLE} | small_hidden | before_targets) - safe
        found = recoverable(known, unknowns, equations, targets, lower=lower, upper=upper, inequalities=inequalities)
        safe |= targets - found
        if not found:
            break
        # a figure withheld to protect another, and pinned itself, is the leak to stop first
        exposed = sorted(found, key=lambda n: (not withheld.get(n, "").startswith("secondary"), n))
        target = exposed[0]
        near = _near(target, rels, inequalities, unknowns)
        # a count of conferences or reports is withheld too where it equals a count of people it would give away
        candidates = sorted((n for n in near if n in values and n not in withheld and not is_withheld(values[n])
                             and (kind_of(n) == DERIVED_KIND or (_exact_int(values[n]) and values[n] > 0))),
                            key=lambda n: (n in HEADLINE, kind_of(n) != DERIVED_KIND, kind_of(n) == COUNT,
                                           degree.get(n, 0), float(values[n]) if kind_of(n) != DERIVED_KIND else 0.0, n))
        if not candidates:
            raise DisclosureError(f"{year}: {target} can be worked out from the published figures and nothing "
                                  "left to withhold protects it")
        choice = candidates[0]
        for candidate in candidates[:24]:  # the first whose withholding protects the target
            trial_known = {k: v for k, v in known.items() if k != candidate}
            counted = kind_of(candidate) != DERIVED_KIND
            trial_unknowns = unknowns | ({candidate} if counted else set())
            trial_lower = {**lower, **({candidate: float(threshold + 1) if kind_of(candidate) == PEOPLE else 1.0}
                                       if counted else {})}
            trial_ineq = derived_constraints({k: v for k, v in values.items()
                                              if k not in withheld and k != candidate}) + before_ineq
            if target not in recoverable(trial_known, trial_unknowns, equations, {target}, lower=trial_lower,
                                         upper=upper, inequalities=trial_ineq):
                choice = candidate
                break
        if (target, choice) in tried:
            raise DisclosureError(f"{year}: {target} can be worked out from the published figures however much "
                                  "is withheld")
        tried.add((target, choice))
        hide(choice, f"secondary: protects {target} from being worked out")
        _withhold_derived(values, everything, withheld, threshold, hide)

    published = {name: (Withheld(withheld[name].startswith("primary"), threshold) if name in withheld else value)
                 for name, value in values.items()}
    return Protected(published, log)


class DisclosureError(InputError):
    """A withheld figure that no further suppression can protect: the build stops, publishing nothing."""


def _near(target: str, rels: list[Relation], inequalities, unknowns: set[str]) -> list[str]:
    """The figures that share a relation with ``target`` or with an unknown joined to it, nearest first."""
    links = [[n for n, _ in r.terms] for r in rels] + [[*(n for n, _ in terms), name]
                                                       for terms, _, _, name in inequalities]
    seen, order, todo = {target}, [], [target]
    while todo:
        current = todo.pop(0)
        for names in links:
            if current not in names:
                continue
            for n in names:
                if n not in seen:
                    seen.add(n)
                    order.append(n)
                    if n in unknowns:
                        todo.append(n)
    return order


def _rest_of(numerator: str | None, denominator: str) -> str | None:
    """The count the report does not show that is ``denominator`` less ``numerator``, where both are counts it does not
    show and a declared sum says so (``~children_reviewed_late``); ``None`` otherwise.

    >>> _rest_of("~children_reviewed_in_time", "~children_reviewed")
    '~children_reviewed_late'
    >>> _rest_of("~icpcs_within_15_working_days", "~icpcs_timed") is None  # the late ones are no declared count
    True
    """
    from cpstats.figures.catalogue import SUMS

    if not (numerator and numerator.startswith(HIDDEN_PREFIX) and denominator.startswith(HIDDEN_PREFIX)):
        return None
    for _, total, parts in SUMS:
        if total == denominator and not isinstance(parts, str) and len(parts) == 2 and numerator in parts:
            rest = parts[1 - parts.index(numerator)]
            return rest if rest.startswith(HIDDEN_PREFIX) and kind_of(rest) == PEOPLE else None
    return None


def _withhold_derived(values, everything, withheld, threshold, hide) -> None:
    """Rates and percentages withheld with what they are worked out from, or when they would reveal a small count.

    A percentage of two counts the report does not show, whose difference is a third (:func:`_rest_of`), is not
    withheld for that difference alone: secondary suppression withholds it if that count, from 1 to the
    threshold, could be worked out."""
    for name, value in values.items():
        sources = derived_sources(name)
        if sources is None or value is None or name in withheld:
            continue
        numerator, denominator = sources
        if kind_of(denominator) == COUNT and (numerator is None or kind_of(numerator) == COUNT):
            continue  # a share of conferences or reports: no count of people behind it
        top = everything.get(numerator) if numerator else None
        bottom = everything.get(denominator)
        reasons = []
        if numerator in withheld or denominator in withheld:
            reasons.append("worked out from a withheld figure")
        if numerator and kind_of(numerator) == PEOPLE and _small(top, threshold):
            reasons.append(f"its count of people is from 1 to {threshold}")
        if kind_of(denominator) == PEOPLE and _small(bottom, threshold):
            reasons.append(f"it is out of a count of people from 1 to {threshold}")
        if kind_of(denominator) == PEOPLE and top is not None and isinstance(bottom, int) \
                and _rest_of(numerator, denominator) not in everything:  # else the integer programme's target
            low, high = top if isinstance(top, tuple) else (top, top)
            if _small((bottom - high, bottom - low), threshold):
                reasons.append(f"the rest of its count of people is from 1 to {threshold}")
        if reasons:
            hide(name, "derived: " + "; ".join(reasons))


def protect_years(years: Mapping[str, Mapping[str, object]], hidden: Mapping[str, Mapping[str, object]],
                  policy: Policy) -> dict[str, Protected]:
    """Protect every year in order (oldest first), each with the year before as published."""
    out: dict[str, Protected] = {}
    history: list = []
    for label in years:
        out[label] = protect_year(years[label], hidden.get(label, {}), policy, year=label, history=history)
        history.append((label, out[label].values, years[label], hidden.get(label, {})))
    return out


# ----------------------------------------------------------------- the figures of a report


@dataclass
class Figures:
    """The protected figures of one report: every year up to the report's, nested as the measures are.

    ``years`` maps each year's label to its nested values (withheld ones are
    :class:`Withheld`); ``policy`` is the policy they were protected by;
    ``log`` lists every withheld figure and why (kept out of the public site).
    """

    year: str
    years: dict[str, dict]
    flat: dict[str, dict[str, object]]
    policy: Policy
    log: list[dict] = field(default_factory=list)
    audit: dict | None = None
    """What the disclosure audit read and found (:mod:`cpstats.figures.audit`), for a public report."""

    @property
    def values(self) -> dict:
        """The report's year."""
        return self.years[self.year]

    def of(self, label: str) -> dict | None:
        """Another year's figures, or ``None`` when the data do not cover it."""
        return self.years.get(label)

    def published_flat(self) -> dict[str, object]:
        """The report's year as flat ``name.key`` figures, withheld values as ``[c]`` (for ``figures.json``)."""
        return {name: (CONFIDENTIAL if is_withheld(value) else value) for name, value in self.flat[self.year].items()}


# ----------------------------------------------------------------- from the data


AUDIT_KEYS = ("audit_target_per_month", "audit_months", "months_below_audit_target")


def year_values(ds, year, reference_dir, local_measures=()) -> tuple[dict, dict]:
    """One year's nested values (measures, local measures, the population and what follows from them)
    and the exact counts behind its percentages that the report does not show."""
    from cpstats.data.reference import population_for
    from cpstats.figures.measures import (AUDIT_TARGET_PER_MONTH, compute_local_measures, compute_measures,
                                          plans_reviewed_in_time)

    population = population_for(ds.la_code, year, reference_dir)
    measures = compute_measures(ds, year, population)
    local = compute_local_measures(ds, year)
    extra: dict = {"population": population}
    months = local.get("case_audits_by_month")
    extra["audit_target_per_month"] = AUDIT_TARGET_PER_MONTH
    if months is not None:
        extra["audit_months"] = len(months)
        extra["months_below_audit_target"] = sum(n < AUDIT_TARGET_PER_MONTH for n in months.values())
    long_plans, on_plan = measures.get("on_plan_2_years_or_more_at_31_march"), measures.get("children_on_plan_at_31_march")
    if isinstance(long_plans, int) and isinstance(on_plan, int):
        extra["on_plan_2_years_or_more_at_31_march_pct"] = round(100 * long_plans / on_plan, 1) if on_plan else None
    feedback = local.get("feedback_by_respondent")
    if feedback:
        extra["feedback_forms"] = sum(f["forms"] for f in feedback.values())
    exact: dict = {}
    checked = plans_reviewed_in_time(ds.keyed(), year)
    if not checked.empty:
        by_child = checked.groupby("child_id")["in_time"].all()
        exact["~children_reviewed"] = len(by_child)
        exact["~children_reviewed_in_time"] = int(by_child.sum())
        exact["~children_reviewed_late"] = len(by_child) - int(by_child.sum())
    values = {**measures, **local, **extra}
    for measure in local_measures:  # the project's own measures (measures/*.py)
        if measure.name in values:
            from cpstats.figures.local import LocalMeasureError

            raise LocalMeasureError(f"{measure.file}: {measure.name} is already a measure of cpstats; name it otherwise")
        values[measure.name] = measure(ds, year)
    return values, exact


def covered_years(ds, year) -> list:
    """Every year from the first complete one the data cover (:attr:`Dataset.coverage`) up to ``year``, oldest first."""
    from cpstats.data.periods import ReportingYear

    last = ReportingYear.parse(year)
    coverage = getattr(ds, "coverage", None)
    first = coverage.first if coverage is not None else None
    if first is None:  # no complete year declared or found: from the first referral
        dates = ds.referrals["referral_date"].dropna()
        if dates.empty:
            return [last]
        start = dates.min()
        first = ReportingYear(start.year if start.month >= 4 else start.year - 1)
    years = [ReportingYear(y) for y in range(first.first_calendar_year, last.first_calendar_year + 1)]
    return years or [last]


_MEMORY: dict = {}
MEMORY_KEPT = 8
"""Reports' figures kept in memory by a process: a Dask worker builds report after report, and its kept
kernel runs every section of each, so only the last few are worth keeping (the rest are on disk)."""


def _remember(key: str, figures):
    _MEMORY.pop(key, None)
    _MEMORY[key] = figures
    while len(_MEMORY) > MEMORY_KEPT:
        del _MEMORY[next(iter(_MEMORY))]
    return figures


def report_figures(ds, year, reference_dir, policy: Policy | tuple | None = None, cache_dir=None,
                   measures_dir=None) -> Figures:
    """The protected figures of a report: every covered year up to ``year``, protected in order.

    ``policy`` is a :class:`~cpstats.figures.disclosure.Policy` or its
    ``(mode, threshold)``, e.g. a notebook's ``disclosure`` parameters;
    ``measures_dir`` the project's local measures (:mod:`cpstats.figures.local`).

    Kept in memory for the process and, with ``cache_dir``, on disk, keyed by
    the data's and reference tables' contents, the year, the policy and this
    library's source, so the section notebooks of one report share one set.
    """
    import hashlib
    import os
    import pickle
    from pathlib import Path

    from cpstats.data.dataset import dataset_fingerprint
    from cpstats.data.periods import ReportingYear

    policy = Policy(*policy) if isinstance(policy, tuple) else (policy or Policy())
    label = ReportingYear.parse(year).label
    digest = hashlib.sha256()
    for part in (dataset_fingerprint(ds.files), label, policy.mode, str(policy.threshold)):
        digest.update(part.encode() + b"\0")
    for path in sorted(Path(reference_dir).glob("*.csv")):
        digest.update(path.name.encode() + path.read_bytes())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.read_bytes())
    from cpstats.figures.local import find_local_measures, measures_digest

    digest.update(measures_digest(measures_dir).encode())
    local_measures = find_local_measures(measures_dir)
    if policy.public:
        from cpstats.figures.local import LocalMeasureError, undeclared

        missing = undeclared(local_measures)
        if missing is not None:
            raise LocalMeasureError(
                f"{missing.file}: {missing.name} has no declared {'kind' if not missing.kind_declared else 'relations'}"
                f" (KINDS and RELATIONS in the file): a public report cannot protect a figure whose relations to "
                "the others it does not know")
    LOCAL_KINDS.clear()
    LOCAL_KINDS.update({m.name: m.kind for m in local_measures})
    LOCAL_RELATIONS.clear()
    LOCAL_RELATIONS.update({m.name: m.relations for m in local_measures if m.relations})
    key = digest.hexdigest()
    if key in _MEMORY:
        return _MEMORY[key]
    cached = Path(cache_dir) / f"figures-{key}.pickle" if cache_dir else None
    if cached is not None and cached.is_file():
        try:
            return _remember(key, pickle.loads(cached.read_bytes()))
        except Exception:  # a damaged cache file is worked out again
            pass
    nested, flat, hidden = {}, {}, {}
    for y in covered_years(ds, label):
        values, exact = year_values(ds, y, reference_dir, local_measures)
        nested[y.label] = values
        flat[y.label] = flatten(values)
        hidden[y.label] = hidden_counts(flat[y.label], exact)
    protected = protect_years(flat, hidden, policy)
    checked = None
    if policy.public:  # the audit, independent of the protection: nothing is published that fails it
        from cpstats.figures.audit import DisclosureAuditError, audit

        checked = audit({y: protected[y].values for y in nested}, flat, hidden, policy,
                        local_kinds=LOCAL_KINDS, local_relations=LOCAL_RELATIONS)
        if not checked.passed:
            raise DisclosureAuditError(checked.message())
    figures = Figures(
        year=label,
        years={y: unflatten(protected[y].values, nested[y]) for y in nested},
        flat={y: protected[y].values for y in nested},
        policy=policy,
        log=[entry for y in nested for entry in protected[y].log],
        audit=checked.summary() if checked is not None else None,
    )
    if cached is not None:
        partial = cached.with_name(f".{cached.name}.{os.getpid()}")
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(pickle.dumps(figures))
        os.replace(partial, cached)
    return _remember(key, figures)


def unprotected_years(ds, year, reference_dir, measures_dir=None) -> tuple[dict, dict]:
    """Every covered year's flat figures as computed and its hidden counts: what the audit checks relations
    against (never published)."""
    from cpstats.figures.local import find_local_measures

    local_measures = find_local_measures(measures_dir)
    flat, hidden = {}, {}
    for y in covered_years(ds, year):
        values, exact = year_values(ds, y, reference_dir, local_measures)
        flat[y.label] = flatten(values)
        hidden[y.label] = hidden_counts(flat[y.label], exact)
    return flat, hidden


def audit_with_versions(ds, year, reference_dir, figures: "Figures", versions, measures_dir=None):
    """The audit of a report's figures read with other published versions of its year (the same data).

    ``versions`` are the flat figures of the report's year as each version published them
    (``figures.json``). Returns the :class:`~cpstats.figures.audit.AuditResult`.
    """
    from cpstats.figures.audit import audit
    from cpstats.figures.local import find_local_measures

    flat, hidden = unprotected_years(ds, year, reference_dir, measures_dir)
    local_measures = find_local_measures(measures_dir)
    return audit(figures.flat, flat, hidden, figures.policy, versions=[{figures.year: v} for v in versions],
                 local_kinds={m.name: m.kind for m in local_measures},
                 local_relations={m.name: m.relations for m in local_measures if m.relations})


def protect_local_figures(rows, policy: Policy) -> dict[str, dict]:
    """The report's local figures (:func:`cpstats.data.dataset.read_local_figures`) as the report may show them.

    A figure whose unit is ``people`` is a count of people, withheld like every other one: in a public
    report a count from 1 to the threshold is a :class:`Withheld` ("fewer than 6", ``[c]``). Other units
    (counts of things, percentages, averages) are shown as written. Returns ``name`` -> the row, its
    ``value`` protected.

    >>> rows = [{"name": "staff", "value": 3, "unit": "people"}, {"name": "lado", "value": 87, "unit": "percent"}]
    >>> {k: v["value"] for k, v in protect_local_figures(rows, Policy("public")).items()}
    {'staff': [c], 'lado': 87}
    """
    shown = {}
    for row in rows or ():
        value = row["value"]
        if row["unit"] == "people" and policy.hides(value):
            value = Withheld(primary=True, threshold=policy.threshold)
        shown[row["name"]] = {**row, "value": value}
    return shown

