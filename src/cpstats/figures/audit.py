"""The disclosure audit: what a reader can deduce of each withheld count from everything published.

Run on the figures a public report will publish, after the protection
(:func:`cpstats.figures.figures.protect_years`) and independently of it, as tau-ARGUS audits a
protected table: the audit knows only what a reader knows, and reads it all at once:

* every published figure of every year the report shows (a table or chart shows several years,
  so one year's figures are read beside the others), and the figures of every version of the same
  report kept in the site (:func:`audit` ``versions``);
* every declared relation (:mod:`cpstats.figures.catalogue`) that holds in the data, within a year
  and between consecutive years (the flow of plans);
* what every published rate or percentage says of its counts, to one decimal place;
* that every ``[c]`` is a whole number at least 1 (zeros are shown), at most the threshold where
  the report says "fewer than 6", and above it where a withheld count of people is not called so.

For each withheld count of people (and each count the report does not show that is from 1 to the
threshold) it finds the least and greatest value a reader can deduce, by integer programming
(:func:`cpstats.figures.disclosure.deduce`). A count pinned to a single value fails the audit, and a
public build that fails it stops, naming the figure and the relations, with nothing published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from cpstats.data.paths import InputError
from cpstats.figures.catalogue import (CONFIDENTIAL, DERIVED_KIND, PEOPLE, PREVIOUS, declared_kind, declared_relations,
                                       derived_constraints)
from cpstats.figures.disclosure import Policy, deduce

__all__ = ["AuditResult", "DisclosureAuditError", "audit", "SEPARATOR"]

SEPARATOR = "|"
"""Between a year and a figure in the audit's variables: ``2017-18|plan_starts``."""


class DisclosureAuditError(InputError):
    """A withheld count a reader can pin from the published figures: nothing is published."""


@dataclass
class AuditResult:
    """What the audit read and found: counts of people audited and withheld, and any pinned."""

    audited: int = 0
    withheld: int = 0
    hidden: int = 0
    pinned: list[dict] = field(default_factory=list)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.pinned

    def summary(self) -> dict:
        """The figures of the audit, for the build's record (no value of any count)."""
        return {"counts_of_people_audited": self.audited, "withheld": self.withheld,
                "hidden_counts_audited": self.hidden, "pinned": len(self.pinned)}

    def message(self) -> str:
        """One line naming the first pinned figure, the value's range and the relations a reader would use."""
        first = self.pinned[0]
        relations = "; ".join(first["relations"][:4]) or "its bounds"
        more = f" (and {len(self.pinned) - 1} more)" if len(self.pinned) > 1 else ""
        return (f"disclosure audit: {first['year']} {first['figure']} (withheld) can be worked out exactly "
                f"from the published figures, using {relations}{more}; nothing was published")


def _is_withheld(value) -> bool:
    """``[c]`` as ``figures.json`` has it, or a :class:`~cpstats.figures.figures.Withheld`, which prints as ``[c]``."""
    return isinstance(value, str) and value == CONFIDENTIAL or type(value).__name__ == "Withheld"


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def audit(published: Mapping[str, Mapping[str, object]], truth: Mapping[str, Mapping[str, object]],
          hidden: Mapping[str, Mapping[str, object]], policy: Policy, *,
          versions: Sequence[Mapping[str, Mapping[str, object]]] = (),
          local_kinds: Mapping[str, str] | None = None,
          local_relations: Mapping[str, object] | None = None) -> AuditResult:
    """Audit the published figures of consecutive years (oldest first) against what a reader can deduce.

    Parameters
    ----------
    published
        Each year's flat figures as published: numbers, or withheld (``[c]`` or a
        :class:`~cpstats.figures.figures.Withheld`, whose ``primary`` says the report calls it "fewer than").
    truth
        Each year's flat figures as computed: used only to decide which declared relations hold, and
        which counts the report does not show are small.
    hidden
        Each year's counts the report does not show (``~`` names), exact where known.
    versions
        Other published versions of the same figures (the same data): each as ``published``. A figure
        published in any of them is known to the reader.
    """
    from cpstats.data.contract import ETHNIC_GROUPS

    def kind(name: str) -> str:
        return declared_kind(name, local_kinds) or PEOPLE

    years = list(published)
    threshold = policy.threshold
    known: dict[str, float] = {}
    unknown: set[str] = set()
    lower: dict[str, float] = {}
    upper: dict[str, float] = {}
    targets: set[str] = set()
    equations: list[list[tuple[str, int]]] = []
    inequalities: list[tuple] = []
    used: dict[str, list[str]] = {}
    result = AuditResult()
    for index, year in enumerate(years):
        shown = published[year]
        values = {**truth.get(year, {}), **hidden.get(year, {})}
        for name, value in shown.items():
            variable = f"{year}{SEPARATOR}{name}"
            number = _number(value)
            also = [v.get(year, {}).get(name) for v in versions]
            seen = [n for n in (_number(a) for a in also) if n is not None]
            if kind(name) == PEOPLE and (number is not None or _is_withheld(value)):
                result.audited += 1
            if number is not None:
                known[variable] = number
            elif seen:
                known[variable] = seen[0]
            elif _is_withheld(value):
                unknown.add(variable)
                if kind(name) != DERIVED_KIND:
                    lower[variable] = 1.0  # zeros are shown: a withheld count is 1 or more
                if kind(name) == PEOPLE:
                    result.withheld += 1
                    targets.add(variable)
                    if getattr(value, "primary", False):  # prose calls it "fewer than 6"
                        upper[variable] = float(threshold)
                    elif hasattr(value, "primary"):  # prose shows [c], not "fewer than 6": it is larger
                        lower[variable] = float(threshold + 1)
        for name, value in hidden.get(year, {}).items():
            variable = f"{year}{SEPARATOR}{name}"
            unknown.add(variable)
            if kind(name) == PEOPLE and isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= threshold:
                targets.add(variable)
                result.hidden += 1
        previous = years[index - 1] if index > 0 else None
        for label, terms in declared_relations(values, local_relations, ETHNIC_GROUPS):
            qualified, numbers = [], []
            for name, coefficient in terms:
                if name.startswith(PREVIOUS):
                    if previous is None:
                        break
                    base = name[len(PREVIOUS):]
                    qualified.append((f"{previous}{SEPARATOR}{base}", coefficient))
                    numbers.append(truth.get(previous, {}).get(base))
                else:
                    qualified.append((f"{year}{SEPARATOR}{name}", coefficient))
                    numbers.append(values.get(name))
            else:
                if len(terms) < 2 or any(not isinstance(n, int) or isinstance(n, bool) for n in numbers):
                    continue
                if sum(c * n for (_, c), n in zip(terms, numbers)) != 0:
                    continue
                equations.append(qualified)
                for variable, _ in qualified:
                    used.setdefault(variable, []).append(label)
        readable = {name: value for name, value in shown.items()}
        for version in versions:  # a percentage published in another version is read too
            for name, value in version.get(year, {}).items():
                if _number(readable.get(name)) is None and _number(value) is not None:
                    readable[name] = value
        for terms, low, high, name in derived_constraints(readable):
            qualified = tuple((f"{year}{SEPARATOR}{n}", c) for n, c in terms)
            inequalities.append((qualified, low, high))
            for variable, _ in qualified:
                used.setdefault(variable, []).append(f"{name} as published")
    # a figure neither published nor withheld nor hidden (not available) leaves its relations out: deduce does
    intervals = deduce(known, unknown, equations, targets, lower=lower, upper=upper, inequalities=inequalities)
    result.intervals = intervals
    for variable, (low, high) in sorted(intervals.items()):
        if high - low < 0.5:
            year, _, figure = variable.partition(SEPARATOR)
            result.pinned.append({"year": year, "figure": figure, "relations": sorted(set(used.get(variable, [])))})
    return result
